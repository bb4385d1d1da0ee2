/*
 * Secure EPT entries: encoding, the host's architectural view, walks and
 * the one writer of entry states.
 */
#include <stdlib.h>
#include <string.h>

#include "module.h"
#include "platform.h"
#include "pmem.h"
#include "sept.h"
#include "td_vcpu.h"
#include "td.h"

/* The state bits in the reference's 7-bit encoding order. */
static const uint64_t state_bits[7] = { SEPT_D, SEPT_TDEX, SEPT_TDBW, SEPT_TDB, SEPT_TDP,
					 SEPT_IPAT, SEPT_PS };

static const uint8_t encoding[SEPT_NR_STATES] = {
	[SEPT_FREE] = 0x0E,
	[SEPT_REMOVED] = 0x0C,
	[SEPT_NL_MAPPED] = 0x00,
	[SEPT_NL_BLOCKED] = 0x08,
	[SEPT_MAPPED] = 0x60,
	[SEPT_BLOCKED] = 0x68,
	[SEPT_PENDING] = 0x70,
	[SEPT_PENDING_BLOCKED] = 0x78,
};

/* Architectural state numbers (RDX bits 15:8). */
static const uint8_t arch_state[SEPT_NR_STATES] = {
	[SEPT_FREE] = 0,
	[SEPT_REMOVED] = 5,
	[SEPT_NL_MAPPED] = 0x84,
	[SEPT_NL_BLOCKED] = 0x81,
	[SEPT_MAPPED] = 4,
	[SEPT_BLOCKED] = 1,
	[SEPT_PENDING] = 2,
	[SEPT_PENDING_BLOCKED] = 3,
};

static uint64_t encode(enum sept_state s)
{
	uint64_t v = 0;

	for (unsigned int b = 0; b < 7; b++)
		if (encoding[s] & (1U << b))
			v |= state_bits[b];
	return v;
}

enum sept_state sept_state(uint64_t entry)
{
	uint8_t e = 0;

	for (unsigned int b = 0; b < 7; b++)
		if (entry & state_bits[b])
			e |= (uint8_t)(1U << b);
	for (unsigned int s = 0; s < SEPT_NR_STATES; s++)
		if (encoding[s] == e)
			return (enum sept_state)s;
	return SEPT_INVALID;
}

bool sept_is_leaf_state(enum sept_state s)
{
	return s == SEPT_MAPPED || s == SEPT_BLOCKED || s == SEPT_PENDING ||
	       s == SEPT_PENDING_BLOCKED;
}

uint64_t sept_arch_entry(uint64_t entry)
{
	enum sept_state s = sept_state(entry);

	if (s == SEPT_FREE || s == SEPT_INVALID)
		return SEPT_SVE;
	if (s == SEPT_NL_MAPPED || s == SEPT_NL_BLOCKED)
		return entry & (SEPT_R | SEPT_W | SEPT_X | SEPT_PS);
	return entry & (SEPT_R | SEPT_W | SEPT_X | SEPT_MT_MASK | SEPT_PA_MASK | SEPT_IPAT |
			SEPT_PS | SEPT_SVE);
}

uint64_t sept_arch_info(const struct sept_ref *ref)
{
	enum sept_state s = sept_state(ref->entry);

	return ref->level | ((uint64_t)(s == SEPT_INVALID ? 0 : arch_state[s]) << 8);
}

uint64_t sept_root_pa(const struct td *td)
{
	return td->tdcx_pa[MODULE_TDCS_PAGES - 1];
}

static uint64_t td_hpa(const struct tdx_module *mod, const struct td *td, uint64_t pa)
{
	return pmem_pa_with_keyid(mod->plat, pa, td->hkid);
}

tdx_status_t sept_init_table(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			     uint64_t pa)
{
	uint64_t table[512];
	uint64_t free_entry = encode(SEPT_FREE) | SEPT_SVE;

	for (unsigned int i = 0; i < 512; i++)
		table[i] = free_entry;
	if (pmem_seam_write(lp, td_hpa(mod, td, pa), table, sizeof(table)))
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	return TDX_SUCCESS;
}

static unsigned int index_at(uint64_t gpa, unsigned int level)
{
	return (unsigned int)((gpa >> (12 + 9 * level)) & 511);
}

static tdx_status_t read_entry(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			       uint64_t table, uint64_t gpa, unsigned int level,
			       struct sept_ref *ref)
{
	ref->table_pa = table;
	ref->index = index_at(gpa, level);
	ref->level = level;
	ref->gpa = gpa & ~(sept_level_size(level) - 1);
	if (pmem_seam_read(lp, td_hpa(mod, td, table + ref->index * 8ULL), &ref->entry, 8)) {
		td->fatal = true;
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	}
	return TDX_SUCCESS;
}

