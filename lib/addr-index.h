/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef MINIVENT_ADDR_INDEX_H
#define MINIVENT_ADDR_INDEX_H

/*
 * The registered events of a dispatcher, by address: an open-addressing
 * hash set of slot indices, keyed by the slot's event pointer. event_add()
 * asks it whether an event is already registered even when the event's
 * own fields have been overwritten (re-initialized while registered), as
 * the original minivent did by searching its list.
 *
 * Linear probing, at most half full, with backward-shift deletion, so
 * there are no tombstones and a lookup ends at the first empty bucket.
 * A bucket holds 1 + the slot index (0 = empty) and the key's hash: probing
 * for an absent event, deleting and rehashing never read the slot table,
 * which at a million events would cost a cache miss per bucket. The table
 * grows in place (realloc(), then a rehash within it). Like the heap, it
 * never allocates on its own: addr_index_reserve() makes room first.
 */

#include <stdint.h>

struct event;
struct slot;

struct addr_bucket {
	uint32_t value;		/* 1 + slot index (< 2^31), 0 if empty */
	uint32_t hash;		/* of the slot's event pointer */
};

struct addr_index {
	struct addr_bucket *buckets;
	uint32_t mask;		/* bucket count - 1; buckets is NULL if 0 */
};

/* Room for @entries entries. 0 or -ENOMEM. */
int addr_index_reserve(struct addr_index *ix, uint32_t entries);
void addr_index_release(struct addr_index *ix);

/* Where a lookup ended: the bucket for an insert, and the key's hash. */
struct addr_probe {
	uint32_t bucket;
	uint32_t hash;
};

/*
 * 1 + the slot of @evt, or 0 if it is not registered; then *@probe (if not
 * NULL) says where addr_index_insert_at() is to put it, as long as the
 * index does not change in between. There must be room (see
 * addr_index_reserve()) and buckets, unless the index is empty.
 */
uint32_t addr_index_find(const struct addr_index *ix, const struct slot *slots,
			 const struct event *evt, struct addr_probe *probe);
/* Add slot @idx where addr_index_find() said. */
void addr_index_insert_at(struct addr_index *ix, struct addr_probe probe,
			  uint32_t idx);
/* Drop slot @idx, which is in the index; its event pointer must still be set. */
void addr_index_remove(struct addr_index *ix, const struct slot *slots,
		       uint32_t idx);

#endif
