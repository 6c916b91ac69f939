/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of event_wait() and event_loop(): callback reasons and
 * results, one-shot timeouts in deadline order, and every re-entrancy case
 * of the contract (callbacks removing, disabling, re-timing, adding and
 * freeing events of the same batch, nested waits, freeing the dispatcher).
 * Use-after-free bugs here show up under ASan and valgrind.
 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <sys/socket.h>

#include "ts-util.h"
#include "unit-test.h"

static void test_fd_event_results(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe keep, drop, clean;
	int a[2], b[2], c[2];

	make_pipe(a);
	make_pipe(b);
	make_pipe(c);
	probe_init(&keep, a[0], EPOLLIN);
	probe_init(&drop, b[0], EPOLLIN);
	probe_init(&clean, c[0], EPOLLIN);
	drop.result = EVENTCB_REMOVE;
	clean.result = EVENTCB_CLEANUP;
	assert_int_equal(event_add(dsp, &keep.evt), 0);
	assert_int_equal(event_add(dsp, &drop.evt), 0);
	assert_int_equal(event_add(dsp, &clean.evt), 0);
	write_byte(a[1]);
	write_byte(b[1]);
	write_byte(c[1]);
	wait_once(dsp);
	assert_int_equal(keep.calls, 1);
	assert_int_equal(keep.evt.reason, REASON_EVENT_OCCURED);
	assert_int_equal(keep.last_events, EPOLLIN);
	assert_int_equal(drop.calls, 1);
	assert_null(drop.evt.dsp);
	assert_int_equal(drop.cleanups, 0);
	assert_int_equal(clean.calls, 1);
	assert_null(clean.evt.dsp);
	assert_int_equal(clean.cleanups, 1);
	/* Level-triggered: still readable, so the kept one comes again. */
	wait_once(dsp);
	assert_int_equal(keep.calls, 2);
	assert_int_equal(drop.calls + clean.calls, 2);
	free_dispatcher(dsp);
	assert_int_equal(keep.cleanups, 1);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
		close(c[i]);
	}
}

static void test_timeouts_in_deadline_order(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe t[6];
	/* Two pairs of equal deadlines: first armed fires first. */
	const long delay_ms[6] = { 30, 10, 20, 10, 30, 5 };
	const int expected[6] = { 5, 1, 3, 2, 0, 4 };
	struct timespec base;

	clock_gettime(CLOCK_MONOTONIC, &base);
	for (int i = 0; i < 6; i++) {
		probe_init(&t[i], -1, 0);
		t[i].evt.flags = TMO_ABS;
		t[i].evt.tmo = base;
		t[i].evt.tmo.tv_nsec += delay_ms[i] * 1000000L;
		if (t[i].evt.tmo.tv_nsec >= 1000000000L) {
			t[i].evt.tmo.tv_sec++;
			t[i].evt.tmo.tv_nsec -= 1000000000L;
		}
		assert_int_equal(event_add(dsp, &t[i].evt), 0);
	}
	while (probe_log_len < 6)
		wait_once(dsp);
	for (int i = 0; i < 6; i++) {
		assert_ptr_equal(probe_log[i], &t[expected[i]]);
		assert_int_equal(t[i].timeouts, 1);
		assert_int_equal(t[i].last_events, 0);
		/* One-shot: no longer in the heap, still registered. */
		assert_false(timeout_armed(&t[i].evt));
		assert_ptr_equal(t[i].evt.dsp, dsp);
	}
	free_dispatcher(dsp);
}

static struct timespec abs_ms(const struct timespec *base, long msec)
{
	struct timespec t = *base;

