/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * minivent-avahi - run avahi-client on a minivent dispatcher
 *
 * Copyright (C) 2026 The minivent authors
 */
#ifndef MINIVENT_AVAHI_POLL_H
#define MINIVENT_AVAHI_POLL_H

/**
 * @file avahi-poll.h
 * @brief An AvahiPoll implementation on top of a minivent dispatcher.
 *
 * Avahi's client library does no I/O of its own: it asks an AvahiPoll
 * "main loop abstraction" for file descriptor watches and timeouts. This
 * adapter provides one whose watches and timeouts are minivent events, so
 * that an AvahiClient runs inside the program's existing event_loop().
 *
 * @code
 * struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
 * struct minivent_avahi_poll *ap = minivent_avahi_poll_new(dsp);
 * AvahiClient *c = avahi_client_new(minivent_avahi_poll_get(ap), 0,
 *                                   client_cb, NULL, &error);
 * event_loop(dsp, NULL, NULL);
 * avahi_client_free(c);
 * minivent_avahi_poll_free(ap);
 * free_dispatcher(dsp);
 * @endcode
 *
 * Lifetimes nest: the dispatcher must outlive the adapter, and the adapter
 * must outlive every Avahi object created on it (free the AvahiClient
 * first). Like the dispatcher, the adapter is not thread-safe.
 *
 * Link with `pkg-config --libs minivent-avahi`.
 */

#include <avahi-common/watch.h>

/* Its own directory first: the minivent event.h, never another one. */
#include "event.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Opaque adapter object; one per dispatcher is enough. */
struct minivent_avahi_poll;

/**
 * @brief Create an AvahiPoll adapter whose watches and timeouts are
 * events of @p dsp.
 *
 * Every watch registers its own duplicate of the watched descriptor
 * (dup(2)), so several watches may share one descriptor. Timeouts, which
 * Avahi gives as gettimeofday(2) times, are converted to delays, so the
 * dispatcher may run on any clock.
 *
 * @param dsp the dispatcher; it must stay alive until the adapter is freed.
 * @return the adapter, or NULL with errno set: EINVAL if @p dsp is NULL,
 *         ENOMEM.
 * @since 1.0
 */
struct minivent_avahi_poll *
minivent_avahi_poll_new(struct minivent_dispatcher *dsp);

/**
 * @brief The AvahiPoll vtable to pass to avahi_client_new() and friends.
 *
 * @param ap the adapter.
 * @return a pointer owned by @p ap and valid until it is freed, or NULL
 *         if @p ap is NULL.
 * @since 1.0
 */
const AvahiPoll *minivent_avahi_poll_get(struct minivent_avahi_poll *ap);

/**
 * @brief Free the adapter and every watch and timeout still open on it.
 *
 * Free the Avahi objects using the adapter first; their watches and
 * timeouts are gone afterwards. May be called from any callback the
 * adapter runs, including a watch or timeout callback: the object whose
 * callback is running is released when that callback returns. NULL is
 * ignored.
 * @since 1.0
 */
void minivent_avahi_poll_free(struct minivent_avahi_poll *ap);

#ifdef __cplusplus
}
#endif

#endif /* MINIVENT_AVAHI_POLL_H */
