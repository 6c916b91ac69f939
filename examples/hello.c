/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The smallest complete minivent program: a timer prints a greeting after
 * one second, then ends the event loop by sending the process a signal.
 *
 * The signal (SIGUSR1) is blocked while the program runs and unblocked
 * only inside the wait, through the sigmask given to event_loop(); its
 * handler does nothing, so the signal just interrupts the wait and
 * event_loop() returns -EINTR.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <minivent/event.h>

static int say_hello(struct event *evt, uint32_t events)
{
	printf("Hello world! (%s)\n", reason_str[evt->reason]);
	kill(getpid(), SIGUSR1);
	return EVENTCB_CLEANUP;
}

static void ignore_signal(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = ignore_signal };
	struct event timer = TIMER_EVENT_ON_STACK(say_hello, 1000000);
	struct dispatcher *dsp;
	sigset_t blocked, wait_mask;
	int r;

	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigprocmask(SIG_BLOCK, &blocked, &wait_mask);
	sigdelset(&wait_mask, SIGUSR1);
	sigaction(SIGUSR1, &sa, NULL);

	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp) {
		fprintf(stderr, "new_dispatcher: %s\n", strerror(errno));
		return 1;
	}
	r = event_add(dsp, &timer);
	if (r == 0)
		r = event_loop(dsp, &wait_mask, NULL);
	free_dispatcher(dsp);
	if (r != -EINTR) {
		fprintf(stderr, "event loop: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
