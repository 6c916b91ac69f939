/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minivent program, written with the original API's short names, that
 * also uses a library built on libevent (libevent-user.c). Both loops must
 * work: libevent's event_add() must reach libevent, minivent's event_add()
 * (a macro for minivent_event_add) must reach minivent, in either order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <minivent/event.h>

#include "libevent-user.h"

struct pipe_event {
	struct event e;
	int hits;
};

static int on_pipe(struct event *evt, uint32_t events)
{
	struct pipe_event *pe = (struct pipe_event *)evt;
	char c;

	if (evt->reason == REASON_EVENT_OCCURED && (events & EPOLLIN) &&
	    read(evt->fd, &c, 1) == 1)
		pe->hits++;
	return EVENTCB_REMOVE;
}

static int fired;

static void on_timer(void *arg)
{
	(void)arg;
	fired++;
}

static int run_minivent(const char *when)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	struct timer_event t = TIMER_ON_STACK(on_timer, NULL, 20000);
	struct pipe_event pe = { .e = EVENT_ON_STACK(on_pipe, -1, EPOLLIN) };
	int p[2], rc, failed = 0;

	if (!dsp || pipe(p) < 0) {
		fprintf(stderr, "FAIL: setup (%s)\n", when);
		return 1;
	}
	pe.e.fd = p[0];
	pe.e.cleanup = NULL;
	fired = 0;
	rc = event_add(dsp, &pe.e);
	if (rc == 0)
		rc = event_add(dsp, &t.e);
	if (rc != 0) {
		fprintf(stderr, "FAIL: minivent's event_add: %s (%s)\n",
			strerror(-rc), when);
		failed = 1;
	}
	if (write(p[1], "y", 1) != 1)
		failed = 1;
	for (int i = 0; !failed && i < 100 && !(fired && pe.hits); i++)
		if (event_wait(dsp, NULL) < 0)
			break;
	if (!failed && (fired != 1 || pe.hits != 1)) {
		fprintf(stderr, "FAIL: minivent saw %d timer and %d fd events, want 1 and 1 (%s)\n",
			fired, pe.hits, when);
		failed = 1;
	}
	free_dispatcher(dsp);
	close(p[0]);
	close(p[1]);
	return failed;
}

int main(void)
{
	char why[200] = "";
	int failed = 0;

	failed |= run_minivent("before libevent");
	if (levuser_run(why, sizeof(why)) != 0) {
		fprintf(stderr, "FAIL: %s\n", why);
		failed = 1;
	}
	failed |= run_minivent("after libevent");
	if (!failed)
		printf("PASS: a libevent loop and a minivent loop in one process\n");
	return failed;
}
