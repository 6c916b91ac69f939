/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Written as programs for the original minivent are: events malloc'ed and
 * only partly filled in, errno values checked, events re-initialized while
 * registered. The original ignored fields it did not use and found events
 * by address; so must we.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"
#include "compat.h"

static int fired, cleaned;

static int on_timer(struct event *evt, uint32_t events)
{
	fired++;
	return EVENTCB_CONTINUE;
}

static void count_and_free(struct event *evt)
{
	cleaned++;
	free(evt);
}

/* malloc() without memset: whatever the allocator left there stays. */
static struct event *dirty_event(unsigned char junk)
{
	struct event *evt = malloc(sizeof(*evt));

	if (!evt)
		exit(COMPAT_HARD_ERROR);
	memset(evt, junk, sizeof(*evt));
	return evt;
}

/* A timer whose ep.events and dsp are leftovers: both are ignored. */
static void test_leftover_fields(struct dispatcher *dsp)
{
	struct event *evt = dirty_event(0xa5);

	evt->fd = -1;
	evt->flags = 0;
	evt->tmo = (struct timespec){ 0, 1000000 };	/* 1 ms */
	evt->callback = on_timer;
	evt->cleanup = count_and_free;
	/* ep.events is 0xa5a5a5a5, dsp points nowhere: never read. */
	CHECK_ERR(event_add(dsp, evt), 0);
	CHECK(evt->dsp == dsp);
	while (fired == 0 && evt->dsp == dsp)
		CHECK_ERR(event_wait(dsp, NULL), 0);
	/* The mask of a timer is ignored by event_modify() too. */
	CHECK_ERR(event_modify(evt), 0);
	CHECK_ERR(event_remove(evt), 0);
	free(evt);
}

/* Not registered: -EINVAL, as the original's own tests assert. */
static void test_not_registered(struct dispatcher *dsp)
{
	struct event ev = EVENT_ON_STACK(on_timer, -1, 0);
	struct timespec one = { 1, 0 };

	CHECK_ERR(event_remove(&ev), EINVAL);
	CHECK_ERR(event_modify(&ev), EINVAL);
	CHECK_ERR(event_mod_timeout(&ev, &one), EINVAL);
	CHECK_ERR(event_add(dsp, &ev), 0);
	CHECK_ERR(event_remove(&ev), 0);
	CHECK_ERR(event_remove(&ev), EINVAL);
	CHECK_ERR(event_mod_timeout(&ev, &one), EINVAL);
	CHECK_ERR(event_add(NULL, &ev), EINVAL);
	CHECK_ERR(event_add(dsp, NULL), EINVAL);
}

/*
 * Re-initialized while registered: the original found it by address and
 * said -EEXIST. It stays registered once, and free_dispatcher() cleans it
 * up once.
 */
static void test_reinit_registered(void)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);
	struct event *t = malloc(sizeof(*t));
	int sv[2];
	struct event *e = malloc(sizeof(*e));

	if (!dsp || !t || !e || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		exit(COMPAT_HARD_ERROR);
	*t = (struct event)TIMER_EVENT_ON_HEAP(on_timer, 60000000);
	t->cleanup = count_and_free;
	CHECK_ERR(event_add(dsp, t), 0);
	*t = (struct event)TIMER_EVENT_ON_HEAP(on_timer, 60000000);
	t->cleanup = count_and_free;
	CHECK_ERR(event_add(dsp, t), EEXIST);
	CHECK_ERR(event_add(dsp, t), EEXIST);

	*e = (struct event)EVENT_ON_HEAP(on_timer, sv[0], EPOLLIN);
	e->cleanup = count_and_free;
	CHECK_ERR(event_add(dsp, e), 0);
	*e = (struct event)EVENT_ON_HEAP(on_timer, sv[0], EPOLLIN);
	e->cleanup = count_and_free;
	CHECK_ERR(event_add(dsp, e), EEXIST);
	close(sv[1]);

	cleaned = 0;
	free_dispatcher(dsp);	/* crashed when registered twice */
	CHECK(cleaned == 2);
}

int main(void)
{
	struct dispatcher *dsp = new_dispatcher(CLOCK_MONOTONIC);

	if (!dsp)
		return COMPAT_HARD_ERROR;
	test_leftover_fields(dsp);
	test_not_registered(dsp);
	free_dispatcher(dsp);
	test_reinit_registered();
	return COMPAT_EXIT();
}
