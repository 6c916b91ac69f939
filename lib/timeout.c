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
 * pushes the idle timeout back" pattern free of system calls. A wake-up
 * runs every timeout that is due by the clock read after it (see
 * timeout_expire()), so the rounding to the slack serves all of them with
 * one wake-up, and none runs before its deadline.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/timerfd.h>

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

/* The deadline of @tmo, which is valid and not {0, 0}. */
static inline __attribute__((always_inline)) int
deadline_of(const struct dispatcher *dsp, const struct timespec *tmo,
	    unsigned short flags, int64_t *deadline)
{
	int64_t when = timespec_to_ns(tmo);

	if (!(flags & TMO_ABS)) {
		int64_t now = clock_now_ns(dsp->clock);

		if (now < 0)
			return (int)now;
		when = ns_add_sat(now, when);
	}
	/* An absolute timerfd value of 0 would mean "disarm". */
	if (when < 1)
		when = 1;
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

static int program_timer(struct dispatcher *dsp, int64_t when)
{
	struct itimerspec its = { 0 };

	if (when != NO_DEADLINE)
		its.it_value = ns_to_timespec(when);
	if (timerfd_settime(dsp->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	dsp->armed = when;
	/* Setting the timer also resets its expiry count: no longer readable. */
	dsp->state &= ~DSP_TIMER_FIRED;
	return 0;
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
 * Pushing a deadline back (an idle timeout on activity) is the common
 * case. The heap key may stay where it is, as a lower bound: no sift, no
 * timer change. The entry is re-keyed only when the timer fires for it,
 * which an often-pushed timeout rarely sees. False if slot @idx has no key,
 * or one later than @deadline: then it must be armed.
 */
static inline __attribute__((always_inline)) bool
push_back_lazily(struct dispatcher *dsp, uint32_t idx, int64_t deadline)
{
	struct slot *s = &dsp->slots[idx];
	uint32_t seq;

	if (!heap_has(&dsp->heap, idx) ||
	    deadline < heap_entry_of(&dsp->heap, idx)->deadline)
		return false;
	seq = next_seq(dsp);
	s->deadline = deadline;
	s->deadline_seq = seq;
	return true;
}

/*
 * Put slot @idx's timeout at @deadline. During a pass the timerfd is left
 * for the end of the pass (see wait_and_dispatch()), so arming cannot fail
 * there.
 */
static inline __attribute__((always_inline)) int
arm(struct dispatcher *dsp, uint32_t idx, int64_t deadline)
{
	struct slot *s = &dsp->slots[idx];

	if (push_back_lazily(dsp, idx, deadline))
		return 0;
	if (timer_target(dsp, deadline) < dsp->armed) {
		if (dsp->state & DSP_PASSES) {
			dsp->state |= DSP_TIMER_STALE;
		} else {
			int r = program_timer(dsp, timer_target(dsp, deadline));

			if (r < 0)
				return r;
		}
	}
	s->deadline_seq = next_seq(dsp);
	s->deadline = deadline;
	if (heap_has(&dsp->heap, idx))
		heap_update(&dsp->heap, dsp->slots, idx, deadline);
	else
		heap_insert(&dsp->heap, dsp->slots, idx, deadline);
	return 0;
}

int timeout_arm(struct dispatcher *dsp, uint32_t idx, int64_t deadline)
{
	return arm(dsp, idx, deadline);
}

void timeout_cancel(struct dispatcher *dsp, uint32_t idx)
{
	dsp->slots[idx].state &= ~SLOT_PENDING;
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
	return true;
}

int timeout_finish_pending(struct dispatcher *dsp)
{
	int64_t now = clock_now_ns(dsp->clock);
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
		s->state &= ~SLOT_PENDING;
		(void)arm(dsp, idx, ns_add_sat(now, s->deadline));
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
	const struct heap_entry *top = heap_top(&dsp->heap);
	int r = 0;

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

int timeout_expire(struct dispatcher *dsp)
{
	const struct heap_entry *top;
	int64_t now;

	/*
	 * The one-shot timer has expired, and nothing can have set it since
	 * epoll reported it: arming during the passes leaves that to the end
	 * of the wait. There, timeout_sync_timer() sets it again (or disarms
	 * it), which also clears its readiness: no read(2) needed.
	 */
	dsp->armed = NO_DEADLINE;
	dsp->state |= DSP_TIMER_STALE | DSP_TIMER_FIRED;

	now = clock_now_ns(dsp->clock);
	if (now < 0)
		return (int)now;

	dsp->cutoff = now;
	dsp->state |= DSP_TIMEOUT_PASS;
	while ((top = fresh_top(dsp)) && top->deadline <= now) {
		uint32_t idx = top->slot;

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
	return 0;
}

/*
 * Slot @idx of @evt has just been given the deadline of @tmo: that
 * supersedes a relative timeout set earlier in this pass, and the event
 * shows what it was asked for.
 */
static inline void record_armed(struct dispatcher *dsp, uint32_t idx,
				struct event *evt, const struct timespec *tmo)
{
	dsp->slots[idx].state &= ~SLOT_PENDING;
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
	int r = arm(dsp, idx, deadline);

	if (r < 0)
		return r;
	record_armed(dsp, idx, evt, tmo);
	return 0;
}

/* Cancel, or arm now: everything but a deferred push-back. @tmo is valid. */
static __attribute__((noinline)) int
mod_timeout_now(struct dispatcher *dsp, uint32_t idx, struct event *evt,
		const struct timespec *tmo)
{
	int64_t deadline = NO_DEADLINE;
	int r;

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
	int64_t now = clock_now_ns(evt->dsp->clock), deadline;
	struct dispatcher *dsp;
	uint32_t idx;

	if (now < 0)
		return (int)now;
	dsp = evt->dsp;
	idx = (uint32_t)evt->priv_.token_;
	/* Even a fresh clock read: CLOCK_REALTIME may have stepped back. */
	deadline = after_this_pass(dsp, ns_add_sat(now, timespec_to_ns(tmo)));
	if (!push_back_lazily(dsp, idx, deadline))
		return arm_and_record(evt, tmo, deadline);
	record_armed(dsp, idx, evt, tmo);
	return 0;
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
	int64_t idx;

	if (!evt || !tmo || !evt->dsp || (evt->flags & ~TMO_ABS))
		return -EINVAL;
	dsp = evt->dsp;
	idx = slot_of(dsp, evt);
	if (idx < 0)
		return -ENOENT;
	if (!timespec_valid(tmo))
		return -EINVAL;
	if (!(evt->flags & TMO_ABS) && !timespec_is_zero(tmo)) {
		if ((dsp->state & DSP_DEFER_CLOCK) &&
		    defer_relative(dsp, (uint32_t)idx, tmo)) {
			evt->tmo = *tmo;
			return 0;
		}
		return push_relative(evt, tmo);
	}
	return mod_timeout_now(dsp, (uint32_t)idx, evt, tmo);
}
