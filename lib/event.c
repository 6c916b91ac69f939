/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registering events: event_add(), event_remove(), event_modify(), and
 * the slot table that makes them O(1). event_mod_timeout() lives with the
 * other timeout code in timeout.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "dispatcher-internal.h"
#include "export.h"
#include "time-internal.h"

/*
 * Make sure one more event fits, in the slot table, the address index and
 * the heap, so that nothing after this point can fail for lack of memory.
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
	if (heap_reserve(&dsp->heap, capacity) < 0 ||
	    addr_index_reserve(&dsp->by_addr, capacity) < 0)
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
	struct slot *slot;
	uint32_t idx;

	if (dsp->free_head) {
		idx = dsp->free_head - 1;
		dsp->free_head = dsp->slots[idx].next_free;
	} else {
		idx = dsp->slots_used++;
		dsp->slots[idx].token = 0;
	}
	slot = &dsp->slots[idx];
	/* The generation stays; not in the epoll set yet. */
	*slot = (struct slot){ .evt = evt, .token = slot->token, .fd = evt->fd,
			       .modified_in = dsp->waits };
	return idx;
}

/*
 * Vacate a slot; the new generation invalidates tokens still in flight.
 * After its last generation a slot is retired for good: reusing it would
 * let a token of its first generation match again.
 */
static void slot_release(struct dispatcher *dsp, uint32_t idx)
{
	struct slot *slot = &dsp->slots[idx];

	slot->evt = NULL;
	slot->state = 0;
	slot->token = (uint64_t)(slot_gen(slot) + 1) << 32;
	slot->modified_in = dsp->waits;
	if (slot_gen(slot) == 0)
		return;
	slot->next_free = dsp->free_head;
	dsp->free_head = idx + 1;
}

/*
 * Make room in the fd owner table for @fd. 0 or -ENOMEM. Only for a
 * number the kernel has just accepted: an open descriptor, below
 * RLIMIT_NOFILE. A number that was never open (an uninitialized int, say)
 * would otherwise size the table, up to 8 GiB for one near INT_MAX.
 */
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
 * The kernel has just accepted slot @idx's fd into the epoll set. Had
 * another registration still held that number, the kernel would have
 * refused (EEXIST): so that one's descriptor was closed and its epoll
 * entry went with it. Forget it, so that removing or modifying the stale
 * event cannot touch the new registration.
 */
static void fd_owner_claim(struct dispatcher *dsp, uint32_t idx)
{
	int fd = dsp->slots[idx].fd;
	uint32_t *owner = &dsp->fd_owner[fd];

	if (*owner && *owner != idx + 1) {
		struct slot *stale = &dsp->slots[*owner - 1];

		if (stale->evt && stale->fd == fd) {
			slot_set_in_epoll(dsp, *owner - 1, false);
			stale->armed_events = 0;
			stale->modified_in = dsp->waits;
		}
	}
	*owner = idx + 1;
}

static void fd_owner_drop(struct dispatcher *dsp, uint32_t idx)
{
	int fd = dsp->slots[idx].fd;

	if ((uint32_t)fd < dsp->fd_owner_capacity && dsp->fd_owner[fd] == idx + 1)
		dsp->fd_owner[fd] = 0;
}

/*
 * Hand @events for slot @idx to the kernel with @op and keep the slot's
 * mirror of the kernel's state in step. A DEL for an fd the application
 * already closed succeeds: the kernel dropped it then. After
 * free_dispatcher() the kernel is not touched at all.
 */
static int kernel_update(struct dispatcher *dsp, uint32_t idx, int op,
			 uint32_t events)
{
	struct slot *slot = &dsp->slots[idx];
	struct epoll_event ev = { .events = events,
				  .data.u64 = slot_token(dsp, idx) };

	if (dsp->state & DSP_FREE_PENDING) {
		/* Nothing: the epoll set may be shared with a parent. */
	} else if (dispatcher_foreign(dsp)) {
		/*
		 * A child that forked in a callback and returned
		 * EVENTCB_REMOVE: the registration is the parent's. The
		 * callers that add or modify have refused already.
		 */
		if (op != EPOLL_CTL_DEL)
			return -ECHILD;
	} else if (epoll_ctl(dsp->epfd, op, slot->fd, &ev) < 0 &&
		   !(op == EPOLL_CTL_DEL && (errno == EBADF || errno == ENOENT))) {
		return -errno;
	}
	/*
	 * The kernel has vetted the number first: the owner table grows only
	 * for a descriptor that is open, and never for a failed add. Without
	 * room for it, the add is taken back.
	 */
	if (op == EPOLL_CTL_ADD && fd_owner_reserve(dsp, slot->fd) < 0) {
		if (!(dsp->state & DSP_FREE_PENDING))
			epoll_ctl(dsp->epfd, EPOLL_CTL_DEL, slot->fd, &ev);
		return -ENOMEM;
	}
	if (op == EPOLL_CTL_DEL) {
		fd_owner_drop(dsp, idx);
		slot_set_in_epoll(dsp, idx, false);
		slot->armed_events = 0;
		return 0;
	}
	if (op == EPOLL_CTL_ADD)
		fd_owner_claim(dsp, idx);
	slot_set_in_epoll(dsp, idx, true);
	slot->armed_events = events | ARMED_ALWAYS;
	/* See the one-shot handling in dispatch_ready(). */
	slot->modified_in = dsp->waits;
	return 0;
}

