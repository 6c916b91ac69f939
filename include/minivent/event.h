/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * minivent - a compact epoll(7) and timerfd based event and timer library
 *
 * Copyright (C) 2026 The minivent authors
 */
#ifndef MINIVENT_EVENT_H
#define MINIVENT_EVENT_H

/**
 * @file event.h
 * @brief Dispatcher, events with one-shot timeouts, and the event loop.
 *
 * A program creates a dispatcher with new_dispatcher(), registers events
 * with event_add() and runs event_loop() (or calls event_wait() from its
 * own loop). An event watches one file descriptor through epoll(7), has an
 * optional one-shot timeout, or both. A single callback learns from
 * event::reason whether the descriptor became ready or the timeout expired.
 *
 * None of the functions are thread-safe: use a dispatcher from one thread.
 */

#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event;

/**
 * @brief Opaque event dispatcher: an epoll instance, a timerfd and the
 * timeout heap. Created by new_dispatcher(), released by free_dispatcher().
 */
struct dispatcher;

/** @brief Why a callback is being invoked; stored in event::reason. */
enum {
	/** The file descriptor reported one of the requested epoll events. */
	REASON_EVENT_OCCURED = 0,
	/** The event's timeout expired; the timeout is now disarmed. */
	REASON_TIMEOUT = 1,
	/** Number of reasons; size of reason_str[]. */
	__MAX_CALLBACK_REASON,
	/** Correctly spelled alias of #REASON_EVENT_OCCURED. */
	REASON_EVENT_OCCURRED = REASON_EVENT_OCCURED,
};

/**
 * @brief Human-readable names of the callback reasons, indexed by
 * event::reason ("event occurred", "timeout").
 * @since 1.0
 */
extern const char *const reason_str[__MAX_CALLBACK_REASON];

/** @brief Values an event callback returns to tell the dispatcher what to do. */
enum {
	/** Keep the event registered. */
	EVENTCB_CONTINUE = 0,
	/** Unregister the event (as event_remove()); do not call its cleanup. */
	EVENTCB_REMOVE = 1,
	/** Unregister the event, then call its event::cleanup callback. */
	EVENTCB_CLEANUP = 2,
};

/** @brief Bits of event::flags that the application may set. */
enum {
	/**
	 * event::tmo (and the argument of event_mod_timeout()) is an absolute
	 * time on the dispatcher's clock instead of a delay from now.
	 */
	TMO_ABS = 1,
};

/** @brief Values returned by the error handler passed to event_loop(). */
enum {
	/** Ignore the error and keep looping. */
	ELOOP_CONTINUE = 0,
	/** Stop the loop; event_loop() returns this value. */
	ELOOP_QUIT = 1,
};

/**
 * @brief Event callback, called when the event's descriptor is ready or its
 * timeout expired.
 *
 * @param evt    the registered event; evt->reason says why it is called.
 * @param events the epoll event bits that were reported (0 for a timeout).
 * @return #EVENTCB_CONTINUE, #EVENTCB_REMOVE or #EVENTCB_CLEANUP. Any
 *         other value is treated as #EVENTCB_CONTINUE.
 *
 * The callback may add, remove, modify or re-time any event of the
 * dispatcher, including its own, but must not free its own event: return
 * #EVENTCB_CLEANUP and free it in the cleanup callback instead. If the
 * library ran the event's cleanup during the callback (through
 * cleanup_dispatcher() or free_dispatcher()), the result is ignored: the
 * event may be gone, and a new event at its address is left alone.
 */
typedef int (*cb_fn)(struct event *evt, uint32_t events);

/**
 * @brief Cleanup callback: releases what an event owns.
 *
 * Called after the event has been unregistered, when its callback returned
 * #EVENTCB_CLEANUP, and for every registered event by cleanup_dispatcher()
 * and free_dispatcher(). It may close event::fd and free the event.
 */
typedef void (*cleanup_fn)(struct event *evt);

/**
 * @brief Library-private bookkeeping inside struct event.
 *
 * Never read or write these fields. The dispatcher keeps its own record of
 * every registration in memory it owns; the event only remembers where that
 * record is, so that event_remove(), event_modify() and event_mod_timeout()
 * find it in constant time. Overwriting a registered event therefore cannot
 * corrupt the dispatcher. The size is fixed so that struct event keeps its
 * size when the library grows.
 */
struct event_private_ {
	/** Index and generation of the dispatcher's record, 0 if none. */
	uint64_t token_;
	uint32_t reserved_[2];	/**< room for growth; keep zero */
};

