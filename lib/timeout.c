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
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "dispatcher-internal.h"
#include "export.h"
#include "time-internal.h"

/* Inlined into event_mod_timeout(); event_add() uses timeout_deadline(). */
static inline __attribute__((always_inline)) int
compute_deadline(const struct dispatcher *dsp, const struct timespec *tmo,
		 unsigned short flags, int64_t *deadline)
{
	int64_t when;

	if (!timespec_valid(tmo))
		return -EINVAL;
	if (timespec_is_zero(tmo)) {
		*deadline = NO_DEADLINE;
		return 0;
	}
	if (flags & TMO_ABS) {
		when = timespec_to_ns(tmo);
	} else {
		int64_t now = clock_now_ns(dsp->clock);

		if (now < 0)
			return (int)now;
		when = ns_add_sat(now, timespec_to_ns(tmo));
	}
	/* An absolute timerfd value of 0 would mean "disarm". */
	if (when < 1)
		when = 1;
	/*
	 * A timeout set by a callback of the running timeout pass is due on
	 * the next wait at the earliest; otherwise a callback re-arming its
	 * own timeout in the past would keep the pass going forever.
	 */
	if ((dsp->state & DSP_TIMEOUT_PASS) && when <= dsp->cutoff)
		when = dsp->cutoff + 1;
	*deadline = when;
	return 0;
}

int timeout_deadline(const struct dispatcher *dsp, const struct timespec *tmo,
		     unsigned short flags, int64_t *deadline)
{
	return compute_deadline(dsp, tmo, flags, deadline);
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
	return 0;
}

/*
 * Is the heap key of @evt out of date? A deadline moved later is only
 * recorded in the event (see timeout_arm()); the key stays behind as a
 * lower bound until the entry gets near the top.
 */
static inline bool key_is_stale(const struct event *evt)
{
	return evt->priv_.seq_ != evt->priv_.deadline_seq_;
}

/* Give @evt its real deadline and arming order as heap key. */
static void rekey(struct dispatcher *dsp, struct event *evt)
{
	evt->priv_.seq_ = evt->priv_.deadline_seq_;
	heap_update(&dsp->heap, evt, evt->priv_.deadline_);
}

/* Bring the top of the heap up to date: stale keys must not decide. */
static const struct heap_entry *fresh_top(struct dispatcher *dsp)
{
	const struct heap_entry *top;

	while ((top = heap_top(&dsp->heap)) && key_is_stale(top->evt))
		rekey(dsp, top->evt);
	return top;
}

static inline __attribute__((always_inline)) int
arm(struct dispatcher *dsp, struct event *evt, int64_t deadline)
{
	struct event_private_ *priv = &evt->priv_;
	int64_t key;

	/*
	 * Pushing a deadline back (an idle timeout on activity) is the
	 * common case. The heap key may stay where it is, as a lower bound:
	 * no sift, no timer change. The entry is re-keyed only if it ever
	 * comes to the top, which an often-pushed timeout rarely does.
	 */
	if (priv->heap_pos_) {
		key = dsp->heap.entries[priv->heap_pos_ - 1].deadline;
		if (deadline >= key) {
			priv->deadline_ = deadline;
			priv->deadline_seq_ = ++dsp->arm_seq;
			return 0;
		}
	}
	/* The pass re-arms once at its end; see event_wait(). */
	if (!(dsp->state & DSP_TIMEOUT_PASS)) {
		int64_t target = timer_target(dsp, deadline);

		if (target < dsp->armed) {
			int r = program_timer(dsp, target);

			if (r < 0)
				return r;
		}
	}
	priv->deadline_ = deadline;
	priv->deadline_seq_ = priv->seq_ = ++dsp->arm_seq;
	if (priv->heap_pos_)
		heap_update(&dsp->heap, evt, deadline);
	else
		heap_insert(&dsp->heap, evt, deadline);
	return 0;
}

int timeout_arm(struct dispatcher *dsp, struct event *evt, int64_t deadline)
{
	return arm(dsp, evt, deadline);
}

void timeout_cancel(struct dispatcher *dsp, struct event *evt)
{
	heap_remove(&dsp->heap, evt);
}

int timeout_sync_timer(struct dispatcher *dsp)
{
	const struct heap_entry *top = fresh_top(dsp);
	int64_t target;
	int r = 0;

	if (top) {
		target = timer_target(dsp, top->deadline);
		if (target < dsp->armed)
			r = program_timer(dsp, target);
	}
	/* Remember a failure: the next event_wait() tries again. */
	dsp->timer_stale = r < 0;
	return r;
}

int timeout_disarm_timer(struct dispatcher *dsp)
{
	return dsp->armed == NO_DEADLINE ? 0 : program_timer(dsp, NO_DEADLINE);
}

int timeout_expire(struct dispatcher *dsp)
{
	const struct heap_entry *top;
	uint64_t ticks;
	int64_t now;

	/*
	 * Reading clears the readiness. EAGAIN means the timer was
	 * re-programmed after it fired, so dsp->armed is still accurate.
	 */
	if (read(dsp->timerfd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks))
		dsp->armed = NO_DEADLINE;
	else if (errno != EAGAIN)
		return -errno;

	now = clock_now_ns(dsp->clock);
	if (now < 0)
		return (int)now;

	dsp->cutoff = now;
	dsp->state |= DSP_TIMEOUT_PASS;
	while ((top = fresh_top(dsp)) && top->deadline <= now) {
		struct event *evt = top->evt;

		/* One-shot: the timeout is gone before the callback runs. */
		heap_remove(&dsp->heap, evt);
		dispatch_callback(dsp, evt, REASON_TIMEOUT, 0);
		if (dsp->state & DSP_FREE_PENDING)
			break;
	}
	dsp->state &= ~DSP_TIMEOUT_PASS;
	return 0;
}

MV_EXPORT int event_mod_timeout(struct event *evt, const struct timespec *tmo)
{
	struct dispatcher *dsp;
	int64_t deadline = NO_DEADLINE;
	int r;

	if (!evt || !tmo || (evt->flags & ~TMO_ABS))
		return -EINVAL;
	dsp = owner_of(evt);
	if (!dsp)
		return -ENOENT;
	r = compute_deadline(dsp, tmo, evt->flags, &deadline);
	if (r < 0)
		return r;
	if (deadline == NO_DEADLINE) {
		timeout_cancel(dsp, evt);
	} else {
		r = arm(dsp, evt, deadline);
		if (r < 0)
			return r;
	}
	evt->tmo = *tmo;
	return 0;
}
