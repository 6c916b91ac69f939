/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by every benchmark program: argument parsing, sockets,
 * pre-computed random deadlines and the one-line reports that bench/run
 * parses.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"

void die(const char *what)
{
	perror(what);
	exit(1);
}

void usage(const char *prog, const char *args)
{
	fprintf(stderr, "usage: %s %s\n", prog, args);
	exit(2);
}

long arg_long(const char *s, const char *prog, const char *args)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < 0)
		usage(prog, args);
	return v;
}

void *alloc_touched(size_t size)
{
	void *p = malloc(size);

	if (!p)
		die("malloc");
	/* calloc() may hand out untouched zero pages: write them. */
	memset(p, 0, size);
	return p;
}

int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		die(path);
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	/* All clients connect at once: a short backlog would make them retry. */
	if (listen(fd, 4096) < 0)
		die("listen");
	return fd;
}

int accept_nonblock(int lfd)
{
	return accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int *make_pairs(long npairs)
{
	int *fds = calloc(2 * npairs, sizeof(*fds));

	if (!fds)
		die("calloc");
	for (long i = 0; i < npairs; i++)
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       0, fds + 2 * i) < 0)
			die("socketpair");
	return fds;
}

static const char loop_usage[] =
	"PAIRS ACTIVE ROUNDTRIPS TIMEOUT(0|1) [bounce|ring]";

void loop_parse(int argc, char **argv, struct loop_args *a)
{
	if (argc != 5 && argc != 6)
		usage(argv[0], loop_usage);
	a->pairs = arg_long(argv[1], argv[0], loop_usage);
	a->active = arg_long(argv[2], argv[0], loop_usage);
	a->iters = arg_long(argv[3], argv[0], loop_usage);
	a->tmo = !!arg_long(argv[4], argv[0], loop_usage);
	a->ring = 0;
	if (argc == 6) {
		if (!strcmp(argv[5], "ring"))
			a->ring = 1;
		else if (strcmp(argv[5], "bounce"))
			usage(argv[0], loop_usage);
	}
	if (!a->pairs || !a->active || a->active > a->pairs || !a->iters)
		usage(argv[0], loop_usage);
}

void loop_report(const struct loop_args *a, uint64_t rts, uint64_t ns)
{
	printf("loop pairs=%ld active=%ld timeout=%d mode=%s roundtrips=%"
	       PRIu64 " ns_per_rt=%.1f\n", a->pairs, a->active, a->tmo,
	       a->ring ? "ring" : "bounce", rts, rts ? (double)ns / rts : 0.0);
}

/* Resident set size in bytes, from /proc/self/statm. */
static uint64_t rss_bytes(void)
{
	unsigned long size, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	if (f)
		fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

void timer_added(struct timer_args *a, size_t obj_size)
{
	a->rss_added = rss_bytes();
	a->obj_size = obj_size;
}

static const char timer_usage[] = "N PUSHES [SLACK_NS]";

void timer_parse(int argc, char **argv, struct timer_args *a)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	long n;

	if (argc != 3 && argc != 4)
		usage(argv[0], timer_usage);
	a->n = n = arg_long(argv[1], argv[0], timer_usage);
	a->pushes = arg_long(argv[2], argv[0], timer_usage);
	a->slack_ns = argc == 4 ? (uint64_t)arg_long(argv[3], argv[0],
						     timer_usage) : 0;
	if (n < 2)
		usage(argv[0], timer_usage);
	a->add_ms = malloc(n * sizeof(*a->add_ms));
	a->push_ms = malloc((a->pushes ? a->pushes : 1) * n * sizeof(*a->push_ms));
	a->fire_ms = malloc(n * sizeof(*a->fire_ms));
	if (!a->add_ms || !a->push_ms || !a->fire_ms)
		die("malloc");
	/*
	 * Deadlines 10..20 s away, every push 10 s later than the previous
	 * range (so it really is a push back), and the fire batch spread
	 * over 0..50 ms so that the exact backends need many wake-ups.
	 */
	for (long i = 0; i < n; i++)
		a->add_ms[i] = 10000 + rng_next(&seed) % 10000;
	for (long k = 0; k < a->pushes; k++)
		for (long i = 0; i < n; i++)
			a->push_ms[k * n + i] = 10000 * (k + 2) +
						rng_next(&seed) % 10000;
	for (long i = 0; i < n; i++)
		a->fire_ms[i] = rng_next(&seed) % 50;
	/* Everything above is resident now (written): the base line. */
	a->rss_before = rss_bytes();
	a->rss_added = 0;
	a->obj_size = 0;
}

