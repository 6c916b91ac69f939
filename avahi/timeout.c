/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AvahiTimeout: a one-shot timeout as a minivent timer event (fd -1).
 *
 * Avahi passes absolute times on its own clock, made with
 * avahi_elapse_time(): gettimeofday(2) today, CLOCK_MONOTONIC once
 * avahi/avahi#936 is in (still as struct timeval). The dispatcher may run
 * on any clock. The remaining delay is computed against Avahi's clock,
 * through avahi_age(), when the timeout is set, and armed as a relative
 * timeout; a time already past fires on the next wait. The timer event
 * stays registered while the timeout is disabled (a timeout of {0, 0}
 * means none), so updates never allocate.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/time.h>

#include <avahi-common/timeval.h>

#include "poll-internal.h"

/* Longer delays are clamped; the deadline arithmetic stays far from overflow. */
#define MAX_DELAY_SEC (10L * 365 * 24 * 3600)

void mav_timeval_to_delay(const struct timeval *tv, const struct timeval *now,
			  struct timespec *delay)
{
	int64_t sec, us;

	/*
	 * Clamp the seconds before subtracting and scaling them: a far-future
	 * AvahiTimeout (tv_sec near 1e13) would overflow the microseconds.
	 * now is a real clock reading, so now +- MAX_DELAY_SEC cannot overflow.
	 */
	if ((int64_t)tv->tv_sec > (int64_t)now->tv_sec + MAX_DELAY_SEC) {
		*delay = (struct timespec){ .tv_sec = MAX_DELAY_SEC };
		return;
	}
	if ((int64_t)tv->tv_sec < (int64_t)now->tv_sec - MAX_DELAY_SEC)
		sec = -MAX_DELAY_SEC;
	else
		sec = (int64_t)tv->tv_sec - now->tv_sec;
	/* tv_usec outside 0..999999 shifts it by a few seconds at most. */
	us = sec * 1000000 + ((int64_t)tv->tv_usec - now->tv_usec);
	if (us <= 0) {
		/* Past or now: {0, 0} would cancel, so the smallest delay. */
		*delay = (struct timespec){ .tv_sec = 0, .tv_nsec = 1 };
		return;
	}
	if (us / 1000000 >= MAX_DELAY_SEC) {
		*delay = (struct timespec){ .tv_sec = MAX_DELAY_SEC };
		return;
	}
	delay->tv_sec = (time_t)(us / 1000000);
	delay->tv_nsec = (long)(us % 1000000) * 1000;
}

/*
 * Now on Avahi's clock. avahi_age() of the clock's zero is the time since
 * then, which cannot overflow; avahi_age(tv) itself could, for the
 * far-future times Avahi uses as "never", which mav_timeval_to_delay()
 * clamps instead.
 */
static void avahi_now(struct timeval *now)
{
	AvahiUsec us = avahi_age(&(struct timeval){ 0 });

	now->tv_sec = (time_t)(us / 1000000);
	now->tv_usec = (suseconds_t)(us % 1000000);
}

static void timeout_delay(const struct timeval *tv, struct timespec *delay)
{
	struct timeval now;

	if (!tv) {
		*delay = (struct timespec){ 0 };
		return;
	}
	avahi_now(&now);
	mav_timeval_to_delay(tv, &now, delay);
}

static int timeout_dispatch(struct event *evt, uint32_t events)
{
	AvahiTimeout *t = mav_container_of(evt, AvahiTimeout, obj.ev);

	/* The dispatcher has disarmed the one-shot timeout, as Avahi expects. */
	t->obj.in_callback = true;
	t->callback(t, t->userdata);
	t->obj.in_callback = false;
	return mav_obj_after_callback(&t->obj);
}

AvahiTimeout *mav_timeout_new(const AvahiPoll *api, const struct timeval *tv,
			      AvahiTimeoutCallback callback, void *userdata)
{
	struct minivent_avahi_poll *ap = mav_from_api(api);
	AvahiTimeout *t;
	int r;

	if (!callback) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->callback = callback;
	t->userdata = userdata;
	t->obj.ev = (struct event){ .fd = -1, .callback = timeout_dispatch };
	timeout_delay(tv, &t->obj.ev.tmo);
	r = mav_obj_register(ap, &t->obj);
	if (r < 0) {
		free(t);
		errno = -r;
		return NULL;
	}
	return t;
}

void mav_timeout_update(AvahiTimeout *t, const struct timeval *tv)
{
	struct timespec delay;

	if (!t->obj.ev.dsp)
		return;
	timeout_delay(tv, &delay);
	/*
	 * No error channel in AvahiPoll; the delay is valid by construction,
	 * so only a failing clock_gettime(2)/timerfd_settime(2) could fail.
	 */
	(void)event_mod_timeout(&t->obj.ev, &delay);
}

void mav_timeout_free(AvahiTimeout *t)
{
	mav_obj_release(&t->obj);
}
