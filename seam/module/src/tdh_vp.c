/*
 * The vCPU (VP) family: TDH.VP.CREATE, ADDCX, INIT, RD, WR and FLUSH
 * (reference tdx-abi.md 1.3, 4.6, 4.9, 6.1).  Check phase, then commit
 * phase.  TDH.VP.ENTER is not here.
 */
#include <stddef.h>

#include <tdx/tdx_metadata.h>

#include "metadata.h"
#include "module.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "td.h"
#include "tdh_vp.h"
#include "vcpu.h"

/*
 * The OP_STATEs in which each VP leaf runs (reference 4.9, the Intel
 * module's seamcall_state_lookup).  VP.FLUSH runs in any of them.
 */
static const unsigned int vp_op_states[TDH_VP_WR + 1] = {
	[TDH_VP_ADDCX] = OPS(OP_STATE_INITIALIZED),
	[TDH_VP_CREATE] = OPS(OP_STATE_INITIALIZED),
	[TDH_VP_FLUSH] = OPS(OP_STATE_UNINITIALIZED) | OPS_BUILT,
	[TDH_VP_INIT] = OPS(OP_STATE_INITIALIZED),
	[TDH_VP_RD] = OPS_BUILT,
	[TDH_VP_WR] = OPS_BUILT,
};

/* The TD-level gate every VP leaf passes: keys, TDCS, fatal, OP_STATE. */
static tdx_status_t vp_td_state(const struct td *td, unsigned int leaf)
{
	/* A fatal TD must still be torn down, which needs VP.FLUSH. */
	return td_check_state(td, vp_op_states[leaf], leaf == TDH_VP_FLUSH);
}

static uint64_t td_key_pa(const struct tdx_module *mod, const struct td *td, uint64_t pa)
{
	return pmem_pa_with_keyid(mod->plat, pa, td->hkid);
}

tdx_status_t tdh_vp_create(struct tdx_module *mod, struct plat_lp *lp,
			   struct tdx_module_args *args)
{
	struct pamt_ref ref;
	struct vcpu *v;
	struct td *td;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	if (st != TDX_SUCCESS)
		return st;
	st = vp_td_state(td, TDH_VP_CREATE);
	if (st != TDX_SUCCESS)
		goto out;
	/* TDH.VP.CREATE (1.5): the new vCPU's index is the TD's current NUM_VCPUS. */
	if (td->num_vcpus >= td->max_vcpus) {
		st = TDX_MAX_VCPUS_EXCEEDED;
		goto out;
	}
	/* RCX: the new TDVPR page, PT_NDA. */
	st = td_check_ndapage(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &ref);
	if (st != TDX_SUCCESS)
		goto out;
	v = vcpu_new(mod, td, args->rcx);
	if (!v) {
		st = TDX_SYS_BUSY;
		goto unlock_page;
	}
	if (pmem_seam_init(lp, td_key_pa(mod, td, args->rcx), TDX_PAGE_SIZE) ||
	    !pamt_transition(mod, lp, &ref, PT_TDVPR, td->tdr_pa)) {
		vcpu_discard(v);
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto unlock_page;
	}

	/* Commit: nothing below may fail. */
	v->index = td->num_vcpus++;
	td->chldcnt++;
	vcpu_insert(mod, v);
unlock_page:
	page_unlock(mod, args->rcx);
out:
	return td_release(td, st);
}

