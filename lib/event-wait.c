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
 * Act on an EVENTCB_REMOVE or EVENTCB_CLEANUP result. If the event's
 * registration ended during the callback (event_remove(), perhaps called
 * by a foreign library the callback ran, or a cleanup run by
 * cleanup_dispatcher() or free_dispatcher()), the event may be gone and
 * its memory reused by a new event that the callback registered: the
 * result is ignored. Otherwise the event is alive and still registered
 * (by address, if the callback re-initialized it).
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
		idx = (int64_t)addr_index_find(&dsp->by_addr, dsp->slots, evt, NULL) - 1;
		if (idx >= 0)
			slot_unregister(dsp, (uint32_t)idx);
	}
	if (result == EVENTCB_CLEANUP && evt->cleanup)
		evt->cleanup(evt);
}

/* Inlined into the loop over ready descriptors; see dispatch_callback(). */
static inline __attribute__((always_inline)) void
run_callback(struct dispatcher *dsp, uint64_t token, unsigned short reason,
	     uint32_t events)
{
	uint32_t idx = (uint32_t)token;
	struct event *evt = dsp->slots[idx].evt;
	int result;

	/*
	 * Added to another dispatcher while registered here: this
	 * registration can only be dropped, without touching the event.
	 */
	if (!claim_event_token(dsp, evt, token)) {
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
	run_callback(dsp, slot_token(dsp, idx), reason, events);
}

/*
 * A report whose token matches no registration of this dispatcher. One
 * that a callback of this batch ended after epoll_pwait() fetched the
 * report is simply dropped. But one that had ended before this wait began
 * is still in the kernel's epoll set: its descriptor was closed while
 * registered, and a dup() of it (in this process, or a child's copy)
 * keeps the file open, so EPOLL_CTL_DEL can no longer name it and nothing
 * can take it out. A level-triggered one wakes every wait. True then, so
 * that event_wait() says so (-ESTALE) instead of spinning in silence. A
 * token of no slot of this table (a forked parent's or child's) counts
 * too.
 */
static __attribute__((noinline, cold)) bool
report_outlived(const struct dispatcher *dsp, uint64_t token)
{
	uint32_t idx = (uint32_t)token;

	if (idx < FIRST_SLOT || idx >= dsp->slots_used)
		return true;
	return dsp->slots[idx].modified_in < dsp->waits;
}

/* One report of the fd pass. */
static inline __attribute__((always_inline)) void
dispatch_report(struct dispatcher *dsp, const struct epoll_event *report)
{
	uint64_t token = report->data.u64;
	struct slot *slot;
	uint32_t events;

	slot = token_to_slot(dsp, token);
	if (!slot) {
		/* The timer, or removed earlier in this batch (or long ago). */
		if (token == TIMER_TOKEN)
			dsp->state |= DSP_TIMER_DUE;
		else if (report_outlived(dsp, token))
			dsp->state |= DSP_STALE_REPORT;
		return;
	}
	/*
	 * Report only what the event asks for now: a callback earlier in
	 * this batch may have narrowed its mask. The kept mask includes
	 * EPOLLERR and EPOLLHUP, which epoll reports whatever the mask.
	 */
	events = report->events & slot->armed_events;
	if (!events)
		return;
	/*
	 * The kernel disabled a one-shot descriptor when it reported it,
	 * unless a callback of this batch has armed it again since.
	 */
	if ((slot->armed_events & EPOLLONESHOT) && slot->modified_in != dsp->waits)
		slot->armed_events = ARMED_DISABLED;
	run_callback(dsp, token, REASON_EVENT_OCCURED, events);
}

/*
 * What a failure at the end of the last round left to do: a relative
 * timeout whose deadline is still to be computed, a timer to program.
 */
static int catch_up(struct dispatcher *dsp)
{
	int r = 0;

	if (dsp->pending_count)
		r = timeout_finish_pending(dsp);
	if (r == 0 && (dsp->state & DSP_TIMER_STALE))
		r = timeout_sync_timer(dsp);
	return r;
}

/* Bits of dispatcher::state that one wait sets and clears. */
#define WAIT_BITS (DSP_IN_WAIT | DSP_FD_PASS | DSP_DEFER_CLOCK | DSP_TIMER_DUE | \
		   DSP_STALE_REPORT)

/*
 * How a dispatch ended for event_loop(): the dispatcher may be gone, and
 * with it the exit request that a callback made before freeing it.
 */
struct loop_end {
	bool freed;
	bool exit;
	int exit_value;
};

/*
 * The rest of a wait, when there is more to do than to return: deadlines
 * to compute, expired timeouts, a timer to program, memory to release.
 * @end may be NULL.
 */
static __attribute__((noinline)) int
finish_wait(struct dispatcher *dsp, struct loop_end *end)
{
	int r = dsp->pending_count ? timeout_finish_pending(dsp) : 0;

	/* After the callbacks of this batch, like any error of the wait. */
	if (r == 0 && (dsp->state & DSP_STALE_REPORT))
		r = -ESTALE;
	dsp->state &= ~(DSP_FD_PASS | DSP_DEFER_CLOCK);
	if ((dsp->state & (DSP_TIMER_DUE | DSP_FREE_PENDING)) == DSP_TIMER_DUE) {
		/*
		 * A callback forked, and this is the child: the timeouts
		 * are the parent's to run (and the timer, which
		 * program_timer() refuses to set). It may only free its
		 * copy; the next wait says so.
		 */
		int r2 = dispatcher_foreign(dsp) ? -ECHILD : timeout_expire(dsp);

		if (r == 0)
			r = r2;
	}
	dsp->state &= ~WAIT_BITS;
	if (dsp->state & DSP_FREE_PENDING) {
		bool exit = dsp->state & DSP_EXIT;
		int value = dsp->exit_value;

		if (dispatcher_release_if_pending(dsp) && end)
			*end = (struct loop_end){ true, exit, value };
		return 0;
	}
	/* Arming during the passes left the timer to be programmed here, once. */
	if (dsp->state & DSP_TIMER_STALE) {
		int r2 = timeout_sync_timer(dsp);

		if (r == 0)
			r = r2;
	}
	return r;
}

