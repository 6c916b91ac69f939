/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Preloaded in front of libminivent, this library defines every exported
 * name that interpose-test.c does not call itself. No other library should
 * export a minivent_ name (tests/names checks that the short names, which
 * libevent exports, are not exported by minivent at all), but a preloaded
 * wrapper or a second copy of the library could. Each definition aborts:
 * if libminivent ever called one of its own exported functions through the
 * dynamic symbol table, the test program would die here instead of
 * reaching its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The exported name is the prefixed one; programs call it by the short name. */
#define INTERPOSE(name)							\
	void minivent_##name(void);					\
	__attribute__((visibility("default"))) void minivent_##name(void) \
	{								\
		fprintf(stderr, "interposed minivent_%s called from libminivent\n", \
			#name);						\
		abort();						\
	}

INTERPOSE(cleanup_dispatcher)
INTERPOSE(cleanup_event_on_heap)
INTERPOSE(dispatcher_get_clocksource)
INTERPOSE(dispatcher_get_efd)
INTERPOSE(event_mod_timeout)
INTERPOSE(event_modify)
INTERPOSE(event_remove)
INTERPOSE(event_wait)
INTERPOSE(ts_compare)
INTERPOSE(ts_normalize)
INTERPOSE(ts_search)
INTERPOSE(tv_normalize)
