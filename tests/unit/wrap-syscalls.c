/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wrappers behind wrap-syscalls.h. Only calls made while a failure is
 * armed are affected; cmocka's own allocations go through too but are
 * never failed unless a test arms calloc/realloc right before a library
 * call.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>

#include "wrap-syscalls.h"

struct wrap_state {
	unsigned int calls;
	unsigned int fail_in;	/* 0: never; 1: the next call fails */
	int err;
};

static struct wrap_state wraps[WRAP_COUNT_];

void wrap_fail(enum wrapped_call call, unsigned int nth, int err)
{
	wraps[call].fail_in = nth;
	wraps[call].err = err;
}

void wrap_reset(void)
{
	for (int i = 0; i < WRAP_COUNT_; i++)
		wraps[i] = (struct wrap_state){ 0 };
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
	return should_fail(WRAP_TIMERFD_CREATE) ? -1 : __real_timerfd_create(clockid, flags);
}

int __real_timerfd_settime(int fd, int flags, const struct itimerspec *new,
			   struct itimerspec *old);
int __wrap_timerfd_settime(int fd, int flags, const struct itimerspec *new,
			   struct itimerspec *old);
int __wrap_timerfd_settime(int fd, int flags, const struct itimerspec *new,
			   struct itimerspec *old)
{
	if (should_fail(WRAP_TIMERFD_SETTIME))
		return -1;
	return __real_timerfd_settime(fd, flags, new, old);
}

int __real_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
	return should_fail(WRAP_CLOCK_GETTIME) ? -1 : __real_clock_gettime(clock, ts);
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
