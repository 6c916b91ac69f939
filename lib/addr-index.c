/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registered events by address: see addr-index.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

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

/*
 * A large calloc() block is fresh memory that the kernel maps on first
 * touch. Rehashing touches it first with the read of a probe, which maps
 * the shared zero page, and the write that follows faults again to copy
 * it: two page faults per page, half of all the page faults of adding a
 * million events. Writing one byte per page first (a zero: calloc() has
 * promised zeros) makes it one. Volatile, so that the compiler keeps the
 * stores it would otherwise prove useless.
 */
static void prefault_for_writing(void *mem, size_t size)
{
	volatile char *p = mem;

	for (size_t off = 0; off < size; off += 4096)
		p[off] = 0;
}

static void insert_into(struct addr_bucket *buckets, uint32_t mask,
			struct addr_bucket entry)
{
	uint32_t i = entry.hash & mask;

	while (buckets[i].value)
		i = (i + 1) & mask;
	buckets[i] = entry;
}

int addr_index_reserve(struct addr_index *ix, uint32_t entries)
{
	uint32_t old_size = ix->buckets ? ix->mask + 1 : 0, size;
	struct addr_index grown;

	if ((uint64_t)entries * 2 <= old_size)
		return 0;
	if (entries > UINT32_MAX / 4)
		return -ENOMEM;
	for (size = old_size ? old_size : 64; size < entries * 2; size *= 2)
		;
	grown.buckets = calloc(size, sizeof(*grown.buckets));
	if (!grown.buckets)
		return -ENOMEM;
	prefault_for_writing(grown.buckets, (size_t)size * sizeof(*grown.buckets));
	grown.mask = size - 1;
	for (uint32_t i = 0; i < old_size; i++)
		if (ix->buckets[i].value)
			insert_into(grown.buckets, grown.mask, ix->buckets[i]);
	free(ix->buckets);
	*ix = grown;
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
