/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Known bug: removing an event whose descriptor was closed, after the
 * number was reused by a newly registered descriptor, silently unregisters
 * the new one, whose event then never fires.
 *
 * Closing a watched descriptor before event_remove() is allowed (the
 * kernel drops the epoll registration with the file). But
 * event_unregister() (lib/event.c) still issues EPOLL_CTL_DEL with the
 * old event's fd number: when accept()/socket() has handed that number
 * out again and the new descriptor was added meanwhile, the DEL hits the
 * new registration. Exit 1 while the bug is there (in XFAIL_TESTS).
 */
#include "config.h"

#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"

static int calls;

static int on_new(struct event *evt, uint32_t events)
{
	calls++;
	return EVENTCB_REMOVE;
}

static int on_guard(struct event *evt, uint32_t events)
{
	return EVENTCB_REMOVE;
}

int main(void)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	struct event old, new, guard = TIMER_EVENT_ON_STACK(on_guard, 100000);
	int a[2], b[2];

	if (!dsp || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a))
		return 99;
	old = (struct event)EVENT_ON_STACK(on_new, a[0], EPOLLIN);
	if (event_add(dsp, &old))
		return 99;
	close(a[0]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b) || b[0] != a[0])
		return 99;	/* the number must come back for the test */
	new = (struct event)EVENT_ON_STACK(on_new, b[0], EPOLLIN);
	if (event_add(dsp, &new) || event_remove(&old) ||
	    write(b[1], "x", 1) != 1 || event_add(dsp, &guard))
		return 99;
	while (guard.dsp)
		if (event_wait(dsp, NULL) < 0)
			return 99;
	printf("new descriptor's event called %d times\n", calls);
	free_dispatcher(dsp);
	close(a[1]);
	close(b[1]);
	if (calls != 1) {
		printf("FAIL: removing the stale event unregistered the new one\n");
		return 1;
	}
	return 0;
}
