/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the dispatcher object: new_dispatcher(), free_dispatcher(),
 * cleanup_dispatcher(), the accessors and the timer slack.
 */
#include "config.h"

#include <fcntl.h>
#include <sys/epoll.h>

#include "unit-test.h"

static void test_new_dispatcher_clocks(void **state)
{
	const int clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME };

	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct dispatcher *dsp = new_dispatcher(clocks[i]);
		int efd;

		assert_non_null(dsp);
		assert_int_equal(dispatcher_get_clocksource(dsp), clocks[i]);
		efd = dispatcher_get_efd(dsp);
		assert_true(efd >= 0);
		/* Close-on-exec, so that children do not inherit it. */
		assert_true(fcntl(efd, F_GETFD) & FD_CLOEXEC);
		free_dispatcher(dsp);
		/* free_dispatcher() closed it. */
		assert_int_equal(fcntl(efd, F_GETFD), -1);
	}
}

static void test_new_dispatcher_bad_clock(void **state)
{
	errno = 0;
	assert_null(new_dispatcher(-12345));
	assert_int_equal(errno, EINVAL);
	/* timerfd does not support CPU-time clocks. */
	errno = 0;
	assert_null(new_dispatcher(CLOCK_PROCESS_CPUTIME_ID));
	assert_int_equal(errno, EINVAL);
}

/* Each resource new_dispatcher() acquires may fail: NULL, errno, no leak. */
static void test_new_dispatcher_failures(void **state)
{
	const struct {
		enum wrapped_call call;
		int err;
	} faults[] = {
		{ WRAP_CALLOC, ENOMEM },		/* the dispatcher */
		{ WRAP_TIMERFD_CREATE, EMFILE },
		{ WRAP_CLOCK_GETTIME, EINVAL },
		{ WRAP_EPOLL_CREATE1, ENFILE },
		{ WRAP_EPOLL_CTL, ENOMEM },
		{ WRAP_REALLOC, ENOMEM },		/* the heap */
	};

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		wrap_reset();
		wrap_fail(faults[i].call, 1, faults[i].err);
		errno = 0;
		assert_null(new_dispatcher(CLOCK_MONOTONIC));
		assert_int_equal(errno, faults[i].err);
		assert_int_equal(wrap_calls(faults[i].call), 1);
	}
	/* The slot table is the second calloc. */
	wrap_reset();
	wrap_fail(WRAP_CALLOC, 2, ENOMEM);
	assert_null(new_dispatcher(CLOCK_MONOTONIC));
	assert_int_equal(errno, ENOMEM);
	wrap_reset();
}

static void test_null_arguments(void **state)
{
	uint64_t slack;

	free_dispatcher(NULL);
	assert_int_equal(cleanup_dispatcher(NULL), -EINVAL);
	assert_int_equal(dispatcher_get_efd(NULL), -EINVAL);
	assert_int_equal(dispatcher_get_clocksource(NULL), -EINVAL);
	assert_int_equal(dispatcher_set_timer_slack(NULL, 1), -EINVAL);
	assert_int_equal(dispatcher_get_timer_slack(NULL, &slack), -EINVAL);
	assert_int_equal(event_wait(NULL, NULL), -EINVAL);
	assert_int_equal(event_loop(NULL, NULL, NULL), -EINVAL);
}

static void test_timer_slack(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	uint64_t slack = 99;

	/* The documented default: 1 ms. */
	assert_int_equal(dispatcher_get_timer_slack(dsp, &slack), 0);
	assert_int_equal(slack, 1000000);
	assert_int_equal(dispatcher_set_timer_slack(dsp, 2000000), 0);
	assert_int_equal(dispatcher_get_timer_slack(dsp, &slack), 0);
	assert_int_equal(slack, 2000000);
	assert_int_equal(dispatcher_set_timer_slack(dsp, 3600ULL * 1000000000ULL), 0);
	assert_int_equal(dispatcher_set_timer_slack(dsp, 3600ULL * 1000000000ULL + 1),
			 -EINVAL);
	assert_int_equal(dispatcher_get_timer_slack(dsp, NULL), -EINVAL);
	free_dispatcher(dsp);
}

