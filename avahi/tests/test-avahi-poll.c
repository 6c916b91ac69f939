/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the AvahiPoll adapter against the contract of
 * avahi-common/watch.h, with pipes and timers only (no daemon).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <avahi-common/timeval.h>
#include <minivent/avahi-poll.h>
#include "event.h"
#include "poll-internal.h"

struct fixture {
	struct dispatcher *dsp;
	struct minivent_avahi_poll *ap;
	const AvahiPoll *api;
	int rd, wr;			/* a pipe */
};

/* What a watch callback saw. */
struct wstate {
	struct fixture *f;
	int calls;
	int fd;
	AvahiWatchEvent event;
	AvahiWatchEvent got_inside;	/* watch_get_events() in the callback */
	/* actions taken in the callback */
	bool free_self, free_adapter, disable_self, cleanup_dsp;
	AvahiWatch *free_other;
};

/* A timeout callback's record; order[] is shared by several timeouts. */
struct tstate {
	struct fixture *f;
	int id;
	int calls;
	int *order, *norder;
	int rearm;			/* re-arm itself this many times */
	bool free_self, free_adapter;
};

static int setup_clock(void **state, int clock)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int p[2];

	assert_non_null(f);
	f->dsp = new_dispatcher(clock);
	assert_non_null(f->dsp);
	f->ap = minivent_avahi_poll_new(f->dsp);
	assert_non_null(f->ap);
	f->api = minivent_avahi_poll_get(f->ap);
	assert_non_null(f->api);
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	f->rd = p[0];
	f->wr = p[1];
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_clock(state, CLOCK_MONOTONIC);
}

static int setup_realtime(void **state)
{
	return setup_clock(state, CLOCK_REALTIME);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	minivent_avahi_poll_free(f->ap);
	free_dispatcher(f->dsp);
	if (f->rd >= 0)
		close(f->rd);
	if (f->wr >= 0)
		close(f->wr);
	free(f);
	return 0;
}

static void watch_cb(AvahiWatch *w, int fd, AvahiWatchEvent event, void *userdata)
{
	struct wstate *s = userdata;
	struct fixture *f = s->f;

	s->calls++;
	s->fd = fd;
	s->event = event;
	s->got_inside = f->api->watch_get_events(w);
	if (s->disable_self)
		f->api->watch_update(w, 0);
	if (s->free_other) {
		f->api->watch_free(s->free_other);
		s->free_other = NULL;
	}
	if (s->free_self)
		f->api->watch_free(w);
	if (s->free_adapter) {
		minivent_avahi_poll_free(f->ap);
		f->ap = NULL;
	}
	if (s->cleanup_dsp)
		assert_int_equal(cleanup_dispatcher(f->dsp), 0);
}

static void timeout_cb(AvahiTimeout *t, void *userdata)
{
	struct tstate *s = userdata;
	struct fixture *f = s->f;

	s->calls++;
	if (s->order)
		s->order[(*s->norder)++] = s->id;
	if (s->rearm > 0) {
		struct timeval tv;

		s->rearm--;
		gettimeofday(&tv, NULL);
		f->api->timeout_update(t, &tv);
	}
	if (s->free_self)
		f->api->timeout_free(t);
	if (s->free_adapter) {
		minivent_avahi_poll_free(f->ap);
		f->ap = NULL;
	}
}

static struct timeval in_ms(long ms)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	tv.tv_sec += ms / 1000;
	tv.tv_usec += ms % 1000 * 1000;
	if (tv.tv_usec >= 1000000) {
		tv.tv_sec++;
		tv.tv_usec -= 1000000;
	}
	return tv;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Avahi's clock, as the adapter sees it: these take the place of
 * libavahi-common's avahi_age() and avahi_elapse_time(). They read
 * CLOCK_REALTIME, as Avahi does today, unless a test switches them to
 * CLOCK_MONOTONIC, as avahi/avahi#936 would. (No jitter: not needed.)
 */
