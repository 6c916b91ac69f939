/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of event_add(), event_remove(), event_modify() and
 * event_mod_timeout(): every success path and every error path, including
 * failing system calls, after which the dispatcher must be unchanged.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "unit-test.h"

struct fixture {
	struct dispatcher *dsp;
	int fds[2];
	struct probe p;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->dsp = monotonic_dispatcher();
	make_pipe(f->fds);
	probe_init(&f->p, f->fds[0], EPOLLIN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	wrap_reset();
	free_dispatcher(f->dsp);
	close(f->fds[0]);
	close(f->fds[1]);
	free(f);
	return 0;
}

/* Is the dispatcher still fully working? An fd event must dispatch. */
static void assert_dispatcher_works(struct fixture *f)
{
	struct probe check;
	int fds[2];

	make_pipe(fds);
	probe_init(&check, fds[0], EPOLLIN);
	check.result = EVENTCB_REMOVE;
	assert_int_equal(event_add(f->dsp, &check.evt), 0);
	write_byte(fds[1]);
	wait_once(f->dsp);
	assert_int_equal(check.calls, 1);
	assert_null(check.evt.dsp);
	close(fds[0]);
	close(fds[1]);
}

static void test_add_success(void **state)
{
	struct fixture *f = *state;
	struct probe timer, disabled;

	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
	assert_ptr_equal(f->p.evt.dsp, f->dsp);
	probe_init(&timer, -1, 0);
	timer.evt.tmo = ms(5);
	assert_int_equal(event_add(f->dsp, &timer.evt), 0);
	/* An empty mask still goes to the kernel: EPOLLERR and EPOLLHUP. */
	probe_init(&disabled, f->fds[1], 0);
	wrap_reset();
	assert_int_equal(event_add(f->dsp, &disabled.evt), 0);
	assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 1);
	assert_int_equal(event_remove(&disabled.evt), 0);
	assert_int_equal(event_remove(&timer.evt), 0);
}

static void test_add_invalid(void **state)
{
	struct fixture *f = *state;
	struct probe *p = &f->p;

	assert_int_equal(event_add(NULL, &p->evt), -EINVAL);
	assert_int_equal(event_add(f->dsp, NULL), -EINVAL);

	p->evt.callback = NULL;
	assert_int_equal(event_add(f->dsp, &p->evt), -EINVAL);
	p->evt.callback = probe_callback;

	p->evt.flags = 0x8000;
	assert_int_equal(event_add(f->dsp, &p->evt), -EINVAL);
	p->evt.flags = 0;

	p->evt.tmo = (struct timespec){ 0, 1000000000L };
	assert_int_equal(event_add(f->dsp, &p->evt), -EINVAL);
	p->evt.tmo = (struct timespec){ 0, -1 };
	assert_int_equal(event_add(f->dsp, &p->evt), -EINVAL);
	p->evt.tmo = (struct timespec){ -1, 0 };
	assert_int_equal(event_add(f->dsp, &p->evt), -EINVAL);
	p->evt.tmo = (struct timespec){ 0, 0 };

	p->evt.fd = -2;
	assert_int_equal(event_add(f->dsp, &p->evt), -EBADF);
	p->evt.fd = f->fds[0];

	/* Nothing of the above registered anything. */
	assert_null(p->evt.dsp);
	assert_dispatcher_works(f);
}

static void test_add_bad_fd(void **state)
{
	struct fixture *f = *state;
	struct probe closed, regular;
	int fd = dup(f->fds[0]);
	char path[] = "/tmp/minivent-unit-XXXXXX";

	close(fd);
	probe_init(&closed, fd, EPOLLIN);
	assert_int_equal(event_add(f->dsp, &closed.evt), -EBADF);
	closed.evt.ep.events = 0;	/* an empty mask goes to epoll too */
	assert_int_equal(event_add(f->dsp, &closed.evt), -EBADF);
	assert_null(closed.evt.dsp);

	/* epoll refuses regular files. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	probe_init(&regular, fd, EPOLLIN);
	assert_int_equal(event_add(f->dsp, &regular.evt), -EPERM);
	close(fd);
	assert_dispatcher_works(f);
}

static void test_add_twice(void **state)
{
	struct fixture *f = *state;
	struct probe same_fd;
	struct dispatcher *other = new_dispatcher(CLOCK_MONOTONIC);

	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
	assert_int_equal(event_add(f->dsp, &f->p.evt), -EEXIST);
	/* A second event for the same fd: epoll says EEXIST. */
	probe_init(&same_fd, f->fds[0], EPOLLIN);
	assert_int_equal(event_add(f->dsp, &same_fd.evt), -EEXIST);
	assert_null(same_fd.evt.dsp);
	free_dispatcher(other);
	assert_int_equal(event_remove(&f->p.evt), 0);
	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
}

