/*
 * TDCALL: RAX decode and the TDG leaf table (reference tdx-abi.md 2.1,
 * 2.2).  A leaf this module version does not implement, or a version
 * above the leaf's, answers TDX_OPERAND_INVALID on RAX, as on hardware.
 */
#include <tdx/tdx_seamcall.h>

#include "platform.h"
#include "pmem.h"
#include "sept.h"
#include "tdcall.h"

struct tdg_leaf {
	tdcall_handler_fn fn;
	unsigned int max_version;
};

static const struct tdg_leaf tdg_leaves[] = {
	[TDG_VP_VMCALL] = { .fn = tdg_vp_vmcall },
	[TDG_VP_INFO] = { .fn = tdg_vp_info },
	[TDG_MR_RTMR_EXTEND] = { .fn = tdg_mr_rtmr_extend },
	[TDG_VP_VEINFO_GET] = { .fn = tdg_vp_veinfo_get },
	[TDG_MR_REPORT] = { .fn = tdg_mr_report },
	[TDG_VP_CPUIDVE_SET] = { .fn = tdg_vp_cpuidve_set },
	[TDG_MEM_PAGE_ACCEPT] = { .fn = tdg_mem_page_accept },
	/* Only TDG.VM.RD has a version 1 (it also returns the next field id). */
	[TDG_VM_RD] = { .fn = tdg_vm_rd, .max_version = 1 },
	[TDG_VM_WR] = { .fn = tdg_vm_wr },
	[TDG_VP_RD] = { .fn = tdg_vp_rd },
	[TDG_VP_WR] = { .fn = tdg_vp_wr },
	[TDG_SYS_RD] = { .fn = tdg_sys_rd },
	[TDG_SYS_RDALL] = { .fn = tdg_sys_rdall },
};
/* Every leaf up to the last one this version has is in the table. */
TDX_STATIC_ASSERT(TDX_ARRAY_SIZE(tdg_leaves) == TDG_SYS_RDALL + 1, "TDG leaf table complete");

enum tdcall_action tdcall_dispatch(struct tdcall_ctx *c)
{
	uint64_t rax = c->gpr[VCPU_RAX];
	uint64_t leaf = TDX_FIELD_GET(TDX_LEAF_NUM_MASK, rax);
	uint64_t version = TDX_FIELD_GET(TDX_LEAF_VERSION_MASK, rax);

	if ((rax & ~(TDX_LEAF_NUM_MASK | TDX_LEAF_VERSION_MASK)) ||
	    leaf >= TDX_ARRAY_SIZE(tdg_leaves) || !tdg_leaves[leaf].fn ||
	    version > tdg_leaves[leaf].max_version) {
		c->gpr[VCPU_RAX] = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
		return TDCALL_RESUME;
	}
	return tdg_leaves[leaf].fn(c);
}

void td_exit_ept_violation(struct td_exit_info *e, uint64_t gpa, uint64_t qual, uint64_t eeq)
{
	e->status = TDX_SUCCESS;
	e->reason = EXIT_REASON_EPT_VIOLATION;
	e->qualification = qual;
	e->ext_qualification = eeq;
	e->gpa = gpa;
	e->intr_info = 0;
	e->tdvmcall = false;
}

tdx_status_t tdg_private_operand(struct tdcall_ctx *c, uint64_t gpa, uint64_t align,
				 uint32_t operand, uint64_t *pa)
{
	struct sept_ref ref;
	tdx_status_t st;

	if (!TDX_IS_ALIGNED(gpa, align) || gpa >= td_shared_bit(c->td))
		return tdx_status_operand(TDX_OPERAND_INVALID, operand);
	st = sept_walk_leaf(c->mod, c->lp, c->td, gpa, &ref);
	if (st == TDX_SUCCESS && sept_state(ref.entry) != SEPT_MAPPED)
		st = TDX_EPT_ENTRY_STATE_INCORRECT;
	if (st == TDX_NON_RECOVERABLE_TD_CORRUPTED_MD)
		return st;
	if (st != TDX_SUCCESS)
		return tdx_status_operand(TDX_OPERAND_INVALID, operand);
	*pa = (ref.entry & SEPT_PA_MASK) + (gpa & (sept_level_size(ref.level) - 1));
	return TDX_SUCCESS;
}

tdx_status_t tdg_private_write(struct tdcall_ctx *c, uint64_t pa, const void *buf, size_t len)
{
	if (pmem_seam_write(c->lp, pmem_pa_with_keyid(c->mod->plat, pa, c->td->hkid), buf, len)) {
		/* The TD's page is not writable under its own key: its memory is lost. */
		c->td->fatal = true;
		return TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
	}
	return TDX_SUCCESS;
}
