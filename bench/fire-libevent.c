/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firing, libevent: N timer events due over a 10 ms window (see
 * fire_parse()). evtimer_add() counts from a fresh clock read outside the
 * loop, so each timer's delay is taken from a clock read of its own, which
 * puts every deadline where the other backends put it.
 */
#include "config.h"

#include <stdlib.h>
#include <event2/event.h>

#include "common.h"

static uint64_t fired;

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
	fired++;
}

int main(int argc, char **argv)
{
	struct event_config *cfg = event_config_new();
	size_t esz = event_get_struct_event_size();
	uint64_t base, t, wakeups = 0;
	struct event_base *eb;
	struct fire_args a;
	char *block;

	fire_parse(argc, argv, &a);
	block = alloc_touched(a.n * esz);
	if (!cfg)
		die("event_config_new");
	event_config_avoid_method(cfg, "poll");
	event_config_avoid_method(cfg, "select");
	eb = event_base_new_with_config(cfg);
	if (!eb)
		die("event_base_new");
	base = now_ns() + a.lead_ns;
	for (long i = 0; i < a.n; i++) {
		struct event *ev = (struct event *)(block + (size_t)i * esz);
		int64_t d = (int64_t)(base + a.offset_ns[i] - now_ns());
		struct timeval tv;

		if (d < 0)
			d = 0;
		/* Rounded up to the microsecond: never before the deadline. */
		d = (d + 999) / 1000;
		tv.tv_sec = d / 1000000;
		tv.tv_usec = d % 1000000;
		evtimer_assign(ev, eb, on_timeout, NULL);
		evtimer_add(ev, &tv);
	}
	t = cpu_ns();
	while (fired < (uint64_t)a.n) {
		if (event_base_loop(eb, EVLOOP_ONCE) < 0)
			die("event_base_loop");
		wakeups++;
	}
	fire_report(&a, cpu_ns() - t, fired, wakeups);
	event_base_free(eb);
	free(block);
	return 0;
}
