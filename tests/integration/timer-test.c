/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * timer-test: many timers on random deadlines on CLOCK_MONOTONIC, some
 * moved (relative and TMO_ABS) and some cancelled ({0, 0} timeout or
 * event_remove()) at random, before the loop and from inside other timers'
 * callbacks. Asserted: every live timer fires exactly once, never before
 * its deadline; cancelled ones never fire; callbacks come in deadline order.
 *
 * Then, as a figure only, the time to add, move, cancel and remove many
 * timers (--bench-count).
 *
 * We cannot know the exact deadline the library computes for a relative
 * timeout: it reads the clock somewhere inside the call. So each timer
 * keeps bounds: lo = (clock before the call) + delay, hi = (clock after
 * the call) + delay. "Never early" means now >= lo; "in order" means no
 * timer fires whose hi is before the lo of one that already fired.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "test-util.h"

enum { T_LIVE, T_CANCELLED, T_FIRED };

struct tmr {
	struct event e;
	int64_t lo, hi;		/* bounds of the deadline, ns */
	int state;
	int fired;
	bool registered;
};

static struct tmr *timers;
static long count = 5000;
static long spread_ms = 1500;
static long bench_count = 100000;
static uint64_t rnd;

static long live, failures, cleanups;
static int64_t max_fired_lo, max_late;
static unsigned long n_rel, n_abs, n_cancel, n_remove, n_cb_ops;
static bool watchdog_fired;

#define fail(...) do {					\
	if (failures++ < 10)				\
		tu_msg("FAIL: " __VA_ARGS__);		\
} while (0)

static int64_t now_ns(void)
{
	struct timespec ts;

	tu_now(&ts);
	return tu_ts_ns(&ts);
}

/* 1 ms .. max_ms: always in the future, which keeps the order checkable */
static int64_t rand_delay(long max_ms)
{
	return 1000000LL + tu_rand_below(&rnd, max_ms * 1000000ULL);
}

static void move_rel(struct tmr *t, int64_t delay)
{
	struct timespec ts;
	int64_t before;
	int rc;

	t->e.flags &= ~TMO_ABS;
	tu_ns_ts(delay, &ts);
	before = now_ns();
	rc = event_mod_timeout(&t->e, &ts);
	t->hi = now_ns() + delay;
	t->lo = before + delay;
	if (rc)
		fail("event_mod_timeout (relative): %s", strerror(-rc));
	n_rel++;
}

static void move_abs(struct tmr *t, int64_t delay)
{
	struct timespec ts;
	int rc;

	t->e.flags |= TMO_ABS;
	t->lo = t->hi = now_ns() + delay;
	tu_ns_ts(t->lo, &ts);
	rc = event_mod_timeout(&t->e, &ts);
	if (rc)
		fail("event_mod_timeout (TMO_ABS): %s", strerror(-rc));
	n_abs++;
}

static void cancel(struct tmr *t)
{
	static const struct timespec zero;
	int rc;

	if (tu_rand_below(&rnd, 2)) {
		/* stays registered, without a timeout */
		rc = event_mod_timeout(&t->e, &zero);
		n_cancel++;
	} else {
		rc = event_remove(&t->e);
		t->registered = false;
		n_remove++;
	}
	if (rc)
		fail("cancelling: %s", strerror(-rc));
	t->state = T_CANCELLED;
	live--;
}

/* Do something random to a timer that has not fired yet. */
static void random_op(struct tmr *t, long max_ms)
{
	if (t->state != T_LIVE)
		return;
	switch (tu_rand_below(&rnd, 4)) {
	case 0:
		move_rel(t, rand_delay(max_ms));
		break;
	case 1:
		move_abs(t, rand_delay(max_ms));
		break;
	default:
		cancel(t);
		break;
	}
}

