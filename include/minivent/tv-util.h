/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * minivent - helpers for struct timeval (the timespec helpers of ts-util.h for microseconds)
 *
 * Copyright (C) 2026 The minivent authors
 */
#ifndef MINIVENT_TV_UTIL_H
#define MINIVENT_TV_UTIL_H

/**
 * @file tv-util.h
 * @brief Arithmetic, comparison and sorted arrays of struct timeval.
 *
 * The arithmetic functions normalize their result: tv_usec ends up in
 * 0..999999 and a negative time has a negative tv_sec, so {1, -1}
 * becomes {0, 999999} and {0, -1} becomes {-1, 999999}.
 *
 * No function crashes on a NULL pointer: those returning nothing then do
 * nothing, a NULL time compares earlier than any other, and converting
 * NULL or a negative time to microseconds gives 0.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Convert @p tv to microseconds.
 *
 * An unnormalized @p tv counts as its normalized value; NULL and a
 * negative time (such as {0, -5}) give 0.
 * @since 1.0
 */
uint64_t minivent_tv_to_us(const struct timeval *tv);

/**
 * @brief Store @p us microseconds in @p tv.
 * @since 1.0
 */
void minivent_us_to_tv(uint64_t us, struct timeval *tv);

/**
 * @brief Bring tv_usec into 0..999999, carrying into tv_sec.
 * @since 1.0
 */
void minivent_tv_normalize(struct timeval *tv);

/**
 * @brief @p t1 += @p t2, normalized.
 * @since 1.0
 */
void minivent_tv_add(struct timeval *t1, const struct timeval *t2);

/**
 * @brief @p t1 -= @p t2, normalized.
 * @since 1.0
 */
void minivent_tv_subtract(struct timeval *t1, const struct timeval *t2);

/**
 * @brief Compare two normalized times.
 * @return -1 if @p t1 is earlier, 0 if equal, 1 if later.
 * @since 1.0
 */
int minivent_tv_compare(const struct timeval *t1, const struct timeval *t2);

/**
 * @brief Sort an array of @p len pointers by the times they point to,
 * earliest first.
 * @since 1.0
 */
void minivent_tv_sort(struct timeval **tvs, size_t len);

/**
 * @brief Find where @p item belongs in a sorted array of @p len pointers.
 *
 * @p item is normalized first.
 * @return the index of the first element not earlier than @p item (@p len
 *         if all are earlier), or -EINVAL for a NULL argument or a length
 *         over LONG_MAX.
 * @since 1.0
 */
long minivent_tv_search(struct timeval *const *tvs, size_t len,
			struct timeval *item);

/**
 * @brief Insert the pointer @p item into a sorted array of @p *len pointers
 * with room for @p size, and increment @p *len.
 *
 * Equal times keep their insertion order reversed: @p item goes before the
 * first element that is not earlier.
 * @return the index where @p item was stored, -EOVERFLOW if the array is
 *         full, or -EINVAL for a NULL argument.
 * @since 1.0
 */
long minivent_tv_insert(struct timeval **tvs, size_t *len, size_t size,
			struct timeval *item);

/*
 * The short names that programs call, unless MINIVENT_PREFIXED_ONLY is
 * defined: the library exports only the prefixed ones (see event.h).
 */
#ifndef MINIVENT_PREFIXED_ONLY
#define tv_to_us minivent_tv_to_us	/**< minivent_tv_to_us() */
#define us_to_tv minivent_us_to_tv	/**< minivent_us_to_tv() */
#define tv_normalize minivent_tv_normalize	/**< minivent_tv_normalize() */
#define tv_add minivent_tv_add	/**< minivent_tv_add() */
#define tv_subtract minivent_tv_subtract	/**< minivent_tv_subtract() */
#define tv_compare minivent_tv_compare	/**< minivent_tv_compare() */
#define tv_sort minivent_tv_sort	/**< minivent_tv_sort() */
#define tv_search minivent_tv_search	/**< minivent_tv_search() */
#define tv_insert minivent_tv_insert	/**< minivent_tv_insert() */
#endif

#ifdef __cplusplus
}
#endif

#endif /* MINIVENT_TV_UTIL_H */
