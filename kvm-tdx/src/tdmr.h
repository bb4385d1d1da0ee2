/*
 * The host TDX core's TDMR builder (reference host-stack.md 2.3,
 * tdx-abi.md 4.4): turns the TDX-usable memory regions into the list of
 * TDMR_INFO that TDH.SYS.CONFIG takes, with one PAMT per TDMR and the
 * reserved areas that keep the module away from holes and PAMTs.
 *
 * Rules the builder follows and tdmrs_check() verifies:
 *  - TDMRs are 1 GiB aligned (base rounded down, end rounded up), sorted,
 *    non-overlapping, and together cover every memory region.  Each one is
 *    a memory region rounded out to 1 GiB; regions that fall inside an
 *    existing TDMR share it, and a region that runs past a TDMR's end
 *    continues in a new TDMR that starts at that end.  So every 1 GiB
 *    window of a TDMR holds some memory.
 *  - Each TDMR has one contiguous PAMT allocation from the host allocator:
 *    the 4K, 2M and 1G PAMTs back to back, in that order, each
 *    tdmr_pamt_size() bytes.
 *  - A TDMR's reserved areas are exactly the parts of it that are not
 *    memory plus every PAMT (of any TDMR) inside it: offsets from the
 *    TDMR base, 4 KiB aligned, sorted, non-overlapping, adjacent areas
 *    merged, at most max_reserved_per_tdmr of them, unused entries zero.
 *
 * Memory regions are `struct cmr_info`: 4 KiB aligned, sorted, not
 * overlapping (they may touch); entries of size 0 are skipped, so a raw
 * 32-entry CMR_INFO array can be passed as is.
 */
#ifndef TDX_KVM_TDMR_H
#define TDX_KVM_TDMR_H

#include <stdint.h>

#include <tdx/tdx_arch.h>

#include "emu_error.h"

/* The module's TDMR metadata (SYS.RD MAX_TDMRS, ..., PAMT_*_ENTRY_SIZE). */
struct tdx_sys_info_tdmr {
	uint16_t max_tdmrs;
	uint16_t max_reserved_per_tdmr;
	uint16_t pamt_entry_size[TDX_PS_NR];	/* indexed by enum pamt_page_size */
};

/*
 * The host allocator for PAMTs.  @alloc returns 0 and the physical
 * address of @npages contiguous, 4 KiB aligned pages in *@pa, or a
 * negative errno.  @free gives back exactly one earlier allocation.
 */
struct tdmr_pamt_alloc {
	int (*alloc)(void *arg, uint64_t npages, uint64_t *pa);
	void (*free)(void *arg, uint64_t pa, uint64_t npages);
	void *arg;
};

/*
 * A built TDMR list.  @tdmrs has room for @max entries (the module's
 * MAX_TDMRS) of which the first @nr are used.  The entries are packed
 * 320-byte TDMR_INFOs: the caller copies each into its own 512-byte
 * aligned buffer for TDH.SYS.CONFIG.
 */
struct tdmr_list {
	struct tdmr_info *tdmrs;
	unsigned int nr;
	unsigned int max;
	uint64_t pamt_pages;	/* total over all TDMRs */
};

/**
 * tdmr_pamt_size() - bytes of the PAMT for one page size of a TDMR.
 * @tdmr_size: TDMR size in bytes (at most 2^52)
 * @pgsz: which PAMT level
 * @entry_size: the module's PAMT entry size for @pgsz
 *
 * @return (tdmr_size / page size, rounded up) * @entry_size, rounded up
 * to 4 KiB; 0 for an invalid @pgsz.
 */
uint64_t tdmr_pamt_size(uint64_t tdmr_size, enum pamt_page_size pgsz, uint16_t entry_size);

/**
 * tdmrs_build() - build the TDMRs, their PAMTs and reserved areas.
 * @mem: TDX-usable memory regions (see the file comment)
 * @nr_mem: entries in @mem
 * @info: the module's TDMR limits and PAMT entry sizes
 * @pa: the allocator the PAMTs come from
 * @out: filled in on success, zeroed on failure
 * @err: optional; names the TDMR or region and the limit on failure
 *
 * @return 0; -EINVAL for bad input or a PAMT the allocator placed outside
 * @mem; -ENOSPC when more than max_tdmrs TDMRs are needed; -E2BIG when a
 * TDMR needs more than max_reserved_per_tdmr reserved areas; -ENOMEM (or
 * the allocator's error) when allocation fails.  On failure every PAMT
 * allocated so far has been freed.
 */
int tdmrs_build(const struct cmr_info *mem, unsigned int nr_mem,
		const struct tdx_sys_info_tdmr *info, const struct tdmr_pamt_alloc *pa,
		struct tdmr_list *out, struct emu_error *err);

/**
 * tdmrs_free() - free every PAMT of @list through @pa, then the array.
 * Leaves @list zeroed; safe on a zeroed list.
 */
void tdmrs_free(struct tdmr_list *list, const struct tdmr_pamt_alloc *pa);

/**
 * tdmrs_check() - verify @l against every rule in the file comment,
 * independently of how it was built.
 * @l: the list to check
 * @mem, @nr_mem: the memory regions it must cover
 * @info: the module's limits and PAMT entry sizes
 * @err: optional; names the TDMR (and area) that breaks a rule
 *
 * Beyond the builder's rules it checks the SYS.CONFIG ones: PAMTs inside
 * memory and not overlapping each other, and l->pamt_pages matching.
 *
 * @return 0; -ENOSPC if l->nr exceeds max_tdmrs; -E2BIG if a TDMR has
 * more than max_reserved_per_tdmr reserved areas; -EINVAL otherwise.
 */
int tdmrs_check(const struct tdmr_list *l, const struct cmr_info *mem, unsigned int nr_mem,
		const struct tdx_sys_info_tdmr *info, struct emu_error *err);

#endif /* TDX_KVM_TDMR_H */