tdx_status_t tdh_vp_addcx(struct tdx_module *mod, struct plat_lp *lp,
			  struct tdx_module_args *args)
{
	struct pamt_ref ref;
	struct vcpu *v;
	struct td *td;
	tdx_status_t st = vcpu_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &v, &td);

	if (st != TDX_SUCCESS)
		return st;
	st = vp_td_state(td, TDH_VP_ADDCX);
	if (st != TDX_SUCCESS)
		goto out;
	/* TDH.VP.ADDCX: only before VP.INIT, and at most TDVPS_BASE_SIZE/4K - 1 pages. */
	if (v->state != VCPU_UNINITIALIZED) {
		st = TDX_VCPU_STATE_INCORRECT;
		goto out;
	}
	if (v->num_tdcx >= VCPU_MAX_TDCX) {
		st = TDX_TDCX_NUM_INCORRECT;
		goto out;
	}
	/* RCX: the new TDCX page, PT_NDA. */
	st = td_check_ndapage(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &ref);
	if (st != TDX_SUCCESS)
		goto out;
	if (pmem_seam_init(lp, td_key_pa(mod, td, args->rcx), TDX_PAGE_SIZE) ||
	    !pamt_transition(mod, lp, &ref, PT_TDCX, td->tdr_pa)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto unlock_page;
	}

	/* Commit: nothing below may fail. */
	v->tdcx_pa[v->num_tdcx++] = args->rcx;
	td->chldcnt++;
unlock_page:
	page_unlock(mod, args->rcx);
out:
	return td_release(td, st);
}

tdx_status_t tdh_vp_init(struct tdx_module *mod, struct plat_lp *lp,
			 struct tdx_module_args *args)
{
	uint64_t version = TDX_FIELD_GET(TDX_LEAF_VERSION_MASK, args->rax);
	struct vcpu *v;
	struct td *td;
	tdx_status_t st = vcpu_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &v, &td);

	if (st != TDX_SUCCESS)
		return st;
	st = vp_td_state(td, TDH_VP_INIT);
	if (st != TDX_SUCCESS)
		goto out;
	/* TDH.VP.INIT: every TDVPS page is there and the vCPU was never initialized. */
	if (!vcpu_tdvps_complete(v)) {
		st = TDX_TDCX_NUM_INCORRECT;
		goto out;
	}
	if (v->state != VCPU_UNINITIALIZED) {
		st = TDX_VCPU_STATE_INCORRECT;
		goto out;
	}
	if (version >= 1) {
		/* v1: R8 is the vCPU's x2APIC id, 32 bits, unique in the TD. */
		if (args->r8 >> 32) {
			st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
			goto out;
		}
		/*
		 * The newer Intel module (the only one with VP.INIT v1) answers
		 * a duplicate with TDX_X2APIC_ID_NOT_UNIQUE carrying the id in
		 * bits 31:0; tdx_status.h has that status, so this module does
		 * the same rather than OPERAND_INVALID on R8.
		 */
		if (vcpu_find_x2apic(mod, td, v, (uint32_t)args->r8)) {
			st = tdx_status_operand(TDX_X2APIC_ID_NOT_UNIQUE, (uint32_t)args->r8);
			goto out;
		}
	}
	st = vcpu_tdvps_intact(mod, lp, td, v);
	if (st != TDX_SUCCESS)
		goto out;

	/* Commit: nothing below may fail. */
	vcpu_init_state(v, td, args->rdx, platform_cpuid_fms(mod->plat));
	/* v0: the virtual x2APIC id is the vCPU index, and takes no part in the v1 check. */
	v->x2apic_id = version >= 1 ? (uint32_t)args->r8 : v->index;
	v->x2apic_configured = version >= 1;
	vcpu_state_transition(v, VCPU_READY);
	/* As associate_vcpu_initial(): the vCPU is now associated with this LP. */
	vcpu_associate(td, v, lp_index(lp));
out:
	return td_release(td, st);
}

/* ---- VP-scope metadata (reference 4.6) ---- */

/*
 * A row: @elements consecutive field codes from @id's.  Masks per access
 * (production TD / debug TD, read / write), as in the reference's
 * "Host prod R/W" and "Host debug R/W" columns.  A value comes from @get
 * (read-only), or else lives in a uint64_t array at @off in struct vcpu.  @null_pa:
 * the field holds a PA whose initial value is -1; on write the bits
 * outside the write mask count as 0 (md_vp_adjust_value_per_field_attr_on_wr).
 */
struct vp_ctx {
	struct tdx_module *mod;
	struct td *td;
	struct vcpu *v;
};

