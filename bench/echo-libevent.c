/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Echo server, libevent: one persistent read event with a timeout per
 * connection. libevent re-adds the timeout of an EV_PERSIST event each
 * time it becomes active (an event_add() with the timeout), so every
 * request pushes the idle timeout back; the shared duration is a "common
 * timeout" queue, the libevent way to keep many equal timeouts cheap.
 * Plain events rather than bufferevents, so the work matches the others.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>
#include <event2/event.h>

#include "common.h"

static struct event_base *base;
static const struct timeval *idle_tv;
static long live, accepted, want;
static uint64_t requests;
static char buf[ECHO_BUF];

static void conn_close(struct event *ev)
{
	close(event_get_fd(ev));
	event_free(ev);
	if (--live == 0 && accepted >= want)
		event_base_loopbreak(base);
}

static void on_conn(evutil_socket_t fd, short what, void *arg)
{
	struct event *ev = arg;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		conn_close(ev);
		return;
	}
	n = read(fd, buf, sizeof(buf));
	if (n <= 0) {
		conn_close(ev);
		return;
	}
	requests++;
	if (write(fd, buf, n) != n)
		conn_close(ev);
}

static void on_listen(evutil_socket_t lfd, short what, void *arg)
{
	int fd;

	(void)what; (void)arg;
	while ((fd = accept_nonblock(lfd)) >= 0) {
		struct event *ev = event_new(base, fd, EV_READ | EV_PERSIST,
					     on_conn, event_self_cbarg());

		if (!ev || event_add(ev, idle_tv) < 0)
			die("event_add");
		live++;
		accepted++;
	}
}

int main(int argc, char **argv)
{
	struct timeval idle = { .tv_sec = IDLE_TIMEOUT_S };
	struct event_config *cfg = event_config_new();
	struct echo_args a;
	struct event *lev;

	echo_parse(argc, argv, &a);
	want = a.clients;
	if (!cfg)
		die("event_config_new");
	event_config_avoid_method(cfg, "poll");
	event_config_avoid_method(cfg, "select");
	base = event_base_new_with_config(cfg);
	if (!base)
		die("event_base_new");
	idle_tv = event_base_init_common_timeout(base, &idle);
	lev = event_new(base, listen_unix(a.path), EV_READ | EV_PERSIST,
			on_listen, NULL);
	if (!lev || event_add(lev, NULL) < 0)
		die("event_add");
	event_base_dispatch(base);
	echo_report(requests);
	return 0;
}
