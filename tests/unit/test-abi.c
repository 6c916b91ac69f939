/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Applications embed struct event, so its size and the offsets of its
 * public fields are ABI: changing them needs a new SONAME. This test pins
 * them. It also includes event.h first, which proves that the header
 * compiles on its own (header-*.c do the same for the other headers).
 */
#include "event.h"

#include "config.h"

#include <stddef.h>

#include "unit-test.h"

/* The private part has a fixed size on every architecture. */
_Static_assert(sizeof(struct minivent_event_private_) == 16, "private part size");

static void test_layout_generic(void **state)
{
	/* Public fields in the contract's order, private part last. */
	assert_int_equal(offsetof(struct event, ep), 0);
	assert_true(offsetof(struct event, fd) >= sizeof(struct epoll_event));
	assert_true(offsetof(struct event, reason) > offsetof(struct event, fd));
	assert_true(offsetof(struct event, flags) > offsetof(struct event, reason));
	assert_true(offsetof(struct event, dsp) > offsetof(struct event, flags));
	assert_true(offsetof(struct event, tmo) > offsetof(struct event, dsp));
	assert_true(offsetof(struct event, callback) > offsetof(struct event, tmo));
	assert_true(offsetof(struct event, cleanup) > offsetof(struct event, callback));
	assert_true(offsetof(struct event, priv_) > offsetof(struct event, cleanup));
	assert_int_equal(sizeof(struct event),
			 offsetof(struct event, priv_) + sizeof(struct minivent_event_private_));
	/* TIMER_ON_* and cleanup_event_on_heap rely on this. */
	assert_int_equal(offsetof(struct timer_event, e), 0);
}

static void test_layout_x86_64(void **state)
{
#if defined(__x86_64__) && defined(__LP64__)
	/* struct epoll_event is packed (12 bytes) on x86-64. */
	assert_int_equal(sizeof(struct epoll_event), 12);
	assert_int_equal(offsetof(struct event, fd), 12);
	assert_int_equal(offsetof(struct event, reason), 16);
	assert_int_equal(offsetof(struct event, flags), 18);
	assert_int_equal(offsetof(struct event, dsp), 24);
	assert_int_equal(offsetof(struct event, tmo), 32);
	assert_int_equal(offsetof(struct event, callback), 48);
	assert_int_equal(offsetof(struct event, cleanup), 56);
	assert_int_equal(offsetof(struct event, priv_), 64);
	assert_int_equal(sizeof(struct event), 80);
	assert_int_equal(sizeof(struct timer_event), 96);
#else
	skip();
#endif
}

static void test_constants(void **state)
{
	/* Values fixed by the original API. */
	assert_int_equal(REASON_EVENT_OCCURED, 0);
	assert_int_equal(REASON_TIMEOUT, 1);
	assert_int_equal(__MAX_CALLBACK_REASON, 2);
	assert_int_equal(EVENTCB_CONTINUE, 0);
	assert_int_equal(EVENTCB_REMOVE, 1);
	assert_int_equal(EVENTCB_CLEANUP, 2);
	assert_int_equal(TMO_ABS, 1);
	assert_int_equal(ELOOP_CONTINUE, 0);
	assert_int_equal(ELOOP_QUIT, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_generic),
		cmocka_unit_test(test_layout_x86_64),
		cmocka_unit_test(test_constants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
