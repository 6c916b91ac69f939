/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The smallest complete minivent program: a timer prints a greeting after
 * one second, then ends the event loop with event_loop_exit(), which makes
 * event_loop() return the value it is given.
 */
#include <stdio.h>
#include <string.h>

#include <minivent/event.h>

static int say_hello(struct event *evt, uint32_t events)
{
	(void)events;
	printf("Hello world! (%s)\n", reason_str[evt->reason]);
	event_loop_exit(evt->dsp, 0);
	return EVENTCB_CLEANUP;
}

int main(void)
{
	struct event timer = TIMER_EVENT_ON_STACK(say_hello, 1000000);
	struct dispatcher *dsp;
	int r;

	dsp = new_dispatcher(CLOCK_MONOTONIC);
	if (!dsp) {
		perror("new_dispatcher");
		return 1;
	}
	r = event_add(dsp, &timer);
	if (r == 0)
		r = event_loop(dsp, NULL, NULL);	/* 0 from say_hello */
	free_dispatcher(dsp);
	if (r != 0) {
		fprintf(stderr, "event loop: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
