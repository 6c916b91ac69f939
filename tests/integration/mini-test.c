/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mini-test: the "hello world" of minivent. A one-second timer whose
 * callback ends event_loop() by sending the process a signal that is
 * blocked everywhere except inside the loop's epoll_pwait().
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "event.h"
#include "test-util.h"

#define TIMER_US	1000000LL
/* Wide: the machine is shared and the test may run under valgrind. */
#define MAX_LATE_NS	(20 * TU_NSEC_PER_SEC)

static int calls;
static unsigned short last_reason = __MAX_CALLBACK_REASON;

static int hello_cb(struct event *evt, uint32_t events)
{
	calls++;
	last_reason = evt->reason;
	printf("Hello world! (%s)\n", reason_str[evt->reason]);
	/* "commit suicide": the signal stays pending until the next wait */
	if (kill(getpid(), SIGINT))
		tu_die("kill");
	return EVENTCB_CLEANUP;
}

int main(void)
{
	struct event evt = TIMER_EVENT_ON_STACK(hello_cb, TIMER_US);
	struct dispatcher *dsp;
	struct timespec start;
	sigset_t mask;
	int64_t took;
	int rc, ret = TU_PASS;

	tu_progname = "mini-test";
	tu_block_signal(SIGINT, &mask, NULL);

	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp)
		tu_die("new_dispatcher");

	tu_now(&start);
	rc = event_add(dsp, &evt);
	if (rc) {
		errno = -rc;
		tu_die("event_add");
	}
	rc = event_loop(dsp, &mask, NULL);
	took = tu_elapsed_ns(&start);
	free_dispatcher(dsp);

	printf("event_loop returned %d after %lld us\n", rc,
	       (long long)(took / 1000));
	if (rc != -EINTR) {
		tu_msg("FAIL: event_loop returned %d, expected -EINTR", rc);
		ret = TU_FAIL;
	}
	if (calls != 1 || last_reason != REASON_TIMEOUT) {
		tu_msg("FAIL: callback ran %d times, last reason %u; expected once with REASON_TIMEOUT",
		       calls, last_reason);
		ret = TU_FAIL;
	}
	if (took < TIMER_US * 1000) {
		tu_msg("FAIL: the loop ended %lld ns early",
		       (long long)(TIMER_US * 1000 - took));
		ret = TU_FAIL;
	}
	if (took > TIMER_US * 1000 + MAX_LATE_NS) {
		tu_msg("FAIL: the timer fired %lld ms late",
		       (long long)((took - TIMER_US * 1000) / 1000000));
		ret = TU_FAIL;
	}
	return ret;
}
