/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wrappers behind wrap-syscalls.h. Only calls made while a failure is
 * armed are affected; cmocka's own allocations go through too but are
 * never failed unless a test arms calloc/realloc right before a library
 * call.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "wrap-syscalls.h"

struct wrap_state {
	unsigned int calls;
	unsigned int fail_in;	/* 0: never; 1: the next call fails */
	int err;
};

static struct wrap_state wraps[WRAP_COUNT_];

/* What wrap_step_realtime() needs to know about each timerfd, by number. */
#define WALL_FDS 1024
struct wall_timer {
	bool wall;		/* on CLOCK_REALTIME or CLOCK_REALTIME_ALARM */
	bool armed_abs;		/* armed with TFD_TIMER_ABSTIME */
	bool cancel_on_set;
	bool cancelled;		/* the next read() fails with ECANCELED */
	int64_t value;		/* the absolute time it was set to, as asked */
};
static struct wall_timer wall_timers[WALL_FDS];
static int64_t wall_shift;	/* added to the real CLOCK_REALTIME */

static bool is_wall_clock(clockid_t clock)
{
	return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM;
}

void wrap_fail(enum wrapped_call call, unsigned int nth, int err)
{
	wraps[call].fail_in = nth;
	wraps[call].err = err;
}

void wrap_reset(void)
{
	for (int i = 0; i < WRAP_COUNT_; i++)
		wraps[i] = (struct wrap_state){ 0 };
	if (wall_shift)
		wrap_step_realtime(-wall_shift);
	for (int fd = 0; fd < WALL_FDS; fd++)
		wall_timers[fd].cancelled = false;
}

unsigned int wrap_calls(enum wrapped_call call)
{
	return wraps[call].calls;
}

/* Count the call; true (with errno set) if it is the one to fail. */
static int should_fail(enum wrapped_call call)
{
	struct wrap_state *w = &wraps[call];

	w->calls++;
	if (w->fail_in == 0 || --w->fail_in != 0)
		return 0;
	errno = w->err;
	return 1;
}

int __real_epoll_create1(int flags);
int __wrap_epoll_create1(int flags);
int __wrap_epoll_create1(int flags)
{
	return should_fail(WRAP_EPOLL_CREATE1) ? -1 : __real_epoll_create1(flags);
}

int __real_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int __wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int __wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	return should_fail(WRAP_EPOLL_CTL) ? -1 : __real_epoll_ctl(epfd, op, fd, ev);
}

int __real_epoll_pwait(int epfd, struct epoll_event *evs, int max, int tmo,
		       const sigset_t *mask);
int __wrap_epoll_pwait(int epfd, struct epoll_event *evs, int max, int tmo,
		       const sigset_t *mask);
int __wrap_epoll_pwait(int epfd, struct epoll_event *evs, int max, int tmo,
		       const sigset_t *mask)
{
	if (should_fail(WRAP_EPOLL_PWAIT))
		return -1;
	return __real_epoll_pwait(epfd, evs, max, tmo, mask);
}

int __real_timerfd_create(int clockid, int flags);
int __wrap_timerfd_create(int clockid, int flags);
int __wrap_timerfd_create(int clockid, int flags)
{
	int fd;

	if (should_fail(WRAP_TIMERFD_CREATE))
		return -1;
	fd = __real_timerfd_create(clockid, flags);
	if (fd >= 0 && fd < WALL_FDS)
		wall_timers[fd] = (struct wall_timer){ .wall = is_wall_clock(clockid) };
	return fd;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* The real CLOCK_REALTIME time of wall-clock time @ns, saturating. */
static int64_t unshifted(int64_t ns)
{
	int64_t real;

	if (__builtin_sub_overflow(ns, wall_shift, &real))
		return wall_shift < 0 ? INT64_MAX : 1;
	return real;
}

static struct timespec ns_ts(int64_t ns)
{
	if (ns < 1)
		ns = 1;
	return (struct timespec){ .tv_sec = ns / 1000000000,
				  .tv_nsec = ns % 1000000000 };
}

int __real_timerfd_settime(int fd, int flags, const struct itimerspec *new,
			   struct itimerspec *old);
int __wrap_timerfd_settime(int fd, int flags, const struct itimerspec *new,
			   struct itimerspec *old);
int __wrap_timerfd_settime(int fd, int flags, const struct itimerspec *new,
			   struct itimerspec *old)
{
	struct wall_timer *w = fd >= 0 && fd < WALL_FDS ? &wall_timers[fd] : NULL;
	struct itimerspec real;
	int r;

	if (should_fail(WRAP_TIMERFD_SETTIME))
		return -1;
	if (!w || !w->wall || !(flags & TFD_TIMER_ABSTIME) ||
	    (new->it_value.tv_sec == 0 && new->it_value.tv_nsec == 0)) {
		r = __real_timerfd_settime(fd, flags, new, old);
		if (r == 0 && w)
			*w = (struct wall_timer){ .wall = w->wall };
		return r;
	}
	real = *new;
	real.it_value = ns_ts(unshifted(ts_ns(&new->it_value)));
	r = __real_timerfd_settime(fd, flags, &real, old);
	if (r == 0) {
		bool cancelled = w->cancelled;

		*w = (struct wall_timer){
			.wall = true, .armed_abs = true,
			.cancel_on_set = flags & TFD_TIMER_CANCEL_ON_SET,
			.value = ts_ns(&new->it_value),
		};
		/*
		 * As the kernel does: the timer is set, but a cancellation
		 * not yet read is reported (and forgotten) here.
		 */
		if (cancelled && w->cancel_on_set) {
			errno = ECANCELED;
			return -1;
		}
	}
	return r;
}

void wrap_step_realtime(int64_t delta_ns)
{
	wall_shift += delta_ns;
	for (int fd = 0; fd < WALL_FDS; fd++) {
		struct wall_timer *w = &wall_timers[fd];
		struct itimerspec its = { 0 };

		if (!w->armed_abs)
			continue;
		if (w->cancel_on_set) {
			/* Readable at once; read() says ECANCELED. */
			its.it_value = ns_ts(1);
			w->armed_abs = false;
			w->cancelled = true;
		} else {
			its.it_value = ns_ts(unshifted(w->value));
		}
		__real_timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
	}
}

ssize_t __real_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count)
{
	if (should_fail(WRAP_READ))
		return -1;
	if (fd >= 0 && fd < WALL_FDS && wall_timers[fd].cancelled) {
		wall_timers[fd].cancelled = false;
		(void)__real_read(fd, buf, count);
		errno = ECANCELED;
		return -1;
	}
	return __real_read(fd, buf, count);
}

int __real_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
	int64_t ns;

	if (should_fail(WRAP_CLOCK_GETTIME))
		return -1;
	if (__real_clock_gettime(clock, ts) < 0)
		return -1;
	if (wall_shift && is_wall_clock(clock)) {
		ns = ts_ns(ts) + wall_shift;
		ts->tv_sec = ns / 1000000000;
		ts->tv_nsec = ns % 1000000000;
	}
	return 0;
}

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	return should_fail(WRAP_CALLOC) ? NULL : __real_calloc(n, size);
}

int __real_madvise(void *addr, size_t len, int advice);
int __wrap_madvise(void *addr, size_t len, int advice);
int __wrap_madvise(void *addr, size_t len, int advice)
{
	return should_fail(WRAP_MADVISE) ? -1 : __real_madvise(addr, len, advice);
}

void *__real_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size)
{
	return should_fail(WRAP_REALLOC) ? NULL : __real_realloc(p, size);
}
