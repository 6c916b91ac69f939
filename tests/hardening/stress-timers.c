/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stress: STRESS_TIMERS (1000000) timers in one dispatcher, with
 * deadlines spread over STRESS_SPREAD_MS (2000). Half are re-timed, a
 * sixth cancelled with event_mod_timeout({0,0}), another sixth removed.
 * Every timer left must fire exactly once, never before its deadline and
 * in deadline order; no cancelled or removed one may fire.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "event.h"
#include "stress-util.h"

#define NS 1000000000LL

static struct event *timers;
static unsigned char *fired, *expect;
static int64_t *deadline;
static long ntimers;
static unsigned long fire_count, late_ms_max, out_of_order;
static int64_t last_deadline;

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NS + ts.tv_nsec;
}

static int on_timer(struct event *evt, uint32_t events)
{
	long i = evt - timers;
	int64_t now = mono_ns();

	CHECK(evt->reason == REASON_TIMEOUT);
	CHECK(expect[i] && !fired[i]);
	CHECK(now >= deadline[i]);		/* never early */
	/* One pass delivers in deadline order; a later pass starts over. */
	if (deadline[i] < last_deadline)
		out_of_order++;
	last_deadline = deadline[i];
	if ((unsigned long)((now - deadline[i]) / 1000000) > late_ms_max)
		late_ms_max = (unsigned long)((now - deadline[i]) / 1000000);
	fired[i] = 1;
	fire_count++;
	return EVENTCB_REMOVE;
}

static struct timespec abs_ts(int64_t ns)
{
	return (struct timespec){ ns / NS, ns % NS };
}

int main(void)
{
	long spread_ms, expected = 0;
	unsigned int seed = 12345;
	struct dispatcher *dsp;
	int64_t start;
	double t0, t_add, t_mod, t_cancel, t_run;

	ntimers = env_long("STRESS_TIMERS", 1000000);
	spread_ms = env_long("STRESS_SPREAD_MS", 2000);
	timers = calloc((size_t)ntimers, sizeof(*timers));
	fired = calloc((size_t)ntimers, 1);
	expect = calloc((size_t)ntimers, 1);
	deadline = calloc((size_t)ntimers, sizeof(*deadline));
	CHECK(timers && fired && expect && deadline);
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	CHECK(dsp);

	/* Leave time for setting up: the first deadline is 2 s away. */
	start = mono_ns() + 2 * NS;
	t0 = now_s();
	for (long i = 0; i < ntimers; i++) {
		deadline[i] = start + (int64_t)(rand_r(&seed) % spread_ms) * 1000000;
		timers[i] = (struct event){ .fd = -1, .flags = TMO_ABS,
					    .tmo = abs_ts(deadline[i]),
					    .callback = on_timer };
		CHECK(event_add(dsp, &timers[i]) == 0);
		expect[i] = 1;
	}
	t_add = now_s() - t0;

	t0 = now_s();
	for (long i = 0; i < ntimers; i += 2) {
		struct timespec ts;

		deadline[i] = start + (int64_t)(rand_r(&seed) % spread_ms) * 1000000;
		ts = abs_ts(deadline[i]);
		CHECK(event_mod_timeout(&timers[i], &ts) == 0);
	}
	t_mod = now_s() - t0;

	t0 = now_s();
	for (long i = 1; i < ntimers; i += 3) {
		static const struct timespec none = { 0, 0 };

		if (i % 2)
			CHECK(event_mod_timeout(&timers[i], &none) == 0);
		else
			CHECK(event_remove(&timers[i]) == 0);
		expect[i] = 0;
	}
	t_cancel = now_s() - t0;
	for (long i = 0; i < ntimers; i++)
		expected += expect[i];
	CHECK(mono_ns() < start);	/* else "never early" proves less */

	t0 = now_s();
	while (fire_count < (unsigned long)expected) {
		CHECK(event_wait(dsp, NULL) == 0);
		last_deadline = 0;
	}
	t_run = now_s() - t0;
	for (long i = 0; i < ntimers; i++)
		CHECK(fired[i] == expect[i]);

	printf("stress-timers: %ld timers: add %.0f ns, re-time %.0f ns, "
	       "cancel %.0f ns each\n", ntimers, t_add * 1e9 / (double)ntimers,
	       t_mod * 2e9 / (double)ntimers, t_cancel * 3e9 / (double)ntimers);
	printf("stress-timers: %lu fired exactly once (expected %ld), 0 early, "
	       "max %lu ms late, %lu out of order, run %.2f s, RSS %ld KiB\n",
	       fire_count, expected, late_ms_max, out_of_order, t_run, rss_kib());
	CHECK(out_of_order == 0);
	/* Cancelled with {0,0} but still registered: released here. */
	free_dispatcher(dsp);
	free(timers);
	free(fired);
	free(expect);
	free(deadline);
	return 0;
}
