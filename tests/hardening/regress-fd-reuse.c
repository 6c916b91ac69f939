/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Regression test for a bug (fixed): an event whose descriptor was closed while registered still
 * acts on the descriptor *number*. Once socket()/accept() hands that
 * number out again and the new descriptor is registered:
 *
 *  a) event_remove(old) issues EPOLL_CTL_DEL on the number and silently
 *     unregisters the new descriptor: its event never fires;
 *  b) event_modify(old) issues EPOLL_CTL_MOD with the old event's token:
 *     the new descriptor's readiness is delivered to the old event.
 *
 * Closing first is allowed (the kernel drops the registration with the
 * file), see event_unregister() and event_modify() in lib/event.c. Exits 1 if the bug
 * comes back.
 */
#include "config.h"

#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"

static struct event old, new;
static int old_calls, new_calls;

static int on_event(struct event *evt, uint32_t events)
{
	char buf[16];

	(void)!read(evt->fd, buf, sizeof(buf));
	if (evt == &old)
		old_calls++;
	else
		new_calls++;
	return EVENTCB_CONTINUE;
}

static int on_guard(struct event *evt, uint32_t events)
{
	return EVENTCB_REMOVE;
}

/* @modify: touch the stale event with event_modify(), else remove it. */
static int run(int modify)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	struct event guard = TIMER_EVENT_ON_STACK(on_guard, 100000);
	int a[2], b[2], r;

	old_calls = new_calls = 0;
	if (!dsp || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a))
		return 99;
	/* No cleanups: the two events share a number, the test closes. */
	old = (struct event){ .fd = a[0], .ep.events = EPOLLIN, .callback = on_event };
	if (event_add(dsp, &old))
		return 99;
	close(a[0]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b) || b[0] != a[0])
		return 99;	/* the number must come back for the test */
	new = (struct event){ .fd = b[0], .ep.events = EPOLLIN, .callback = on_event };
	if (event_add(dsp, &new))
		return 99;
	if (modify) {
		old.ep.events = EPOLLIN | EPOLLRDHUP;
		r = event_modify(&old);
	} else {
		r = event_remove(&old);
	}
	printf("%s of the stale event: %d\n", modify ? "event_modify" : "event_remove", r);
	if (write(b[1], "x", 1) != 1 || event_add(dsp, &guard))
		return 99;
	while (guard.dsp)
		if (event_wait(dsp, NULL) < 0)
			return 99;
	printf("  new descriptor's event called %d times, stale one %d times\n",
	       new_calls, old_calls);
	free_dispatcher(dsp);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	return new_calls == 1 && old_calls == 0 ? 0 : 1;
}

int main(void)
{
	int ra = run(0), rb = run(1);

	if (ra == 99 || rb == 99)
		return 99;
	if (ra)
		printf("FAIL: removing the stale event unregistered the new one\n");
	if (rb)
		printf("FAIL: modifying the stale event hijacked the new one\n");
	return ra || rb;
}
