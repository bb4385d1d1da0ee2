/*
 * A page-number map (u64 -> u64), open addressing with tombstones: the
 * engine's record of which host page backs which private GPA page, both
 * ways, so a poisoned host page can be unmapped from the TD.
 */
#ifndef TDX_PFN_MAP_H
#define TDX_PFN_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pfn_map {
	uint64_t *key;		/* PFN_EMPTY / PFN_GONE mark free slots */
	uint64_t *val;
	size_t cap;		/* a power of two, or 0 */
	size_t used;		/* live + tombstones */
};

void pfn_map_free(struct pfn_map *m);
/** pfn_map_put() - set @key -> @val; -ENOMEM leaves the map as it was. */
int pfn_map_put(struct pfn_map *m, uint64_t key, uint64_t val);
bool pfn_map_get(const struct pfn_map *m, uint64_t key, uint64_t *val);
void pfn_map_del(struct pfn_map *m, uint64_t key);

#endif /* TDX_PFN_MAP_H */
