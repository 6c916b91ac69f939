/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatcher object: creation, cleanup, release and its accessors.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "dispatcher-internal.h"
#include "export.h"
#include "time-internal.h"

/* Room for this many events before the first reallocation. */
#define INITIAL_SLOTS 32

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

/*
 * Set up the fork detection of dispatcher_foreign(): a page that a forked
 * child sees zeroed, or, where the kernel cannot do that (before Linux
 * 4.14), nothing but the pid. Neither failure is fatal.
 */
static void fork_guard_init(struct dispatcher *dsp)
{
	long size = sysconf(_SC_PAGESIZE);
	uint32_t *page;

	dsp->pid = getpid();
	dsp->alive = &dsp->alive_unknown;
	if (size <= 0)
		return;
	page = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return;
#ifdef MADV_WIPEONFORK
	if (madvise(page, (size_t)size, MADV_WIPEONFORK) == 0) {
		*page = 1;
		dsp->alive = page;
		dsp->alive_size = (size_t)size;
		return;
	}
#endif
	munmap(page, (size_t)size);
}

/*
 * *alive was 0: a child, if the page was wiped; with no page, ask the
 * kernel. While free_dispatcher() runs the cleanups, the calls they make
 * touch no kernel state (see kernel_update() and DSP_TIMER_LATER) and
 * must work, or an event removed by another's cleanup would be cleaned
 * up after its memory was freed.
 */
bool dispatcher_forked_slow(const struct dispatcher *dsp)
{
	if (dsp->state & DSP_FREE_PENDING)
		return false;
	return dsp->alive_size || getpid() != dsp->pid;
}

static int dispatcher_init(struct dispatcher *dsp, int clocksrc)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TIMER_TOKEN };
	int64_t now;

	dsp->timerfd = timerfd_create(clocksrc, TFD_NONBLOCK | TFD_CLOEXEC);
	if (dsp->timerfd < 0)
		return -errno;
	/* Deadlines are computed with clock_gettime(): it must know the clock. */
	now = clock_now_ns(clocksrc);
	if (now < 0)
		return (int)now;
	dsp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (dsp->epfd < 0)
		return -errno;
	if (epoll_ctl(dsp->epfd, EPOLL_CTL_ADD, dsp->timerfd, &ev) < 0)
		return -errno;
	dsp->slots = calloc(INITIAL_SLOTS, sizeof(*dsp->slots));
	if (!dsp->slots)
		return -ENOMEM;
	dsp->slots_capacity = INITIAL_SLOTS;
	dsp->slots_used = FIRST_SLOT;
	if (addr_index_reserve(&dsp->by_addr, INITIAL_SLOTS) < 0)
		return -ENOMEM;
	if (heap_reserve(&dsp->heap, INITIAL_SLOTS) < 0)
		return -ENOMEM;
	return timeout_init_clock(dsp);
}

/* The dispatcher's own descriptors; no kernel object is changed. */
static void close_own_fds(struct dispatcher *dsp)
{
	close_fd(dsp->epfd);
	close_fd(dsp->timerfd);
	dsp->epfd = -1;
	dsp->timerfd = -1;
}

static void dispatcher_destroy(struct dispatcher *dsp)
{
	close_own_fds(dsp);
	heap_release(&dsp->heap);
	addr_index_release(&dsp->by_addr);
	free(dsp->slots);
	free(dsp->fd_owner);
	if (dsp->alive_size)
		munmap((void *)dsp->alive, dsp->alive_size);
	free(dsp);
}

MV_EXPORT struct dispatcher *new_dispatcher(int clocksrc)
{
	struct dispatcher *dsp = calloc(1, sizeof(*dsp));
	int r;

	if (!dsp) {
		errno = ENOMEM;
		return NULL;
	}
	dsp->epfd = -1;
	dsp->timerfd = -1;
	dsp->clock = clocksrc;
	dsp->armed = NO_DEADLINE;
	fork_guard_init(dsp);
	dsp->slack_ns = DEFAULT_TIMER_SLACK_NS;
	r = dispatcher_init(dsp, clocksrc);
	if (r < 0) {
		dispatcher_destroy(dsp);
		errno = -r;
		return NULL;
	}
	return dsp;
}

