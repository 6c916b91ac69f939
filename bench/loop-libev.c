/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loop overhead, libev: an ev_io per socketpair end and, for the idle
 * timeout, an ev_timer restarted with ev_timer_again() on every read,
 * which is how the libev manual says to do idle timeouts.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>
#include <ev.h>

#include "common.h"

struct end {
	ev_io io;
	ev_timer idle;
	int side;
	struct end *next;	/* where the byte goes on (see loop_next()) */
};

static uint64_t rts, iters;
static int with_tmo;

static void on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop; (void)w; (void)revents;
	die("unexpected idle timeout");
}

static void on_ready(struct ev_loop *loop, ev_io *w, int revents)
{
	struct end *e = container_of(w, struct end, io);
	char c;

	(void)revents;
	if (read(w->fd, &c, 1) != 1)
		die("read");
	if (with_tmo)
		ev_timer_again(loop, &e->idle);
	if (e->side == 0 && ++rts >= iters) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	if (write(e->next->io.fd, &c, 1) != 1)
		die("write");
}

int main(int argc, char **argv)
{
	struct ev_loop *loop = ev_default_loop(EVBACKEND_EPOLL);
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
	if (!ends || !loop)
		die("setup");
	for (long i = 0; i < 2 * a.pairs; i++) {
		ends[i].side = i & 1;
		ends[i].next = &ends[loop_next(&a, i)];
		ev_io_init(&ends[i].io, on_ready, fds[i], EV_READ);
		ev_io_start(loop, &ends[i].io);
		if (a.tmo) {
			ev_init(&ends[i].idle, on_idle);
			ends[i].idle.repeat = LOOP_IDLE_S;
			ev_timer_again(loop, &ends[i].idle);
		}
	}
	for (long i = 0; i < a.active; i++)
		if (write(fds[loop_kick(&a, i)], &c, 1) != 1)
			die("write");

	t0 = now_ns();
	ev_run(loop, 0);
	loop_report(&a, rts, now_ns() - t0);
	return 0;
}
