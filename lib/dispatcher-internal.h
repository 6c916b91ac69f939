/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MINIVENT_DISPATCHER_INTERNAL_H
#define MINIVENT_DISPATCHER_INTERNAL_H

/*
 * The dispatcher's private state, shared by the files of lib/.
 *
 * Every registration has a record (struct slot) in a table that the
 * dispatcher owns. The record holds what the dispatcher knows about the
 * registration: the descriptor as it was registered, the mask the kernel
 * has, the deadlines (the heap keeps where its entry is). struct event
 * only carries the registration's token (priv_.token_), so an
 * application that overwrites a registered event, by re-initializing it
 * or adding it to another dispatcher, can no longer corrupt the table or
 * the heap. An event re-initialized in place is still found by address
 * (event_add() says -EEXIST) and gets its identity (dsp, priv_.token_)
 * back when the dispatcher next meets it; one that was added elsewhere
 * meanwhile names another registration, and the old one is dropped
 * without touching it.
 *
 * A token is the record's generation (high 32 bits) and index (low 32
 * bits); it is also the epoll data of the descriptor. Record 0 is never
 * used, so a low half of 0 means "none". Vacating a record bumps its
 * generation, so a readiness report fetched before the event was removed
 * (or removed, freed and replaced by another event at the same address)
 * no longer matches and is dropped unread. A record whose generation has
 * run through all 2^32 values is retired instead of reused, so no stale
 * token can ever match again.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include "addr-index.h"
#include "event.h"
#include "timeout-heap.h"

/* Ready descriptors fetched per epoll_pwait(). */
#define DISPATCH_BATCH 256

/* Relative timeouts of one fd pass whose clock read is deferred, at most. */
#define DISPATCH_PENDING DISPATCH_BATCH

/*
 * The epoll token of the dispatcher's own timerfd. It names record 0,
 * which is never used and whose slot::token stays 0: the lookup of a
 * report fails for it as for a stale one, and only that rarer path needs
 * to tell the two apart.
 */
#define TIMER_TOKEN ((uint64_t)1 << 32)

/* Record 0 is never handed out (see TIMER_TOKEN). */
#define FIRST_SLOT 1

/*
 * The timer slack of a new dispatcher: 1 ms. A timerfd wake-up costs two
 * system calls (the wait, and setting the timer again for the next
 * deadline), so timeouts due close together, as with thousands of idle
 * timeouts, should share one. 1 ms is the precision of the loops that
 * sleep in epoll_wait()'s millisecond timeout (libev, libevent, libuv),
 * and it keeps the callback delay of programs written for the original
 * minivent, whose timers were exact, within what its own timing test
 * accepts (1 ms on average). A larger slack serves more timeouts per
 * wake-up; dispatcher_set_timer_slack() sets it, or 0 for exact timing.
 */
#define DEFAULT_TIMER_SLACK_NS (1LL * 1000000LL)

/* Largest timer slack accepted: one hour. */
#define MAX_TIMER_SLACK_NS (3600LL * 1000000000LL)

/*
 * slot::armed_events keeps EPOLLERR and EPOLLHUP with the mask the kernel
 * has: epoll reports them whatever the mask, so a readiness report is
 * masked with one AND, and a change of these two bits alone needs no
 * system call.
 */
#define ARMED_ALWAYS (EPOLLERR | EPOLLHUP)

/*
 * slot::armed_events of a one-shot descriptor the kernel has disabled.
 * Without ARMED_ALWAYS it equals no mask the kernel can have (which
 * always carries those two bits): event_modify() with any mask, even
 * EPOLLONESHOT alone, sees a change and re-arms it.
 */
#define ARMED_DISABLED EPOLLONESHOT

/* slot::state bits */
enum {
	/* slot::deadline holds a relative timeout waiting for a clock read */
	SLOT_PENDING = 1u << 1,
	/*
	 * A TMO_ABS deadline of a wall-clock dispatcher: its key follows
	 * the wall clock when that is set (see timeout_wall_resync()).
	 */
	SLOT_WALL = 1u << 2,
};

