/* The PIO/MMIO interval registry (iotrap.h). */
#include <errno.h>
#include <string.h>

#include "iotrap.h"

#define PIO_SPACE_END	0x10000ULL

void iotrap_init(struct iotrap *t)
{
	memset(t, 0, sizeof(*t));
}

static bool before(const struct iotrap_region *r, enum iotrap_space space, uint64_t base)
{
	return r->space < space || (r->space == space && r->base < base);
}

int iotrap_register(struct iotrap *t, enum iotrap_space space, uint64_t base, uint64_t len,
		    iotrap_fn fn, void *opaque, const char *name)
{
	unsigned int pos = 0;

	if (!len || !fn || base + len < base || (space != IOTRAP_PIO && space != IOTRAP_MMIO) ||
	    (space == IOTRAP_PIO && base + len > PIO_SPACE_END))
		return -EINVAL;
	for (unsigned int i = 0; i < t->nr; i++) {
		const struct iotrap_region *r = &t->r[i];

		if (r->space == space && base < r->base + r->len && r->base < base + len)
			return -EEXIST;
	}
	if (t->nr == IOTRAP_MAX)
		return -ENOSPC;
	while (pos < t->nr && before(&t->r[pos], space, base))
		pos++;
	memmove(&t->r[pos + 1], &t->r[pos], (t->nr - pos) * sizeof(t->r[0]));
	t->r[pos] = (struct iotrap_region){ space, base, len, fn, opaque, name };
	t->nr++;
	return 0;
}

static const struct iotrap_region *lookup(const struct iotrap *t, enum iotrap_space space,
					  uint64_t addr)
{
	unsigned int lo = 0, hi = t->nr;

	/* The last region starting at or below (space, addr). */
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (before(&t->r[mid], space, addr + 1))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	return t->r[lo - 1].space == space ? &t->r[lo - 1] : NULL;
}

bool iotrap_dispatch(const struct iotrap *t, enum iotrap_space space, uint64_t addr,
		     uint8_t *data, unsigned int len, bool is_write)
{
	const struct iotrap_region *r = lookup(t, space, addr);

	if (r && len && addr - r->base < r->len && len <= r->len - (addr - r->base)) {
		r->fn(r->opaque, addr - r->base, data, len, is_write);
		return true;
	}
	if (!is_write)
		memset(data, space == IOTRAP_PIO ? 0xFF : 0x00, len);
	return false;
}
