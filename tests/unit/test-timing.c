/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * When timeouts fire: never before their time, where that is easiest to
 * get wrong (a clock reading reused after time has passed, a deadline
 * rounded down, a timer not re-armed for an embedding loop), and
 * periodic timeouts that do not drift.
 *
 * "Never early" is checked exactly; lateness only with wide margins, as
 * the tests share the machine (and run under valgrind by make
 * check-valgrind).
 */
#include "config.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "unit-test.h"

#define MS 1000000LL
#define SEC (1000 * MS)

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static struct timespec ns_to_ts(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / SEC, .tv_nsec = ns % SEC };
}

/* A pointer to a timespec of @ns nanoseconds, for a call's argument. */
#define TS(ns) (&(struct timespec){ .tv_sec = (ns) / SEC, .tv_nsec = (ns) % SEC })

static int64_t ts_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * SEC + ts->tv_nsec;
}

static void busy_wait(int64_t ns)
{
	int64_t end = mono_ns() + ns;

	while (mono_ns() < end)
		;
}

/* Run event_wait() until @p has fired or 5 s have passed. */
static void wait_for_timeout(struct dispatcher *dsp, struct probe *p)
{
	int64_t end = mono_ns() + 5 * SEC;

	while (!p->timeouts && mono_ns() < end)
		wait_once(dsp);
	assert_int_equal(p->timeouts, 1);
}

/*
 * The action of a probe whose ctx is a struct setter: busy for
 * setter::busy, then give setter::target a relative timeout of DELAY,
 * and record when in set_at[setter::index].
 */
#define DELAY (20 * MS)
static int64_t set_at[8];

struct setter {
	struct probe *target;
	int64_t busy;
	int index;
};

static void busy_then_set(struct probe *self)
{
	struct setter *s = self->ctx;

	busy_wait(s->busy);
	set_at[s->index] = mono_ns();
	assert_int_equal(event_mod_timeout(&s->target->evt, TS(DELAY)), 0);
}

static void assert_not_early(const struct probe *p, int index)
{
	assert_true(ts_to_ns(&p->fired) - set_at[index] >= DELAY);
}

/* A callback of a lone ready descriptor that is busy before it sets it. */
static void test_busy_fd_callback(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe reader, target;
	struct setter s = { .busy = 50 * MS, .index = 0 };
	int fds[2];

	make_pipe(fds);
	probe_init(&target, -1, 0);
	target.evt.tmo = (struct timespec){ .tv_sec = 100 };
	assert_int_equal(event_add(dsp, &target.evt), 0);
	s.target = &target;
	probe_init(&reader, fds[0], EPOLLIN);
	reader.action = busy_then_set;
	reader.ctx = &s;
	assert_int_equal(event_add(dsp, &reader.evt), 0);
	write_byte(fds[1]);
	wait_once(dsp);
	assert_int_equal(reader.calls, 1);
	assert_int_equal(event_remove(&reader.evt), 0);
	wait_for_timeout(dsp, &target);
	assert_not_early(&target, 0);
	free_dispatcher(dsp);
	close(fds[0]);
	close(fds[1]);
}

/*
 * A batch of ready descriptors whose callbacks push back timeouts, with a
 * slow callback in the middle: the deferred deadlines start from a clock
 * read after the batch, not before the slow one.
 */
static void test_busy_batch(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe readers[3], targets[3];
	struct setter s[3];
	int fds[3][2];

	for (int i = 0; i < 3; i++) {
		make_pipe(fds[i]);
		probe_init(&targets[i], -1, 0);
		targets[i].evt.tmo = (struct timespec){ .tv_sec = 100 };
		assert_int_equal(event_add(dsp, &targets[i].evt), 0);
		s[i] = (struct setter){ .target = &targets[i], .index = i,
					.busy = i == 1 ? 50 * MS : 0 };
		probe_init(&readers[i], fds[i][0], EPOLLIN);
		readers[i].action = busy_then_set;
		readers[i].ctx = &s[i];
		assert_int_equal(event_add(dsp, &readers[i].evt), 0);
		write_byte(fds[i][1]);
	}
	wait_once(dsp);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(readers[i].calls, 1);
		assert_int_equal(event_remove(&readers[i].evt), 0);
	}
	for (int i = 0; i < 3; i++) {
		wait_for_timeout(dsp, &targets[i]);
		assert_not_early(&targets[i], i);
		close(fds[i][0]);
		close(fds[i][1]);
	}
	free_dispatcher(dsp);
}

