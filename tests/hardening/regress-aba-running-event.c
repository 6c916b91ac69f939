/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Regression test for a hole found by a hostile review (fixed): the ABA
 * problem on the running event.
 *
 * A callback calls cleanup_dispatcher(), which runs the running event's
 * cleanup; with cleanup_event_on_heap that frees it. The callback then
 * allocates a new event (malloc hands back the same address), registers it
 * and returns EVENTCB_CLEANUP. The library used to decide "is this the
 * event that was called?" by address alone, and so unregistered the new
 * event, closed its descriptor and freed it behind the application's back.
 *
 * Here the memory of the event is a static buffer that the cleanup only
 * marks as free, so the new event reliably lands at the old address, as
 * it would with glibc. The result of a callback whose event the library has
 * handed to its cleanup must be ignored: the new event stays registered,
 * with its descriptor open and its cleanup not called. Exits 1 if the hole
 * comes back.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "event.h"

static struct dispatcher *dsp;
static struct event storage;	/* what malloc would hand out twice */
static int generation, cleanups_of_new, pipe_fds[2];

static void cleanup_marks_free(struct event *evt)
{
	if (generation == 2)
		cleanups_of_new++;
	evt->fd = -1;		/* "freed" */
}

static int on_new(struct event *evt, uint32_t events)
{
	return EVENTCB_CONTINUE;
}

static int on_old(struct event *evt, uint32_t events)
{
	/* Frees the running event (its cleanup). */
	if (cleanup_dispatcher(dsp) != 0)
		return 99;
	/* A new event at the same address, registered. */
	storage = (struct event)EVENT_ON_STACK(on_new, pipe_fds[0], EPOLLIN);
	storage.cleanup = cleanup_marks_free;
	generation = 2;
	if (event_add(dsp, &storage) != 0)
		return 99;
	/* Meant for the old event, which is gone. */
	return EVENTCB_CLEANUP;
}

int main(void)
{
	int fail = 0;

	if (pipe(pipe_fds) < 0)
		return 99;
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	storage = (struct event)TIMER_EVENT_ON_STACK(on_old, 0);
	storage.cleanup = cleanup_marks_free;
	generation = 1;
	if (!dsp || event_add(dsp, &storage) || event_wait(dsp, NULL))
		return 99;
	printf("new event: registered %d, cleanups %d, fd %d\n",
	       storage.dsp == dsp, cleanups_of_new, storage.fd);
	if (storage.dsp != dsp || cleanups_of_new || storage.fd != pipe_fds[0]) {
		printf("FAIL: the old event's result hit the new event\n");
		fail = 1;
	}
	/* And it still works: readiness reaches it. */
	if (event_remove(&storage) != 0) {
		printf("FAIL: the new event is not registered\n");
		fail = 1;
	}
	free_dispatcher(dsp);
	return fail;
}
