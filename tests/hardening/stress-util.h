/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MINIVENT_STRESS_UTIL_H
#define MINIVENT_STRESS_UTIL_H

/* Small helpers shared by the stress programs (header-only: one job each). */

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			exit(1);					\
		}							\
	} while (0)

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set size in KiB, from /proc/self/statm. */
static inline long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * Raise the descriptor limit to @want; false, after saying what limit was
 * needed and what the system allows, if not allowed.
 */
static inline int raise_nofile(rlim_t want)
{
	struct rlimit rl, old;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("getrlimit(RLIMIT_NOFILE)");
		return 0;
	}
	if (rl.rlim_cur >= want)
		return 1;
	old = rl;
	rl.rlim_cur = want;
	if (rl.rlim_max < want)
		rl.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return 1;
	fprintf(stderr, "needs %llu open files (RLIMIT_NOFILE), but the limit "
		"is %llu (hard limit %llu) and cannot be raised: raise the hard "
		"limit (as root: ulimit -Hn %llu), or use fewer connections "
		"(STRESS_CONNECTIONS, STRESS_SOAK_CONNS)\n",
		(unsigned long long)want, (unsigned long long)old.rlim_cur,
		(unsigned long long)old.rlim_max, (unsigned long long)want);
	return 0;
}

static inline long env_long(const char *name, long dflt)
{
	const char *s = getenv(name);

	return s && *s ? strtol(s, NULL, 0) : dflt;
}

#endif