/* A timeout callback that is busy before it sets another timeout. */
static void test_busy_timeout_callback(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe first, target;
	struct setter s = { .busy = 50 * MS, .index = 0 };

	probe_init(&target, -1, 0);
	target.evt.tmo = (struct timespec){ .tv_sec = 100 };
	assert_int_equal(event_add(dsp, &target.evt), 0);
	s.target = &target;
	probe_init(&first, -1, 0);
	first.evt.tmo = ns_to_ts(1 * MS);
	first.action = busy_then_set;
	first.ctx = &s;
	assert_int_equal(event_add(dsp, &first.evt), 0);
	wait_for_timeout(dsp, &first);
	wait_for_timeout(dsp, &target);
	assert_not_early(&target, 0);
	free_dispatcher(dsp);
}

/* Set from outside the loop, long after the last wait returned. */
static void test_set_long_after_wait(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe warmup, target, added;
	int64_t mod_at, add_at;

	probe_init(&warmup, -1, 0);
	warmup.evt.tmo = ns_to_ts(1 * MS);
	assert_int_equal(event_add(dsp, &warmup.evt), 0);
	wait_for_timeout(dsp, &warmup);
	probe_init(&target, -1, 0);
	target.evt.tmo = (struct timespec){ .tv_sec = 100 };
	assert_int_equal(event_add(dsp, &target.evt), 0);
	busy_wait(100 * MS);
	mod_at = mono_ns();
	assert_int_equal(event_mod_timeout(&target.evt, TS(DELAY)), 0);
	busy_wait(50 * MS);
	probe_init(&added, -1, 0);
	added.evt.tmo = ns_to_ts(DELAY);
	add_at = mono_ns();
	assert_int_equal(event_add(dsp, &added.evt), 0);
	wait_for_timeout(dsp, &target);
	wait_for_timeout(dsp, &added);
	assert_true(ts_to_ns(&target.fired) - mod_at >= DELAY);
	assert_true(ts_to_ns(&added.fired) - add_at >= DELAY);
	free_dispatcher(dsp);
}

/* With timer slack, deadlines are rounded up, never down. */
static void test_slack_never_early(void **state)
{
	static const int64_t delays[] = { 1 * MS, 7 * MS, 13 * MS, 21 * MS };
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe p[4];
	int64_t start;

	assert_int_equal(dispatcher_set_timer_slack(dsp, 10 * MS), 0);
	start = mono_ns();
	for (int i = 0; i < 4; i++) {
		probe_init(&p[i], -1, 0);
		p[i].evt.tmo = ns_to_ts(delays[i]);
		assert_int_equal(event_add(dsp, &p[i].evt), 0);
	}
	for (int i = 0; i < 4; i++) {
		wait_for_timeout(dsp, &p[i]);
		assert_true(ts_to_ns(&p[i].fired) - start >= delays[i]);
	}
	free_dispatcher(dsp);
}

/*
 * Embedded in another loop: between two event_wait() calls the host adds
 * a timer, or moves a timeout, earlier than the armed deadline; the
 * dispatcher's descriptor must become readable for it, not for the old
 * deadline. poll(2) waits at most 5 s; the old deadline is 100 s away.
 */
static void poll_until_due(struct dispatcher *dsp, struct probe *p,
			   int64_t set_at_ns)
{
	struct pollfd pfd = { .fd = dispatcher_get_efd(dsp), .events = POLLIN };
	int64_t end = mono_ns() + 5 * SEC;

	while (!p->timeouts && mono_ns() < end) {
		if (poll(&pfd, 1, 5000) != 1)
			break;
		wait_once(dsp);
	}
	assert_int_equal(p->timeouts, 1);
	assert_true(ts_to_ns(&p->fired) - set_at_ns >= DELAY);
	/* On time: for the old deadline it would have been 100 s. */
	assert_true(ts_to_ns(&p->fired) - set_at_ns < 3 * SEC);
}

