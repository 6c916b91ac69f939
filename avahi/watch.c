/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AvahiWatch: a descriptor watch as a minivent event.
 *
 * epoll(7) refuses to add the same descriptor twice to one set, and the
 * dispatcher refuses two events on one fd, yet AvahiPoll allows several
 * watches on one descriptor. Each watch therefore registers its own
 * duplicate, made with F_DUPFD_CLOEXEC and closed when the watch goes.
 * That costs one descriptor per watch (avahi-client uses one or two) and
 * keeps every watch independent: no shared registration whose mask would
 * have to be the union of several watches, and no ordering rules when
 * one of them is freed from another's callback. The event is removed
 * from epoll before the duplicate is closed, so the registration never
 * outlives the watch while the caller's descriptor stays open.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "poll-internal.h"

/* The values happen to match on Linux, but say what is meant. */
static uint32_t watch_to_epoll(AvahiWatchEvent events)
{
	uint32_t ep = 0;

	if (events & AVAHI_WATCH_IN)
		ep |= EPOLLIN;
	if (events & AVAHI_WATCH_OUT)
		ep |= EPOLLOUT;
	if (events & AVAHI_WATCH_ERR)
		ep |= EPOLLERR;
	if (events & AVAHI_WATCH_HUP)
		ep |= EPOLLHUP;
	return ep;
}

static AvahiWatchEvent epoll_to_watch(uint32_t ep)
{
	unsigned int events = 0;

	if (ep & EPOLLIN)
		events |= AVAHI_WATCH_IN;
	if (ep & EPOLLOUT)
		events |= AVAHI_WATCH_OUT;
	if (ep & EPOLLERR)
		events |= AVAHI_WATCH_ERR;
	if (ep & EPOLLHUP)
		events |= AVAHI_WATCH_HUP;
	return (AvahiWatchEvent)events;
}

static int watch_dispatch(struct event *evt, uint32_t events)
{
	AvahiWatch *w = mav_container_of(evt, AvahiWatch, obj.ev);

	/* Like poll(2), epoll reports ERR and HUP even when not asked for. */
	w->seen = epoll_to_watch(events);
	w->obj.in_callback = true;
	w->callback(w, w->fd, w->seen, w->userdata);
	w->obj.in_callback = false;
	w->seen = 0;
	return mav_obj_after_callback(&w->obj);
}

AvahiWatch *mav_watch_new(const AvahiPoll *api, int fd, AvahiWatchEvent events,
			  AvahiWatchCallback callback, void *userdata)
{
	struct minivent_avahi_poll *ap = mav_from_api(api);
	AvahiWatch *w;
	int dupfd, r;

	if (fd < 0 || !callback) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		errno = ENOMEM;
		return NULL;
	}
	dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0) {
		r = -errno;
		goto fail;
	}
	w->fd = fd;
	w->events = events;
	w->callback = callback;
	w->userdata = userdata;
	w->obj.ev = (struct event){
		.ep = { .events = watch_to_epoll(events) },
		.fd = dupfd,
		.callback = watch_dispatch,
	};
	r = mav_obj_register(ap, &w->obj);
	if (r < 0) {
		close(dupfd);
		goto fail;
	}
	return w;
fail:
	free(w);
	errno = -r;
	return NULL;
}

void mav_watch_update(AvahiWatch *w, AvahiWatchEvent events)
{
	w->events = events;
	w->obj.ev.ep.events = watch_to_epoll(events);
	/*
	 * AvahiPoll has no way to report an error here. event_modify() can
	 * only fail in epoll_ctl(2) for lack of kernel memory, or because the
	 * dispatcher is gone (then there is nothing to watch anyway).
	 */
	if (w->obj.ev.dsp)
		(void)event_modify(&w->obj.ev);
}

AvahiWatchEvent mav_watch_get_events(AvahiWatch *w)
{
	return w->obj.in_callback ? w->seen : 0;
}

void mav_watch_free(AvahiWatch *w)
{
	mav_obj_release(&w->obj);
}
