/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MINIVENT_TIME_INTERNAL_H
#define MINIVENT_TIME_INTERNAL_H

/*
 * Internally every deadline is a signed 64-bit count of nanoseconds on the
 * dispatcher's clock: comparisons are single instructions and the heap
 * entries stay small. The range (+-292 years) covers every clock that
 * timerfd supports; larger values saturate instead of wrapping.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000LL
/* "No deadline": later than any representable time. */
#define NO_DEADLINE INT64_MAX

static inline bool timespec_valid(const struct timespec *ts)
{
	/* One unsigned compare covers both ends of tv_nsec. */
	return ts->tv_sec >= 0 && (unsigned long)ts->tv_nsec < NSEC_PER_SEC;
}

static inline bool timespec_is_zero(const struct timespec *ts)
{
	return ts->tv_sec == 0 && ts->tv_nsec == 0;
}

/* @ts must be valid (non-negative, normalized). Saturates below NO_DEADLINE. */
static inline int64_t timespec_to_ns(const struct timespec *ts)
{
	/* Widened first: where time_t has 32 bits, it can never saturate. */
	int64_t sec = ts->tv_sec;

	if (sec >= (NO_DEADLINE - NSEC_PER_SEC) / NSEC_PER_SEC)
		return NO_DEADLINE - 1;
	return sec * NSEC_PER_SEC + ts->tv_nsec;
}

static inline struct timespec ns_to_timespec(int64_t ns)
{
	return (struct timespec){
		.tv_sec = (time_t)(ns / NSEC_PER_SEC),
		.tv_nsec = (long)(ns % NSEC_PER_SEC),
	};
}

/* Sum of two non-negative times, saturating below NO_DEADLINE. */
static inline int64_t ns_add_sat(int64_t a, int64_t b)
{
	if (a > NO_DEADLINE - 1 - b)
		return NO_DEADLINE - 1;
	return a + b;
}

/*
 * Current time on @clock in ns, or a negative errno. A kernel clock is
 * normalized and far from the end of the range (CLOCK_REALTIME reaches it
 * in 2262): no checks, no saturation.
 */
static inline int64_t clock_now_ns(int clock)
{
	struct timespec now;

	if (clock_gettime(clock, &now) < 0)
		return -errno;
	return (int64_t)now.tv_sec * NSEC_PER_SEC + now.tv_nsec;
}

#endif