static clockid_t avahi_clock = CLOCK_REALTIME;

static int64_t avahi_clock_us(void)
{
	struct timespec ts;

	clock_gettime(avahi_clock, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

AvahiUsec avahi_age(const struct timeval *a)
{
	return avahi_clock_us() - ((int64_t)a->tv_sec * 1000000 + a->tv_usec);
}

struct timeval *avahi_elapse_time(struct timeval *tv, unsigned ms, unsigned j)
{
	int64_t us = avahi_clock_us() + (int64_t)ms * 1000;

	(void)j;
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
	return tv;
}

/* Run event_wait() until *flag is nonzero; fail after 2 s. */
static void wait_for(struct fixture *f, const int *flag)
{
	int64_t end = mono_ms() + 2000;

	while (!*flag) {
		assert_true(mono_ms() < end);
		assert_int_equal(event_wait(f->dsp, NULL), 0);
	}
}

/* A guard timeout: when it has fired, anything due earlier has run. */
static void settle(struct fixture *f, long ms)
{
	struct tstate g = { .f = f };
	struct timeval tv = in_ms(ms);
	AvahiTimeout *t = f->api->timeout_new(f->api, &tv, timeout_cb, &g);

	assert_non_null(t);
	wait_for(f, &g.calls);
	f->api->timeout_free(t);
}

static int *guard_flag;

static int guard_cb(struct event *evt, uint32_t events)
{
	*guard_flag = 1;
	return EVENTCB_REMOVE;
}

static void test_bad_args(void **state)
{
	(void)state;
	errno = 0;
	assert_null(minivent_avahi_poll_new(NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(minivent_avahi_poll_get(NULL));
	minivent_avahi_poll_free(NULL);
}

static void test_bad_watch(void **state)
{
	struct fixture *f = *state;
	struct wstate s = { .f = f };

	assert_null(f->api->watch_new(f->api, -1, AVAHI_WATCH_IN, watch_cb, &s));
	assert_int_equal(errno, EINVAL);
	assert_null(f->api->watch_new(f->api, 1000, AVAHI_WATCH_IN, watch_cb, &s));
	assert_int_equal(errno, EBADF);
	assert_null(f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, NULL, &s));
	assert_null(f->api->timeout_new(f->api, NULL, NULL, &s));
}

static void test_watch_in(void **state)
{
	struct fixture *f = *state;
	struct wstate s = { .f = f };
	AvahiWatch *w = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &s);

	assert_non_null(w);
	assert_int_equal(f->api->watch_get_events(w), 0);
	assert_int_equal(write(f->wr, "x", 1), 1);
	wait_for(f, &s.calls);
	assert_int_equal(s.fd, f->rd);		/* the caller's fd, not the dup */
	assert_int_equal(s.event, AVAHI_WATCH_IN);
	assert_int_equal(s.got_inside, AVAHI_WATCH_IN);
	assert_int_equal(f->api->watch_get_events(w), 0);
	f->api->watch_free(w);
}

static void test_watch_out(void **state)
{
	struct fixture *f = *state;
	struct wstate s = { .f = f, .disable_self = true };
	AvahiWatch *w = f->api->watch_new(f->api, f->wr, AVAHI_WATCH_OUT, watch_cb, &s);

	assert_non_null(w);
	wait_for(f, &s.calls);
	assert_int_equal(s.event, AVAHI_WATCH_OUT);
	assert_int_equal(s.got_inside, AVAHI_WATCH_OUT);
	/* Disabled by its own callback: a writable pipe stays quiet. */
	settle(f, 30);
	assert_int_equal(s.calls, 1);
	f->api->watch_update(w, AVAHI_WATCH_OUT);
	settle(f, 10);
	assert_true(s.calls >= 2);
	f->api->watch_free(w);
}

static void test_watch_hup(void **state)
{
	struct fixture *f = *state;
	struct wstate s = { .f = f, .disable_self = true };
	AvahiWatch *w = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_HUP, watch_cb, &s);

	assert_non_null(w);
	settle(f, 10);
	assert_int_equal(s.calls, 0);
	close(f->wr);
	f->wr = -1;
	wait_for(f, &s.calls);
	assert_int_equal(s.event, AVAHI_WATCH_HUP);
	assert_int_equal(s.got_inside, AVAHI_WATCH_HUP);
	f->api->watch_free(w);
}

static void test_watch_err(void **state)
{
	struct fixture *f = *state;
	struct wstate s = { .f = f, .disable_self = true };
	AvahiWatch *w = f->api->watch_new(f->api, f->wr, AVAHI_WATCH_ERR, watch_cb, &s);

	assert_non_null(w);
	/* The write end of a pipe without readers reports POLLERR. */
	close(f->rd);
	f->rd = -1;
	wait_for(f, &s.calls);
	assert_true(s.event & AVAHI_WATCH_ERR);
	assert_int_equal(s.got_inside, s.event);
	f->api->watch_free(w);
}

static void test_event_mapping(void **state)
{
	(void)state;
	/* Both directions, bit by bit, through a real epoll mask. */
	static const struct { AvahiWatchEvent a; uint32_t e; } map[] = {
		{ AVAHI_WATCH_IN, EPOLLIN }, { AVAHI_WATCH_OUT, EPOLLOUT },
		{ AVAHI_WATCH_ERR, EPOLLERR }, { AVAHI_WATCH_HUP, EPOLLHUP },
	};
	struct fixture *f;

	setup(state);
	f = *state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		struct wstate s = { .f = f };
		AvahiWatch *w = f->api->watch_new(f->api, f->rd, map[i].a, watch_cb, &s);

		assert_non_null(w);
		assert_int_equal(w->obj.ev.ep.events, map[i].e);
		f->api->watch_update(w, AVAHI_WATCH_IN | map[i].a);
		assert_int_equal(w->obj.ev.ep.events, EPOLLIN | map[i].e);
		f->api->watch_free(w);
	}
	teardown(state);
}

