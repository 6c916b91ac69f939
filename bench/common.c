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
#include <sys/socket.h>
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
