/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Time helpers for struct timespec; the code is in time-util-template.h. */
#include "config.h"

#include "export.h"
#include "ts-util.h"

#define TU_TYPE struct timespec
#define TU_FRAC tv_nsec
#define TU_PER_SEC 1000000000L
#define TU_PER_US 1000L
#define TU_NAME(x) ts_##x
#define TU_TO_US ts_to_us
#define TU_FROM_US us_to_ts
#include "time-util-template.h"