static int tmr_cb(struct event *evt, uint32_t events)
{
	struct tmr *t = (struct tmr *)evt;
	int64_t now = now_ns();
	long idx = t - timers;

	if (evt->reason != REASON_TIMEOUT)
		fail("timer %ld called with reason %u", idx, evt->reason);
	t->fired++;
	if (t->state != T_LIVE) {
		fail("timer %ld fired although %s", idx,
		     t->state == T_FIRED ? "it fired before" : "cancelled");
		return EVENTCB_CONTINUE;
	}
	if (now < t->lo)
		fail("timer %ld fired %lld ns early", idx,
		     (long long)(t->lo - now));
	if (t->hi < max_fired_lo)
		fail("timer %ld out of order: deadline <= %lld, one at >= %lld fired before",
		     idx, (long long)t->hi, (long long)max_fired_lo);
	if (t->lo > max_fired_lo)
		max_fired_lo = t->lo;
	if (now - t->hi > max_late)
		max_late = now - t->hi;
	t->state = T_FIRED;
	live--;

	/* meddle with another timer from inside the dispatch */
	if (tu_rand_below(&rnd, 4) == 0) {
		n_cb_ops++;
		random_op(&timers[tu_rand_below(&rnd, count)], spread_ms / 2);
	}
	/* a fired timer has no timeout left; keep half of them registered */
	if (idx & 1) {
		t->registered = false;
		return EVENTCB_REMOVE;
	}
	return EVENTCB_CONTINUE;
}

static void count_cleanup(struct event *evt)
{
	cleanups++;
}

static int watchdog_cb(struct event *evt, uint32_t events)
{
	fail("watchdog: %ld timers did not fire in time", live);
	watchdog_fired = true;
	return EVENTCB_CONTINUE;
}

static int add_timers(struct dispatcher *dsp)
{
	int64_t delay, before;
	long i;
	int rc;

	for (i = 0; i < count; i++) {
		struct tmr *t = &timers[i];

		t->e = (struct event)TIMER_EVENT_ON_STACK(tmr_cb, 0);
		t->e.cleanup = count_cleanup;
		delay = rand_delay(spread_ms);
		before = now_ns();
		if (i % 4 == 0) {
			t->e.flags = TMO_ABS;
			t->lo = t->hi = before + delay;
			tu_ns_ts(t->lo, &t->e.tmo);
			rc = event_add(dsp, &t->e);
		} else {
			tu_ns_ts(delay, &t->e.tmo);
			rc = event_add(dsp, &t->e);
			t->lo = before + delay;
			t->hi = now_ns() + delay;
		}
		if (rc) {
			errno = -rc;
			tu_die("event_add timer %ld", i);
		}
		t->state = T_LIVE;
		t->registered = true;
		live++;
	}
	/* and stir before the loop runs */
	for (i = 0; i < count / 5; i++)
		random_op(&timers[tu_rand_below(&rnd, count)], spread_ms);
	return 0;
}

static int run_timers(void)
{
	struct event watchdog;
	struct dispatcher *dsp;
	long i, registered = 0, fired = 0, cancelled = 0;
	int rc;

	timers = calloc(count, sizeof(*timers));
	if (!timers)
		tu_die("calloc");
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp)
		tu_die("new_dispatcher");
	watchdog = (struct event)TIMER_EVENT_ON_STACK(watchdog_cb,
			(spread_ms + 60000) * 1000LL);
	rc = event_add(dsp, &watchdog);
	if (rc) {
		errno = -rc;
		tu_die("event_add watchdog");
	}
	add_timers(dsp);

	/* our own loop around event_wait(): stop when all timers fired */
	while (live > 0 && !watchdog_fired) {
		rc = event_wait(dsp, NULL);
		if (rc < 0 && rc != -EINTR) {
			fail("event_wait: %s", strerror(-rc));
			break;
		}
	}

	for (i = 0; i < count; i++) {
		struct tmr *t = &timers[i];

		registered += t->registered;
		if (t->state == T_FIRED)
			fired++;
		else if (t->state == T_CANCELLED)
			cancelled++;
		if (t->state == T_FIRED && t->fired != 1)
			fail("timer %ld fired %d times", i, t->fired);
		if (t->state == T_CANCELLED && t->fired)
			fail("cancelled timer %ld fired", i);
		if (t->state == T_LIVE)
			fail("timer %ld never fired", i);
	}
	free_dispatcher(dsp);
	if (cleanups != registered)
		fail("free_dispatcher ran %ld cleanups for %ld registered timers",
		     cleanups, registered);
	free(timers);

	printf("timer-test: %ld timers: %ld fired, %ld cancelled; %lu relative and %lu TMO_ABS moves, %lu {0,0} cancels, %lu removals (%lu from callbacks); max %lld us late\n",
	       count, fired, cancelled, n_rel, n_abs, n_cancel, n_remove,
	       n_cb_ops, (long long)(max_late / 1000));
	return failures ? TU_FAIL : TU_PASS;
}

