/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The timeout heap: a 4-ary min-heap keyed by (deadline, arming order).
 * See timeout-heap.h for the design.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dispatcher-internal.h"
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
static inline bool entry_before(const struct slot *slots,
				const struct heap_entry *a,
				const struct heap_entry *b)
{
	(void)slots;
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static inline void place(struct timeout_heap *heap, uint32_t i,
			 struct heap_entry entry)
{
	heap->entries[i] = entry;
	heap->pos[entry.slot] = i + 1;
}

/* The earlier of entries @a and @b; @a if they tie. */
static inline const struct heap_entry *
earlier_of(const struct slot *slots, const struct heap_entry *a,
	   const struct heap_entry *b)
{
	return entry_before(slots, b, a) ? b : a;
}

/*
 * The earliest of the children of entry @i, or NULL if it has none. A
 * full set of four, the common case, is compared in two independent pairs
 * and a final, a shallower chain than three compares in a row.
 */
static inline __attribute__((always_inline)) const struct heap_entry *
earliest_child(const struct timeout_heap *heap, const struct slot *slots,
	       uint32_t i)
{
	const struct heap_entry *e = heap->entries, *best;
	uint32_t c = first_child_of(i), count = heap->count;

	if (c + ARITY <= count) {
		const struct heap_entry *k = &e[c];

		return earlier_of(slots, earlier_of(slots, k, k + 1),
				  earlier_of(slots, k + 2, k + 3));
	}
	if (c >= count)
		return NULL;
	best = &e[c];
	for (c++; c < count; c++)
		best = earlier_of(slots, best, &e[c]);
	return best;
}

/* Move the entry at @best into the hole at *@hole, which moves there. */
static inline void move_up_into(struct heap_entry *e, uint32_t *pos,
				uint32_t *hole, const struct heap_entry *best)
{
	e[*hole] = *best;
	pos[best->slot] = *hole + 1;
	*hole = (uint32_t)(best - e);
}

/* Move the hole at @i up until @entry fits, then store @entry there. */
static void sift_up(struct timeout_heap *heap, struct slot *slots, uint32_t i,
		    struct heap_entry entry)
{
	while (i > 0) {
		uint32_t p = parent_of(i);

		if (!entry_before(slots, &entry, &heap->entries[p]))
			break;
		place(heap, i, heap->entries[p]);
		i = p;
	}
	place(heap, i, entry);
}

/* Move the hole at @i down until @entry fits, then store @entry there. */
static void sift_down(struct timeout_heap *heap, struct slot *slots, uint32_t i,
		      struct heap_entry entry)
{
	for (;;) {
		const struct heap_entry *best = earliest_child(heap, slots, i);

		if (!best || !entry_before(slots, best, &entry))
			break;
		move_up_into(heap->entries, heap->pos, &i, best);
	}
	place(heap, i, entry);
}

/* Store @entry at @i, moving it whichever way restores the order. */
static void reposition(struct timeout_heap *heap, struct slot *slots, uint32_t i,
		       struct heap_entry entry)
{
	if (i > 0 && entry_before(slots, &entry, &heap->entries[parent_of(i)]))
		sift_up(heap, slots, i, entry);
	else
		sift_down(heap, slots, i, entry);
}

/*
 * A sift down reads the four children of an entry: with 16-byte entries
 * they fill one cache line if entry 1 starts one, instead of straddling
 * two, which in a heap too large for the caches is a miss per level saved.
 */
#define CACHE_LINE 64
#define ALIGN_SLACK (CACHE_LINE / sizeof(struct heap_entry) - 1)

/* How far into a block at @mem the entries go, so that entry 1 starts a line. */
static size_t skew_for(const void *mem)
{
	uintptr_t first_child = (uintptr_t)mem + sizeof(struct heap_entry);

	return (CACHE_LINE - first_child % CACHE_LINE) % CACHE_LINE;
}

int heap_reserve(struct timeout_heap *heap, uint32_t capacity)
{
	char *mem = heap->entries ? (char *)heap->entries - heap->skew : NULL;
	uint32_t *pos;
	size_t skew;

	if (capacity <= heap->capacity)
		return 0;
	/*
	 * The positions first: if the entries cannot grow after them, the
	 * larger table is merely unused (its new part says "not in the
	 * heap"), and the heap is as it was.
	 */
	pos = realloc(heap->pos, (size_t)capacity * sizeof(*pos));
	if (!pos)
		return -ENOMEM;
	memset(pos + heap->capacity, 0,
	       (size_t)(capacity - heap->capacity) * sizeof(*pos));
	heap->pos = pos;
	/*
	 * realloc() keeps the growth of a large heap free of copies (glibc
	 * moves its pages); the entries move only if the block's alignment
	 * within a cache line changed.
	 */
	mem = realloc(mem, ((size_t)capacity + ALIGN_SLACK) *
			   sizeof(struct heap_entry));
	if (!mem)
		return -ENOMEM;
	skew = skew_for(mem);
	if (heap->count && skew != heap->skew)
		memmove(mem + skew, mem + heap->skew,
			(size_t)heap->count * sizeof(struct heap_entry));
	heap->entries = (struct heap_entry *)(mem + skew);
	heap->skew = skew;
	heap->capacity = capacity;
	return 0;
}

void heap_release(struct timeout_heap *heap)
{
	if (heap->entries)
		free((char *)heap->entries - heap->skew);
	free(heap->pos);
	*heap = (struct timeout_heap){ 0 };
}

void heap_insert(struct timeout_heap *heap, struct slot *slots, uint32_t idx,
		 int64_t deadline)
{
	struct heap_entry entry = { .deadline = deadline, .slot = idx,
				    .seq = slots[idx].deadline_seq };

	sift_up(heap, slots, heap->count++, entry);
}

void heap_update(struct timeout_heap *heap, struct slot *slots, uint32_t idx,
		 int64_t deadline)
{
	struct heap_entry entry = { .deadline = deadline, .slot = idx,
				    .seq = slots[idx].deadline_seq };

	reposition(heap, slots, heap->pos[idx] - 1, entry);
}

/*
 * Taking the top out is what firing timeouts does, so it has a path of
 * its own. The last entry, which is to fill the hole, came from the
 * bottom and almost always belongs near it again: instead of comparing it
 * on every level on the way down, the hole goes all the way down along
 * the earlier children, and the last entry climbs from there, usually not
 * at all (Floyd's variant).
 */
void heap_pop(struct timeout_heap *heap, struct slot *slots)
{
	const struct heap_entry *best;
	struct heap_entry last;
	uint32_t hole = 0;

	heap->pos[heap->entries[0].slot] = 0;
	if (--heap->count == 0)
		return;
	last = heap->entries[heap->count];
	best = earliest_child(heap, slots, hole);
	/*
	 * The first entry to move up is almost always the new top, whose
	 * record a timeout pass reads next: fetch it while the hole goes
	 * down, which in a large heap is a cache miss per level anyway.
	 */
	if (best)
		__builtin_prefetch(&slots[best->slot]);
	for (; best; best = earliest_child(heap, slots, hole))
		move_up_into(heap->entries, heap->pos, &hole, best);
	sift_up(heap, slots, hole, last);
}

void heap_remove(struct timeout_heap *heap, struct slot *slots, uint32_t idx)
{
	struct heap_entry last;
	uint32_t i;

	/* Before the first heap_reserve() no slot can be in the heap. */
	if (idx >= heap->capacity || heap->pos[idx] == 0)
		return;
	i = heap->pos[idx] - 1;
	heap->pos[idx] = 0;
	last = heap->entries[--heap->count];
	if (i < heap->count)
		reposition(heap, slots, i, last);
}

/* Binary max-heap sift for heapsort_entries(), by (deadline, seq). */
static void sort_sift(struct heap_entry *e, uint32_t i, uint32_t n)
{
	struct heap_entry moving = e[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && entry_before(NULL, &e[c], &e[c + 1]))
			c++;
		if (!entry_before(NULL, &moving, &e[c]))
			break;
		e[i] = e[c];
		i = c;
	}
	e[i] = moving;
}

