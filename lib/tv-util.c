/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Time helpers for struct timeval; the code is in time-util-template.h. */
#include "config.h"

#include "export.h"
#include "tv-util.h"

#define TU_TYPE struct timeval
#define TU_FRAC tv_usec
#define TU_PER_SEC 1000000L
#define TU_PER_US 1L
#define TU_NAME(x) tv_##x
#define TU_TO_US tv_to_us
#define TU_FROM_US us_to_tv
#include "time-util-template.h"
