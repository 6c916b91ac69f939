/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Idle-connections server, libevent (see idle_setup()): one persistent
 * read event with a timeout per connection; libevent re-arms a persistent
 * event's timeout whenever it runs, for a read or a timeout.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <event2/event.h>

#include "common.h"

static struct idle_args a;
static int done;
static struct event_base *eb;
static char *block;
static size_t esz;
static unsigned char *staggered;
static const struct timeval idle = { .tv_sec = IDLE_TIMEOUT_S };

static void on_conn(evutil_socket_t fd, short what, void *arg)
{
	size_t i = (size_t)((char *)arg - block) / esz;

	if (what & EV_TIMEOUT)
		a.timeouts++;
	else
		idle_read(&a, fd);
	/*
	 * A persistent event re-arms with the timeout of its last
	 * event_add(): after the staggered first one, the idle timeout.
	 */
	if (staggered[i]) {
		staggered[i] = 0;
		event_add((struct event *)arg, &idle);
	}
}

static void on_phase(evutil_socket_t fd, short what, void *arg)
{
	struct timeval end = { .tv_sec = a.secs };

	(void)fd; (void)what;
	if (done++) {
		idle_report(&a);
		return;
	}
	idle_start(&a);
	evtimer_add((struct event *)arg, &end);
}

int main(int argc, char **argv)
{
	struct event_config *cfg = event_config_new();
	struct timeval warm = { .tv_sec = IDLE_WARMUP_S };
	struct event *phase;

	idle_setup(argc, argv, &a);
	if (!cfg)
		die("event_config_new");
	event_config_avoid_method(cfg, "poll");
	event_config_avoid_method(cfg, "select");
	eb = event_base_new_with_config(cfg);
	esz = event_get_struct_event_size();
	block = calloc(a.conns, esz);
	staggered = malloc(a.conns);
	if (!eb || !block || !staggered)
		die("setup");
	memset(staggered, 1, a.conns);
	for (long i = 0; i < a.conns; i++) {
		struct event *ev = (struct event *)(block + (size_t)i * esz);
		struct timeval first = { .tv_sec = a.first_ms[i] / 1000,
					 .tv_usec = a.first_ms[i] % 1000 * 1000 };

		event_assign(ev, eb, a.fds[i], EV_READ | EV_PERSIST, on_conn, ev);
		event_add(ev, &first);
	}
	idle_added(&a, esz);
	phase = evtimer_new(eb, on_phase, event_self_cbarg());
	evtimer_add(phase, &warm);
	while (done < 2) {
		if (event_base_loop(eb, EVLOOP_ONCE) < 0)
			die("event_base_loop");
		a.wakeups++;
	}
	free(block);
	return 0;
}