/**
 * @brief An event: a file descriptor to watch, an optional one-shot
 * timeout, and the callbacks.
 *
 * Applications embed it in their own structures (use the EVENT_ and
 * TIMER_ initializer macros) and pass it to event_add(). Its size and the
 * offsets of the public fields are part of the ABI.
 */
struct event {
	/**
	 * Set ep.events to the epoll(7) events to wait for (EPOLLIN, ...).
	 * With 0 the descriptor stays in the epoll set with an empty mask:
	 * EPOLLERR and EPOLLHUP, which epoll always reports, still reach the
	 * callback. Ignored for a timer. ep.data belongs to the library.
	 */
	struct epoll_event ep;
	/** The file descriptor to watch, or -1 for a pure timer. */
	int fd;
	/** Why the callback runs: #REASON_EVENT_OCCURED or #REASON_TIMEOUT. */
	unsigned short reason;
	/** #TMO_ABS or 0. Other bits are reserved and rejected. */
	unsigned short flags;
	/** The dispatcher the event is registered with, NULL when it is not. */
	struct dispatcher *dsp;
	/**
	 * Timeout given to event_add(), and the last one passed to
	 * event_mod_timeout(): relative, or absolute with #TMO_ABS.
	 * {0, 0} means no timeout.
	 */
	struct timespec tmo;
	/** Called when the event occurs or times out. Mandatory. */
	cb_fn callback;
	/** Called after the event was unregistered for cleanup; may be NULL. */
	cleanup_fn cleanup;
	/** Private to the library. */
	struct event_private_ priv_;
};

/**
 * @brief Create a dispatcher whose timeouts run on clock @p clocksrc.
 *
 * @param clocksrc any clock that timerfd_create(2) accepts, such as
 *        CLOCK_MONOTONIC, CLOCK_REALTIME or CLOCK_BOOTTIME.
 * @return a new dispatcher, or NULL with errno set (EINVAL for an
 *         unsupported clock, ENOMEM, EMFILE, ...).
 * @since 1.0
 */
struct dispatcher *new_dispatcher(int clocksrc);

/**
 * @brief Release a dispatcher without touching kernel state it may share.
 *
 * Runs the cleanup callback of every registered event, closes the epoll
 * and timer descriptors and frees the memory, but makes no epoll_ctl(2) or
 * timerfd_settime(2) call, so a child process may call it after fork(2)
 * without disturbing the parent's loop. NULL is ignored. Called from a
 * callback, it still runs every cleanup and closes the descriptors at
 * once, so a forked child that never returns to the loop keeps none of
 * them; only the memory is released when the dispatch returns, and
 * event_wait() and event_loop() then return 0.
 * @since 1.0
 */
void free_dispatcher(struct dispatcher *dsp);

/**
 * @brief Unregister every event, cancel every timeout, run the cleanups.
 *
 * The dispatcher stays usable. Unlike free_dispatcher() this changes the
 * kernel objects, so do not call it in a child that shares them.
 * @return 0, -EINVAL if @p dsp is NULL, -EBUSY if cleanup_dispatcher()
 *         or free_dispatcher() is already running cleanups on it, or an
 *         error of timerfd_settime(2) from disarming the timer (the events
 *         are removed all the same).
 * @since 1.0
 */
int cleanup_dispatcher(struct dispatcher *dsp);

/**
 * @brief Register @p evt with @p dsp.
 *
 * Watches evt->fd for evt->ep.events (unless fd is -1; a timer's
 * ep.events is ignored) and arms evt->tmo unless it is {0, 0}. What
 * evt->dsp and the private part hold beforehand is ignored, so events may
 * be malloc'ed and only partly filled in. An event still registered with
 * @p dsp is found by address, even if it was re-initialized meanwhile: it
 * stays registered as it was, gets its evt->dsp back, and -EEXIST is
 * returned.
 * @return 0 or a negative errno: -EINVAL (NULL argument, no callback,
 *         bad tmo or flags), -EBADF (bad fd), -EEXIST (already registered
 *         with @p dsp, or fd already watched by this dispatcher), -EBUSY
 *         (cleanup_dispatcher() or free_dispatcher() is running cleanups
 *         on @p dsp, or free_dispatcher() was called on it earlier in the
 *         running callback), -ENOMEM, or an error of epoll_ctl(2),
 *         clock_gettime(2) or timerfd_settime(2).
 * @since 1.0
 */
int event_add(struct dispatcher *dsp, struct event *evt);

/**
 * @brief Unregister @p evt and cancel its timeout; its cleanup is not called.
 * @return 0, -EINVAL if @p evt is NULL or not registered (evt->dsp is
 *         NULL: never added, or removed), -ENOENT if evt->dsp names a
 *         dispatcher it is not registered with.
 * @since 1.0
 */