void timer_report(const struct timer_args *a, uint64_t add, uint64_t push,
		  uint64_t cancel, uint64_t fire, uint64_t fired)
{
	long half = a->n / 2;

	printf("timers n=%ld slack_ns=%" PRIu64 " add=%.1f push=%.1f "
	       "cancel=%.1f fire_cpu=%.1f fired=%" PRIu64
	       " bytes_per_timer=%.1f obj_bytes=%zu\n",
	       a->n, a->slack_ns, (double)add / a->n,
	       a->pushes ? (double)push / ((double)a->pushes * a->n) : 0.0,
	       (double)cancel / half, fired ? (double)fire / fired : 0.0,
	       fired, a->rss_added > a->rss_before ?
	       (double)(a->rss_added - a->rss_before) / a->n : 0.0,
	       a->obj_size);
}

static const char fire_usage[] = "N";

void fire_parse(int argc, char **argv, struct fire_args *a)
{
	uint64_t seed = 0x2545f4914f6cdd1dULL;

	if (argc != 2)
		usage(argv[0], fire_usage);
	a->n = arg_long(argv[1], argv[0], fire_usage);
	if (a->n < 1)
		usage(argv[0], fire_usage);
	/* 20 ms, plus 1 us per timer: no backend adds slower than that. */
	a->lead_ns = 20000000ULL + (uint64_t)a->n * 1000ULL;
	a->offset_ns = malloc(a->n * sizeof(*a->offset_ns));
	if (!a->offset_ns)
		die("malloc");
	for (long i = 0; i < a->n; i++)
		a->offset_ns[i] = rng_next(&seed) % (FIRE_WINDOW_MS * 1000000ULL);
}

void fire_report(const struct fire_args *a, uint64_t cpu, uint64_t fired,
		 uint64_t wakeups)
{
	printf("fire n=%ld window_ms=%d fire_cpu=%.1f fired=%" PRIu64
	       " wakeups=%" PRIu64 "\n", a->n, FIRE_WINDOW_MS,
	       fired ? (double)cpu / fired : 0.0, fired, wakeups);
}

static const char idle_usage[] = "CONNS RATE SECONDS";

/* Descriptors passed to the writing process per message (SCM_RIGHTS). */
#define IDLE_FDS_PER_MSG 200

/*
 * The child: receive the client ends from the server, then write one byte
 * to a random connection every 1/rate s, until the server is gone.
 */
static void __attribute__((noreturn)) idle_writer(int ctl, long conns,
						  long rate)
{
	uint64_t seed = 0x853c49e6748fea9bULL, next;
	int *ends = malloc(conns * sizeof(*ends));
	long got = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!ends)
		die("malloc");
	while (got < conns) {
		char cbuf[CMSG_SPACE(IDLE_FDS_PER_MSG * sizeof(int))], b;
		struct iovec iov = { .iov_base = &b, .iov_len = 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm;
		size_t k;

		if (recvmsg(ctl, &mh, 0) <= 0 || !(cm = CMSG_FIRSTHDR(&mh)))
			die("recvmsg");
		k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(ends + got, CMSG_DATA(cm), k * sizeof(int));
		got += (long)k;
	}
	close(ctl);
	next = now_ns();
	for (;;) {
		struct timespec ts;

		next += 1000000000ULL / (uint64_t)rate;
		ts.tv_sec = (time_t)(next / 1000000000ULL);
		ts.tv_nsec = (long)(next % 1000000000ULL);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL))
			;
		if (write(ends[rng_next(&seed) % (uint64_t)conns], "x", 1) != 1)
			_exit(0);
	}
}