static void test_watch_update_disable(void **state)
{
	struct fixture *f = *state;
	struct wstate s = { .f = f };
	AvahiWatch *w = f->api->watch_new(f->api, f->rd, 0, watch_cb, &s);

	assert_non_null(w);
	assert_int_equal(write(f->wr, "x", 1), 1);
	settle(f, 20);
	assert_int_equal(s.calls, 0);
	f->api->watch_update(w, AVAHI_WATCH_IN);
	wait_for(f, &s.calls);
	f->api->watch_update(w, 0);
	s.calls = 0;
	settle(f, 20);
	assert_int_equal(s.calls, 0);
	f->api->watch_free(w);
}

static void test_watch_free_self(void **state)
{
	struct fixture *f = *state;
	struct wstate s = { .f = f, .free_self = true };
	AvahiWatch *w = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &s);

	assert_non_null(w);
	assert_int_equal(write(f->wr, "x", 1), 1);
	wait_for(f, &s.calls);
	/* Gone: the readable pipe calls nobody any more. */
	settle(f, 20);
	assert_int_equal(s.calls, 1);
}

static void test_two_watches_one_fd(void **state)
{
	struct fixture *f = *state;
	struct wstate a = { .f = f }, b = { .f = f };
	AvahiWatch *wa = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &a);
	AvahiWatch *wb = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &b);

	assert_non_null(wa);
	assert_non_null(wb);
	assert_int_equal(write(f->wr, "x", 1), 1);
	wait_for(f, &a.calls);
	wait_for(f, &b.calls);
	assert_int_equal(a.fd, f->rd);
	assert_int_equal(b.fd, f->rd);
	/* Freeing one leaves the other working on the shared descriptor. */
	f->api->watch_free(wa);
	b.calls = 0;
	wait_for(f, &b.calls);
	f->api->watch_free(wb);
	/* Still open for its owner. */
	assert_int_equal(fcntl(f->rd, F_GETFD), FD_CLOEXEC);
}