/*
 * 48 bytes, three quarters of a cache line: one per registered event, so
 * every field counts (issue 21). The arming order of the heap key is in
 * the heap entry (heap_entry::seq), and a vacant slot has no deadline.
 */
struct slot {
	struct event *evt;	/* NULL when free */
	/*
	 * The generation (bumped whenever the slot is vacated) in the high
	 * half; the low half is the slot's index while its fd is in the
	 * epoll set, 0 otherwise. A report matches if it equals this: one
	 * compare checks both. See slot_token() and the accessors below.
	 */
	uint64_t token;
	union {
		int64_t deadline;	/* the real deadline; may be later than the key */
		uint32_t next_free;	/* when vacant: 1 + next free slot, 0 ends */
	};
	/*
	 * The wait during which the fd mask last changed, or the slot was
	 * taken, vacated, or its descriptor left the epoll set: a report of
	 * an earlier registration of the slot made after that wait proves
	 * the kernel still has it (see report_outlived()).
	 */
	uint64_t modified_in;
	int fd;			/* as registered; -1 for a timer */
	uint32_t armed_events;	/* the kernel's mask | ARMED_ALWAYS; 0 if none */
	uint32_t state;		/* SLOT_* bits */
	/*
	 * Arming order of deadline, from dispatcher::arm_seq, or of a
	 * deferred one: when it was set. The heap key is stale while its
	 * heap_entry::seq differs.
	 */
	uint32_t deadline_seq;
};

/* dispatcher::state bits */
enum {
	DSP_TIMEOUT_PASS = 1u << 0,	/* running expired timeouts */
	DSP_CLEANING = 1u << 1,		/* running cleanup callbacks */
	DSP_FREE_PENDING = 1u << 2,	/* free_dispatcher() was called */
	DSP_FD_PASS = 1u << 3,		/* running callbacks of ready fds */
	DSP_TIMER_STALE = 1u << 4,	/* the timerfd must be programmed */
	/* relative timeouts wait for one clock read at the end of the pass */
	DSP_DEFER_CLOCK = 1u << 5,
	DSP_IN_WAIT = 1u << 6,		/* event_wait() is dispatching */
	/* the timerfd has expired and is readable until it is set again */
	DSP_TIMER_FIRED = 1u << 7,
	DSP_TIMER_DUE = 1u << 8,	/* epoll reported the timerfd */
	/* a registration that had ended before the wait was reported */
	DSP_STALE_REPORT = 1u << 9,
	/* the wall clock may have been set: dispatcher::wall_offset is stale */
	DSP_WALL_STEPPED = 1u << 10,
	/* event_loop_exit() was called; event_loop() returns exit_value */
	DSP_EXIT = 1u << 11,
	/* dispatcher_for_each_event() runs: the memory must stay */
	DSP_LISTING = 1u << 12,
};

/* While a pass runs, arming only records that the timer needs a look. */
#define DSP_PASSES (DSP_FD_PASS | DSP_TIMEOUT_PASS)

/*
 * So it does while the dispatcher is emptied or freed: a cleanup that
 * re-times another event must not program the timerfd. After fork(2) it
 * is shared with the parent, and the child's idea of what is armed is
 * stale; cleanup_dispatcher() disarms it once its walk is done.
 */
#define DSP_TIMER_LATER (DSP_PASSES | DSP_CLEANING | DSP_FREE_PENDING)

struct dispatcher {
	int epfd;
	int timerfd;
	int clock;			/* the application's, for TMO_ABS */
	/*
	 * Every deadline in the heap is a time on this steady clock
	 * (CLOCK_MONOTONIC or CLOCK_BOOTTIME), which no one can set: so a
	 * relative timeout measures elapsed time whatever the wall clock
	 * does. It is @clock itself unless that is a wall clock.
	 */
	int key_clock;
	unsigned int state;		/* DSP_* bits */
	/*
	 * @clock is CLOCK_REALTIME or CLOCK_REALTIME_ALARM. The timerfd
	 * runs on it, armed at key + wall_offset with
	 * TFD_TIMER_CANCEL_ON_SET, so that the kernel says when the clock
	 * is set; a TMO_ABS deadline W has the key W - wall_offset.
	 */
	bool wall;
	int64_t wall_offset;		/* @clock - @key_clock, see read_wall_offset() */

