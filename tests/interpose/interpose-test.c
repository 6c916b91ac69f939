/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exercises the library through a few entry points only (see
 * interposer.c): event_loop() must reach the dispatch code, ts_add() and
 * ts_insert() the normalization and search code, and free_dispatcher()
 * the cleanup code, all without going through the exported names.
 * With an argument it calls event_wait() itself, which must reach the
 * interposer.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "event.h"
#include "ts-util.h"

static int fired;

static void count(void *arg)
{
	fired++;
	/* The second timer ends the loop. */
	if (fired == 2)
		kill(getpid(), SIGUSR1);
}

static void nothing(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = nothing };
	struct timer_event t1 = TIMER_ON_STACK(count, NULL, 1000);
	struct timer_event t2 = TIMER_ON_STACK(count, NULL, 2000);
	struct timespec a = { 0, 999999999 }, b = { 0, 2 }, *arr[2], c = { 5, 0 };
	size_t len = 0;
	struct dispatcher *dsp;
	sigset_t mask, blocked;
	int r;

	ts_add(&a, &b);		/* calls the normalization internally */
	if (a.tv_sec != 1 || a.tv_nsec != 1)
		return 1;
	if (ts_insert(arr, &len, 2, &c) != 0 || ts_insert(arr, &len, 2, &a) != 0)
		return 1;

	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blocked, &mask);
	sigaction(SIGUSR1, &sa, NULL);

	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp || event_add(dsp, &t1.e) || event_add(dsp, &t2.e))
		return 99;
	/* --direct: call an interposed name, to prove the interposer works. */
	if (argc > 1)
		return event_wait(dsp, &mask);
	r = event_loop(dsp, &mask, NULL);
	free_dispatcher(dsp);
	if (r != -EINTR || fired != 2) {
		fprintf(stderr, "event_loop returned %d, %d timers fired\n", r, fired);
		return 1;
	}
	return 0;
}
