/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the ts_* and tv_* time helpers. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>

#include "unit-test.h"
#include "ts-util.h"
#include "tv-util.h"

static void ts_eq(struct timespec t, time_t sec, long nsec)
{
	assert_int_equal(t.tv_sec, sec);
	assert_int_equal(t.tv_nsec, nsec);
}

static void test_ts_normalize(void **state)
{
	struct timespec cases[][2] = {
		{ { 1, -1 }, { 0, 999999999 } },
		{ { 0, -1 }, { -1, 999999999 } },
		{ { 0, 1000000000 }, { 1, 0 } },
		{ { 2, 2500000000 }, { 4, 500000000 } },
		{ { 0, -2000000000 }, { -2, 0 } },
		{ { 5, -2000000001 }, { 2, 999999999 } },
		{ { 7, 0 }, { 7, 0 } },
		{ { -3, 999999999 }, { -3, 999999999 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ts_normalize(&cases[i][0]);
		ts_eq(cases[i][0], cases[i][1].tv_sec, cases[i][1].tv_nsec);
	}
}

static void test_ts_add_subtract(void **state)
{
	struct timespec a = { 1, 600000000 }, b = { 0, 700000000 };

	ts_add(&a, &b);
	ts_eq(a, 2, 300000000);
	ts_subtract(&a, &b);
	ts_eq(a, 1, 600000000);
	ts_subtract(&a, &(struct timespec){ 2, 0 });
	ts_eq(a, -1, 600000000);	/* -0.4 s */
	ts_add(&a, &(struct timespec){ 0, 400000000 });
	ts_eq(a, 0, 0);
}

static void test_ts_compare(void **state)
{
	struct timespec a = { 1, 5 }, b = { 1, 6 }, c = { 2, 0 };

	assert_int_equal(ts_compare(&a, &b), -1);
	assert_int_equal(ts_compare(&b, &a), 1);
	assert_int_equal(ts_compare(&a, &a), 0);
	assert_int_equal(ts_compare(&c, &b), 1);
	assert_int_equal(ts_compare(&b, &c), -1);
}

static void test_ts_us(void **state)
{
	struct timespec t;

	us_to_ts(3999999, &t);
	ts_eq(t, 3, 999999000);
	assert_int_equal(ts_to_us(&t), 3999999);
	t.tv_nsec += 999;	/* nanoseconds below 1 us are dropped */
	assert_int_equal(ts_to_us(&t), 3999999);
	us_to_ts(0, &t);
	ts_eq(t, 0, 0);
}

static void test_ts_sort_search_insert(void **state)
{
	struct timespec v[] = { { 3, 0 }, { 1, 0 }, { 2, 0 }, { 1, 0 }, { 0, 5 } };
	struct timespec *arr[8] = { &v[0], &v[1], &v[2], &v[3], &v[4] };
	struct timespec early = { 0, 1 }, mid = { 1, 999999999 + 2 };
	struct timespec late = { 9, 0 }, overflow = { 10, 0 };
	size_t len = 5;

	ts_sort(arr, len);
	for (size_t i = 1; i < len; i++)
		assert_true(ts_compare(arr[i - 1], arr[i]) <= 0);

	/* Lower bound: the first element not earlier than the key. */
	assert_int_equal(ts_search(arr, len, &early), 0);
	assert_int_equal(ts_search(arr, len, &v[1]), 1);
	assert_int_equal(ts_search(arr, len, &late), 5);
	/* The key is normalized first: {1, 1000000001} is {2, 1}. */
	assert_int_equal(ts_search(arr, len, &mid), 4);
	ts_eq(mid, 2, 1);

	assert_int_equal(ts_insert(arr, &len, 8, &late), 5);
	assert_int_equal(ts_insert(arr, &len, 8, &early), 0);
	assert_int_equal(len, 7);
	assert_ptr_equal(arr[0], &early);
	assert_ptr_equal(arr[6], &late);
	for (size_t i = 1; i < len; i++)
		assert_true(ts_compare(arr[i - 1], arr[i]) <= 0);
	assert_int_equal(ts_insert(arr, &len, 8, &mid), 5);
	assert_int_equal(ts_insert(arr, &len, 8, &overflow), -EOVERFLOW);
	assert_int_equal(len, 8);

	assert_int_equal(ts_search(NULL, 1, &late), -EINVAL);
	assert_int_equal(ts_search(arr, 1, NULL), -EINVAL);
	assert_int_equal(ts_search(arr, (size_t)LONG_MAX + 1, &late), -EINVAL);
	assert_int_equal(ts_search(arr, 0, &late), 0);
	assert_int_equal(ts_insert(arr, NULL, 8, &late), -EINVAL);
	assert_int_equal(ts_insert(NULL, &len, 9, &late), -EINVAL);
	ts_sort(NULL, 3);	/* must not crash */
}

static void test_ts_sort_random(void **state)
{
	enum { N = 500 };
	struct timespec v[N], *arr[N], *built[N];
	size_t built_len = 0;

	srand(7);
	for (int i = 0; i < N; i++) {
		v[i] = (struct timespec){ rand() % 50, rand() % 1000000000L };
		arr[i] = &v[i];
		assert_true(ts_insert(built, &built_len, N, &v[i]) >= 0);
	}
	ts_sort(arr, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(ts_compare(arr[i], built[i]), 0);
	for (int i = 1; i < N; i++)
		assert_true(ts_compare(arr[i - 1], arr[i]) <= 0);
}

static void test_tv_helpers(void **state)
{
	struct timeval a = { 1, -1 }, b = { 0, 1500000 };
	struct timeval v[] = { { 2, 0 }, { 1, 0 } }, *arr[3] = { &v[0], &v[1] };
	struct timeval key = { 1, 500000 };
	size_t len = 2;

	tv_normalize(&a);
	assert_int_equal(a.tv_sec, 0);
	assert_int_equal(a.tv_usec, 999999);
	tv_add(&a, &b);
	assert_int_equal(a.tv_sec, 2);
	assert_int_equal(a.tv_usec, 499999);
	tv_subtract(&a, &(struct timeval){ 3, 0 });
	assert_int_equal(a.tv_sec, -1);
	assert_int_equal(a.tv_usec, 499999);
	assert_int_equal(tv_compare(&v[0], &v[1]), 1);
	us_to_tv(1500001, &a);
	assert_int_equal(a.tv_sec, 1);
	assert_int_equal(a.tv_usec, 500001);
	assert_int_equal(tv_to_us(&a), 1500001);
	tv_sort(arr, len);
	assert_ptr_equal(arr[0], &v[1]);
	assert_int_equal(tv_search(arr, len, &key), 1);
	assert_int_equal(tv_insert(arr, &len, 3, &key), 1);
	assert_int_equal(tv_insert(arr, &len, 3, &key), -EOVERFLOW);
	assert_int_equal(tv_search(arr, len, NULL), -EINVAL);
}

static void test_null_and_negative(void **state)
{
	struct timespec t = { 1, 5 };
	struct timeval v = { 1, 5 };

	/* Nothing crashes; void functions do nothing. */
	ts_normalize(NULL);
	ts_add(NULL, &t);
	ts_add(&t, NULL);
	ts_subtract(NULL, &t);
	ts_subtract(&t, NULL);
	us_to_ts(5, NULL);
	ts_eq(t, 1, 5);
	assert_int_equal(ts_compare(NULL, NULL), 0);
	assert_int_equal(ts_compare(NULL, &t), -1);
	assert_int_equal(ts_compare(&t, NULL), 1);
	assert_int_equal(ts_to_us(NULL), 0);
	t = (struct timespec){ -1, 500000000 };
	assert_int_equal(ts_to_us(&t), 0);
	tv_normalize(NULL);
	tv_add(&v, NULL);
	tv_subtract(NULL, &v);
	us_to_tv(5, NULL);
	assert_int_equal(tv_compare(NULL, &v), -1);
	assert_int_equal(tv_to_us(NULL), 0);
	v = (struct timeval){ -3, 0 };
	assert_int_equal(tv_to_us(&v), 0);
	/* A negative sub-second part makes the time negative too: 0. */
	t = (struct timespec){ 0, -5000 };
	assert_int_equal(ts_to_us(&t), 0);
	v = (struct timeval){ 0, -5 };
	assert_int_equal(tv_to_us(&v), 0);
	/* Unnormalized but positive: counted as its normalized value. */
	t = (struct timespec){ 2, -500000000 };
	assert_int_equal(ts_to_us(&t), 1500000);
	v = (struct timeval){ 0, 2500000 };
	assert_int_equal(tv_to_us(&v), 2500000);
	/* The argument itself is left alone. */
	assert_int_equal(v.tv_sec, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ts_normalize),
		cmocka_unit_test(test_ts_add_subtract),
		cmocka_unit_test(test_ts_compare),
		cmocka_unit_test(test_ts_us),
		cmocka_unit_test(test_ts_sort_search_insert),
		cmocka_unit_test(test_ts_sort_random),
		cmocka_unit_test(test_tv_helpers),
		cmocka_unit_test(test_null_and_negative),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