struct vp_field {
	uint64_t id;
	unsigned int elements;
	uint64_t prod_rd, prod_wr, dbg_rd, dbg_wr;
	size_t off;
	uint64_t (*get)(const struct vp_ctx *c, unsigned int elem);
	tdx_status_t (*check)(const struct vp_ctx *c, uint64_t value);
	bool null_pa;
};

#define ALL	(~0ULL)
#define U8	0xFFULL
#define U16	0xFFFFULL
#define U32	0xFFFFFFFFULL
#define AT(member)	offsetof(struct vcpu, member)

/* VMCS encodings (class 0 field codes). */
#define VMCS_POSTED_INT_NV	0x0002
#define VMCS_PID_ADDR		0x2016
#define VMCS_SHARED_EPTP	0x203C
#define VMCS_GUEST_PAT		0x2804
#define VMCS_GUEST_EFER		0x2806
#define VMCS_PINBASED		0x4000
#define VMCS_GUEST_CR0		0x6800
#define VMCS_GUEST_CR3		0x6802
#define VMCS_GUEST_CR4		0x6804
#define VMCS_GUEST_DR7		0x681A
#define VMCS_GUEST_RSP		0x681C
#define VMCS_GUEST_RIP		0x681E
#define VMCS_GUEST_RFLAGS	0x6820

/* TD VMCS field id: context VP, INC_SIZE, element size code @s (reference 4.6). */
#define VMCS_ID(s, enc)		(0x0024000000000000ULL | ((uint64_t)(s) << 32) | (enc))

static uint64_t get_cr4(const struct vp_ctx *c, unsigned int elem)
{
	const struct td_vcpu_regs *r = &c->v->regs;

	(void)elem;
	/* What the guest sees: host-owned bits from the read shadow. */
	return (r->cr4 & ~r->cr4_guest_host_mask) | (r->cr4_read_shadow & r->cr4_guest_host_mask);
}

static uint64_t get_rsp_placeholder(const struct vp_ctx *c, unsigned int elem)
{
	(void)c;
	(void)elem;
	return 0;
}

static uint64_t get_state(const struct vp_ctx *c, unsigned int elem)
{
	(void)elem;
	return (uint64_t)c->v->state;
}

static uint64_t get_index(const struct vp_ctx *c, unsigned int elem)
{
	(void)elem;
	return c->v->index;
}

static uint64_t get_num_tdvps_pages(const struct vp_ctx *c, unsigned int elem)
{
	(void)elem;
	return 1 + c->v->num_tdcx;
}

static uint64_t get_assoc_lpid(const struct vp_ctx *c, unsigned int elem)
{
	(void)elem;
	return (uint32_t)c->v->assoc_lp;	/* -1 reads as 0xFFFFFFFF */
}

/* Element 0 is the TDVPR, then the TDCX pages; each with the TD's HKID. */
static uint64_t get_tdvps_page_pa(const struct vp_ctx *c, unsigned int elem)
{
	const struct vcpu *v = c->v;
	uint64_t pa;

	if (elem == 0)
		pa = v->tdvpr_pa;
	else if (elem - 1 < v->num_tdcx)
		pa = v->tdcx_pa[elem - 1];
	else
		return 0;
	return td_key_pa(c->mod, c->td, pa);
}

static tdx_status_t check_posted_int_nv(const struct vp_ctx *c, uint64_t value)
{
	(void)c;
	return value <= 0xFF ? TDX_SUCCESS : TDX_METADATA_FIELD_VALUE_NOT_VALID;
}

/* A host PA the CPU will access: shared KeyID, in DRAM, outside SEAMRR. */
static tdx_status_t check_shared_pa(const struct vp_ctx *c, uint64_t pa, uint64_t size)
{
	if (pa == VCPU_NULL_PA || module_shared_buffer_ok(c->mod, pa, size, size))
		return TDX_SUCCESS;
	return TDX_METADATA_FIELD_VALUE_NOT_VALID;
}

static tdx_status_t check_pid_addr(const struct vp_ctx *c, uint64_t value)
{
	return check_shared_pa(c, value, 64);
}

