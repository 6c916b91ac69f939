/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Soak: STRESS_SOAK_SECONDS (600) of mixed load on one dispatcher:
 * STRESS_SOAK_CONNS (200) echo connections that never stop, a 1 ms tick
 * that starts 20 short heap-allocated one-shot timers and opens, registers,
 * re-times, removes and closes a fresh socketpair. RSS is printed every
 * STRESS_SOAK_REPORT seconds (10); once warm (a fifth of the run, at most
 * 60 s) it must not grow by more than 1 MiB: nothing may leak per event.
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "event.h"
#include "stress-util.h"

static unsigned long echoes, timers_started, timers_fired, churned, ticks;

static int on_echo(struct event *evt, uint32_t events)
{
	char buf[256];
	ssize_t n;

	/* Both ends echo: one message bounces forever. */
	while ((n = read(evt->fd, buf, sizeof(buf))) > 0) {
		CHECK(write(evt->fd, buf, (size_t)n) == n);
		echoes++;
	}
	CHECK(n < 0 && errno == EAGAIN);
	return EVENTCB_CONTINUE;
}

static void on_heap_timer(void *arg)
{
	timers_fired++;
}

static int on_churn_fd(struct event *evt, uint32_t events)
{
	return EVENTCB_CONTINUE;
}

static int on_tick(struct event *evt, uint32_t events)
{
	static unsigned int seed = 7;
	struct timespec tick = { 0, 1000000 }, far = { 3600, 0 };
	struct dispatcher *dsp = evt->dsp;
	struct event churn;
	int sv[2];

	ticks++;
	for (int i = 0; i < 20; i++) {
		struct timer_event *t = malloc(sizeof(*t));

		CHECK(t);
		*t = TIMER_ON_HEAP(on_heap_timer, NULL, rand_r(&seed) % 20000);
		CHECK(event_add(dsp, &t->e) == 0);
		timers_started++;
	}
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	churn = (struct event)EVENT_W_TMO_ON_STACK(on_churn_fd, sv[0], EPOLLIN, 500000);
	CHECK(event_add(dsp, &churn) == 0);
	CHECK(event_mod_timeout(&churn, &far) == 0);
	CHECK(event_remove(&churn) == 0);
	close(sv[0]);
	close(sv[1]);
	churned++;
	CHECK(event_mod_timeout(evt, &tick) == 0);
	return EVENTCB_CONTINUE;
}

int main(void)
{
	long seconds = env_long("STRESS_SOAK_SECONDS", 600);
	long nconn = env_long("STRESS_SOAK_CONNS", 200);
	long report = env_long("STRESS_SOAK_REPORT", 10);
	long warm = seconds / 5 < 60 ? seconds / 5 : 60;
	struct event tick = TIMER_EVENT_ON_STACK(on_tick, 1000);
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	long rss_warm = 0, rss_max = 0, rss;
	double t0 = now_s(), next = t0 + report, t;

	CHECK(dsp);
	CHECK(raise_nofile((rlim_t)nconn * 2 + 64));
	for (long i = 0; i < nconn; i++) {
		struct event *e[2];
		int sv[2];

		CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
		for (int k = 0; k < 2; k++) {
			e[k] = malloc(sizeof(*e[k]));
			CHECK(e[k]);
			*e[k] = (struct event)EVENT_ON_HEAP(on_echo, sv[k], EPOLLIN);
			CHECK(event_add(dsp, e[k]) == 0);
		}
		CHECK(write(sv[0], "ping", 4) == 4);
	}
	CHECK(event_add(dsp, &tick) == 0);
	printf("stress-soak: %ld s, %ld connections, warm-up %ld s\n",
	       seconds, nconn, warm);
	for (;;) {
		CHECK(event_wait(dsp, NULL) == 0);
		t = now_s();
		if (t < next)
			continue;
		next += report;
		rss = rss_kib();
		if (t - t0 >= warm && !rss_warm)
			rss_warm = rss;
		if (rss_warm && rss > rss_max)
			rss_max = rss;
		printf("  t=%5.0f s RSS %6ld KiB  echoes %lu  timers %lu/%lu  "
		       "fd churn %lu\n", t - t0, rss, echoes, timers_fired,
		       timers_started, churned);
		fflush(stdout);
		if (t - t0 >= seconds)
			break;
	}
	CHECK(timers_started - timers_fired < 20 * 25);	/* only the last 20 ms */
	printf("stress-soak: RSS after warm-up %ld KiB, max %ld KiB, growth %ld KiB\n",
	       rss_warm, rss_max, rss_max - rss_warm);
	CHECK(rss_warm > 0 && rss_max - rss_warm <= 1024);
	free_dispatcher(dsp);
	return 0;
}
