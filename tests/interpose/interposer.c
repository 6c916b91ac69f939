/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Preloaded in front of libminivent, this library defines every exported
 * name that interpose-test.c does not call itself, the way another
 * library with clashing names (libevent exports event_add and event_loop)
 * would. Each definition aborts: if libminivent ever called one of its
 * own exported functions through the dynamic symbol table, the test
 * program would die here instead of reaching its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define INTERPOSE(name)							\
	void name(void);						\
	__attribute__((visibility("default"))) void name(void)		\
	{								\
		fprintf(stderr, "interposed %s called from libminivent\n", #name); \
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
