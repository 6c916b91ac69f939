/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by every benchmark program. They stay outside the timed
 * paths, except now_ns(), so no backend gains or loses by them.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define IDLE_TIMEOUT_S	10	/* idle timeout of an echo connection */
#define LOOP_IDLE_S	60	/* idle timeout of a loop descriptor */
#define ECHO_BUF	4096

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#endif

static inline uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* CPU time, so that sleeping until a deadline does not count. */
static inline uint64_t cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

/* xorshift64*: cheap and reproducible; only used to fill tables up front. */
static inline uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

void die(const char *what) __attribute__((noreturn));
void usage(const char *prog, const char *args) __attribute__((noreturn));
long arg_long(const char *s, const char *prog, const char *args);
/* Zeroed memory whose pages are already faulted in, so that no timed
 * phase pays for the benchmark's own first touches. */
void *alloc_touched(size_t size);
int set_nonblock(int fd);
int listen_unix(const char *path);
int accept_nonblock(int lfd);
/* Socketpairs for the loop workload: fds[2 * i] and fds[2 * i + 1]. */
int *make_pairs(long npairs);

/*
 * Arguments and report of the single-process loop workload. End 2 * i
 * ("side 0") and end 2 * i + 1 ("side 1") are the two ends of pair i; a
 * byte written on one end is read on the other. A round trip is side 0
 * writing, side 1 reading and replying on its own end, side 0 reading.
 * What side 0 does next is the mode:
 *   bounce: write on its own end again, so each message stays in its pair;
 *   ring:   write on side 0 of the next pair, so the messages walk round
 *           the pairs (libevent's classic bench.c, and the independent
 *           benchmark of issue 12).
 */
struct loop_args {
	long pairs;
	long active;
	long iters;
	int tmo;
	int ring;
};
void loop_parse(int argc, char **argv, struct loop_args *a);

/* The end that end @i writes its byte on after reading one. */
static inline long loop_next(const struct loop_args *a, long i)
{
	if ((i & 1) || !a->ring)
		return i;
	return 2 * ((i / 2 + 1) % a->pairs);
}

/* The end the @k-th initial message is written on (0 <= k < active):
 * in a ring the messages start evenly spaced, so that they never meet. */
static inline long loop_kick(const struct loop_args *a, long k)
{
	return 2 * (a->ring ? k * (a->pairs / a->active) : k);
}
void loop_report(const struct loop_args *a, uint64_t rts, uint64_t ns);

/* Arguments and report of the timer churn workload. */
struct timer_args {
	long n;
	long pushes;
	uint64_t slack_ns;
	/* Relative deadlines in ms: add[i], push[k * n + i], fire[i]. */
	uint32_t *add_ms, *push_ms, *fire_ms;
	/* Resident memory before the timers existed and after adding them,
	 * and the size of the program's own per-timer object. */
	uint64_t rss_before, rss_added;
	size_t obj_size;
};
void timer_parse(int argc, char **argv, struct timer_args *a);
/* Call right after the add phase: records the memory all N timers take
 * (the objects plus whatever the library keeps for each). */
void timer_added(struct timer_args *a, size_t obj_size);
void timer_report(const struct timer_args *a, uint64_t add, uint64_t push,
		  uint64_t cancel, uint64_t fire, uint64_t fired);

/*
 * The firing workload: N timers due over a FIRE_WINDOW_MS window that
 * starts fire_lead_ns() after the add phase began, far enough for the adds
 * to be over. Each backend adds them all and runs its loop until every
 * one has fired; the figure is the CPU time of that run per fired timer,
 * wake-ups included.
 */
#define FIRE_WINDOW_MS 10
struct fire_args {
	long n;
	uint64_t lead_ns;	/* when the window opens, from the add phase */
	uint32_t *offset_ns;	/* timer i is due offset_ns[i] after that */
};
void fire_parse(int argc, char **argv, struct fire_args *a);
/* @wakeups: returns of the backend's wait (epoll_wait calls). */
void fire_report(const struct fire_args *a, uint64_t cpu, uint64_t fired,
		 uint64_t wakeups);

/*
 * The idle-connections server: CONNS socketpairs, whose server ends are
 * watched by the backend with an IDLE_TIMEOUT_S idle timeout each; a child
 * process holding the other ends writes one byte to a random connection
 * RATE times a second, evenly spaced. A read pushes the idle timeout back;
 * an expired one is re-armed for another IDLE_TIMEOUT_S (where a real
 * server would send a keep-alive probe), so that the timer load stays the
 * same: about CONNS / IDLE_TIMEOUT_S timeouts a second. The first
 * deadlines are spread over the idle timeout, as after connections that
 * arrived over time.
 *
 * After IDLE_WARMUP_S the server prints "measuring" and measures SECS
 * seconds: its CPU time, wake-ups, reads and timeouts per second (bench/run
 * counts the system calls of the same window from outside), and the
 * resident memory the registrations took (the program's per-connection
 * objects plus what the library keeps for each).
 */
#define IDLE_WARMUP_S 2
struct idle_args {
	long conns, rate, secs;
	int *fds;		/* fds[i]: server end of connection i */
	uint32_t *first_ms;	/* first idle deadline of connection i */
	int child;		/* pid of the writing process */
	uint64_t rss_before, rss_added;
	size_t obj_size;
	/* counters the backend bumps */
	uint64_t reads, timeouts, wakeups;
	/* at the start of the measured window */
	uint64_t cpu0, reads0, timeouts0, wakeups0, wall0;
};
void idle_setup(int argc, char **argv, struct idle_args *a);
/* Right after registering every connection. */
void idle_added(struct idle_args *a, size_t obj_size);
/* Read what a connection's writer sent; die on EOF. */
void idle_read(struct idle_args *a, int fd);
/* Start (at IDLE_WARMUP_S) and end (SECS later) of the measured window. */
void idle_start(struct idle_args *a);
void idle_report(struct idle_args *a);

/* Arguments of an echo server: socket path, clients to wait for. */
struct echo_args {
	const char *path;
	long clients;
};
void echo_parse(int argc, char **argv, struct echo_args *a);
void echo_report(uint64_t requests);

#endif /* BENCH_COMMON_H */
