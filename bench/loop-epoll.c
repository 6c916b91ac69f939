/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loop overhead, hand-written epoll: the floor the libraries are measured
 * against. Each end of a socketpair is one epoll entry whose data points
 * straight at its state; an idle timeout is a cached clock read per wake-up
 * plus an O(1) list move (see idle-list.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common.h"
#include "idle-list.h"

struct end {
	int fd;
	int side;		/* 0 counts round trips, 1 bounces */
	struct end *next;	/* where the byte goes on (see loop_next()) */
	struct idle idle;
};

int main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct loop_args a;
	struct idle head;
	struct end *ends;
	uint64_t rts = 0, t0, now = 0;
	int *fds, epfd;
	char c = 'x';

	loop_parse(argc, argv, &a);
	fds = make_pairs(a.pairs);
	ends = calloc(2 * a.pairs, sizeof(*ends));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!ends || epfd < 0)
		die("setup");
	idle_init(&head);
	if (a.tmo)
		now = now_ns();
	for (long i = 0; i < 2 * a.pairs; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &ends[i] };

		ends[i].fd = fds[i];
		ends[i].side = i & 1;
		ends[i].next = &ends[loop_next(&a, i)];
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			die("epoll_ctl");
		if (a.tmo)
			idle_push(&head, &ends[i].idle,
				  now + LOOP_IDLE_S * 1000000000ULL);
	}
	for (long i = 0; i < a.active; i++)
		if (write(fds[loop_kick(&a, i)], &c, 1) != 1)
			die("write");

	t0 = now_ns();
	while (rts < (uint64_t)a.iters) {
		int n = epoll_wait(epfd, evs, 256,
				   a.tmo ? idle_wait_ms(&head, now) : -1);

		if (n < 0)
			die("epoll_wait");
		if (a.tmo)
			now = now_ns();
		for (int i = 0; i < n; i++) {
			struct end *e = evs[i].data.ptr;

			if (read(e->fd, &c, 1) != 1)
				die("read");
			if (a.tmo)
				idle_touch(&head, &e->idle,
					   now + LOOP_IDLE_S * 1000000000ULL);
			if (e->side == 0 && ++rts >= (uint64_t)a.iters)
				continue;
			if (write(e->next->fd, &c, 1) != 1)
				die("write");
		}
		/* Nothing idles for 60 s here, but the check is part of the cost. */
		if (a.tmo && head.next != &head && head.next->deadline <= now) {
			fprintf(stderr, "unexpected idle timeout\n");
			return 1;
		}
	}
	loop_report(&a, rts, now_ns() - t0);
	return 0;
}