/*
 * End the registration in slot @idx. The event's own fields are reset only
 * if they still name this registration: an event that was overwritten or
 * added elsewhere meanwhile belongs to someone else now.
 */
void slot_unregister(struct dispatcher *dsp, uint32_t idx)
{
	struct slot *slot = &dsp->slots[idx];
	struct event *evt = slot->evt;

	/*
	 * The running callback has ended its own registration: it may free
	 * the event now, or put a new one at the same address, so its
	 * result must not touch that memory (see finish_event()).
	 */
	if (evt == dsp->running)
		dsp->running = NULL;
	/* Nothing to do about a failed DEL: the event goes all the same. */
	if (slot_in_epoll(slot))
		kernel_update(dsp, idx, EPOLL_CTL_DEL, 0);
	timeout_cancel(dsp, idx);
	addr_index_remove(&dsp->by_addr, dsp->slots, idx);
	if (event_owns_slot(dsp, evt, idx)) {
		evt->priv_.token_ = 0;
		evt->dsp = NULL;
	}
	slot_release(dsp, idx);
}

/*
 * Fields the original minivent never looked at are not checked either:
 * the mask of a timer, and whatever evt->dsp holds (events are often
 * malloc'ed and only partly filled in).
 */
static int check_new_event(const struct event *evt)
{
	if (!evt->callback || (evt->flags & ~TMO_ABS))
		return -EINVAL;
	if (evt->fd < -1)
		return -EBADF;
	return 0;
}

MV_EXPORT int event_add(struct dispatcher *dsp, struct event *evt)
{
	struct addr_probe probe;
	int64_t deadline;
	uint32_t found, idx;
	int r;

	if (!dsp || !evt)
		return -EINVAL;
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	if (dispatcher_closing(dsp))
		return -EBUSY;
	r = check_new_event(evt);
	if (r < 0)
		return r;
	/*
	 * Already registered here, found by address even if the event was
	 * re-initialized meanwhile. It stays registered as it was; give it
	 * back its identity so that event_remove() and friends find it.
	 */
	r = reserve_one_more(dsp);
	if (r < 0)
		return r;
	found = addr_index_find(&dsp->by_addr, dsp->slots, evt, &probe);
	if (found) {
		evt->dsp = dsp;
		evt->priv_.token_ = slot_token(dsp, found - 1);
		return -EEXIST;
	}
	r = timeout_deadline(dsp, &evt->tmo, evt->flags, &deadline);
	if (r < 0)
		return r;

	idx = slot_take(dsp, evt);
	if (evt->fd >= 0) {
		/* Even an empty mask goes to the kernel: EPOLLERR and EPOLLHUP. */
		r = kernel_update(dsp, idx, EPOLL_CTL_ADD, evt->ep.events);
		if (r < 0) {
			slot_release(dsp, idx);
			return r;
		}
	}
	if (deadline != NO_DEADLINE) {
		r = timeout_arm(dsp, idx, deadline, evt->flags);
		if (r < 0) {
			if (slot_in_epoll(&dsp->slots[idx]))
				kernel_update(dsp, idx, EPOLL_CTL_DEL, 0);
			slot_release(dsp, idx);
			return r;
		}
	}
	addr_index_insert_at(&dsp->by_addr, probe, idx);
	evt->ep.data.u64 = slot_token(dsp, idx);
	evt->priv_ = (struct minivent_event_private_){ .token_ = evt->ep.data.u64 };
	evt->dsp = dsp;
	return 0;
}

/*
 * The slot of a registered @evt for event_remove() and friends, or a
 * negative errno: -EINVAL if the event names no dispatcher (never added,
 * or removed), -ECHILD in a forked child, -ENOENT if it names one it is
 * not registered with.
 */
static inline int64_t registered_slot(const struct event *evt)
{
	int64_t idx;

	if (!evt || !evt->dsp)
		return -EINVAL;
	if (dispatcher_foreign(evt->dsp))
		return -ECHILD;
	idx = slot_of(evt->dsp, evt);
	return idx < 0 ? -ENOENT : idx;
}

MV_EXPORT int event_remove(struct event *evt)
{
	int64_t idx = registered_slot(evt);

	if (idx < 0)
		return (int)idx;
	slot_unregister(evt->dsp, (uint32_t)idx);
	return 0;
}

MV_EXPORT int event_modify(struct event *evt)
{
	int64_t idx = registered_slot(evt);
	struct dispatcher *dsp;
	struct slot *slot;
	uint32_t events;

	if (idx < 0)
		return (int)idx;
	dsp = evt->dsp;
	slot = &dsp->slots[idx];
	/* A timer has no mask: whatever ep.events holds is ignored. */
	if (slot->fd < 0)
		return 0;
	events = evt->ep.events;
	if (slot_in_epoll(slot)) {
		if ((events | ARMED_ALWAYS) == slot->armed_events)
			return 0;	/* unchanged: no system call */
		return kernel_update(dsp, (uint32_t)idx, EPOLL_CTL_MOD, events);
	}
	/* Its descriptor was closed and the number reused: try again. */
	return kernel_update(dsp, (uint32_t)idx, EPOLL_CTL_ADD, events);
}
