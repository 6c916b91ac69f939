/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registered events by address: see addr-index.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "addr-index.h"
#include "dispatcher-internal.h"

/* Fibonacci hashing: the multiply spreads the aligned low bits upwards. */
static inline uint32_t home_of(const struct addr_index *ix,
			       const struct event *evt)
{
	uint64_t h = (uint64_t)(uintptr_t)evt * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32) & ix->mask;
}

static inline const struct event *key_at(const struct slot *slots,
					 uint32_t bucket_value)
{
	return slots[bucket_value - 1].evt;
}

static void insert_into(uint32_t *buckets, uint32_t mask, uint32_t home,
			uint32_t value)
{
	uint32_t i = home;

	while (buckets[i])
		i = (i + 1) & mask;
	buckets[i] = value;
}

int addr_index_reserve(struct addr_index *ix, const struct slot *slots,
		       uint32_t entries)
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
	grown.mask = size - 1;
	for (uint32_t i = 0; i < old_size; i++) {
		uint32_t value = ix->buckets[i];

		if (value)
			insert_into(grown.buckets, grown.mask,
				    home_of(&grown, key_at(slots, value)), value);
	}
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
			 const struct event *evt)
{
	uint32_t i, value;

	if (!ix->buckets)
		return 0;
	for (i = home_of(ix, evt); (value = ix->buckets[i]); i = (i + 1) & ix->mask)
		if (key_at(slots, value) == evt)
			return value;
	return 0;
}

void addr_index_insert(struct addr_index *ix, const struct slot *slots,
		       uint32_t idx)
{
	insert_into(ix->buckets, ix->mask, home_of(ix, slots[idx].evt), idx + 1);
}

void addr_index_remove(struct addr_index *ix, const struct slot *slots,
		       uint32_t idx)
{
	uint32_t hole, i, value;

	for (hole = home_of(ix, slots[idx].evt); ix->buckets[hole] != idx + 1;
	     hole = (hole + 1) & ix->mask)
		;
	/*
	 * Backward shift: pull later entries of the probe run into the hole
	 * unless that would put them before their home bucket.
	 */
	for (i = (hole + 1) & ix->mask; (value = ix->buckets[i]);
	     i = (i + 1) & ix->mask) {
		uint32_t home = home_of(ix, key_at(slots, value));

		/* Is home cyclically in (hole, i]? Then the entry stays. */
		if (((i - home) & ix->mask) < ((i - hole) & ix->mask))
			continue;
		ix->buckets[hole] = value;
		hole = i;
	}
	ix->buckets[hole] = 0;
}
