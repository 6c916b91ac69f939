/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Timeouts of a CLOCK_REALTIME dispatcher while the wall clock is set.
 * The steps are make-believe (wrap_step_realtime(): clock_gettime() and
 * the wall-clock timerfd see a shifted clock, and a
 * TFD_TIMER_CANCEL_ON_SET timer is cancelled as the kernel would), so
 * that the error paths can be driven too; tests/vm/ sets a real clock in
 * a virtual machine.
 */
#include "config.h"

#include <poll.h>
#include <string.h>
#include <time.h>

#include "unit-test.h"

#define MS 1000000LL
#define HOUR (3600LL * 1000 * MS)

/* The test's own clock reads must not use up a failure meant for the library. */
int __real_clock_gettime(clockid_t clock, struct timespec *ts);

static int64_t mono_ns(void)
{
	struct timespec ts;

	__real_clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 * MS + ts.tv_nsec;
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 * MS + ts.tv_nsec;
}

static struct timespec ns_to_ts(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / (1000 * MS),
				  .tv_nsec = ns % (1000 * MS) };
}

static int64_t ts_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 * MS + ts->tv_nsec;
}

static struct dispatcher *wall_dispatcher(void)
{
	struct dispatcher *dsp;

	wrap_reset();
	dsp = new_dispatcher(CLOCK_REALTIME);
	assert_non_null(dsp);
	probe_log_len = 0;
	return dsp;
}

/*
 * Wait (poll(2) on the dispatcher's descriptor, then event_wait()) until
 * @p has been called or @limit_ms have passed; the number of event_wait()
 * errors goes to *@errors if not NULL, else every wait must succeed.
 */
static void run_until_called(struct dispatcher *dsp, struct probe *p,
			     int limit_ms, int *errors)
{
	int64_t end = mono_ns() + limit_ms * MS;
	struct pollfd pfd = { .fd = dispatcher_get_efd(dsp), .events = POLLIN };
	int r = 0;

	while (!p->calls) {
		int64_t left = end - mono_ns();

		if (left <= 0)
			break;
		/*
		 * After a failure the descriptor may not say what is left to
		 * do: event_wait() catches up first (event_loop() does that).
		 */
		if (r == 0 && poll(&pfd, 1, (int)(left / MS) + 1) <= 0)
			continue;
		r = event_wait(dsp, NULL);
		if (errors)
			*errors += r < 0;
		else
			assert_int_equal(r, 0);
	}
}

static void add_relative(struct dispatcher *dsp, struct probe *p, int64_t ns)
{
	probe_init(p, -1, 0);
	p->result = EVENTCB_REMOVE;
	p->evt.tmo = ns_to_ts(ns);
	assert_int_equal(event_add(dsp, &p->evt), 0);
}

static void add_absolute(struct dispatcher *dsp, struct probe *p, int64_t wall)
{
	probe_init(p, -1, 0);
	p->result = EVENTCB_REMOVE;
	p->evt.flags = TMO_ABS;
	p->evt.tmo = ns_to_ts(wall);
	assert_int_equal(event_add(dsp, &p->evt), 0);
}

/* A relative timeout measures elapsed time across a forward step. */
static void test_relative_forward_step(void **state)
{
	struct dispatcher *dsp = wall_dispatcher();
	struct probe t;
	int64_t start = mono_ns();

	add_relative(dsp, &t, 200 * MS);
	wrap_step_realtime(HOUR);
	run_until_called(dsp, &t, 5000, NULL);
	assert_int_equal(t.timeouts, 1);
	assert_true(ts_to_ns(&t.fired) - start >= 200 * MS);
	free_dispatcher(dsp);
	wrap_reset();
}

/* ... and across a backward one, which must not put it off. */
static void test_relative_backward_step(void **state)
{
	struct dispatcher *dsp = wall_dispatcher();
	struct probe t;
	int64_t start = mono_ns();

	add_relative(dsp, &t, 100 * MS);
	wrap_step_realtime(-HOUR);
	run_until_called(dsp, &t, 5000, NULL);
	assert_int_equal(t.timeouts, 1);
	assert_true(ts_to_ns(&t.fired) - start >= 100 * MS);
	free_dispatcher(dsp);
	wrap_reset();
}

/* Also when the step came before the timeout was set, the timer idle. */
static void test_relative_after_step(void **state)
{
	struct dispatcher *dsp = wall_dispatcher();
	struct probe t;
	int64_t start;

	wrap_step_realtime(-HOUR);
	start = mono_ns();
	add_relative(dsp, &t, 100 * MS);
	run_until_called(dsp, &t, 5000, NULL);
	assert_int_equal(t.timeouts, 1);
	assert_true(ts_to_ns(&t.fired) - start >= 100 * MS);
	free_dispatcher(dsp);
	wrap_reset();
}