static void test_free_other_in_batch(void **state)
{
	struct fixture *f = *state;
	struct wstate a = { .f = f }, b = { .f = f };
	AvahiWatch *wa = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &a);
	AvahiWatch *wb = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &b);

	assert_non_null(wa);
	assert_non_null(wb);
	/* Whichever runs first frees the other, which then never runs. */
	a.free_other = wb;
	b.free_other = wa;
	assert_int_equal(write(f->wr, "x", 1), 1);
	assert_int_equal(event_wait(f->dsp, NULL), 0);
	assert_int_equal(a.calls + b.calls, 1);
	f->api->watch_free(a.calls ? wa : wb);
}

static void test_timeouts_in_order(void **state)
{
	struct fixture *f = *state;
	int order[4], n = 0;
	struct tstate s[4];
	static const long ms[4] = { 60, 20, 40, -100 };
	AvahiTimeout *t[4];
	/* Before the deadlines are computed: they never fire early. */
	int64_t start = mono_ms();

	for (int i = 0; i < 4; i++) {
		struct timeval tv = in_ms(ms[i]);

		s[i] = (struct tstate){ .f = f, .id = i, .order = order, .norder = &n };
		t[i] = f->api->timeout_new(f->api, &tv, timeout_cb, &s[i]);
		assert_non_null(t[i]);
	}
	wait_for(f, &s[0].calls);
	assert_true(mono_ms() - start >= 55);
	assert_int_equal(n, 4);
	assert_int_equal(order[0], 3);		/* in the past: at once */
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 2);
	assert_int_equal(order[3], 0);
	/* One-shot: nothing fires twice. */
	settle(f, 20);
	assert_int_equal(n, 4);
	for (int i = 0; i < 4; i++)
		f->api->timeout_free(t[i]);
}

static void test_timeout_null_disabled(void **state)
{
	struct fixture *f = *state;
	struct tstate s = { .f = f };
	AvahiTimeout *t = f->api->timeout_new(f->api, NULL, timeout_cb, &s);
	struct timeval tv;

	assert_non_null(t);
	settle(f, 20);
	assert_int_equal(s.calls, 0);
	/* Armed, then disabled again before it is due. */
	tv = in_ms(10);
	f->api->timeout_update(t, &tv);
	f->api->timeout_update(t, NULL);
	settle(f, 30);
	assert_int_equal(s.calls, 0);
	/* Now (a time already reached) fires on the next wait. */
	gettimeofday(&tv, NULL);
	f->api->timeout_update(t, &tv);
	assert_int_equal(event_wait(f->dsp, NULL), 0);
	assert_int_equal(s.calls, 1);
	f->api->timeout_free(t);
}

static void test_timeout_update_and_free_in_callback(void **state)
{
	struct fixture *f = *state;
	struct tstate s = { .f = f, .rearm = 3 };
	struct timeval tv = in_ms(0);
	AvahiTimeout *t = f->api->timeout_new(f->api, &tv, timeout_cb, &s);
	int four = 0;

	assert_non_null(t);
	/* Re-armed by its own callback three times, so four calls. */
	while (s.calls < 4) {
		assert_int_equal(event_wait(f->dsp, NULL), 0);
		assert_true(++four < 100);
	}
	settle(f, 20);
	assert_int_equal(s.calls, 4);
	/* Re-arm from outside, then let the callback free it. */
	s.free_self = true;
	tv = in_ms(5);
	f->api->timeout_update(t, &tv);
	s.calls = 0;
	wait_for(f, &s.calls);
	settle(f, 20);
	assert_int_equal(s.calls, 1);
}

