/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef MINIVENT_FUZZ_MODEL_H
#define MINIVENT_FUZZ_MODEL_H

/*
 * Reference model of one dispatcher for the model-based fuzzer.
 *
 * The model does not predict the whole sequence of callbacks (the order in
 * which epoll reports ready descriptors belongs to the kernel). It is a
 * validator: it knows which events are registered, which descriptors were
 * ready when the wait started and which timeouts are due, and every
 * callback the library makes is checked against it before the callback
 * acts. Deadlines are either in the past or an hour away, so what is due
 * never depends on how fast the machine is.
 */

#include <stdbool.h>
#include <stdint.h>

#define M_EVENTS 8		/* events in the pool */
#define M_ENDPOINTS 8		/* 4 pipes or socketpairs, both ends */

/*
 * Model deadlines. Past ones are "base - offset" in real nanoseconds (base
 * is the clock at the start). A timeout armed during a timeout pass is
 * pushed by the library to the next wait: the model writes it as
 * M_BUMPED + number of that wait, later than every past deadline and
 * ordered by wait. M_FAR is an hour away: never due while fuzzing.
 */
#define M_BUMPED (INT64_MAX / 4)
#define M_FAR (INT64_MAX / 2)

enum m_phase { PH_IDLE, PH_FD, PH_TIMEOUT };

struct m_event {
	bool reg;		/* registered */
	int ep;			/* endpoint index, -1 for a timer */
	uint32_t karmed;	/* mask the kernel has */
	bool oneshot_off;	/* EPOLLONESHOT fired: the kernel reports nothing */
	bool in_epoll;		/* the fd is in the epoll set */
	bool has_tmo;
	int64_t deadline;
	uint64_t seq;		/* arming order: ties between equal deadlines */
	unsigned int cleanups_expected;
	unsigned int cleanups_seen;

	/* Snapshot taken right before event_wait(). */
	bool pre_ready;
	uint32_t pre_revents;
	bool fd_called;		/* called for readiness in this wait */
	bool disturbed;		/* removed or disabled during this wait */
	bool rearmed;		/* armed again by event_modify() during this wait */
};

struct model {
	struct m_event ev[M_EVENTS];
	bool ep_open[M_ENDPOINTS];
	uint64_t seq;
	unsigned int wait_no;
	enum m_phase phase;
	bool timer_due;		/* timerfd was readable when the wait began */
	int current;		/* event whose callback runs, or -1 */
	/* current was removed, or cleanup_/free_dispatcher() ran its cleanup */
	bool current_cleaned;
};

void model_init(struct model *m);
void model_unregister(struct model *m, int i);
void model_arm(struct model *m, int i, int64_t deadline);
bool model_is_due(const struct model *m, int i);
bool model_any_due(const struct model *m);
/* The due event that must fire next, or -1. */
int model_next_due(const struct model *m);
/* Another registered event that has endpoint @ep in the epoll set? */
bool model_ep_in_epoll(const struct model *m, int ep, int except);

#endif
