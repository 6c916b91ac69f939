/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Regression test for a bug found by the model fuzzer (fixed): a one-shot event re-armed by
 * another callback while its own readiness is still in the running batch
 * is never called again.
 *
 * dispatch_ready() (lib/event-wait.c) clears armed_events_ of an event
 * whose *current* mask has EPOLLONESHOT, assuming the kernel disabled it
 * when it reported the event. But event_modify() ran after the report
 * (EPOLL_CTL_MOD re-arms in the kernel), so the kernel is armed while the
 * library believes it is not, and drops the next report ("disabled
 * earlier in this batch"). The event is lost for good.
 *
 * Two sockets, both readable, both EPOLLIN|EPOLLONESHOT: whichever
 * callback runs first re-arms the other for EPOLLOUT|EPOLLONESHOT. The
 * other must then be called with EPOLLOUT on a later wait. Exit 1 while
 * the bug is there.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"

static struct event ev[2];
static int out_calls[2], calls;

static int on_ready(struct event *evt, uint32_t events)
{
	int i = evt == &ev[1], other = !i;
	char buf[16];

	calls++;
	if (events & EPOLLOUT) {
		out_calls[i]++;
		return EVENTCB_CONTINUE;
	}
	(void)!read(evt->fd, buf, sizeof(buf));
	if (calls == 1) {
		ev[other].ep.events = EPOLLOUT | EPOLLONESHOT;
		if (event_modify(&ev[other]) != 0) {
			fprintf(stderr, "event_modify failed\n");
			_exit(99);
		}
		printf("callback of %d re-armed %d for EPOLLOUT\n", i, other);
	}
	return EVENTCB_CONTINUE;
}

static int on_guard(struct event *evt, uint32_t events)
{
	return EVENTCB_CONTINUE;
}

int main(void)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	struct event guard = TIMER_EVENT_ON_STACK(on_guard, 200000);
	int sv[2][2];

	if (!dsp)
		return 99;
	for (int i = 0; i < 2; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv[i]))
			return 99;
		ev[i] = (struct event)EVENT_ON_STACK(on_ready, sv[i][0],
						      EPOLLIN | EPOLLONESHOT);
		if (event_add(dsp, &ev[i]) || write(sv[i][1], "x", 1) != 1)
			return 99;
	}
	if (event_add(dsp, &guard))
		return 99;
	/* Wait 1: both readable. Then EPOLLOUT is due at once; the guard timer
	 * keeps the test from blocking if it is lost. */
	for (int n = 0; n < 3 && !out_calls[0] && !out_calls[1]; n++)
		if (event_wait(dsp, NULL) < 0)
			return 99;
	printf("EPOLLOUT callbacks after re-arm: %d %d\n", out_calls[0], out_calls[1]);
	free_dispatcher(dsp);
	for (int i = 0; i < 2; i++)
		close(sv[i][1]);
	if (out_calls[0] + out_calls[1] != 1) {
		printf("FAIL: the re-armed one-shot event was lost\n");
		return 1;
	}
	return 0;
}
