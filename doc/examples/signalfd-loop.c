/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Taking signals through signalfd(2) instead of letting one interrupt
 * event_loop(). The signals are blocked for the whole process, so they are
 * never delivered the classic way; the kernel queues them on a signalfd,
 * which is registered as an ordinary event and read in a callback like any
 * other input. Nothing runs in signal context, the callback may do
 * anything, and the signal's details (sender, value) come along.
 *
 * SIGTERM and SIGINT end the loop with event_loop_exit(): the rest of
 * the round still runs, then event_loop() returns the value given.
 *
 * To run on its own, the program sends itself SIGHUP and then SIGTERM
 * from a timer; "kill -HUP" and "kill -TERM" from a shell do the same.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <minivent/event.h>

static int on_signal(struct event *evt, uint32_t events)
{
	struct signalfd_siginfo info;

	(void)events;
	/* Signals queue up: read all that are there. */
	while (read(evt->fd, &info, sizeof(info)) == sizeof(info)) {
		switch (info.ssi_signo) {
		case SIGHUP:
			printf("SIGHUP from pid %u: reloading\n", (unsigned)info.ssi_pid);
			break;
		case SIGINT:
		case SIGTERM:
			printf("%s: shutting down\n", strsignal((int)info.ssi_signo));
			event_loop_exit(evt->dsp, 0);
			return EVENTCB_CONTINUE;
		}
	}
	return EVENTCB_CONTINUE;
}

/* Stands in for a user: SIGHUP after 10 ms, SIGTERM after 20 ms. */
static int on_timer(struct event *evt, uint32_t events)
{
	static int ticks;

	(void)events;
	kill(getpid(), ++ticks == 1 ? SIGHUP : SIGTERM);
	if (ticks == 2)
		return EVENTCB_REMOVE;
	event_mod_timeout(evt, &(struct timespec){ .tv_nsec = 10000000 });
	return EVENTCB_CONTINUE;
}

int main(void)
{
	struct event sig, timer = TIMER_EVENT_ON_STACK(on_timer, 10000);
	struct dispatcher *dsp;
	sigset_t mask;
	int sfd, r;

	/*
	 * Block the signals first, before any thread exists (threads inherit
	 * the mask): then none is ever delivered to a handler, and each waits
	 * in the signalfd until the loop reads it.
	 */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		perror("sigprocmask");
		return 1;
	}
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (sfd < 0 || !dsp) {
		perror("setup");
		return 1;
	}
	sig = (struct event)EVENT_ON_STACK(on_signal, sfd, EPOLLIN);
	if ((r = event_add(dsp, &sig)) < 0 || (r = event_add(dsp, &timer)) < 0) {
		fprintf(stderr, "event_add: %d\n", r);
		return 1;
	}
	/*
	 * No signal mask for the wait: the signals stay blocked throughout.
	 * The loop ends with on_signal's 0, or with an error.
	 */
	r = event_loop(dsp, NULL, NULL);
	if (r != 0)
		fprintf(stderr, "event_loop: %s\n", strerror(-r));
	/* Runs the cleanups: cleanup_event_on_stack() closes the signalfd. */
	free_dispatcher(dsp);
	return r != 0;
}