tdx_status_t sept_walk(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
		       uint64_t gpa, unsigned int level, struct sept_ref *ref)
{
	uint64_t table = sept_root_pa(td);
	tdx_status_t st;

	for (unsigned int l = SEPT_ROOT_LEVEL; l > level; l--) {
		enum sept_state s;

		st = read_entry(mod, lp, td, table, gpa, l, ref);
		if (st != TDX_SUCCESS)
			return st;
		s = sept_state(ref->entry);
		if (s != SEPT_NL_MAPPED && s != SEPT_NL_BLOCKED)
			return TDX_EPT_WALK_FAILED;
		table = ref->entry & SEPT_PA_MASK;
	}
	return read_entry(mod, lp, td, table, gpa, level, ref);
}

tdx_status_t sept_walk_leaf(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			    uint64_t gpa, struct sept_ref *ref)
{
	uint64_t table = sept_root_pa(td);
	bool blocked = false;

	for (unsigned int l = SEPT_ROOT_LEVEL;; l--) {
		tdx_status_t st = read_entry(mod, lp, td, table, gpa, l, ref);
		enum sept_state s;

		if (st != TDX_SUCCESS)
			return st;
		ref->blocked_above = blocked;
		s = sept_state(ref->entry);
		if (l == 0 || (l < SEPT_ROOT_LEVEL && sept_is_leaf_state(s)))
			return TDX_SUCCESS;
		if (s != SEPT_NL_MAPPED && s != SEPT_NL_BLOCKED)
			return TDX_EPT_WALK_FAILED;
		blocked |= s == SEPT_NL_BLOCKED;
		table = ref->entry & SEPT_PA_MASK;
	}
}

/*
 * The vCPU engine sees exactly the MAPPED leaves: a leaf that stops being
 * MAPPED is unmapped at once (so BLOCK takes effect before TRACK, as a TLB
 * flush would), a new MAPPED leaf is mapped.  Pages of a demoted leaf are
 * mapped again when the guest touches them (tdh_vp_enter.c).
 */
static void engine_sync(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			const struct sept_ref *ref, enum sept_state from, enum sept_state to,
			uint64_t pa)
{
	uint64_t size = sept_level_size(ref->level);

	if (!td->engine)
		return;
	/* A demoted leaf keeps its pages (now 512 MAPPED leaves): nothing moves. */
	if (from == SEPT_MAPPED && to == SEPT_NL_MAPPED)
		return;
	if ((from == SEPT_MAPPED || from == SEPT_NL_MAPPED) && to != SEPT_MAPPED)
		td_vm_unmap_private(td->engine, ref->gpa, size);
	if (to == SEPT_MAPPED)
		td_vm_map_private(td->engine, ref->gpa, pa & SEPT_PA_MASK, size);
	/* An unblocked table: what is MAPPED under it is reachable again. */
	if (from == SEPT_NL_BLOCKED && to == SEPT_NL_MAPPED)
		sept_engine_map(mod, lp, td, ref->gpa, size);
}

bool sept_transition(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
		     struct sept_ref *ref, enum sept_state to, uint64_t pa)
{
	static const uint16_t allowed[SEPT_NR_STATES] = {
		[SEPT_FREE] = 1U << SEPT_NL_MAPPED | 1U << SEPT_MAPPED | 1U << SEPT_PENDING,
		[SEPT_REMOVED] = 1U << SEPT_PENDING,
		/* Non-leaf entries become leaves again on PROMOTE ... */
		[SEPT_NL_MAPPED] = 1U << SEPT_NL_BLOCKED | 1U << SEPT_FREE | 1U << SEPT_MAPPED |
				   1U << SEPT_PENDING,
		[SEPT_NL_BLOCKED] = 1U << SEPT_NL_MAPPED | 1U << SEPT_FREE | 1U << SEPT_BLOCKED |
				    1U << SEPT_PENDING_BLOCKED,
		/* ... and large leaves point at a new table on DEMOTE. */
		[SEPT_MAPPED] = 1U << SEPT_BLOCKED | 1U << SEPT_FREE | 1U << SEPT_NL_MAPPED,
		[SEPT_BLOCKED] = 1U << SEPT_MAPPED | 1U << SEPT_FREE | 1U << SEPT_NL_MAPPED,
		[SEPT_PENDING] = 1U << SEPT_PENDING_BLOCKED | 1U << SEPT_MAPPED | 1U << SEPT_FREE |
				 1U << SEPT_NL_MAPPED,
		[SEPT_PENDING_BLOCKED] = 1U << SEPT_PENDING | 1U << SEPT_FREE | 1U << SEPT_NL_MAPPED,
	};
	enum sept_state from = sept_state(ref->entry);
	uint64_t e;

