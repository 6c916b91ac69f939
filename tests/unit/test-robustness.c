/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the holes a second hostile review found around the fast
 * paths (issue 18): a bogus descriptor number that sized a table, kernel
 * state touched while a dispatcher is emptied, a one-shot mask that looked
 * like the "disabled" marker, a failed clock read that let a pushed-back
 * timeout fire early, the order of equal deadlines set in one batch, use
 * of an inherited dispatcher in a forked child, and a stale registration
 * that made the loop spin without a word.
 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ts-util.h"
#include "unit-test.h"

/*
 * A descriptor number that was never open is refused by epoll_ctl()
 * before the library sizes anything for it: -EBADF, not -ENOMEM, and no
 * allocation at all (the realloc() armed to fail is never reached).
 */
static void test_bogus_fd_number(void **state)
{
	static const int bogus[] = { 100000000, 0x7ffffff0 };
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe p;
	int fds[2];

	for (unsigned int i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		probe_init(&p, bogus[i], EPOLLIN);
		wrap_reset();
		wrap_fail(WRAP_REALLOC, 1, ENOMEM);
		assert_int_equal(event_add(dsp, &p.evt), -EBADF);
		assert_int_equal(wrap_calls(WRAP_REALLOC), 0);
		assert_int_equal(dsp->fd_owner_capacity, 0);
		assert_null(p.evt.dsp);
	}
	wrap_reset();
	/* A real descriptor sizes the table by its own number. */
	make_pipe(fds);
	probe_init(&p, fds[0], EPOLLIN);
	assert_int_equal(event_add(dsp, &p.evt), 0);
	assert_true(dsp->fd_owner_capacity > (uint32_t)fds[0]);
	assert_true(dsp->fd_owner_capacity <= 2 * (uint32_t)fds[0] + 64);
	/* The table cannot grow: the accepted add is taken back. */
	assert_int_equal(event_remove(&p.evt), 0);
	free_dispatcher(dsp);
	dsp = monotonic_dispatcher();
	wrap_fail(WRAP_REALLOC, 1, ENOMEM);
	assert_int_equal(event_add(dsp, &p.evt), -ENOMEM);
	wrap_reset();
	assert_null(p.evt.dsp);
	/* Not left behind in the epoll set: a second try works. */
	assert_int_equal(event_add(dsp, &p.evt), 0);
	free_dispatcher(dsp);
	close(fds[0]);
	close(fds[1]);
}

static int guard_fired;

static int on_guard(struct event *evt, uint32_t events)
{
	guard_fired = 1;
	return EVENTCB_REMOVE;
}

/* Wait until @p has been called @calls times, or for @us at most. */
static void wait_for_calls(struct dispatcher *dsp, struct probe *p, int calls,
			   long us)
{
	struct event guard = TIMER_EVENT_ON_STACK(on_guard, us);

	guard_fired = 0;
	assert_int_equal(event_add(dsp, &guard), 0);
	while (p->calls < calls && !guard_fired)
		wait_once(dsp);
	if (guard.dsp)
		assert_int_equal(event_remove(&guard), 0);
}

/*
 * A one-shot event that asks for nothing but EPOLLONESHOT (it hears
 * EPOLLHUP and EPOLLERR) is re-armed by event_modify() with the same mask
 * after a report, like any other one-shot event.
 */
static void test_oneshot_only_rearm(void **state)
{
	static const uint32_t masks[] = {
		EPOLLONESHOT, EPOLLONESHOT | EPOLLERR | EPOLLHUP,
		EPOLLONESHOT | EPOLLHUP,
	};

	for (unsigned int i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		struct dispatcher *dsp = monotonic_dispatcher();
		struct probe p;
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
		probe_init(&p, sv[0], masks[i]);
		assert_int_equal(event_add(dsp, &p.evt), 0);
		close(sv[1]);		/* hang-up, for good */
		wait_for_calls(dsp, &p, 1, 2000000);
		assert_int_equal(p.calls, 1);
		assert_true(p.last_events & EPOLLHUP);
		wrap_reset();
		assert_int_equal(event_modify(&p.evt), 0);
		assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 1);
		wait_for_calls(dsp, &p, 2, 2000000);
		assert_int_equal(p.calls, 2);
		/* Unchanged and not reported since: nothing to do. */
		wait_for_calls(dsp, &p, 3, 20000);
		assert_int_equal(p.calls, 2);
		wrap_reset();
		assert_int_equal(event_modify(&p.evt), 0);
		assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 1);
		free_dispatcher(dsp);
		close(sv[0]);
	}
}