/*
 * Fields the original never read do not make event_add() fail: the mask
 * of a timer, and a leftover dsp of an event registered nowhere (it is
 * never dereferenced).
 */
static void test_add_ignores_leftovers(void **state)
{
	struct fixture *f = *state;
	struct probe timer;

	probe_init(&timer, -1, EPOLLIN | EPOLLOUT);
	timer.evt.dsp = (struct dispatcher *)&timer;	/* garbage */
	timer.evt.priv_.token_ = 7;			/* garbage too */
	timer.evt.tmo = ms(1);
	wrap_reset();
	assert_int_equal(event_add(f->dsp, &timer.evt), 0);
	assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 0);
	assert_ptr_equal(timer.evt.dsp, f->dsp);
	while (timer.timeouts == 0)
		wait_once(f->dsp);
	assert_int_equal(event_remove(&timer.evt), 0);

	/* Registered with another dispatcher: taken over, as the original did. */
	{
		struct dispatcher *other = monotonic_dispatcher();

		assert_int_equal(event_add(other, &f->p.evt), 0);
		assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
		assert_ptr_equal(f->p.evt.dsp, f->dsp);
		/* The old registration is dropped without touching the event. */
		write_byte(f->fds[1]);
		wait_once(other);
		assert_ptr_equal(f->p.evt.dsp, f->dsp);
		free_dispatcher(other);
		assert_int_equal(f->p.cleanups, 0);
		wait_once(f->dsp);
		assert_int_equal(f->p.calls, 1);
		assert_int_equal(event_remove(&f->p.evt), 0);
	}
}

/*
 * Re-initialized while registered (TIMER_EVENT_ON_STACK zeroes everything
 * the library keeps in the event): found by address, -EEXIST, still
 * registered once, cleaned up once.
 */
static void test_add_reinitialized(void **state)
{
	struct fixture *f = *state;
	struct probe t;

	probe_init(&t, -1, 0);
	t.evt.tmo = ms(60000);
	assert_int_equal(event_add(f->dsp, &t.evt), 0);
	t.evt = (struct event)TIMER_EVENT_ON_STACK(probe_callback, 60000000);
	t.evt.cleanup = probe_cleanup;
	assert_null(t.evt.dsp);
	assert_int_equal(event_add(f->dsp, &t.evt), -EEXIST);
	assert_int_equal(event_add(f->dsp, &t.evt), -EEXIST);
	/* Its identity is back: it can be removed and added again. */
	assert_ptr_equal(t.evt.dsp, f->dsp);
	assert_int_equal(event_remove(&t.evt), 0);
	assert_int_equal(event_add(f->dsp, &t.evt), 0);
	/* Re-initialized and never added again: still registered, once. */
	t.evt = (struct event)TIMER_EVENT_ON_STACK(probe_callback, 0);
	t.evt.cleanup = probe_cleanup;
	assert_int_equal(cleanup_dispatcher(f->dsp), 0);
	assert_int_equal(t.cleanups, 1);
	assert_null(t.evt.dsp);
	assert_dispatcher_works(f);
}

/*
 * A slot whose generation has used up all 2^32 values is retired: had it
 * been reused, a report fetched for its first registration would match
 * the new one. (Internals: the generation is set rather than counted up.)
 */
