/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Echo server, minivent: one heap-allocated event per connection whose own
 * timeout is the idle timeout, pushed back by event_mod_timeout() on every
 * request; EVENTCB_CLEANUP closes and frees the connection.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "common.h"
#include "event.h"

static struct dispatcher *dsp;
static long live, accepted;
static uint64_t requests;
static char buf[ECHO_BUF];
static const struct timespec idle_tmo = { .tv_sec = IDLE_TIMEOUT_S };

static void conn_cleanup(struct event *evt)
{
	live--;
	cleanup_event_on_heap(evt);
}

static int on_conn(struct event *evt, uint32_t events)
{
	ssize_t n;

	(void)events;
	if (evt->reason == REASON_TIMEOUT)
		return EVENTCB_CLEANUP;
	n = read(evt->fd, buf, sizeof(buf));
	if (n <= 0)
		return EVENTCB_CLEANUP;
	requests++;
	if (event_mod_timeout(evt, &idle_tmo) < 0)
		die("event_mod_timeout");
	/* AF_UNIX has room for a small reply; a short write is a failure. */
	if (write(evt->fd, buf, n) != n)
		return EVENTCB_CLEANUP;
	return EVENTCB_CONTINUE;
}

static int on_listen(struct event *evt, uint32_t events)
{
	int fd;

	(void)events;
	while ((fd = accept_nonblock(evt->fd)) >= 0) {
		struct event *c = malloc(sizeof(*c));

		if (!c)
			die("malloc");
		*c = EVENT_W_TMO_ON_HEAP(on_conn, fd, EPOLLIN,
					 IDLE_TIMEOUT_S * 1000000L);
		c->cleanup = conn_cleanup;
		if (event_add(dsp, c) < 0)
			die("event_add");
		live++;
		accepted++;
	}
	return EVENTCB_CONTINUE;
}

int main(int argc, char **argv)
{
	struct echo_args a;
	struct event lev;

	echo_parse(argc, argv, &a);
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp)
		die("new_dispatcher");
	lev = EVENT_ON_STACK(on_listen, listen_unix(a.path), EPOLLIN);
	if (event_add(dsp, &lev) < 0)
		die("event_add");
	while (accepted < a.clients || live > 0)
		if (event_wait(dsp, NULL) < 0)
			die("event_wait");
	echo_report(requests);
	free_dispatcher(dsp);
	return 0;
}
