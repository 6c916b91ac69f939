/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ts-util.h must compile as the first include of a file. */
#include "ts-util.h"

int header_ts_util_compiles(void);
int header_ts_util_compiles(void)
{
	struct timespec t = { 1, 0 };

	return ts_compare(&t, &t);
}
