/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MINIVENT_AVAHI_POLL_INTERNAL_H
#define MINIVENT_AVAHI_POLL_INTERNAL_H

/*
 * Shared by the files of libminivent-avahi.
 *
 * Watches and timeouts are both a struct event plus bookkeeping (struct
 * mav_obj, the first member of AvahiWatch and AvahiTimeout). The adapter
 * keeps them on one list so that minivent_avahi_poll_free() can release
 * whatever Avahi left open.
 *
 * Freeing has to cope with three situations:
 *  - Avahi frees an object from inside that object's own callback: the
 *    struct event must outlive the callback, so the object is only marked
 *    dead and the minivent callback returns EVENTCB_CLEANUP; the cleanup
 *    callback then frees it.
 *  - The dispatcher is cleaned up or freed while objects remain: its
 *    cleanup callback closes our descriptor but keeps the memory, because
 *    Avahi still holds the pointer and will free it later.
 *  - cleanup_dispatcher() runs inside the object's callback: the cleanup
 *    has already run and the dispatcher will not call it again, so the
 *    minivent callback frees a dead object itself.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <avahi-common/watch.h>

#include "event.h"

#define MAV_EXPORT __attribute__((visibility("default")))

#define mav_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct minivent_avahi_poll;

struct mav_obj {
	struct event ev;
	struct minivent_avahi_poll *ap;	/* NULL once unlinked */
	struct mav_obj *prev, *next;
	bool in_callback;		/* Avahi's callback is running */
	bool dead;			/* Avahi freed it; release when possible */
};

struct minivent_avahi_poll {
	AvahiPoll api;			/* api.userdata points back here */
	struct dispatcher *dsp;
	struct mav_obj *objs;		/* live watches and timeouts */
};

struct AvahiWatch {
	struct mav_obj obj;
	int fd;				/* the caller's descriptor */
	AvahiWatchEvent events;		/* requested */
	AvahiWatchEvent seen;		/* reported, during the callback only */
	AvahiWatchCallback callback;
	void *userdata;
};

struct AvahiTimeout {
	struct mav_obj obj;
	AvahiTimeoutCallback callback;
	void *userdata;
};

/* adapter.c */
int mav_obj_register(struct minivent_avahi_poll *ap, struct mav_obj *o);
void mav_obj_release(struct mav_obj *o);
int mav_obj_after_callback(struct mav_obj *o);

static inline struct minivent_avahi_poll *mav_from_api(const AvahiPoll *api)
{
	return api->userdata;
}

/* watch.c */
AvahiWatch *mav_watch_new(const AvahiPoll *api, int fd, AvahiWatchEvent events,
			  AvahiWatchCallback callback, void *userdata);
void mav_watch_update(AvahiWatch *w, AvahiWatchEvent events);
AvahiWatchEvent mav_watch_get_events(AvahiWatch *w);
void mav_watch_free(AvahiWatch *w);

/* timeout.c */
AvahiTimeout *mav_timeout_new(const AvahiPoll *api, const struct timeval *tv,
			      AvahiTimeoutCallback callback, void *userdata);
void mav_timeout_update(AvahiTimeout *t, const struct timeval *tv);
void mav_timeout_free(AvahiTimeout *t);
void mav_timeval_to_delay(const struct timeval *tv, const struct timeval *now,
			  struct timespec *delay);

#endif
