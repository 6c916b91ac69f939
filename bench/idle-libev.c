/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Idle-connections server, libev (see idle_setup()): an ev_io and a
 * repeating ev_timer per connection; ev_timer_again() pushes the idle
 * timeout back on every read (the idle-timeout recipe of the libev
 * manual), and the repeat re-arms it when it expires.
 */
#include "config.h"

#include <stdlib.h>
#include <ev.h>

#include "common.h"

struct conn {
	ev_io io;
	ev_timer idle;
};

static struct idle_args a;
static int done;

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = container_of(w, struct conn, io);

	(void)revents;
	idle_read(&a, w->fd);
	ev_timer_again(loop, &c->idle);
}

static void on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop; (void)w; (void)revents;
	a.timeouts++;
}

static void on_phase(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	if (done++) {
		idle_report(&a);
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	idle_start(&a);
	ev_timer_set(w, (double)a.secs, 0.);
	ev_timer_start(loop, w);
}

int main(int argc, char **argv)
{
	struct ev_loop *loop = ev_default_loop(EVBACKEND_EPOLL);
	struct conn *c;
	ev_timer phase;

	idle_setup(argc, argv, &a);
	c = calloc(a.conns, sizeof(*c));
	if (!c || !loop)
		die("setup");
	for (long i = 0; i < a.conns; i++) {
		ev_io_init(&c[i].io, on_read, a.fds[i], EV_READ);
		ev_io_start(loop, &c[i].io);
		ev_timer_init(&c[i].idle, on_idle, a.first_ms[i] / 1e3,
			      (double)IDLE_TIMEOUT_S);
		ev_timer_start(loop, &c[i].idle);
	}
	idle_added(&a, sizeof(*c));
	ev_timer_init(&phase, on_phase, (double)IDLE_WARMUP_S, 0.);
	ev_timer_start(loop, &phase);
	while (done < 2) {
		ev_run(loop, EVRUN_ONCE);
		a.wakeups++;
	}
	free(c);
	return 0;
}
