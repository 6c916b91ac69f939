/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Waiting and dispatching: event_wait(), event_loop() and the callback
 * protocol (EVENTCB_* results, cleanup).
 */
#include "config.h"

#include <errno.h>

#include "dispatcher-internal.h"
#include "export.h"

/* Act on an EVENTCB_REMOVE or EVENTCB_CLEANUP result. */
static void finish_event(struct event *evt, int result)
{
	struct dispatcher *owner;

	/* The callback may have moved the event to another dispatcher. */
	owner = evt->dsp;
	if (owner && event_is_registered(owner, evt))
		event_unregister(owner, evt, !(owner->state & DSP_FREE_PENDING));
	if (result == EVENTCB_CLEANUP && evt->cleanup)
		evt->cleanup(evt);
}

/* Inlined into the loop over ready descriptors; see dispatch_callback(). */
static inline __attribute__((always_inline)) void
run_callback(struct dispatcher *dsp, struct event *evt, unsigned short reason,
	     uint32_t events)
{
	int result;

	evt->reason = reason;
	dsp->current = evt;
	dsp->cleaned_current = NULL;
	result = evt->callback(evt, events);
	dsp->cleaned_current = NULL;
	/*
	 * cleanup_dispatcher() from inside the callback may have run this
	 * event's cleanup, which may have freed it: hands off.
	 */
	if (dsp->current != evt)
		return;
	dsp->current = NULL;
	if (result == EVENTCB_REMOVE || result == EVENTCB_CLEANUP)
		finish_event(evt, result);
}

void dispatch_callback(struct dispatcher *dsp, struct event *evt,
		       unsigned short reason, uint32_t events)
{
	run_callback(dsp, evt, reason, events);
}

static void dispatch_ready(struct dispatcher *dsp, int count, bool *timer_due)
{
	for (int i = 0; i < count; i++) {
		uint64_t token = dsp->batch[i].data.u64;
		struct event *evt;

		if (token == TIMER_TOKEN) {
			*timer_due = true;
			continue;
		}
		/* Removed, or disabled by event_modify(), earlier in this batch. */
		evt = token_to_event(dsp, token);
		if (!evt || !evt->priv_.armed_events_)
			continue;
		/*
		 * The kernel disabled a one-shot descriptor when it reported
		 * it, unless a callback of this batch has armed it again since.
		 */
		if ((evt->priv_.armed_events_ & EPOLLONESHOT) &&
		    evt->priv_.modified_in_ != dsp->waits)
			evt->priv_.armed_events_ = 0;
		run_callback(dsp, evt, REASON_EVENT_OCCURED, dsp->batch[i].events);
		if (dsp->state & DSP_FREE_PENDING)
			return;
	}
}

/* One wait and dispatch. Sets *freed if a callback freed the dispatcher. */
static inline __attribute__((always_inline)) int
wait_and_dispatch(struct dispatcher *dsp, const sigset_t *sigmask, bool *freed)
{
	bool timer_due = false;
	int count, r = 0;

	/* Retry a timer update that failed at the end of the last round. */
	if (dsp->timer_stale) {
		r = timeout_sync_timer(dsp);
		if (r < 0)
			return r;
	}
	count = epoll_pwait(dsp->epfd, dsp->batch, DISPATCH_BATCH, -1, sigmask);
	if (count < 0)
		return -errno;
	dsp->waits++;

	dsp->busy++;
	/*
	 * Descriptors first, then timeouts: a callback that sees activity
	 * can still push back an idle timeout that expired in the meantime.
	 */
	dispatch_ready(dsp, count, &timer_due);
	if (timer_due && !(dsp->state & DSP_FREE_PENDING))
		r = timeout_expire(dsp);
	dsp->busy--;
	if (dsp->state & DSP_FREE_PENDING) {
		*freed = dispatcher_release_if_pending(dsp);
		return 0;
	}
	/* Without timeouts there is nothing to program. */
	if (dsp->heap.count) {
		int r2 = timeout_sync_timer(dsp);

		if (r == 0)
			r = r2;
	}
	return r;
}

static bool dispatcher_busy(const struct dispatcher *dsp)
{
	return dsp->busy || dispatcher_closing(dsp);
}

MV_EXPORT int event_wait(struct dispatcher *dsp, const sigset_t *sigmask)
{
	bool freed = false;

	if (!dsp)
		return -EINVAL;
	if (dispatcher_busy(dsp))
		return -EBUSY;
	return wait_and_dispatch(dsp, sigmask, &freed);
}

MV_EXPORT int event_loop(struct dispatcher *dsp, const sigset_t *sigmask,
			 int (*err_handler)(int err))
{
	bool freed = false;

	if (!dsp)
		return -EINVAL;
	if (dispatcher_busy(dsp))
		return -EBUSY;
	for (;;) {
		int r = wait_and_dispatch(dsp, sigmask, &freed);

		if (freed)
			return 0;
		if (r >= 0)
			continue;
		if (!err_handler)
			return r;
		r = err_handler(r);
		if (r != ELOOP_CONTINUE)
			return r;
	}
}
