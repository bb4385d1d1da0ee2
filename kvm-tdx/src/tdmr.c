/*
 * The TDMR builder of the host TDX core: memory regions -> TDMRs ->
 * PAMTs -> reserved areas, in that order, because the reserved areas of
 * a TDMR depend on where every PAMT landed.  tdmrs_check() re-derives
 * each rule on its own so tests (and the host, before TDH.SYS.CONFIG)
 * can trust a list without trusting the builder.  See tdmr.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tdmr.h"

/* Highest physical address bit the architecture allows (MAXPHYADDR 52). */
#define TDMR_MAX_PA	(1ULL << 52)

#define ULL(x)		((unsigned long long)(x))

static const unsigned int pamt_shift[TDX_PS_NR] = {
	[TDX_PS_4K] = 12,
	[TDX_PS_2M] = 21,
	[TDX_PS_1G] = 30,
};

static const char *const pamt_name[TDX_PS_NR] = {
	[TDX_PS_4K] = "4K",
	[TDX_PS_2M] = "2M",
	[TDX_PS_1G] = "1G",
};

/* A half-open physical range, used while reserved areas are collected. */
struct pa_range {
	uint64_t start;
	uint64_t end;
};

static uint64_t tdmr_end(const struct tdmr_info *t)
{
	return t->base + t->size;
}

static uint64_t round_down_1g(uint64_t x)
{
	return x & ~(TDX_SZ_1G - 1);
}

static uint64_t mem_end(const struct cmr_info *r)
{
	return r->base + r->size;
}

