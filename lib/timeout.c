/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Timeouts: turning struct timespec requests into deadlines, keeping them
 * in the heap, and driving the dispatcher's single timerfd.
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
#include <sys/timerfd.h>
#include <unistd.h>

#include "dispatcher-internal.h"
#include "time-internal.h"

int timeout_deadline(const struct dispatcher *dsp, const struct timespec *tmo,
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

int timeout_arm(struct dispatcher *dsp, struct event *evt, int64_t deadline)
{
	/* The pass re-arms once at its end; see event_wait(). */
	if (!(dsp->state & DSP_TIMEOUT_PASS)) {
		int64_t target = timer_target(dsp, deadline);

		if (target < dsp->armed) {
			int r = program_timer(dsp, target);

			if (r < 0)
				return r;
		}
	}
	evt->priv_.seq_ = ++dsp->arm_seq;
	if (evt->priv_.heap_pos_)
		heap_update(&dsp->heap, evt, deadline);
	else
		heap_insert(&dsp->heap, evt, deadline);
	return 0;
}

void timeout_cancel(struct dispatcher *dsp, struct event *evt)
{
	heap_remove(&dsp->heap, evt);
}

int timeout_sync_timer(struct dispatcher *dsp)
{
	const struct heap_entry *top = heap_top(&dsp->heap);
	int64_t target;

	if (!top)
		return 0;
	target = timer_target(dsp, top->deadline);
	return target < dsp->armed ? program_timer(dsp, target) : 0;
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
	while ((top = heap_top(&dsp->heap)) && top->deadline <= now) {
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
