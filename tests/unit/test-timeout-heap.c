/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The timeout heap against a simple model: random inserts, moves and
 * removals, checking the heap invariants after every step and that
 * popping (heap_pop(), or heap_remove() of the top) yields (deadline,
 * arming order) order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "unit-test.h"
#include "dispatcher-internal.h"
#include "timeout-heap.h"

enum { N = 2000, STEPS = 40000 };

struct model {
	struct slot slots[N];
	int64_t deadline[N];	/* -1: not in the heap */
	uint64_t seq;
};

static void model_arm(struct timeout_heap *h, struct model *m, int i, int64_t d)
{
	m->slots[i].deadline_seq = (uint32_t)++m->seq;
	if (m->deadline[i] >= 0)
		heap_update(h, m->slots, i, d);
	else
		heap_insert(h, m->slots, i, d);
	m->deadline[i] = d;
}

/* The index the model says must be at the top, or -1. */
static int model_min(const struct model *m)
{
	int best = -1;

	for (int i = 0; i < N; i++) {
		if (m->deadline[i] < 0)
			continue;
		if (best < 0 || m->deadline[i] < m->deadline[best] ||
		    (m->deadline[i] == m->deadline[best] &&
		     m->slots[i].deadline_seq < m->slots[best].deadline_seq))
			best = i;
	}
	return best;
}

static void test_heap_random(void **state)
{
	struct timeout_heap heap = { 0 };
	struct model *m = calloc(1, sizeof(*m));
	uint32_t count = 0;

	assert_non_null(m);
	assert_int_equal(heap_reserve(&heap, N), 0);
	for (int i = 0; i < N; i++)
		m->deadline[i] = -1;
	srand(12345);
	for (int step = 0; step < STEPS; step++) {
		int i = rand() % N, op = rand() % 4;
		/* Few distinct deadlines, so that ties are common. */
		int64_t d = rand() % 64;

		if (op < 2) {
			count += m->deadline[i] < 0;
			model_arm(&heap, m, i, d);
		} else if (op == 2) {
			count -= m->deadline[i] >= 0;
			heap_remove(&heap, m->slots, i);
			m->deadline[i] = -1;
			assert_false(heap_has(&heap, i));
		} else if (heap_top(&heap)) {
			int want = model_min(m);

			assert_int_equal(heap_top(&heap)->slot, want);
			assert_int_equal(heap_top(&heap)->deadline, m->deadline[want]);
			/* Both ways of taking the top out. */
			if (step % 2)
				heap_pop(&heap, m->slots);
			else
				heap_remove(&heap, m->slots, want);
			assert_false(heap_has(&heap, want));
			m->deadline[want] = -1;
			count--;
		}
		assert_int_equal(heap.count, count);
		if (step % 97 == 0)
			assert_true(heap_is_consistent(&heap, m->slots));
	}
	/* Drain: strictly in (deadline, seq) order. */
	while (heap_top(&heap)) {
		int want = model_min(m);

		assert_int_equal(heap_top(&heap)->slot, want);
		heap_pop(&heap, m->slots);
		assert_true(heap_is_consistent(&heap, m->slots));
		m->deadline[want] = -1;
	}
	assert_int_equal(model_min(m), -1);
	heap_release(&heap);
	free(m);
}

static void test_heap_remove_absent_and_reserve(void **state)
{
	struct timeout_heap heap = { 0 };
	struct slot s[1];

	memset(s, 0, sizeof(s));
	heap_remove(&heap, s, 0);	/* not in the heap: no-op */
	assert_null(heap_top(&heap));
	assert_int_equal(heap_reserve(&heap, 4), 0);
	assert_int_equal(heap_reserve(&heap, 2), 0);	/* never shrinks */
	assert_int_equal(heap.capacity, 4);
	wrap_fail(WRAP_REALLOC, 1, ENOMEM);
	assert_int_equal(heap_reserve(&heap, 64), -ENOMEM);
	assert_int_equal(heap.capacity, 4);
	/* The positions grew, the entries did not: still as it was. */
	wrap_reset();
	wrap_fail(WRAP_REALLOC, 2, ENOMEM);
	assert_int_equal(heap_reserve(&heap, 64), -ENOMEM);
	assert_int_equal(wrap_calls(WRAP_REALLOC), 2);
	assert_int_equal(heap.capacity, 4);
	wrap_reset();
	heap_insert(&heap, s, 0, 5);
	assert_int_equal(heap.pos[0], 1);
	assert_int_equal(heap_entry_of(&heap, 0)->deadline, 5);
	heap_update(&heap, s, 0, 3);
	assert_int_equal(heap_top(&heap)->deadline, 3);
	heap_release(&heap);
}