/* With a slack, timers due close together are served by one wake-up. */
static void test_timer_slack_batches_wakeups(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe timers[10];
	struct timespec now;
	int waits = 0;

	assert_int_equal(dispatcher_set_timer_slack(dsp, 200000000), 0);
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (int i = 0; i < 10; i++) {
		probe_init(&timers[i], -1, 0);
		timers[i].evt.flags = TMO_ABS;
		/* 1 ms apart: without slack, up to ten separate wake-ups. */
		timers[i].evt.tmo.tv_sec = now.tv_sec + (now.tv_nsec + (i + 1) * 1000000L) / 1000000000L;
		timers[i].evt.tmo.tv_nsec = (now.tv_nsec + (i + 1) * 1000000L) % 1000000000L;
		assert_int_equal(event_add(dsp, &timers[i].evt), 0);
	}
	/*
	 * The deadlines are rounded up to a multiple of 200 ms: one wake-up,
	 * or two if a multiple happens to fall between them.
	 */
	while (probe_log_len < 10 && waits < 10) {
		wait_once(dsp);
		waits++;
	}
	assert_int_equal(probe_log_len, 10);
	assert_true(waits <= 2);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(timers[i].timeouts, 1);
		assert_ptr_equal(probe_log[i], &timers[i]);
		/* Late by up to the slack, never early. */
		assert_true(ts_not_before(&timers[i].fired, &timers[i].evt.tmo));
	}
	free_dispatcher(dsp);
}

static struct timespec ns_to_ts(int64_t ns)
{
	return (struct timespec){ ns / 1000000000, ns % 1000000000 };
}

/*
 * With the default slack, timeouts due within one multiple of it share a
 * wake-up, and each wake-up runs every timeout due by then, none before
 * its deadline. The timer is set once when they are added and once per
 * wake-up: for the next multiple while timeouts are left, and to disarm
 * it after the last one (which also stops it from being readable).
 */
static void test_default_slack_fires_all_due(void **state)
{
	const int64_t slack = DEFAULT_TIMER_SLACK_NS;
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe timers[10];
	struct timespec now;
	int64_t cell;
	int waits = 0;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* A multiple of the slack 100 ms ahead: time enough to add them all. */
	cell = ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec + 100000000) /
	       slack * slack;
	wrap_reset();
	for (int i = 0; i < 10; i++) {
		/* Five in one multiple of the slack, five two multiples later. */
		int64_t when = cell + (i < 5 ? 1 : 2 * slack + 1) +
			       (i % 5) * (slack / 8);

		probe_init(&timers[i], -1, 0);
		timers[i].evt.flags = TMO_ABS;
		timers[i].evt.tmo = ns_to_ts(when);
		assert_int_equal(event_add(dsp, &timers[i].evt), 0);
	}
	assert_int_equal(wrap_calls(WRAP_TIMERFD_SETTIME), 1);
	while (probe_log_len < 10 && waits < 10) {
		wait_once(dsp);
		/*
		 * The timer was set for the end of the first multiple, so the
		 * first wake-up came no earlier: all five of it were due then,
		 * and all of them ran in it.
		 */
		if (waits++ == 0)
			for (int i = 0; i < 5; i++)
				assert_int_equal(timers[i].timeouts, 1);
	}
	/* Two wake-ups, or one if the loop ran late enough for both groups. */
	assert_true(waits == 1 || waits == 2);
	assert_int_equal(wrap_calls(WRAP_TIMERFD_SETTIME), 1 + waits);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(timers[i].timeouts, 1);
		assert_ptr_equal(probe_log[i], &timers[i]);
		assert_true(ts_not_before(&timers[i].fired, &timers[i].evt.tmo));
	}
	free_dispatcher(dsp);
}

/*
 * Timeouts with the same deadline fire in the order they were set, also
 * when the 32-bit arming orders are renumbered in between.
 */
static void test_equal_deadlines_across_renumber(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe timers[8];
	struct timespec now;
	int64_t when;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &now);
	when = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + 20000000;
	dsp->arm_seq = HEAP_SEQ_LIMIT - 4;
	for (int i = 0; i < 8; i++) {
		probe_init(&timers[i], -1, 0);
		timers[i].evt.flags = TMO_ABS;
		/* Pushed back from further ahead: some stale keys to renumber. */
		timers[i].evt.tmo = ns_to_ts(when - (i % 2) * 1000000);
		assert_int_equal(event_add(dsp, &timers[i].evt), 0);
	}
	for (int i = 1; i < 8; i += 2) {
		struct timespec t = ns_to_ts(when);

		assert_int_equal(event_mod_timeout(&timers[i].evt, &t), 0);
	}
	assert_true(dsp->arm_seq < 100);
	while (probe_log_len < 8)
		wait_once(dsp);
	/* The even ones were set first, then the odd ones moved to the same time. */
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(probe_log[i], &timers[2 * i]);
		assert_ptr_equal(probe_log[4 + i], &timers[2 * i + 1]);
	}
	free_dispatcher(dsp);
}