	if (from == SEPT_INVALID || to >= SEPT_NR_STATES || !(allowed[from] & (1U << to)))
		return false;
	e = encode(to) | (pa & SEPT_PA_MASK);
	if (to == SEPT_FREE)
		e = encode(to) | SEPT_SVE;
	else if (to == SEPT_NL_MAPPED || to == SEPT_NL_BLOCKED)
		e |= SEPT_R | SEPT_W | SEPT_X;
	else
		e |= SEPT_R | SEPT_W | SEPT_X | ((uint64_t)6 << 3);	/* WB */
	/* A pending page suppresses #VE only when the TD set SEPT_VE_DISABLE. */
	if ((to == SEPT_PENDING || to == SEPT_PENDING_BLOCKED) && (td->attributes & TDX_BIT(28)))
		e |= SEPT_SVE;
	if (pmem_seam_write(lp, td_hpa(mod, td, ref->table_pa + ref->index * 8ULL), &e, 8))
		return false;
	ref->entry = e;
	engine_sync(mod, lp, td, ref, from, to, pa);
	return true;
}

/* Build one SEPT entry in state @s pointing at @pa. */
static uint64_t make_entry(const struct td *td, enum sept_state s, uint64_t pa)
{
	uint64_t e = encode(s) | (pa & SEPT_PA_MASK) | SEPT_R | SEPT_W | SEPT_X | ((uint64_t)6 << 3);

	if ((s == SEPT_PENDING || s == SEPT_PENDING_BLOCKED) && (td->attributes & TDX_BIT(28)))
		e |= SEPT_SVE;
	return e;
}

tdx_status_t sept_init_table_leaves(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
				    uint64_t table_pa, enum sept_state s, uint64_t first_pa,
				    uint64_t stride)
{
	uint64_t table[512];

	if (!sept_is_leaf_state(s))
		return TDX_OPERAND_INVALID;
	for (unsigned int i = 0; i < 512; i++)
		table[i] = make_entry(td, s, first_pa + i * stride);
	if (pmem_seam_write(lp, td_hpa(mod, td, table_pa), table, sizeof(table)))
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	return TDX_SUCCESS;
}

tdx_status_t sept_read_table(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			     uint64_t table_pa, uint64_t table[512])
{
	if (pmem_seam_read(lp, td_hpa(mod, td, table_pa), table, 512 * sizeof(uint64_t)))
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	return TDX_SUCCESS;
}

bool sept_table_empty(struct tdx_module *mod, struct plat_lp *lp, struct td *td, uint64_t pa)
{
	uint64_t table[512];

	if (pmem_seam_read(lp, td_hpa(mod, td, pa), table, sizeof(table)))
		return false;
	for (unsigned int i = 0; i < 512; i++)
		if (sept_state(table[i]) != SEPT_FREE)
			return false;
	return true;
}

/* One table of the walk: leaves in [lo, hi) mapped into the engine, tables descended. */
static tdx_status_t map_table(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			      uint64_t table_pa, unsigned int level, uint64_t base, uint64_t lo,
			      uint64_t hi)
{
	uint64_t *t = malloc(512 * sizeof(*t)), size = sept_level_size(level);
	tdx_status_t st;

	if (!t)
		return TDX_SYS_BUSY;
	st = sept_read_table(mod, lp, td, table_pa, t);
	for (unsigned int i = 0; st == TDX_SUCCESS && i < 512; i++) {
		uint64_t gpa = base + i * size;
		enum sept_state s = sept_state(t[i]);

		if (gpa + size <= lo || gpa >= hi)
			continue;
		if (s == SEPT_MAPPED && level <= 2)
			td_vm_map_private(td->engine, gpa, t[i] & SEPT_PA_MASK, size);
		else if (s == SEPT_NL_MAPPED && level > 0)
			st = map_table(mod, lp, td, t[i] & SEPT_PA_MASK, level - 1, gpa, lo, hi);
	}
	free(t);
	return st;
}

tdx_status_t sept_engine_map(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			     uint64_t gpa, uint64_t size)
{
	if (!td->engine)
		return TDX_SUCCESS;
	return map_table(mod, lp, td, sept_root_pa(td), SEPT_ROOT_LEVEL, 0, gpa, gpa + size);
}
