/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firing, libuv: N uv_timer_t due over a 10 ms window (see fire_parse()),
 * counted from the loop time of one uv_update_time(). libuv counts in
 * milliseconds: the delays are rounded up to one.
 */
#include "config.h"

#include <stdlib.h>
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
	uint64_t t, wakeups = 0;
	struct fire_args a;
	uv_timer_t *tm;

	fire_parse(argc, argv, &a);
	tm = alloc_touched(a.n * sizeof(*tm));
	if (!loop)
		die("uv_default_loop");
	uv_update_time(loop);
	for (long i = 0; i < a.n; i++) {
		uv_timer_init(loop, &tm[i]);
		uv_timer_start(&tm[i], on_timeout,
			       (a.lead_ns + a.offset_ns[i] + 999999) / 1000000, 0);
	}
	t = cpu_ns();
	while (fired < (uint64_t)a.n) {
		uv_run(loop, UV_RUN_ONCE);
		wakeups++;
	}
	fire_report(&a, cpu_ns() - t, fired, wakeups);
	free(tm);
	return 0;
}