static void test_generation_wrap_retires_slot(void **state)
{
	struct fixture *f = *state;
	struct probe a, b;
	uint32_t slot;

	probe_init(&a, -1, 0);
	probe_init(&b, -1, 0);
	assert_int_equal(event_add(f->dsp, &a.evt), 0);
	slot = (uint32_t)a.evt.priv_.token_;
	assert_int_equal(event_remove(&a.evt), 0);
	f->dsp->slots[slot].token = (uint64_t)UINT32_MAX << 32;
	assert_int_equal(event_add(f->dsp, &a.evt), 0);
	/* The free slot, in its last generation. */
	assert_true(a.evt.priv_.token_ == ((uint64_t)UINT32_MAX << 32 | slot));
	assert_int_equal(event_remove(&a.evt), 0);	/* generation wraps */
	assert_true(f->dsp->slots[slot].token == 0);	/* matches no report */
	assert_int_equal(event_add(f->dsp, &b.evt), 0);
	assert_int_not_equal((uint32_t)b.evt.priv_.token_, slot);
	assert_null(f->dsp->slots[slot].evt);
	assert_int_equal(event_remove(&b.evt), 0);
	assert_dispatcher_works(f);
}

static void test_add_syscall_failures(void **state)
{
	struct fixture *f = *state;
	struct probe timer;

	wrap_fail(WRAP_EPOLL_CTL, 1, ENOMEM);
	assert_int_equal(event_add(f->dsp, &f->p.evt), -ENOMEM);
	assert_null(f->p.evt.dsp);

	probe_init(&timer, -1, 0);
	timer.evt.tmo = ms(100);
	wrap_fail(WRAP_CLOCK_GETTIME, 1, EINVAL);
	assert_int_equal(event_add(f->dsp, &timer.evt), -EINVAL);
	wrap_fail(WRAP_TIMERFD_SETTIME, 1, EIO);
	assert_int_equal(event_add(f->dsp, &timer.evt), -EIO);
	assert_null(timer.evt.dsp);

	/* An fd event with a timeout: the epoll part is rolled back too. */
	f->p.evt.tmo = ms(100);
	wrap_fail(WRAP_TIMERFD_SETTIME, 1, EIO);
	assert_int_equal(event_add(f->dsp, &f->p.evt), -EIO);
	assert_null(f->p.evt.dsp);
	wrap_reset();
	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);	/* not EEXIST */
	assert_dispatcher_works(f);
}

/* The fd owner table grows on the first fd event; that may fail too. */
static void test_add_fd_table_out_of_memory(void **state)
{
	struct fixture *f = *state;

	wrap_fail(WRAP_REALLOC, 1, ENOMEM);
	assert_int_equal(event_add(f->dsp, &f->p.evt), -ENOMEM);
	assert_null(f->p.evt.dsp);
	wrap_reset();
	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
	assert_int_equal(wrap_calls(WRAP_REALLOC), 1);
	/* Re-enabling after a disable re-adds: no growth needed now. */
	f->p.evt.ep.events = 0;
	assert_int_equal(event_modify(&f->p.evt), 0);
	f->p.evt.ep.events = EPOLLIN;
	wrap_fail(WRAP_REALLOC, 1, ENOMEM);
	assert_int_equal(event_modify(&f->p.evt), 0);
	wrap_reset();
	write_byte(f->fds[1]);
	wait_once(f->dsp);
	assert_int_equal(f->p.calls, 1);
}

/* Growing the slot table may fail; the events already there stay intact. */
static void test_add_out_of_memory(void **state)
{
	struct fixture *f = *state;
	enum { MANY = 100 };
	struct probe *timers = calloc(MANY, sizeof(*timers));
	int added = 0, r = 0;

	assert_non_null(timers);
	for (int i = 0; i < MANY; i++) {
		probe_init(&timers[i], -1, 0);
		timers[i].evt.tmo = ms(1000 + i);
	}
	for (int i = 0; i < MANY; i++) {
		wrap_fail(WRAP_REALLOC, 1, ENOMEM);
		r = event_add(f->dsp, &timers[i].evt);
		if (r == -ENOMEM)
			break;
		assert_int_equal(r, 0);
		added++;
	}
	/* The first growth happens when the 32 records, one of them
	 * reserved (FIRST_SLOT), are used up. */
	assert_int_equal(r, -ENOMEM);
	assert_int_equal(added, 32 - FIRST_SLOT);
	wrap_reset();
	for (int i = added; i < MANY; i++)
		assert_int_equal(event_add(f->dsp, &timers[i].evt), 0);
	for (int i = 0; i < MANY; i++)
		assert_int_equal(event_remove(&timers[i].evt), 0);
	free(timers);
	assert_dispatcher_works(f);
}

