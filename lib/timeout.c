/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Timeouts: event_mod_timeout(), turning struct timespec requests into
 * deadlines, keeping them in the heap, and driving the dispatcher's single
 * timerfd. Pushing a timeout back is the hottest path of a busy server, so
 * everything it calls sits in this file where the compiler can inline it.
 *
 * The timerfd is re-armed lazily. It always holds a time no later than the
 * earliest deadline (rounded up to the timer slack), so nothing fires
 * late; when a deadline moves later or is cancelled, the timerfd is left
 * alone and at worst wakes the loop once for nothing, after which it is
 * programmed for the real first deadline. That keeps the common "activity
 * pushes the idle timeout back" pattern free of system calls.
 *
 * Deadlines are kept on a steady clock (dispatcher::key_clock), so that a
 * relative timeout measures elapsed time even on a CLOCK_REALTIME
 * dispatcher whose wall clock is stepped. For such a dispatcher the
 * timerfd still runs on the wall clock, with TFD_TIMER_CANCEL_ON_SET: the
 * kernel then reports every setting of the clock on the same descriptor,
 * and the TMO_ABS deadlines are moved with the clock (see
 * timeout_wall_resync()). A wake-up runs every timeout that is due by the
 * clock read after it (see timeout_expire()), so the rounding to the
 * slack serves all of them with one wake-up, and none runs before its
 * deadline.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "dispatcher-internal.h"
#include "export.h"
#include "time-internal.h"

/*
 * A timeout set by a callback of the running timeout pass is due on the
 * next wait at the earliest; otherwise a callback re-arming its own
 * timeout in the past would keep the pass going forever.
 */
static inline int64_t after_this_pass(const struct dispatcher *dsp,
				      int64_t when)
{
	if ((dsp->state & DSP_TIMEOUT_PASS) && when <= dsp->cutoff)
		return dsp->cutoff + 1;
	return when;
}

/* SLOT_WALL if a deadline of @flags follows @dsp's wall clock, else 0. */
static inline uint32_t wall_bit(const struct dispatcher *dsp,
				unsigned short flags)
{
	return dsp->wall && (flags & TMO_ABS) ? SLOT_WALL : 0;
}

/* Subtract @delta from key @key, saturating in the range of keys. */
static int64_t key_shift(int64_t key, int64_t delta)
{
	int64_t shifted;

	if (__builtin_sub_overflow(key, delta, &shifted))
		return delta > 0 ? INT64_MIN + 1 : NO_DEADLINE - 1;
	return shifted < NO_DEADLINE ? shifted : NO_DEADLINE - 1;
}

/* The deadline of @tmo, which is valid and not {0, 0}. */
static inline __attribute__((always_inline)) int
deadline_of(const struct dispatcher *dsp, const struct timespec *tmo,
	    unsigned short flags, int64_t *deadline)
{
	int64_t when = timespec_to_ns(tmo);

	if (!(flags & TMO_ABS)) {
		int64_t now = clock_now_ns(dsp->key_clock);

		if (now < 0)
			return (int)now;
		when = ns_add_sat(now, when);
	} else {
		/* An absolute timerfd value of 0 would mean "disarm". */
		if (when < 1)
			when = 1;
		/*
		 * On the key clock. The offset may be out of date if the
		 * clock was set a moment ago: then the kernel has cancelled
		 * the timer, and timeout_wall_resync() moves this deadline
		 * with the others before any of them can fire.
		 */
		if (dsp->wall)
			when = key_shift(when, dsp->wall_offset);
	}
	*deadline = after_this_pass(dsp, when);
	return 0;
}

/* For event_add(): any @tmo; {0, 0} gives NO_DEADLINE. */
int timeout_deadline(const struct dispatcher *dsp, const struct timespec *tmo,
		     unsigned short flags, int64_t *deadline)
{
	if (!timespec_valid(tmo))
		return -EINVAL;
	if (timespec_is_zero(tmo)) {
		*deadline = NO_DEADLINE;
		return 0;
	}
	return deadline_of(dsp, tmo, flags, deadline);
}

/* When the timerfd should fire for @deadline: rounded up to the slack. */
static int64_t timer_target(const struct dispatcher *dsp, int64_t deadline)
{
	int64_t rounded;

	if (dsp->slack_ns <= 1 || deadline == NO_DEADLINE)
		return deadline;
	rounded = ns_add_sat(deadline, dsp->slack_ns - 1);
	return rounded - rounded % dsp->slack_ns;
}