/*
 * The four children of an entry share a cache line whatever alignment
 * realloc() hands out, and growing moves no entry out of order.
 */
static void test_heap_grows_aligned(void **state)
{
	struct timeout_heap heap = { 0 };
	struct slot *s = calloc(4096, sizeof(*s));
	void *noise[16] = { 0 };
	int64_t last = -1;

	assert_non_null(s);
	for (uint32_t cap = 1, n = 0; cap <= 4096; cap *= 2) {
		/* Odd-sized blocks around it, so that realloc() moves it. */
		noise[cap % 16] = realloc(noise[cap % 16], cap * 24 + 8);
		assert_int_equal(heap_reserve(&heap, cap), 0);
		assert_int_equal((uintptr_t)&heap.entries[1] % 64, 0);
		assert_true(heap.skew < 64);
		assert_true(heap_is_consistent(&heap, s));
		for (; n < cap; n++) {
			s[n].deadline_seq = n + 1;
			heap_insert(&heap, s, n, (int64_t)(n * 7919 % 1009));
		}
	}
	assert_int_equal(heap.count, 4096);
	while (heap_top(&heap)) {
		const struct heap_entry *top = heap_top(&heap);

		assert_true(top->deadline >= last);
		last = top->deadline;
		heap_remove(&heap, s, top->slot);
	}
	for (int i = 0; i < 16; i++)
		free(noise[i]);
	heap_release(&heap);
	free(s);
}

/*
 * Renumbering the arming orders keeps the order of every tie, gives stale
 * keys their slot's deadline (but not a slot waiting for a clock read),
 * and leaves a consistent heap numbered 1 .. count.
 */
static void test_heap_renumber(void **state)
{
	struct timeout_heap heap = { 0 };
	struct slot s[64] = { 0 };
	uint32_t seq = HEAP_SEQ_LIMIT - 200, n;
	int64_t last = -1;
	uint32_t last_slot = 0;

	assert_int_equal(heap_reserve(&heap, 64), 0);
	for (uint32_t i = 0; i < 64; i++) {
		s[i].deadline = (int64_t)(i % 4) * 10;	/* 16 ties each */
		s[i].deadline_seq = seq += 3;
		heap_insert(&heap, s, i, s[i].deadline);
	}
	/* Slot 5 pushed back lazily; slot 9 likewise, then made pending. */
	s[5].deadline = 35;
	s[5].deadline_seq = ++seq;
	s[9].deadline_seq = ++seq;
	s[9].deadline = 1000000;	/* a relative timeout, not a time */
	s[9].state = SLOT_PENDING;
	n = heap_renumber(&heap, s);
	/* The pending slot is numbered past the 64 entries. */
	assert_int_equal(n, 65);
	assert_true(heap_is_consistent(&heap, s));
	assert_int_equal(heap_entry_of(&heap, 5)->deadline, 35);
	assert_int_equal(heap_entry_of(&heap, 9)->deadline, 10);
	for (uint32_t i = 0; i < 64; i++) {
		assert_int_equal(heap.entries[i].seq, i + 1);
		if (heap.entries[i].slot != 9)
			assert_int_equal(s[heap.entries[i].slot].deadline_seq, i + 1);
	}
	/*
	 * Its key (10) is a lower bound, not its deadline: it must stay
	 * stale, or arming the pushed-back deadline at the end of the pass
	 * would keep the key and fire the timeout early.
	 */
	assert_int_equal(s[9].deadline_seq, 65);
	assert_int_not_equal(heap_entry_of(&heap, 9)->seq, s[9].deadline_seq);
	/* Ties come out in the order they were armed: by slot index here. */
	while (heap_top(&heap)) {
		const struct heap_entry *top = heap_top(&heap);

		if (top->deadline == last)
			assert_true(top->slot > last_slot);
		last = top->deadline;
		last_slot = top->slot;
		heap_pop(&heap, s);
	}
	heap_release(&heap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_random),
		cmocka_unit_test(test_heap_remove_absent_and_reserve),
		cmocka_unit_test(test_heap_grows_aligned),
		cmocka_unit_test(test_heap_renumber),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
