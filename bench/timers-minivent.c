/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Timer churn, minivent: N pure timer events (fd -1). Add them all, push
 * each back PUSHES times with event_mod_timeout(), cancel half with
 * event_remove(), then move the rest into the next 50 ms and let them
 * fire; the optional third argument is the timer slack for that phase.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "event.h"

static uint64_t fired;

static int on_timeout(struct event *evt, uint32_t events)
{
	(void)evt; (void)events;
	fired++;
	/*
	 * The timeout is one-shot and gone now; the event stays registered
	 * but idle, the state a fired libev or libuv timer is left in.
	 */
	return EVENTCB_CONTINUE;
}

static struct timespec ms_ts(uint32_t ms)
{
	/* +1 ns: {0, 0} would mean "no timeout". */
	return (struct timespec){ .tv_sec = ms / 1000,
				  .tv_nsec = ms % 1000 * 1000000L + 1 };
}

int main(int argc, char **argv)
{
	uint64_t t, add, push, cancel, fire;
	struct timer_args a;
	struct dispatcher *dsp;
	struct event *ev;
	long n, half;

	timer_parse(argc, argv, &a);
	n = a.n;
	half = n / 2;
	ev = alloc_touched(n * sizeof(*ev));
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!ev || !dsp || dispatcher_set_timer_slack(dsp, a.slack_ns) < 0)
		die("setup");

	t = cpu_ns();
	for (long i = 0; i < n; i++) {
		ev[i] = TIMER_EVENT_ON_STACK(on_timeout, 0);
		ev[i].tmo = ms_ts(a.add_ms[i]);
		ev[i].cleanup = NULL;
		if (event_add(dsp, &ev[i]) < 0)
			die("event_add");
	}
	add = cpu_ns() - t;
	timer_added(&a, sizeof(*ev));

	t = cpu_ns();
	for (long k = 0; k < a.pushes; k++)
		for (long i = 0; i < n; i++) {
			struct timespec ts = ms_ts(a.push_ms[k * n + i]);

			event_mod_timeout(&ev[i], &ts);
		}
	push = cpu_ns() - t;

	t = cpu_ns();
	for (long i = 1; i < n; i += 2)
		event_remove(&ev[i]);
	cancel = cpu_ns() - t;

	for (long i = 0; i < n; i += 2) {
		struct timespec ts = ms_ts(a.fire_ms[i]);

		event_mod_timeout(&ev[i], &ts);
	}
	t = cpu_ns();
	while (fired < (uint64_t)(n - half))
		if (event_wait(dsp, NULL) < 0)
			die("event_wait");
	fire = cpu_ns() - t;

	timer_report(&a, add, push, cancel, fire, fired);
	free_dispatcher(dsp);
	free(ev);
	return 0;
}
