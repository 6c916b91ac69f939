/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registering events: event_add(), event_remove(), event_modify(), and
 * the slot table that makes them O(1). event_mod_timeout() lives with the
 * other timeout code in timeout.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "dispatcher-internal.h"
#include "export.h"
#include "time-internal.h"

/*
 * Make sure one more event fits, in both the slot table and the heap, so
 * that nothing after this point can fail for lack of memory.
 */
static int reserve_one_more(struct dispatcher *dsp)
{
	uint32_t capacity = dsp->slots_capacity;
	struct slot *slots;

	if (dsp->free_head || dsp->slots_used < capacity)
		return 0;
	if (capacity > UINT32_MAX / 4)
		return -ENOMEM;
	capacity *= 2;
	if (heap_reserve(&dsp->heap, capacity) < 0)
		return -ENOMEM;
	slots = realloc(dsp->slots, (size_t)capacity * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	dsp->slots = slots;
	dsp->slots_capacity = capacity;
	return 0;
}

static uint32_t slot_take(struct dispatcher *dsp, struct event *evt)
{
	uint32_t idx;

	if (dsp->free_head) {
		idx = dsp->free_head - 1;
		dsp->free_head = dsp->slots[idx].next_free;
	} else {
		idx = dsp->slots_used++;
		dsp->slots[idx].gen = 0;
	}
	dsp->slots[idx].evt = evt;
	dsp->slots[idx].next_free = 0;
	return idx;
}

/* Vacate a slot; the new generation invalidates tokens still in flight. */
static void slot_release(struct dispatcher *dsp, uint32_t idx)
{
	struct slot *slot = &dsp->slots[idx];

	slot->evt = NULL;
	slot->gen++;
	slot->next_free = dsp->free_head;
	dsp->free_head = idx + 1;
}

/* Make room in the fd owner table for @fd. 0 or -ENOMEM. */
static int fd_owner_reserve(struct dispatcher *dsp, int fd)
{
	uint32_t capacity = dsp->fd_owner_capacity, grown;
	uint32_t *table;

	if ((uint32_t)fd < capacity)
		return 0;
	for (grown = capacity ? capacity : 64; grown <= (uint32_t)fd; grown *= 2)
		;
	table = realloc(dsp->fd_owner, (size_t)grown * sizeof(*table));
	if (!table)
		return -ENOMEM;
	memset(table + capacity, 0, (size_t)(grown - capacity) * sizeof(*table));
	dsp->fd_owner = table;
	dsp->fd_owner_capacity = grown;
	return 0;
}

/*
 * The kernel has just accepted @evt's fd into the epoll set. Had another
 * event still been registered under that number, the kernel would have
 * refused (EEXIST): so that event's descriptor was closed and its
 * registration went with it. Forget it, so that removing or modifying the
 * stale event cannot touch the new registration.
 */
static void fd_owner_claim(struct dispatcher *dsp, struct event *evt)
{
	uint32_t *owner = &dsp->fd_owner[evt->fd];

	if (*owner && *owner != evt->priv_.slot_) {
		struct event *stale = dsp->slots[*owner - 1].evt;

		if (stale && stale->fd == evt->fd) {
			stale->priv_.state_ &= ~EVT_IN_EPOLL;
			stale->priv_.armed_events_ = 0;
		}
	}
	*owner = evt->priv_.slot_;
}

static void fd_owner_drop(struct dispatcher *dsp, const struct event *evt)
{
	if ((uint32_t)evt->fd < dsp->fd_owner_capacity &&
	    dsp->fd_owner[evt->fd] == evt->priv_.slot_)
		dsp->fd_owner[evt->fd] = 0;
}

/*
 * Hand @evt's mask to the kernel with @op and keep the mirror of the
 * kernel's state (EVT_IN_EPOLL, armed_events_) in step. A DEL for an fd
 * the application already closed succeeds: the kernel dropped it then.
 */
static int kernel_update(struct dispatcher *dsp, struct event *evt, int op)
{
	struct event_private_ *priv = &evt->priv_;

	if (op == EPOLL_CTL_ADD && fd_owner_reserve(dsp, evt->fd) < 0)
		return -ENOMEM;
	evt->ep.data.u64 = slot_token(dsp, priv->slot_ - 1);
	if (epoll_ctl(dsp->epfd, op, evt->fd, &evt->ep) < 0 &&
	    !(op == EPOLL_CTL_DEL && (errno == EBADF || errno == ENOENT)))
		return -errno;
	if (op == EPOLL_CTL_DEL) {
		fd_owner_drop(dsp, evt);
		priv->state_ &= ~EVT_IN_EPOLL;
		priv->armed_events_ = 0;
		return 0;
	}
	if (op == EPOLL_CTL_ADD)
		fd_owner_claim(dsp, evt);
	priv->state_ |= EVT_IN_EPOLL;
	priv->armed_events_ = evt->ep.events;
	/* See the one-shot handling in dispatch_ready(). */
	priv->modified_in_ = dsp->waits;
	return 0;
}

void event_unregister(struct dispatcher *dsp, struct event *evt,
		      bool touch_kernel)
{
	if (evt->priv_.state_ & EVT_IN_EPOLL) {
		/* Nothing to do about a failure: the event goes all the same. */
		if (touch_kernel)
			kernel_update(dsp, evt, EPOLL_CTL_DEL);
		fd_owner_drop(dsp, evt);
	}
	timeout_cancel(dsp, evt);
	slot_release(dsp, evt->priv_.slot_ - 1);
	evt->priv_ = (struct event_private_){ 0 };
	evt->dsp = NULL;
}

static int check_new_event(const struct dispatcher *dsp, const struct event *evt)
{
	if (!evt->callback || (evt->flags & ~TMO_ABS))
		return -EINVAL;
	if (evt->dsp == dsp && event_is_registered(dsp, evt))
		return -EEXIST;
	if (evt->dsp && evt->dsp != dsp)
		return -EBUSY;
	if (evt->fd < -1)
		return -EBADF;
	if (evt->fd == -1 && evt->ep.events)
		return -EINVAL;
	/* A disabled fd is not given to the kernel yet: check it here. */
	if (evt->fd >= 0 && !evt->ep.events && fcntl(evt->fd, F_GETFD) < 0)
		return -EBADF;
	return 0;
}

MV_EXPORT int event_add(struct dispatcher *dsp, struct event *evt)
{
	int64_t deadline;
	uint32_t idx;
	int r;

	if (!dsp || !evt)
		return -EINVAL;
	if (dispatcher_closing(dsp))
		return -EBUSY;
	r = check_new_event(dsp, evt);
	if (r < 0)
		return r;
	r = timeout_deadline(dsp, &evt->tmo, evt->flags, &deadline);
	if (r < 0)
		return r;
	r = reserve_one_more(dsp);
	if (r < 0)
		return r;

	idx = slot_take(dsp, evt);
	evt->priv_ = (struct event_private_){ .slot_ = idx + 1 };
	if (evt->ep.events) {
		r = kernel_update(dsp, evt, EPOLL_CTL_ADD);
		if (r < 0)
			goto undo_slot;
	}
	if (deadline != NO_DEADLINE) {
		r = timeout_arm(dsp, evt, deadline);
		if (r < 0)
			goto undo_epoll;
	}
	evt->dsp = dsp;
	/*
	 * A callback that cleaned the dispatcher and then added its own
	 * event again: the event is alive, so its result counts after all.
	 */
	if (evt == dsp->cleaned_current) {
		dsp->current = evt;
		dsp->cleaned_current = NULL;
	}
	return 0;

undo_epoll:
	if (evt->priv_.state_ & EVT_IN_EPOLL)
		kernel_update(dsp, evt, EPOLL_CTL_DEL);
undo_slot:
	slot_release(dsp, idx);
	evt->priv_ = (struct event_private_){ 0 };
	return r;
}

MV_EXPORT int event_remove(struct event *evt)
{
	struct dispatcher *dsp;

	if (!evt)
		return -EINVAL;
	dsp = owner_of(evt);
	if (!dsp)
		return -ENOENT;
	event_unregister(dsp, evt, !(dsp->state & DSP_FREE_PENDING));
	return 0;
}

MV_EXPORT int event_modify(struct event *evt)
{
	struct event_private_ *priv;
	struct dispatcher *dsp;
	uint32_t events;
	int op;

	if (!evt)
		return -EINVAL;
	dsp = owner_of(evt);
	if (!dsp)
		return -ENOENT;
	if (evt->fd == -1)
		return evt->ep.events ? -EINVAL : 0;

	priv = &evt->priv_;
	events = evt->ep.events;
	if (events == priv->armed_events_ &&
	    !!events == !!(priv->state_ & EVT_IN_EPOLL))
		return 0;	/* unchanged: no system call */

	if (!events)
		op = EPOLL_CTL_DEL;
	else if (priv->state_ & EVT_IN_EPOLL)
		op = EPOLL_CTL_MOD;
	else
		op = EPOLL_CTL_ADD;
	return kernel_update(dsp, evt, op);
}
