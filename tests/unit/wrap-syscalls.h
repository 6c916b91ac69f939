/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MINIVENT_TEST_WRAP_SYSCALLS_H
#define MINIVENT_TEST_WRAP_SYSCALLS_H

/*
 * Failure injection for the unit tests. The test programs are linked with
 * -Wl,--wrap=NAME for each call below, against the static twin of the
 * library, so the library's calls land in __wrap_NAME(). By default every
 * wrapper passes through to the real call and counts it; a test can make
 * the Nth next call fail with a chosen errno.
 */

#include <stdint.h>

enum wrapped_call {
	WRAP_EPOLL_CREATE1,
	WRAP_EPOLL_CTL,
	WRAP_EPOLL_PWAIT,
	WRAP_TIMERFD_CREATE,
	WRAP_TIMERFD_SETTIME,
	WRAP_CLOCK_GETTIME,
	WRAP_CALLOC,
	WRAP_REALLOC,
	WRAP_MADVISE,
	WRAP_READ,
	WRAP_COUNT_
};

/* Make the @nth next call (1 = the very next) of @call fail with @err. */
void wrap_fail(enum wrapped_call call, unsigned int nth, int err);
/* Stop injecting failures and reset every call counter. */
void wrap_reset(void);
/* How many times @call went through a wrapper since the last reset. */
unsigned int wrap_calls(enum wrapped_call call);

/*
 * Step the wall clock, as far as the library can tell, by @delta_ns
 * (without touching the machine's clock): clock_gettime(CLOCK_REALTIME)
 * reads that much more from now on, and absolute times given to
 * timerfd_settime() on a CLOCK_REALTIME timerfd are translated back. As
 * the kernel does, a timer armed with TFD_TIMER_CANCEL_ON_SET becomes
 * readable and its next read() fails with ECANCELED, or if it is set
 * again first, that timerfd_settime() does (the timer set all the same);
 * another absolute wall-clock timer moves with the clock. wrap_reset()
 * undoes the step.
 */
void wrap_step_realtime(int64_t delta_ns);

#endif
