/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Descriptor lifecycles that real programs get wrong, and that the
 * library must survive: descriptors closed while registered, numbers
 * reused, dup()s, hang-ups, and events removed or freed by another
 * callback of the same batch.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__,	\
				__LINE__, test_name, #cond);		\
			exit(1);					\
		}							\
	} while (0)

static const char *test_name;
static struct dispatcher *dsp;
static int calls[16];
static uint32_t last_events[16];
static struct event ev[16];
static int wakeups;

static int ev_index(const struct event *evt)
{
	return (int)(evt - ev);
}

static int count_continue(struct event *evt, uint32_t events)
{
	calls[ev_index(evt)]++;
	last_events[ev_index(evt)] = events;
	return EVENTCB_CONTINUE;
}

static int count_remove(struct event *evt, uint32_t events)
{
	calls[ev_index(evt)]++;
	last_events[ev_index(evt)] = events;
	return EVENTCB_REMOVE;
}

static int on_guard(struct event *evt, uint32_t events)
{
	return EVENTCB_REMOVE;
}

static void begin(const char *name)
{
	test_name = name;
	memset(calls, 0, sizeof(calls));
	memset(last_events, 0, sizeof(last_events));
	memset(ev, 0, sizeof(ev));
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	CHECK(dsp);
}

static void end(void)
{
	free_dispatcher(dsp);
	dsp = NULL;
}

/*
 * Run waits for @ms milliseconds (a guard timer ends the last one) and
 * count how often event_wait() returned: a descriptor that stays ready
 * without being dispatched shows up as thousands of wake-ups.
 */
static void run_for(int ms)
{
	struct event guard = { .fd = -1, .tmo = { 0, ms * 1000000L },
			       .callback = on_guard };
	struct timespec t0, t;

	CHECK(event_add(dsp, &guard) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	wakeups = 0;
	while (guard.dsp) {
		CHECK(event_wait(dsp, NULL) == 0);
		wakeups++;
		clock_gettime(CLOCK_MONOTONIC, &t);
		CHECK(t.tv_sec - t0.tv_sec < 5);
	}
}

static void make_ev(int i, int fd, uint32_t events, cb_fn cb)
{
	ev[i] = (struct event){ .fd = fd, .ep.events = events, .callback = cb };
}

static void test_closed_then_removed(void)
{
	int p[2];

	begin("fd closed while registered, then removed");
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	make_ev(0, p[0], EPOLLIN, count_continue);
	CHECK(event_add(dsp, &ev[0]) == 0);
	CHECK(write(p[1], "x", 1) == 1);
	close(p[0]);
	CHECK(event_remove(&ev[0]) == 0);
	CHECK(event_remove(&ev[0]) == -EINVAL);
	run_for(20);
	CHECK(calls[0] == 0);
	CHECK(wakeups <= 2);
	close(p[1]);
	end();
}

static void test_number_reused(void)
{
	int a[2], b[2];

	begin("fd number reused after close and remove");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a) == 0);
	make_ev(0, a[0], EPOLLIN, count_continue);
	CHECK(event_add(dsp, &ev[0]) == 0);
	close(a[0]);
	CHECK(event_remove(&ev[0]) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b) == 0);
	CHECK(b[0] == a[0]);	/* the lowest free number comes back */
	make_ev(1, b[0], EPOLLIN, count_continue);
	CHECK(event_add(dsp, &ev[1]) == 0);
	CHECK(write(b[1], "y", 1) == 1);
	/* The old peer is gone: this fails (EPIPE) and wakes nobody. */
	CHECK(write(a[1], "x", 1) < 0);
	run_for(10);
	CHECK(calls[0] == 0);
	CHECK(calls[1] >= 1);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	end();
}

static void test_dup(void)
{
	int a[2], d;

	begin("dup()ed descriptors");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a) == 0);
	d = dup(a[0]);
	CHECK(d >= 0);
	/* Two numbers for one file: epoll keys on (file, number), both work. */
	make_ev(0, a[0], EPOLLIN, count_remove);
	make_ev(1, d, EPOLLIN, count_remove);
	CHECK(event_add(dsp, &ev[0]) == 0);
	CHECK(event_add(dsp, &ev[1]) == 0);
	CHECK(write(a[1], "x", 1) == 1);
	run_for(10);
	CHECK(calls[0] == 1 && calls[1] == 1);
	/* Removing one leaves the other registered and working. */
	make_ev(0, a[0], EPOLLIN, count_continue);
	make_ev(1, d, EPOLLIN, count_remove);
	CHECK(event_add(dsp, &ev[0]) == 0);
	CHECK(event_add(dsp, &ev[1]) == 0);
	CHECK(event_remove(&ev[0]) == 0);
	run_for(10);
	CHECK(calls[0] == 1 && calls[1] == 2);
	close(d);
	close(a[0]);
	close(a[1]);
	end();
}

/*
 * epoll(7) keys a registration on the open file, which a dup() (or a
 * fork()ed child) keeps alive after close(): only EPOLL_CTL_DEL with the
 * old number removes it, and after close() that number is gone. So
 * removing first is the only order that works. No library can take the
 * stale registration out in the other order, but the loop must not spin
 * in silence: event_wait() says -ESTALE once the registration is reported
 * after it ended.
 */
