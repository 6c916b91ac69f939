/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Idle-connections server, minivent (see idle_setup()): one struct event
 * per connection, its own timeout the idle timeout, pushed back with
 * event_mod_timeout() on every read and re-armed when it expires.
 */
#include "config.h"

#include <stdlib.h>

#include "common.h"
#include "event.h"

static struct idle_args a;
static int done;
static const struct timespec idle_tmo = { .tv_sec = IDLE_TIMEOUT_S };

static int on_conn(struct event *evt, uint32_t events)
{
	(void)events;
	if (evt->reason == REASON_TIMEOUT)
		a.timeouts++;
	else
		idle_read(&a, evt->fd);
	if (event_mod_timeout(evt, &idle_tmo) < 0)
		die("event_mod_timeout");
	return EVENTCB_CONTINUE;
}

static int on_phase(struct event *evt, uint32_t events)
{
	struct timespec end = { .tv_sec = a.secs };

	(void)events;
	if (done++) {
		idle_report(&a);
		return EVENTCB_REMOVE;
	}
	idle_start(&a);
	return event_mod_timeout(evt, &end) < 0 ? EVENTCB_REMOVE : EVENTCB_CONTINUE;
}

int main(int argc, char **argv)
{
	struct event phase = TIMER_EVENT_ON_STACK(on_phase, IDLE_WARMUP_S * 1000000L);
	struct dispatcher *dsp;
	struct event *ev;

	idle_setup(argc, argv, &a);
	ev = calloc(a.conns, sizeof(*ev));
	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!ev || !dsp)
		die("setup");
	for (long i = 0; i < a.conns; i++) {
		ev[i] = EVENT_W_TMO_ON_STACK(on_conn, a.fds[i], EPOLLIN,
					     a.first_ms[i] * 1000L);
		if (event_add(dsp, &ev[i]) < 0)
			die("event_add");
	}
	idle_added(&a, sizeof(*ev));
	phase.cleanup = NULL;
	if (event_add(dsp, &phase) < 0)
		die("event_add");
	while (done < 2) {
		if (event_wait(dsp, NULL) < 0)
			die("event_wait");
		a.wakeups++;
	}
	free_dispatcher(dsp);
	free(ev);
	return 0;
}
