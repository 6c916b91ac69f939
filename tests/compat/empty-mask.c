/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "Clearing all epoll flags is not sufficient": with ep.events == 0 the
 * original kept the descriptor in the epoll set, so EPOLLHUP and EPOLLERR,
 * which epoll always reports, still reached the callback. Programs rely on
 * it to notice a peer that went away while they were not reading.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"
#include "compat.h"

static uint32_t seen;
static int calls;

static int on_sock(struct event *evt, uint32_t events)
{
	calls++;
	seen |= events;
	return EVENTCB_REMOVE;
}

static int on_deadline(struct event *evt, uint32_t events)
{
	return EVENTCB_REMOVE;
}

/* Run until @evt's callback came or the 5 s guard timer fired. */
static void wait_for_call(struct dispatcher *dsp)
{
	struct event guard = TIMER_EVENT_ON_STACK(on_deadline, 5000000);

	CHECK_ERR(event_add(dsp, &guard), 0);
	while (calls == 0 && guard.dsp)
		CHECK_ERR(event_wait(dsp, NULL), 0);
	if (guard.dsp)
		CHECK_ERR(event_remove(&guard), 0);
}

static void run(bool via_modify)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	struct event ev;
	int sv[2];

	if (!dsp || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		exit(COMPAT_HARD_ERROR);
	calls = 0;
	seen = 0;
	ev = (struct event)EVENT_ON_STACK(on_sock, sv[0], via_modify ? EPOLLIN : 0);
	CHECK_ERR(event_add(dsp, &ev), 0);
	if (via_modify) {
		ev.ep.events = 0;
		CHECK_ERR(event_modify(&ev), 0);
	}
	/* Data alone does not wake an empty mask... */
	CHECK(write(sv[1], "x", 1) == 1);
	/* ...but the hang-up does. */
	close(sv[1]);
	wait_for_call(dsp);
	CHECK(calls == 1);
	CHECK(seen & EPOLLHUP);
	CHECK(!(seen & EPOLLIN));
	close(sv[0]);
	free_dispatcher(dsp);
}

int main(void)
{
	run(false);	/* event_add() with 0 */
	run(true);	/* event_modify() to 0 */
	return COMPAT_EXIT();
}