int event_remove(struct event *evt);

/**
 * @brief Apply a changed evt->ep.events to the kernel.
 *
 * 0 keeps the descriptor in the epoll set with an empty mask, so only
 * EPOLLERR and EPOLLHUP arrive (use event_remove() to stop hearing it);
 * the timeout stays. A timer's mask is ignored. No system call is made
 * when the mask did not change (EPOLLERR and EPOLLHUP, which epoll
 * reports anyway, do not count). A callback later in the same batch
 * receives only the events the new mask asks for (plus EPOLLERR and
 * EPOLLHUP), and is not called if none is left.
 * @return 0, -EINVAL (NULL, or not registered: evt->dsp is NULL),
 *         -ENOENT (evt->dsp names a dispatcher it is not registered
 *         with), or an error of epoll_ctl(2).
 * @since 1.0
 */
int event_modify(struct event *evt);

/**
 * @brief Set, move or cancel the timeout of a registered event.
 *
 * @p tmo is relative to now, or absolute when evt->flags has #TMO_ABS;
 * {0, 0} cancels the timeout. The value is also stored in evt->tmo.
 * Set by a callback of a batch with several ready descriptors, a relative
 * timeout starts from one clock read taken when the batch's callbacks
 * have returned: later than the call by at most the rest of the batch,
 * never earlier (for up to 256 events per batch; beyond that a call reads
 * the clock itself).
 * @return 0, -EINVAL (NULL argument, tv_nsec outside 0..999999999,
 *         negative tv_sec, unknown flags, or not registered: evt->dsp is
 *         NULL), -ENOENT (evt->dsp names a dispatcher it is not registered
 *         with), or an error of clock_gettime(2) or timerfd_settime(2).
 * @since 1.0
 */
int event_mod_timeout(struct event *evt, const struct timespec *tmo);

/**
 * @brief Wait once for events, then run the callbacks that are due.
 *
 * One epoll_pwait(2) with @p sigmask in force while blocked (NULL keeps
 * the current mask); then the callbacks of ready descriptors run, then
 * those of expired timeouts, in deadline order.
 * @return 0, -EINVAL (NULL), -EBUSY (called from a callback or cleanup of
 *         the same dispatcher), -EINTR (a signal interrupted the wait), or
 *         another error of epoll_pwait(2), clock_gettime(2) or
 *         timerfd_settime(2).
 * @since 1.0
 */
int event_wait(struct dispatcher *dsp, const sigset_t *sigmask);

/**
 * @brief Call event_wait() until an error handler says stop.
 *
 * @param dsp         the dispatcher to run.
 * @param sigmask     signal mask in force while waiting, as for
 *        event_wait(); NULL keeps the current mask.
 * @param err_handler called with each negative error of event_wait();
 *        it returns #ELOOP_CONTINUE to go on, anything else to stop. NULL
 *        stops at the first error.
 * @return the error (NULL handler) or the handler's value that stopped
 *         the loop; 0 if a callback freed the dispatcher; -EINVAL if
 *         @p dsp is NULL; -EBUSY if called from a callback or cleanup of
 *         the same dispatcher.
 * @since 1.0
 */
int event_loop(struct dispatcher *dsp, const sigset_t *sigmask,
	       int (*err_handler)(int err));

/**
 * @brief The dispatcher's epoll descriptor, for embedding it in another
 * loop: it becomes readable when an event or a timeout is due.
 * @return the descriptor, or -EINVAL if @p dsp is NULL.
 * @since 1.0
 */
int dispatcher_get_efd(const struct dispatcher *dsp);

/**
 * @brief The clock passed to new_dispatcher().
 * @return the clock id, or -EINVAL if @p dsp is NULL.
 * @since 1.0
 */
int dispatcher_get_clocksource(const struct dispatcher *dsp);

/**
 * @brief Let timeouts fire up to @p slack_ns nanoseconds late so that one
 * wake-up serves several of them.
 *
 * Timeouts never fire early. The timer is programmed to the first deadline
 * rounded up to a multiple of the slack, and each wake-up runs every
 * timeout due by then. The default is 4 ms (4000000); 0 is exact.
 * @return 0, or -EINVAL (NULL, or a slack over one hour).
 * @since 1.0
 */
int dispatcher_set_timer_slack(struct dispatcher *dsp, uint64_t slack_ns);

/**
 * @brief The timer slack set by dispatcher_set_timer_slack(), in
 * nanoseconds.
 * @return 0, or -EINVAL if an argument is NULL.
 * @since 1.0
 */
int dispatcher_get_timer_slack(const struct dispatcher *dsp,
			       uint64_t *slack_ns);

