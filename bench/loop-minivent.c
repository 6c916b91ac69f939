/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loop overhead, minivent: one struct event per socketpair end, embedded
 * in the end's state; the idle timeout is the event's own timeout, pushed
 * back with event_mod_timeout() on every read.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "common.h"
#include "event.h"

struct end {
	struct event ev;
	int side;
	struct end *next;	/* where the byte goes on (see loop_next()) */
};

static uint64_t rts, iters;
static int with_tmo;
static const struct timespec idle_tmo = { .tv_sec = LOOP_IDLE_S };

static int on_ready(struct event *evt, uint32_t events)
{
	struct end *e = container_of(evt, struct end, ev);
	char c;

	(void)events;
	if (evt->reason == REASON_TIMEOUT)
		die("unexpected idle timeout");
	if (read(evt->fd, &c, 1) != 1)
		die("read");
	if (with_tmo && event_mod_timeout(evt, &idle_tmo) < 0)
		die("event_mod_timeout");
	if (e->side == 0 && ++rts >= iters)
		return EVENTCB_CONTINUE;
	if (write(e->next->ev.fd, &c, 1) != 1)
		die("write");
	return EVENTCB_CONTINUE;
}

int main(int argc, char **argv)
{
	struct dispatcher *dsp;
	struct loop_args a;
	struct end *ends;
	uint64_t t0;
	int *fds;
	char c = 'x';

	loop_parse(argc, argv, &a);
	iters = a.iters;
	with_tmo = a.tmo;
	fds = make_pairs(a.pairs);
	ends = calloc(2 * a.pairs, sizeof(*ends));
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!ends || !dsp)
		die("setup");
	for (long i = 0; i < 2 * a.pairs; i++) {
		ends[i].ev = EVENT_W_TMO_ON_STACK(on_ready, fds[i], EPOLLIN,
						  a.tmo ? LOOP_IDLE_S * 1000000L : 0);
		ends[i].side = i & 1;
		ends[i].next = &ends[loop_next(&a, i)];
		if (event_add(dsp, &ends[i].ev) < 0)
			die("event_add");
	}
	for (long i = 0; i < a.active; i++)
		if (write(fds[loop_kick(&a, i)], &c, 1) != 1)
			die("write");

	t0 = now_ns();
	while (rts < iters)
		if (event_wait(dsp, NULL) < 0)
			die("event_wait");
	loop_report(&a, rts, now_ns() - t0);
	free_dispatcher(dsp);
	free(ends);
	return 0;
}
