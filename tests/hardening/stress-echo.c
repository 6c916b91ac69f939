/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stress: STRESS_CONNECTIONS (10000) concurrent AF_UNIX stream connections
 * to a listening socket. A child process is the echo server (one
 * dispatcher, accepting and echoing); the parent is the client (another
 * dispatcher, every connection registered). Two processes, so that each
 * needs only one descriptor per connection: containers often cap
 * RLIMIT_NOFILE at 20000 even for root. Each client sends STRESS_ROUNDS
 * (20) numbered messages, one at a time; every reply must come back, in
 * order, exactly once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "event.h"
#include "stress-util.h"

struct conn {
	struct event client;
	uint32_t sent, received;
};

static struct conn *conns;
static long nconn, rounds;
static unsigned long replies, done_conns, server_open;

static int on_server(struct event *evt, uint32_t events)
{
	char buf[256];
	ssize_t n;

	while ((n = read(evt->fd, buf, sizeof(buf))) > 0)
		CHECK(write(evt->fd, buf, (size_t)n) == n);
	if (n == 0) {
		/* The client is done: the last one to go ends the server. */
		if (--server_open == 0 && done_conns == (unsigned long)nconn)
			free_dispatcher(evt->dsp);
		return EVENTCB_CLEANUP;
	}
	CHECK(errno == EAGAIN);
	return EVENTCB_CONTINUE;
}

static int on_listen(struct event *evt, uint32_t events)
{
	int fd;

	while ((fd = accept4(evt->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct event *e = malloc(sizeof(*e));

		CHECK(e);
		*e = (struct event)EVENT_ON_HEAP(on_server, fd, EPOLLIN);
		CHECK(event_add(evt->dsp, e) == 0);
		server_open++;
		/* done_conns counts accepted connections in the server. */
		if (++done_conns == (unsigned long)nconn)
			return EVENTCB_CLEANUP;
	}
	CHECK(errno == EAGAIN);
	return EVENTCB_CONTINUE;
}

/* The echo server, in the child: returns when every client has gone. */
static void serve(int lfd)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	struct event listener = EVENT_ON_STACK(on_listen, lfd, EPOLLIN);

	CHECK(dsp);
	CHECK(event_add(dsp, &listener) == 0);
	CHECK(event_loop(dsp, NULL, NULL) == 0);
	_exit(0);
}

static void send_next(struct conn *c)
{
	uint32_t seq = c->sent++;

	CHECK(write(c->client.fd, &seq, sizeof(seq)) == sizeof(seq));
}

static int on_client(struct event *evt, uint32_t events)
{
	struct conn *c = (struct conn *)((char *)evt - offsetof(struct conn, client));
	uint32_t seq[64];
	ssize_t n;

	CHECK(evt->reason == REASON_EVENT_OCCURED);
	while ((n = read(evt->fd, seq, sizeof(seq))) > 0) {
		CHECK(n % sizeof(seq[0]) == 0);
		for (size_t i = 0; i < (size_t)n / sizeof(seq[0]); i++)
			CHECK(seq[i] == c->received++);
		replies += (size_t)n / sizeof(seq[0]);
	}
	CHECK(n < 0 && errno == EAGAIN);
	if (c->received == (uint32_t)rounds) {
		done_conns++;
		return EVENTCB_CLEANUP;	/* closes the client end */
	}
	if (c->sent == c->received)
		send_next(c);
	return EVENTCB_CONTINUE;
}

static int on_watchdog(struct event *evt, uint32_t events)
{
	fprintf(stderr, "stress-echo: watchdog: %lu/%ld connections done\n",
		done_conns, nconn);
	exit(1);
}

int main(void)
{
	struct event watchdog = TIMER_EVENT_ON_STACK(on_watchdog, 120 * 1000000L);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct dispatcher *dsp;
	double t0, t1;
	long waits = 0;
	int lfd, status;
	pid_t pid;

	nconn = env_long("STRESS_CONNECTIONS", 10000);
	rounds = env_long("STRESS_ROUNDS", 20);
	CHECK(raise_nofile((rlim_t)nconn + 64));
	conns = calloc((size_t)nconn, sizeof(*conns));
	CHECK(conns);

	/* An abstract address: nothing to clean up in the file system. */
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
		 "minivent-stress-%d", (int)getpid());
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0);
	CHECK(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	CHECK(listen(lfd, 4096) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		serve(lfd);
	close(lfd);

	dsp = new_dispatcher(CLOCK_MONOTONIC);
	CHECK(dsp);
	CHECK(event_add(dsp, &watchdog) == 0);

	t0 = now_s();
	for (long i = 0; i < nconn; i++) {
		struct conn *c = &conns[i];
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		/* Blocking connect: waits while the backlog is full. */
		CHECK(fd >= 0);
		CHECK(connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
		CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
		c->client = (struct event)EVENT_ON_STACK(on_client, fd, EPOLLIN);
		CHECK(event_add(dsp, &c->client) == 0);
		send_next(c);
	}
	t1 = now_s();
	printf("stress-echo: %ld concurrent connections set up in %.2f s, "
	       "client RSS %ld KiB\n", nconn, t1 - t0, rss_kib());

	t0 = now_s();
	while (done_conns < (unsigned long)nconn) {
		CHECK(event_wait(dsp, NULL) == 0);
		waits++;
	}
	t1 = now_s();
	CHECK(replies == (unsigned long)(nconn * rounds));
	printf("stress-echo: %lu replies (%ld x %ld), 0 lost, in %.2f s: "
	       "%.0f round trips/s, %ld waits\n", replies, nconn, rounds,
	       t1 - t0, (double)replies / (t1 - t0), waits);
	free_dispatcher(dsp);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(conns);
	return 0;
}