static void test_free_adapter_in_watch_callback(void **state)
{
	struct fixture *f = *state;
	struct wstate a = { .f = f, .free_adapter = true }, b = { .f = f };
	struct tstate ts = { .f = f };
	struct timeval tv = in_ms(10);
	AvahiWatch *wa = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &a);
	AvahiWatch *wb = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &b);

	assert_non_null(wa);
	assert_non_null(wb);
	assert_non_null(f->api->timeout_new(f->api, &tv, timeout_cb, &ts));
	assert_non_null(f->api->timeout_new(f->api, NULL, timeout_cb, &ts));
	b.free_adapter = true;
	assert_int_equal(write(f->wr, "x", 1), 1);
	assert_int_equal(event_wait(f->dsp, NULL), 0);
	assert_null(f->ap);
	/* Exactly one of the two ran; it freed everything, itself last. */
	assert_int_equal(a.calls + b.calls, 1);
	/* The dispatcher has nothing of ours left: the 10 ms timeout is gone. */
	struct event guard = TIMER_EVENT_ON_STACK(guard_cb, 30000);
	int fired = 0;

	guard.cleanup = NULL;
	guard_flag = &fired;
	assert_int_equal(event_add(f->dsp, &guard), 0);
	wait_for(f, &fired);
	assert_int_equal(ts.calls, 0);
	assert_int_equal(a.calls + b.calls, 1);
}

static void test_free_adapter_in_timeout_callback(void **state)
{
	struct fixture *f = *state;
	struct tstate s = { .f = f, .free_adapter = true };
	struct wstate w = { .f = f };
	struct timeval tv = in_ms(0);

	assert_non_null(f->api->timeout_new(f->api, &tv, timeout_cb, &s));
	assert_non_null(f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &w));
	wait_for(f, &s.calls);
	assert_null(f->ap);
	assert_int_equal(w.calls, 0);
}

static void test_cleanup_dispatcher_in_callback(void **state)
{
	struct fixture *f = *state;
	struct wstate s = { .f = f, .free_self = true, .cleanup_dsp = true };
	struct wstate other = { .f = f };
	struct tstate ts = { .f = f };
	AvahiWatch *w = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &s);
	AvahiWatch *w2 = f->api->watch_new(f->api, f->wr, 0, watch_cb, &other);
	AvahiTimeout *t = f->api->timeout_new(f->api, NULL, timeout_cb, &ts);

	assert_non_null(w);
	assert_non_null(w2);
	assert_non_null(t);
	assert_int_equal(write(f->wr, "x", 1), 1);
	assert_int_equal(event_wait(f->dsp, NULL), 0);
	assert_int_equal(s.calls, 1);
	/* Detached objects can still be updated and freed by Avahi. */
	f->api->watch_update(w2, AVAHI_WATCH_OUT);
	f->api->timeout_update(t, NULL);
	f->api->watch_free(w2);
	/* t is left to minivent_avahi_poll_free() in the teardown. */
}

static void test_dispatcher_freed_first(void **state)
{
	struct fixture *f = *state;
	struct wstate s = { .f = f };
	AvahiWatch *w = f->api->watch_new(f->api, f->rd, AVAHI_WATCH_IN, watch_cb, &s);

	assert_non_null(w);
	assert_non_null(f->api->timeout_new(f->api, NULL, timeout_cb, NULL));
	/* Wrong order, but it must not crash or leak. */
	free_dispatcher(f->dsp);
	f->dsp = NULL;
	f->api->watch_free(w);
}

static void test_timeout_realtime_clock(void **state)
{
	struct fixture *f = *state;
	struct tstate s = { .f = f };
	int64_t start = mono_ms();
	struct timeval tv = in_ms(30);
	AvahiTimeout *t = f->api->timeout_new(f->api, &tv, timeout_cb, &s);

	assert_non_null(t);
	wait_for(f, &s.calls);
	assert_true(mono_ms() - start >= 25);
	assert_true(mono_ms() - start < 1000);
	f->api->timeout_free(t);
}

