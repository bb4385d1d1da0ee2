/*
 * The guest's vCPU leaves (reference tdx-abi.md 2.2, 2.3, 4.6, 4.8):
 * TDG.VP.VMCALL, INFO, VEINFO.GET, CPUIDVE.SET, and RD/WR of the TDVPS
 * fields a guest may access.
 */
#include <stddef.h>

#include <tdx/tdx_metadata.h>

#include "metadata.h"
#include "tdcall.h"
#include "tdh_vp.h"

/* TDG.VP.INFO R10 bit 0: TDG.SYS.RD and TDG.SYS.RDALL are available. */
#define TDG_VP_INFO_SYS_RD	TDX_BIT(0)

/* TDG.VP.CPUIDVE.SET RCX: #VE on CPUID at CPL 0 (bit 0), at CPL > 0 (bit 1). */
#define CPUIDVE_SUPERVISOR	TDX_BIT(0)
#define CPUIDVE_USER		TDX_BIT(1)

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
	g[VCPU_R10] = TDG_VP_INFO_SYS_RD;
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

enum tdcall_action tdg_vp_cpuidve_set(struct tdcall_ctx *c)
{
	uint64_t rcx = c->gpr[VCPU_RCX];

	/* RCX: bits 0 and 1 only. */
	if (rcx & ~(CPUIDVE_SUPERVISOR | CPUIDVE_USER)) {
		c->gpr[VCPU_RAX] = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		return TDCALL_RESUME;
	}

	/* Commit: nothing below may fail. */
	c->v->cpuid_supervisor_ve = !!(rcx & CPUIDVE_SUPERVISOR);
	c->v->cpuid_user_ve = !!(rcx & CPUIDVE_USER);
	c->gpr[VCPU_RAX] = TDX_SUCCESS;
	return TDCALL_RESUME;
}

/*
 * The TDVPS fields reference 4.6 lets the guest access and this module
 * keeps, with the bits the guest may read and write.  Any other field the
 * module keeps (tdh_vp_field_exists()) is TDX_METADATA_FIELD_NOT_READABLE
 * / _NOT_WRITABLE to the guest, anything else
 * TDX_METADATA_FIELD_ID_INCORRECT.
 */
struct tdg_vp_field {
	uint64_t id;
	uint64_t rd_mask;
	uint64_t wr_mask;
	uint64_t (*get)(const struct vcpu *v);	/* read-only fields */
	size_t off;				/* else a uint64_t in struct vcpu */
};

static uint64_t get_vcpu_index(const struct vcpu *v)
{
	return v->index;
}

static const struct tdg_vp_field tdg_vp_fields[] = {
	{ MD_VP_VCPU_INDEX, 0xFFFFFFFFULL, 0, .get = get_vcpu_index },
	{ MD_VP_CPUID_SUPERVISOR_VE, 0xFF, 0x1, .off = offsetof(struct vcpu, cpuid_supervisor_ve) },
	{ MD_VP_CPUID_USER_VE, 0xFF, 0x1, .off = offsetof(struct vcpu, cpuid_user_ve) },
};

static const struct tdg_vp_field *vp_field_find(uint64_t field_id)
{
	for (size_t i = 0; i < TDX_ARRAY_SIZE(tdg_vp_fields); i++)
		if (MD_FIELD_ID_KEY(tdg_vp_fields[i].id) == MD_FIELD_ID_KEY(field_id))
			return &tdg_vp_fields[i];
	return NULL;
}

static uint64_t *vp_slot(struct vcpu *v, const struct tdg_vp_field *f)
{
	return (uint64_t *)((uint8_t *)v + f->off);
}

/* A field the guest cannot access: one the module keeps, or none at all. */
static tdx_status_t vp_field_denied(uint64_t field_id, tdx_status_t known)
{
	return tdx_status_operand(tdh_vp_field_exists(field_id) ? known :
				  TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
}

enum tdcall_action tdg_vp_rd(struct tdcall_ctx *c)
{
	uint64_t *g = c->gpr, field_id = g[VCPU_RDX];
	const struct tdg_vp_field *f;
	tdx_status_t st;

	g[VCPU_R8] = 0;
	/* RDX: a VP field the guest may read. */
	if (!md_field_id_valid(field_id)) {
		st = tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
		goto out;
	}
	f = vp_field_find(field_id);
	if (!f) {
		st = vp_field_denied(field_id, TDX_METADATA_FIELD_NOT_READABLE);
		goto out;
	}

	/* Commit: nothing below may fail. */
	g[VCPU_R8] = (f->get ? f->get(c->v) : *vp_slot(c->v, f)) & f->rd_mask;
	st = TDX_SUCCESS;
out:
	g[VCPU_RAX] = st;
	return TDCALL_RESUME;
}

enum tdcall_action tdg_vp_wr(struct tdcall_ctx *c)
{
	uint64_t *g = c->gpr, field_id = g[VCPU_RDX], value = g[VCPU_R8], req = g[VCPU_R9];
	const struct tdg_vp_field *f;
	uint64_t old, *slot;
	tdx_status_t st;

	g[VCPU_R8] = 0;
	/* RDX: a VP field the guest may write; R9 narrows its write mask. */
	if (!md_field_id_valid(field_id)) {
		st = tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
		goto out;
	}
	f = vp_field_find(field_id);
	if (!f) {
		st = vp_field_denied(field_id, TDX_METADATA_FIELD_NOT_WRITABLE);
		goto out;
	}
	if (f->get || !(f->wr_mask & req)) {
		st = tdx_status_operand(TDX_METADATA_FIELD_NOT_WRITABLE, TDX_OPERAND_ID_RDX);
		goto out;
	}
	/* R8: bits R9 selects but the guest may not write must keep their value. */
	slot = vp_slot(c->v, f);
	old = *slot;
	if ((old ^ value) & req & ~f->wr_mask) {
		st = tdx_status_operand(TDX_METADATA_FIELD_VALUE_NOT_VALID, TDX_OPERAND_ID_R8);
		goto out;
	}

	/* Commit: nothing below may fail. */
	*slot = (old & ~(f->wr_mask & req)) | (value & f->wr_mask & req);
	g[VCPU_R8] = old & f->rd_mask;
	st = TDX_SUCCESS;
out:
	g[VCPU_RAX] = st;
	return TDCALL_RESUME;
}
