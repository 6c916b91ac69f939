/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MINIVENT_TIMEOUT_HEAP_H
#define MINIVENT_TIMEOUT_HEAP_H

/*
 * A 4-ary min-heap of armed timeouts, ordered by deadline and, for equal
 * deadlines, by arming order (heap_entry::seq, the slot's deadline_seq
 * when the entry got its key), so that timeouts due at the same instant
 * fire first-armed first.
 *
 * Entries name the dispatcher's slot of the registration, and the heap
 * records where each slot's entry is (timeout_heap::pos), which makes move
 * and cancel O(log n) without any search. The positions live in an array
 * of their own, 4 bytes per slot, rather than in the 64-byte slot: every
 * entry a sift moves updates its position, and in a large heap those
 * writes then go to a table that stays in the cache instead of to a
 * cache line of the slot table each. The heap never writes into struct
 * event. Entries carry a copy of the key so that sifting touches only the
 * heap array, except to break ties. A 4-ary heap is shallower than a
 * binary one and its children share a cache line, which is what libev
 * found too.
 *
 * The heap never allocates on its own: the owner reserves capacity for
 * every registered event up front (heap_reserve()), so arming a timeout
 * cannot fail for lack of memory.
 */

#include <stdbool.h>
#include <stdint.h>

struct slot;

struct heap_entry {
	int64_t deadline;
	uint32_t slot;		/* index into the slot table */
	/*
	 * Arming order, to break ties: 32 bits fill what was padding, and
	 * heap_renumber() keeps them from wrapping.
	 */
	uint32_t seq;
};

/*
 * Arming orders stay below this; dispatcher::arm_seq reaching it calls
 * heap_renumber(). Below 2^31 so that tests can reach it by setting the
 * counter, and far enough from 0 that it happens once per two billion
 * arms.
 */
#define HEAP_SEQ_LIMIT 0x7fffffffu

struct timeout_heap {
	/*
	 * The four children of entry i are 4i+1 .. 4i+4: entries starts
	 * @skew bytes (less than a cache line) into its allocation, so
	 * that they share one cache line.
	 */
	struct heap_entry *entries;
	size_t skew;
	/*
	 * By slot index: 1 + the index of the slot's entry, 0 if it has
	 * none. Covers slots 0 .. capacity - 1, one per possible entry.
	 */
	uint32_t *pos;
	uint32_t count;
	uint32_t capacity;
};

/*
 * Make room for at least @capacity entries, and positions for slots
 * 0 .. @capacity - 1. 0 or -ENOMEM, and then nothing has changed.
 */
int heap_reserve(struct timeout_heap *heap, uint32_t capacity);
void heap_release(struct timeout_heap *heap);

/*
 * Insert slot @idx (not in the heap) with key @deadline and arming order
 * slots[@idx].deadline_seq. Capacity must suffice.
 */
void heap_insert(struct timeout_heap *heap, struct slot *slots, uint32_t idx,
		 int64_t deadline);
/* Change the key of slot @idx, which is in the heap, as heap_insert(). */
void heap_update(struct timeout_heap *heap, struct slot *slots, uint32_t idx,
		 int64_t deadline);
/* Take the top out; the heap must not be empty. */
void heap_pop(struct timeout_heap *heap, struct slot *slots);
/* Take slot @idx out of the heap; a no-op if it is not in it. */
void heap_remove(struct timeout_heap *heap, struct slot *slots, uint32_t idx);

/*
 * Give every entry its slot's real deadline and arming order (the keys of
 * deadlines pushed back lazily are behind) unless the slot waits for a
 * clock read (SLOT_PENDING), sort the heap, and number the
 * arming orders 1 .. count in that order, in the entries and the slots;
 * a slot that waits for a clock read gets a number past count instead.
 * Returns the last number given, where the arming counter goes on from.
 * O(n log n), no allocation.
 */
uint32_t heap_renumber(struct timeout_heap *heap, struct slot *slots);

/* Is slot @idx in the heap? */
static inline bool heap_has(const struct timeout_heap *heap, uint32_t idx)
{
	return heap->pos[idx] != 0;
}

/* The entry of slot @idx, which is in the heap. */
static inline const struct heap_entry *heap_entry_of(const struct timeout_heap *heap,
						     uint32_t idx)
{
	return &heap->entries[heap->pos[idx] - 1];
}

static inline const struct heap_entry *heap_top(const struct timeout_heap *heap)
{
	return heap->count ? &heap->entries[0] : 0;
}

/* For tests: check the heap property and the back-pointers. */
bool heap_is_consistent(const struct timeout_heap *heap,
			const struct slot *slots);

#endif