static uint64_t pamt_total(const struct tdmr_info *t)
{
	return t->pamt_4k_size + t->pamt_2m_size + t->pamt_1g_size;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static unsigned int rsvd_limit(const struct tdx_sys_info_tdmr *info)
{
	/* struct tdmr_info holds 16; a module allowing more still accepts fewer. */
	return info->max_reserved_per_tdmr < TDX_MAX_RESERVED_PER_TDMR ?
	       info->max_reserved_per_tdmr : TDX_MAX_RESERVED_PER_TDMR;
}

uint64_t tdmr_pamt_size(uint64_t tdmr_size, enum pamt_page_size pgsz, uint16_t entry_size)
{
	uint64_t nr_pages;
	unsigned int shift;

	if ((unsigned int)pgsz >= TDX_PS_NR)
		return 0;
	shift = pamt_shift[pgsz];
	nr_pages = (tdmr_size >> shift) + ((tdmr_size & ((1ULL << shift) - 1)) ? 1 : 0);
	return TDX_ALIGN_UP(nr_pages * entry_size, TDX_PAGE_SIZE);
}

/* ---- Input validation (shared by build and check) ---- */

static int mem_validate(const struct cmr_info *mem, unsigned int nr_mem, struct emu_error *err)
{
	uint64_t prev_end = 0;
	bool any = false;

	if (nr_mem && !mem)
		return emu_error_set(err, -EINVAL, "TDMR: memory region array is NULL");
	for (unsigned int i = 0; i < nr_mem; i++) {
		const struct cmr_info *r = &mem[i];

		if (!r->size)
			continue;
		if (!TDX_IS_ALIGNED(r->base, TDX_PAGE_SIZE) || !TDX_IS_ALIGNED(r->size, TDX_PAGE_SIZE))
			return emu_error_set(err, -EINVAL,
					     "TDMR: memory region %u [%#llx, +%#llx) is not 4 KiB aligned",
					     i, ULL(r->base), ULL(r->size));
		if (r->base >= TDMR_MAX_PA || r->size > TDMR_MAX_PA - r->base)
			return emu_error_set(err, -EINVAL,
					     "TDMR: memory region %u [%#llx, +%#llx) ends beyond 2^52",
					     i, ULL(r->base), ULL(r->size));
		if (any && r->base < prev_end)
			return emu_error_set(err, -EINVAL,
					     "TDMR: memory region %u at %#llx starts below the end %#llx of the one before: regions must be sorted and not overlap",
					     i, ULL(r->base), ULL(prev_end));
		prev_end = mem_end(r);
		any = true;
	}
	if (!any)
		return emu_error_set(err, -EINVAL, "TDMR: no TDX-usable memory regions");
	return 0;
}

static int info_validate(const struct tdx_sys_info_tdmr *info, struct emu_error *err)
{
	if (!info->max_tdmrs)
		return emu_error_set(err, -EINVAL, "TDMR: max_tdmrs is 0");
	for (unsigned int ps = 0; ps < TDX_PS_NR; ps++) {
		if (!info->pamt_entry_size[ps])
			return emu_error_set(err, -EINVAL, "TDMR: PAMT %s entry size is 0",
					     pamt_name[ps]);
	}
	return 0;
}

/* True when every byte of [start, end) lies in some memory region. */
static bool mem_covers(const struct cmr_info *mem, unsigned int nr_mem, uint64_t start, uint64_t end)
{
	uint64_t p = start;

	for (unsigned int i = 0; i < nr_mem && p < end; i++) {
		if (!mem[i].size)
			continue;
		if (mem[i].base <= p && p < mem_end(&mem[i]))
			p = mem_end(&mem[i]);
	}
	return p >= end;
}

/*
 * Calls @fn for every part of [@t->base, tdmr_end(@t)) that is not in a
 * memory region.  Stops at, and returns, the first non-zero result.
 */
static int for_each_hole(const struct tdmr_info *t, const struct cmr_info *mem, unsigned int nr_mem,
			 int (*fn)(void *arg, uint64_t start, uint64_t end), void *arg)
{
	uint64_t p = t->base, end = tdmr_end(t);
	int ret;

	for (unsigned int i = 0; i < nr_mem && p < end; i++) {
		uint64_t rs = max_u64(mem[i].base, t->base), re = min_u64(mem_end(&mem[i]), end);

		if (!mem[i].size || rs >= re)
			continue;
		if (rs > p) {
			ret = fn(arg, p, rs);
			if (ret)
				return ret;
		}
		p = max_u64(p, re);
	}
	return p < end ? fn(arg, p, end) : 0;
}

/* ---- Builder ---- */

/*
 * One TDMR per region rounded out to 1 GiB; a region already (partly)
 * inside the last TDMR only extends coverage from that TDMR's end.
 */
static int fill_out_tdmrs(const struct cmr_info *mem, unsigned int nr_mem, struct tdmr_list *out,
			  struct emu_error *err)
{
	struct tdmr_info *cur = NULL;

	for (unsigned int i = 0; i < nr_mem; i++) {
		uint64_t start = round_down_1g(mem[i].base);
		uint64_t end = TDX_ALIGN_UP(mem_end(&mem[i]), TDX_SZ_1G);

		if (!mem[i].size)
			continue;
		if (cur && start < tdmr_end(cur))
			start = tdmr_end(cur);
		if (start >= end)
			continue;
		if (out->nr >= out->max)
			return emu_error_set(err, -ENOSPC,
					     "TDMR %u [%#llx, %#llx) for memory region %u exceeds max_tdmrs %u",
					     out->nr, ULL(start), ULL(end), i, out->max);
		cur = &out->tdmrs[out->nr++];
		cur->base = start;
		cur->size = end - start;
	}
	return 0;
}

static int alloc_pamts(const struct cmr_info *mem, unsigned int nr_mem,
		       const struct tdx_sys_info_tdmr *info, const struct tdmr_pamt_alloc *pa,
		       struct tdmr_list *out, struct emu_error *err)
{
	for (unsigned int i = 0; i < out->nr; i++) {
		struct tdmr_info *t = &out->tdmrs[i];
		uint64_t sz[TDX_PS_NR], total = 0, npages, base = 0;
		int ret;

		for (unsigned int ps = 0; ps < TDX_PS_NR; ps++) {
			sz[ps] = tdmr_pamt_size(t->size, (enum pamt_page_size)ps,
						info->pamt_entry_size[ps]);
			total += sz[ps];
		}
		npages = total / TDX_PAGE_SIZE;
		ret = pa->alloc(pa->arg, npages, &base);
		if (ret)
			return emu_error_set(err, ret < 0 ? ret : -ENOMEM,
					     "TDMR %u [%#llx, %#llx): allocating its %llu-page PAMT failed (%d)",
					     i, ULL(t->base), ULL(tdmr_end(t)), ULL(npages), ret);
		if (!TDX_IS_ALIGNED(base, TDX_PAGE_SIZE) || base >= TDMR_MAX_PA ||
		    total > TDMR_MAX_PA - base || !mem_covers(mem, nr_mem, base, base + total)) {
			pa->free(pa->arg, base, npages);
			return emu_error_set(err, -EINVAL,
					     "TDMR %u: the allocator placed its PAMT at [%#llx, %#llx), which is not 4 KiB aligned TDX-usable memory",
					     i, ULL(base), ULL(base + total));
		}
		/* Commit: the allocation belongs to the TDMR from here on. */
		t->pamt_4k_base = base;
		t->pamt_4k_size = sz[TDX_PS_4K];
		t->pamt_2m_base = base + sz[TDX_PS_4K];
		t->pamt_2m_size = sz[TDX_PS_2M];
		t->pamt_1g_base = t->pamt_2m_base + sz[TDX_PS_2M];
		t->pamt_1g_size = sz[TDX_PS_1G];
		out->pamt_pages += npages;
	}
	return 0;
}

struct rsvd_collect {
	struct pa_range *r;
	unsigned int n;
};

static int collect_range(void *arg, uint64_t start, uint64_t end)
{
	struct rsvd_collect *c = arg;

	c->r[c->n++] = (struct pa_range){ start, end };
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct pa_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static int fill_reserved_areas(const struct cmr_info *mem, unsigned int nr_mem,
			       const struct tdx_sys_info_tdmr *info, struct tdmr_list *out,
			       struct emu_error *err)
{
	/* At most one hole per region plus one, and one PAMT block per TDMR. */
	struct pa_range *r = calloc((size_t)nr_mem + 1 + out->nr, sizeof(*r));
	unsigned int limit = rsvd_limit(info);
	int ret = 0;

	if (!r)
		return emu_error_set(err, -ENOMEM, "TDMR: no memory for reserved-area scratch");
	for (unsigned int i = 0; i < out->nr && !ret; i++) {
		struct tdmr_info *t = &out->tdmrs[i];
		struct rsvd_collect c = { .r = r, .n = 0 };
		unsigned int m = 0;

		for_each_hole(t, mem, nr_mem, collect_range, &c);
		for (unsigned int j = 0; j < out->nr; j++) {
			const struct tdmr_info *o = &out->tdmrs[j];
			uint64_t s = max_u64(o->pamt_4k_base, t->base);
			uint64_t e = min_u64(o->pamt_4k_base + pamt_total(o), tdmr_end(t));

			if (s < e)
				collect_range(&c, s, e);
		}
		qsort(r, c.n, sizeof(*r), cmp_range);
		/* Merge in place: r[0..m) are the merged areas so far. */
		for (unsigned int k = 0; k < c.n; k++) {
			if (m && r[k].start <= r[m - 1].end)
				r[m - 1].end = max_u64(r[m - 1].end, r[k].end);
			else
				r[m++] = r[k];
		}
		if (m > limit) {
			ret = emu_error_set(err, -E2BIG,
					    "TDMR %u [%#llx, %#llx) needs %u reserved areas, more than max_reserved_per_tdmr %u",
					    i, ULL(t->base), ULL(tdmr_end(t)), m, limit);
			break;
		}
		memset(t->reserved_areas, 0, sizeof(t->reserved_areas));
		for (unsigned int k = 0; k < m; k++) {
			t->reserved_areas[k].offset = r[k].start - t->base;
			t->reserved_areas[k].size = r[k].end - r[k].start;
		}
	}
	free(r);
	return ret;
}

int tdmrs_build(const struct cmr_info *mem, unsigned int nr_mem,
		const struct tdx_sys_info_tdmr *info, const struct tdmr_pamt_alloc *pa,
		struct tdmr_list *out, struct emu_error *err)
{
	int ret;

	if (!info || !pa || !pa->alloc || !pa->free || !out)
		return emu_error_set(err, -EINVAL, "TDMR: missing metadata, allocator or output list");
	memset(out, 0, sizeof(*out));
	ret = info_validate(info, err);
	if (!ret)
		ret = mem_validate(mem, nr_mem, err);
	if (ret)
		return ret;

	out->tdmrs = calloc(info->max_tdmrs, sizeof(*out->tdmrs));
	if (!out->tdmrs)
		return emu_error_set(err, -ENOMEM, "TDMR: no memory for %u TDMR_INFOs", info->max_tdmrs);
	out->max = info->max_tdmrs;

	ret = fill_out_tdmrs(mem, nr_mem, out, err);
	if (ret)
		goto err_free;
	ret = alloc_pamts(mem, nr_mem, info, pa, out, err);
	if (ret)
		goto err_free;
	ret = fill_reserved_areas(mem, nr_mem, info, out, err);
	if (ret)
		goto err_free;
	return 0;

err_free:
	tdmrs_free(out, pa);
	return ret;
}

void tdmrs_free(struct tdmr_list *list, const struct tdmr_pamt_alloc *pa)
{
	if (!list)
		return;
	if (list->tdmrs && pa && pa->free) {
		for (unsigned int i = 0; i < list->nr; i++) {
			const struct tdmr_info *t = &list->tdmrs[i];
			uint64_t total = pamt_total(t);

			/* A TDMR whose PAMT was never allocated has zero sizes. */
			if (total)
				pa->free(pa->arg, t->pamt_4k_base, total / TDX_PAGE_SIZE);
		}
	}
	free(list->tdmrs);
	memset(list, 0, sizeof(*list));
}

/* ---- Checker ---- */

static int check_tdmr_range(const struct tdmr_list *l, unsigned int i, const struct cmr_info *mem,
			    unsigned int nr_mem, struct emu_error *err)
{
	const struct tdmr_info *t = &l->tdmrs[i];
	uint64_t p;

	if (!TDX_IS_ALIGNED(t->base, TDX_SZ_1G) || !t->size || !TDX_IS_ALIGNED(t->size, TDX_SZ_1G))
		return emu_error_set(err, -EINVAL,
				     "TDMR %u [%#llx, +%#llx): base and size must be 1 GiB aligned, size > 0",
				     i, ULL(t->base), ULL(t->size));
	if (t->base >= TDMR_MAX_PA || t->size > TDMR_MAX_PA - t->base)
		return emu_error_set(err, -EINVAL, "TDMR %u [%#llx, +%#llx) ends beyond 2^52",
				     i, ULL(t->base), ULL(t->size));
	if (i > 0) {
		const struct tdmr_info *prev = &l->tdmrs[i - 1];

		if (t->base < prev->base)
			return emu_error_set(err, -EINVAL,
					     "TDMR %u at %#llx is not sorted: below TDMR %u at %#llx",
					     i, ULL(t->base), i - 1, ULL(prev->base));
		if (t->base < tdmr_end(prev))
			return emu_error_set(err, -EINVAL,
					     "TDMR %u at %#llx overlaps TDMR %u [%#llx, %#llx)",
					     i, ULL(t->base), i - 1, ULL(prev->base), ULL(tdmr_end(prev)));
	}
	/* Every 1 GiB window must hold memory: a TDMR is memory rounded out. */
	p = t->base;
	for (unsigned int k = 0; k < nr_mem && p < tdmr_end(t); k++) {
		const struct cmr_info *r = &mem[k];

		if (!r->size || mem_end(r) <= p)
			continue;
		if (round_down_1g(r->base) > p)
			break;
		p = TDX_ALIGN_UP(mem_end(r), TDX_SZ_1G);
	}
	if (p < tdmr_end(t))
		return emu_error_set(err, -EINVAL,
				     "TDMR %u: the 1 GiB window at %#llx holds no memory",
				     i, ULL(p));
	return 0;
}

static int check_pamt(const struct tdmr_list *l, unsigned int i, const struct cmr_info *mem,
		      unsigned int nr_mem, const struct tdx_sys_info_tdmr *info, struct emu_error *err)
{
	const struct tdmr_info *t = &l->tdmrs[i];
	const uint64_t base[TDX_PS_NR] = { t->pamt_4k_base, t->pamt_2m_base, t->pamt_1g_base };
	const uint64_t size[TDX_PS_NR] = { t->pamt_4k_size, t->pamt_2m_size, t->pamt_1g_size };
	uint64_t start = t->pamt_4k_base, end;

	for (unsigned int ps = 0; ps < TDX_PS_NR; ps++) {
		uint64_t need = tdmr_pamt_size(t->size, (enum pamt_page_size)ps,
					       info->pamt_entry_size[ps]);

		if (!TDX_IS_ALIGNED(base[ps], TDX_PAGE_SIZE) || !TDX_IS_ALIGNED(size[ps], TDX_PAGE_SIZE))
			return emu_error_set(err, -EINVAL,
					     "TDMR %u: PAMT %s [%#llx, +%#llx) is not 4 KiB aligned",
					     i, pamt_name[ps], ULL(base[ps]), ULL(size[ps]));
		if (size[ps] < need)
			return emu_error_set(err, -EINVAL,
					     "TDMR %u: PAMT %s size %#llx is too small, %#llx needed",
					     i, pamt_name[ps], ULL(size[ps]), ULL(need));
		if (size[ps] > TDMR_MAX_PA)
			return emu_error_set(err, -EINVAL, "TDMR %u: PAMT %s size %#llx is absurd",
					     i, pamt_name[ps], ULL(size[ps]));
	}
	if (t->pamt_2m_base != t->pamt_4k_base + t->pamt_4k_size ||
	    t->pamt_1g_base != t->pamt_2m_base + t->pamt_2m_size)
		return emu_error_set(err, -EINVAL,
				     "TDMR %u: PAMT 4K/2M/1G at %#llx/%#llx/%#llx are not one contiguous block",
				     i, ULL(t->pamt_4k_base), ULL(t->pamt_2m_base), ULL(t->pamt_1g_base));
	if (start >= TDMR_MAX_PA || pamt_total(t) > TDMR_MAX_PA - start)
		return emu_error_set(err, -EINVAL, "TDMR %u: PAMT at %#llx ends beyond 2^52",
				     i, ULL(start));
	end = start + pamt_total(t);
	if (!mem_covers(mem, nr_mem, start, end))
		return emu_error_set(err, -EINVAL,
				     "TDMR %u: PAMT [%#llx, %#llx) is outside TDX-usable memory",
				     i, ULL(start), ULL(end));
	for (unsigned int j = 0; j < i; j++) {
		const struct tdmr_info *o = &l->tdmrs[j];

		if (start < o->pamt_4k_base + pamt_total(o) && o->pamt_4k_base < end)
			return emu_error_set(err, -EINVAL,
					     "TDMR %u: PAMT [%#llx, %#llx) overlaps the PAMT of TDMR %u",
					     i, ULL(start), ULL(end), j);
	}
	return 0;
}

/* True when [start, end) lies inside the (validated) reserved areas of @t. */
static bool rsvd_covers(const struct tdmr_info *t, unsigned int n, uint64_t start, uint64_t end)
{
	uint64_t p = start;

	for (unsigned int k = 0; k < n && p < end; k++) {
		uint64_t s = t->base + t->reserved_areas[k].offset;
		uint64_t e = s + t->reserved_areas[k].size;

		if (e <= p)
			continue;
		if (s > p)
			break;
		p = e;
	}
	return p >= end;
}

struct hole_check {
	const struct tdmr_info *t;
	unsigned int idx;
	unsigned int n;
	struct emu_error *err;
};

static int hole_reserved(void *arg, uint64_t start, uint64_t end)
{
	struct hole_check *h = arg;

	if (rsvd_covers(h->t, h->n, start, end))
		return 0;
	return emu_error_set(h->err, -EINVAL,
			     "TDMR %u: [%#llx, %#llx) is not memory yet not in a reserved area",
			     h->idx, ULL(start), ULL(end));
}

/* End of the PAMT level of any TDMR that holds @p, or 0 if none does. */
static uint64_t pamt_end_at(const struct tdmr_list *l, uint64_t p)
{
	for (unsigned int j = 0; j < l->nr; j++) {
		const struct tdmr_info *o = &l->tdmrs[j];
		const uint64_t base[TDX_PS_NR] = { o->pamt_4k_base, o->pamt_2m_base, o->pamt_1g_base };
		const uint64_t size[TDX_PS_NR] = { o->pamt_4k_size, o->pamt_2m_size, o->pamt_1g_size };

		for (unsigned int ps = 0; ps < TDX_PS_NR; ps++) {
			if (base[ps] <= p && p - base[ps] < size[ps])
				return base[ps] + size[ps];
		}
	}
	return 0;
}

/* Start of the first memory region containing or after @p (@p if inside one). */
static bool mem_at(const struct cmr_info *mem, unsigned int nr_mem, uint64_t p, uint64_t *next)
{
	*next = UINT64_MAX;
	for (unsigned int k = 0; k < nr_mem; k++) {
		if (!mem[k].size || mem_end(&mem[k]) <= p)
			continue;
		if (mem[k].base <= p)
			return true;
		*next = mem[k].base;
		return false;
	}
	return false;
}

static int check_reserved(const struct tdmr_list *l, unsigned int i, const struct cmr_info *mem,
			  unsigned int nr_mem, const struct tdx_sys_info_tdmr *info,
			  struct emu_error *err)
{
	const struct tdmr_info *t = &l->tdmrs[i];
	const struct tdmr_reserved_area *ra = t->reserved_areas;
	unsigned int n = 0, limit = rsvd_limit(info);
	struct hole_check h;
	int ret;

	/* Shape: a zero-terminated, sorted, disjoint, non-adjacent list. */
	for (unsigned int k = 0; k < TDX_MAX_RESERVED_PER_TDMR; k++) {
		if (!ra[k].size) {
			if (ra[k].offset)
				return emu_error_set(err, -EINVAL,
						     "TDMR %u: unused reserved area %u has offset %#llx, not 0",
						     i, k, ULL(ra[k].offset));
			continue;
		}
		if (n != k)
			return emu_error_set(err, -EINVAL,
					     "TDMR %u: reserved area %u follows an unused (size 0) entry",
					     i, k);
		n++;
		if (!TDX_IS_ALIGNED(ra[k].offset, TDX_PAGE_SIZE) ||
		    !TDX_IS_ALIGNED(ra[k].size, TDX_PAGE_SIZE))
			return emu_error_set(err, -EINVAL,
					     "TDMR %u: reserved area %u [+%#llx, +%#llx) is not 4 KiB aligned",
					     i, k, ULL(ra[k].offset), ULL(ra[k].size));
		if (ra[k].size > t->size || ra[k].offset > t->size - ra[k].size)
			return emu_error_set(err, -EINVAL,
					     "TDMR %u: reserved area %u [+%#llx, +%#llx) ends outside the TDMR",
					     i, k, ULL(ra[k].offset), ULL(ra[k].size));
		if (k > 0) {
			uint64_t prev_end = ra[k - 1].offset + ra[k - 1].size;

			if (ra[k].offset < ra[k - 1].offset)
				return emu_error_set(err, -EINVAL,
						     "TDMR %u: reserved area %u at +%#llx is not sorted after area %u at +%#llx",
						     i, k, ULL(ra[k].offset), k - 1, ULL(ra[k - 1].offset));
			if (ra[k].offset < prev_end)
				return emu_error_set(err, -EINVAL,
						     "TDMR %u: reserved area %u at +%#llx overlaps area %u ending at +%#llx",
						     i, k, ULL(ra[k].offset), k - 1, ULL(prev_end));
			if (ra[k].offset == prev_end)
				return emu_error_set(err, -EINVAL,
						     "TDMR %u: reserved area %u at +%#llx is adjacent to area %u and not merged",
						     i, k, ULL(ra[k].offset), k - 1);
		}
	}
	if (n > limit)
		return emu_error_set(err, -E2BIG,
				     "TDMR %u has %u reserved areas, more than max_reserved_per_tdmr %u",
				     i, n, limit);

	/* Coverage: every hole and every PAMT inside the TDMR is reserved. */
	h = (struct hole_check){ .t = t, .idx = i, .n = n, .err = err };
	ret = for_each_hole(t, mem, nr_mem, hole_reserved, &h);
	if (ret)
		return ret;
	for (unsigned int j = 0; j < l->nr; j++) {
		const struct tdmr_info *o = &l->tdmrs[j];
		uint64_t s = max_u64(o->pamt_4k_base, t->base);
		uint64_t e = min_u64(o->pamt_4k_base + pamt_total(o), tdmr_end(t));

		if (s < e && !rsvd_covers(t, n, s, e))
			return emu_error_set(err, -EINVAL,
					     "TDMR %u: the PAMT of TDMR %u at [%#llx, %#llx) is not in a reserved area",
					     i, j, ULL(s), ULL(e));
	}

	/* Exactness: reserved areas hold only holes and PAMTs. */
	for (unsigned int k = 0; k < n; k++) {
		uint64_t p = t->base + ra[k].offset, end = p + ra[k].size;

		while (p < end) {
			uint64_t next;

			if (!mem_at(mem, nr_mem, p, &next)) {
				p = next;
				continue;
			}
			next = pamt_end_at(l, p);
			if (!next)
				return emu_error_set(err, -EINVAL,
						     "TDMR %u: reserved area %u hides TDX memory at %#llx that holds no PAMT",
						     i, k, ULL(p));
			p = next;
		}
	}
	return 0;
}

static int check_mem_covered(const struct tdmr_list *l, const struct cmr_info *mem,
			     unsigned int nr_mem, struct emu_error *err)
{
	for (unsigned int k = 0; k < nr_mem; k++) {
		uint64_t p = mem[k].base, end = mem_end(&mem[k]);

		for (unsigned int j = 0; j < l->nr && p < end; j++) {
			const struct tdmr_info *t = &l->tdmrs[j];

			if (tdmr_end(t) <= p)
				continue;
			if (t->base > p)
				break;
			p = tdmr_end(t);
		}
		if (p < end)
			return emu_error_set(err, -EINVAL,
					     "TDMR: memory [%#llx, %#llx) of region %u is not covered by any TDMR",
					     ULL(p), ULL(end), k);
	}
	return 0;
}

int tdmrs_check(const struct tdmr_list *l, const struct cmr_info *mem, unsigned int nr_mem,
		const struct tdx_sys_info_tdmr *info, struct emu_error *err)
{
	uint64_t pages = 0;
	int ret;

	if (!l || !info)
		return emu_error_set(err, -EINVAL, "TDMR: missing list or metadata");
	ret = info_validate(info, err);
	if (!ret)
		ret = mem_validate(mem, nr_mem, err);
	if (ret)
		return ret;
	if (!l->tdmrs || !l->nr)
		return emu_error_set(err, -EINVAL, "TDMR: the list is empty");
	if (l->nr > l->max)
		return emu_error_set(err, -EINVAL, "TDMR: list holds %u TDMRs but has room for %u",
				     l->nr, l->max);
	if (l->nr > info->max_tdmrs)
		return emu_error_set(err, -ENOSPC, "TDMR: %u TDMRs exceed max_tdmrs %u",
				     l->nr, info->max_tdmrs);

	for (unsigned int i = 0; i < l->nr; i++) {
		ret = check_tdmr_range(l, i, mem, nr_mem, err);
		if (ret)
			return ret;
	}
	for (unsigned int i = 0; i < l->nr; i++) {
		ret = check_pamt(l, i, mem, nr_mem, info, err);
		if (ret)
			return ret;
		pages += pamt_total(&l->tdmrs[i]) / TDX_PAGE_SIZE;
	}
	if (pages != l->pamt_pages)
		return emu_error_set(err, -EINVAL, "TDMR: PAMTs hold %llu pages but the list says %llu",
				     ULL(pages), ULL(l->pamt_pages));
	for (unsigned int i = 0; i < l->nr; i++) {
		ret = check_reserved(l, i, mem, nr_mem, info, err);
		if (ret)
			return ret;
	}
	return check_mem_covered(l, mem, nr_mem, err);
}