/*
 * A cleanup run by free_dispatcher() or cleanup_dispatcher() re-times an
 * event that is still registered (later in the walk). The timerfd must
 * not be programmed for it: after fork(2) it is the parent's timer too.
 */
static struct probe *retime_target;
static struct timespec retime_delay = { 0, 1000000 };

static void retime_other(struct event *evt)
{
	((struct probe *)evt)->cleanups++;
	if (event_mod_timeout(&retime_target->evt, &retime_delay) != 0)
		abort();	/* also in a forked child, outside cmocka */
}

static void test_no_timer_calls_while_emptied(void **state)
{
	for (int freeing = 0; freeing < 2; freeing++) {
		struct dispatcher *dsp = monotonic_dispatcher();
		struct probe first, second;

		/* Slot order is the walk's order: first is cleaned up first. */
		probe_init(&first, -1, 0);
		probe_init(&second, -1, 0);
		first.evt.tmo = second.evt.tmo = (struct timespec){ 3600, 0 };
		first.evt.cleanup = retime_other;
		retime_target = &second;
		assert_int_equal(event_add(dsp, &first.evt), 0);
		assert_int_equal(event_add(dsp, &second.evt), 0);
		wrap_reset();
		if (freeing) {
			free_dispatcher(dsp);
			assert_int_equal(wrap_calls(WRAP_TIMERFD_SETTIME), 0);
		} else {
			assert_int_equal(cleanup_dispatcher(dsp), 0);
			/* Only the final disarm. */
			assert_int_equal(wrap_calls(WRAP_TIMERFD_SETTIME), 1);
			assert_false(timeout_armed(&second.evt));
			free_dispatcher(dsp);
		}
		assert_int_equal(first.cleanups, 1);
		assert_int_equal(second.cleanups, 1);
	}
}

/*
 * The case of the review: a forked child frees the inherited dispatcher,
 * and a cleanup re-times another event (3 s) while the parent has armed
 * a 200 ms timeout since the fork. The parent's timeout must fire on
 * time, not when the child's stale re-time says (it did after 3 s).
 */