static tdx_status_t check_shared_eptp(const struct vp_ctx *c, uint64_t value)
{
	return check_shared_pa(c, value & TDX_GENMASK(51, 12), TDX_PAGE_SIZE);
}

/* Posted interrupts need the vector and the descriptor set first. */
static tdx_status_t check_pinbased(const struct vp_ctx *c, uint64_t value)
{
	if (!(value & VCPU_PINBASED_POSTED_INT))
		return TDX_SUCCESS;
	if (c->v->ctls.posted_int_nv == VCPU_POSTED_INT_NV_INIT)
		return tdx_status_operand(TDX_TD_VMCS_FIELD_NOT_INITIALIZED, VMCS_POSTED_INT_NV);
	if (c->v->ctls.pid_addr == VCPU_NULL_PA)
		return tdx_status_operand(TDX_TD_VMCS_FIELD_NOT_INITIALIZED, VMCS_PID_ADDR);
	return TDX_SUCCESS;
}

static tdx_status_t check_cr3(const struct vp_ctx *c, uint64_t value)
{
	(void)c;
	return (value >> 52) ? TDX_METADATA_FIELD_VALUE_NOT_VALID : TDX_SUCCESS;
}

#define ROW(i, n, pr, pw, dr, dw, ...) \
	{ .id = (i), .elements = (n), .prod_rd = (pr), .prod_wr = (pw), .dbg_rd = (dr), \
	  .dbg_wr = (dw), __VA_ARGS__ }

/*
 * In the order the Intel module iterates VP context: the TD VMCS (class
 * 0) first, then TDVPS classes 16, 17, 32, each by field code.  Only the
 * fields listed; the TD VMCS rows are the guest state of reference 6.1
 * plus the controls KVM writes after VP.INIT (posted interrupts, shared
 * EPTP).  Guest CR0/CR4/EFER/PAT/DR7/RFLAGS are read-only here: the Intel
 * module's debug writes of them go through guest/host-mask rules this
 * module does not model.  XFAM is read-only for the same reason.
 */
