/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The timeout heap: a 4-ary min-heap keyed by (deadline, arming order).
 * See timeout-heap.h for the design.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "event.h"
#include "timeout-heap.h"

#define ARITY 4

static inline uint32_t parent_of(uint32_t i)
{
	return (i - 1) / ARITY;
}

static inline uint32_t first_child_of(uint32_t i)
{
	return i * ARITY + 1;
}

/* Is entry @a due before entry @b? Ties go to the one armed first. */
static inline bool entry_before(const struct heap_entry *a,
				const struct heap_entry *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->evt->priv_.seq_ < b->evt->priv_.seq_;
}

static inline void place(struct timeout_heap *heap, uint32_t i,
			 struct heap_entry entry)
{
	heap->entries[i] = entry;
	entry.evt->priv_.heap_pos_ = i + 1;
}

/* Move the hole at @i up until @entry fits, then store @entry there. */
static void sift_up(struct timeout_heap *heap, uint32_t i,
		    struct heap_entry entry)
{
	while (i > 0) {
		uint32_t p = parent_of(i);

		if (!entry_before(&entry, &heap->entries[p]))
			break;
		place(heap, i, heap->entries[p]);
		i = p;
	}
	place(heap, i, entry);
}

/* Move the hole at @i down until @entry fits, then store @entry there. */
static void sift_down(struct timeout_heap *heap, uint32_t i,
		      struct heap_entry entry)
{
	for (;;) {
		uint32_t c = first_child_of(i), end, best;

		if (c >= heap->count)
			break;
		end = c + ARITY < heap->count ? c + ARITY : heap->count;
		best = c;
		for (c++; c < end; c++)
			if (entry_before(&heap->entries[c], &heap->entries[best]))
				best = c;
		if (!entry_before(&heap->entries[best], &entry))
			break;
		place(heap, i, heap->entries[best]);
		i = best;
	}
	place(heap, i, entry);
}

/* Store @entry at @i, moving it whichever way restores the order. */
static void reposition(struct timeout_heap *heap, uint32_t i,
		       struct heap_entry entry)
{
	if (i > 0 && entry_before(&entry, &heap->entries[parent_of(i)]))
		sift_up(heap, i, entry);
	else
		sift_down(heap, i, entry);
}

int heap_reserve(struct timeout_heap *heap, uint32_t capacity)
{
	struct heap_entry *entries;

	if (capacity <= heap->capacity)
		return 0;
	entries = realloc(heap->entries, (size_t)capacity * sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	heap->entries = entries;
	heap->capacity = capacity;
	return 0;
}

void heap_release(struct timeout_heap *heap)
{
	free(heap->entries);
	*heap = (struct timeout_heap){ 0 };
}

void heap_insert(struct timeout_heap *heap, struct event *evt, int64_t deadline)
{
	struct heap_entry entry = { .deadline = deadline, .evt = evt };

	sift_up(heap, heap->count++, entry);
}

void heap_update(struct timeout_heap *heap, struct event *evt, int64_t deadline)
{
	struct heap_entry entry = { .deadline = deadline, .evt = evt };

	reposition(heap, evt->priv_.heap_pos_ - 1, entry);
}

void heap_remove(struct timeout_heap *heap, struct event *evt)
{
	uint32_t i = evt->priv_.heap_pos_;
	struct heap_entry last;

	if (i == 0)
		return;
	i--;
	evt->priv_.heap_pos_ = 0;
	last = heap->entries[--heap->count];
	if (i < heap->count)
		reposition(heap, i, last);
}

bool heap_is_consistent(const struct timeout_heap *heap)
{
	for (uint32_t i = 0; i < heap->count; i++) {
		const struct heap_entry *e = &heap->entries[i];

		if (e->evt->priv_.heap_pos_ != i + 1)
			return false;
		if (i > 0 && entry_before(e, &heap->entries[parent_of(i)]))
			return false;
	}
	return true;
}