	t.tv_sec += msec / 1000;
	t.tv_nsec += msec % 1000 * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/*
 * Deadlines pushed back are re-keyed lazily inside the heap: they must
 * still fire exactly when they are due, in deadline order, with equal
 * deadlines in the order they were last set.
 */
static void test_pushed_back_deadlines(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b, c, d;
	struct timespec base, t;

	clock_gettime(CLOCK_MONOTONIC, &base);
	probe_init(&a, -1, 0);
	probe_init(&b, -1, 0);
	probe_init(&c, -1, 0);
	probe_init(&d, -1, 0);
	a.evt.flags = b.evt.flags = c.evt.flags = d.evt.flags = TMO_ABS;
	a.evt.tmo = abs_ms(&base, 10);
	b.evt.tmo = abs_ms(&base, 40);
	c.evt.tmo = abs_ms(&base, 20);
	d.evt.tmo = abs_ms(&base, 30);
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	assert_int_equal(event_add(dsp, &c.evt), 0);
	assert_int_equal(event_add(dsp, &d.evt), 0);
	/* a: 10 -> 80 -> 50 (both later than its key: lazy) */
	t = abs_ms(&base, 80);
	assert_int_equal(event_mod_timeout(&a.evt, &t), 0);
	t = abs_ms(&base, 50);
	assert_int_equal(event_mod_timeout(&a.evt, &t), 0);
	/* c: 20 -> 40, set after b: fires after b (same deadline) */
	t = abs_ms(&base, 40);
	assert_int_equal(event_mod_timeout(&c.evt, &t), 0);
	/* d: 30 -> 60 -> 5: earlier than its key, re-keyed at once */
	t = abs_ms(&base, 60);
	assert_int_equal(event_mod_timeout(&d.evt, &t), 0);
	t = abs_ms(&base, 5);
	assert_int_equal(event_mod_timeout(&d.evt, &t), 0);
	while (probe_log_len < 4)
		wait_once(dsp);
	assert_ptr_equal(probe_log[0], &d);
	assert_ptr_equal(probe_log[1], &b);
	assert_ptr_equal(probe_log[2], &c);
	assert_ptr_equal(probe_log[3], &a);
	/* None fired before its last deadline (a: 50 ms, not 10). */
	assert_true(ts_not_before(&a.fired, &a.evt.tmo));
	assert_true(ts_not_before(&b.fired, &b.evt.tmo));
	assert_true(ts_not_before(&c.fired, &c.evt.tmo));
	assert_true(ts_not_before(&d.fired, &d.evt.tmo));
	free_dispatcher(dsp);
}

/* A deadline pushed back after the timer was armed for it must not fire. */
static void test_pushed_back_after_arming(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a;
	struct timespec base, t;

	clock_gettime(CLOCK_MONOTONIC, &base);
	probe_init(&a, -1, 0);
	a.evt.flags = TMO_ABS;
	a.evt.tmo = abs_ms(&base, 10);
	assert_int_equal(event_add(dsp, &a.evt), 0);	/* timerfd: 10 ms */
	t = abs_ms(&base, 60);
	assert_int_equal(event_mod_timeout(&a.evt, &t), 0);	/* lazy */
	usleep(30000);
	/* The timerfd fires for the old key; nothing is due yet. */
	wait_once(dsp);
	assert_int_equal(a.calls, 0);
	while (a.calls == 0)
		wait_once(dsp);
	assert_true(ts_not_before(&a.fired, &t));
	free_dispatcher(dsp);
}

/* An fd event neither cancels nor postpones the event's own timeout. */
static void test_fd_event_keeps_timeout(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe p;
	int fds[2];

	make_pipe(fds);
	probe_init(&p, fds[0], EPOLLIN);
	p.evt.tmo = ms(20);
	assert_int_equal(event_add(dsp, &p.evt), 0);
	write_byte(fds[1]);
	wait_once(dsp);
	assert_int_equal(p.calls, 1);
	assert_int_equal(p.timeouts, 0);
	p.evt.ep.events = 0;
	assert_int_equal(event_modify(&p.evt), 0);
	wait_once(dsp);
	assert_int_equal(p.timeouts, 1);
	free_dispatcher(dsp);
	close(fds[0]);
	close(fds[1]);
}

/* --- re-entrancy within one batch --- */

static bool acted;
static void (*batch_action)(struct probe *other);

static void remove_other(struct probe *other)
{
	assert_int_equal(event_remove(&other->evt), 0);
}

static void disable_other(struct probe *other)
{
	other->evt.ep.events = 0;
	assert_int_equal(event_modify(&other->evt), 0);
}

/* Whichever of the pair runs first applies batch_action to the other. */
static void first_acts_on_other(struct probe *self)
{
	if (acted)
		return;
	acted = true;
	batch_action(self->ctx);
}

/*
 * Two fds ready in one batch: the first callback removes or disables the
 * other event, which must then not be called in this batch.
 */
static void run_batch_case(void (*action)(struct probe *other), bool still_registered)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe p[2], *first, *other;
	int a[2], b[2];

