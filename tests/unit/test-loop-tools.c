/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of what a daemon needs around the loop: ending event_loop()
 * from a callback, a cleanup or the error handler (event_loop_exit()); a
 * callback that removes and frees its own event, as foreign libraries do
 * from inside their socket callbacks; the "as soon as possible" timeout
 * (TMO_ASAP); listing the registered events (dispatcher_for_each_event(),
 * dispatcher_dump_events()). The own-event cases are use-after-free bugs
 * on a library that reads the event after the callback: they fail under
 * ASan and valgrind there, and the address-reuse cases fail anywhere.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit-test.h"

static struct dispatcher *the_dsp;

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	       (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* --- event_loop_exit() --- */

static void exit_42(struct probe *self)
{
	assert_int_equal(event_loop_exit(the_dsp, 42), 0);
}

static void test_exit_finishes_the_round(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b, t;
	int p1[2], p2[2];

	the_dsp = dsp;
	make_pipe(p1);
	make_pipe(p2);
	probe_init(&a, p1[0], EPOLLIN);
	probe_init(&b, p2[0], EPOLLIN);
	probe_init(&t, -1, 0);
	a.action = b.action = exit_42;
	t.evt.tmo = ms(1);
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	assert_int_equal(event_add(dsp, &t.evt), 0);
	usleep(5000);
	write_byte(p1[1]);
	write_byte(p2[1]);
	/* One round: both descriptors, then the expired timer, then return. */
	assert_int_equal(event_loop(dsp, NULL, NULL), 42);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(t.timeouts, 1);
	/* The request was used up: the next loop waits again. */
	assert_int_equal(read(p1[0], &(char){ 0 }, 1), 1);
	assert_int_equal(read(p2[0], &(char){ 0 }, 1), 1);
	t.action = exit_42;
	assert_int_equal(event_mod_timeout(&t.evt, &(struct timespec){ .tv_sec = 1 / 1000, .tv_nsec = 1 % 1000 * 1000000L }), 0);
	a.action = b.action = NULL;
	assert_int_equal(event_loop(dsp, NULL, NULL), 42);
	assert_int_equal(t.timeouts, 2);
	assert_int_equal(a.calls, 1);
	free_dispatcher(dsp);
	for (int i = 0; i < 2; i++) {
		close(p1[i]);
		close(p2[i]);
	}
}

static void exit_7_later(struct probe *self)
{
	assert_int_equal(event_loop_exit(the_dsp, 1), 0);
	assert_int_equal(event_loop_exit(the_dsp, 7), 0);	/* replaces 1 */
}

static void test_exit_before_the_loop(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe guard;
	struct timespec start;

	the_dsp = dsp;
	assert_int_equal(event_loop_exit(NULL, 1), -EINVAL);
	/* Would end a loop that did not see the request, after 5 s. */
	probe_init(&guard, -1, 0);
	guard.evt.tmo = ms(5000);
	guard.action = exit_7_later;
	assert_int_equal(event_add(dsp, &guard.evt), 0);
	assert_int_equal(event_loop_exit(dsp, -3), 0);
	/* event_wait() leaves the request alone. */
	wrap_fail(WRAP_EPOLL_PWAIT, 1, EINTR);
	assert_int_equal(event_wait(dsp, NULL), -EINTR);
	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(event_loop(dsp, NULL, NULL), -3);
	assert_true(elapsed_ms(&start) < 2500);
	assert_int_equal(guard.calls, 0);
	assert_int_equal(event_mod_timeout(&guard.evt, &(struct timespec){ .tv_sec = 1 / 1000, .tv_nsec = 1 % 1000 * 1000000L }), 0);
	assert_int_equal(event_loop(dsp, NULL, NULL), 7);
	assert_int_equal(guard.calls, 1);
	free_dispatcher(dsp);
}

static int handler_calls;

static int exit_from_handler(int err)
{
	handler_calls++;
	assert_int_equal(err, -EINTR);
	/* The handler runs like a callback: no nested wait. */
	assert_int_equal(event_wait(the_dsp, NULL), -EBUSY);
	assert_int_equal(event_loop_exit(the_dsp, 9), 0);
	return ELOOP_CONTINUE;
}

static int free_from_handler(int err)
{
	handler_calls++;
	free_dispatcher(the_dsp);
	/* Still there until the handler has returned. */
	assert_int_equal(event_add(the_dsp, &(struct event)EVENT_ON_STACK(probe_callback, -1, 0)),
			 -EBUSY);
	return handler_calls == 2 ? ELOOP_CONTINUE : 5;
}

static void test_exit_from_error_handler(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();

	the_dsp = dsp;
	handler_calls = 0;
	wrap_fail(WRAP_EPOLL_PWAIT, 1, EINTR);
	assert_int_equal(event_loop(dsp, NULL, exit_from_handler), 9);
	assert_int_equal(handler_calls, 1);
	/* A handler that frees the dispatcher ends the loop. */
	wrap_fail(WRAP_EPOLL_PWAIT, 1, EINTR);
	assert_int_equal(event_loop(dsp, NULL, free_from_handler), 0);
	assert_int_equal(handler_calls, 2);
	dsp = monotonic_dispatcher();
	the_dsp = dsp;
	wrap_fail(WRAP_EPOLL_PWAIT, 1, EINTR);
	assert_int_equal(event_loop(dsp, NULL, free_from_handler), 5);
	assert_int_equal(handler_calls, 3);
}

static void exit_and_free(struct probe *self)
{
	assert_int_equal(event_loop_exit(the_dsp, 11), 0);
	free_dispatcher(the_dsp);
}

static void exit_cleanup(struct event *evt)
{
	((struct probe *)evt)->cleanups++;
	assert_int_equal(event_loop_exit(the_dsp, 13), 0);
}

static void test_exit_with_free_and_from_cleanup(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe t;

	the_dsp = dsp;
	probe_init(&t, -1, 0);
	t.evt.tmo = ms(1);
	t.result = EVENTCB_CLEANUP;
	t.evt.cleanup = exit_cleanup;
	assert_int_equal(event_add(dsp, &t.evt), 0);
	assert_int_equal(event_loop(dsp, NULL, NULL), 13);
	assert_int_equal(t.cleanups, 1);

	/* Freed in the same round: the value survives the dispatcher. */
	probe_init(&t, -1, 0);
	t.evt.tmo = ms(1);
	t.action = exit_and_free;
	assert_int_equal(event_add(dsp, &t.evt), 0);
	assert_int_equal(event_loop(dsp, NULL, NULL), 11);
	assert_int_equal(t.cleanups, 1);
}

/* --- a callback that removes and frees its own event --- */

/*
 * Stands in for a foreign library (curl's CURL_POLL_REMOVE): told about
 * activity on its socket, it drops the socket's event and frees it
 * before it returns to the callback.
 */
struct foreign_sock {
	struct event evt;
	int *calls;
	int result;
};

static void foreign_library_action(struct foreign_sock *s)
{
	assert_int_equal(event_remove(&s->evt), 0);
	memset(s, 0xa5, sizeof(*s));
	free(s);
}

static int foreign_sock_cb(struct event *evt, uint32_t events)
{
	struct foreign_sock *s = (struct foreign_sock *)evt;
	int result = s->result;

	(void)events;
	++*s->calls;
	foreign_library_action(s);
	/* Whatever it returns now, the event must not be touched. */
	return result;
}

static void never_cleanup(struct event *evt)
{
	(void)evt;
	fail_msg("cleanup of an event removed by its own callback");
}

static struct foreign_sock *foreign_sock_new(int fd, int *calls, int result)
{
	struct foreign_sock *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->evt = (struct event)EVENT_ON_STACK(foreign_sock_cb, fd, EPOLLIN);
	s->evt.cleanup = never_cleanup;
	s->calls = calls;
	s->result = result;
	return s;
}

static int no_visit(const struct event_info *info, void *arg)
{
	(void)arg;
	fail_msg("event %p is still registered", (void *)info->evt);
	return -1;
}

static void test_remove_and_free_own_event(void **state)
{
	static const int results[] = { EVENTCB_CONTINUE, EVENTCB_REMOVE, EVENTCB_CLEANUP };
	struct dispatcher *dsp = monotonic_dispatcher();
	int pipes[3][2], calls = 0, tcalls = 0;

	for (int i = 0; i < 3; i++) {
		make_pipe(pipes[i]);
		assert_int_equal(event_add(dsp, &foreign_sock_new(pipes[i][0], &calls,
								  results[i])->evt), 0);
		write_byte(pipes[i][1]);
		/* The same for a timeout. */
		struct foreign_sock *t = foreign_sock_new(-1, &tcalls, results[i]);

		t->evt.tmo = ms(1);
		assert_int_equal(event_add(dsp, &t->evt), 0);
	}
	usleep(5000);
	wait_once(dsp);		/* one batch of three, then three timeouts */
	assert_int_equal(calls, 3);
	while (tcalls < 3)
		wait_once(dsp);
	assert_int_equal(tcalls, 3);
	/* Nothing is left registered. */
	assert_int_equal(dispatcher_for_each_event(dsp, no_visit, NULL), 0);
	free_dispatcher(dsp);
	for (int i = 0; i < 3; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
}

/*
 * The memory of the removed event is reused at once by a new event, which
 * the same callback registers: the old callback's result must not remove
 * it or run its cleanup. Deterministic, with no allocator involved: the
 * new event is built in the very same struct.
 */
static struct probe reused;
static int reuse_result, reuse_pipe[2];

static int reuse_in_place_cb(struct event *evt, uint32_t events)
{
	(void)events;
	assert_ptr_equal(evt, &reused.evt);
	assert_int_equal(event_remove(evt), 0);
	/* "Freed"; a new event for another descriptor at the same address. */
	probe_init(&reused, reuse_pipe[0], EPOLLIN);
	assert_int_equal(event_add(the_dsp, &reused.evt), 0);
	return reuse_result;
}

static void test_reuse_own_address(void **state)
{
	for (int result = EVENTCB_REMOVE; result <= EVENTCB_CLEANUP; result++) {
		struct dispatcher *dsp = monotonic_dispatcher();

		the_dsp = dsp;
		reuse_result = result;
		make_pipe(reuse_pipe);
		memset(&reused, 0, sizeof(reused));
		reused.evt = (struct event)TIMER_EVENT_ON_STACK(reuse_in_place_cb, 0);
		assert_int_equal(event_add(dsp, &reused.evt), 0);
		wait_once(dsp);
		/* The new event is registered, untouched, and gets its input. */
		assert_ptr_equal(reused.evt.dsp, dsp);
		assert_int_equal(reused.cleanups, 0);
		write_byte(reuse_pipe[1]);
		wait_once(dsp);
		assert_int_equal(reused.calls, 1);
		assert_int_equal(event_remove(&reused.evt), 0);
		free_dispatcher(dsp);
		assert_int_equal(reused.cleanups, 0);
		close(reuse_pipe[0]);
		close(reuse_pipe[1]);
	}
}

/* The same with the allocator: free(), then malloc() of the same size. */
static int realloc_calls, reborn_calls;

static int reborn_cb(struct event *evt, uint32_t events)
{
	(void)events;
	reborn_calls++;
	return EVENTCB_CLEANUP;
}

static int realloc_own_cb(struct event *evt, uint32_t events)
{
	struct event *fresh;

	(void)events;
	realloc_calls++;
	assert_int_equal(event_remove(evt), 0);
	free(evt);
	fresh = malloc(sizeof(*fresh));
	assert_non_null(fresh);
	*fresh = (struct event)TIMER_EVENT_ON_HEAP(reborn_cb, 1000);
	assert_int_equal(event_add(the_dsp, fresh), 0);
	return EVENTCB_CLEANUP;
}

static void test_free_and_malloc_in_own_callback(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct event *evt = malloc(sizeof(*evt));

	the_dsp = dsp;
	realloc_calls = reborn_calls = 0;
	assert_non_null(evt);
	*evt = (struct event)TIMER_EVENT_ON_HEAP(realloc_own_cb, 0);
	assert_int_equal(event_add(dsp, evt), 0);
	wait_once(dsp);
	assert_int_equal(realloc_calls, 1);
	while (reborn_calls == 0)
		wait_once(dsp);
	free_dispatcher(dsp);	/* valgrind: nothing leaked */
}

/* Removed and added again (not freed): the result is ignored too. */
static int readd_cb(struct event *evt, uint32_t events)
{
	(void)events;
	assert_int_equal(event_remove(evt), 0);
	assert_int_equal(event_add(the_dsp, evt), 0);
	return EVENTCB_REMOVE;
}

static void test_readd_own_event_ignores_result(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct event evt = TIMER_EVENT_ON_STACK(readd_cb, 0);

	the_dsp = dsp;
	assert_int_equal(event_add(dsp, &evt), 0);
	wait_once(dsp);
	assert_ptr_equal(evt.dsp, dsp);
	assert_int_equal(event_remove(&evt), 0);
	free_dispatcher(dsp);
}

/* --- TMO_ASAP --- */

static void asap_self(struct probe *self)
{
	if (self->calls == 1)
		assert_int_equal(event_mod_timeout(&self->evt, TMO_ASAP), 0);
}

static void test_tmo_asap(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe t, a, b;
	struct timespec start;
	int p1[2], p2[2];

	probe_init(&t, -1, 0);
	t.evt.tmo = ms(10000);
	assert_int_equal(event_add(dsp, &t.evt), 0);
	for (int abs = 0; abs < 2; abs++) {
		t.evt.flags = abs ? TMO_ABS : 0;
		assert_int_equal(event_mod_timeout(&t.evt, TMO_ASAP), 0);
		assert_int_equal(t.evt.tmo.tv_sec, 0);
		assert_int_equal(t.evt.tmo.tv_nsec, 1);
		clock_gettime(CLOCK_MONOTONIC, &start);
		wait_once(dsp);
		assert_int_equal(t.timeouts, abs + 1);
		assert_true(elapsed_ms(&start) < 2500);
	}

	/* Set from a batch (a deferred clock read) and from a timeout pass. */
	make_pipe(p1);
	make_pipe(p2);
	probe_init(&a, p1[0], EPOLLIN);
	probe_init(&b, p2[0], EPOLLIN);
	a.action = asap_self;
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	write_byte(p1[1]);
	write_byte(p2[1]);
	wait_once(dsp);
	assert_int_equal(a.calls, 1);
	assert_int_equal(read(p1[0], &(char){ 0 }, 1), 1);
	assert_int_equal(read(p2[0], &(char){ 0 }, 1), 1);
	clock_gettime(CLOCK_MONOTONIC, &start);
	wait_once(dsp);
	assert_int_equal(a.timeouts, 1);
	assert_true(elapsed_ms(&start) < 2500);
	free_dispatcher(dsp);
	for (int i = 0; i < 2; i++) {
		close(p1[i]);
		close(p2[i]);
	}
}

/* --- listing the events --- */

struct seen {
	int count;
	struct event_info info[8];
	int stop_at;			/* return 1 at this many, 0: never */
	struct event *remove;		/* remove this one on the first visit */
	bool free_dsp;
};

static int record_visit(const struct event_info *info, void *arg)
{
	struct seen *seen = arg;

	if (seen->count < 8)
		seen->info[seen->count] = *info;
	seen->count++;
	if (seen->remove) {
		assert_int_equal(event_remove(seen->remove), 0);
		seen->remove = NULL;
	}
	if (seen->free_dsp)
		free_dispatcher(the_dsp);
	return seen->count == seen->stop_at ? 77 : 0;
}

static const struct event_info *find_info(const struct seen *seen,
					  const struct event *evt)
{
	for (int i = 0; i < seen->count && i < 8; i++)
		if (seen->info[i].evt == evt)
			return &seen->info[i];
	return NULL;
}

static void test_for_each_event(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe rd, wr, one, t;
	struct seen seen = { 0 };
	const struct event_info *info;
	struct timespec now;
	int p[2];

	the_dsp = dsp;
	make_pipe(p);
	probe_init(&rd, p[0], EPOLLIN);
	probe_init(&wr, p[1], EPOLLOUT);
	probe_init(&t, -1, 0);
	probe_init(&one, -1, 0);
	rd.evt.tmo = ms(30000);
	t.evt.tmo = ms(60000);
	assert_int_equal(event_add(dsp, &rd.evt), 0);
	assert_int_equal(event_add(dsp, &t.evt), 0);
	assert_int_equal(dispatcher_for_each_event(NULL, record_visit, &seen), -EINVAL);
	assert_int_equal(dispatcher_for_each_event(dsp, NULL, &seen), -EINVAL);
	assert_int_equal(dispatcher_for_each_event(dsp, record_visit, &seen), 0);
	assert_int_equal(seen.count, 2);
	clock_gettime(CLOCK_MONOTONIC, &now);
	info = find_info(&seen, &rd.evt);
	assert_non_null(info);
	assert_int_equal(info->fd, p[0]);
	assert_int_equal(info->events, EPOLLIN);
	assert_ptr_equal(info->callback, probe_callback);
	assert_true(info->deadline.tv_sec > now.tv_sec + 20 &&
		    info->deadline.tv_sec <= now.tv_sec + 30);
	info = find_info(&seen, &t.evt);
	assert_non_null(info);
	assert_int_equal(info->fd, -1);
	assert_int_equal(info->events, 0);
	assert_true(info->deadline.tv_sec > now.tv_sec + 50);

	/* A pushed-back deadline shows as it is, not as the heap's key. */
	assert_int_equal(event_mod_timeout(&t.evt, &(struct timespec){ .tv_sec = 90000 / 1000, .tv_nsec = 90000 % 1000 * 1000000L }), 0);
	/* A fired one-shot descriptor; a cancelled timeout. */
	wr.evt.ep.events = EPOLLOUT | EPOLLONESHOT;
	assert_int_equal(event_add(dsp, &wr.evt), 0);
	wait_once(dsp);
	assert_int_equal(wr.calls, 1);
	assert_int_equal(event_mod_timeout(&rd.evt, &(struct timespec){ 0, 0 }), 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(dispatcher_for_each_event(dsp, record_visit, &seen), 0);
	assert_int_equal(seen.count, 3);
	assert_int_equal(find_info(&seen, &wr.evt)->events, EPOLLONESHOT);
	assert_int_equal(find_info(&seen, &rd.evt)->deadline.tv_sec, 0);
	assert_int_equal(find_info(&seen, &rd.evt)->deadline.tv_nsec, 0);
	assert_true(find_info(&seen, &t.evt)->deadline.tv_sec > now.tv_sec + 80);

	/* The walk stops at the first non-zero result, which it returns. */
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 2;
	assert_int_equal(dispatcher_for_each_event(dsp, record_visit, &seen), 77);
	assert_int_equal(seen.count, 2);

	/* The visitor may remove events: a removed one is not visited. */
	memset(&seen, 0, sizeof(seen));
	seen.remove = &t.evt;
	assert_int_equal(dispatcher_for_each_event(dsp, record_visit, &seen), 0);
	assert_null(t.evt.dsp);
	assert_null(find_info(&seen, &t.evt));
	assert_int_equal(seen.count, 2);

	/* ... and free the dispatcher, which ends the walk. */
	memset(&seen, 0, sizeof(seen));
	seen.free_dsp = true;
	assert_int_equal(dispatcher_for_each_event(dsp, record_visit, &seen), 0);
	assert_int_equal(seen.count, 1);
	assert_int_equal(rd.cleanups + wr.cleanups, 2);
	close(p[0]);
	close(p[1]);
}

/* Called in a batch: a relative timeout still waiting for its clock read. */
static void list_pending(struct probe *self)
{
	struct seen seen = { 0 };
	struct timespec now;

	assert_int_equal(event_mod_timeout(&self->evt, &(struct timespec){ .tv_sec = 40000 / 1000, .tv_nsec = 40000 % 1000 * 1000000L }), 0);
	assert_true(self->evt.dsp->slots[(uint32_t)self->evt.priv_.token_].state & SLOT_PENDING);
	clock_gettime(CLOCK_MONOTONIC, &now);
	assert_int_equal(dispatcher_for_each_event(the_dsp, record_visit, &seen), 0);
	assert_true(find_info(&seen, &self->evt)->deadline.tv_sec >= now.tv_sec + 39);
	/* Its clock read fails: so does the walk. */
	wrap_fail(WRAP_CLOCK_GETTIME, 1, EINVAL);
	assert_int_equal(dispatcher_for_each_event(the_dsp, record_visit, &seen), -EINVAL);
	/* Freed in the callback: nothing to list any more. */
	free_dispatcher(the_dsp);
	assert_int_equal(dispatcher_for_each_event(the_dsp, record_visit, &seen), -EBUSY);
	assert_int_equal(dispatcher_dump_events(the_dsp, stderr), -EBUSY);
}

static void test_for_each_in_batch(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe a, b;
	int p1[2], p2[2];

	the_dsp = dsp;
	make_pipe(p1);
	make_pipe(p2);
	probe_init(&a, p1[0], EPOLLIN);
	probe_init(&b, p2[0], EPOLLIN);
	a.action = list_pending;
	assert_int_equal(event_add(dsp, &a.evt), 0);
	assert_int_equal(event_add(dsp, &b.evt), 0);
	write_byte(p1[1]);
	write_byte(p2[1]);
	/* a runs first or second; either way the batch has two reports. */
	assert_int_equal(event_wait(dsp, NULL), 0);
	assert_int_equal(a.calls, 1);
	for (int i = 0; i < 2; i++) {
		close(p1[i]);
		close(p2[i]);
	}
}

static void test_dump_events(void **state)
{
	struct dispatcher *dsp = monotonic_dispatcher();
	struct probe rd, t;
	char *text = NULL;
	size_t size = 0;
	char expect[64];
	FILE *out, *full;
	int p[2];

	make_pipe(p);
	probe_init(&rd, p[0], EPOLLIN | EPOLLRDHUP | EPOLLET);
	probe_init(&t, -1, 0);
	t.evt.tmo = ms(5000);
	assert_int_equal(event_add(dsp, &rd.evt), 0);
	assert_int_equal(event_add(dsp, &t.evt), 0);
	assert_int_equal(dispatcher_dump_events(NULL, stderr), -EINVAL);
	assert_int_equal(dispatcher_dump_events(dsp, NULL), -EINVAL);
	out = open_memstream(&text, &size);
	assert_non_null(out);
	assert_int_equal(dispatcher_dump_events(dsp, out), 0);
	fclose(out);
	snprintf(expect, sizeof(expect), "fd %d events IN|RDHUP|ET callback ", p[0]);
	assert_non_null(strstr(text, expect));
	assert_non_null(strstr(text, " timer deadline "));
	assert_non_null(strstr(text, " (in +"));
	assert_non_null(strstr(text, "  2 events\n"));
	free(text);

	/* A stream that fails: the caller hears of it. */
	full = fopen("/dev/full", "w");
	if (full) {
		setvbuf(full, NULL, _IONBF, 0);
		assert_int_equal(dispatcher_dump_events(dsp, full), -EIO);
		fclose(full);
	}
	free_dispatcher(dsp);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_finishes_the_round),
		cmocka_unit_test(test_exit_before_the_loop),
		cmocka_unit_test(test_exit_from_error_handler),
		cmocka_unit_test(test_exit_with_free_and_from_cleanup),
		cmocka_unit_test(test_remove_and_free_own_event),
		cmocka_unit_test(test_reuse_own_address),
		cmocka_unit_test(test_free_and_malloc_in_own_callback),
		cmocka_unit_test(test_readd_own_event_ignores_result),
		cmocka_unit_test(test_tmo_asap),
		cmocka_unit_test(test_for_each_event),
		cmocka_unit_test(test_for_each_in_batch),
		cmocka_unit_test(test_dump_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