static int bench_cb(struct event *evt, uint32_t events)
{
	fail("benchmark timer fired");
	return EVENTCB_CONTINUE;
}

static void report_phase(const char *what, struct timespec *start)
{
	int64_t ns = tu_elapsed_ns(start);

	printf("timer-test: %-30s %8.3f ms, %6.0f ns per timer\n", what,
	       ns / 1e6, (double)ns / bench_count);
	tu_now(start);
}

/* Figures only: nothing here is asserted but that the calls succeed. */
static void bench(void)
{
	static const struct timespec zero;
	struct dispatcher *dsp;
	struct event *evs;
	struct timespec start, ts;
	long i;
	int rc = 0;

	evs = calloc(bench_count, sizeof(*evs));
	if (!evs)
		tu_die("calloc");
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp)
		tu_die("new_dispatcher");

	/* far in the future (100..200 s): none of them may fire */
	tu_now(&start);
	for (i = 0; i < bench_count; i++) {
		evs[i] = (struct event)TIMER_EVENT_ON_STACK(bench_cb, 0);
		evs[i].cleanup = NULL;
		tu_ns_ts(100 * TU_NSEC_PER_SEC +
			 tu_rand_below(&rnd, 100 * TU_NSEC_PER_SEC), &evs[i].tmo);
		rc |= event_add(dsp, &evs[i]);
	}
	report_phase("add", &start);
	for (i = 0; i < bench_count; i++) {
		tu_ns_ts(100 * TU_NSEC_PER_SEC +
			 tu_rand_below(&rnd, 100 * TU_NSEC_PER_SEC), &ts);
		rc |= event_mod_timeout(&evs[i], &ts);
	}
	report_phase("move (event_mod_timeout)", &start);
	for (i = 0; i < bench_count; i++)
		rc |= event_mod_timeout(&evs[i], &zero);
	report_phase("cancel (timeout {0,0})", &start);
	for (i = 0; i < bench_count; i++)
		rc |= event_remove(&evs[i]);
	report_phase("remove (event_remove)", &start);
	if (rc)
		fail("a benchmark call failed");
	/* nothing is due: this must return at once without callbacks */
	free_dispatcher(dsp);
	free(evs);
}

static void parse_opts(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "spread", required_argument, NULL, 'S' },
		{ "bench-count", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = 0;
	int c;

	while ((c = getopt_long(argc, argv, "c:S:b:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			count = tu_parse_long("count", optarg, 1, 10000000);
			break;
		case 'S':
			spread_ms = tu_parse_long("spread", optarg, 2, 600000);
			break;
		case 'b':
			bench_count = tu_parse_long("bench-count", optarg, 0,
						    100000000);
			break;
		case 's':
			seed = tu_parse_long("seed", optarg, 0, LONG_MAX);
			break;
		case 'h':
			printf("usage: %s [--count=N] [--spread=MS] [--bench-count=N] [--seed=N]\n",
			       tu_progname);
			exit(TU_PASS);
		default:
			exit(TU_HARD_ERROR);
		}
	}
	tu_no_operands(argc, argv, optind);
	rnd = tu_seed(seed);
}

int main(int argc, char **argv)
{
	int ret;

	tu_progname = "timer-test";
	parse_opts(argc, argv);
	ret = run_timers();
	if (bench_count)
		bench();
	return failures ? TU_FAIL : ret;
}
