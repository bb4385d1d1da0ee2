/*
 * A builder for the module's x86-64 4-level page tables (install step 5).
 * Tables are assembled in memory, counted, then written into the
 * page-table region of SEAMRR in one go, so a layout that does not fit is
 * found before anything is written.
 */
#ifndef TDX_LOADER_PT_H
#define TDX_LOADER_PT_H

#include <stdbool.h>
#include <stdint.h>

struct plat_lp;

#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR_MASK	0x000FFFFFFFFFF000ULL

struct pt_node;

struct pt_builder {
	uint64_t pool_pa;	/* where table pages are placed */
	unsigned int nr_nodes;
	unsigned int cap;
	struct pt_node *nodes;
	bool failed;		/* out of memory while building */
};

void pt_init(struct pt_builder *b, uint64_t pool_pa);
void pt_fini(struct pt_builder *b);
/* Map @npages 4 KiB pages at @la to @pa with leaf @flags. */
void pt_map(struct pt_builder *b, uint64_t la, uint64_t pa, uint64_t npages, uint64_t flags);
/* Create the tables down to the leaf level for @npages at @la, leaves empty. */
void pt_ensure(struct pt_builder *b, uint64_t la, uint64_t npages);
/* Physical address of the leaf table covering @la (after pt_ensure/pt_map). */
uint64_t pt_leaf_table_pa(struct pt_builder *b, uint64_t la);
uint64_t pt_root_pa(struct pt_builder *b);
uint64_t pt_nr_pages(const struct pt_builder *b);
/* Write every table page with @lp's SEAM view (KeyID 0). */
int pt_commit(struct pt_builder *b, struct plat_lp *lp);

#endif /* TDX_LOADER_PT_H */
