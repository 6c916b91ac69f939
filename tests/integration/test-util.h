/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the integration test programs: exit codes, time
 * measurement, option parsing, a seeded random generator and the
 * "block a signal, unblock it only while waiting" setup.
 */
#ifndef MINIVENT_TEST_UTIL_H
#define MINIVENT_TEST_UTIL_H

#include <signal.h>
#include <stdint.h>
#include <time.h>

/* Exit codes understood by the automake test driver. */
#define TU_PASS		0
#define TU_FAIL		1
#define TU_SKIP		77
#define TU_HARD_ERROR	99

#define TU_NSEC_PER_SEC	1000000000LL

/* Print a message prefixed with the program name to stderr. */
void tu_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the message and strerror(errno), and exit with TU_HARD_ERROR. */
void tu_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* CLOCK_MONOTONIC now; a failing clock is a hard error. */
void tu_now(struct timespec *ts);
int64_t tu_ts_ns(const struct timespec *ts);
void tu_ns_ts(int64_t ns, struct timespec *ts);
/* Nanoseconds elapsed since @since on CLOCK_MONOTONIC. */
int64_t tu_elapsed_ns(const struct timespec *since);

/*
 * Parse the number @arg of option @name, which must lie in min..max;
 * anything else is a usage error (exit TU_HARD_ERROR).
 */
long tu_parse_long(const char *name, const char *arg, long min, long max);

/* After getopt_long(): the programs take options only; exit on operands. */
void tu_no_operands(int argc, char **argv, int optind_after);

/* xorshift64*: fast, reproducible, good enough for test schedules. */
uint64_t tu_rand(uint64_t *state);
/* Uniform-ish number in 0..n-1 (n > 0). */
uint64_t tu_rand_below(uint64_t *state, uint64_t n);
/* @seed, or a time-derived one if 0; printed so a failing run can be redone. */
uint64_t tu_seed(uint64_t seed);

/*
 * Install a no-op handler for @sig and block it, so that it can only be
 * delivered inside epoll_pwait(); *loop_mask gets the old mask without @sig
 * (the mask to pass to event_loop()), *old_mask (if not NULL) the old one.
 */
void tu_block_signal(int sig, sigset_t *loop_mask, sigset_t *old_mask);

extern const char *tu_progname;

#endif /* MINIVENT_TEST_UTIL_H */