/*
 * The wall clock's lead over the key clock, read in that order: the result
 * can be larger than the true offset by the time between the two reads,
 * never smaller, so that a timer armed at key + offset never fires before
 * the key. (The TMO_ABS deadlines keyed with it are checked on the wall
 * clock itself before they run: see wall_deadline_due().)
 */
static int read_wall_offset(const struct dispatcher *dsp, int64_t *offset)
{
	int64_t steady = clock_now_ns(dsp->key_clock), wall;

	if (steady < 0)
		return (int)steady;
	wall = clock_now_ns(CLOCK_REALTIME);
	if (wall < 0)
		return (int)wall;
	*offset = wall - steady;
	return 0;
}

/*
 * A change of the offset this large between two reads cannot be the
 * time between the reads: the clock was set.
 */
#define WALL_STEP_TOLERANCE_NS 1000000LL

/*
 * What a wall-clock timer is set to when no deadline is due, and the
 * latest time it is set to at all: as far as struct timespec reaches,
 * year 2262, or 2038 where time_t has 32 bits.
 */
#define WALL_IDLE_NS (sizeof(time_t) < 8 ? (int64_t)INT32_MAX * NSEC_PER_SEC \
					  : NO_DEADLINE - 1)

/* 0, -ECANCELED (set all the same: see program_wall_timer()) or an error. */
static int set_wall_timer(struct dispatcher *dsp, const struct itimerspec *its)
{
	if (timerfd_settime(dsp->timerfd,
			    TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			    its, NULL) < 0)
		return -errno;
	return 0;
}

/*
 * Program the wall-clock timerfd for key-clock time @when. It is always
 * armed, also with nothing to do, because only an armed
 * TFD_TIMER_CANCEL_ON_SET timer hears about the clock being set: that is
 * what keeps dispatcher::wall_offset valid between two settings.
 */
static int program_wall_timer(struct dispatcher *dsp, int64_t when)
{
	struct itimerspec its = { 0 };
	int64_t target = WALL_IDLE_NS, offset = 0;
	bool stepped;
	int r;

	if (when == NO_DEADLINE ||
	    __builtin_add_overflow(when, dsp->wall_offset, &target) ||
	    target > WALL_IDLE_NS)
		target = WALL_IDLE_NS;
	else if (target < 1)
		target = 1;
	its.it_value = ns_to_timespec(target);
	r = set_wall_timer(dsp, &its);
	if (r < 0 && r != -ECANCELED)
		return r;
	/*
	 * ECANCELED: the timer is set, but the clock was set since the
	 * timer was last read, and the kernel forgets that now (the timer
	 * is not readable any more). The kernel also cancels the timer for
	 * a setting of the clock after the call, not for one between the
	 * offset's reading and the call: look again. A timer set from an
	 * old offset could fire hours late, so have it fire now; the
	 * wake-up resynchronizes.
	 */
	stepped = r == -ECANCELED;
	r = read_wall_offset(dsp, &offset);
	if (stepped || r < 0 ||
	    offset - dsp->wall_offset > WALL_STEP_TOLERANCE_NS ||
	    dsp->wall_offset - offset > WALL_STEP_TOLERANCE_NS) {
		its.it_value = (struct timespec){ .tv_nsec = 1 };
		r = set_wall_timer(dsp, &its);
		if (r < 0 && r != -ECANCELED)
			return r;
		dsp->state |= DSP_WALL_STEPPED;
	}
	return 0;
}

