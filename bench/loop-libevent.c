/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loop overhead, libevent: a persistent read event per socketpair end.
 * With the idle timeout the event is added with a timeout: for an
 * EV_PERSIST event libevent itself re-adds that timeout (event_add) every
 * time the event becomes active, which is the idiomatic push back. All
 * ends share one duration, so it is a "common timeout" (an O(1) queue
 * instead of the heap), as the libevent book recommends for that case.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>
#include <event2/event.h>

#include "common.h"

struct end {
	struct event *ev;
	int fd;
	int side;
	struct end *next;	/* where the byte goes on (see loop_next()) */
};

static struct event_base *base;
static uint64_t rts, iters;

static void on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct end *e = arg;
	char c;

	if (what & EV_TIMEOUT)
		die("unexpected idle timeout");
	if (read(fd, &c, 1) != 1)
		die("read");
	if (e->side == 0 && ++rts >= iters) {
		event_base_loopbreak(base);
		return;
	}
	if (write(e->next->fd, &c, 1) != 1)
		die("write");
}

int main(int argc, char **argv)
{
	struct timeval idle = { .tv_sec = LOOP_IDLE_S };
	const struct timeval *tv = NULL;
	struct event_config *cfg;
	struct loop_args a;
	struct end *ends;
	uint64_t t0;
	int *fds;
	char c = 'x';

	loop_parse(argc, argv, &a);
	iters = a.iters;
	fds = make_pairs(a.pairs);
	ends = calloc(2 * a.pairs, sizeof(*ends));
	cfg = event_config_new();
	if (!ends || !cfg)
		die("setup");
	/* The same kernel interface as every other backend. */
	event_config_avoid_method(cfg, "poll");
	event_config_avoid_method(cfg, "select");
	base = event_base_new_with_config(cfg);
	if (!base)
		die("event_base_new");
	if (a.tmo)
		tv = event_base_init_common_timeout(base, &idle);
	for (long i = 0; i < 2 * a.pairs; i++) {
		ends[i].fd = fds[i];
		ends[i].side = i & 1;
		ends[i].next = &ends[loop_next(&a, i)];
		ends[i].ev = event_new(base, fds[i], EV_READ | EV_PERSIST,
				       on_ready, &ends[i]);
		if (!ends[i].ev || event_add(ends[i].ev, tv) < 0)
			die("event_add");
	}
	for (long i = 0; i < a.active; i++)
		if (write(fds[loop_kick(&a, i)], &c, 1) != 1)
			die("write");

	t0 = now_ns();
	event_base_dispatch(base);
	loop_report(&a, rts, now_ns() - t0);
	return 0;
}
