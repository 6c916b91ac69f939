/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firing, libev: N ev_timers due over a 10 ms window (see fire_parse()),
 * counted from the loop time of one ev_now_update().
 */
#include "config.h"

#include <stdlib.h>
#include <ev.h>

#include "common.h"

static uint64_t fired;

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop; (void)w; (void)revents;
	fired++;
}

int main(int argc, char **argv)
{
	struct ev_loop *loop = ev_default_loop(EVBACKEND_EPOLL);
	struct fire_args a;
	ev_timer *tm;
	uint64_t t;

	fire_parse(argc, argv, &a);
	tm = alloc_touched(a.n * sizeof(*tm));
	if (!loop)
		die("ev_default_loop");
	ev_now_update(loop);
	for (long i = 0; i < a.n; i++) {
		ev_timer_init(&tm[i], on_timeout,
			      (double)(a.lead_ns + a.offset_ns[i]) / 1e9, 0.);
		ev_timer_start(loop, &tm[i]);
	}
	t = cpu_ns();
	ev_run(loop, 0);
	fire_report(&a, cpu_ns() - t, fired, ev_iteration(loop));
	free(tm);
	return 0;
}
