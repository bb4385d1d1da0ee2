/* The page-number map of pfn_map.h. */
#include <errno.h>
#include <stdlib.h>

#include "pfn_map.h"

#define PFN_EMPTY	(~0ULL)
#define PFN_GONE	(~0ULL - 1)

static size_t slot_of(const struct pfn_map *m, uint64_t key)
{
	/* Fibonacci hashing: neighbouring page numbers spread out. */
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 17) & (m->cap - 1);
}

void pfn_map_free(struct pfn_map *m)
{
	free(m->key);
	free(m->val);
	*m = (struct pfn_map){ 0 };
}

static size_t find(const struct pfn_map *m, uint64_t key, bool *found)
{
	size_t i = slot_of(m, key), first_free = (size_t)-1;

	for (size_t n = 0; n < m->cap; n++, i = (i + 1) & (m->cap - 1)) {
		if (m->key[i] == key) {
			*found = true;
			return i;
		}
		if (m->key[i] == PFN_GONE && first_free == (size_t)-1)
			first_free = i;
		if (m->key[i] == PFN_EMPTY) {
			*found = false;
			return first_free != (size_t)-1 ? first_free : i;
		}
	}
	*found = false;
	return first_free;
}

static int grow(struct pfn_map *m)
{
	struct pfn_map n = { .cap = m->cap ? m->cap * 2 : 1024 };

	n.key = malloc(n.cap * sizeof(*n.key));
	n.val = malloc(n.cap * sizeof(*n.val));
	if (!n.key || !n.val) {
		pfn_map_free(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n.cap; i++)
		n.key[i] = PFN_EMPTY;
	for (size_t i = 0; i < m->cap; i++) {
		bool found;
		size_t j;

		if (m->key[i] == PFN_EMPTY || m->key[i] == PFN_GONE)
			continue;
		j = find(&n, m->key[i], &found);
		n.key[j] = m->key[i];
		n.val[j] = m->val[i];
		n.used++;
	}
	pfn_map_free(m);
	*m = n;
	return 0;
}

int pfn_map_put(struct pfn_map *m, uint64_t key, uint64_t val)
{
	bool found;
	size_t i;

	if ((m->used + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	i = find(m, key, &found);
	if (!found && m->key[i] == PFN_EMPTY)
		m->used++;
	m->key[i] = key;
	m->val[i] = val;
	return 0;
}

bool pfn_map_get(const struct pfn_map *m, uint64_t key, uint64_t *val)
{
	bool found = false;
	size_t i;

	if (!m->cap)
		return false;
	i = find(m, key, &found);
	if (found)
		*val = m->val[i];
	return found;
}

void pfn_map_del(struct pfn_map *m, uint64_t key)
{
	bool found = false;
	size_t i;

	if (!m->cap)
		return;
	i = find(m, key, &found);
	if (found)
		m->key[i] = PFN_GONE;
}
