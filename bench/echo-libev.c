/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Echo server, libev: an ev_io and an ev_timer per connection; the timer
 * has a repeat value and ev_timer_again() pushes it back on every request,
 * the idle-timeout recipe of the libev manual.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>
#include <ev.h>

#include "common.h"

struct conn {
	ev_io io;
	ev_timer idle;
};

static long live, accepted;
static long want;
static uint64_t requests;
static char buf[ECHO_BUF];

static void conn_close(struct ev_loop *loop, struct conn *c)
{
	ev_io_stop(loop, &c->io);
	ev_timer_stop(loop, &c->idle);
	close(c->io.fd);
	free(c);
	if (--live == 0 && accepted >= want)
		ev_break(loop, EVBREAK_ALL);
}

static void on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	conn_close(loop, container_of(w, struct conn, idle));
}

static void on_conn(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = container_of(w, struct conn, io);
	ssize_t n = read(w->fd, buf, sizeof(buf));

	(void)revents;
	if (n <= 0) {
		conn_close(loop, c);
		return;
	}
	requests++;
	ev_timer_again(loop, &c->idle);
	if (write(w->fd, buf, n) != n)
		conn_close(loop, c);
}

static void on_listen(struct ev_loop *loop, ev_io *w, int revents)
{
	int fd;

	(void)revents;
	while ((fd = accept_nonblock(w->fd)) >= 0) {
		struct conn *c = malloc(sizeof(*c));

		if (!c)
			die("malloc");
		ev_io_init(&c->io, on_conn, fd, EV_READ);
		ev_io_start(loop, &c->io);
		ev_init(&c->idle, on_idle);
		c->idle.repeat = IDLE_TIMEOUT_S;
		ev_timer_again(loop, &c->idle);
		live++;
		accepted++;
	}
}

int main(int argc, char **argv)
{
	struct ev_loop *loop = ev_default_loop(EVBACKEND_EPOLL);
	struct echo_args a;
	ev_io lio;

	echo_parse(argc, argv, &a);
	want = a.clients;
	if (!loop)
		die("ev_default_loop");
	ev_io_init(&lio, on_listen, listen_unix(a.path), EV_READ);
	ev_io_start(loop, &lio);
	ev_run(loop, 0);
	echo_report(requests);
	return 0;
}
