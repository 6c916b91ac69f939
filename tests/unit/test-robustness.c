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
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

static void retime_other(struct event *evt)
{
	((struct probe *)evt)->cleanups++;
	assert_int_equal(event_mod_timeout(&retime_target->evt,
					   &(struct timespec){ 0, 1000000 }), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bogus_fd_number),
		cmocka_unit_test(test_oneshot_only_rearm),
		cmocka_unit_test(test_no_timer_calls_while_emptied),
		cmocka_unit_test(test_failed_clock_read_never_early),
		cmocka_unit_test(test_equal_deadlines_in_batch_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