/* In place, ascending: a sorted array is a heap too. */
static void heapsort_entries(struct heap_entry *e, uint32_t n)
{
	for (uint32_t i = n / 2; i-- > 0;)
		sort_sift(e, i, n);
	while (n > 1) {
		struct heap_entry top = e[0];

		e[0] = e[--n];
		e[n] = top;
		sort_sift(e, 0, n);
	}
}

uint32_t heap_renumber(struct timeout_heap *heap, struct slot *slots)
{
	struct heap_entry *e = heap->entries;

	for (uint32_t i = 0; i < heap->count; i++) {
		const struct slot *s = &slots[e[i].slot];

		/*
		 * A deadline waiting for its clock read holds a relative
		 * timeout, no time: that key stays, and the slot is armed
		 * with a new order at the end of its pass.
		 */
		if (e[i].seq != s->deadline_seq && !(s->state & SLOT_PENDING)) {
			e[i].deadline = s->deadline;
			e[i].seq = s->deadline_seq;
		}
	}
	heapsort_entries(e, heap->count);
	uint32_t next = heap->count;

	for (uint32_t i = 0; i < heap->count; i++) {
		struct slot *s = &slots[e[i].slot];

		e[i].seq = i + 1;
		heap->pos[e[i].slot] = i + 1;
		/*
		 * A pending slot's order is that of its push-back, set after
		 * every key: a number past theirs keeps it last among equal
		 * deadlines, and keeps its key stale (a lower bound, not its
		 * deadline) until the end of the pass arms it.
		 */
		s->deadline_seq = (s->state & SLOT_PENDING) ? ++next : i + 1;
	}
	return next;
}

bool heap_is_consistent(const struct timeout_heap *heap,
			const struct slot *slots)
{
	for (uint32_t i = 0; i < heap->count; i++) {
		const struct heap_entry *e = &heap->entries[i];

		if (heap->pos[e->slot] != i + 1)
			return false;
		if (i > 0 && entry_before(slots, e, &heap->entries[parent_of(i)]))
			return false;
	}
	return true;
}
