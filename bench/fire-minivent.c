/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Firing, minivent: N timer events due over a 10 ms window (see
 * fire_parse()), in the default configuration (the default timer slack).
 * The deadlines are absolute, from one clock read, as the other backends
 * count them from their cached loop time.
 */
#include "config.h"

#include <stdlib.h>

#include "common.h"
#include "event.h"

static uint64_t fired;

static int on_timeout(struct event *evt, uint32_t events)
{
	(void)evt; (void)events;
	fired++;
	return EVENTCB_CONTINUE;
}

int main(int argc, char **argv)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	uint64_t base, t, wakeups = 0;
	struct fire_args a;
	struct event *ev;

	fire_parse(argc, argv, &a);
	ev = alloc_touched(a.n * sizeof(*ev));
	if (!dsp)
		die("new_dispatcher");
	base = now_ns() + a.lead_ns;
	for (long i = 0; i < a.n; i++) {
		uint64_t when = base + a.offset_ns[i];

		ev[i] = TIMER_EVENT_ON_STACK(on_timeout, 0);
		ev[i].cleanup = NULL;
		ev[i].flags = TMO_ABS;
		ev[i].tmo = (struct timespec){ .tv_sec = (time_t)(when / 1000000000ULL),
					       .tv_nsec = (long)(when % 1000000000ULL) };
		if (event_add(dsp, &ev[i]) < 0)
			die("event_add");
	}
	t = cpu_ns();
	while (fired < (uint64_t)a.n) {
		if (event_wait(dsp, NULL) < 0)
			die("event_wait");
		wakeups++;
	}
	fire_report(&a, cpu_ns() - t, fired, wakeups);
	free_dispatcher(dsp);
	free(ev);
	return 0;
}