	struct slot *slots;
	uint32_t slots_used;		/* slots ever handed out (high-water mark) */
	uint32_t slots_capacity;
	uint32_t free_head;		/* 1 + first free slot, 0 if none */
	struct addr_index by_addr;	/* registered events by address */

	struct timeout_heap heap;
	int64_t armed;			/* deadline in the timerfd, or NO_DEADLINE */
	int64_t slack_ns;
	int64_t cutoff;			/* "now" of the running timeout pass */
	uint32_t arm_seq;		/* counter behind slot::deadline_seq */
	/*
	 * Slots whose relative timeout was set during the fd pass: their
	 * deadlines start from one clock read when the pass is over (see
	 * timeout_finish_pending()). A fixed array: a table the size of the
	 * slot table would cost every registered event 4 bytes of memory
	 * for a list that holds the events of one pass.
	 */
	uint32_t pending[DISPATCH_PENDING];
	uint32_t pending_count;

	/*
	 * The event whose callback runs; NULL once its registration has
	 * ended during that callback (event_remove(), or a cleanup run by
	 * cleanup_dispatcher() or free_dispatcher()): from then on the
	 * memory may have been freed, or reused by a new event, and the
	 * callback's result is ignored.
	 */
	struct event *running;
	int exit_value;			/* for event_loop(), with DSP_EXIT */
	uint64_t waits;			/* epoll_pwait() calls that returned */

	/*
	 * 1 + the slot of the event whose fd is in the epoll set, by fd
	 * number. When the kernel accepts a new registration for a number,
	 * any older event still holding it must have lost its descriptor
	 * (closed while registered): this table finds that event, so that it
	 * can no longer delete or modify the new registration.
	 */
	uint32_t *fd_owner;
	uint32_t fd_owner_capacity;

	struct epoll_event batch[DISPATCH_BATCH];
	/*
	 * The end of the reports that the running fd pass dispatches:
	 * free_dispatcher() moves it to the start, which ends the pass
	 * without a test after every callback.
	 */
	const struct epoll_event *batch_end;

	/*
	 * Use in a forked child (see dispatcher_foreign()). *alive is 1 in
	 * the process that created the dispatcher: it lies in a page of its
	 * own that the kernel zeroes in a child (MADV_WIPEONFORK), so one
	 * load tells, with no system call. Where the kernel cannot do that,
	 * alive points to alive_unknown (0), and getpid() decides.
	 */
	const uint32_t *alive;
	uint32_t alive_unknown;
	size_t alive_size;		/* of the page; 0 if there is none */
	pid_t pid;			/* of the process that created it */
};

#define TOKEN_INDEX_MASK UINT64_C(0xffffffff)

static inline uint32_t slot_gen(const struct slot *slot)
{
	return (uint32_t)(slot->token >> 32);
}

static inline bool slot_in_epoll(const struct slot *slot)
{
	return slot->token & TOKEN_INDEX_MASK;
}

/* The token of the registration in slot @idx (see struct slot). */
static inline uint64_t slot_token(const struct dispatcher *dsp, uint32_t idx)
{
	return (dsp->slots[idx].token & ~TOKEN_INDEX_MASK) | idx;
}

static inline void slot_set_in_epoll(struct dispatcher *dsp, uint32_t idx,
				     bool in)
{
	struct slot *slot = &dsp->slots[idx];

	slot->token = (slot->token & ~TOKEN_INDEX_MASK) | (in ? idx : 0);
}

/* Does @evt still say that it is the registration in slot @idx? */
static inline bool event_owns_slot(const struct dispatcher *dsp,
				   const struct event *evt, uint32_t idx)
{
	return evt->dsp == dsp && evt->priv_.token_ == slot_token(dsp, idx);
}