static const struct vp_field vp_fields[] = {
	ROW(VMCS_ID(1, VMCS_POSTED_INT_NV), 1, U16, U16, U16, U16,
	    .off = AT(ctls.posted_int_nv), .check = check_posted_int_nv),
	ROW(VMCS_ID(3, VMCS_PID_ADDR), 1, ALL, TDX_GENMASK(63, 6), ALL, TDX_GENMASK(63, 6),
	    .off = AT(ctls.pid_addr), .check = check_pid_addr, .null_pa = true),
	ROW(VMCS_ID(3, VMCS_SHARED_EPTP), 1, ALL, TDX_GENMASK(51, 12), ALL, TDX_GENMASK(51, 12),
	    .off = AT(ctls.shared_eptp), .check = check_shared_eptp),
	ROW(VMCS_ID(3, VMCS_GUEST_PAT), 1, 0, 0, ALL, 0, .off = AT(regs.pat)),
	ROW(VMCS_ID(3, VMCS_GUEST_EFER), 1, 0, 0, ALL, 0, .off = AT(regs.efer)),
	ROW(VMCS_ID(2, VMCS_PINBASED), 1, U32, VCPU_PINBASED_POSTED_INT, U32,
	    VCPU_PINBASED_POSTED_INT, .off = AT(ctls.pinbased), .check = check_pinbased),
	ROW(VMCS_ID(3, VMCS_GUEST_CR0), 1, 0, 0, ALL, 0, .off = AT(regs.cr0)),
	ROW(VMCS_ID(3, VMCS_GUEST_CR3), 1, 0, 0, ALL, ALL, .off = AT(regs.cr3),
	    .check = check_cr3),
	ROW(VMCS_ID(3, VMCS_GUEST_CR4), 1, 0, 0, ALL, 0, .get = get_cr4),
	ROW(VMCS_ID(3, VMCS_GUEST_DR7), 1, 0, 0, ALL, 0, .off = AT(regs.dr7)),
	ROW(VMCS_ID(3, VMCS_GUEST_RSP), 1, 0, 0, ALL, ALL, .off = AT(regs.gpr[VCPU_RSP])),
	ROW(VMCS_ID(3, VMCS_GUEST_RIP), 1, 0, 0, ALL, ALL, .off = AT(regs.rip)),
	ROW(VMCS_ID(3, VMCS_GUEST_RFLAGS), 1, 0, 0, ALL, 0, .off = AT(regs.rflags)),
	/* Class 16: guest GPRs, debug TDs only; RSP is a placeholder (the VMCS has it). */
	ROW(0x1020000300000000ULL, 4, 0, 0, ALL, ALL, .off = AT(regs.gpr[VCPU_RAX])),
	ROW(0x1020000300000004ULL, 1, 0, 0, 0, 0, .get = get_rsp_placeholder),
	ROW(0x1020000300000005ULL, 11, 0, 0, ALL, ALL, .off = AT(regs.gpr[VCPU_RBP])),
	/* Class 17: guest state. */
	ROW(0x1120000300000006ULL, 1, 0, 0, ALL, U32, .off = AT(regs.dr6)),
	ROW(0x1120000300000020ULL, 1, 0, 0, ALL, 0, .off = AT(regs.xcr0)),
	ROW(0x1120000300000028ULL, 1, 0, 0, ALL, ALL, .off = AT(regs.cr2)),
	/* Class 32: management. */
	ROW(0xA020000000000000ULL, 1, 0, 0, U8, 0, .get = get_state),
	ROW(0xA020000200000002ULL, 1, U32, 0, U32, 0, .get = get_index),
	ROW(0xA020000000000003ULL, 1, U8, 0, U8, 0, .get = get_num_tdvps_pages),
	ROW(0xA020000200000004ULL, 1, U32, 0, U32, 0, .get = get_assoc_lpid),
	/* The guest's (TDG.VP.CPUIDVE.SET, TDG.VP.WR); the host only reads them. */
	ROW(MD_VP_CPUID_SUPERVISOR_VE, 1, U8, 0, U8, 0, .off = AT(cpuid_supervisor_ve)),
	ROW(MD_VP_CPUID_USER_VE, 1, U8, 0, U8, 0, .off = AT(cpuid_user_ve)),
	ROW(0x202000000000000BULL, 1, U8, U8, U8, U8, .off = AT(pend_nmi)),
	ROW(0x202000030000000CULL, 1, ALL, 0, ALL, 0, .off = AT(xfam)),
	ROW(0xA02000000000000FULL, 1, 0, 0, U8, 0, .off = AT(last_td_exit)),
	ROW(0xA020000300000010ULL, VCPU_MAX_TDVPS_PAGES, ALL, 0, ALL, 0, .get = get_tdvps_page_pa),
};

/* Single-field lookups match class and field code only (md_find_entry_idx). */
#define VP_KEY(id)	((id) & (MD_FIELD_ID_CLASS_CODE | MD_FIELD_ID_FIELD_CODE))

static const struct vp_field *vp_field_find(uint64_t field_id, unsigned int *elem)
{
	uint64_t key = VP_KEY(field_id);

	for (size_t i = 0; i < TDX_ARRAY_SIZE(vp_fields); i++) {
		uint64_t base = VP_KEY(vp_fields[i].id);

		if (key >= base && key - base < vp_fields[i].elements) {
			*elem = (unsigned int)(key - base);
			return &vp_fields[i];
		}
	}
	return NULL;
}

bool tdh_vp_field_exists(uint64_t field_id)
{
	unsigned int elem;

	return vp_field_find(field_id, &elem) != NULL;
}

static uint64_t vp_rd_mask(const struct vp_field *f, bool debug)
{
	return debug ? f->dbg_rd : f->prod_rd;
}

static uint64_t vp_wr_mask(const struct vp_field *f, bool debug)
{
	return debug ? f->dbg_wr : f->prod_wr;
}

