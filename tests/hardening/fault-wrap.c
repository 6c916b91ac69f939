/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The wrappers behind fault-wrap.h. Each failure uses an errno that the
 * real call can return, so the library's error paths are the real ones.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "fault-wrap.h"

int fault_errno;
const char *fault_where;
static long countdown;		/* 0: disarmed */
static bool injected;

void fault_arm(long nth)
{
	countdown = nth;
	injected = false;
}

bool fault_disarm(void)
{
	countdown = 0;
	return injected;
}

static bool fail_now(const char *where, int err)
{
	if (countdown <= 0 || --countdown)
		return false;
	injected = true;
	fault_errno = err;
	fault_where = where;
	errno = err;
	return true;
}

#define WRAP(ret, name, params, args, err, failval)			\
	ret __real_##name params;					\
	ret __wrap_##name params;					\
	ret __wrap_##name params					\
	{								\
		if (fail_now(#name, err))				\
			return failval;					\
		return __real_##name args;				\
	}

WRAP(int, epoll_create1, (int flags), (flags), EMFILE, -1)

/*
 * EPOLL_CTL_DEL of a registered descriptor cannot fail for lack of
 * resources; it fails when the descriptor was closed first, and then the
 * kernel has already dropped it. Fake that: do it, report ENOENT.
 */
int __real_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int __wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int __wrap_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	if (!fail_now("epoll_ctl", op == EPOLL_CTL_DEL ? ENOENT : ENOSPC))
		return __real_epoll_ctl(epfd, op, fd, ev);
	if (op == EPOLL_CTL_DEL) {
		__real_epoll_ctl(epfd, op, fd, ev);
		errno = ENOENT;
	}
	return -1;
}
WRAP(int, epoll_pwait, (int epfd, struct epoll_event *evs, int n, int tmo,
			const sigset_t *mask), (epfd, evs, n, tmo, mask), EINTR, -1)
WRAP(int, timerfd_create, (int clockid, int flags), (clockid, flags), ENFILE, -1)
WRAP(int, timerfd_settime, (int fd, int flags, const struct itimerspec *new,
			    struct itimerspec *old), (fd, flags, new, old), ECANCELED, -1)
WRAP(int, clock_gettime, (clockid_t clk, struct timespec *ts), (clk, ts), EINVAL, -1)
WRAP(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n), EIO, -1)
WRAP(void *, malloc, (size_t n), (n), ENOMEM, NULL)
WRAP(void *, calloc, (size_t n, size_t size), (n, size), ENOMEM, NULL)
WRAP(void *, realloc, (void *p, size_t n), (p, n), ENOMEM, NULL)