/* Send @count client ends to the writer and close them here. */
static void idle_pass(int ctl, const int *ends, long count)
{
	char cbuf[CMSG_SPACE(IDLE_FDS_PER_MSG * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(count * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(count * sizeof(int));
	memcpy(CMSG_DATA(cm), ends, count * sizeof(int));
	if (sendmsg(ctl, &mh, 0) != 1)
		die("sendmsg");
	for (long i = 0; i < count; i++)
		close(ends[i]);
}

void idle_setup(int argc, char **argv, struct idle_args *a)
{
	uint64_t seed = 0xda3e39cb94b95bdbULL;
	int ctl[2], ends[IDLE_FDS_PER_MSG];
	pid_t pid;

	if (argc != 4)
		usage(argv[0], idle_usage);
	*a = (struct idle_args){ 0 };
	a->conns = arg_long(argv[1], argv[0], idle_usage);
	a->rate = arg_long(argv[2], argv[0], idle_usage);
	a->secs = arg_long(argv[3], argv[0], idle_usage);
	if (!a->conns || !a->rate || !a->secs)
		usage(argv[0], idle_usage);
	signal(SIGPIPE, SIG_IGN);
	a->fds = malloc(a->conns * sizeof(*a->fds));
	a->first_ms = malloc(a->conns * sizeof(*a->first_ms));
	if (!a->fds || !a->first_ms)
		die("malloc");
	/*
	 * The client ends go to the writer as they are made, so that the
	 * server holds one descriptor per connection, as a real one does.
	 */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, ctl) < 0)
		die("socketpair");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(ctl[0]);
		idle_writer(ctl[1], a->conns, a->rate);
	}
	close(ctl[1]);
	a->child = pid;
	for (long i = 0, k = 0; i < a->conns; i++) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       0, sv) < 0)
			die("socketpair");
		a->fds[i] = sv[0];
		ends[k++] = sv[1];
		if (k == IDLE_FDS_PER_MSG || i == a->conns - 1) {
			idle_pass(ctl[0], ends, k);
			k = 0;
		}
		a->first_ms[i] = 1 + rng_next(&seed) % (IDLE_TIMEOUT_S * 1000);
	}
	close(ctl[0]);
	a->rss_before = rss_bytes();
}

void idle_added(struct idle_args *a, size_t obj_size)
{
	a->rss_added = rss_bytes();
	a->obj_size = obj_size;
}

void idle_read(struct idle_args *a, int fd)
{
	char buf[64];

	if (read(fd, buf, sizeof(buf)) <= 0)
		die("read");
	a->reads++;
}

/*
 * Tell "perf stat --control fifo:PATH -D -1", if it runs the program (see
 * bench/run), to count from now on or to stop: the system calls of the
 * measured window alone, without those of the set-up.
 */
static void perf_control(const char *cmd)
{
	const char *path = getenv("BENCH_PERF_CTL");
	int fd;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, cmd, strlen(cmd)) < 0)
		die(path);
	close(fd);
}

void idle_start(struct idle_args *a)
{
	perf_control("enable\n");
	a->cpu0 = cpu_ns();
	a->wall0 = now_ns();
	a->reads0 = a->reads;
	a->timeouts0 = a->timeouts;
	a->wakeups0 = a->wakeups;
	printf("measuring\n");
	fflush(stdout);
}

void idle_report(struct idle_args *a)
{
	double s = (double)(now_ns() - a->wall0) / 1e9;

	perf_control("disable\n");
	kill(a->child, SIGKILL);
	waitpid(a->child, NULL, 0);
	printf("idle conns=%ld rate=%ld secs=%.2f cpu_us_per_s=%.1f "
	       "wakeups_per_s=%.1f reads_per_s=%.1f timeouts_per_s=%.1f "
	       "rss_kib=%" PRIu64 " bytes_per_conn=%.1f obj_bytes=%zu\n",
	       a->conns, a->rate, s, (double)(cpu_ns() - a->cpu0) / 1e3 / s,
	       (double)(a->wakeups - a->wakeups0) / s,
	       (double)(a->reads - a->reads0) / s,
	       (double)(a->timeouts - a->timeouts0) / s, rss_bytes() / 1024,
	       a->rss_added > a->rss_before ?
	       (double)(a->rss_added - a->rss_before) / a->conns : 0.0,
	       a->obj_size);
	fflush(stdout);
}

static const char echo_usage[] = "SOCKET-PATH CLIENTS";

void echo_parse(int argc, char **argv, struct echo_args *a)
{
	if (argc != 3)
		usage(argv[0], echo_usage);
	/* A client that goes away mid-reply must not kill the server. */
	signal(SIGPIPE, SIG_IGN);
	a->path = argv[1];
	a->clients = arg_long(argv[2], argv[0], echo_usage);
	if (!a->clients)
		usage(argv[0], echo_usage);
}

void echo_report(uint64_t requests)
{
	printf("server requests=%" PRIu64 "\n", requests);
	fflush(stdout);
}