static void test_remove(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(event_remove(NULL), -EINVAL);
	/* Never added (dsp NULL): -EINVAL, as the original said. */
	assert_int_equal(event_remove(&f->p.evt), -EINVAL);
	/* Names a dispatcher it is not registered with: -ENOENT. */
	f->p.evt.dsp = f->dsp;
	assert_int_equal(event_remove(&f->p.evt), -ENOENT);
	f->p.evt.priv_.token_ = 1000;
	assert_int_equal(event_remove(&f->p.evt), -ENOENT);
	f->p.evt.priv_.token_ = 0;
	f->p.evt.dsp = NULL;
	f->p.evt.tmo = ms(5);
	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
	assert_int_equal(event_remove(&f->p.evt), 0);
	assert_null(f->p.evt.dsp);
	assert_int_equal(f->p.cleanups, 0);	/* remove never cleans up */
	assert_int_equal(event_remove(&f->p.evt), -EINVAL);
	/* Its fd and its timeout are gone: nothing is delivered. */
	write_byte(f->fds[1]);
	assert_dispatcher_works(f);
	assert_int_equal(f->p.calls, 0);
}

static void test_remove_after_close(void **state)
{
	struct fixture *f = *state;
	int fd = dup(f->fds[0]);
	struct probe p;

	probe_init(&p, fd, EPOLLIN);
	assert_int_equal(event_add(f->dsp, &p.evt), 0);
	close(fd);	/* the kernel drops it from the epoll set */
	assert_int_equal(event_remove(&p.evt), 0);
	assert_dispatcher_works(f);
}

static void test_modify(void **state)
{
	struct fixture *f = *state;
	struct probe timer;

	assert_int_equal(event_modify(NULL), -EINVAL);
	assert_int_equal(event_modify(&f->p.evt), -EINVAL);
	f->p.evt.dsp = f->dsp;
	assert_int_equal(event_modify(&f->p.evt), -ENOENT);
	f->p.evt.dsp = NULL;
	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);

	/* Unchanged mask: no system call. */
	wrap_reset();
	assert_int_equal(event_modify(&f->p.evt), 0);
	assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 0);
	/* Nor for EPOLLERR and EPOLLHUP, which epoll reports anyway. */
	f->p.evt.ep.events |= EPOLLERR | EPOLLHUP;
	assert_int_equal(event_modify(&f->p.evt), 0);
	assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 0);
	f->p.evt.ep.events &= ~(uint32_t)(EPOLLERR | EPOLLHUP);

	/* Empty mask: no callback although the pipe is readable. */
	write_byte(f->fds[1]);
	f->p.evt.ep.events = 0;
	wrap_reset();
	assert_int_equal(event_modify(&f->p.evt), 0);
	assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 1);	/* MOD, not DEL */
	assert_dispatcher_works(f);
	assert_int_equal(f->p.calls, 0);

	/* Re-enable: the callback comes. */
	f->p.evt.ep.events = EPOLLIN;
	assert_int_equal(event_modify(&f->p.evt), 0);
	wait_once(f->dsp);
	assert_int_equal(f->p.calls, 1);
	assert_true(f->p.last_events & EPOLLIN);

	/* A failing epoll_ctl leaves the old mask in force. */
	f->p.evt.ep.events = EPOLLIN | EPOLLOUT;
	wrap_fail(WRAP_EPOLL_CTL, 1, ENOMEM);
	assert_int_equal(event_modify(&f->p.evt), -ENOMEM);
	f->p.evt.ep.events = EPOLLIN;
	wrap_reset();
	assert_int_equal(event_modify(&f->p.evt), 0);
	assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 0);
	f->p.evt.ep.events = EPOLLIN | EPOLLEXCLUSIVE;	/* not with MOD */
	assert_int_equal(event_modify(&f->p.evt), -EINVAL);
	f->p.evt.ep.events = EPOLLIN;

	/* Timers have no fd part: their mask is ignored, as the original did. */
	probe_init(&timer, -1, 0);
	assert_int_equal(event_add(f->dsp, &timer.evt), 0);
	assert_int_equal(event_modify(&timer.evt), 0);
	timer.evt.ep.events = EPOLLIN;
	wrap_reset();
	assert_int_equal(event_modify(&timer.evt), 0);
	assert_int_equal(wrap_calls(WRAP_EPOLL_CTL), 0);
	timer.evt.ep.events = 0;
	assert_int_equal(event_remove(&timer.evt), 0);
}

