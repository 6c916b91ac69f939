/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * echo-server - the example program of the minivent user guide (doc/guide.md)
 *
 * A TCP echo server on the loopback interface. Every connection is closed
 * after IDLE seconds without input; SIGTERM or SIGINT close everything and
 * end the program.
 *
 * usage: echo-server [PORT [IDLE]]    (defaults: 7777, 10 seconds; port 0
 *                                      picks a free one and prints it)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* accept4() */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <minivent/event.h>

/* [conn] */
/* One client. The event comes first so that a struct event pointer is also
 * a pointer to the connection, and cleanup_event_on_heap() frees it all. */
struct conn {
	struct event evt;
	size_t len;		/* bytes waiting in buf */
	size_t off;		/* bytes of buf already sent */
	char buf[4096];
};
/* [conn] */

static struct timespec idle_timeout = { .tv_sec = 10 };
static unsigned long connections;

/* Send what is buffered. Returns 0 when done, 1 if the socket is full,
 * -1 on error. */
static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->evt.fd, c->buf + c->off, c->len - c->off,
				 MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
		c->off += (size_t)n;
	}
	c->len = c->off = 0;
	return 0;
}

/* Watch for @events from now on; 0 on success. */
static int watch(struct conn *c, uint32_t events)
{
	if (c->evt.ep.events == events)
		return 0;
	c->evt.ep.events = events;
	return event_modify(&c->evt);
}

/* [on_conn] */
static int on_conn(struct event *evt, uint32_t events)
{
	struct conn *c = (struct conn *)evt;
	ssize_t n;

	if (evt->reason == REASON_TIMEOUT) {
		static const char bye[] = "idle for too long, bye\n";

		fprintf(stderr, "fd %d: idle, closing\n", evt->fd);
		(void)!send(evt->fd, bye, sizeof(bye) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		return EVENTCB_CLEANUP;	/* closes the socket, frees c */
	}

	if (events & EPOLLOUT) {
		/* The peer was slow: finish the pending echo first. */
		switch (flush(c)) {
		case 0:
			if (watch(c, EPOLLIN) < 0)
				return EVENTCB_CLEANUP;
			break;
		case 1:
			return EVENTCB_CONTINUE;
		default:
			return EVENTCB_CLEANUP;
		}
	}

	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return EVENTCB_CONTINUE;
	n = recv(evt->fd, c->buf, sizeof(c->buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return EVENTCB_CONTINUE;
	if (n <= 0) {
		fprintf(stderr, "fd %d: %s\n", evt->fd,
			n == 0 ? "closed by peer" : strerror(errno));
		return EVENTCB_CLEANUP;
	}

	/* Activity: the idle timeout starts over. */
	if (event_mod_timeout(evt, &idle_timeout) < 0)
		return EVENTCB_CLEANUP;

	c->len = (size_t)n;
	c->off = 0;
	switch (flush(c)) {
	case 0:
		return EVENTCB_CONTINUE;
	case 1:
		/* Stop reading until the peer has taken the echo. */
		return watch(c, EPOLLOUT) < 0 ? EVENTCB_CLEANUP
					       : EVENTCB_CONTINUE;
	default:
		return EVENTCB_CLEANUP;
	}
}
/* [on_conn] */

/* [on_accept] */
static int on_accept(struct event *evt, uint32_t events)
{
	struct conn *c;
	int fd, r;

	(void)events;
	fd = accept4(evt->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			perror("accept4");
		return EVENTCB_CONTINUE;
	}
	c = malloc(sizeof(*c));
	if (!c) {
		close(fd);
		return EVENTCB_CONTINUE;
	}
	c->evt = EVENT_ON_HEAP(on_conn, fd, EPOLLIN);
	c->evt.tmo = idle_timeout;
	c->len = c->off = 0;
	r = event_add(evt->dsp, &c->evt);
	if (r < 0) {
		fprintf(stderr, "event_add: %s\n", strerror(-r));
		cleanup_event_on_heap(&c->evt);	/* close and free */
		return EVENTCB_CONTINUE;
	}
	connections++;
	fprintf(stderr, "fd %d: new connection\n", fd);
	return EVENTCB_CONTINUE;
}
/* [on_accept] */

static int listen_on(unsigned short port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	int one = 1;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return -1;
	}
	printf("listening on 127.0.0.1:%u\n", (unsigned)ntohs(sin.sin_port));
	fflush(stdout);
	return fd;
}

/* [signals] */
/* SIGTERM or SIGINT, read from the signalfd: end the loop. */
static int on_signal(struct event *evt, uint32_t events)
{
	struct signalfd_siginfo info;

	(void)events;
	if (read(evt->fd, &info, sizeof(info)) == sizeof(info)) {
		fprintf(stderr, "%s\n", strsignal((int)info.ssi_signo));
		event_loop_exit(evt->dsp, 0);
	}
	return EVENTCB_CONTINUE;
}
/* [signals] */

int main(int argc, char *argv[])
{
	struct event listener, signals;
	struct dispatcher *dsp;
	sigset_t blocked;
	unsigned short port = 7777;
	int fd, r;

	if (argc > 1)
		port = (unsigned short)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		idle_timeout.tv_sec = strtol(argv[2], NULL, 10);
	if (idle_timeout.tv_sec <= 0) {
		fprintf(stderr, "usage: %s [PORT [IDLE_SECONDS]]\n", argv[0]);
		return 2;
	}

	/* [setup] */
	/*
	 * SIGTERM and SIGINT are blocked for good and queue up in a
	 * signalfd, which the loop watches like any other descriptor.
	 */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigaddset(&blocked, SIGINT);
	if (sigprocmask(SIG_BLOCK, &blocked, NULL) < 0) {
		perror("sigprocmask");
		return 1;
	}
	signals = (struct event)EVENT_ON_STACK(on_signal,
			signalfd(-1, &blocked, SFD_NONBLOCK | SFD_CLOEXEC), EPOLLIN);
	if (signals.fd < 0) {
		perror("signalfd");
		return 1;
	}

	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp) {
		perror("new_dispatcher");
		return 1;
	}
	fd = listen_on(port);
	if (fd < 0) {
		perror("listen");
		free_dispatcher(dsp);
		return 1;
	}
	/*
	 * Once registered, an event's cleanup closes its descriptor (that is
	 * what the _ON_STACK initializers choose); until then it is ours.
	 */
	listener = EVENT_ON_STACK(on_accept, fd, EPOLLIN);
	r = event_add(dsp, &signals);
	if (r < 0)
		close(signals.fd);
	else if ((r = event_add(dsp, &listener)) < 0)
		close(fd);
	if (r < 0) {
		fprintf(stderr, "event_add: %s\n", strerror(-r));
		free_dispatcher(dsp);
		return 1;
	}
	/* [setup] */

	/* [loop] */
	/* Until on_signal() says 0, or an error. */
	r = event_loop(dsp, NULL, NULL);
	if (r < 0)
		fprintf(stderr, "event loop: %s\n", strerror(-r));
	fprintf(stderr, "shutting down after %lu connections\n", connections);
	/* Runs every cleanup: all sockets are closed, all connections freed. */
	free_dispatcher(dsp);
	return r == 0 ? 0 : 1;
	/* [loop] */
}
