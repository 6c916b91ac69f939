/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * minivent - helpers for struct timespec
 *
 * Copyright (C) 2026 The minivent authors
 */
#ifndef MINIVENT_TS_UTIL_H
#define MINIVENT_TS_UTIL_H

/**
 * @file ts-util.h
 * @brief Arithmetic, comparison and sorted arrays of struct timespec.
 *
 * The arithmetic functions normalize their result: tv_nsec ends up in
 * 0..999999999 and a negative time has a negative tv_sec, so {1, -1}
 * becomes {0, 999999999} and {0, -1} becomes {-1, 999999999}.
 *
 * No function crashes on a NULL pointer: those returning nothing then do
 * nothing, a NULL time compares earlier than any other, and converting
 * NULL or a negative time to microseconds gives 0.
 */

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * struct timespec is POSIX (and C11), not C99: in strict ISO C99 mode
 * (-std=c99 and no feature-test macro) <time.h> declares none. This
 * declaration keeps the prototypes below valid then, so the header still
 * compiles alone; to create a struct timespec such a program defines
 * _POSIX_C_SOURCE to 199309L or later, as clock_gettime() requires anyway.
 */
struct timespec;

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Convert @p ts to microseconds (nanoseconds are truncated).
 *
 * An unnormalized @p ts counts as its normalized value; NULL and a
 * negative time (such as {0, -5000}) give 0.
 * @since 1.0
 */
uint64_t minivent_ts_to_us(const struct timespec *ts);

/**
 * @brief Store @p us microseconds in @p ts.
 * @since 1.0
 */
void minivent_us_to_ts(uint64_t us, struct timespec *ts);

/**
 * @brief Bring tv_nsec into 0..999999999, carrying into tv_sec.
 * @since 1.0
 */
void minivent_ts_normalize(struct timespec *ts);

/**
 * @brief @p t1 += @p t2, normalized.
 * @since 1.0
 */
void minivent_ts_add(struct timespec *t1, const struct timespec *t2);

/**
 * @brief @p t1 -= @p t2, normalized.
 * @since 1.0
 */
void minivent_ts_subtract(struct timespec *t1, const struct timespec *t2);

/**
 * @brief Compare two normalized times.
 * @return -1 if @p t1 is earlier, 0 if equal, 1 if later.
 * @since 1.0
 */
int minivent_ts_compare(const struct timespec *t1, const struct timespec *t2);

/**
 * @brief Sort an array of @p len pointers by the times they point to,
 * earliest first.
 * @since 1.0
 */
void minivent_ts_sort(struct timespec **tss, size_t len);

/**
 * @brief Find where @p item belongs in a sorted array of @p len pointers.
 *
 * @p item is normalized first.
 * @return the index of the first element not earlier than @p item (@p len
 *         if all are earlier), or -EINVAL for a NULL argument or a length
 *         over LONG_MAX.
 * @since 1.0
 */
long minivent_ts_search(struct timespec *const *tss, size_t len,
			struct timespec *item);

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
long minivent_ts_insert(struct timespec **tss, size_t *len, size_t size,
			struct timespec *item);

/*
 * The short names that programs call, unless MINIVENT_PREFIXED_ONLY is
 * defined: the library exports only the prefixed ones (see event.h).
 */
#ifndef MINIVENT_PREFIXED_ONLY
#define ts_to_us minivent_ts_to_us	/**< minivent_ts_to_us() */
#define us_to_ts minivent_us_to_ts	/**< minivent_us_to_ts() */
#define ts_normalize minivent_ts_normalize	/**< minivent_ts_normalize() */
#define ts_add minivent_ts_add	/**< minivent_ts_add() */
#define ts_subtract minivent_ts_subtract	/**< minivent_ts_subtract() */
#define ts_compare minivent_ts_compare	/**< minivent_ts_compare() */
#define ts_sort minivent_ts_sort	/**< minivent_ts_sort() */
#define ts_search minivent_ts_search	/**< minivent_ts_search() */
#define ts_insert minivent_ts_insert	/**< minivent_ts_insert() */
#endif

#ifdef __cplusplus
}
#endif

#endif /* MINIVENT_TS_UTIL_H */