/*
 * Is @evt still the registration in slot @idx, which holds it? An event
 * re-initialized in place (dsp and priv_ zeroed, as the initializer macros
 * do) still is, as the original minivent found events by address: it gets
 * its identity back. One that names another registration is not.
 */
static inline bool claim_event_token(struct dispatcher *dsp,
				     struct event *evt, uint64_t token)
{
	if (__builtin_expect(evt->dsp == dsp && evt->priv_.token_ == token, 1))
		return true;
	if (evt->dsp || evt->priv_.token_)
		return false;
	evt->dsp = dsp;
	evt->priv_.token_ = token;
	return true;
}

static inline bool claim_event(struct dispatcher *dsp, struct event *evt,
			       uint32_t idx)
{
	return claim_event_token(dsp, evt, slot_token(dsp, idx));
}

/*
 * The slot of @evt, which claims to be registered with @dsp, or -1 if it
 * is not (never added, removed since, or overwritten). An index of 0
 * needs no test of its own: slot 0 never holds an event.
 */
static inline int64_t slot_of(const struct dispatcher *dsp,
			      const struct event *evt)
{
	uint32_t idx = (uint32_t)evt->priv_.token_;

	if (idx >= dsp->slots_used || dsp->slots[idx].evt != evt)
		return -1;
	return idx;
}

/*
 * Look up a token from epoll; NULL if that registration has ended, its
 * descriptor is no longer in the epoll set, or it is TIMER_TOKEN. A
 * vacated or retired slot has 0 in the low half of its token, which no
 * report has. Every token this dispatcher made names a slot below
 * slots_used, which never shrinks, but the epoll set is shared with a
 * forked child or parent, whose tokens may not: the index is checked.
 */
static inline struct slot *token_to_slot(const struct dispatcher *dsp,
					 uint64_t token)
{
	struct slot *slot;

	if (__builtin_expect((uint32_t)token >= dsp->slots_used, 0))
		return NULL;
	slot = &dsp->slots[(uint32_t)token];
	return slot->token == token ? slot : NULL;
}

/* Would a cleanup, dispatch or free now be unsafe? */
static inline bool dispatcher_closing(const struct dispatcher *dsp)
{
	return dsp->state & (DSP_CLEANING | DSP_FREE_PENDING);
}

/* Is a dispatch or a cleanup walk running, or the dispatcher going? */
static inline bool dispatcher_busy(const struct dispatcher *dsp)
{
	return dsp->state & (DSP_IN_WAIT | DSP_CLEANING | DSP_FREE_PENDING);
}

bool dispatcher_forked_slow(const struct dispatcher *dsp);

/*
 * Is @dsp used in a process other than the one that created it (a child
 * after fork(2))? Such a child shares the epoll set and the timerfd with
 * the parent, and its copy of the tables is stale: every call but
 * free_dispatcher() (and what the cleanups of that call do, which touches
 * no kernel state) must fail with -ECHILD.
 */
static inline bool dispatcher_foreign(const struct dispatcher *dsp)
{
	if (__builtin_expect(*dsp->alive, 1))
		return false;
	return dispatcher_forked_slow(dsp);
}

/* event.c */
void slot_unregister(struct dispatcher *dsp, uint32_t idx);

/* timeout.c */
int timeout_deadline(const struct dispatcher *dsp, const struct timespec *tmo,
		     unsigned short flags, int64_t *deadline);
int timeout_arm(struct dispatcher *dsp, uint32_t idx, int64_t deadline,
		unsigned short flags);
void timeout_cancel(struct dispatcher *dsp, uint32_t idx);
int timeout_finish_pending(struct dispatcher *dsp);
int timeout_sync_timer(struct dispatcher *dsp);
int timeout_disarm_timer(struct dispatcher *dsp);
int timeout_expire(struct dispatcher *dsp);
int timeout_init_clock(struct dispatcher *dsp);

/* dispatcher.c */
bool dispatcher_release_if_pending(struct dispatcher *dsp);

/* event-wait.c */
void dispatch_callback(struct dispatcher *dsp, uint32_t idx,
		       unsigned short reason, uint32_t events);

#endif