/*
 * Unregister every event and run its cleanup. Cleanups may remove other
 * events (they are then skipped) but cannot add any: event_add() refuses
 * while DSP_CLEANING is set, so the walk ends. After free_dispatcher()
 * the kernel objects are left alone (see kernel_update()).
 */
static void run_cleanups(struct dispatcher *dsp)
{
	dsp->state |= DSP_CLEANING;
	for (uint32_t i = 0; i < dsp->slots_used; i++) {
		struct event *evt = dsp->slots[i].evt;
		bool owned;

		if (!evt)
			continue;
		/* Added elsewhere while registered here: not ours to clean up. */
		owned = claim_event(dsp, evt, i);
		/*
		 * Tell the dispatch of a running callback that its event may
		 * be freed now: whatever is at that address when the callback
		 * returns may be a new event, and the result must be ignored.
		 */
		if (evt == dsp->running)
			dsp->running = NULL;
		slot_unregister(dsp, i);
		if (owned && evt->cleanup)
			evt->cleanup(evt);
	}
	dsp->state &= ~DSP_CLEANING;
}

bool dispatcher_release_if_pending(struct dispatcher *dsp)
{
	if (!(dsp->state & DSP_FREE_PENDING) ||
	    (dsp->state & (DSP_IN_WAIT | DSP_CLEANING | DSP_LISTING)))
		return false;
	dispatcher_destroy(dsp);
	return true;
}

/*
 * Everything a child after fork(2) must not keep happens at once, even
 * inside a callback that never returns: every cleanup runs and the
 * dispatcher's own descriptors are closed. Only the memory waits until
 * the callbacks and cleanups running now have returned.
 */
MV_EXPORT void free_dispatcher(struct dispatcher *dsp)
{
	if (!dsp || (dsp->state & DSP_FREE_PENDING))
		return;
	dsp->state |= DSP_FREE_PENDING;
	/* No more reports of the running batch, if any. */
	dsp->batch_end = dsp->batch;
	/* From a cleanup of cleanup_dispatcher(): its walk finishes the job. */
	if (!(dsp->state & DSP_CLEANING))
		run_cleanups(dsp);
	close_own_fds(dsp);
	dispatcher_release_if_pending(dsp);
}

MV_EXPORT int cleanup_dispatcher(struct dispatcher *dsp)
{
	if (!dsp)
		return -EINVAL;
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	if (dispatcher_closing(dsp))
		return -EBUSY;
	run_cleanups(dsp);
	/*
	 * A cleanup callback may have freed the dispatcher: its descriptors
	 * are closed then, and the memory may be gone already. No kernel
	 * calls.
	 */
	if (dsp->state & DSP_FREE_PENDING) {
		dispatcher_release_if_pending(dsp);
		return 0;
	}
	return timeout_disarm_timer(dsp);
}

MV_EXPORT int dispatcher_get_efd(const struct dispatcher *dsp)
{
	if (!dsp)
		return -EINVAL;
	return dispatcher_foreign(dsp) ? -ECHILD : dsp->epfd;
}

MV_EXPORT int dispatcher_get_clocksource(const struct dispatcher *dsp)
{
	if (!dsp)
		return -EINVAL;
	return dispatcher_foreign(dsp) ? -ECHILD : dsp->clock;
}

MV_EXPORT int dispatcher_set_timer_slack(struct dispatcher *dsp,
					 uint64_t slack_ns)
{
	if (!dsp || slack_ns > (uint64_t)MAX_TIMER_SLACK_NS)
		return -EINVAL;
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	dsp->slack_ns = (int64_t)slack_ns;
	return 0;
}

MV_EXPORT int dispatcher_get_timer_slack(const struct dispatcher *dsp,
					 uint64_t *slack_ns)
{
	if (!dsp || !slack_ns)
		return -EINVAL;
	if (dispatcher_foreign(dsp))
		return -ECHILD;
	*slack_ns = (uint64_t)dsp->slack_ns;
	return 0;
}
