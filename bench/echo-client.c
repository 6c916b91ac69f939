/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The echo load generator, the same program for every server backend.
 *
 * echo-client PATH CLIENTS SECONDS [PROCS [MSGSIZE]]
 *
 * Forks PROCS processes (default: one per CPU beyond the server's, at
 * least 1, at most 4, so that client and server do not fight over the
 * CPUs more than they must) that share CLIENTS connections
 * to the AF_UNIX server at PATH. Every connection sends a message, waits
 * for the whole reply, and sends again, for SECONDS from a common start
 * time. Each process keeps a log-linear histogram of round trip times and
 * passes it to the parent through a pipe; the parent prints one line with
 * requests/s and p50/p99/max, which bench/run parses.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define SUB_BITS	5	/* 32 buckets per power of two: ~3% error */
#define NBUCKETS	(64 + 58 * (1 << SUB_BITS))

struct result {
	uint64_t requests;
	uint64_t max_ns;
	uint64_t hist[NBUCKETS];
};

struct client {
	int fd;
	size_t got;
	uint64_t sent_at;
};

static const char usage_args[] = "PATH CLIENTS SECONDS [PROCS [MSGSIZE]]";

static unsigned int bucket_of(uint64_t ns)
{
	unsigned int e;

	if (ns < 64)
		return ns;
	e = 63 - __builtin_clzll(ns);
	return 64 + (e - 6) * (1 << SUB_BITS) +
	       ((ns >> (e - SUB_BITS)) & ((1 << SUB_BITS) - 1));
}

/* The middle of a bucket, as the value it stands for. */
static double bucket_value(unsigned int b)
{
	unsigned int e, m;

	if (b < 64)
		return b;
	e = (b - 64) / (1 << SUB_BITS) + 6;
	m = (b - 64) % (1 << SUB_BITS);
	return ((double)((1 << SUB_BITS) + m) + 0.5) *
	       (double)(1ULL << (e - SUB_BITS));
}

static double percentile(const struct result *r, double p)
{
	uint64_t want = (uint64_t)(p * r->requests), seen = 0;

	for (unsigned int b = 0; b < NBUCKETS; b++) {
		seen += r->hist[b];
		if (seen > want)
			return bucket_value(b);
	}
	return 0;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	/* The server may still be starting: retry for a while. */
	for (int i = 0; connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0; i++) {
		if (i > 2000 || (errno != ENOENT && errno != ECONNREFUSED &&
				 errno != EAGAIN))
			die("connect");
		usleep(1000);
	}
	if (set_nonblock(fd) < 0)
		die("fcntl");
	return fd;
}

static void send_msg(struct client *c, const char *msg, size_t len)
{
	c->got = 0;
	c->sent_at = now_ns();
	if (write(c->fd, msg, len) != (ssize_t)len)
		die("write");
}

static void run_child(const char *path, int nconn, size_t len,
		      uint64_t start, uint64_t end, int out)
{
	struct client *cl = calloc(nconn, sizeof(*cl));
	struct result *r = calloc(1, sizeof(*r));
	struct epoll_event evs[256];
	char *msg = malloc(len), *buf = malloc(len);
	struct timespec ts = { .tv_sec = start / 1000000000ULL,
			       .tv_nsec = start % 1000000000ULL };
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	uint64_t now;

	if (!cl || !r || !msg || !buf || epfd < 0)
		die("setup");
	memset(msg, 'e', len);
	for (int i = 0; i < nconn; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cl[i] };

		cl[i].fd = connect_unix(path);
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, cl[i].fd, &ev) < 0)
			die("epoll_ctl");
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	for (int i = 0; i < nconn; i++)
		send_msg(&cl[i], msg, len);
	do {
		int n = epoll_wait(epfd, evs, 256, 100);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		now = now_ns();
		for (int i = 0; i < n; i++) {
			struct client *c = evs[i].data.ptr;
			ssize_t got = read(c->fd, buf, len - c->got);
			uint64_t rtt;

			if (got <= 0) {
				fprintf(stderr, "echo-client: server closed\n");
				exit(1);
			}
			c->got += got;
			if (c->got < len)
				continue;
			rtt = now - c->sent_at;
			if (now <= end) {
				r->requests++;
				r->hist[bucket_of(rtt)]++;
				if (rtt > r->max_ns)
					r->max_ns = rtt;
				send_msg(c, msg, len);
			}
		}
	} while (now < end);
	if (write(out, r, sizeof(*r)) != sizeof(*r))
		die("write result");
	exit(0);
}

int main(int argc, char **argv)
{
	long clients, seconds, procs, len;
	struct result total = { 0 };
	uint64_t start, end;
	int *rfd;

	signal(SIGPIPE, SIG_IGN);
	if (argc < 4 || argc > 6)
		usage(argv[0], usage_args);
	clients = arg_long(argv[2], argv[0], usage_args);
	seconds = arg_long(argv[3], argv[0], usage_args);
	procs = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	procs = procs < 1 ? 1 : procs > 4 ? 4 : procs;
	if (argc > 4)
		procs = arg_long(argv[4], argv[0], usage_args);
	len = argc > 5 ? arg_long(argv[5], argv[0], usage_args) : 64;
	if (procs > clients)
		procs = clients;
	if (!clients || !seconds || !procs || !len || len > ECHO_BUF)
		usage(argv[0], usage_args);
	/* One pipe per child: a result is bigger than PIPE_BUF. */
	rfd = calloc(procs, sizeof(*rfd));
	if (!rfd)
		die("calloc");
	/* Leave time for every connection to be made before the clock runs. */
	start = now_ns() + 300000000ULL + clients * 200000ULL;
	end = start + seconds * 1000000000ULL;
	for (long p = 0; p < procs; p++) {
		int share = clients / procs + (p < clients % procs);
		int pfd[2];
		pid_t pid;

		if (pipe(pfd) < 0)
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			close(pfd[0]);
			run_child(argv[1], share, len, start, end, pfd[1]);
		}
		close(pfd[1]);
		rfd[p] = pfd[0];
	}
	for (long p = 0; p < procs; p++) {
		static struct result r;
		size_t got = 0;

		while (got < sizeof(r)) {
			ssize_t n = read(rfd[p], (char *)&r + got, sizeof(r) - got);

			if (n <= 0)
				die("read result");
			got += n;
		}
		total.requests += r.requests;
		if (r.max_ns > total.max_ns)
			total.max_ns = r.max_ns;
		for (unsigned int b = 0; b < NBUCKETS; b++)
			total.hist[b] += r.hist[b];
	}
	while (wait(NULL) > 0)
		;
	printf("echo clients=%ld procs=%ld requests=%" PRIu64 " rps=%.0f "
	       "p50_us=%.1f p99_us=%.1f max_us=%.1f\n", clients, procs,
	       total.requests, total.requests / (double)seconds,
	       percentile(&total, 0.50) / 1000, percentile(&total, 0.99) / 1000,
	       total.max_ns / 1000.0);
	return 0;
}