static void test_child_free_keeps_parent_timer(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe first, second, parent_timer;
	struct timespec set_at, late;
	int sync[2], status;
	pid_t pid;
	char c;

	probe_init(&first, -1, 0);
	probe_init(&second, -1, 0);
	first.evt.tmo = second.evt.tmo = (struct timespec){ 3600, 0 };
	first.evt.cleanup = retime_other;
	retime_target = &second;
	retime_delay = (struct timespec){ 3, 0 };
	assert_int_equal(event_add(dsp, &first.evt), 0);
	assert_int_equal(event_add(dsp, &second.evt), 0);
	assert_int_equal(pipe(sync), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		if (read(sync[0], &c, 1) != 1)
			_exit(1);
		free_dispatcher(dsp);
		_exit(first.cleanups == 1 && second.cleanups == 1 ? 0 : 2);
	}
	probe_init(&parent_timer, -1, 0);
	parent_timer.evt.tmo = (struct timespec){ 0, 200000000 };
	clock_gettime(CLOCK_MONOTONIC, &set_at);
	assert_int_equal(event_add(dsp, &parent_timer.evt), 0);
	write_byte(sync[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	while (!parent_timer.timeouts)
		wait_once(dsp);
	late = set_at;
	late.tv_nsec += 200000000;
	late.tv_sec += 1;	/* a wide margin on a busy machine */
	ts_normalize(&late);
	assert_false(ts_not_before(&parent_timer.fired, &late));
	retime_delay = (struct timespec){ 0, 1000000 };
	free_dispatcher(dsp);
	close(sync[0]);
	close(sync[1]);
}

/*
 * Two ready pipes whose timeouts are due when the wait starts (one with a
 * stale heap key: its deadline was pushed back lazily). Each callback
 * pushes its own timeout back by a relative 100 ms, which waits for the
 * clock read at the end of the batch; that read fails. Neither timeout
 * may fire in that wait, and later neither before its push-back + 100 ms.
 */
struct deferred_probe {
	struct probe p;
	struct timespec set_at;
};

static int deferred_calls;

static void push_back_then_break_clock(struct probe *self)
{
	struct deferred_probe *dp = (struct deferred_probe *)self;

	if (self->evt.reason == REASON_TIMEOUT)
		return;
	clock_gettime(CLOCK_MONOTONIC, &dp->set_at);
	assert_int_equal(event_mod_timeout(&self->evt, &(struct timespec){ 0, 100000000 }), 0);
	self->evt.ep.events = 0;	/* once */
	assert_int_equal(event_modify(&self->evt), 0);
	/* The last callback of the batch: the next clock read ends it. */
	if (++deferred_calls == 2)
		wrap_fail(WRAP_CLOCK_GETTIME, 1, EIO);
}

static void test_failed_clock_read_never_early(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct deferred_probe dp[2];
	struct timespec now;
	struct pollfd pfd;
	int fds[2][2];

	deferred_calls = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	for (int i = 0; i < 2; i++) {
		make_pipe(fds[i]);
		probe_init(&dp[i].p, fds[i][0], EPOLLIN);
		dp[i].p.action = push_back_then_break_clock;
		/* Due at once: a second ago. */
		dp[i].p.evt.flags = TMO_ABS;
		dp[i].p.evt.tmo = (struct timespec){ now.tv_sec - 1, now.tv_nsec };
		assert_int_equal(event_add(dsp, &dp[i].p.evt), 0);
		dp[i].p.evt.flags = 0;
		write_byte(fds[i][1]);
	}
	/* The second one's key stays a second ago, its deadline is an hour on. */
	dp[1].p.evt.flags = TMO_ABS;
	assert_int_equal(event_mod_timeout(&dp[1].p.evt,
					   &(struct timespec){ now.tv_sec + 3600, 0 }), 0);
	dp[1].p.evt.flags = 0;
	/* The timerfd is in the batch with both pipes. */
	pfd = (struct pollfd){ .fd = dsp->timerfd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 1000), 1);

	assert_int_equal(event_wait(dsp, NULL), -EIO);
	wrap_reset();
	for (int i = 0; i < 2; i++) {
		assert_int_equal(dp[i].p.calls, 1);
		assert_int_equal(dp[i].p.timeouts, 0);
	}
	assert_int_equal(dsp->pending_count, 2);	/* kept for the next try */
	for (int i = 0; i < 2; i++) {
		struct timespec due = dp[i].set_at;

		while (!dp[i].p.timeouts)
			wait_once(dsp);
		due.tv_nsec += 100000000;
		ts_normalize(&due);
		assert_true(ts_not_before(&dp[i].p.fired, &due));
	}
	free_dispatcher(dsp);
	for (int i = 0; i < 2; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

/*
 * Inside one batch (two ready pipes, so relative timeouts wait for one
 * clock read at its end), A, then B, then A again get the same delay: the
 * deadlines are equal, and the last setting counts, as outside a batch,
 * where A's second setting would be the latest deadline. B fires first.
 */
static struct probe order_a, order_b;
static int order_sets;

static void set_a_b_a(struct probe *self)
{
	static const struct timespec delay = { 0, 20000000 };

	if (order_sets++)
		return;
	assert_int_equal(event_mod_timeout(&order_a.evt, &delay), 0);
	assert_int_equal(event_mod_timeout(&order_b.evt, &delay), 0);
	assert_int_equal(event_mod_timeout(&order_a.evt, &delay), 0);
	/* Deferred, so the deadlines are equal. */
	assert_int_equal(self->evt.dsp->pending_count, 2);
}

static void test_equal_deadlines_in_batch_order(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe readers[2];
	int fds[2][2];

	order_sets = 0;
	probe_init(&order_a, -1, 0);
	probe_init(&order_b, -1, 0);
	assert_int_equal(event_add(dsp, &order_a.evt), 0);
	assert_int_equal(event_add(dsp, &order_b.evt), 0);
	for (int i = 0; i < 2; i++) {
		make_pipe(fds[i]);
		probe_init(&readers[i], fds[i][0], EPOLLIN);
		readers[i].action = set_a_b_a;
		readers[i].result = EVENTCB_REMOVE;
		assert_int_equal(event_add(dsp, &readers[i].evt), 0);
		write_byte(fds[i][1]);
	}
	wait_once(dsp);
	assert_int_equal(readers[0].calls + readers[1].calls, 2);
	while (!order_a.timeouts || !order_b.timeouts)
		wait_once(dsp);
	assert_true(order_b.order < order_a.order);
	free_dispatcher(dsp);
	for (int i = 0; i < 2; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

/*
 * A forked child may only free the inherited dispatcher: every other call
 * says -ECHILD, event_wait() and event_loop() included, and the parent's
 * loop goes on undisturbed. Once with the wiped page, once with the
 * getpid() fallback of kernels without MADV_WIPEONFORK.
 */
static int child_calls_all_refused(struct dispatcher *dsp, struct probe *reader,
				   struct probe *timer)
{
	struct probe extra;
	uint64_t slack;

	alarm(10);	/* a child that waits would hang the test */
	if (event_wait(dsp, NULL) != -ECHILD)
		return 1;
	if (event_loop(dsp, NULL, NULL) != -ECHILD)
		return 2;
	probe_init(&extra, -1, 0);
	if (event_add(dsp, &extra.evt) != -ECHILD ||
	    event_remove(&reader->evt) != -ECHILD ||
	    event_modify(&reader->evt) != -ECHILD ||
	    event_mod_timeout(&timer->evt, &(struct timespec){ 0, 1000 }) != -ECHILD ||
	    cleanup_dispatcher(dsp) != -ECHILD)
		return 3;
	if (dispatcher_get_efd(dsp) != -ECHILD ||
	    dispatcher_get_clocksource(dsp) != -ECHILD ||
	    dispatcher_set_timer_slack(dsp, 0) != -ECHILD ||
	    dispatcher_get_timer_slack(dsp, &slack) != -ECHILD)
		return 4;
	free_dispatcher(dsp);
	if (reader->cleanups != 1 || timer->cleanups != 1)
		return 5;
	return 0;
}

static void test_child_refused(void **state)
{
	for (int fallback = 0; fallback < 2; fallback++) {
		struct dispatcher *dsp;
		struct probe reader, timer;
		struct timespec set_at, due, late;
		int fds[2], status;
		pid_t pid;

		if (fallback)
			wrap_fail(WRAP_MADVISE, 1, EINVAL);
		dsp = monotonic_dispatcher();
		assert_int_equal(dsp->alive_size == 0, fallback);
		make_pipe(fds);
		probe_init(&reader, fds[0], EPOLLIN);
		probe_init(&timer, -1, 0);
		timer.evt.tmo = (struct timespec){ 0, 200000000 };
		assert_int_equal(event_add(dsp, &reader.evt), 0);
		clock_gettime(CLOCK_MONOTONIC, &set_at);
		assert_int_equal(event_add(dsp, &timer.evt), 0);
		write_byte(fds[1]);

		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(child_calls_all_refused(dsp, &reader, &timer));
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);

		/* The parent's registration and timer are as they were. */
		while (!timer.timeouts)
			wait_once(dsp);
		assert_true(reader.calls >= 1);
		due = set_at;
		due.tv_nsec += 200000000;
		ts_normalize(&due);
		late = due;
		late.tv_sec += 2;
		assert_true(ts_not_before(&timer.fired, &due));
		assert_false(ts_not_before(&timer.fired, &late));
		free_dispatcher(dsp);
		close(fds[0]);
		close(fds[1]);
	}
}

/*
 * A callback forks; the child returns EVENTCB_REMOVE into the inherited
 * dispatch. That must not take the registration out of the epoll set the
 * parent shares, and the child's next wait is refused.
 */
static pid_t forked_pid;

static void fork_once(struct probe *self)
{
	if (self->ctx)
		return;
	self->ctx = self;
	forked_pid = fork();
	assert_true(forked_pid >= 0);
	if (forked_pid == 0)
		self->result = EVENTCB_REMOVE;
}

static void test_fork_in_callback(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe reader;
	int fds[2], status, r;

	make_pipe(fds);
	probe_init(&reader, fds[0], EPOLLIN);
	reader.action = fork_once;
	assert_int_equal(event_add(dsp, &reader.evt), 0);
	write_byte(fds[1]);
	r = event_wait(dsp, NULL);
	if (forked_pid == 0) {
		int bad = (r != 0 && r != -ECHILD) || reader.evt.dsp != NULL;

		alarm(10);
		if (!bad && event_wait(dsp, NULL) != -ECHILD)
			bad = 2;
		free_dispatcher(dsp);
		_exit(bad);
	}
	assert_int_equal(r, 0);
	assert_int_equal(waitpid(forked_pid, &status, 0), forked_pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Still readable, still registered: called again. */
	wait_for_calls(dsp, &reader, 2, 2000000);
	assert_int_equal(reader.calls, 2);
	free_dispatcher(dsp);
	close(fds[0]);
	close(fds[1]);
}

/*
 * The epoll set is shared with a forked parent or child, which may have
 * registered descriptors with tokens of slots this dispatcher never
 * handed out: such a report must not index past the slot table.
 */
static void test_foreign_token(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct epoll_event ev = { .events = EPOLLIN,
				  .data.u64 = (UINT64_C(1) << 32) | 0x7fffffff };
	int fds[2];

	make_pipe(fds);
	write_byte(fds[1]);
	assert_int_equal(epoll_ctl(dsp->epfd, EPOLL_CTL_ADD, fds[0], &ev), 0);
	/* Not this dispatcher's, and it will not go away: said at once. */
	assert_int_equal(event_wait(dsp, NULL), -ESTALE);
	free_dispatcher(dsp);
	close(fds[0]);
	close(fds[1]);
}

/*
 * A descriptor closed while registered, with a dup() alive: the kernel
 * keeps the registration, and nothing can remove it any more. Reported
 * after its event was removed, or after a new event took the number, it
 * must not make the loop spin in silence: event_wait() says -ESTALE, and
 * event_loop() hands that to its error handler. A report of an event
 * removed earlier in the same batch is still dropped without a word.
 */
static int stale_errors;

static int count_stale(int err)
{
	if (err == -ESTALE && ++stale_errors < 3)
		return ELOOP_CONTINUE;
	return err;
}

static void test_stale_registration_reported(void **state)
{
	for (int reuse = 0; reuse < 2; reuse++) {
		struct dispatcher *dsp = monotonic_dispatcher();
		struct probe old, fresh;
		int a[2], b[2], dup_fd;

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
		dup_fd = dup(a[0]);
		assert_true(dup_fd >= 0);
		probe_init(&old, a[0], EPOLLIN);
		assert_int_equal(event_add(dsp, &old.evt), 0);
		write_byte(a[1]);
		close(a[0]);		/* wrong order: still registered */
		if (reuse) {
			/* A new descriptor takes the number and the event's place. */
			assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
			assert_int_equal(b[0], a[0]);
			probe_init(&fresh, b[0], EPOLLIN);
			assert_int_equal(event_add(dsp, &fresh.evt), 0);
		} else {
			assert_int_equal(event_remove(&old.evt), 0);
		}
		assert_int_equal(event_wait(dsp, NULL), -ESTALE);
		stale_errors = 0;
		assert_int_equal(event_loop(dsp, NULL, count_stale), -ESTALE);
		assert_int_equal(stale_errors, 3);
		assert_int_equal(old.calls, 0);
		free_dispatcher(dsp);
		close(dup_fd);
		close(a[1]);
		if (reuse) {
			assert_int_equal(fresh.calls, 0);
			close(b[0]);
			close(b[1]);
		}
	}
}

/* Remove the probe in ctx, if it is still registered. */
static void remove_other_probe(struct probe *self)
{
	struct probe *other = self->ctx;

	if (other->evt.dsp)
		assert_int_equal(event_remove(&other->evt), 0);
}

static void test_removed_in_batch_is_quiet(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe p[2];
	int fds[2][2];

	for (int i = 0; i < 2; i++) {
		make_pipe(fds[i]);
		probe_init(&p[i], fds[i][0], EPOLLIN);
		p[i].action = remove_other_probe;
		p[i].ctx = &p[1 - i];
		assert_int_equal(event_add(dsp, &p[i].evt), 0);
		write_byte(fds[i][1]);
	}
	/* Whichever runs first removes the other, whose report is fetched. */
	wait_once(dsp);
	assert_int_equal(p[0].calls + p[1].calls, 1);
	free_dispatcher(dsp);
	for (int i = 0; i < 2; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bogus_fd_number),
		cmocka_unit_test(test_oneshot_only_rearm),
		cmocka_unit_test(test_no_timer_calls_while_emptied),
		cmocka_unit_test(test_child_free_keeps_parent_timer),
		cmocka_unit_test(test_failed_clock_read_never_early),
		cmocka_unit_test(test_equal_deadlines_in_batch_order),
		cmocka_unit_test(test_child_refused),
		cmocka_unit_test(test_fork_in_callback),
		cmocka_unit_test(test_foreign_token),
		cmocka_unit_test(test_stale_registration_reported),
		cmocka_unit_test(test_removed_in_batch_is_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