/**
 * @brief Cleanup callback for an event that does not own its memory:
 * closes evt->fd unless it is -1 (and sets it to -1).
 * @since 1.0
 */
void cleanup_event_on_stack(struct event *evt);

/**
 * @brief Cleanup callback for an event allocated with malloc(3): closes
 * evt->fd unless it is -1, then frees @p evt, which must be the start of
 * the allocation.
 * @since 1.0
 */
void cleanup_event_on_heap(struct event *evt);

/** @cond INTERNAL */
#define MINIVENT_EVENT_INIT_(cb, cln, f, ev, sec, nsec)		\
	((struct event){						\
		.ep = { .events = (ev) },				\
		.fd = (f),						\
		.tmo = { .tv_sec = (sec), .tv_nsec = (nsec) },		\
		.callback = (cb),					\
		.cleanup = (cln),					\
	})
/** @endcond */

/**
 * @brief Initializer: watch @p f for @p ev with a timeout of @p us
 * microseconds (0: none); the cleanup closes the fd.
 */
#define EVENT_W_TMO_ON_STACK(cb, f, ev, us)				\
	MINIVENT_EVENT_INIT_(cb, cleanup_event_on_stack, f, ev,		\
			     (us) / 1000000L, (us) % 1000000L * 1000L)

/** @brief Initializer: watch @p f for @p ev, no timeout. */
#define EVENT_ON_STACK(cb, f, ev) EVENT_W_TMO_ON_STACK(cb, f, ev, 0)

/**
 * @brief Initializer: a timer (fd -1) firing after @p us microseconds.
 *
 * One nanosecond is added, so that 0 still fires, on the next wait.
 */
#define TIMER_EVENT_ON_STACK(cb, us)					\
	MINIVENT_EVENT_INIT_(cb, cleanup_event_on_stack, -1, 0,		\
			     (us) / 1000000L, (us) % 1000000L * 1000L + 1)

/**
 * @brief As EVENT_W_TMO_ON_STACK(), but the cleanup also frees the event
 * (which must start its malloc(3)ed block).
 */
#define EVENT_W_TMO_ON_HEAP(cb, f, ev, us)				\
	MINIVENT_EVENT_INIT_(cb, cleanup_event_on_heap, f, ev,		\
			     (us) / 1000000L, (us) % 1000000L * 1000L)

/** @brief As EVENT_ON_STACK(), but the cleanup also frees the event. */
#define EVENT_ON_HEAP(cb, f, ev) EVENT_W_TMO_ON_HEAP(cb, f, ev, 0)

/** @brief As TIMER_EVENT_ON_STACK(), but the cleanup also frees the event. */
#define TIMER_EVENT_ON_HEAP(cb, us)					\
	MINIVENT_EVENT_INIT_(cb, cleanup_event_on_heap, -1, 0,		\
			     (us) / 1000000L, (us) % 1000000L * 1000L + 1)

/** @brief Function run once by a single-shot timer (TIMER_ON_STACK()). */
typedef void (*timer_cb)(void *arg);

/**
 * @brief A single-shot timer that calls timer_fn(timer_arg) once and is
 * then cleaned up. Initialize it with TIMER_ON_STACK() or TIMER_ON_HEAP().
 */
struct timer_event {
	struct event e;		/**< the underlying timer event */
	timer_cb timer_fn;	/**< function to call when the timer fires */
	void *timer_arg;	/**< argument for @c timer_fn */
};

/**
 * @brief Event callback used by the TIMER_ON_ macros: calls the
 * timer_event's function and returns #EVENTCB_CLEANUP.
 *
 * Not meant to be called directly.
 * @since 1.0
 */
int minivent_timer_trampoline(struct event *evt, uint32_t events);

/**
 * @brief Initializer for a struct timer_event that runs @p fn(@p arg) once,
 * @p us microseconds after event_add(&t.e).
 */
#define TIMER_ON_STACK(fn, arg, us)					\
	((struct timer_event){						\
		.e = TIMER_EVENT_ON_STACK(minivent_timer_trampoline, us),\
		.timer_fn = (fn),					\
		.timer_arg = (arg),					\
	})

/** @brief As TIMER_ON_STACK(), but the timer_event is freed after it ran. */
#define TIMER_ON_HEAP(fn, arg, us)					\
	((struct timer_event){						\
		.e = TIMER_EVENT_ON_HEAP(minivent_timer_trampoline, us),	\
		.timer_fn = (fn),					\
		.timer_arg = (arg),					\
	})

#ifdef __cplusplus
}
#endif

#endif /* MINIVENT_EVENT_H */
