/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Timer churn, libuv: N uv_timer_t handles. uv_timer_start() on a running
 * timer moves it, uv_timer_stop() cancels. libuv counts in milliseconds
 * against a loop time that only advances inside uv_run().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "common.h"

static uint64_t fired;

static void on_timeout(uv_timer_t *t)
{
	(void)t;
	fired++;
}

int main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();
	uint64_t t, add, push, cancel, fire;
	struct timer_args a;
	uv_timer_t *tm;
	long n;

	timer_parse(argc, argv, &a);
	n = a.n;
	tm = alloc_touched(n * sizeof(*tm));
	if (!tm || !loop)
		die("setup");

	t = cpu_ns();
	for (long i = 0; i < n; i++) {
		uv_timer_init(loop, &tm[i]);
		uv_timer_start(&tm[i], on_timeout, a.add_ms[i], 0);
	}
	add = cpu_ns() - t;
	timer_added(&a, sizeof(*tm));

	t = cpu_ns();
	for (long k = 0; k < a.pushes; k++)
		for (long i = 0; i < n; i++)
			uv_timer_start(&tm[i], on_timeout, a.push_ms[k * n + i], 0);
	push = cpu_ns() - t;

	t = cpu_ns();
	for (long i = 1; i < n; i += 2)
		uv_timer_stop(&tm[i]);
	cancel = cpu_ns() - t;

	uv_update_time(loop);
	for (long i = 0; i < n; i += 2)
		uv_timer_start(&tm[i], on_timeout, a.fire_ms[i], 0);
	t = cpu_ns();
	uv_run(loop, UV_RUN_DEFAULT);
	fire = cpu_ns() - t;

	timer_report(&a, add, push, cancel, fire, fired);
	return 0;
}
