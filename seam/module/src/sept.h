/*
 * The secure EPT (reference tdx-abi.md 4.7): 4-level tables in PT_EPT
 * pages under the TD's KeyID, rooted in the last TDCS page.  Each entry
 * keeps its state in the bits the module uses (D, TDEX, TDBW, TDB, TDP,
 * IPAT, PS), encoded as the reference's table:
 *
 *   FREE 0x0E  REMOVED 0x0C  NL_MAPPED 0x00  NL_BLOCKED 0x08
 *   MAPPED 0x60  BLOCKED 0x68  PENDING 0x70  PENDING_BLOCKED 0x78
 *
 * Transitions (sept_transition() is the only writer of an entry):
 *   FREE -> NL_MAPPED (SEPT.ADD), MAPPED (PAGE.ADD), PENDING (PAGE.AUG)
 *   NL_MAPPED <-> NL_BLOCKED, MAPPED <-> BLOCKED, PENDING <-> PENDING_BLOCKED
 *        (RANGE.BLOCK / RANGE.UNBLOCK)
 *   PENDING -> MAPPED (TDG.MEM.PAGE.ACCEPT)
 *   MAPPED, BLOCKED, PENDING, PENDING_BLOCKED -> FREE (PAGE.REMOVE)
 *   NL_MAPPED, NL_BLOCKED -> FREE (SEPT.REMOVE)
 *   MAPPED, BLOCKED, PENDING, PENDING_BLOCKED -> NL_MAPPED (PAGE.DEMOTE)
 *   NL_MAPPED -> MAPPED, PENDING; NL_BLOCKED -> BLOCKED, PENDING_BLOCKED
 *        (PAGE.PROMOTE)
 *   REMOVED -> PENDING (PAGE.AUG)
 * The TD's lock is held across every walk and transition.
 */
#ifndef TDX_MODULE_SEPT_H
#define TDX_MODULE_SEPT_H

#include <stdbool.h>
#include <stdint.h>

#include <tdx/tdx_status.h>

struct tdx_module;
struct plat_lp;
struct td;

enum sept_state {
	SEPT_FREE,
	SEPT_REMOVED,
	SEPT_NL_MAPPED,
	SEPT_NL_BLOCKED,
	SEPT_MAPPED,
	SEPT_BLOCKED,
	SEPT_PENDING,
	SEPT_PENDING_BLOCKED,
	SEPT_NR_STATES,
	SEPT_INVALID = SEPT_NR_STATES,
};

#define SEPT_LEVEL_4K	0
#define SEPT_LEVEL_2M	1
#define SEPT_LEVEL_1G	2
#define SEPT_ROOT_LEVEL	3	/* 4-level EPT */

#define SEPT_R		TDX_BIT(0)
#define SEPT_W		TDX_BIT(1)
#define SEPT_X		TDX_BIT(2)
#define SEPT_MT_MASK	TDX_GENMASK(5, 3)
#define SEPT_IPAT	TDX_BIT(6)
#define SEPT_PS		TDX_BIT(7)
#define SEPT_D		TDX_BIT(9)
#define SEPT_PA_MASK	TDX_GENMASK(51, 12)
#define SEPT_TDEX	TDX_BIT(53)
#define SEPT_TDBW	TDX_BIT(54)
#define SEPT_TDB	TDX_BIT(55)
#define SEPT_TDP	TDX_BIT(56)
#define SEPT_SVE	TDX_BIT(63)

/* A located entry: where it lives and what it holds. */
struct sept_ref {
	uint64_t table_pa;	/* the SEPT page holding the entry */
	unsigned int index;
	unsigned int level;
	uint64_t entry;
	uint64_t gpa;		/* the GPA the entry maps, aligned to its level */
	bool blocked_above;	/* sept_walk_leaf() went through an NL_BLOCKED entry */
};

enum sept_state sept_state(uint64_t entry);
bool sept_is_leaf_state(enum sept_state s);

/** sept_arch_entry() / sept_arch_info(): the host's view (RCX, RDX). */
uint64_t sept_arch_entry(uint64_t entry);
uint64_t sept_arch_info(const struct sept_ref *ref);

/** sept_init_table() - a fresh SEPT page: 512 FREE entries under the TD's key. */
tdx_status_t sept_init_table(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			     uint64_t pa);

/**
 * sept_walk() - find the entry for @gpa at @level.  TDX_SUCCESS with @ref
 * filled, or TDX_EPT_WALK_FAILED with @ref describing the entry (at a
 * higher level) where the walk stopped.
 */
tdx_status_t sept_walk(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
		       uint64_t gpa, unsigned int level, struct sept_ref *ref);

/**
 * sept_walk_leaf() - find the leaf that maps @gpa, at whatever level it is
 * (a 4 KiB, 2 MiB or 1 GiB page).  TDX_SUCCESS with @ref on the leaf, or
 * TDX_EPT_WALK_FAILED with @ref on the non-present entry where it stopped.
 */
tdx_status_t sept_walk_leaf(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			    uint64_t gpa, struct sept_ref *ref);

/** sept_transition() - write @ref's entry in state @to pointing at @pa. */
bool sept_transition(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
		     struct sept_ref *ref, enum sept_state to, uint64_t pa);

/**
 * sept_init_table_leaves() - a new SEPT page whose 512 entries are leaves
 * in state @s mapping @first_pa + i * @stride (PAGE.DEMOTE).
 */
tdx_status_t sept_init_table_leaves(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
				    uint64_t table_pa, enum sept_state s, uint64_t first_pa,
				    uint64_t stride);

/** sept_read_table() - all 512 entries of the table at @table_pa. */
tdx_status_t sept_read_table(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			     uint64_t table_pa, uint64_t table[512]);

/** sept_table_empty() - are all 512 entries of the table at @pa FREE? */
bool sept_table_empty(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
		      uint64_t pa);

/* The bytes one entry at @level maps: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
static inline uint64_t sept_level_size(unsigned int level)
{
	return TDX_PAGE_SIZE << (9 * level);
}

/**
 * sept_engine_map() - map every MAPPED leaf in [@gpa, +@size) into the
 * TD's vCPU engine (its first VP.ENTER, and an unblocked table).
 */
tdx_status_t sept_engine_map(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			     uint64_t gpa, uint64_t size);

/* The root SEPT page of @td. */
uint64_t sept_root_pa(const struct td *td);

#endif /* TDX_MODULE_SEPT_H */
