/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The address index against a model: random inserts, removals and
 * lookups of events packed in an array and of events one per page (the
 * two layouts the hash treats differently), with the table growing as it
 * fills. Every lookup must agree with the model, present or absent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "unit-test.h"
#include "addr-index.h"

enum { N = 3000, STEPS = 60000 };

static void run_model(struct event **keys)
{
	struct addr_index ix = { 0 };
	struct addr_probe probe;
	struct slot *slots = calloc(N, sizeof(*slots));
	bool in[N] = { false };
	uint32_t count = 0;

	assert_non_null(slots);
	for (int i = 0; i < N; i++)
		slots[i].evt = keys[i];
	assert_int_equal(addr_index_reserve(&ix, 8), 0);
	srand(4242);
	for (int step = 0; step < STEPS; step++) {
		int i = rand() % N;

		switch (rand() % 3) {
		case 0:
			if (in[i])
				break;
			/* What the dispatcher does: room, look up, insert. */
			assert_int_equal(addr_index_reserve(&ix, count + 1), 0);
			assert_int_equal(addr_index_find(&ix, slots, keys[i], &probe), 0);
			addr_index_insert_at(&ix, probe, i);
			in[i] = true;
			count++;
			break;
		case 1:
			if (!in[i])
				break;
			addr_index_remove(&ix, slots, i);
			in[i] = false;
			count--;
			break;
		default:
			break;
		}
		i = rand() % N;
		assert_int_equal(addr_index_find(&ix, slots, keys[i], NULL), in[i] ? i + 1 : 0);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(addr_index_find(&ix, slots, keys[i], NULL), in[i] ? i + 1 : 0);
	addr_index_release(&ix);
	free(slots);
}

static void test_packed_events(void **state)
{
	struct event *evts = calloc(N, sizeof(*evts));
	struct event *keys[N];

	assert_non_null(evts);
	for (int i = 0; i < N; i++)
		keys[i] = &evts[i];
	run_model(keys);
	free(evts);
}

static void test_one_event_per_page(void **state)
{
	char *pages = malloc((size_t)N * 4096);
	struct event *keys[N];

	assert_non_null(pages);
	for (int i = 0; i < N; i++)
		keys[i] = (struct event *)(pages + (size_t)i * 4096);
	run_model(keys);
	free(pages);
}

static void test_reserve_failure(void **state)
{
	struct addr_index ix = { 0 };

	assert_int_equal(addr_index_find(&ix, NULL, (struct event *)&ix, NULL), 0);
	wrap_fail(WRAP_CALLOC, 1, ENOMEM);
	assert_int_equal(addr_index_reserve(&ix, 10), -ENOMEM);
	assert_null(ix.buckets);
	wrap_reset();
	assert_int_equal(addr_index_reserve(&ix, 10), 0);
	assert_int_equal(addr_index_reserve(&ix, 10), 0);	/* enough room */
	addr_index_release(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packed_events),
		cmocka_unit_test(test_one_event_per_page),
		cmocka_unit_test(test_reserve_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
