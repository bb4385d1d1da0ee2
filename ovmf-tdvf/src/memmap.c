/* The boot-info memory map (memmap.h). */
#include "memmap.h"

#include <string.h>

static void merge(struct memmap *m)
{
	unsigned int w = 0;

	for (unsigned int i = 0; i < m->n; i++) {
		if (w && m->e[w - 1].type == m->e[i].type &&
		    m->e[w - 1].base + m->e[w - 1].length == m->e[i].base) {
			m->e[w - 1].length += m->e[i].length;
			continue;
		}
		m->e[w++] = m->e[i];
	}
	m->n = w;
}

int memmap_add(struct memmap *m, uint64_t base, uint64_t length, uint32_t type)
{
	uint64_t end = base + length;
	unsigned int i;

	if (!length || end < base)
		return -1;
	for (i = 0; i < m->n; i++)
		if (base < m->e[i].base + m->e[i].length && m->e[i].base < end)
			return -1;
	if (m->n >= TDVF_BOOT_INFO_MAX_MEMMAP)
		return -1;
	for (i = m->n; i > 0 && m->e[i - 1].base > base; i--)
		m->e[i] = m->e[i - 1];
	m->e[i] = (struct tdvf_memmap_entry){ .base = base, .length = length, .type = type };
	m->n++;
	merge(m);
	return 0;
}

int memmap_set(struct memmap *m, uint64_t base, uint64_t length, uint32_t type)
{
	struct tdvf_memmap_entry out[TDVF_BOOT_INFO_MAX_MEMMAP];
	uint64_t end = base + length;
	unsigned int n = 0;

	if (!length || end < base)
		return -1;
	for (unsigned int i = 0; i < m->n; i++) {
		struct tdvf_memmap_entry e = m->e[i];
		uint64_t e_end = e.base + e.length;
		uint64_t lo, hi;

		if (e_end <= base || e.base >= end) {
			if (n >= TDVF_BOOT_INFO_MAX_MEMMAP)
				return -1;
			out[n++] = e;
			continue;
		}
		lo = e.base > base ? e.base : base;
		hi = e_end < end ? e_end : end;
		if (n + 3 > TDVF_BOOT_INFO_MAX_MEMMAP)
			return -1;
		if (e.base < lo)
			out[n++] = (struct tdvf_memmap_entry){ .base = e.base, .length = lo - e.base,
							       .type = e.type };
		out[n++] = (struct tdvf_memmap_entry){ .base = lo, .length = hi - lo, .type = type };
		if (hi < e_end)
			out[n++] = (struct tdvf_memmap_entry){ .base = hi, .length = e_end - hi,
							       .type = e.type };
	}
	memcpy(m->e, out, n * sizeof(out[0]));
	m->n = n;
	merge(m);
	return 0;
}

uint64_t memmap_total(const struct memmap *m, uint32_t type)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i < m->n; i++)
		if (m->e[i].type == type)
			t += m->e[i].length;
	return t;
}

int memmap_covered(const struct memmap *m, uint64_t base, uint64_t length, uint32_t type)
{
	uint64_t a = base, end = base + length;

	if (end < base)
		return 0;
	while (a < end) {
		unsigned int i;

		for (i = 0; i < m->n; i++)
			if (m->e[i].type == type && m->e[i].base <= a &&
			    a < m->e[i].base + m->e[i].length)
				break;
		if (i == m->n)
			return 0;
		a = m->e[i].base + m->e[i].length;
	}
	return 1;
}
