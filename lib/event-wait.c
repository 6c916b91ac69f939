/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Waiting and dispatching: event_wait(), event_loop() and the callback
 * protocol (EVENTCB_* results, cleanup).
 */
#include "config.h"

#include <errno.h>

#include "dispatcher-internal.h"
#include "export.h"

/*
 * Act on an EVENTCB_REMOVE or EVENTCB_CLEANUP result. If the library ran
 * the event's cleanup during the callback (cleanup_dispatcher(),
 * free_dispatcher()), the event may be gone and its memory reused by a new
 * event that the callback registered: the result is ignored. Otherwise the
 * event is alive, and is unregistered wherever it is registered now (the
 * callback may have removed and added it again).
 */
static void finish_event(struct dispatcher *dsp, struct event *evt, int result)
{
	int64_t idx;

	if (dsp->running != evt)
		return;
	if (evt->dsp) {
		idx = slot_of(evt->dsp, evt);
		if (idx >= 0)
			slot_unregister(evt->dsp, (uint32_t)idx);
	} else {
		/* Re-initialized by its callback: find it by address. */
		idx = (int64_t)addr_index_find(&dsp->by_addr, dsp->slots, evt) - 1;
		if (idx >= 0)
			slot_unregister(dsp, (uint32_t)idx);
	}
	if (result == EVENTCB_CLEANUP && evt->cleanup)
		evt->cleanup(evt);
}

/* Inlined into the loop over ready descriptors; see dispatch_callback(). */
static inline __attribute__((always_inline)) void
run_callback(struct dispatcher *dsp, uint32_t idx, unsigned short reason,
	     uint32_t events)
{
	struct event *evt = dsp->slots[idx].evt;
	int result;

	/*
	 * Added to another dispatcher while registered here: this
	 * registration can only be dropped, without touching the event.
	 */
	if (!claim_event(dsp, evt, idx)) {
		slot_unregister(dsp, idx);
		return;
	}
	evt->reason = reason;
	dsp->running = evt;
	result = evt->callback(evt, events);
	if (result == EVENTCB_REMOVE || result == EVENTCB_CLEANUP)
		finish_event(dsp, evt, result);
}

void dispatch_callback(struct dispatcher *dsp, uint32_t idx,
		       unsigned short reason, uint32_t events)
{
	run_callback(dsp, idx, reason, events);
}

static void dispatch_ready(struct dispatcher *dsp, int count, bool *timer_due)
{
	for (int i = 0; i < count; i++) {
		uint64_t token = dsp->batch[i].data.u64;
		struct slot *slot;
		uint32_t events;

		if (token == TIMER_TOKEN) {
			*timer_due = true;
			continue;
		}
		/* Removed earlier in this batch (or long ago). */
		slot = token_to_slot(dsp, token);
		if (!slot || !(slot->state & SLOT_IN_EPOLL))
			continue;
		/*
		 * Report only what the event asks for now: a callback earlier
		 * in this batch may have narrowed its mask. EPOLLERR and
		 * EPOLLHUP come whatever the mask, as epoll reports them.
		 */
		events = dsp->batch[i].events &
			 (slot->armed_events | EPOLLERR | EPOLLHUP);
		if (!events)
			continue;
		/*
		 * The kernel disabled a one-shot descriptor when it reported
		 * it, unless a callback of this batch has armed it again since.
		 */
		if ((slot->armed_events & EPOLLONESHOT) &&
		    slot->modified_in != dsp->waits)
			slot->armed_events = ARMED_DISABLED;
		run_callback(dsp, (uint32_t)token, REASON_EVENT_OCCURED, events);
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
	/*
	 * Outside a timeout pass, arming programs the timer at once when it
	 * must; only a pass (or a failed update) leaves it to be done here.
	 */
	if (dsp->timer_stale) {
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
