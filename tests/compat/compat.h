/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the compat programs share: a CHECK that reports and counts instead
 * of aborting, so that one run lists every difference from the original
 * minivent, and the automake exit codes.
 */
#ifndef MINIVENT_COMPAT_H
#define MINIVENT_COMPAT_H

#include <stdio.h>
#include <string.h>

static int compat_failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: FAIL: %s\n",		\
				__FILE__, __LINE__, #cond);		\
			compat_failures++;				\
		}							\
	} while (0)

/* A negative errno from the library is what the original returned. */
#define CHECK_ERR(call, err)						\
	do {								\
		int r_ = (call);					\
		if (r_ != -(err)) {					\
			fprintf(stderr, "%s:%d: FAIL: %s = %d (%s), "	\
				"want -%s\n", __FILE__, __LINE__,	\
				#call, r_, r_ < 0 ? strerror(-r_) : "ok", \
				#err);					\
			compat_failures++;				\
		}							\
	} while (0)

#define COMPAT_EXIT() (compat_failures ? 1 : 0)
#define COMPAT_HARD_ERROR 99

#endif