static uint64_t *vp_slot(struct vcpu *v, const struct vp_field *f, unsigned int elem)
{
	return (uint64_t *)((uint8_t *)v + f->off) + elem;
}

static uint64_t vp_get(const struct vp_ctx *c, const struct vp_field *f, unsigned int elem)
{
	return f->get ? f->get(c, elem) : *vp_slot(c->v, f, elem);
}

/*
 * The id of the readable element after (@f, @elem), or of the first one
 * when @f is NULL; MD_FIELD_ID_NONE after the last.
 */
static uint64_t vp_next_id(const struct vp_field *f, unsigned int elem, bool debug)
{
	size_t i = f ? (size_t)(f - vp_fields) : 0;

	if (f && elem + 1 < f->elements)
		return f->id + elem + 1;
	for (i = f ? i + 1 : 0; i < TDX_ARRAY_SIZE(vp_fields); i++)
		if (vp_rd_mask(&vp_fields[i], debug))
			return vp_fields[i].id;
	return MD_FIELD_ID_NONE;
}

/* TDH.VP.RD v1: a field id that is all ones but for the context is "from the start". */
static bool vp_field_id_is_null(uint64_t field_id)
{
	return (field_id | MD_FIELD_ID_CONTEXT_CODE) == MD_FIELD_ID_NONE;
}

/* The checks VP.RD and VP.WR share, up to the field itself. */
static tdx_status_t vp_rd_wr_gate(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
				  struct vcpu *v, bool write)
{
	tdx_status_t st = vp_td_state(td, write ? TDH_VP_WR : TDH_VP_RD);

	if (st != TDX_SUCCESS)
		return st;
	if (!vcpu_tdvps_complete(v))
		return TDX_TDCX_NUM_INCORRECT;
	/* check_and_associate_vcpu(): initialized (a read may look at a disabled vCPU)... */
	if (!(v->state == VCPU_READY || (!write && v->state == VCPU_DISABLED)))
		return TDX_VCPU_STATE_INCORRECT;
	/* ...and not associated with another LP. */
	if (v->assoc_lp != VCPU_NOT_ASSOCIATED && v->assoc_lp != (int)lp_index(lp))
		return TDX_VCPU_ASSOCIATED;
	return vcpu_tdvps_intact(mod, lp, td, v);
}

static tdx_status_t vp_read(const struct vp_ctx *c, struct plat_lp *lp,
			    struct tdx_module_args *args, uint64_t field_id, uint64_t version)
{
	bool debug = c->td->attributes & TDX_BIT(0);
	const struct vp_field *f;
	unsigned int elem = 0;
	uint64_t rd_mask;