/* A TMO_ABS deadline stays at its wall-clock time. */
static void test_absolute_follows_steps(void **state)
{
	struct dispatcher *dsp = wall_dispatcher();
	struct probe passed, ahead, later;
	int64_t now = wall_ns();

	/* Passed by a forward step of one hour: due at once. */
	add_absolute(dsp, &passed, now + HOUR - 1000 * MS);
	/* Brought to 150 ms from now by the step. */
	add_absolute(dsp, &ahead, now + HOUR + 150 * MS);
	/* Put off by an hour by the step back below. */
	add_absolute(dsp, &later, now + 300 * MS);
	wrap_step_realtime(HOUR);
	run_until_called(dsp, &passed, 5000, NULL);
	assert_int_equal(passed.timeouts, 1);
	assert_int_equal(ahead.calls, 0);
	run_until_called(dsp, &ahead, 5000, NULL);
	assert_int_equal(ahead.timeouts, 1);
	/* Not before its wall-clock time. */
	assert_true(wall_ns() >= now + HOUR + 150 * MS);
	/* later's deadline is an hour past now: it must have run at once. */
	run_until_called(dsp, &later, 5000, NULL);
	assert_int_equal(later.timeouts, 1);

	add_absolute(dsp, &later, wall_ns() + 200 * MS);
	wrap_step_realtime(-HOUR);
	run_until_called(dsp, &later, 600, NULL);
	assert_int_equal(later.calls, 0);
	free_dispatcher(dsp);
	wrap_reset();
}

/* A CLOCK_MONOTONIC dispatcher never reads its timerfd. */
static void test_monotonic_reads_nothing(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe t;

	add_relative(dsp, &t, 1 * MS);
	run_until_called(dsp, &t, 5000, NULL);
	assert_int_equal(t.timeouts, 1);
	assert_int_equal(wrap_calls(WRAP_READ), 0);
	free_dispatcher(dsp);
}

/* The read(2) of a wall-clock timerfd fails: the next wait recovers. */
static void test_timerfd_read_failure(void **state)
{
	struct dispatcher *dsp = wall_dispatcher();
	struct probe t;
	int errors = 0;

	add_relative(dsp, &t, 20 * MS);
	wrap_fail(WRAP_READ, 1, EIO);
	run_until_called(dsp, &t, 5000, &errors);
	assert_int_equal(errors, 1);
	assert_int_equal(t.timeouts, 1);
	free_dispatcher(dsp);
	wrap_reset();
}

/*
 * ECANCELED, then re-arming the timerfd fails: event_wait() says so, and
 * the next one sets it again, for the relative timeout that is not early.
 */
static void test_rearm_after_step_fails(void **state)
{
	struct dispatcher *dsp = wall_dispatcher();
	struct probe t;
	int64_t start = mono_ns();
	int errors = 0;

	add_relative(dsp, &t, 150 * MS);
	wrap_step_realtime(HOUR);
	wrap_fail(WRAP_TIMERFD_SETTIME, 1, EIO);
	run_until_called(dsp, &t, 5000, &errors);
	assert_int_equal(errors, 1);
	assert_int_equal(t.timeouts, 1);
	assert_true(ts_to_ns(&t.fired) - start >= 150 * MS);
	free_dispatcher(dsp);
	wrap_reset();
}

/* ECANCELED, then the clock cannot be read: the deadlines move later. */
static void test_resync_clock_failure(void **state)
{
	struct dispatcher *dsp = wall_dispatcher();
	struct probe abs;
	int64_t now = wall_ns();
	int errors = 0;

	add_absolute(dsp, &abs, now + HOUR + 100 * MS);
	wrap_step_realtime(HOUR);
	wrap_fail(WRAP_CLOCK_GETTIME, 1, EINVAL);
	run_until_called(dsp, &abs, 5000, &errors);
	assert_true(errors >= 1);
	assert_int_equal(abs.timeouts, 1);
	assert_true(wall_ns() >= now + HOUR + 100 * MS);
	free_dispatcher(dsp);
	wrap_reset();
}

/* cleanup_dispatcher() keeps listening for settings of the clock. */
static void test_step_after_cleanup(void **state)
{
	struct dispatcher *dsp = wall_dispatcher();
	struct probe a, b;
	int64_t now = wall_ns();

	add_relative(dsp, &a, 10 * MS);
	run_until_called(dsp, &a, 5000, NULL);
	assert_int_equal(cleanup_dispatcher(dsp), 0);
	wrap_step_realtime(HOUR);
	add_absolute(dsp, &b, now + HOUR - 1000 * MS);
	run_until_called(dsp, &b, 5000, NULL);
	assert_int_equal(b.timeouts, 1);
	free_dispatcher(dsp);
	wrap_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relative_forward_step),
		cmocka_unit_test(test_relative_backward_step),
		cmocka_unit_test(test_relative_after_step),
		cmocka_unit_test(test_absolute_follows_steps),
		cmocka_unit_test(test_monotonic_reads_nothing),
		cmocka_unit_test(test_timerfd_read_failure),
		cmocka_unit_test(test_rearm_after_step_fails),
		cmocka_unit_test(test_resync_clock_failure),
		cmocka_unit_test(test_step_after_cleanup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
