/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Regression test for a bug, found by the model fuzzer: a callback that calls
 * cleanup_dispatcher(), registers its own event again and returns
 * EVENTCB_REMOVE (or EVENTCB_CLEANUP) leaves the event registered.
 *
 * run_cleanups() (lib/dispatcher.c) sets dsp->current to NULL so that
 * dispatch_callback() (lib/event-wait.c) does not touch an event its
 * cleanup may have freed; dispatch_callback() then ignores the result
 * entirely, even though the callback has since added the event again.
 * The contract says REMOVE unregisters the event. Exit 1 while the bug is
 * there.
 */
#include "config.h"

#include <stdio.h>

#include "event.h"

static struct dispatcher *dsp;
static int cleanups;

static void count_cleanup(struct event *evt)
{
	cleanups++;
}

static int readd_and_remove(struct event *evt, uint32_t events)
{
	if (cleanup_dispatcher(dsp) != 0 || event_add(dsp, evt) != 0)
		return 99;
	return EVENTCB_REMOVE;
}

int main(void)
{
	struct event t = TIMER_EVENT_ON_STACK(readd_and_remove, 0);
	int still;

	dsp = new_dispatcher(CLOCK_MONOTONIC);
	t.cleanup = count_cleanup;
	if (!dsp || event_add(dsp, &t) || event_wait(dsp, NULL))
		return 99;
	still = t.dsp != NULL;
	printf("after EVENTCB_REMOVE: registered %d, cleanups %d\n", still, cleanups);
	free_dispatcher(dsp);
	if (still) {
		printf("FAIL: EVENTCB_REMOVE was ignored\n");
		return 1;
	}
	return 0;
}