static void test_embedded_earlier_deadline(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe far, added, moved, warmup;
	int64_t t;

	probe_init(&far, -1, 0);
	far.evt.tmo = (struct timespec){ .tv_sec = 100 };
	assert_int_equal(event_add(dsp, &far.evt), 0);
	/* Let one wait program the timer for the far deadline. */
	probe_init(&warmup, -1, 0);
	warmup.evt.tmo = ns_to_ts(1 * MS);
	assert_int_equal(event_add(dsp, &warmup.evt), 0);
	poll_until_due(dsp, &warmup, mono_ns() - DELAY);

	probe_init(&added, -1, 0);
	added.evt.tmo = ns_to_ts(DELAY);
	t = mono_ns();
	assert_int_equal(event_add(dsp, &added.evt), 0);
	poll_until_due(dsp, &added, t);

	probe_init(&moved, -1, 0);
	moved.evt.tmo = (struct timespec){ .tv_sec = 50 };
	assert_int_equal(event_add(dsp, &moved.evt), 0);
	t = mono_ns();
	assert_int_equal(event_mod_timeout(&moved.evt, TS(DELAY)), 0);
	poll_until_due(dsp, &moved, t);
	assert_int_equal(far.calls, 0);
	free_dispatcher(dsp);
}

/* --- periodic timeouts --- */

#define TICKS 100
#define PERIOD (10 * MS)

struct ticker {
	struct probe p;
	int (*rearm)(struct event *evt, const struct timespec *period);
	int64_t fired[TICKS];
	int64_t deadline[TICKS + 1];	/* [k]: what tick k was armed for */
	int count;
};

/* The deadline the library keeps for @evt, on CLOCK_MONOTONIC here. */
static int64_t deadline_of(const struct event *evt)
{
	return evt->dsp->slots[(uint32_t)evt->priv_.token_].deadline;
}

static int on_tick(struct event *evt, uint32_t events)
{
	struct ticker *t = (struct ticker *)evt;

	(void)events;
	t->fired[t->count++] = mono_ns();
	if (t->count == TICKS)
		return EVENTCB_REMOVE;
	/* The work of a tick: what would add up as drift. */
	busy_wait(2 * MS);
	assert_int_equal(t->rearm(evt, TS(PERIOD)), 0);
	t->deadline[t->count] = deadline_of(evt);
	return EVENTCB_CONTINUE;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The median lateness of ticks @from .. @from + 9 behind their deadlines. */
static int64_t median_lateness(const struct ticker *t, int from)
{
	int64_t late[10];

	for (int i = 0; i < 10; i++)
		late[i] = t->fired[from + i] - t->deadline[from + i];
	qsort(late, 10, sizeof(late[0]), cmp_i64);
	return late[5];
}

/*
 * A process that keeps a CPU busy until it is killed, or for 20 s at
 * most, or until its parent is gone: a failed assertion skips
 * stop_load(), and must not leave it spinning.
 */
static pid_t start_load(void)
{
	pid_t parent = getpid(), pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int64_t end = mono_ns() + 20 * SEC;

		while (mono_ns() < end && getppid() == parent)
			;
		_exit(0);
	}
	return pid;
}

