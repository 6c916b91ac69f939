/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Echo server, hand-written epoll: the floor. One epoll entry per
 * connection pointing at its state, the idle timeout kept in an O(1) list
 * (see idle-list.h) against a clock read once per wake-up.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common.h"
#include "idle-list.h"

struct conn {
	int fd;
	struct idle idle;	/* first, so that a list entry is a conn */
};

static int epfd, lfd;
static long live, accepted;
static uint64_t requests, now;
static struct idle head;
static char buf[ECHO_BUF];

static void conn_close(struct conn *c)
{
	idle_unlink(&c->idle);
	close(c->fd);	/* also drops it from the epoll set */
	free(c);
	live--;
}

static void on_listen(void)
{
	int fd;

	while ((fd = accept_nonblock(lfd)) >= 0) {
		struct conn *c = malloc(sizeof(*c));
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

		if (!c)
			die("malloc");
		c->fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			die("epoll_ctl");
		idle_push(&head, &c->idle, now + IDLE_TIMEOUT_S * 1000000000ULL);
		live++;
		accepted++;
	}
}

static void on_conn(struct conn *c)
{
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n <= 0) {
		conn_close(c);
		return;
	}
	requests++;
	idle_touch(&head, &c->idle, now + IDLE_TIMEOUT_S * 1000000000ULL);
	/* AF_UNIX has room for a small reply; a short write is a failure. */
	if (write(c->fd, buf, n) != n)
		conn_close(c);
}

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct echo_args a;

	echo_parse(argc, argv, &a);
	idle_init(&head);
	lfd = listen_unix(a.path);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd,
		      &(struct epoll_event){ .events = EPOLLIN }) < 0)
		die("epoll_ctl");
	now = now_ns();
	while (accepted < a.clients || live > 0) {
		int n = epoll_wait(epfd, evs, 256, idle_wait_ms(&head, now));

		if (n < 0)
			die("epoll_wait");
		now = now_ns();
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr)
				on_listen();
			else
				on_conn(evs[i].data.ptr);
		}
		while (head.next != &head && head.next->deadline <= now)
			conn_close(container_of(head.next, struct conn, idle));
	}
	echo_report(requests);
	return 0;
}
