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
	wrap_fail(WRAP_REALLOC, 1, ENOMEM);
	assert_int_equal(addr_index_reserve(&ix, 10), -ENOMEM);
	assert_null(ix.buckets);
	wrap_reset();
	assert_int_equal(addr_index_reserve(&ix, 10), 0);
	assert_int_equal(addr_index_reserve(&ix, 10), 0);	/* enough room */
	addr_index_release(&ix);
}

/*
 * Keys are only hashed and compared, never dereferenced: any address
 * will do. The first @n addresses from @from, 16 bytes apart, whose
 * bucket in a table of @size is at least @min_home.
 */
static void keys_homed_at_end(struct slot *slots, uint32_t n, uintptr_t from,
			      uint32_t size, uint32_t min_home)
{
	struct addr_index probe_ix = { 0 };
	struct addr_probe probe;

	assert_int_equal(addr_index_reserve(&probe_ix, size / 2), 0);
	assert_int_equal(probe_ix.mask + 1, size);
	for (uint32_t i = 0; i < n; from += 16) {
		slots[i].evt = (struct event *)from;
		assert_int_equal(addr_index_find(&probe_ix, slots, slots[i].evt, &probe), 0);
		if (probe.bucket >= min_home)
			i++;
	}
	addr_index_release(&probe_ix);
}

/*
 * Growing in place must handle runs that wrapped around the end of the
 * old table into its start, and a full table: every entry is found
 * afterwards, and the growth is one realloc(), no second table.
 */
static void test_grow_wrapped_runs(void **state)
{
	enum { OLD = 64, KEYS = OLD / 2 };
	struct slot *slots = calloc(KEYS, sizeof(*slots));
	struct addr_index ix = { 0 };
	struct addr_probe probe;

	assert_non_null(slots);
	keys_homed_at_end(slots, KEYS, 0x7f0000001000u, OLD, OLD - 4);
	assert_int_equal(addr_index_reserve(&ix, KEYS), 0);
	assert_int_equal(ix.mask + 1, OLD);
	for (uint32_t i = 0; i < KEYS; i++) {
		assert_int_equal(addr_index_find(&ix, slots, slots[i].evt, &probe), 0);
		addr_index_insert_at(&ix, probe, i);
	}
	/* The runs wrapped: the start of the table is in use. */
	assert_int_not_equal(ix.buckets[0].value, 0);
	wrap_reset();
	assert_int_equal(addr_index_reserve(&ix, KEYS + 1), 0);
	assert_int_equal(ix.mask + 1, OLD * 2);
	assert_int_equal(wrap_calls(WRAP_REALLOC), 1);
	assert_int_equal(wrap_calls(WRAP_CALLOC), 0);
	for (uint32_t i = 0; i < KEYS; i++)
		assert_int_equal(addr_index_find(&ix, slots, slots[i].evt, NULL), i + 1);
	/* Still consistent for removals: take them out one by one. */
	for (uint32_t i = 0; i < KEYS; i++) {
		addr_index_remove(&ix, slots, i);
		assert_int_equal(addr_index_find(&ix, slots, slots[i].evt, NULL), 0);
		for (uint32_t k = i + 1; k < KEYS; k++)
			assert_int_equal(addr_index_find(&ix, slots, slots[k].evt, NULL), k + 1);
	}
	for (uint32_t i = 0; i <= ix.mask; i++)
		assert_int_equal(ix.buckets[i].value, 0);
	addr_index_release(&ix);
	free(slots);
}

/* A growth that fails leaves every entry where it was, and findable. */
static void test_grow_failure_keeps_entries(void **state)
{
	enum { KEYS = 32 };
	struct event evts[KEYS];
	struct slot slots[KEYS];
	struct addr_index ix = { 0 };
	struct addr_probe probe;

	assert_int_equal(addr_index_reserve(&ix, KEYS), 0);
	for (uint32_t i = 0; i < KEYS; i++) {
		slots[i].evt = &evts[i];
		assert_int_equal(addr_index_find(&ix, slots, &evts[i], &probe), 0);
		addr_index_insert_at(&ix, probe, i);
	}
	wrap_fail(WRAP_REALLOC, 1, ENOMEM);
	assert_int_equal(addr_index_reserve(&ix, KEYS + 1), -ENOMEM);
	wrap_reset();
	assert_int_equal(ix.mask + 1, 2 * KEYS);
	for (uint32_t i = 0; i < KEYS; i++)
		assert_int_equal(addr_index_find(&ix, slots, &evts[i], NULL), i + 1);
	assert_int_equal(addr_index_reserve(&ix, KEYS + 1), 0);
	for (uint32_t i = 0; i < KEYS; i++)
		assert_int_equal(addr_index_find(&ix, slots, &evts[i], NULL), i + 1);
	addr_index_release(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packed_events),
		cmocka_unit_test(test_one_event_per_page),
		cmocka_unit_test(test_reserve_failure),
		cmocka_unit_test(test_grow_wrapped_runs),
		cmocka_unit_test(test_grow_failure_keeps_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
