/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A shared library built on libevent, as DNS resolvers, HTTP clients and
 * memcached clients are. It knows nothing of minivent: it includes
 * libevent's own <event.h> and runs one libevent loop with a descriptor
 * event and a timer. two-loops.c loads it into a program that links
 * libminivent first; when minivent exported libevent's names (event_add,
 * ...), libevent's own calls bound to minivent's and this loop never saw
 * its events.
 */
#include <event.h>
#include <unistd.h>

#include "libevent-user.h"

struct run_state {
	int fd_fired;
	int timer_fired;
};

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct run_state *st = arg;
	char c;

	if ((what & EV_READ) && read(fd, &c, 1) == 1 && c == 'x')
		st->fd_fired++;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct run_state *st = arg;

	(void)fd;
	if (what & EV_TIMEOUT)
		st->timer_fired++;
}

int levuser_run(char *why, size_t len)
{
	struct run_state st = { 0, 0 };
	struct timeval tv = { 0, 20000 };
	struct event_base *base;
	struct event *rd = NULL, *tm = NULL;
	int p[2] = { -1, -1 };
	int rc = -1;

	base = event_base_new();
	if (!base) {
		snprintf(why, len, "event_base_new failed");
		return -1;
	}
	if (pipe(p) < 0) {
		snprintf(why, len, "pipe failed");
		goto out;
	}
	rd = event_new(base, p[0], EV_READ | EV_PERSIST, on_readable, &st);
	tm = evtimer_new(base, on_timer, &st);
	if (!rd || !tm) {
		snprintf(why, len, "event_new failed");
		goto out;
	}
	/*
	 * These two calls are the ones that went astray: event_add() is both
	 * libevent's and (then) minivent's exported name.
	 */
	if (event_add(rd, NULL) != 0 || evtimer_add(tm, &tv) != 0) {
		snprintf(why, len, "libevent's event_add failed");
		goto out;
	}
	if (write(p[1], "x", 1) != 1) {
		snprintf(why, len, "write failed");
		goto out;
	}
	/* Bounded: at most a few passes, the timer is 20 ms away. */
	for (int i = 0; i < 100 && !(st.fd_fired && st.timer_fired); i++)
		if (event_base_loop(base, EVLOOP_ONCE) < 0)
			break;
	if (st.fd_fired == 1 && st.timer_fired == 1)
		rc = 0;
	else
		snprintf(why, len, "libevent loop saw %d fd and %d timer events, want 1 and 1",
			 st.fd_fired, st.timer_fired);
out:
	if (rd)
		event_free(rd);
	if (tm)
		event_free(tm);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	event_base_free(base);
	return rc;
}
