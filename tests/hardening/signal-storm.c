/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signals: a child process fires SIGUSR1 at the parent at random short
 * intervals and writes a known number of bytes into a pipe, while the
 * parent runs event_loop() with timers. SIGUSR1 is blocked except inside
 * the wait (the sigmask of event_loop()), so each signal interrupts a
 * wait with -EINTR, which the error handler shrugs off. No callback may
 * be lost or run twice, no timeout may fire early, no byte may be lost.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event.h"
#include "ts-util.h"

#define SIGNALS 3000
#define BYTES (SIGNALS / 3)
#define TIMERS 200
#define TICKS 100		/* firings of the self re-arming timer */
#define TICK_NS 1000000L

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			exit(1);					\
		}							\
	} while (0)

static volatile sig_atomic_t signals_seen;
static unsigned long eintr, bytes, ticks, timers_fired;
static int timer_calls[TIMERS];
static struct event timers[TIMERS];
static struct timespec tick_armed;
static bool eof, done;

static void on_sigusr1(int sig)
{
	signals_seen++;
}

static void check_done(void)
{
	if (done || !eof || ticks < TICKS || timers_fired < TIMERS)
		return;
	done = true;
	/* Pending until the next wait unblocks it: that wait says -EINTR. */
	raise(SIGUSR1);
}

static int on_pipe(struct event *evt, uint32_t events)
{
	char buf[512];
	ssize_t n;

	while ((n = read(evt->fd, buf, sizeof(buf))) > 0)
		bytes += (unsigned long)n;
	if (n == 0) {
		eof = true;
		check_done();
		return EVENTCB_CLEANUP;
	}
	CHECK(errno == EAGAIN);
	return EVENTCB_CONTINUE;
}

static int on_timer(struct event *evt, uint32_t events)
{
	CHECK(evt->reason == REASON_TIMEOUT);
	timer_calls[evt - timers]++;
	timers_fired++;
	check_done();
	return EVENTCB_REMOVE;
}

static int on_tick(struct event *evt, uint32_t events)
{
	struct timespec now, tick = { 0, TICK_NS };

	clock_gettime(CLOCK_MONOTONIC, &now);
	ts_subtract(&now, &tick_armed);
	CHECK(ts_compare(&now, &tick) >= 0);	/* never early */
	if (++ticks == TICKS) {
		check_done();
		return EVENTCB_REMOVE;
	}
	clock_gettime(CLOCK_MONOTONIC, &tick_armed);
	CHECK(event_mod_timeout(evt, &tick) == 0);
	return EVENTCB_CONTINUE;
}

static int on_error(int err)
{
	CHECK(err == -EINTR);
	eintr++;
	return done ? ELOOP_QUIT : ELOOP_CONTINUE;
}

static void child(pid_t parent, int wfd)
{
	unsigned int seed = (unsigned int)getpid();

	for (int i = 0; i < SIGNALS; i++) {
		usleep((useconds_t)(rand_r(&seed) % 200));
		kill(parent, SIGUSR1);
		if (i % 3 == 0)
			CHECK(write(wfd, "x", 1) == 1);
	}
	_exit(0);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };	/* no SA_RESTART */
	struct event pipe_ev, tick_ev;
	struct dispatcher *dsp;
	sigset_t block, during_wait;
	int p[2], status, r;
	pid_t pid;

	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	CHECK(sigprocmask(SIG_BLOCK, &block, &during_wait) == 0);
	sigdelset(&during_wait, SIGUSR1);
	CHECK(pipe(p) == 0);

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child(getppid(), p[1]);
	}
	close(p[1]);
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);

	dsp = new_dispatcher(CLOCK_MONOTONIC);
	CHECK(dsp);
	pipe_ev = (struct event)EVENT_ON_STACK(on_pipe, p[0], EPOLLIN);
	CHECK(event_add(dsp, &pipe_ev) == 0);
	for (int i = 0; i < TIMERS; i++) {
		timers[i] = (struct event)TIMER_EVENT_ON_STACK(on_timer, (i * 7919) % 400000);
		CHECK(event_add(dsp, &timers[i]) == 0);
	}
	tick_ev = (struct event)TIMER_EVENT_ON_STACK(on_tick, TICK_NS / 1000);
	clock_gettime(CLOCK_MONOTONIC, &tick_armed);
	CHECK(event_add(dsp, &tick_ev) == 0);

	r = event_loop(dsp, &during_wait, on_error);
	CHECK(r == ELOOP_QUIT);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);

	printf("signal-storm: %d signals sent, %d handled, %lu waits interrupted\n",
	       SIGNALS, (int)signals_seen, eintr);
	printf("  %lu/%d bytes, %lu/%d timers, %lu/%d ticks\n",
	       bytes, BYTES, timers_fired, TIMERS, ticks, TICKS);
	CHECK(bytes == BYTES);
	CHECK(ticks == TICKS);
	for (int i = 0; i < TIMERS; i++)
		CHECK(timer_calls[i] == 1);
	CHECK(eintr > 0);
	free_dispatcher(dsp);
	return 0;
}
