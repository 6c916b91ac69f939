/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registered events by address: see addr-index.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr-index.h"
#include "dispatcher-internal.h"

/*
 * The page of the address picks a random place (Fibonacci hashing), the
 * offset within the page a bucket after it: events that lie close together
 * in memory, as an array or a slab of them does, share cache lines of the
 * index too, while pages, and events one per page, still spread evenly.
 */
static inline uint32_t hash_of(const struct event *evt)
{
	uintptr_t addr = (uintptr_t)evt;
	uint64_t page = (uint64_t)(addr >> 12) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(page >> 32) + (uint32_t)((addr >> 4) & 0xff);
}

/* Marks the entries already at their place while a table grows. */
#define PLACED 0x80000000u

/*
 * Rehash, in place, a table of @old_size buckets that realloc() has just
 * doubled (or more) to @mask + 1, the new part empty. Growing in place
 * instead of into a second table means the pages of the old table are
 * used again: memory the kernel maps on first touch costs more than the
 * rehash itself (about 3 us a page on a virtual machine), and at a
 * million events a new table would be 16 MB of it.
 *
 * Every entry is put at the first bucket from its new home that does not
 * hold an entry placed already; if that bucket holds one not placed yet,
 * the two swap and that one is placed next. A placed entry never moves
 * again, so the buckets from its home to it stay full, which is all a
 * lookup needs. Entries not placed yet are only ever in the old part,
 * where they started.
 */
static void rehash_in_place(struct addr_bucket *buckets, uint32_t old_size,
			    uint32_t mask)
{
	for (uint32_t i = 0; i < old_size; i++) {
		struct addr_bucket moving = buckets[i];

		if (!moving.value || (moving.value & PLACED))
			continue;
		buckets[i].value = 0;
		for (;;) {
			uint32_t j = moving.hash & mask;
			struct addr_bucket there;

			while (buckets[j].value & PLACED)
				j = (j + 1) & mask;
			there = buckets[j];
			moving.value |= PLACED;
			buckets[j] = moving;
			if (!there.value)
				break;
			moving = there;
		}
	}
	for (uint32_t i = 0; i <= mask; i++)
		buckets[i].value &= ~PLACED;
}

int addr_index_reserve(struct addr_index *ix, uint32_t entries)
{
	uint32_t old_size = ix->buckets ? ix->mask + 1 : 0, size;
	struct addr_bucket *buckets;

	if ((uint64_t)entries * 2 <= old_size)
		return 0;
	if (entries > UINT32_MAX / 4)
		return -ENOMEM;
	for (size = old_size ? old_size : 64; size < entries * 2; size *= 2)
		;
	/* On failure the old table is still there, unchanged. */
	buckets = realloc(ix->buckets, (size_t)size * sizeof(*buckets));
	if (!buckets)
		return -ENOMEM;
	memset(buckets + old_size, 0,
	       (size_t)(size - old_size) * sizeof(*buckets));
	rehash_in_place(buckets, old_size, size - 1);
	ix->buckets = buckets;
	ix->mask = size - 1;
	return 0;
}

void addr_index_release(struct addr_index *ix)
{
	free(ix->buckets);
	*ix = (struct addr_index){ 0 };
}

uint32_t addr_index_find(const struct addr_index *ix, const struct slot *slots,
			 const struct event *evt, struct addr_probe *probe)
{
	uint32_t hash = hash_of(evt), i;

	if (!ix->buckets)
		return 0;
	for (i = hash & ix->mask; ix->buckets[i].value; i = (i + 1) & ix->mask) {
		const struct addr_bucket *b = &ix->buckets[i];

		if (b->hash == hash && slots[b->value - 1].evt == evt)
			return b->value;
	}
	if (probe)
		*probe = (struct addr_probe){ .bucket = i, .hash = hash };
	return 0;
}

void addr_index_insert_at(struct addr_index *ix, struct addr_probe probe,
			  uint32_t idx)
{
	ix->buckets[probe.bucket] = (struct addr_bucket){ .value = idx + 1,
							  .hash = probe.hash };
}

void addr_index_remove(struct addr_index *ix, const struct slot *slots,
		       uint32_t idx)
{
	uint32_t hole, i;

	for (hole = hash_of(slots[idx].evt) & ix->mask;
	     ix->buckets[hole].value != idx + 1; hole = (hole + 1) & ix->mask)
		;
	/*
	 * Backward shift: pull later entries of the probe run into the hole
	 * unless that would put them before their home bucket.
	 */
	for (i = (hole + 1) & ix->mask; ix->buckets[i].value;
	     i = (i + 1) & ix->mask) {
		uint32_t home = ix->buckets[i].hash & ix->mask;

		/* Is home cyclically in (hole, i]? Then the entry stays. */
		if (((i - home) & ix->mask) < ((i - hole) & ix->mask))
			continue;
		ix->buckets[hole] = ix->buckets[i];
		hole = i;
	}
	ix->buckets[hole].value = 0;
}
