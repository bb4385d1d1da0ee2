/*
 * The host's physical page allocator over the RAM the BIOS reported (the
 * CMRs), minus the low 16 MiB the kernel keeps for itself.  First fit
 * from a per-range hint; contiguous runs for the allocations that need
 * them (ACM below 4 GiB, PAMTs).
 */
#include <errno.h>
#include <stdlib.h>

#include "host_internal.h"

#define HOST_LOW_RESERVED (16ULL << 20)

int host_mem_init(struct tdx_host *host)
{
	struct platform_range cmr[PLATFORM_MAX_CMRS];
	unsigned int nr = platform_mc_cmrs(host->plat, cmr);

	for (unsigned int i = 0; i < nr; i++) {
		uint64_t base = cmr[i].base, end = cmr[i].base + cmr[i].size;
		struct host_mem_range *r;

		if (base < HOST_LOW_RESERVED)
			base = HOST_LOW_RESERVED;
		base = TDX_ALIGN_UP(base, TDX_PAGE_SIZE);
		end &= ~(TDX_PAGE_SIZE - 1);
		if (end <= base)
			continue;
		r = &host->range[host->nr_ranges];
		r->base = base;
		r->nr_pages = (end - base) / TDX_PAGE_SIZE;
		r->bitmap = calloc((r->nr_pages + 63) / 64, sizeof(uint64_t));
		if (!r->bitmap) {
			host_mem_fini(host);
			return -ENOMEM;
		}
		host->nr_ranges++;
	}
	return host->nr_ranges ? 0 : -ENOMEM;
}

void host_mem_fini(struct tdx_host *host)
{
	for (unsigned int i = 0; i < host->nr_ranges; i++)
		free(host->range[i].bitmap);
	host->nr_ranges = 0;
}

static bool page_used(const struct host_mem_range *r, uint64_t i)
{
	return r->bitmap[i / 64] & (1ULL << (i % 64));
}

static void mark(struct host_mem_range *r, uint64_t first, uint64_t n, bool used)
{
	for (uint64_t i = first; i < first + n; i++) {
		if (used)
			r->bitmap[i / 64] |= 1ULL << (i % 64);
		else
			r->bitmap[i / 64] &= ~(1ULL << (i % 64));
	}
}

/* First fit of @n free pages in [from, to) of @r; returns the index or -1. */
static int64_t find_run(const struct host_mem_range *r, uint64_t from, uint64_t to, uint64_t n)
{
	uint64_t run = 0;

	for (uint64_t i = from; i < to; i++) {
		if (run == 0 && !(i % 64) && r->bitmap[i / 64] == ~0ULL) {
			i += 63;
			continue;
		}
		run = page_used(r, i) ? 0 : run + 1;
		if (run == n)
			return (int64_t)(i + 1 - n);
	}
	return -1;
}

int tdx_host_alloc_pages(struct tdx_host *host, uint64_t n, uint64_t limit, uint64_t *pa)
{
	if (!n)
		return -EINVAL;
	pthread_mutex_lock(&host->mem_lock);
	for (unsigned int i = 0; i < host->nr_ranges; i++) {
		struct host_mem_range *r = &host->range[i];
		uint64_t to = r->nr_pages;
		int64_t at;

		if (limit) {
			if (r->base >= limit)
				continue;
			if (r->base + to * TDX_PAGE_SIZE > limit)
				to = (limit - r->base) / TDX_PAGE_SIZE;
		}
		at = find_run(r, r->hint < to ? r->hint : 0, to, n);
		if (at < 0 && r->hint)
			at = find_run(r, 0, to, n);
		if (at < 0)
			continue;
		mark(r, (uint64_t)at, n, true);
		r->hint = (uint64_t)at + n;
		*pa = r->base + (uint64_t)at * TDX_PAGE_SIZE;
		pthread_mutex_unlock(&host->mem_lock);
		return 0;
	}
	pthread_mutex_unlock(&host->mem_lock);
	return -ENOMEM;
}

void tdx_host_free_pages(struct tdx_host *host, uint64_t pa, uint64_t n)
{
	pthread_mutex_lock(&host->mem_lock);
	for (unsigned int i = 0; i < host->nr_ranges; i++) {
		struct host_mem_range *r = &host->range[i];

		if (pa >= r->base && pa < r->base + r->nr_pages * TDX_PAGE_SIZE) {
			uint64_t first = (pa - r->base) / TDX_PAGE_SIZE;

			if (first + n <= r->nr_pages)
				mark(r, first, n, false);
			if (first < r->hint)
				r->hint = first;
			break;
		}
	}
	pthread_mutex_unlock(&host->mem_lock);
}

uint64_t tdx_host_free_page_count(const struct tdx_host *host)
{
	uint64_t free_pages = 0;

	pthread_mutex_lock((pthread_mutex_t *)&host->mem_lock);
	for (unsigned int i = 0; i < host->nr_ranges; i++) {
		const struct host_mem_range *r = &host->range[i];

		for (uint64_t p = 0; p < r->nr_pages; p++)
			free_pages += !page_used(r, p);
	}
	pthread_mutex_unlock((pthread_mutex_t *)&host->mem_lock);
	return free_pages;
}
