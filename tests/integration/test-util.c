/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the integration test programs.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test-util.h"

const char *tu_progname = "test";

static __attribute__((format(printf, 1, 0))) void
vmsg(const char *fmt, va_list ap, int err)
{
	fprintf(stderr, "%s: ", tu_progname);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

void tu_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

void tu_die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, err);
	va_end(ap);
	exit(TU_HARD_ERROR);
}

void tu_now(struct timespec *ts)
{
	if (clock_gettime(CLOCK_MONOTONIC, ts))
		tu_die("clock_gettime");
}

int64_t tu_ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * TU_NSEC_PER_SEC + ts->tv_nsec;
}

void tu_ns_ts(int64_t ns, struct timespec *ts)
{
	ts->tv_sec = ns / TU_NSEC_PER_SEC;
	ts->tv_nsec = ns % TU_NSEC_PER_SEC;
}

int64_t tu_elapsed_ns(const struct timespec *since)
{
	struct timespec now;

	tu_now(&now);
	return tu_ts_ns(&now) - tu_ts_ns(since);
}

void tu_no_operands(int argc, char **argv, int optind_after)
{
	if (optind_after < argc) {
		tu_msg("unexpected argument \"%s\"", argv[optind_after]);
		exit(TU_HARD_ERROR);
	}
}

long tu_parse_long(const char *name, const char *arg, long min, long max)
{
	char *end;
	long val;

	errno = 0;
	val = strtol(arg, &end, 10);
	if (errno || end == arg || *end || val < min || val > max) {
		tu_msg("--%s needs a number in %ld..%ld, not \"%s\"",
		       name, min, max, arg);
		exit(TU_HARD_ERROR);
	}
	return val;
}

uint64_t tu_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint64_t tu_rand_below(uint64_t *state, uint64_t n)
{
	return tu_rand(state) % n;
}

uint64_t tu_seed(uint64_t seed)
{
	struct timespec ts;

	if (!seed) {
		tu_now(&ts);
		seed = (uint64_t)tu_ts_ns(&ts) ^ ((uint64_t)getpid() << 32);
		/* small enough to be given back through tu_parse_long() */
		seed &= LONG_MAX;
		/* xorshift must never start from 0 */
		if (!seed)
			seed = 1;
	}
	printf("%s: random seed %llu (rerun with --seed=%llu)\n", tu_progname,
	       (unsigned long long)seed, (unsigned long long)seed);
	return seed;
}

static void noop_handler(int sig)
{
	(void)sig;
}

void tu_block_signal(int sig, sigset_t *loop_mask, sigset_t *old_mask)
{
	struct sigaction sa;
	sigset_t block, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = noop_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		tu_die("sigaction(%d)", sig);

	sigemptyset(&block);
	sigaddset(&block, sig);
	if (sigprocmask(SIG_BLOCK, &block, &old))
		tu_die("sigprocmask");
	if (old_mask)
		*old_mask = old;
	*loop_mask = old;
	sigdelset(loop_mask, sig);
}