/*
 * One wait and dispatch, once catch_up() has nothing left to do. Fills
 * *@end (if not NULL) when a callback freed the dispatcher.
 */
static inline __attribute__((always_inline)) int
wait_and_dispatch(struct dispatcher *dsp, const sigset_t *sigmask,
		  struct loop_end *end)
{
	const struct epoll_event *report;
	int count;

	count = epoll_pwait(dsp->epfd, dsp->batch, DISPATCH_BATCH, -1, sigmask);
	if (count < 0)
		return -errno;
	dsp->waits++;

	/*
	 * Descriptors first, then timeouts: a callback that sees activity
	 * can still push back an idle timeout that expired in the meantime.
	 * One report means one callback: nothing for a shared clock read
	 * to save.
	 */
	dsp->state |= DSP_IN_WAIT | DSP_FD_PASS;
	if (count > 1)
		dsp->state |= DSP_DEFER_CLOCK;
	/* free_dispatcher() in a callback ends the pass (see batch_end). */
	dsp->batch_end = dsp->batch + count;
	for (report = dsp->batch; report < dsp->batch_end; report++)
		dispatch_report(dsp, report);
	if (__builtin_expect((dsp->state & (DSP_TIMER_DUE | DSP_FREE_PENDING |
					    DSP_TIMER_STALE | DSP_STALE_REPORT)) |
			     dsp->pending_count, 0))
		return finish_wait(dsp, end);
	dsp->state &= ~WAIT_BITS;
	return 0;
}

/* Neither busy nor with anything left to catch up on: one test. */
#define WAIT_SLOW_BITS (DSP_IN_WAIT | DSP_CLEANING | DSP_FREE_PENDING | \
			DSP_TIMER_STALE)

MV_EXPORT int event_wait(struct dispatcher *dsp, const sigset_t *sigmask)
{
	if (!dsp)
		return -EINVAL;
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	if (__builtin_expect(dsp->state & WAIT_SLOW_BITS, 0)) {
		int r;

		if (dispatcher_busy(dsp))
			return -EBUSY;
		r = catch_up(dsp);
		if (r < 0)
			return r;
	}
	return wait_and_dispatch(dsp, sigmask, NULL);
}

/* Take back the request of event_loop_exit(): event_loop() returns it. */
static int take_exit(struct dispatcher *dsp)
{
	dsp->state &= ~DSP_EXIT;
	return dsp->exit_value;
}

/*
 * The error handler runs as a callback does: a nested event_wait() is
 * refused, and a free_dispatcher() it makes releases the memory only here,
 * after it has returned. Fills *@end then; the loop must end (with the
 * handler's result, or 0 if that says continue).
 */
static int call_err_handler(struct dispatcher *dsp, int (*err_handler)(int),
			    int err, struct loop_end *end)
{
	int r;

	dsp->state |= DSP_IN_WAIT;
	r = err_handler(err);
	dsp->state &= ~DSP_IN_WAIT;
	if (dsp->state & DSP_FREE_PENDING) {
		bool exit = dsp->state & DSP_EXIT;
		int value = dsp->exit_value;

		dispatcher_release_if_pending(dsp);
		*end = (struct loop_end){ true, exit, value };
		return r == ELOOP_CONTINUE ? 0 : r;
	}
	return r;
}

MV_EXPORT int event_loop(struct dispatcher *dsp, const sigset_t *sigmask,
			 int (*err_handler)(int err))
{
	struct loop_end end = { false, false, 0 };

	if (!dsp)
		return -EINVAL;
	if (dispatcher_busy(dsp))
		return -EBUSY;
	for (;;) {
		int r = 0;

		/*
		 * Also after a callback forked: the child returns here. No
		 * error handler can make the dispatcher usable in a child.
		 */
		if (dispatcher_foreign(dsp))
			return -ECHILD;
		/*
		 * One test per round for both rare cases. An exit requested
		 * before the loop started ends it before it waits.
		 */
		if (__builtin_expect(dsp->state & (DSP_TIMER_STALE | DSP_EXIT), 0)) {
			if (dsp->state & DSP_EXIT)
				return take_exit(dsp);
			r = catch_up(dsp);
		}
		if (r == 0)
			r = wait_and_dispatch(dsp, sigmask, &end);
		if (end.freed)
			return end.exit ? end.exit_value : 0;
		if (r >= 0)
			continue;
		/* A request made by the batch wins over its error. */
		if (dsp->state & DSP_EXIT)
			return take_exit(dsp);
		if (!err_handler)
			return r;
		r = call_err_handler(dsp, err_handler, r, &end);
		if (end.freed)
			return end.exit ? end.exit_value : r;
		/* ... and over what the handler returns, if it made one. */
		if (dsp->state & DSP_EXIT)
			return take_exit(dsp);
		if (r != ELOOP_CONTINUE)
			return r;
	}
}

MV_EXPORT int event_loop_exit(struct dispatcher *dsp, int value)
{
	if (!dsp)
		return -EINVAL;
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	dsp->exit_value = value;
	dsp->state |= DSP_EXIT;
	return 0;
}
