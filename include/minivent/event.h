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
 *
 * After fork(2), a child may only call free_dispatcher() on a dispatcher
 * its parent created (the epoll set and the timer are shared): every other
 * function that takes the dispatcher or one of its events fails with
 * -ECHILD there.
 */

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @name Names
 *
 * Every function and the reason_str[] table are exported from
 * libminivent.so under a @c minivent_ prefix (minivent_event_add(), ...),
 * because libevent, and libev's libevent emulation, export the same short
 * names: a program that links minivent and also loads a library built on
 * libevent must get each library's own functions. Each type, constant and
 * initializer macro has a prefixed spelling too (struct minivent_event,
 * #MINIVENT_TMO_ABS, MINIVENT_EVENT_ON_STACK(), ...).
 *
 * Programs written for the original minivent use the short names
 * (event_add(), struct event, #TMO_ABS, ...), and this header keeps them
 * by default. The functions and reason_str are object-like macros for the
 * prefixed names rather than inline wrappers: a macro also serves the
 * data symbol reason_str, gives &event_add the one address of the
 * exported function in every translation unit, and costs nothing at -O0.
 * The constants are enumerators and the function types typedefs, so a
 * debugger knows them by both names. struct event and struct dispatcher
 * are the structure tags themselves; the prefixed tags are macros for
 * them, so either spelling names the same type.
 *
 * A translation unit that also includes libevent's <event.h>, or that
 * uses one of the short names for something else, defines
 * @c MINIVENT_PREFIXED_ONLY before including this header: then only the
 * prefixed names exist, and the structure tags are struct minivent_event
 * and struct minivent_dispatcher. The layout, and so the ABI, is the
 * same either way, and translation units of both kinds link together.
 * @{
 */
#ifndef MINIVENT_PREFIXED_ONLY
#define minivent_event event		 /**< the structure tag, short form */
#define minivent_dispatcher dispatcher	 /**< the structure tag, short form */
#define minivent_timer_event timer_event /**< the structure tag, short form */
#define minivent_event_info event_info	 /**< the structure tag, short form */
#endif
/** @} */

struct minivent_event;

/**
 * @brief Opaque event dispatcher: an epoll instance, a timerfd and the
 * timeout heap. Created by new_dispatcher(), released by free_dispatcher().
 */
struct minivent_dispatcher;

/** @brief Why a callback is being invoked; stored in event::reason. */
enum {
	/** The file descriptor reported one of the requested epoll events. */
	MINIVENT_REASON_EVENT_OCCURED = 0,
	/** The event's timeout expired; the timeout is now disarmed. */
	MINIVENT_REASON_TIMEOUT = 1,
	/** Number of reasons; size of reason_str[]. */
	MINIVENT_MAX_CALLBACK_REASON,
	/** Correctly spelled alias of #REASON_EVENT_OCCURED. */
	MINIVENT_REASON_EVENT_OCCURRED = MINIVENT_REASON_EVENT_OCCURED,
};

/**
 * @brief Human-readable names of the callback reasons, indexed by
 * event::reason ("event occurred", "timeout").
 * @since 1.0
 */
extern const char *const minivent_reason_str[MINIVENT_MAX_CALLBACK_REASON];

/** @brief Values an event callback returns to tell the dispatcher what to do. */
enum {
	/** Keep the event registered. */
	MINIVENT_EVENTCB_CONTINUE = 0,
	/** Unregister the event (as event_remove()); do not call its cleanup. */
	MINIVENT_EVENTCB_REMOVE = 1,
	/** Unregister the event, then call its event::cleanup callback. */
	MINIVENT_EVENTCB_CLEANUP = 2,
};

/** @brief Bits of event::flags that the application may set. */
enum {
	/**
	 * event::tmo (and the argument of event_mod_timeout()) is an absolute
	 * time on the dispatcher's clock instead of a delay from now. On a
	 * CLOCK_REALTIME dispatcher it stays at that wall-clock time when the
	 * clock is set.
	 */
	MINIVENT_TMO_ABS = 1,
};

/**
 * @brief Timeout argument for event_mod_timeout() meaning "as soon as
 * possible": the callback runs in the timeout pass of the next
 * event_wait(), which does not block for it.
 *
 * One nanosecond, relative or (with #TMO_ABS) absolute, since {0, 0}
 * cancels the timeout. Due at once in either case; only the timer slack
 * (dispatcher_set_timer_slack()) may delay it. An expression of type
 * <tt>const struct timespec *</tt>, in C and C++, meant as an argument:
 * event_mod_timeout(evt, TMO_ASAP). (In C it points to a compound
 * literal, which lives until the end of the enclosing block.)
 */
#ifndef __cplusplus
#define MINIVENT_TMO_ASAP (&(const struct timespec){ .tv_sec = 0, .tv_nsec = 1 })
#else
/** @cond INTERNAL */
/* C++ cannot take the address of a compound literal: one constant per unit. */
static inline const struct timespec *minivent_tmo_asap_(void)
{
	struct asap_ {
		static struct timespec make()
		{
			struct timespec ts = timespec();
			ts.tv_nsec = 1;
			return ts;
		}
	};
	static const struct timespec asap = asap_::make();
	return &asap;
}
/** @endcond */
#define MINIVENT_TMO_ASAP (minivent_tmo_asap_())
#endif

/** @brief Values returned by the error handler passed to event_loop(). */
enum {
	/** Ignore the error and keep looping. */
	MINIVENT_ELOOP_CONTINUE = 0,
	/** Stop the loop; event_loop() returns this value. */
	MINIVENT_ELOOP_QUIT = 1,
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
 * dispatcher, including its own. To free its own event it either returns
 * #EVENTCB_CLEANUP (the cleanup callback frees it), or first calls
 * event_remove() on it, directly or through a library it calls, and may
 * then free it at once. Once the event's registration has ended during
 * its callback (by event_remove(), or by a cleanup run by
 * cleanup_dispatcher() or free_dispatcher()), the result is ignored and
 * the library never touches the event again: a new event at its address,
 * even one added by the same callback, is left alone.
 */
typedef int (*minivent_cb_fn)(struct minivent_event *evt, uint32_t events);

/**
 * @brief Cleanup callback: releases what an event owns.
 *
 * Called after the event has been unregistered, when its callback returned
 * #EVENTCB_CLEANUP, and for every registered event by cleanup_dispatcher()
 * and free_dispatcher(). It may close event::fd and free the event.
 */
typedef void (*minivent_cleanup_fn)(struct minivent_event *evt);

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
struct minivent_event_private_ {
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
struct minivent_event {
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
	struct minivent_dispatcher *dsp;
	/**
	 * Timeout given to event_add(), and the last one passed to
	 * event_mod_timeout(): relative, or absolute with #TMO_ABS.
	 * {0, 0} means no timeout.
	 */
	struct timespec tmo;
	/** Called when the event occurs or times out. Mandatory. */
	minivent_cb_fn callback;
	/** Called after the event was unregistered for cleanup; may be NULL. */
	minivent_cleanup_fn cleanup;
	/** Private to the library. */
	struct minivent_event_private_ priv_;
};

/**
 * @brief Create a dispatcher whose timeouts run on clock @p clocksrc.
 *
 * Absolute timeouts (#TMO_ABS) are times on @p clocksrc, and on
 * CLOCK_REALTIME follow the wall clock when it is set. Relative timeouts
 * are elapsed time on every clock, never moved by setting the wall clock;
 * they count the time the system is suspended with CLOCK_BOOTTIME and
 * CLOCK_REALTIME, not with CLOCK_MONOTONIC.
 *
 * @param clocksrc any clock that timerfd_create(2) accepts, such as
 *        CLOCK_MONOTONIC, CLOCK_REALTIME or CLOCK_BOOTTIME.
 * @return a new dispatcher, or NULL with errno set (EINVAL for an
 *         unsupported clock, ENOMEM, EMFILE, ...).
 * @since 1.0
 */
struct minivent_dispatcher *minivent_new_dispatcher(int clocksrc);

/**
 * @brief Release a dispatcher without touching kernel state it may share.
 *
 * Runs the cleanup callback of every registered event, closes the epoll
 * and timer descriptors and frees the memory, but makes no epoll_ctl(2) or
 * timerfd_settime(2) call, not even for a cleanup that re-times another
 * event, so a child process may call it after fork(2) without disturbing
 * the parent's loop. NULL is ignored. Called from a
 * callback, it still runs every cleanup and closes the descriptors at
 * once, so a forked child that never returns to the loop keeps none of
 * them; only the memory is released when the dispatch returns, and
 * event_wait() and event_loop() then return 0.
 * @since 1.0
 */
void minivent_free_dispatcher(struct minivent_dispatcher *dsp);

/**
 * @brief Unregister every event, cancel every timeout, run the cleanups.
 *
 * The dispatcher stays usable. Unlike free_dispatcher() this changes the
 * kernel objects, so do not call it in a child that shares them. The
 * timer is only disarmed once all cleanups have run: a cleanup that
 * re-times another event does not program it.
 * @return 0, -EINVAL if @p dsp is NULL, -EBUSY if cleanup_dispatcher()
 *         or free_dispatcher() is already running cleanups on it, or an
 *         error of timerfd_settime(2) from disarming the timer (the events
 *         are removed all the same); -ECHILD in a forked child.
 * @since 1.0
 */
int minivent_cleanup_dispatcher(struct minivent_dispatcher *dsp);

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
 *         running callback), -ECHILD (in a forked child), -ENOMEM, or an
 *         error of epoll_ctl(2), clock_gettime(2) or timerfd_settime(2).
 * @since 1.0
 */
int minivent_event_add(struct minivent_dispatcher *dsp,
		       struct minivent_event *evt);

/**
 * @brief Unregister @p evt and cancel its timeout; its cleanup is not called.
 *
 * Call it before closing evt->fd: if a dup() of the descriptor keeps the
 * file open, the kernel keeps a registration that was closed first, and
 * event_wait() then reports -ESTALE for it.
 *
 * An event's own callback may remove it, even from inside a library it
 * calls, and free it right away: the library ignores the callback's
 * result then and never touches the event again.
 * @return 0, -EINVAL if @p evt is NULL or not registered (evt->dsp is
 *         NULL: never added, or removed), -ENOENT if evt->dsp names a
 *         dispatcher it is not registered with, -ECHILD in a forked child.
 * @since 1.0
 */
int minivent_event_remove(struct minivent_event *evt);

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
 *         with), -ECHILD (in a forked child), or an error of epoll_ctl(2).
 * @since 1.0
 */
int minivent_event_modify(struct minivent_event *evt);

/**
 * @brief Set, move or cancel the timeout of a registered event.
 *
 * @p tmo is relative to now, or absolute when evt->flags has #TMO_ABS;
 * {0, 0} cancels the timeout, and #TMO_ASAP makes it due at once (what a
 * foreign library means by a timeout of 0). The value is also stored in evt->tmo.
 * Set by a callback of a batch with several ready descriptors, a relative
 * timeout starts from one clock read taken when the batch's callbacks
 * have returned: later than the call by at most the rest of the batch,
 * never earlier (for up to 256 events per batch; beyond that a call reads
 * the clock itself).
 * @return 0, -EINVAL (NULL argument, tv_nsec outside 0..999999999,
 *         negative tv_sec, unknown flags, or not registered: evt->dsp is
 *         NULL), -ENOENT (evt->dsp names a dispatcher it is not registered
 *         with), -ECHILD (in a forked child), or an error of
 *         clock_gettime(2) or timerfd_settime(2).
 * @since 1.0
 */
int minivent_event_mod_timeout(struct minivent_event *evt,
			       const struct timespec *tmo);

/**
 * @brief Arm the next tick of a periodic timeout, without drift.
 *
 * The new deadline is the event's last deadline (the one that just
 * expired, when called from its #REASON_TIMEOUT callback) plus @p period,
 * not now plus @p period: the time the callbacks take does not add up
 * from tick to tick. Ticks that have already passed are skipped, not run
 * in a burst: the deadline is then the first one after now on that grid.
 * An event that has never had a deadline starts the grid now. Like every
 * timeout it never fires early. The period is elapsed time, whatever the
 * dispatcher's clock and #TMO_ABS in evt->flags; @p period is stored in
 * evt->tmo.
 * @return 0, -EINVAL (NULL argument, a period of {0, 0}, tv_nsec outside
 *         0..999999999, negative tv_sec, unknown flags, or not
 *         registered: evt->dsp is NULL), -ENOENT (evt->dsp names a
 *         dispatcher it is not registered with), -ECHILD (in a forked
 *         child), or an error of clock_gettime(2) or timerfd_settime(2).
 * @since 1.0
 */
int minivent_event_mod_timeout_periodic(struct minivent_event *evt,
					const struct timespec *period);

/**
 * @brief Wait once for events, then run the callbacks that are due.
 *
 * One epoll_pwait(2) with @p sigmask in force while blocked (NULL keeps
 * the current mask); then the callbacks of ready descriptors run, then
 * those of expired timeouts, in deadline order.
 * @return 0, -EINVAL (NULL), -EBUSY (called from a callback or cleanup of
 *         the same dispatcher), -EINTR (a signal interrupted the wait),
 *         -ECHILD (in a forked child, also when a callback forked and the
 *         child returned), -ESTALE (after the callbacks: a registration
 *         whose descriptor was closed while registered, and whose file a
 *         dup() keeps open, was reported after its event was removed;
 *         nothing can take it out of the epoll set, so remove before
 *         close), or another error of epoll_pwait(2), clock_gettime(2),
 *         timerfd_settime(2) or (CLOCK_REALTIME: reading the timerfd)
 *         read(2).
 * @since 1.0
 */
int minivent_event_wait(struct minivent_dispatcher *dsp,
			const sigset_t *sigmask);

/**
 * @brief Call event_wait() until an error handler says stop.
 *
 * @param dsp         the dispatcher to run.
 * @param sigmask     signal mask in force while waiting, as for
 *        event_wait(); NULL keeps the current mask.
 * @param err_handler called with each negative error of event_wait();
 *        it returns #ELOOP_CONTINUE to go on, anything else to stop. NULL
 *        stops at the first error.
 * A callback, cleanup or the error handler ends the loop with
 * event_loop_exit(). The error handler runs like a callback: it may
 * change events and free the dispatcher, but not wait on it.
 *
 * @return the value given to event_loop_exit(); else the error (NULL
 *         handler) or the handler's value that stopped the loop; 0 if a
 *         callback freed the dispatcher, or the handler did and returned
 *         #ELOOP_CONTINUE; -EINVAL if
 *         @p dsp is NULL; -EBUSY if called from a callback or cleanup of
 *         the same dispatcher; -ECHILD, without asking the handler, in a
 *         forked child (also one that a callback forked).
 * @since 1.0
 */
int minivent_event_loop(struct minivent_dispatcher *dsp,
			const sigset_t *sigmask, int (*err_handler)(int err));

/**
 * @brief Make event_loop() return @p value once the running round is over.
 *
 * Called from a callback, the rest of the round still runs (the other
 * ready descriptors, the expired timeouts), then event_loop() returns
 * @p value without waiting again; called from the error handler,
 * event_loop() returns @p value instead of what the handler returns. A
 * request made while no event_loop() runs on @p dsp is kept: the next
 * event_loop() returns at once. event_wait() ignores requests; a later
 * request replaces an earlier one. If the dispatcher is freed in the same
 * round, event_loop() still returns @p value.
 * @return 0, -EINVAL if @p dsp is NULL, or -ECHILD in a forked child.
 * @since 1.0
 */
int minivent_event_loop_exit(struct minivent_dispatcher *dsp, int value);

/**
 * @brief The dispatcher's epoll descriptor, for embedding it in another
 * loop: it becomes readable when an event or a timeout is due.
 * @return the descriptor, -EINVAL if @p dsp is NULL, -ECHILD in a forked
 *         child.
 * @since 1.0
 */
int minivent_dispatcher_get_efd(const struct minivent_dispatcher *dsp);

/**
 * @brief The clock passed to new_dispatcher().
 * @return the clock id, -EINVAL if @p dsp is NULL, -ECHILD in a forked
 *         child.
 * @since 1.0
 */
int minivent_dispatcher_get_clocksource(const struct minivent_dispatcher *dsp);

/**
 * @brief Let timeouts fire up to @p slack_ns nanoseconds late so that one
 * wake-up serves several of them.
 *
 * Timeouts never fire early. The timer is programmed to the first deadline
 * rounded up to a multiple of the slack, and each wake-up runs every
 * timeout due by then. The default is 1 ms (1000000); 0 is exact.
 * @return 0, -EINVAL (NULL, or a slack over one hour), or -ECHILD (in a
 *         forked child).
 * @since 1.0
 */
int minivent_dispatcher_set_timer_slack(struct minivent_dispatcher *dsp,
					uint64_t slack_ns);

/**
 * @brief The timer slack set by dispatcher_set_timer_slack(), in
 * nanoseconds.
 * @return 0, -EINVAL if an argument is NULL, or -ECHILD in a forked
 *         child.
 * @since 1.0
 */
int minivent_dispatcher_get_timer_slack(const struct minivent_dispatcher *dsp,
					uint64_t *slack_ns);

/**
 * @brief What dispatcher_for_each_event() reports about one registered
 * event. Filled by the library; it may grow at the end, so never make
 * one yourself.
 */
struct minivent_event_info {
	/** The registered event. */
	struct minivent_event *evt;
	/** Its descriptor as registered, or -1 for a timer. */
	int fd;
	/**
	 * The epoll mask the kernel has for it: 0 for a timer or an empty
	 * mask, EPOLLONESHOT alone for a one-shot descriptor that has fired
	 * and waits for event_modify().
	 */
	uint32_t events;
	/**
	 * When the timeout is due, as an absolute time on the dispatcher's
	 * clock (dispatcher_get_clocksource()); {0, 0} if none is armed.
	 */
	struct timespec deadline;
	/** The callback that would run. */
	minivent_cb_fn callback;
};

/**
 * @brief Function called by dispatcher_for_each_event() for each event.
 * @return 0 to go on; any other value ends the walk and is returned.
 */
typedef int (*minivent_event_visit_fn)(const struct minivent_event_info *info,
				       void *arg);

/**
 * @brief Call @p fn(info, @p arg) for every event registered with @p dsp,
 * for debugging.
 *
 * The order is unspecified. @p fn may add, remove and change events (an
 * event added meanwhile may or may not be visited; a removed one is not)
 * and may call free_dispatcher(), which ends the walk. Nothing is kept up
 * to date for this function, so a program that never calls it pays
 * nothing; a walk costs O(number of registrations ever active at once).
 * @return 0, the first non-zero value of @p fn, -EINVAL (NULL argument),
 *         -EBUSY (free_dispatcher() was called on @p dsp in the running
 *         callback), -ECHILD (in a forked child), or an error of
 *         clock_gettime(2).
 * @since 1.0
 */
int minivent_dispatcher_for_each_event(struct minivent_dispatcher *dsp,
				       minivent_event_visit_fn fn, void *arg);

/**
 * @brief Print the registered events of @p dsp to @p out, one line each
 * (address, descriptor and mask or "timer", deadline and how far away it
 * is, callback), for debugging.
 *
 * The format is meant for people and may change. The library prints
 * nothing unless asked to by this call.
 * @return 0, -EINVAL (NULL argument), -EBUSY, -ECHILD (as for
 *         dispatcher_for_each_event()), -EIO if @p out has its error
 *         indicator set afterwards, or an error of clock_gettime(2).
 * @since 1.0
 */
int minivent_dispatcher_dump_events(struct minivent_dispatcher *dsp,
				    FILE *out);

/**
 * @brief Cleanup callback for an event that does not own its memory:
 * closes evt->fd unless it is -1 (and sets it to -1).
 * @since 1.0
 */
void minivent_cleanup_event_on_stack(struct minivent_event *evt);

/**
 * @brief Cleanup callback for an event allocated with malloc(3): closes
 * evt->fd unless it is -1, then frees @p evt, which must be the start of
 * the allocation.
 * @since 1.0
 */
void minivent_cleanup_event_on_heap(struct minivent_event *evt);

/** @cond INTERNAL */
#define MINIVENT_EVENT_INIT_(cb, cln, f, ev, sec, nsec)			\
	((struct minivent_event){					\
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
#define MINIVENT_EVENT_W_TMO_ON_STACK(cb, f, ev, us)			\
	MINIVENT_EVENT_INIT_(cb, minivent_cleanup_event_on_stack, f, ev,\
			     (us) / 1000000L, (us) % 1000000L * 1000L)

/** @brief Initializer: watch @p f for @p ev, no timeout. */
#define MINIVENT_EVENT_ON_STACK(cb, f, ev)				\
	MINIVENT_EVENT_W_TMO_ON_STACK(cb, f, ev, 0)

/**
 * @brief Initializer: a timer (fd -1) firing after @p us microseconds.
 *
 * One nanosecond is added, so that 0 still fires, on the next wait.
 */
#define MINIVENT_TIMER_EVENT_ON_STACK(cb, us)				\
	MINIVENT_EVENT_INIT_(cb, minivent_cleanup_event_on_stack, -1, 0,\
			     (us) / 1000000L, (us) % 1000000L * 1000L + 1)

/**
 * @brief As EVENT_W_TMO_ON_STACK(), but the cleanup also frees the event
 * (which must start its malloc(3)ed block).
 */
#define MINIVENT_EVENT_W_TMO_ON_HEAP(cb, f, ev, us)			\
	MINIVENT_EVENT_INIT_(cb, minivent_cleanup_event_on_heap, f, ev,	\
			     (us) / 1000000L, (us) % 1000000L * 1000L)

/** @brief As EVENT_ON_STACK(), but the cleanup also frees the event. */
#define MINIVENT_EVENT_ON_HEAP(cb, f, ev)				\
	MINIVENT_EVENT_W_TMO_ON_HEAP(cb, f, ev, 0)

/** @brief As TIMER_EVENT_ON_STACK(), but the cleanup also frees the event. */
#define MINIVENT_TIMER_EVENT_ON_HEAP(cb, us)				\
	MINIVENT_EVENT_INIT_(cb, minivent_cleanup_event_on_heap, -1, 0,	\
			     (us) / 1000000L, (us) % 1000000L * 1000L + 1)

/** @brief Function run once by a single-shot timer (TIMER_ON_STACK()). */
typedef void (*minivent_timer_cb)(void *arg);

/**
 * @brief A single-shot timer that calls timer_fn(timer_arg) once and is
 * then cleaned up. Initialize it with TIMER_ON_STACK() or TIMER_ON_HEAP().
 */
struct minivent_timer_event {
	struct minivent_event e;	/**< the underlying timer event */
	minivent_timer_cb timer_fn;	/**< called when the timer fires */
	void *timer_arg;	/**< argument for @c timer_fn */
};

/**
 * @brief Event callback used by the TIMER_ON_ macros: calls the
 * timer_event's function and returns #EVENTCB_CLEANUP.
 *
 * Not meant to be called directly.
 * @since 1.0
 */
int minivent_timer_trampoline(struct minivent_event *evt, uint32_t events);

/**
 * @brief Initializer for a struct timer_event that runs @p fn(@p arg) once,
 * @p us microseconds after event_add(&t.e).
 */
#define MINIVENT_TIMER_ON_STACK(fn, arg, us)				\
	((struct minivent_timer_event){					\
		.e = MINIVENT_TIMER_EVENT_ON_STACK(			\
			minivent_timer_trampoline, us),			\
		.timer_fn = (fn),					\
		.timer_arg = (arg),					\
	})

/** @brief As TIMER_ON_STACK(), but the timer_event is freed after it ran. */
#define MINIVENT_TIMER_ON_HEAP(fn, arg, us)				\
	((struct minivent_timer_event){					\
		.e = MINIVENT_TIMER_EVENT_ON_HEAP(			\
			minivent_timer_trampoline, us),			\
		.timer_fn = (fn),					\
		.timer_arg = (arg),					\
	})

/**
 * @name The original API's short names
 *
 * Defined unless @c MINIVENT_PREFIXED_ONLY is: see the Names section above.
 * @{
 */
#ifndef MINIVENT_PREFIXED_ONLY
enum {
	REASON_EVENT_OCCURED = MINIVENT_REASON_EVENT_OCCURED,	/**< #MINIVENT_REASON_EVENT_OCCURED */
	REASON_TIMEOUT = MINIVENT_REASON_TIMEOUT,	/**< #MINIVENT_REASON_TIMEOUT */
	REASON_EVENT_OCCURRED = MINIVENT_REASON_EVENT_OCCURRED,	/**< #MINIVENT_REASON_EVENT_OCCURRED */
	EVENTCB_CONTINUE = MINIVENT_EVENTCB_CONTINUE,	/**< #MINIVENT_EVENTCB_CONTINUE */
	EVENTCB_REMOVE = MINIVENT_EVENTCB_REMOVE,	/**< #MINIVENT_EVENTCB_REMOVE */
	EVENTCB_CLEANUP = MINIVENT_EVENTCB_CLEANUP,	/**< #MINIVENT_EVENTCB_CLEANUP */
	TMO_ABS = MINIVENT_TMO_ABS,	/**< #MINIVENT_TMO_ABS */
	ELOOP_CONTINUE = MINIVENT_ELOOP_CONTINUE,	/**< #MINIVENT_ELOOP_CONTINUE */
	ELOOP_QUIT = MINIVENT_ELOOP_QUIT,	/**< #MINIVENT_ELOOP_QUIT */
	__MAX_CALLBACK_REASON = MINIVENT_MAX_CALLBACK_REASON, /**< #MINIVENT_MAX_CALLBACK_REASON */
};

typedef minivent_cb_fn cb_fn;	/**< minivent_cb_fn */
typedef minivent_cleanup_fn cleanup_fn;	/**< minivent_cleanup_fn */
typedef minivent_timer_cb timer_cb;	/**< minivent_timer_cb */
typedef minivent_event_visit_fn event_visit_fn; /**< minivent_event_visit_fn */

#define new_dispatcher minivent_new_dispatcher	/**< minivent_new_dispatcher() */
#define free_dispatcher minivent_free_dispatcher	/**< minivent_free_dispatcher() */
#define cleanup_dispatcher minivent_cleanup_dispatcher	/**< minivent_cleanup_dispatcher() */
#define event_add minivent_event_add	/**< minivent_event_add() */
#define event_remove minivent_event_remove	/**< minivent_event_remove() */
#define event_modify minivent_event_modify	/**< minivent_event_modify() */
#define event_mod_timeout minivent_event_mod_timeout	/**< minivent_event_mod_timeout() */
#define event_mod_timeout_periodic minivent_event_mod_timeout_periodic	/**< minivent_event_mod_timeout_periodic() */
#define event_wait minivent_event_wait	/**< minivent_event_wait() */
#define event_loop minivent_event_loop	/**< minivent_event_loop() */
#define event_loop_exit minivent_event_loop_exit	/**< minivent_event_loop_exit() */
#define dispatcher_for_each_event minivent_dispatcher_for_each_event	/**< minivent_dispatcher_for_each_event() */
#define dispatcher_dump_events minivent_dispatcher_dump_events	/**< minivent_dispatcher_dump_events() */
#define dispatcher_get_efd minivent_dispatcher_get_efd	/**< minivent_dispatcher_get_efd() */
#define dispatcher_get_clocksource minivent_dispatcher_get_clocksource	/**< minivent_dispatcher_get_clocksource() */
#define dispatcher_set_timer_slack minivent_dispatcher_set_timer_slack	/**< minivent_dispatcher_set_timer_slack() */
#define dispatcher_get_timer_slack minivent_dispatcher_get_timer_slack	/**< minivent_dispatcher_get_timer_slack() */
#define cleanup_event_on_stack minivent_cleanup_event_on_stack	/**< minivent_cleanup_event_on_stack() */
#define cleanup_event_on_heap minivent_cleanup_event_on_heap	/**< minivent_cleanup_event_on_heap() */
#define reason_str minivent_reason_str	/**< minivent_reason_str[] */

#define TMO_ASAP MINIVENT_TMO_ASAP	/**< #MINIVENT_TMO_ASAP */
#define EVENT_W_TMO_ON_STACK MINIVENT_EVENT_W_TMO_ON_STACK	/**< MINIVENT_EVENT_W_TMO_ON_STACK() */
#define EVENT_ON_STACK MINIVENT_EVENT_ON_STACK	/**< MINIVENT_EVENT_ON_STACK() */
#define TIMER_EVENT_ON_STACK MINIVENT_TIMER_EVENT_ON_STACK	/**< MINIVENT_TIMER_EVENT_ON_STACK() */
#define EVENT_W_TMO_ON_HEAP MINIVENT_EVENT_W_TMO_ON_HEAP	/**< MINIVENT_EVENT_W_TMO_ON_HEAP() */
#define EVENT_ON_HEAP MINIVENT_EVENT_ON_HEAP	/**< MINIVENT_EVENT_ON_HEAP() */
#define TIMER_EVENT_ON_HEAP MINIVENT_TIMER_EVENT_ON_HEAP	/**< MINIVENT_TIMER_EVENT_ON_HEAP() */
#define TIMER_ON_STACK MINIVENT_TIMER_ON_STACK	/**< MINIVENT_TIMER_ON_STACK() */
#define TIMER_ON_HEAP MINIVENT_TIMER_ON_HEAP	/**< MINIVENT_TIMER_ON_HEAP() */
#endif /* !MINIVENT_PREFIXED_ONLY */
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* MINIVENT_EVENT_H */
