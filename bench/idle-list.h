/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Idle timeouts for the hand-written epoll backends.
 *
 * Every timeout has the same length, so deadlines are ordered by the time
 * of the last push back: a list in that order replaces a heap, a push back
 * is "move to the tail" and the expired entries are at the head. That is
 * the cheapest correct way to do it, which is what the floor should be.
 */
#ifndef BENCH_IDLE_LIST_H
#define BENCH_IDLE_LIST_H

#include <stdint.h>

struct idle {
	struct idle *prev, *next;
	uint64_t deadline;
};

static inline void idle_init(struct idle *head)
{
	head->prev = head->next = head;
}

static inline void idle_unlink(struct idle *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
}

static inline void idle_push(struct idle *head, struct idle *e, uint64_t when)
{
	e->deadline = when;
	e->prev = head->prev;
	e->next = head;
	head->prev->next = e;
	head->prev = e;
}

/* Move @e to the tail: it was active, so its deadline is now the latest. */
static inline void idle_touch(struct idle *head, struct idle *e, uint64_t when)
{
	idle_unlink(e);
	idle_push(head, e, when);
}

/* epoll_wait() timeout in ms for the first deadline, -1 for none. */
static inline int idle_wait_ms(const struct idle *head, uint64_t now)
{
	if (head->next == head)
		return -1;
	if (head->next->deadline <= now)
		return 0;
	return (int)((head->next->deadline - now + 999999) / 1000000);
}

#endif /* BENCH_IDLE_LIST_H */
