/*
 * TDCALL: RAX decode and the TDG leaf table (reference tdx-abi.md 2.1,
 * 2.2).  A leaf this module version does not implement answers
 * TDX_OPERAND_INVALID on RAX, as an unknown leaf does on hardware.
 */
#include <tdx/tdx_seamcall.h>

#include "tdcall.h"

static const tdcall_handler_fn tdg_leaves[] = {
	[TDG_VP_VMCALL] = tdg_vp_vmcall,
	[TDG_VP_INFO] = tdg_vp_info,
	[TDG_MR_RTMR_EXTEND] = tdg_mr_rtmr_extend,
	[TDG_VP_VEINFO_GET] = tdg_vp_veinfo_get,
	[TDG_MEM_PAGE_ACCEPT] = tdg_mem_page_accept,
};

enum tdcall_action tdcall_dispatch(struct tdcall_ctx *c)
{
	uint64_t rax = c->gpr[VCPU_RAX];
	uint64_t leaf = TDX_FIELD_GET(TDX_LEAF_NUM_MASK, rax);

	/* No TDG leaf of this version has a version above 0. */
	if ((rax & ~TDX_LEAF_NUM_MASK) || leaf >= TDX_ARRAY_SIZE(tdg_leaves) ||
	    !tdg_leaves[leaf]) {
		c->gpr[VCPU_RAX] = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
		return TDCALL_RESUME;
	}
	return tdg_leaves[leaf](c);
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
