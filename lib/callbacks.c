/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Ready-made callbacks for the initializer macros of event.h, and the
 * names of the callback reasons.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include "event.h"
#include "export.h"

MV_EXPORT const char *const reason_str[__MAX_CALLBACK_REASON] = {
	[REASON_EVENT_OCCURED] = "event occurred",
	[REASON_TIMEOUT] = "timeout",
};

MV_EXPORT void cleanup_event_on_stack(struct event *evt)
{
	if (!evt || evt->fd < 0)
		return;
	close(evt->fd);
	evt->fd = -1;
}

MV_EXPORT void cleanup_event_on_heap(struct event *evt)
{
	if (!evt)
		return;
	if (evt->fd >= 0)
		close(evt->fd);
	free(evt);
}

MV_EXPORT int minivent_timer_trampoline(struct event *evt, uint32_t events)
{
	/* TIMER_ON_STACK()/TIMER_ON_HEAP() put the event first. */
	struct timer_event *timer = (struct timer_event *)evt;

	(void)events;
	if (timer && timer->timer_fn)
		timer->timer_fn(timer->timer_arg);
	return EVENTCB_CLEANUP;
}
