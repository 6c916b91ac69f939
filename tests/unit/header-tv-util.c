/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tv-util.h must compile as the first include of a file. */
#include "tv-util.h"

int header_tv_util_compiles(void);
int header_tv_util_compiles(void)
{
	struct timeval t = { 1, 0 };

	return tv_compare(&t, &t);
}