static void test_modify_oneshot(void **state)
{
	struct fixture *f = *state;

	f->p.evt.ep.events = EPOLLIN | EPOLLONESHOT;
	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
	write_byte(f->fds[1]);
	wait_once(f->dsp);
	assert_int_equal(f->p.calls, 1);
	/* The kernel disarmed it; the same mask must re-arm it. */
	assert_int_equal(event_modify(&f->p.evt), 0);
	wait_once(f->dsp);
	assert_int_equal(f->p.calls, 2);
}

static void test_mod_timeout(void **state)
{
	struct fixture *f = *state;
	struct timespec now, abs_tmo;

	assert_int_equal(event_mod_timeout(NULL, &(struct timespec){ 1, 0 }), -EINVAL);
	assert_int_equal(event_mod_timeout(&f->p.evt, NULL), -EINVAL);
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 1, 0 }), -EINVAL);
	f->p.evt.dsp = f->dsp;
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 1, 0 }), -ENOENT);
	f->p.evt.dsp = NULL;
	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 0, 1000000000L }),
			 -EINVAL);
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ -5, 0 }), -EINVAL);
	f->p.evt.flags = 4;
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 1, 0 }), -EINVAL);
	f->p.evt.flags = 0;

	/* Set, then cancel: it never fires. */
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 0, 1 }), 0);
	assert_int_equal(f->p.evt.tmo.tv_nsec, 1);
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 0, 0 }), 0);
	assert_dispatcher_works(f);
	assert_int_equal(f->p.timeouts, 0);

	/* Absolute, already past: fires on the next wait. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	abs_tmo = now;
	f->p.evt.flags = TMO_ABS;
	assert_int_equal(event_mod_timeout(&f->p.evt, &abs_tmo), 0);
	wait_once(f->dsp);
	assert_int_equal(f->p.timeouts, 1);
	/* One-shot: gone after it fired. */
	assert_dispatcher_works(f);
	assert_int_equal(f->p.timeouts, 1);
	f->p.evt.flags = 0;

	/* Huge values saturate instead of overflowing. */
	assert_int_equal(event_mod_timeout(&f->p.evt,
			 &(struct timespec){ (time_t)INT64_MAX / 2, 0 }), 0);
	assert_dispatcher_works(f);
	assert_int_equal(f->p.timeouts, 1);
}

static void test_mod_timeout_failures(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
	wrap_fail(WRAP_CLOCK_GETTIME, 1, EINVAL);
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 1, 0 }), -EINVAL);
	wrap_fail(WRAP_TIMERFD_SETTIME, 1, EIO);
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 1, 0 }), -EIO);
	/* Nothing was armed or recorded by the failed calls. */
	assert_false(timeout_armed(&f->p.evt));
	assert_true(f->p.evt.tmo.tv_sec == 0 && f->p.evt.tmo.tv_nsec == 0);
	wrap_reset();
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 0, 1 }), 0);
	wait_once(f->dsp);
	assert_int_equal(f->p.timeouts, 1);
}

/* Pushing a deadline later or cancelling it costs no timerfd_settime(). */
static void test_lazy_rearm(void **state)
{
	struct fixture *f = *state;

	f->p.evt.tmo = ms(10000);
	assert_int_equal(event_add(f->dsp, &f->p.evt), 0);
	wrap_reset();
	for (int i = 0; i < 100; i++)
		assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 20 + i, 0 }), 0);
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 0, 0 }), 0);
	assert_int_equal(wrap_calls(WRAP_TIMERFD_SETTIME), 0);
	/* An earlier deadline than the armed one re-arms. */
	assert_int_equal(event_mod_timeout(&f->p.evt, &(struct timespec){ 1, 0 }), 0);
	assert_int_equal(wrap_calls(WRAP_TIMERFD_SETTIME), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_bad_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_ignores_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_reinitialized, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generation_wrap_retires_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_syscall_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_fd_table_out_of_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_after_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modify_oneshot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mod_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mod_timeout_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy_rearm, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