static void stop_load(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * 100 ticks of 10 ms, each callback busy for 2 ms, next to a process
 * that keeps a CPU busy. Every deadline is on the grid of the first one
 * (d0 + j periods), so no latency adds up; a tick missed under load only
 * skips grid points. Tick k is never early: not before t0 + (j + 1)
 * periods (t0 read before event_add()), hence not before t0 + k periods,
 * and not before its deadline. The lateness behind the deadline does not
 * grow from the first ten ticks to the last ten. Re-arming with
 * event_mod_timeout() and a relative delay instead puts each deadline 2 ms
 * and more off the grid, and the ticks 450 ms behind it after 100 ticks.
 */
static void test_periodic_no_drift(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct ticker t = { .rearm = event_mod_timeout_periodic };
	int64_t t0, d0, first, last;
	int64_t j = -1;
	pid_t load = start_load();

	probe_init(&t.p, -1, 0);
	t.p.evt.callback = on_tick;
	t.p.evt.tmo = ns_to_ts(PERIOD);
	t0 = mono_ns();
	assert_int_equal(event_add(dsp, &t.p.evt), 0);
	d0 = t.deadline[0] = deadline_of(&t.p.evt);
	while (t.count < TICKS)
		wait_once(dsp);
	stop_load(load);
	for (int k = 0; k < TICKS; k++) {
		int64_t offset = t.deadline[k] - d0;

		/* On the grid, and later than the tick before. */
		assert_int_equal(offset % PERIOD, 0);
		assert_true(offset / PERIOD > j);
		j = offset / PERIOD;
		assert_true(j >= k);
		assert_true(t.fired[k] >= t0 + (j + 1) * PERIOD);
		assert_true(t.fired[k] >= t.deadline[k]);
	}
	first = median_lateness(&t, 0);
	last = median_lateness(&t, TICKS - 10);
	print_message("periodic: median lateness %.3f ms at first, %.3f ms at last, %d ticks skipped\n",
		      (double)first / MS, (double)last / MS, (int)(j - (TICKS - 1)));
	assert_true(last - first < 4 * PERIOD);
	free_dispatcher(dsp);
}

/*
 * Arm the next tick of @evt, whose grid goes through @grid: the new
 * deadline is on it, after the call, and the grid point before it was not
 * after the call (that is, missed ticks were skipped, and only those).
 */
static void next_tick_checked(struct event *evt, int64_t grid)
{
	int64_t before = mono_ns(), after, deadline;

	assert_int_equal(event_mod_timeout_periodic(evt, TS(PERIOD)), 0);
	after = mono_ns();
	deadline = evt->dsp->slots[(uint32_t)evt->priv_.token_].deadline;
	assert_int_equal((deadline - grid) % PERIOD, 0);
	assert_true(deadline > before);
	assert_true(deadline - PERIOD <= after);
}

/* The grid: late ticks are skipped, an event without a deadline starts it. */
static void test_periodic_skips_missed_ticks(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe p;
	int64_t start, deadline;
	uint32_t idx;

	probe_init(&p, -1, 0);
	assert_int_equal(event_add(dsp, &p.evt), 0);
	idx = (uint32_t)p.evt.priv_.token_;
	start = mono_ns();
	assert_int_equal(event_mod_timeout_periodic(&p.evt, TS(PERIOD)), 0);
	deadline = dsp->slots[idx].deadline;
	assert_true(deadline >= start + PERIOD);
	assert_true(deadline <= mono_ns() + PERIOD);
	assert_int_equal(ts_to_ns(&p.evt.tmo), PERIOD);
	wait_for_timeout(dsp, &p);
	/* 3.5 periods late (at least): the 4th grid point or a later one. */
	busy_wait(deadline + 7 * PERIOD / 2 - mono_ns());
	next_tick_checked(&p.evt, deadline);
	assert_true(dsp->slots[idx].deadline >= deadline + 4 * PERIOD);
	/*
	 * Armed, not expired yet: one period later (more only if this thread
	 * was held up past that deadline).
	 */
	deadline = dsp->slots[idx].deadline;
	assert_int_equal(event_mod_timeout_periodic(&p.evt, TS(PERIOD)), 0);
	assert_int_equal((dsp->slots[idx].deadline - deadline) % PERIOD, 0);
	assert_true(dsp->slots[idx].deadline >= deadline + PERIOD);
	assert_int_equal(event_mod_timeout_periodic(&p.evt, &(struct timespec){ 0 }),
			 -EINVAL);
	assert_int_equal(event_mod_timeout_periodic(NULL, TS(PERIOD)), -EINVAL);
	assert_int_equal(event_mod_timeout_periodic(&p.evt, NULL), -EINVAL);
	assert_int_equal(event_remove(&p.evt), 0);
	assert_int_equal(event_mod_timeout_periodic(&p.evt, TS(PERIOD)), -EINVAL);
	free_dispatcher(dsp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_busy_fd_callback),
		cmocka_unit_test(test_busy_batch),
		cmocka_unit_test(test_busy_timeout_callback),
		cmocka_unit_test(test_set_long_after_wait),
		cmocka_unit_test(test_slack_never_early),
		cmocka_unit_test(test_embedded_earlier_deadline),
		cmocka_unit_test(test_periodic_no_drift),
		cmocka_unit_test(test_periodic_skips_missed_ticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