static void test_dup_close_order(void)
{
	int a[2], d;

	begin("dup()ed descriptor: remove, then close");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a) == 0);
	d = dup(a[0]);
	make_ev(0, a[0], EPOLLIN, count_continue);
	CHECK(event_add(dsp, &ev[0]) == 0);
	CHECK(event_remove(&ev[0]) == 0);
	close(a[0]);
	CHECK(write(a[1], "x", 1) == 1);
	run_for(20);
	CHECK(calls[0] == 0 && wakeups <= 2);
	close(d);
	close(a[1]);
	end();

	begin("dup()ed descriptor: close, then remove (epoll limitation)");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a) == 0);
	d = dup(a[0]);
	make_ev(0, a[0], EPOLLIN, count_continue);
	CHECK(event_add(dsp, &ev[0]) == 0);
	close(a[0]);
	CHECK(event_remove(&ev[0]) == 0);
	CHECK(write(a[1], "x", 1) == 1);
	/* Never a call; the first wait already says why it woke. */
	CHECK(event_wait(dsp, NULL) == -ESTALE);
	CHECK(event_wait(dsp, NULL) == -ESTALE);
	CHECK(calls[0] == 0);
	/* Once the last copy is closed, the kernel forgets it. */
	close(d);
	run_for(20);
	CHECK(wakeups <= 2);
	close(a[1]);
	end();
}

static void test_hangup(void)
{
	int s[2], p[2];

	begin("peer hang-up delivers HUP/ERR once, no busy loop");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, s) == 0);
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	/* Asked for nothing but EPOLLIN/EPOLLOUT: HUP and ERR come anyway. */
	make_ev(0, s[0], EPOLLIN, count_remove);
	make_ev(1, p[1], EPOLLOUT, count_remove);
	make_ev(2, p[0], EPOLLIN, count_remove);
	CHECK(event_add(dsp, &ev[0]) == 0);
	close(s[1]);
	run_for(20);
	CHECK(calls[0] == 1);
	CHECK(last_events[0] & EPOLLHUP);
	CHECK(wakeups <= 3);

	/* Pipe write end whose reader went away: EPOLLERR. */
	CHECK(write(p[1], "x", 1) == 1);
	close(p[0]);
	CHECK(event_add(dsp, &ev[1]) == 0);
	run_for(20);
	CHECK(calls[1] == 1);
	CHECK(last_events[1] & EPOLLERR);
	CHECK(wakeups <= 3);
	close(s[0]);
	close(p[1]);
	end();
}

/* The first callback of the batch removes every other event. */
static int remove_others(struct event *evt, uint32_t events)
{
	calls[ev_index(evt)]++;
	for (int i = 0; i < 8; i++)
		if (&ev[i] != evt)
			event_remove(&ev[i]);
	return EVENTCB_CONTINUE;
}

/* ... and this one frees them too (ASan would see a later use). */
static struct event *heap_ev[8];
static int heap_calls;

static int free_others(struct event *evt, uint32_t events)
{
	heap_calls++;
	for (int i = 0; i < 8; i++) {
		if (heap_ev[i] && heap_ev[i] != evt) {
			CHECK(event_remove(heap_ev[i]) == 0);
			free(heap_ev[i]);
			heap_ev[i] = NULL;
		}
	}
	return EVENTCB_CONTINUE;
}

/* Removes and re-adds the others: new registrations, not in this batch. */
static bool readded;

static int readd_others(struct event *evt, uint32_t events)
{
	calls[ev_index(evt)]++;
	if (readded)
		return EVENTCB_REMOVE;
	readded = true;
	for (int i = 0; i < 8; i++) {
		if (&ev[i] == evt)
			continue;
		CHECK(event_remove(&ev[i]) == 0);
		CHECK(event_add(dsp, &ev[i]) == 0);
	}
	return EVENTCB_CONTINUE;
}

static void test_removed_in_batch(void)
{
	int p[8][2], total;

	begin("events removed earlier in the batch are never called");
	for (int i = 0; i < 8; i++) {
		CHECK(pipe2(p[i], O_NONBLOCK) == 0);
		CHECK(write(p[i][1], "x", 1) == 1);
		make_ev(i, p[i][0], EPOLLIN, remove_others);
		CHECK(event_add(dsp, &ev[i]) == 0);
	}
	CHECK(event_wait(dsp, NULL) == 0);
	total = 0;
	for (int i = 0; i < 8; i++)
		total += calls[i];
	CHECK(total == 1);
	end();

	begin("events freed earlier in the batch are never touched");
	for (int i = 0; i < 8; i++) {
		heap_ev[i] = malloc(sizeof(*heap_ev[i]));
		CHECK(heap_ev[i]);
		*heap_ev[i] = (struct event)EVENT_ON_HEAP(free_others, p[i][0], EPOLLIN);
		CHECK(event_add(dsp, heap_ev[i]) == 0);
	}
	CHECK(event_wait(dsp, NULL) == 0);
	CHECK(heap_calls == 1);
	end();		/* the survivor's cleanup closes its fd and frees it */

	begin("events re-added earlier in the batch wait for the next one");
	for (int i = 0; i < 8; i++) {
		if (fcntl(p[i][0], F_GETFD) < 0) {
			close(p[i][1]);
			CHECK(pipe2(p[i], O_NONBLOCK) == 0);
			CHECK(write(p[i][1], "x", 1) == 1);
		}
		make_ev(i, p[i][0], EPOLLIN, readd_others);
		CHECK(event_add(dsp, &ev[i]) == 0);
	}
	CHECK(event_wait(dsp, NULL) == 0);
	total = 0;
	for (int i = 0; i < 8; i++)
		total += calls[i];
	CHECK(total == 1);
	run_for(10);
	total = 0;
	for (int i = 0; i < 8; i++)
		total += calls[i];
	CHECK(total == 9);	/* the first one twice, every other once */
	end();
	for (int i = 0; i < 8; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_closed_then_removed();
	test_number_reused();
	test_dup();
	test_dup_close_order();
	test_hangup();
	test_removed_in_batch();
	printf("fd-lifecycle: all passed\n");
	return 0;
}