static void test_cleanup_dispatcher(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe fdp, timer;
	int fds[2];

	make_pipe(fds);
	probe_init(&fdp, fds[0], EPOLLIN);
	probe_init(&timer, -1, 0);
	timer.evt.tmo = ms(10);
	assert_int_equal(event_add(dsp, &fdp.evt), 0);
	assert_int_equal(event_add(dsp, &timer.evt), 0);
	assert_int_equal(cleanup_dispatcher(dsp), 0);
	assert_int_equal(fdp.cleanups, 1);
	assert_int_equal(timer.cleanups, 1);
	assert_null(fdp.evt.dsp);
	assert_int_equal(event_remove(&fdp.evt), -EINVAL);

	/* Still usable: the same events can come back. */
	write_byte(fds[1]);
	assert_int_equal(event_add(dsp, &fdp.evt), 0);
	wait_once(dsp);
	assert_int_equal(fdp.calls, 1);
	assert_int_equal(timer.calls, 0);
	assert_int_equal(cleanup_dispatcher(dsp), 0);
	assert_int_equal(cleanup_dispatcher(dsp), 0);	/* empty: fine */
	free_dispatcher(dsp);
	close(fds[0]);
	close(fds[1]);
}

static struct dispatcher *nested_dsp;
static int nested_result;
static struct probe late_probe;

/* A cleanup that tries to clean, add and free while cleanup runs. */
static void greedy_cleanup(struct event *evt)
{
	((struct probe *)evt)->cleanups++;
	nested_result = cleanup_dispatcher(nested_dsp);
	probe_init(&late_probe, -1, 0);
	assert_int_equal(event_add(nested_dsp, &late_probe.evt), -EBUSY);
}

static void test_cleanup_reentrancy(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b;

	nested_dsp = dsp;
	probe_init(&a, -1, 0);
	probe_init(&b, -1, 0);
	a.evt.cleanup = greedy_cleanup;
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	assert_int_equal(cleanup_dispatcher(dsp), 0);
	assert_int_equal(nested_result, -EBUSY);
	assert_int_equal(a.cleanups, 1);
	assert_int_equal(b.cleanups, 1);
	free_dispatcher(dsp);
}

static int free_calls;
static struct dispatcher *free_target;

static void freeing_cleanup(struct event *evt)
{
	free_calls++;
	/* Freeing from a cleanup must be deferred, not a use-after-free. */
	free_dispatcher(free_target);
}

static void test_free_from_cleanup(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b;

	free_target = dsp;
	free_calls = 0;
	probe_init(&a, -1, 0);
	probe_init(&b, -1, 0);
	a.evt.cleanup = freeing_cleanup;
	b.evt.cleanup = freeing_cleanup;
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	/* The dispatcher is gone after this; ASan/valgrind check the rest. */
	assert_int_equal(cleanup_dispatcher(dsp), 0);
	assert_int_equal(free_calls, 2);
}

/*
 * The same from inside a callback: cleanup_dispatcher() returns 0 although
 * a cleanup freed the dispatcher (whose timer descriptor is closed by then,
 * with a timeout still armed), and the loop ends with 0.
 */
static int cleanup_result;

static void clean_from_callback(struct probe *self)
{
	cleanup_result = cleanup_dispatcher(free_target);
}

static void test_free_from_cleanup_in_callback(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b;

	free_target = dsp;
	free_calls = 0;
	cleanup_result = 1;
	probe_init(&a, -1, 0);
	probe_init(&b, -1, 0);
	a.evt.tmo = ms(1);
	a.action = clean_from_callback;
	b.evt.tmo = ms(60000);	/* keeps the timer armed */
	b.evt.cleanup = freeing_cleanup;
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	assert_int_equal(event_loop(dsp, NULL, NULL), 0);
	assert_int_equal(cleanup_result, 0);
	assert_int_equal(free_calls, 1);
}

static void test_free_runs_cleanups(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe fdp;
	int fds[2];

	make_pipe(fds);
	probe_init(&fdp, fds[0], EPOLLIN);
	fdp.evt.cleanup = cleanup_event_on_stack;
	assert_int_equal(event_add(dsp, &fdp.evt), 0);
	wrap_reset();
	free_dispatcher(dsp);
	/* The cleanup closed the fd; free made no epoll_ctl (fork safety). */
	assert_int_equal(fdp.evt.fd, -1);
	assert_int_equal(fcntl(fds[0], F_GETFD), -1);
	assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 0);
	assert_int_equal(wrap_calls(WRAP_TIMERFD_SETTIME), 0);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_dispatcher_clocks),
		cmocka_unit_test(test_new_dispatcher_bad_clock),
		cmocka_unit_test(test_new_dispatcher_failures),
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_timer_slack),
		cmocka_unit_test(test_timer_slack_batches_wakeups),
		cmocka_unit_test(test_default_slack_fires_all_due),
		cmocka_unit_test(test_equal_deadlines_across_renumber),
		cmocka_unit_test(test_cleanup_dispatcher),
		cmocka_unit_test(test_cleanup_reentrancy),
		cmocka_unit_test(test_free_from_cleanup),
		cmocka_unit_test(test_free_from_cleanup_in_callback),
		cmocka_unit_test(test_free_runs_cleanups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