	make_pipe(a);
	make_pipe(b);
	probe_init(&p[0], a[0], EPOLLIN);
	probe_init(&p[1], b[0], EPOLLIN);
	p[0].ctx = &p[1];
	p[1].ctx = &p[0];
	p[0].action = p[1].action = first_acts_on_other;
	acted = false;
	batch_action = action;
	assert_int_equal(event_add(dsp, &p[0].evt), 0);
	assert_int_equal(event_add(dsp, &p[1].evt), 0);
	write_byte(a[1]);
	write_byte(b[1]);
	wait_once(dsp);
	assert_int_equal(probe_log_len, 1);
	first = probe_log[0];
	other = first->ctx;
	assert_int_equal(other->calls, 0);
	free_dispatcher(dsp);
	assert_int_equal(first->cleanups, 1);
	assert_int_equal(other->cleanups, still_registered ? 1 : 0);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

static void test_batch_remove_other(void **state)
{
	run_batch_case(remove_other, false);
}

static void test_batch_disable_other(void **state)
{
	run_batch_case(disable_other, true);
}

/*
 * Relative timeouts set by callbacks of a batch with several reports take
 * their start from one clock read at the end of the batch: never earlier
 * than the call plus the timeout, even when the batch runs long.
 */
struct push_probe {
	struct probe p;
	struct timespec set_at;	/* the clock when event_mod_timeout() ran */
};

static int push_backs;
static bool fail_clock_after_batch;

static void push_back_20ms(struct probe *self)
{
	struct push_probe *pp = (struct push_probe *)self;
	int64_t until;
	struct timespec now;

	if (self->evt.reason == REASON_TIMEOUT)
		return;
	clock_gettime(CLOCK_MONOTONIC, &pp->set_at);
	assert_int_equal(event_mod_timeout(&self->evt, &(struct timespec){ 0, 20000000 }), 0);
	/* A slow callback: the batch lasts a few milliseconds. */
	until = pp->set_at.tv_sec * 1000000000LL + pp->set_at.tv_nsec + 3000000;
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while (now.tv_sec * 1000000000LL + now.tv_nsec < until);
	self->evt.ep.events = 0;	/* once is enough */
	assert_int_equal(event_modify(&self->evt), 0);
	/* The last callback of the batch: the next clock read ends it. */
	if (++push_backs == 2 && fail_clock_after_batch)
		wrap_fail(WRAP_CLOCK_GETTIME, 1, EIO);
}

/* @n ready pipes whose callbacks push their own timeouts back. */
static void add_push_probes(struct dispatcher *dsp, struct push_probe *pp,
			    int (*fds)[2], int n)
{
	push_backs = 0;
	for (int i = 0; i < n; i++) {
		make_pipe(fds[i]);
		probe_init(&pp[i].p, fds[i][0], EPOLLIN);
		pp[i].p.action = push_back_20ms;
		assert_int_equal(event_add(dsp, &pp[i].p.evt), 0);
		write_byte(fds[i][1]);
	}
}

/* Wait for their timeouts: none came before its call plus 20 ms. */
static void check_push_probes(struct dispatcher *dsp, struct push_probe *pp,
			      int (*fds)[2], int n)
{
	for (int i = 0; i < n; i++) {
		struct timespec due = pp[i].set_at;

		while (!pp[i].p.timeouts)
			wait_once(dsp);
		due.tv_nsec += 20000000;
		ts_normalize(&due);
		assert_true(ts_not_before(&pp[i].p.fired, &due));
	}
	free_dispatcher(dsp);
	for (int i = 0; i < n; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

static void test_push_back_in_batch_never_early(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct push_probe pp[3];
	int fds[3][2];

	add_push_probes(dsp, pp, fds, 3);
	wait_once(dsp);
	/* One batch, and no deadline is left uncomputed after it. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(pp[i].p.calls, 1);
	assert_int_equal(dsp->pending_count, 0);
	check_push_probes(dsp, pp, fds, 3);
}

/*
 * The clock fails when the batch ends: event_wait() says so, and the
 * deadlines are computed at the next wait instead, still never early;
 * a timer that cannot be programmed then loses none of them either.
 */
static void test_deferred_clock_failure(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct push_probe pp[2];
	int fds[2][2];

	add_push_probes(dsp, pp, fds, 2);
	fail_clock_after_batch = true;
	assert_int_equal(event_wait(dsp, NULL), -EIO);
	fail_clock_after_batch = false;
	assert_int_equal(dsp->pending_count, 2);	/* kept for the next try */
	/* The next try computes them, but cannot program the timer yet. */
	wrap_reset();
	wrap_fail(WRAP_TIMERFD_SETTIME, 1, EIO);
	assert_int_equal(event_wait(dsp, NULL), -EIO);
	assert_int_equal(dsp->pending_count, 0);
	wrap_reset();
	check_push_probes(dsp, pp, fds, 2);
}

/*
 * The list of deferred push-backs is bounded (DISPATCH_PENDING): a
 * callback that pushes back more timeouts than it holds gets the rest
 * armed at once, with a clock read of their own, and none fires early.
 */
#define MANY_TIMERS (DISPATCH_PENDING + 8)

static struct probe many_timers[MANY_TIMERS];
static struct timespec many_set_at;

static void push_back_many(struct probe *self)
{
	struct timespec tmo = { 0, 20000000 };

	if (self->evt.reason == REASON_TIMEOUT || self->ctx)
		return;
	self->ctx = self;	/* once */
	clock_gettime(CLOCK_MONOTONIC, &many_set_at);
	for (int i = 0; i < MANY_TIMERS; i++)
		assert_int_equal(event_mod_timeout(&many_timers[i].evt, &tmo), 0);
	/* Full: the last ones went straight into the heap. */
	assert_int_equal(self->evt.dsp->pending_count, DISPATCH_PENDING);
	self->evt.ep.events = 0;
	assert_int_equal(event_modify(&self->evt), 0);
}

static void test_deferred_list_full(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe readers[2];
	int fds[2][2];

	for (int i = 0; i < MANY_TIMERS; i++) {
		probe_init(&many_timers[i], -1, 0);
		many_timers[i].evt.tmo = (struct timespec){ 3600, 0 };
		assert_int_equal(event_add(dsp, &many_timers[i].evt), 0);
	}
	/* Two reports, so that the batch defers its clock read. */
	for (int i = 0; i < 2; i++) {
		make_pipe(fds[i]);
		probe_init(&readers[i], fds[i][0], EPOLLIN);
		readers[i].action = push_back_many;
		assert_int_equal(event_add(dsp, &readers[i].evt), 0);
		write_byte(fds[i][1]);
	}
	wait_once(dsp);
	assert_int_equal(dsp->pending_count, 0);
	assert_true(heap_is_consistent(&dsp->heap, dsp->slots));
	for (int i = 0; i < MANY_TIMERS; i++) {
		struct timespec due = many_set_at;

		while (!many_timers[i].timeouts)
			wait_once(dsp);
		due.tv_nsec += 20000000;
		ts_normalize(&due);
		assert_true(ts_not_before(&many_timers[i].fired, &due));
	}
	free_dispatcher(dsp);
	for (int i = 0; i < 2; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

/*
 * A callback earlier in a batch narrows another event's mask from
 * IN|OUT to IN (or to nothing it has): that event's later callback in the
 * same batch gets only what it asks for now, or is not called at all.
 */
static uint32_t narrow_to;

static void narrow_other(struct probe *other)
{
	other->evt.ep.events = narrow_to;
	assert_int_equal(event_modify(&other->evt), 0);
}

static void run_narrow_case(uint32_t to, bool other_has_data)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe p[2], *first, *other;
	int a[2], b[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
	/* Both writable; readable too when they have data. */
	probe_init(&p[0], a[0], EPOLLIN | EPOLLOUT);
	probe_init(&p[1], b[0], EPOLLIN | EPOLLOUT);
	p[0].ctx = &p[1];
	p[1].ctx = &p[0];
	p[0].action = p[1].action = first_acts_on_other;
	acted = false;
	batch_action = narrow_other;
	narrow_to = to;
	assert_int_equal(event_add(dsp, &p[0].evt), 0);
	assert_int_equal(event_add(dsp, &p[1].evt), 0);
	if (other_has_data) {
		write_byte(a[1]);
		write_byte(b[1]);
	}
	wait_once(dsp);
	first = probe_log[0];
	other = first->ctx;
	assert_true(first->last_events & EPOLLOUT);
	if (to & EPOLLIN && other_has_data) {
		assert_int_equal(probe_log_len, 2);
		assert_int_equal(other->last_events, EPOLLIN);
	} else {
		/* Nothing it asks for is in the report: skipped. */
		assert_int_equal(probe_log_len, 1);
		assert_int_equal(other->calls, 0);
	}
	free_dispatcher(dsp);
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
	}
}

static void test_batch_narrow_other(void **state)
{
	run_narrow_case(EPOLLIN, true);		/* IN|OUT ready: IN only */
	run_narrow_case(EPOLLIN, false);	/* OUT ready: nothing left */
	run_narrow_case(0, true);		/* emptied: no ERR/HUP here */
}

/*
 * The first callback of a batch removes and frees every other ready
 * event, then registers new events (which the allocator will likely place
 * at the freed addresses) on descriptors that are not ready. None of the
 * stale reports may reach them.
 */
struct heap_probe {
	struct event evt;
	int *calls;
};

static int heap_probe_callback(struct event *evt, uint32_t events)
{
	struct heap_probe *hp = (struct heap_probe *)evt;

	(*hp->calls)++;
	return EVENTCB_CONTINUE;
}

enum { NREADY = 8 };
static struct heap_probe *ready[NREADY];
static int ready_calls, fresh_calls, first_seen;
static int quiet_pipe[2];

static int slaughter_callback(struct event *evt, uint32_t events)
{
	struct heap_probe *hp = (struct heap_probe *)evt;

	(*hp->calls)++;
	if (first_seen++)
		return EVENTCB_CONTINUE;
	for (int i = 0; i < NREADY; i++) {
		if (&ready[i]->evt == evt)
			continue;
		assert_int_equal(event_remove(&ready[i]->evt), 0);
		close(ready[i]->evt.fd);
		free(ready[i]);
		ready[i] = calloc(1, sizeof(*ready[i]));
		assert_non_null(ready[i]);
		ready[i]->evt = (struct event)EVENT_ON_HEAP(heap_probe_callback,
							    dup(quiet_pipe[0]), EPOLLIN);
		ready[i]->calls = &fresh_calls;
		assert_int_equal(event_add(evt->dsp, &ready[i]->evt), 0);
	}
	return EVENTCB_CONTINUE;
}

static void test_batch_remove_free_and_reuse(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	int writers[NREADY];

	make_pipe(quiet_pipe);
	ready_calls = fresh_calls = first_seen = 0;
	for (int i = 0; i < NREADY; i++) {
		int fds[2];

		make_pipe(fds);
		ready[i] = calloc(1, sizeof(*ready[i]));
		assert_non_null(ready[i]);
		ready[i]->evt = (struct event)EVENT_ON_HEAP(slaughter_callback, fds[0], EPOLLIN);
		ready[i]->calls = &ready_calls;
		assert_int_equal(event_add(dsp, &ready[i]->evt), 0);
		write_byte(fds[1]);
		writers[i] = fds[1];
	}
	wait_once(dsp);
	assert_int_equal(ready_calls, 1);
	assert_int_equal(fresh_calls, 0);
	free_dispatcher(dsp);	/* cleanup_event_on_heap frees them all */
	for (int i = 0; i < NREADY; i++)
		close(writers[i]);
	close(quiet_pipe[0]);
	close(quiet_pipe[1]);
}

/* --- re-entrancy in the timeout pass --- */

static struct probe *timer_peer;

static void cancel_peer(struct probe *self)
{
	assert_int_equal(event_mod_timeout(&timer_peer->evt, &(struct timespec){ 0, 0 }), 0);
}

static void rearm_self_now(struct probe *self)
{
	/* Due at once: must wait for the next event_wait(). */
	if (self->timeouts == 1)
		assert_int_equal(event_mod_timeout(&self->evt, &(struct timespec){ 0, 1 }), 0);
}

static void rearm_self_in_past(struct probe *self)
{
	self->evt.flags = TMO_ABS;
	if (self->timeouts < 5)
		assert_int_equal(event_mod_timeout(&self->evt, &(struct timespec){ 0, 1 }), 0);
}

static void test_timeout_pass_reentrancy(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b, self, past;

	probe_init(&a, -1, 0);
	probe_init(&b, -1, 0);
	probe_init(&self, -1, 0);
	probe_init(&past, -1, 0);
	a.evt.tmo = ms(5);
	b.evt.tmo = ms(6);
	self.evt.tmo = ms(1);
	past.evt.tmo = ms(1);
	a.action = cancel_peer;
	timer_peer = &b;
	self.action = rearm_self_now;
	past.action = rearm_self_in_past;
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	assert_int_equal(event_add(dsp, &self.evt), 0);
	assert_int_equal(event_add(dsp, &past.evt), 0);
	usleep(20000);	/* all four are due in the first pass */
	wait_once(dsp);
	assert_int_equal(a.timeouts, 1);
	assert_int_equal(b.timeouts, 0);	/* cancelled by a */
	assert_int_equal(self.timeouts, 1);	/* re-armed: next wait */
	assert_int_equal(past.timeouts, 1);	/* no endless loop */
	wait_once(dsp);
	assert_int_equal(self.timeouts, 2);
	assert_int_equal(past.timeouts, 2);
	while (past.timeouts < 5)
		wait_once(dsp);
	assert_int_equal(b.timeouts, 0);
	free_dispatcher(dsp);
}

static struct dispatcher *the_dsp;

static void nested_wait(struct probe *self)
{
	assert_int_equal(event_wait(the_dsp, NULL), -EBUSY);
	assert_int_equal(event_loop(the_dsp, NULL, NULL), -EBUSY);
}

static void add_from_callback(struct probe *self)
{
	struct probe *extra = self->ctx;

	if (self->timeouts == 1)
		assert_int_equal(event_add(the_dsp, &extra->evt), 0);
}

static void test_nested_wait_and_add(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b, extra;

	the_dsp = dsp;
	probe_init(&a, -1, 0);
	probe_init(&b, -1, 0);
	probe_init(&extra, -1, 0);
	extra.evt.tmo = ms(1);
	a.evt.tmo = ms(1);
	b.evt.tmo = ms(1);
	a.action = nested_wait;
	b.action = add_from_callback;
	b.ctx = &extra;
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	while (extra.timeouts == 0)
		wait_once(dsp);
	assert_int_equal(a.timeouts, 1);
	assert_int_equal(b.timeouts, 1);
	free_dispatcher(dsp);
}

/* --- freeing and cleaning from callbacks --- */

static void free_dsp_action(struct probe *self)
{
	struct probe *other = self->ctx;

	free_dispatcher(the_dsp);
	/*
	 * Every cleanup has run already, ours included, and the events are
	 * unregistered; only the memory waits for the callback to return.
	 */
	assert_int_equal(self->cleanups, 1);
	assert_int_equal(other->cleanups, 1);
	assert_null(other->evt.dsp);
	assert_int_equal(event_remove(&other->evt), -EINVAL);
	assert_int_equal(event_add(the_dsp, &other->evt), -EBUSY);
}

static void test_free_dispatcher_in_callback(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b, c;

	the_dsp = dsp;
	probe_init(&a, -1, 0);
	probe_init(&b, -1, 0);
	probe_init(&c, -1, 0);
	a.evt.tmo = ms(1);
	b.evt.tmo = ms(2);
	a.action = free_dsp_action;
	a.ctx = &c;
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	assert_int_equal(event_add(dsp, &c.evt), 0);
	usleep(5000);
	/* The loop ends with 0 once its dispatcher is gone. */
	assert_int_equal(event_loop(dsp, NULL, NULL), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);	/* dispatch stopped */
	assert_int_equal(a.cleanups, 1);
	assert_int_equal(b.cleanups, 1);
	assert_int_equal(c.cleanups, 1);
}

/*
 * The same in the fd pass: whichever of two ready pipes comes first
 * frees the dispatcher, and the other's report of the same batch is not
 * dispatched.
 */
static void free_dsp_in_fd_pass(struct probe *self)
{
	struct probe *other = self->ctx;

	if (other->calls)
		return;
	free_dispatcher(the_dsp);
	assert_int_equal(other->cleanups, 1);
}

static void test_free_dispatcher_in_fd_pass(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe p[2];
	int fds[2][2];

	the_dsp = dsp;
	for (int i = 0; i < 2; i++) {
		make_pipe(fds[i]);
		probe_init(&p[i], fds[i][0], EPOLLIN);
		p[i].action = free_dsp_in_fd_pass;
		p[i].ctx = &p[1 - i];
		assert_int_equal(event_add(dsp, &p[i].evt), 0);
		write_byte(fds[i][1]);
	}
	assert_int_equal(event_loop(dsp, NULL, NULL), 0);
	assert_int_equal(p[0].calls + p[1].calls, 1);
	assert_int_equal(p[0].cleanups, 1);
	assert_int_equal(p[1].cleanups, 1);
	for (int i = 0; i < 2; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
}

static int self_cleaning_calls;

static int cleanup_everything_callback(struct event *evt, uint32_t events)
{
	self_cleaning_calls++;
	/* This runs our own cleanup, which frees us. */
	assert_int_equal(cleanup_dispatcher(evt->dsp), 0);
	return EVENTCB_CLEANUP;
}

static void test_cleanup_dispatcher_in_callback(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct event *evt = malloc(sizeof(*evt));
	struct probe other;

	assert_non_null(evt);
	*evt = (struct event)TIMER_EVENT_ON_HEAP(cleanup_everything_callback, 1000);
	probe_init(&other, -1, 0);
	other.evt.tmo = ms(1);
	self_cleaning_calls = 0;
	assert_int_equal(event_add(dsp, evt), 0);
	assert_int_equal(event_add(dsp, &other.evt), 0);
	usleep(5000);
	wait_once(dsp);
	assert_int_equal(self_cleaning_calls, 1);
	assert_int_equal(other.cleanups, 1);
	/* Usable afterwards. */
	probe_init(&other, -1, 0);
	other.evt.tmo = ms(1);
	assert_int_equal(event_add(dsp, &other.evt), 0);
	wait_once(dsp);
	assert_int_equal(other.timeouts, 1);
	free_dispatcher(dsp);
}

/* --- event_loop and errors --- */

static int handler_calls;

static int quit_on_second(int err)
{
	assert_int_equal(err, -EINTR);
	return ++handler_calls == 2 ? ELOOP_QUIT : ELOOP_CONTINUE;
}

static void fail_next_wait(struct probe *self)
{
	wrap_fail(WRAP_EPOLL_PWAIT, 1, EINTR);
}

static void test_event_loop_errors(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe t;

	/* Without a handler the first error ends the loop. */
	wrap_fail(WRAP_EPOLL_PWAIT, 1, EINTR);
	assert_int_equal(event_loop(dsp, NULL, NULL), -EINTR);
	wrap_fail(WRAP_EPOLL_PWAIT, 1, EINTR);
	assert_int_equal(event_wait(dsp, NULL), -EINTR);

	/*
	 * Wait 1 fails (handler: continue), wait 2 runs the timer, whose
	 * callback makes wait 3 fail (handler: quit).
	 */
	probe_init(&t, -1, 0);
	t.evt.tmo = ms(1);
	t.action = fail_next_wait;
	assert_int_equal(event_add(dsp, &t.evt), 0);
	handler_calls = 0;
	wrap_fail(WRAP_EPOLL_PWAIT, 1, EINTR);
	assert_int_equal(event_loop(dsp, NULL, quit_on_second), ELOOP_QUIT);
	assert_int_equal(handler_calls, 2);
	assert_int_equal(t.timeouts, 1);
	free_dispatcher(dsp);
}

static void test_timer_rearm_failure_is_retried(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b;

	probe_init(&a, -1, 0);
	probe_init(&b, -1, 0);
	a.evt.tmo = ms(1);
	b.evt.tmo = ms(30);
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	/* a fires; re-arming the timerfd for b then fails. */
	wrap_fail(WRAP_TIMERFD_SETTIME, 1, EIO);
	assert_int_equal(event_wait(dsp, NULL), -EIO);
	assert_int_equal(a.timeouts, 1);
	/* The next wait programs it again, and b is not lost. */
	wait_once(dsp);
	assert_int_equal(b.timeouts, 1);
	free_dispatcher(dsp);
}

static void test_efd_readable_when_due(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct pollfd pfd = { .fd = dispatcher_get_efd(dsp), .events = POLLIN };
	struct probe t;

	probe_init(&t, -1, 0);
	t.evt.tmo = ms(10);
	assert_int_equal(event_add(dsp, &t.evt), 0);
	assert_int_equal(poll(&pfd, 1, 0), 0);		/* not yet */
	assert_int_equal(poll(&pfd, 1, 5000), 1);	/* generous bound */
	wait_once(dsp);
	assert_int_equal(t.timeouts, 1);
	free_dispatcher(dsp);
}

/* --- initializer macros and ready-made callbacks --- */

static int timer_fn_calls;
static void *timer_fn_arg;

static void count_timer(void *arg)
{
	timer_fn_calls++;
	timer_fn_arg = arg;
}

static void test_timer_macros(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct timer_event on_stack = TIMER_ON_STACK(count_timer, &on_stack, 0);
	struct timer_event *on_heap = malloc(sizeof(*on_heap));
	struct event zero = TIMER_EVENT_ON_STACK(probe_callback, 0);
	struct event w = EVENT_W_TMO_ON_STACK(probe_callback, 5, EPOLLIN, 2500001);

	assert_int_equal(w.tmo.tv_sec, 2);
	assert_int_equal(w.tmo.tv_nsec, 500001000);
	assert_int_equal(w.fd, 5);
	assert_int_equal(w.ep.events, EPOLLIN);
	assert_ptr_equal(w.cleanup, cleanup_event_on_stack);
	/* us == 0 still fires: the macro adds one nanosecond. */
	assert_int_equal(zero.tmo.tv_nsec, 1);
	assert_int_equal(zero.fd, -1);

	assert_non_null(on_heap);
	*on_heap = TIMER_ON_HEAP(count_timer, NULL, 1000);
	assert_ptr_equal(on_heap->e.cleanup, cleanup_event_on_heap);
	timer_fn_calls = 0;
	assert_int_equal(event_add(dsp, &on_stack.e), 0);
	wait_once(dsp);
	assert_int_equal(timer_fn_calls, 1);
	assert_ptr_equal(timer_fn_arg, &on_stack);
	assert_null(on_stack.e.dsp);	/* single-shot: removed */
	assert_int_equal(event_add(dsp, &on_heap->e), 0);
	wait_once(dsp);
	assert_int_equal(timer_fn_calls, 2);	/* and freed: see ASan */
	free_dispatcher(dsp);
}

static void test_cleanup_helpers_and_reasons(void **state)
{
	int fds[2];
	struct event e = EVENT_ON_STACK(probe_callback, -1, 0);
	struct event *h = malloc(sizeof(*h));

	assert_string_equal(reason_str[REASON_EVENT_OCCURED], "event occurred");
	assert_string_equal(reason_str[REASON_TIMEOUT], "timeout");
	assert_int_equal(REASON_EVENT_OCCURRED, REASON_EVENT_OCCURED);
	make_pipe(fds);
	e.fd = fds[0];
	cleanup_event_on_stack(&e);
	assert_int_equal(e.fd, -1);
	cleanup_event_on_stack(&e);	/* fd -1: nothing */
	cleanup_event_on_stack(NULL);
	assert_non_null(h);
	*h = (struct event)EVENT_ON_HEAP(probe_callback, fds[1], EPOLLOUT);
	cleanup_event_on_heap(h);	/* closes fds[1], frees h */
	cleanup_event_on_heap(NULL);
	assert_int_equal(minivent_timer_trampoline(NULL, 0), EVENTCB_CLEANUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_event_results),
		cmocka_unit_test(test_timeouts_in_deadline_order),
		cmocka_unit_test(test_fd_event_keeps_timeout),
		cmocka_unit_test(test_pushed_back_deadlines),
		cmocka_unit_test(test_pushed_back_after_arming),
		cmocka_unit_test(test_batch_remove_other),
		cmocka_unit_test(test_batch_disable_other),
		cmocka_unit_test(test_batch_narrow_other),
		cmocka_unit_test(test_push_back_in_batch_never_early),
		cmocka_unit_test(test_deferred_clock_failure),
		cmocka_unit_test(test_deferred_list_full),
		cmocka_unit_test(test_batch_remove_free_and_reuse),
		cmocka_unit_test(test_timeout_pass_reentrancy),
		cmocka_unit_test(test_nested_wait_and_add),
		cmocka_unit_test(test_free_dispatcher_in_callback),
		cmocka_unit_test(test_free_dispatcher_in_fd_pass),
		cmocka_unit_test(test_cleanup_dispatcher_in_callback),
		cmocka_unit_test(test_event_loop_errors),
		cmocka_unit_test(test_timer_rearm_failure_is_retried),
		cmocka_unit_test(test_efd_readable_when_due),
		cmocka_unit_test(test_timer_macros),
		cmocka_unit_test(test_cleanup_helpers_and_reasons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
