/*
 * The PAMT (reference tdx-abi.md 4.4): one 16-byte entry per 4 KiB, 2 MiB
 * and 1 GiB page of every TDMR, in host-donated memory that the module
 * writes under the global private KeyID (so the host view reads zeros and
 * a host write poisons it).
 *
 * Entry layout: qword0 bits 23:16 PAGE_TYPE, 63:24 OWNER (TDR PA >> 12);
 * qword1 BEPOCH.  A lookup walks 1G -> 2M -> 4K and stops at the first
 * entry that is not PT_NDA.  pamt_transition() is the only writer of page
 * type and owner.
 */
#ifndef TDX_MODULE_PAMT_H
#define TDX_MODULE_PAMT_H

#include <stdbool.h>
#include <stdint.h>

#include <tdx/tdx_arch.h>
#include <tdx/tdx_status.h>

struct tdx_module;
struct plat_lp;

#define PAMT_PAGE_TYPE_MASK	TDX_GENMASK(23, 16)
#define PAMT_OWNER_MASK		TDX_GENMASK(63, 24)

struct pamt_entry {
	uint64_t qword0;
	uint64_t bepoch;
};

/* Where a page's metadata lives. */
struct pamt_ref {
	unsigned int tdmr;
	enum pamt_page_size level;
	uint64_t entry_pa;	/* PA of the entry, KeyID bits clear */
	struct pamt_entry e;
};

static inline enum pamt_page_type pamt_page_type(const struct pamt_entry *e)
{
	return (enum pamt_page_type)TDX_FIELD_GET(PAMT_PAGE_TYPE_MASK, e->qword0);
}

static inline uint64_t pamt_owner(const struct pamt_entry *e)
{
	return TDX_FIELD_GET(PAMT_OWNER_MASK, e->qword0) << 12;
}

/** pamt_find_tdmr() - index of the initialized TDMR part holding @pa, or -1. */
int pamt_find_tdmr(const struct tdx_module *mod, uint64_t pa);

/**
 * pamt_walk() - the entry describing the page at @pa (1G -> 2M -> 4K).
 * Returns TDX_SUCCESS, TDX_OPERAND_ADDR_RANGE_ERROR when @pa is outside
 * every initialized TDMR, or a fatal status when the PAMT is unreadable
 * (the host overwrote it).
 */
tdx_status_t pamt_walk(struct tdx_module *mod, struct plat_lp *lp, uint64_t pa,
		       struct pamt_ref *ref);

/** pamt_init_chunk() - initialize up to @max_pages 4K entries of TDMR @i. */
tdx_status_t pamt_init_chunk(struct tdx_module *mod, struct plat_lp *lp, unsigned int i,
			     uint64_t max_pages);

/**
 * pamt_transition() - set page type and owner of @ref's entry if the move
 * from its current type to @to is one the module makes; false otherwise.
 */
bool pamt_transition(struct tdx_module *mod, struct plat_lp *lp, struct pamt_ref *ref,
		     enum pamt_page_type to, uint64_t owner_pa);

/**
 * pamt_check_children() - are the 512 entries one level below the
 * @level page at @pa (in TDMR @i) all of @type (and owned by @owner)?
 */
tdx_status_t pamt_check_children(struct tdx_module *mod, struct plat_lp *lp, unsigned int i,
				 enum pamt_page_size level, uint64_t pa,
				 enum pamt_page_type type, uint64_t owner);

/**
 * pamt_resize() - DEMOTE (@split: the @level entry becomes PT_NDA and the
 * 512 below it PT_REG of @owner) or PROMOTE (the reverse).  Together with
 * pamt_transition() the only writers of page types.
 */
tdx_status_t pamt_resize(struct tdx_module *mod, struct plat_lp *lp, unsigned int i,
			 enum pamt_page_size level, uint64_t pa, bool split, uint64_t owner);

#endif /* TDX_MODULE_PAMT_H */
