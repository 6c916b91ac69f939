/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One implementation of the time helpers for both struct timespec
 * (ts-util.c) and struct timeval (tv-util.c). The includer defines:
 *
 *   TU_TYPE      the struct (struct timespec)
 *   TU_FRAC      its sub-second member (tv_nsec)
 *   TU_PER_SEC   sub-second units per second (1000000000L)
 *   TU_PER_US    sub-second units per microsecond (1000L; 1 for timeval)
 *   TU_NAME(x)   the public name of helper x (ts_##x)
 *   TU_TO_US, TU_FROM_US  names of the microsecond conversions
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

MV_EXPORT uint64_t TU_TO_US(const TU_TYPE *t)
{
	TU_TYPE n;

	if (!t)
		return 0;
	/* A negative sub-second part borrows from the seconds: {0, -5000} < 0. */
	n = *t;
	TU_NAME(normalize)(&n);
	/* Before the epoch of its clock: nothing to count. */
	if (n.tv_sec < 0)
		return 0;
	return (uint64_t)n.tv_sec * 1000000ULL +
	       (uint64_t)(n.TU_FRAC / TU_PER_US);
}

MV_EXPORT void TU_FROM_US(uint64_t us, TU_TYPE *t)
{
	if (!t)
		return;
	t->tv_sec = (time_t)(us / 1000000ULL);
	t->TU_FRAC = (long)(us % 1000000ULL) * TU_PER_US;
}

MV_EXPORT void TU_NAME(normalize)(TU_TYPE *t)
{
	long carry, rest;

	if (!t || (t->TU_FRAC >= 0 && t->TU_FRAC < TU_PER_SEC))
		return;
	/* C division truncates toward zero: floor it for negative parts. */
	carry = t->TU_FRAC / TU_PER_SEC;
	rest = t->TU_FRAC % TU_PER_SEC;
	if (rest < 0) {
		rest += TU_PER_SEC;
		carry--;
	}
	t->tv_sec += carry;
	t->TU_FRAC = rest;
}

MV_EXPORT void TU_NAME(add)(TU_TYPE *t1, const TU_TYPE *t2)
{
	if (!t1 || !t2)
		return;
	t1->tv_sec += t2->tv_sec;
	t1->TU_FRAC += t2->TU_FRAC;
	TU_NAME(normalize)(t1);
}

MV_EXPORT void TU_NAME(subtract)(TU_TYPE *t1, const TU_TYPE *t2)
{
	if (!t1 || !t2)
		return;
	t1->tv_sec -= t2->tv_sec;
	t1->TU_FRAC -= t2->TU_FRAC;
	TU_NAME(normalize)(t1);
}

MV_EXPORT int TU_NAME(compare)(const TU_TYPE *t1, const TU_TYPE *t2)
{
	/* No time at all sorts before every time. */
	if (!t1 || !t2)
		return !t1 && !t2 ? 0 : (t1 ? 1 : -1);
	if (t1->tv_sec != t2->tv_sec)
		return t1->tv_sec < t2->tv_sec ? -1 : 1;
	if (t1->TU_FRAC != t2->TU_FRAC)
		return t1->TU_FRAC < t2->TU_FRAC ? -1 : 1;
	return 0;
}

static int TU_NAME(compare_indirect)(const void *a, const void *b)
{
	return TU_NAME(compare)(*(TU_TYPE *const *)a, *(TU_TYPE *const *)b);
}

MV_EXPORT void TU_NAME(sort)(TU_TYPE **array, size_t len)
{
	if (array && len > 1)
		qsort(array, len, sizeof(*array), TU_NAME(compare_indirect));
}

MV_EXPORT long TU_NAME(search)(TU_TYPE *const *array, size_t len, TU_TYPE *item)
{
	size_t low = 0, high = len;

	if (!array || !item || len > LONG_MAX)
		return -EINVAL;
	TU_NAME(normalize)(item);
	/* Lower bound: the first element that is not earlier than @item. */
	while (low < high) {
		size_t mid = low + (high - low) / 2;

		if (TU_NAME(compare)(array[mid], item) < 0)
			low = mid + 1;
		else
			high = mid;
	}
	return (long)low;
}

MV_EXPORT long TU_NAME(insert)(TU_TYPE **array, size_t *len, size_t size,
			       TU_TYPE *item)
{
	long pos;

	if (!array || !len || !item)
		return -EINVAL;
	if (*len >= size)
		return -EOVERFLOW;
	pos = TU_NAME(search)(array, *len, item);
	if (pos < 0)
		return pos;
	memmove(&array[pos + 1], &array[pos], (*len - (size_t)pos) * sizeof(*array));
	array[pos] = item;
	(*len)++;
	return pos;
}
