/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Timer churn, libev: N ev_timers. Push back is ev_timer_again() with a
 * new repeat value (libev's way to move a running timer), cancel is
 * ev_timer_stop(). libev has no timer slack; its epoll backend rounds
 * the wait to milliseconds by itself.
 *
 * Built a second time with NOW_UPDATE as timers-libev-now: libev counts a
 * relative timeout from its cached loop time, so a timer started long
 * after the loop last woke can fire early by that much; ev_now_update()
 * before every start and move gives it the guarantee that minivent gives
 * (never early, counted from the call), at the cost of a clock read each.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <ev.h>

#include "common.h"

#ifdef NOW_UPDATE
#define now_update(loop) ev_now_update(loop)
#else
#define now_update(loop) ((void)(loop))
#endif

static uint64_t fired;

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	fired++;
	/* It was re-armed by ev_timer_again() with a repeat: make it one-shot. */
	ev_timer_stop(loop, w);
}

int main(int argc, char **argv)
{
	struct ev_loop *loop = ev_default_loop(EVBACKEND_EPOLL);
	uint64_t t, add, push, cancel, fire;
	struct timer_args a;
	ev_timer *tm;
	long n;

	timer_parse(argc, argv, &a);
	n = a.n;
	tm = alloc_touched(n * sizeof(*tm));
	if (!tm || !loop)
		die("setup");

	t = cpu_ns();
	for (long i = 0; i < n; i++) {
		ev_timer_init(&tm[i], on_timeout, a.add_ms[i] / 1e3, 0.);
		now_update(loop);
		ev_timer_start(loop, &tm[i]);
	}
	add = cpu_ns() - t;
	timer_added(&a, sizeof(*tm));

	t = cpu_ns();
	for (long k = 0; k < a.pushes; k++)
		for (long i = 0; i < n; i++) {
			tm[i].repeat = a.push_ms[k * n + i] / 1e3;
			now_update(loop);
			ev_timer_again(loop, &tm[i]);
		}
	push = cpu_ns() - t;

	t = cpu_ns();
	for (long i = 1; i < n; i += 2)
		ev_timer_stop(loop, &tm[i]);
	cancel = cpu_ns() - t;

	ev_now_update(loop);
	for (long i = 0; i < n; i += 2) {
		ev_timer_stop(loop, &tm[i]);
		ev_timer_set(&tm[i], a.fire_ms[i] / 1e3, 0.);
		ev_timer_start(loop, &tm[i]);
	}
	t = cpu_ns();
	ev_run(loop, 0);
	fire = cpu_ns() - t;

	timer_report(&a, add, push, cancel, fire, fired);
	return 0;
}
