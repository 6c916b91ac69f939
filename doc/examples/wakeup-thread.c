/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Waking the loop from another thread. minivent itself is single-threaded:
 * only the thread that runs the dispatcher touches it or its events. A
 * worker thread hands over results through a queue of its own (here an
 * array under a mutex) and then writes to an eventfd(2); the eventfd is
 * registered as an ordinary event, so the loop wakes up and drains the
 * queue in its own thread. write(2) is the only call the worker makes on
 * anything the loop watches.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <minivent/event.h>

#define JOBS 5

struct mailbox {
	struct event wake;	/* first: the callback casts back */
	pthread_mutex_t lock;	/* protects results and count */
	int results[JOBS];
	int count;		/* results posted so far */
	int taken;		/* results the loop has taken; loop thread only */
};

/* The worker: compute, post the result, wake the loop. */
static void *worker(void *arg)
{
	struct mailbox *box = arg;

	for (int i = 1; i <= JOBS; i++) {
		uint64_t one = 1;

		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
		pthread_mutex_lock(&box->lock);
		box->results[box->count++] = i * i;
		pthread_mutex_unlock(&box->lock);
		/* Adds 1 to the counter: the loop sees EPOLLIN. */
		if (write(box->wake.fd, &one, sizeof(one)) != sizeof(one))
			perror("write eventfd");
	}
	return NULL;
}

/* Runs in the loop thread whenever the eventfd is readable. */
static int on_wake(struct event *evt, uint32_t events)
{
	struct mailbox *box = (struct mailbox *)evt;
	uint64_t wakeups;

	(void)events;
	/* Reading resets the counter: several writes may make one wake-up. */
	if (read(evt->fd, &wakeups, sizeof(wakeups)) != sizeof(wakeups))
		return errno == EAGAIN ? EVENTCB_CONTINUE : EVENTCB_REMOVE;
	/* Take what the worker posted; the lock is held only briefly. */
	pthread_mutex_lock(&box->lock);
	while (box->taken < box->count) {
		printf("result %d: %d\n", box->taken + 1, box->results[box->taken]);
		box->taken++;
	}
	pthread_mutex_unlock(&box->lock);
	/* All in: event_loop() returns 0 once this round is over. */
	if (box->taken == JOBS)
		event_loop_exit(evt->dsp, 0);
	return EVENTCB_CONTINUE;
}

int main(void)
{
	static struct mailbox box = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	pthread_t thread;
	int r;

	if (!dsp || efd < 0) {
		perror("setup");
		return 1;
	}
	box.wake = (struct event)EVENT_ON_STACK(on_wake, efd, EPOLLIN);
	r = event_add(dsp, &box.wake);
	if (r < 0) {
		fprintf(stderr, "event_add: %d\n", r);
		return 1;
	}
	/* From here on only the worker's write(2) crosses threads. */
	if (pthread_create(&thread, NULL, worker, &box) != 0) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	r = event_loop(dsp, NULL, NULL);
	if (r != 0)
		fprintf(stderr, "event_loop: %d\n", r);
	pthread_join(thread, NULL);
	/* Runs cleanup_event_on_stack(), which closes the eventfd. */
	free_dispatcher(dsp);
	return box.taken == JOBS ? 0 : 1;
}