static int program_timer(struct dispatcher *dsp, int64_t when)
{
	/* After fork(2) the timerfd is the parent's too. */
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	if (dsp->wall) {
		int r = program_wall_timer(dsp, when);

		if (r < 0)
			return r;
	} else {
		struct itimerspec its = { 0 };

		if (when != NO_DEADLINE)
			its.it_value = ns_to_timespec(when);
		if (timerfd_settime(dsp->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
			return -errno;
	}
	dsp->armed = when;
	/* Setting the timer also resets its expiry count: no longer readable. */
	dsp->state &= ~DSP_TIMER_FIRED;
	return 0;
}

/*
 * The wall clock was set (or may have been): read its offset again and
 * move every TMO_ABS deadline by the change, so that it stays at the same
 * wall-clock time. A forward step makes the deadlines it passed due at
 * once, a backward step puts them off. Relative deadlines stay where they
 * are. Steps are rare: a walk over the slot table is good enough.
 */
static int timeout_wall_resync(struct dispatcher *dsp)
{
	int64_t offset = 0, delta;
	int r = read_wall_offset(dsp, &offset);

	if (r < 0)
		return r;
	delta = offset - dsp->wall_offset;
	dsp->wall_offset = offset;
	dsp->state &= ~DSP_WALL_STEPPED;
	/* A cancelled timer is disarmed and must be set again, even if idle. */
	dsp->state |= DSP_TIMER_FIRED | DSP_TIMER_STALE;
	dsp->armed = NO_DEADLINE;
	if (delta == 0)
		return 0;
	for (uint32_t idx = FIRST_SLOT; idx < dsp->slots_used; idx++) {
		struct slot *s = &dsp->slots[idx];

		if (!(s->state & SLOT_WALL) || !heap_has(&dsp->heap, idx))
			continue;
		/* Still holds the delay of a relative timeout to come. */
		if (!(s->state & SLOT_PENDING))
			s->deadline = key_shift(s->deadline, delta);
		/* Moved alike, a lazy key stays a lower bound of the deadline. */
		heap_update(&dsp->heap, dsp->slots, idx,
			    key_shift(heap_entry_of(&dsp->heap, idx)->deadline,
				      delta));
	}
	return 0;
}

int timeout_init_clock(struct dispatcher *dsp)
{
	dsp->wall = dsp->clock == CLOCK_REALTIME ||
		    dsp->clock == CLOCK_REALTIME_ALARM;
	/*
	 * The wall clock counts suspend: relative timeouts on it do too,
	 * as they always have.
	 */
	if (dsp->wall || dsp->clock == CLOCK_BOOTTIME ||
	    dsp->clock == CLOCK_BOOTTIME_ALARM)
		dsp->key_clock = CLOCK_BOOTTIME;
	else
		dsp->key_clock = dsp->clock;
	if (!dsp->wall)
		return 0;
	/* Listen for settings of the clock from the start. */
	dsp->state |= DSP_WALL_STEPPED;
	return timeout_sync_timer(dsp);
}

/*
 * Is the heap key of slot @s out of date? A deadline moved later is only
 * recorded in the slot (see arm()); the key stays behind as a lower bound
 * until the entry reaches the top and the timer fires for it.
 */
static inline bool key_is_stale(const struct dispatcher *dsp,
				const struct heap_entry *e)
{
	return e->seq != dsp->slots[e->slot].deadline_seq;
}

/* Give slot @idx its real deadline and arming order as heap key. */
static void rekey(struct dispatcher *dsp, uint32_t idx)
{
	heap_update(&dsp->heap, dsp->slots, idx, dsp->slots[idx].deadline);
}

/* Bring the top of the heap up to date: stale keys must not decide. */
static const struct heap_entry *fresh_top(struct dispatcher *dsp)
{
	const struct heap_entry *top;

	while ((top = heap_top(&dsp->heap)) && key_is_stale(dsp, top))
		rekey(dsp, top->slot);
	return top;
}

/*
 * The arming order of a deadline set now. The orders are 32 bits, to
 * keep the slot small: once in two billion arms they are numbered again
 * from 1, in heap order, which keeps every tie as it was.
 */
static __attribute__((cold, noinline)) uint32_t
renumber_and_next_seq(struct dispatcher *dsp)
{
	dsp->arm_seq = heap_renumber(&dsp->heap, dsp->slots);
	return ++dsp->arm_seq;
}

static inline uint32_t next_seq(struct dispatcher *dsp)
{
	if (__builtin_expect(dsp->arm_seq >= HEAP_SEQ_LIMIT, 0))
		return renumber_and_next_seq(dsp);
	return ++dsp->arm_seq;
}

/*
 * The arming order of a deadline: the next one for a deadline set now, or
 * @seq, taken when a deferred push-back was set (see defer_relative()).
 * Callers that set now pass a constant 0, which the compiler folds.
 */
static inline __attribute__((always_inline)) uint32_t
arming_order(struct dispatcher *dsp, uint32_t seq)
{
	return seq ? seq : next_seq(dsp);
}

/*
 * Pushing a deadline back (an idle timeout on activity) is the common
 * case. The heap key may stay where it is, as a lower bound: no sift, no
 * timer change. The entry is re-keyed only when the timer fires for it,
 * which an often-pushed timeout rarely sees. False if slot @idx has no key,
 * or one later than @deadline: then it must be armed. @seq: see
 * arming_order().
 */
static inline __attribute__((always_inline)) bool
push_back_lazily(struct dispatcher *dsp, uint32_t idx, int64_t deadline,
		 uint32_t seq)
{
	struct slot *s = &dsp->slots[idx];

	if (!heap_has(&dsp->heap, idx) ||
	    deadline < heap_entry_of(&dsp->heap, idx)->deadline)
		return false;
	s->deadline = deadline;
	s->deadline_seq = arming_order(dsp, seq);
	return true;
}

/*
 * Put slot @idx's timeout at @deadline. During a pass the timerfd is left
 * for the end of the pass (see wait_and_dispatch()), so arming cannot fail
 * there; while the dispatcher is emptied or freed it is left alone (see
 * DSP_TIMER_LATER). @seq: see arming_order().
 */
static inline __attribute__((always_inline)) int
arm(struct dispatcher *dsp, uint32_t idx, int64_t deadline, uint32_t seq)
{
	struct slot *s = &dsp->slots[idx];

	if (push_back_lazily(dsp, idx, deadline, seq))
		return 0;
	if (timer_target(dsp, deadline) < dsp->armed) {
		if (dsp->state & DSP_TIMER_LATER) {
			dsp->state |= DSP_TIMER_STALE;
		} else {
			int r = program_timer(dsp, timer_target(dsp, deadline));

			if (r < 0)
				return r;
		}
	}
	s->deadline_seq = arming_order(dsp, seq);
	s->deadline = deadline;
	if (heap_has(&dsp->heap, idx))
		heap_update(&dsp->heap, dsp->slots, idx, deadline);
	else
		heap_insert(&dsp->heap, dsp->slots, idx, deadline);
	return 0;
}

int timeout_arm(struct dispatcher *dsp, uint32_t idx, int64_t deadline,
		unsigned short flags)
{
	int r = arm(dsp, idx, deadline, 0);

	if (r == 0)
		dsp->slots[idx].state |= wall_bit(dsp, flags);
	return r;
}

void timeout_cancel(struct dispatcher *dsp, uint32_t idx)
{
	dsp->slots[idx].state &= ~(SLOT_PENDING | SLOT_WALL);
	heap_remove(&dsp->heap, dsp->slots, idx);
}

/*
 * A relative timeout set by a callback of an fd pass with several reports.
 * Its start is taken from one clock read when the pass is over instead of
 * a read now: a read that late can only make the deadline later (never
 * early), by at most the rest of the pass, and a busy server pushing back
 * an idle timeout on every request saves a clock read per request. False
 * if it must be armed now.
 */
static inline __attribute__((always_inline)) bool
defer_relative(struct dispatcher *dsp, uint32_t idx, const struct timespec *tmo)
{
	struct slot *s = &dsp->slots[idx];

	if (!(s->state & SLOT_PENDING)) {
		/*
		 * A pass has at most DISPATCH_BATCH reports, and a callback
		 * usually pushes back its own timeout; one that pushes back
		 * many others finds the list full, and those are armed now.
		 */
		if (dsp->pending_count == DISPATCH_PENDING)
			return false;
		dsp->pending[dsp->pending_count++] = idx;
		s->state |= SLOT_PENDING;
	}
	s->deadline = timespec_to_ns(tmo);
	/*
	 * Its place among equal deadlines is taken now, as outside a batch:
	 * the last setting counts. No pass looks at the (then stale) key
	 * until the deadline is resolved (see timeout_expire()).
	 */
	s->deadline_seq = next_seq(dsp);
	return true;
}

int timeout_finish_pending(struct dispatcher *dsp)
{
	int64_t now = clock_now_ns(dsp->key_clock);
	bool outside_pass;

	/* Kept for the next try: see catch_up() in event-wait.c. */
	if (now < 0) {
		dsp->state |= DSP_TIMER_STALE;
		return (int)now;
	}
	/*
	 * As in a pass, arming only marks the timer stale, so that it cannot
	 * fail here; the caller programs the timer afterwards.
	 */
	outside_pass = !(dsp->state & DSP_FD_PASS);
	dsp->state |= DSP_FD_PASS;
	for (uint32_t i = 0; i < dsp->pending_count; i++) {
		uint32_t idx = dsp->pending[i];
		struct slot *s = &dsp->slots[idx];

		/* Removed, cancelled or set absolute since: nothing to do. */
		if (!(s->state & SLOT_PENDING))
			continue;
		s->state &= ~(SLOT_PENDING | SLOT_WALL);
		/* In the order they were set, not the order of this list. */
		(void)arm(dsp, idx, ns_add_sat(now, s->deadline),
			  s->deadline_seq);
	}
	if (outside_pass)
		dsp->state &= ~DSP_FD_PASS;
	dsp->pending_count = 0;
	return 0;
}

/*
 * Program the timerfd for the top of the heap if it would fire too late.
 * The top's key may be stale, but it is a lower bound of every deadline:
 * the timer fires no later than needed, at worst once early, and then
 * timeout_expire() re-keys what is stale. Re-keying here instead would
 * cost a sift from the root on every wake-up of a busy server.
 */
int timeout_sync_timer(struct dispatcher *dsp)
{
	const struct heap_entry *top;
	int r = 0;

	/* Keys to move before one of them is chosen: see program_wall_timer(). */
	if (dsp->state & DSP_WALL_STEPPED) {
		r = timeout_wall_resync(dsp);
		if (r < 0) {
			dsp->state |= DSP_TIMER_STALE;
			return r;
		}
	}
	top = heap_top(&dsp->heap);
	if (top) {
		int64_t target = timer_target(dsp, top->deadline);

		if (target < dsp->armed || (dsp->state & DSP_TIMER_FIRED))
			r = program_timer(dsp, target);
	} else if (dsp->state & DSP_TIMER_FIRED) {
		/* Nothing left: disarm, which clears the readiness too. */
		r = program_timer(dsp, NO_DEADLINE);
	}
	/*
	 * Remember a failure, or deadlines still to be computed after a
	 * failed clock read: the next event_wait() tries again.
	 */
	if (r < 0 || dsp->pending_count)
		dsp->state |= DSP_TIMER_STALE;
	else
		dsp->state &= ~DSP_TIMER_STALE;
	return r;
}

int timeout_disarm_timer(struct dispatcher *dsp)
{
	if (dsp->armed == NO_DEADLINE && !(dsp->state & DSP_TIMER_FIRED))
		return 0;
	return program_timer(dsp, NO_DEADLINE);
}

/*
 * The timerfd of a wall-clock dispatcher was reported: it expired, or the
 * kernel cancelled it because the clock was set, which read(2) says with
 * ECANCELED. Then the TMO_ABS deadlines are moved before any runs.
 */
static int wall_timer_check(struct dispatcher *dsp)
{
	uint64_t expirations;

	if (read(dsp->timerfd, &expirations, sizeof(expirations)) < 0) {
		if (errno == ECANCELED)
			dsp->state |= DSP_WALL_STEPPED;
		else if (errno != EAGAIN)
			return -errno;
	}
	if (dsp->state & DSP_WALL_STEPPED)
		return timeout_wall_resync(dsp);
	return 0;
}

/*
 * Has the wall clock reached TMO_ABS deadline @key? The key clock says so
 * already, but the offset that made the key may be larger than the true
 * one by the time between its two reads (see read_wall_offset()): ask the
 * wall clock itself, once per pass (*@wall_now is 0 until then). The
 * timer is set for exactly key + offset, the wall deadline, so an entry
 * that is not due yet is run by the next wake-up.
 */
static int wall_deadline_due(const struct dispatcher *dsp, int64_t key,
			     int64_t *wall_now)
{
	if (*wall_now == 0) {
		int64_t now = clock_now_ns(CLOCK_REALTIME);

		if (now < 0)
			return (int)now;
		*wall_now = now;
	}
	return key <= *wall_now - dsp->wall_offset;
}

int timeout_expire(struct dispatcher *dsp)
{
	const struct heap_entry *top;
	int64_t now, wall_now = 0;
	int r = 0;

	/*
	 * The clock read at the end of the fd pass failed: deferred
	 * push-backs still hold a delay, not a deadline, and their heap keys
	 * are older than what was asked. A pass now could fire a timeout
	 * its fd callback has just pushed back, or re-key one with the
	 * delay taken for a time. No pass, then; the timerfd stays readable
	 * (nothing has read or set it), so the next wait, which resolves the
	 * deferred deadlines first (catch_up()), comes back here.
	 */
	if (dsp->pending_count)
		return 0;
	/*
	 * The one-shot timer has expired, and nothing can have set it since
	 * epoll reported it: arming during the passes leaves that to the end
	 * of the wait. There, timeout_sync_timer() sets it again (or disarms
	 * it), which also clears its readiness: no read(2) needed.
	 */
	dsp->armed = NO_DEADLINE;
	dsp->state |= DSP_TIMER_STALE | DSP_TIMER_FIRED;
	if (dsp->wall) {
		r = wall_timer_check(dsp);
		if (r < 0)
			return r;
	}

	now = clock_now_ns(dsp->key_clock);
	if (now < 0)
		return (int)now;

	dsp->cutoff = now;
	dsp->state |= DSP_TIMEOUT_PASS;
	while ((top = fresh_top(dsp)) && top->deadline <= now) {
		uint32_t idx = top->slot;

		/* Only ever set on a wall-clock dispatcher. */
		if (dsp->slots[idx].state & SLOT_WALL) {
			r = wall_deadline_due(dsp, top->deadline, &wall_now);
			if (r <= 0)
				break;
			r = 0;
		}

		/*
		 * The callback needs the event, a cache miss away in a large
		 * heap: fetch it while the heap is sifted.
		 */
		__builtin_prefetch(dsp->slots[idx].evt);
		/* One-shot: the timeout is gone before the callback runs. */
		heap_pop(&dsp->heap, dsp->slots);
		dispatch_callback(dsp, idx, REASON_TIMEOUT, 0);
		if (dsp->state & DSP_FREE_PENDING)
			break;
	}
	dsp->state &= ~DSP_TIMEOUT_PASS;
	return r;
}

/*
 * Slot @idx of @evt has just been given the deadline of @tmo: that
 * supersedes a relative timeout set earlier in this pass, and the event
 * shows what it was asked for.
 */
static inline void record_armed(struct dispatcher *dsp, uint32_t idx,
				struct event *evt, const struct timespec *tmo,
				uint32_t wall)
{
	struct slot *s = &dsp->slots[idx];

	s->state = (s->state & ~(SLOT_PENDING | SLOT_WALL)) | wall;
	evt->tmo = *tmo;
}


/*
 * Arm registered @evt's timeout at @deadline, which @tmo gave, and record
 * @tmo in the event; nothing changes on failure.
 */
static __attribute__((noinline)) int
arm_and_record(struct event *evt, const struct timespec *tmo, int64_t deadline)
{
	struct dispatcher *dsp = evt->dsp;
	uint32_t idx = (uint32_t)evt->priv_.token_;
	int r = arm(dsp, idx, deadline, 0);

	if (r < 0)
		return r;
	record_armed(dsp, idx, evt, tmo, wall_bit(dsp, evt->flags));
	return 0;
}

/* Cancel, or arm now: everything but a deferred push-back. @tmo is valid. */
static __attribute__((noinline)) int
mod_timeout_now(struct dispatcher *dsp, uint32_t idx, struct event *evt,
		const struct timespec *tmo)
{
	int64_t deadline = NO_DEADLINE;
	int r;

	if (dispatcher_foreign(dsp))
		return -ECHILD;
	if (timespec_is_zero(tmo)) {
		timeout_cancel(dsp, idx);
		evt->tmo = *tmo;
		return 0;
	}
	r = deadline_of(dsp, tmo, evt->flags, &deadline);
	if (r < 0)
		return r;
	return arm_and_record(evt, tmo, deadline);
}

/*
 * A relative timeout of registered @evt set now: @tmo is valid and not
 * {0, 0}. Only @evt and @tmo live across the clock read, and pushing the
 * deadline later (push_back_lazily()) is done here, everything else in
 * arm_and_record(): so the call needs few registers saved. The deadline
 * needs no clamp at 1: the clock is positive, the timeout at least 1 ns.
 */
static __attribute__((noinline)) int
push_relative(struct event *evt, const struct timespec *tmo)
{
	int64_t now, deadline;
	struct dispatcher *dsp;
	uint32_t idx;

	if (dispatcher_foreign(evt->dsp))
		return -ECHILD;
	now = clock_now_ns(evt->dsp->key_clock);
	if (now < 0)
		return (int)now;
	dsp = evt->dsp;
	idx = (uint32_t)evt->priv_.token_;
	deadline = after_this_pass(dsp, ns_add_sat(now, timespec_to_ns(tmo)));
	if (!push_back_lazily(dsp, idx, deadline, 0))
		return arm_and_record(evt, tmo, deadline);
	record_armed(dsp, idx, evt, tmo, 0);
	return 0;
}

/*
 * The slot of registered @evt, for a call that gives it the timeout @tmo,
 * or a negative errno: -EINVAL (a NULL argument, unknown flags, an invalid
 * @tmo), -ENOENT (not registered with evt->dsp). The checks both
 * event_mod_timeout() and event_mod_timeout_periodic() make, in the order
 * their errors are documented.
 */
static inline __attribute__((always_inline)) int64_t
timeout_slot(struct event *evt, const struct timespec *tmo)
{
	int64_t idx;

	if (!evt || !tmo || !evt->dsp || (evt->flags & ~TMO_ABS))
		return -EINVAL;
	idx = slot_of(evt->dsp, evt);
	if (idx < 0)
		return -ENOENT;
	if (!timespec_valid(tmo))
		return -EINVAL;
	return idx;
}

/*
 * The hot path of a busy server: a callback pushes an idle timeout back.
 * Inside a batch it makes no call, so that it needs no registers saved;
 * outside one, push_relative() reads the clock. Everything else goes to
 * mod_timeout_now().
 */
MV_EXPORT int event_mod_timeout(struct event *evt, const struct timespec *tmo)
{
	struct dispatcher *dsp;
	int64_t idx = timeout_slot(evt, tmo);

	if (idx < 0)
		return (int)idx;
	dsp = evt->dsp;
	if (!(evt->flags & TMO_ABS) && !timespec_is_zero(tmo)) {
		/*
		 * Deferring touches only memory: a child that a callback of
		 * this batch forked learns from event_wait() (finish_wait())
		 * that the dispatcher is not its own. The other two paths
		 * test for a child themselves, after their calls, so that
		 * this function stays free of it.
		 */
		if ((dsp->state & DSP_DEFER_CLOCK) &&
		    defer_relative(dsp, (uint32_t)idx, tmo)) {
			evt->tmo = *tmo;
			return 0;
		}
		return push_relative(evt, tmo);
	}
	return mod_timeout_now(dsp, (uint32_t)idx, evt, tmo);
}

/*
 * The next tick of a periodic timeout: the deadline that last expired (or
 * is still armed) plus @period, on the key clock, so that the latency of
 * the callbacks does not add up. Ticks that have passed already are
 * skipped rather than run in a burst: the deadline is the first one after
 * now on the grid of the last deadline. An event with no deadline yet
 * starts the grid now.
 */
MV_EXPORT int event_mod_timeout_periodic(struct event *evt,
					 const struct timespec *period)
{
	struct dispatcher *dsp;
	struct slot *s;
	int64_t idx, now, step, next;
	int r;

	idx = timeout_slot(evt, period);
	if (idx < 0)
		return (int)idx;
	if (timespec_is_zero(period))
		return -EINVAL;
	dsp = evt->dsp;
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	step = timespec_to_ns(period);
	now = clock_now_ns(dsp->key_clock);
	if (now < 0)
		return (int)now;
	s = &dsp->slots[idx];
	/* deadline_seq is 0 until a deadline is armed; a pending one is a delay. */
	if (s->deadline_seq == 0 || (s->state & SLOT_PENDING)) {
		next = ns_add_sat(now, step);
	} else {
		int64_t last = s->deadline;

		if (last > now - step || last > NO_DEADLINE - 1 - step) {
			next = ns_add_sat(last, step);
		} else {
			/* Late by a period or more: the first tick after now. */
			uint64_t behind = (uint64_t)now - (uint64_t)last;

			next = ns_add_sat(now - (int64_t)(behind % (uint64_t)step), step);
		}
	}
	r = arm(dsp, (uint32_t)idx, after_this_pass(dsp, next), 0);
	if (r < 0)
		return r;
	record_armed(dsp, (uint32_t)idx, evt, period, 0);
	return 0;
}
