/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MINIVENT_DISPATCHER_INTERNAL_H
#define MINIVENT_DISPATCHER_INTERNAL_H

/*
 * The dispatcher's private state, shared by the files of lib/.
 *
 * Registered events live in a slot table. The epoll data of a descriptor
 * is a token made of the slot index and the slot's generation; removing an
 * event bumps the generation. A readiness report that the kernel fetched
 * before the event was removed (or removed, freed and replaced by another
 * one at the same address) therefore no longer matches and is dropped
 * without ever touching the old event's memory.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "event.h"
#include "timeout-heap.h"

/* Ready descriptors fetched per epoll_pwait(). */
#define DISPATCH_BATCH 256

/* The epoll token of the dispatcher's own timerfd; never a valid slot. */
#define TIMER_TOKEN UINT64_MAX

/* Largest timer slack accepted: one hour. */
#define MAX_TIMER_SLACK_NS (3600LL * 1000000000LL)

struct slot {
	struct event *evt;	/* NULL when free */
	uint32_t gen;		/* bumped whenever the slot is vacated */
	uint32_t next_free;	/* 1 + next free slot index, 0 ends the list */
};

/* dispatcher::state bits */
enum {
	DSP_TIMEOUT_PASS = 1u << 0,	/* running expired timeouts */
	DSP_CLEANING = 1u << 1,		/* running cleanup callbacks */
	DSP_FREE_PENDING = 1u << 2,	/* free_dispatcher() was called while busy */
};

/* event_private_::state_ bits */
enum {
	EVT_IN_EPOLL = 1u << 0,		/* the fd is in the epoll set */
};

struct dispatcher {
	int epfd;
	int timerfd;
	int clock;
	unsigned int state;
	unsigned int busy;		/* inside event_wait() or running cleanups */

	struct slot *slots;
	uint32_t slots_used;		/* slots ever handed out (high-water mark) */
	uint32_t slots_capacity;
	uint32_t free_head;		/* 1 + first free slot, 0 if none */

	struct timeout_heap heap;
	int64_t armed;			/* deadline in the timerfd, or NO_DEADLINE */
	bool timer_stale;		/* the last timerfd update failed */
	int64_t slack_ns;
	int64_t cutoff;			/* "now" of the running timeout pass */
	uint64_t arm_seq;		/* counter behind event_private_::seq_ */

	struct event *current;		/* event whose callback runs, or NULL */
	/* current, after cleanup_dispatcher() ran its cleanup (see event_add) */
	struct event *cleaned_current;
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
};

static inline uint64_t slot_token(const struct dispatcher *dsp, uint32_t idx)
{
	return (uint64_t)dsp->slots[idx].gen << 32 | idx;
}

/* Is @evt registered with @dsp? Safe for any event whose dsp is @dsp. */
static inline bool event_is_registered(const struct dispatcher *dsp,
				       const struct event *evt)
{
	uint32_t idx = evt->priv_.slot_ - 1;

	return evt->priv_.slot_ != 0 && idx < dsp->slots_used &&
	       dsp->slots[idx].evt == evt;
}

/* The dispatcher @evt is registered with, or NULL. */
static inline struct dispatcher *owner_of(const struct event *evt)
{
	struct dispatcher *dsp = evt->dsp;

	return dsp && event_is_registered(dsp, evt) ? dsp : NULL;
}

/* Look up a token from epoll; NULL if the event was removed since. */
static inline struct event *token_to_event(const struct dispatcher *dsp,
					   uint64_t token)
{
	uint32_t idx = (uint32_t)token;

	if (idx >= dsp->slots_used || dsp->slots[idx].gen != (uint32_t)(token >> 32))
		return NULL;
	return dsp->slots[idx].evt;
}

/* Would a cleanup, dispatch or free now be unsafe? */
static inline bool dispatcher_closing(const struct dispatcher *dsp)
{
	return dsp->state & (DSP_CLEANING | DSP_FREE_PENDING);
}

/* event.c */
void event_unregister(struct dispatcher *dsp, struct event *evt,
		      bool touch_kernel);

/* timeout.c */
int timeout_deadline(const struct dispatcher *dsp, const struct timespec *tmo,
		     unsigned short flags, int64_t *deadline);
int timeout_arm(struct dispatcher *dsp, struct event *evt, int64_t deadline);
void timeout_cancel(struct dispatcher *dsp, struct event *evt);
int timeout_sync_timer(struct dispatcher *dsp);
int timeout_disarm_timer(struct dispatcher *dsp);
int timeout_expire(struct dispatcher *dsp);

/* dispatcher.c */
bool dispatcher_release_if_pending(struct dispatcher *dsp);

/* event-wait.c */
void dispatch_callback(struct dispatcher *dsp, struct event *evt,
		       unsigned short reason, uint32_t events);

#endif
