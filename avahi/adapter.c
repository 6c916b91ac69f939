/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The adapter object and the life cycle shared by watches and timeouts.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "avahi-poll.h"
#include "poll-internal.h"

static void obj_destroy(struct mav_obj *o)
{
	if (o->ev.fd >= 0)
		close(o->ev.fd);
	free(o);
}

/*
 * Cleanup callback of every watch and timeout. It runs after the event was
 * unregistered: for a dead object returned as EVENTCB_CLEANUP (free it),
 * or from cleanup_dispatcher()/free_dispatcher() (Avahi still owns the
 * object, so drop only the descriptor and keep the memory for its free).
 */
static void obj_cleanup(struct event *evt)
{
	struct mav_obj *o = mav_container_of(evt, struct mav_obj, ev);

	if (o->dead && !o->in_callback) {
		obj_destroy(o);
		return;
	}
	if (o->ev.fd >= 0) {
		close(o->ev.fd);
		o->ev.fd = -1;
	}
}

int mav_obj_register(struct minivent_avahi_poll *ap, struct mav_obj *o)
{
	int r;

	o->ev.cleanup = obj_cleanup;
	r = event_add(ap->dsp, &o->ev);
	if (r < 0)
		return r;
	o->ap = ap;
	o->prev = NULL;
	o->next = ap->objs;
	if (ap->objs)
		ap->objs->prev = o;
	ap->objs = o;
	return 0;
}

static void obj_unlink(struct mav_obj *o)
{
	if (!o->ap)
		return;
	if (o->prev)
		o->prev->next = o->next;
	else
		o->ap->objs = o->next;
	if (o->next)
		o->next->prev = o->prev;
	o->ap = NULL;
	o->prev = o->next = NULL;
}

/* What Avahi's watch_free and timeout_free, and the adapter's free, do. */
void mav_obj_release(struct mav_obj *o)
{
	obj_unlink(o);
	if (o->in_callback) {
		/* The dispatcher is still using the event: see below. */
		o->dead = true;
		return;
	}
	if (o->ev.dsp)
		event_remove(&o->ev);
	obj_destroy(o);
}

/* The minivent callback's result once Avahi's callback has returned. */
int mav_obj_after_callback(struct mav_obj *o)
{
	if (!o->dead)
		return EVENTCB_CONTINUE;
	/*
	 * Unregistered during the callback by cleanup_dispatcher(), whose
	 * cleanup saw in_callback and kept the memory; the dispatcher no
	 * longer looks at this event, so it is ours to free.
	 */
	if (!o->ev.dsp) {
		obj_destroy(o);
		return EVENTCB_CONTINUE;
	}
	return EVENTCB_CLEANUP;
}

MAV_EXPORT struct minivent_avahi_poll *minivent_avahi_poll_new(struct dispatcher *dsp)
{
	struct minivent_avahi_poll *ap;

	if (!dsp) {
		errno = EINVAL;
		return NULL;
	}
	ap = calloc(1, sizeof(*ap));
	if (!ap) {
		errno = ENOMEM;
		return NULL;
	}
	ap->dsp = dsp;
	ap->api = (AvahiPoll){
		.userdata = ap,
		.watch_new = mav_watch_new,
		.watch_update = mav_watch_update,
		.watch_get_events = mav_watch_get_events,
		.watch_free = mav_watch_free,
		.timeout_new = mav_timeout_new,
		.timeout_update = mav_timeout_update,
		.timeout_free = mav_timeout_free,
	};
	return ap;
}

MAV_EXPORT const AvahiPoll *minivent_avahi_poll_get(struct minivent_avahi_poll *ap)
{
	return ap ? &ap->api : NULL;
}

MAV_EXPORT void minivent_avahi_poll_free(struct minivent_avahi_poll *ap)
{
	if (!ap)
		return;
	while (ap->objs)
		mav_obj_release(ap->objs);
	free(ap);
}
