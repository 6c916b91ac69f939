/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Timer churn, libevent: N timer events assigned in one block (no malloc
 * per timer). evtimer_add() on a pending timer moves it, evtimer_del()
 * cancels. The deadlines are random, so they go to libevent's heap (a
 * common timeout queue only fits equal durations).
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

static struct timeval ms_tv(uint32_t ms)
{
	return (struct timeval){ .tv_sec = ms / 1000,
				 .tv_usec = ms % 1000 * 1000 };
}

int main(int argc, char **argv)
{
	uint64_t t, add, push, cancel, fire;
	struct event_config *cfg = event_config_new();
	struct event_base *base;
	struct timer_args a;
	size_t esz = event_get_struct_event_size();
	char *block;
	long n;

	timer_parse(argc, argv, &a);
	n = a.n;
	block = alloc_touched(n * esz);
	if (!block || !cfg)
		die("setup");
	event_config_avoid_method(cfg, "poll");
	event_config_avoid_method(cfg, "select");
	base = event_base_new_with_config(cfg);
	if (!base)
		die("event_base_new");
#define EV(i) ((struct event *)(block + (size_t)(i) * esz))

	t = cpu_ns();
	for (long i = 0; i < n; i++) {
		struct timeval tv = ms_tv(a.add_ms[i]);

		evtimer_assign(EV(i), base, on_timeout, NULL);
		evtimer_add(EV(i), &tv);
	}
	add = cpu_ns() - t;
	timer_added(&a, esz);

	t = cpu_ns();
	for (long k = 0; k < a.pushes; k++)
		for (long i = 0; i < n; i++) {
			struct timeval tv = ms_tv(a.push_ms[k * n + i]);

			evtimer_add(EV(i), &tv);
		}
	push = cpu_ns() - t;

	t = cpu_ns();
	for (long i = 1; i < n; i += 2)
		evtimer_del(EV(i));
	cancel = cpu_ns() - t;

	for (long i = 0; i < n; i += 2) {
		struct timeval tv = ms_tv(a.fire_ms[i]);

		evtimer_add(EV(i), &tv);
	}
	t = cpu_ns();
	event_base_dispatch(base);
	fire = cpu_ns() - t;

	timer_report(&a, add, push, cancel, fire, fired);
	return 0;
}
