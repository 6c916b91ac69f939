/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MINIVENT_UNIT_TEST_H
#define MINIVENT_UNIT_TEST_H

/* What every cmocka unit test of minivent includes, in the order cmocka needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <unistd.h>

#include "event.h"
#include "dispatcher-internal.h"
#include "wrap-syscalls.h"

/*
 * A test event: the struct event first (so cleanup_event_on_heap would
 * work), then what the callbacks record and how they should behave.
 */
struct probe {
	struct event evt;
	int calls;
	int timeouts;
	int cleanups;
	uint32_t last_events;
	int result;		/* what the callback returns */
	/* Optional: run before returning, to poke at other events. */
	void (*action)(struct probe *self);
	void *ctx;
	int order;		/* position in the global call order, see probe_log */
	struct timespec fired;	/* CLOCK_MONOTONIC at the last call */
};

/* Global record of which probe was called when (for ordering checks). */
extern struct probe *probe_log[256];
extern int probe_log_len;

int probe_callback(struct event *evt, uint32_t events);
void probe_cleanup(struct event *evt);

/* A probe watching @fd for @events (fd -1: a timer), recording calls. */
void probe_init(struct probe *p, int fd, uint32_t events);

/* Is @t at or after @ref? */
bool ts_not_before(const struct timespec *t, const struct timespec *ref);

/* Create a pipe; abort the test if that fails. */
void make_pipe(int fds[2]);
void write_byte(int fd);

/* Run event_wait() and check it succeeded. */
void wait_once(struct dispatcher *dsp);

/* A dispatcher on CLOCK_MONOTONIC; the test fails if it cannot be made. */
struct dispatcher *monotonic_dispatcher(void);

/* Is the timeout of registered @evt in its dispatcher's heap? (internals) */
static inline bool timeout_armed(const struct event *evt)
{
	return evt->dsp && (uint32_t)evt->priv_.token_ &&
	       heap_has(&evt->dsp->heap, (uint32_t)evt->priv_.token_);
}

static inline struct timespec ms(long msec)
{
	return (struct timespec){ msec / 1000, msec % 1000 * 1000000L };
}

#endif