	if (version >= 1 && vp_field_id_is_null(field_id)) {
		/* Commit: nothing below may fail. */
		vcpu_associate(c->td, c->v, lp_index(lp));
		args->rdx = vp_next_id(NULL, 0, debug);
		return TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	if (!md_field_id_valid(field_id))
		return tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
	f = vp_field_find(field_id, &elem);
	if (!f)
		return tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
	rd_mask = vp_rd_mask(f, debug);
	if (!rd_mask)
		return tdx_status_operand(TDX_METADATA_FIELD_NOT_READABLE, TDX_OPERAND_ID_RDX);

	/* Commit: nothing below may fail. */
	vcpu_associate(c->td, c->v, lp_index(lp));
	args->r8 = vp_get(c, f, elem) & rd_mask;
	if (version >= 1)
		args->rdx = vp_next_id(f, elem, debug);
	return TDX_SUCCESS;
}

static tdx_status_t vp_write(const struct vp_ctx *c, struct plat_lp *lp,
			     struct tdx_module_args *args, uint64_t field_id, uint64_t value,
			     uint64_t req_mask)
{
	bool debug = c->td->attributes & TDX_BIT(0);
	const struct vp_field *f;
	unsigned int elem = 0;
	uint64_t wr_mask, combined, old, cur, next;
	tdx_status_t st;

	if (!md_field_id_valid(field_id))
		return tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
	f = vp_field_find(field_id, &elem);
	if (!f)
		return tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
	/* TDH.VP.WR: R9 narrows the field's write mask; nothing left = not writable. */
	wr_mask = vp_wr_mask(f, debug);
	combined = wr_mask & req_mask;
	if (!combined || f->get)
		return tdx_status_operand(TDX_METADATA_FIELD_NOT_WRITABLE, TDX_OPERAND_ID_RDX);
	old = *vp_slot(c->v, f, elem);
	cur = (f->null_pa && old == VCPU_NULL_PA) ? old & wr_mask : old;
	/* Bits the caller asks to write but may not must keep their value. */
	if ((cur ^ value) & req_mask & ~wr_mask)
		return tdx_status_operand(TDX_METADATA_FIELD_VALUE_NOT_VALID, TDX_OPERAND_ID_R8);
	next = (cur & ~combined) | (value & combined);
	if (f->check) {
		st = f->check(c, next);
		if (st != TDX_SUCCESS)
			return st;
	}

	/* Commit: nothing below may fail. */
	vcpu_associate(c->td, c->v, lp_index(lp));
	*vp_slot(c->v, f, elem) = next;
	args->r8 = old & vp_rd_mask(f, debug);
	return TDX_SUCCESS;
}

static tdx_status_t vp_rd_wr(struct tdx_module *mod, struct plat_lp *lp,
			     struct tdx_module_args *args, bool write)
{
	uint64_t version = TDX_FIELD_GET(TDX_LEAF_VERSION_MASK, args->rax);
	uint64_t field_id = args->rdx, value = args->r8, req_mask = args->r9;
	struct vp_ctx c = { .mod = mod };
	tdx_status_t st;

	/* Outputs as the Intel module leaves them on error: R8 0, v1 RD's RDX -1. */
	args->r8 = 0;
	if (!write && version >= 1)
		args->rdx = MD_FIELD_ID_NONE;
	st = vcpu_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &c.v, &c.td);
	if (st != TDX_SUCCESS)
		return st;
	st = vp_rd_wr_gate(mod, lp, c.td, c.v, write);
	if (st == TDX_SUCCESS)
		st = write ? vp_write(&c, lp, args, field_id, value, req_mask) :
			     vp_read(&c, lp, args, field_id, version);
	td_unlock(c.td);
	return st;
}

tdx_status_t tdh_vp_rd(struct tdx_module *mod, struct plat_lp *lp, struct tdx_module_args *args)
{
	return vp_rd_wr(mod, lp, args, false);
}

tdx_status_t tdh_vp_wr(struct tdx_module *mod, struct plat_lp *lp, struct tdx_module_args *args)
{
	return vp_rd_wr(mod, lp, args, true);
}

tdx_status_t tdh_vp_flush(struct tdx_module *mod, struct plat_lp *lp,
			  struct tdx_module_args *args)
{
	struct vcpu *v;
	struct td *td;
	tdx_status_t st = vcpu_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &v, &td);

	if (st != TDX_SUCCESS)
		return st;
	st = vp_td_state(td, TDH_VP_FLUSH);
	if (st != TDX_SUCCESS)
		goto out;
	if (!vcpu_tdvps_complete(v)) {
		st = TDX_TDCX_NUM_INCORRECT;
		goto out;
	}
	/*
	 * TDH.VP.FLUSH runs on the LP the vCPU is associated with.  A vCPU
	 * associated with none (never initialized, or already flushed) is
	 * refused the same way, as the Intel module does; Linux treats
	 * TDX_VCPU_NOT_ASSOCIATED from VP.FLUSH as "nothing to flush".
	 */
	if (v->assoc_lp != (int)lp_index(lp)) {
		st = TDX_VCPU_NOT_ASSOCIATED;
		goto out;
	}

	/* Commit: nothing below may fail. */
	/* INVEPT and VMCLEAR have nothing to write back in the emulator. */
	vcpu_dissociate(td, v);
out:
	return td_release(td, st);
}
