/*
 * TDG.VP.VMCALL, TDG.VP.INFO and TDG.VP.VEINFO.GET (reference tdx-abi.md
 * 2.2, 2.3, 4.8).
 */
#include "tdcall.h"

/* CONFIG_FLAGS bit 2: NO_RBP_MOD — RBP is never passed to the host. */
#define TD_CONFIG_NO_RBP_MOD	TDX_BIT(2)

enum tdcall_action tdg_vp_vmcall(struct tdcall_ctx *c)
{
	uint64_t mask = c->gpr[VCPU_RCX];

	/*
	 * RAX, RCX and RSP never go to the host; RBP not when NO_RBP_MOD.
	 * XMM registers are not passed by this module version, so an XMM
	 * mask is refused rather than silently dropped.
	 */
	if ((mask >> 32) || (mask & TDVMCALL_MASK_FORBIDDEN) || (mask & TDVMCALL_MASK_XMMS) ||
	    ((mask & TDVMCALL_MASK_RBP) && (c->td->config_flags & TD_CONFIG_NO_RBP_MOD))) {
		c->gpr[VCPU_RAX] = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		return TDCALL_RESUME;
	}
	c->v->tdvmcall_mask = mask;
	c->exit->status = TDX_SUCCESS;
	c->exit->reason = EXIT_REASON_TDCALL;
	c->exit->tdvmcall = true;
	return TDCALL_TD_EXIT;
}

enum tdcall_action tdg_vp_info(struct tdcall_ctx *c)
{
	uint64_t *g = c->gpr;

	g[VCPU_RAX] = TDX_SUCCESS;
	g[VCPU_RCX] = td_gpaw(c->td);
	g[VCPU_RDX] = c->td->attributes;
	g[VCPU_R8] = (uint64_t)c->td->num_vcpus | (uint64_t)c->td->max_vcpus << 32;
	g[VCPU_R9] = c->v->index;
	/* R10 bit 0 would announce TDG.SYS.RD/RDALL, which this version lacks. */
	g[VCPU_R10] = 0;
	g[VCPU_R11] = 0;
	return TDCALL_RESUME;
}

enum tdcall_action tdg_vp_veinfo_get(struct tdcall_ctx *c)
{
	struct vcpu_ve_info *ve = &c->v->ve_info;
	uint64_t *g = c->gpr;

	if (ve->valid != VE_INFO_VALID) {
		g[VCPU_RAX] = TDX_NO_VALID_VE_INFO;
		return TDCALL_RESUME;
	}
	g[VCPU_RAX] = TDX_SUCCESS;
	g[VCPU_RCX] = ve->exit_reason;
	g[VCPU_RDX] = ve->exit_qualification;
	g[VCPU_R8] = ve->gla;
	g[VCPU_R9] = ve->gpa;
	g[VCPU_R10] = ve->insn_len | (uint64_t)ve->insn_info << 32;
	/* Read: the next #VE can be delivered. */
	ve->valid = 0;
	return TDCALL_RESUME;
}