/*
 * Avahi's times on CLOCK_MONOTONIC: far in the past by gettimeofday(), so
 * an adapter that compared them with the wall clock fired at once (and an
 * Avahi main loop spun). Set and updated, they fire after their delay.
 */
static void test_timeout_avahi_monotonic(void **state)
{
	struct fixture *f = *state;
	struct tstate s = { .f = f };
	struct timeval tv;
	AvahiTimeout *t;
	int64_t start;

	avahi_clock = CLOCK_MONOTONIC;
	start = mono_ms();
	t = f->api->timeout_new(f->api, avahi_elapse_time(&tv, 100, 0),
				timeout_cb, &s);
	assert_non_null(t);
	wait_for(f, &s.calls);
	assert_true(mono_ms() - start >= 100);
	s.calls = 0;
	start = mono_ms();
	f->api->timeout_update(t, avahi_elapse_time(&tv, 60, 0));
	wait_for(f, &s.calls);
	assert_true(mono_ms() - start >= 60);
	f->api->timeout_free(t);
	avahi_clock = CLOCK_REALTIME;
}

static void test_timeval_to_delay(void **state)
{
	struct timeval now = { .tv_sec = 1000, .tv_usec = 900000 };
	struct timeval tv;
	struct timespec d;

	(void)state;
	tv = (struct timeval){ 999, 0 };
	mav_timeval_to_delay(&tv, &now, &d);
	assert_true(d.tv_sec == 0 && d.tv_nsec == 1);
	mav_timeval_to_delay(&now, &now, &d);
	assert_true(d.tv_sec == 0 && d.tv_nsec == 1);
	tv = (struct timeval){ 1002, 400000 };
	mav_timeval_to_delay(&tv, &now, &d);
	assert_true(d.tv_sec == 1 && d.tv_nsec == 500000000);
	tv = (struct timeval){ 1000, 900001 };
	mav_timeval_to_delay(&tv, &now, &d);
	assert_true(d.tv_sec == 0 && d.tv_nsec == 1000);
	tv = (struct timeval){ INT32_MAX, 0 };
	mav_timeval_to_delay(&tv, &now, &d);
	assert_true(d.tv_sec > 0 && d.tv_sec <= 10L * 366 * 24 * 3600 && d.tv_nsec == 0);
#if LONG_MAX > INT32_MAX
	/*
	 * Far beyond the clamp: (tv_sec - now) * 10^6 would overflow (UB;
	 * a plain build then fired it on the next wait). Never early.
	 */
	tv = (struct timeval){ (time_t)10000000000000LL, 999999 };
	mav_timeval_to_delay(&tv, &now, &d);
	assert_true(d.tv_sec == 10L * 365 * 24 * 3600 && d.tv_nsec == 0);
	tv = (struct timeval){ (time_t)INT64_MAX, 999999 };
	mav_timeval_to_delay(&tv, &now, &d);
	assert_true(d.tv_sec == 10L * 365 * 24 * 3600);
	tv = (struct timeval){ (time_t)INT64_MIN, 0 };
	mav_timeval_to_delay(&tv, &now, &d);
	assert_true(d.tv_sec == 0 && d.tv_nsec == 1);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test_setup_teardown(test_bad_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_hup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_err, setup, teardown),
		cmocka_unit_test(test_event_mapping),
		cmocka_unit_test_setup_teardown(test_watch_update_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_free_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_watches_one_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_other_in_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeouts_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_null_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_update_and_free_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_adapter_in_watch_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_adapter_in_timeout_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cleanup_dispatcher_in_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dispatcher_freed_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_realtime_clock, setup_realtime, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_avahi_monotonic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_avahi_monotonic, setup_realtime, teardown),
		cmocka_unit_test(test_timeval_to_delay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
