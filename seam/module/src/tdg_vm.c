/*
 * Metadata as the guest sees it (reference tdx-abi.md 2.2, 4.6):
 * TDG.VM.RD and TDG.VM.WR for the TD's own TDR/TDCS fields, TDG.SYS.RD
 * and TDG.SYS.RDALL for the global (SYS) fields.
 *
 * TD scope: the rows below are the fields reference 4.6 marks guest
 * readable ("Guest R/W" column) that this module keeps, in the order
 * TDG.VM.RD v1 walks them (class, then field code).  Any other field the
 * module keeps (tdh_mng_field_exists()) is TDX_METADATA_FIELD_NOT_READABLE
 * / _NOT_WRITABLE to the guest; anything else TDX_METADATA_FIELD_ID_INCORRECT.
 *
 * SYS scope: the reference gives the guest no column of its own for SYS
 * fields, so the guest reads exactly the table TDH.SYS.RD reads
 * (metadata.c).
 */
#include <stddef.h>
#include <string.h>

#include <tdx/tdx_metadata.h>

#include "metadata.h"
#include "tdcall.h"
#include "tdh_mng.h"

/*
 * A row: the value comes from .get, or is the memory at .off in struct td
 * (element i at .off + 8 * i: a uint64_t, or 8 bytes of a measurement).
 * .wr_mask: the bits the guest may write (memory rows only).
 */
struct tdg_td_field {
	uint64_t id;
	unsigned int elements;
	uint64_t (*get)(const struct td *td);
	size_t off;
	uint64_t wr_mask;
};

#define TD_GETTER(name, expr) \
	static uint64_t get_##name(const struct td *td) { (void)td; return (uint64_t)(expr); }

TD_GETTER(num_vcpus, td->num_vcpus)
TD_GETTER(zero, 0)
TD_GETTER(attributes, td->attributes)
TD_GETTER(xfam, td->xfam)
TD_GETTER(max_vcpus, td->max_vcpus)
TD_GETTER(gpaw, td->config_flags & CONFIG_FLAGS_GPAW)
TD_GETTER(tsc_frequency, td->tsc_frequency)
TD_GETTER(config_flags, td->config_flags)

#define GET(i, n, name)		{ .id = (i), .elements = (n), .get = get_##name }
#define RW(i, member, mask)	{ .id = (i), .elements = 1, \
				  .off = offsetof(struct td, member), .wr_mask = (mask) }
#define MR(i, member)		{ .id = (i), .elements = 6, .off = offsetof(struct td, member) }

static const struct tdg_td_field tdg_td_fields[] = {
	GET(MD_TD_NUM_VCPUS, 1, num_vcpus),
	GET(MD_TD_NUM_L2_VMS, 1, zero),			/* no L2 VMs in this module */
	GET(MD_TD_ATTRIBUTES, 1, attributes),
	GET(MD_TD_XFAM, 1, xfam),
	GET(MD_TD_MAX_VCPUS, 1, max_vcpus),
	GET(MD_TD_GPAW, 1, gpaw),
	GET(MD_TD_TSC_FREQUENCY, 1, tsc_frequency),
	RW(MD_TD_NOTIFY_ENABLES, notify_enables, TDX_BIT(0)),
	GET(MD_TD_CONFIG_FLAGS, 1, config_flags),
	RW(MD_TD_TD_CTLS, td_ctls, TDX_TD_CTLS_PENDING_VE_DISABLE),
	MR(MD_TD_MRTD, mrtd),
	MR(MD_TD_MRCONFIGID, mrconfigid),
	MR(MD_TD_MROWNER, mrowner),
	MR(MD_TD_MROWNERCONFIG, mrownerconfig),
	MR(MD_TD_RTMR(0), rtmr[0]),
	MR(MD_TD_RTMR(1), rtmr[1]),
	MR(MD_TD_RTMR(2), rtmr[2]),
	MR(MD_TD_RTMR(3), rtmr[3]),
	/* No service TD is ever bound: SERVTD_HASH reads 0, as in TDINFO. */
	GET(MD_TD_SERVTD_HASH, 6, zero),
	GET(MD_TD_SERVTD_NUM, 1, zero),
};

static const struct tdg_td_field *td_field_find(uint64_t field_id, unsigned int *elem)
{
	uint64_t key = MD_FIELD_ID_KEY(field_id);

	for (size_t i = 0; i < TDX_ARRAY_SIZE(tdg_td_fields); i++) {
		uint64_t base = MD_FIELD_ID_KEY(tdg_td_fields[i].id);

		if (key >= base && key - base < tdg_td_fields[i].elements) {
			*elem = (unsigned int)(key - base);
			return &tdg_td_fields[i];
		}
	}
	return NULL;
}

static uint64_t td_field_get(const struct td *td, const struct tdg_td_field *f,
			     unsigned int elem)
{
	uint64_t v;

	if (f->get)
		return f->get(td);
	memcpy(&v, (const uint8_t *)td + f->off + 8 * elem, sizeof(v));
	return v;
}

/* The element after (@f, @elem), or the first field when @f is NULL; -1 after the last. */
static uint64_t td_next_id(const struct tdg_td_field *f, unsigned int elem)
{
	size_t i;

	if (!f)
		return tdg_td_fields[0].id;
	if (elem + 1 < f->elements)
		return f->id + elem + 1;
	i = (size_t)(f - tdg_td_fields) + 1;
	return i < TDX_ARRAY_SIZE(tdg_td_fields) ? tdg_td_fields[i].id : MD_FIELD_ID_NONE;
}

/* A field the guest cannot access: one the module keeps, or none at all. */
static tdx_status_t td_field_denied(const struct td *td, uint64_t field_id, tdx_status_t known)
{
	return tdx_status_operand(tdh_mng_field_exists(td, field_id) ? known :
				  TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
}

enum tdcall_action tdg_vm_rd(struct tdcall_ctx *c)
{
	uint64_t *g = c->gpr, field_id = g[VCPU_RDX];
	uint64_t version = TDX_FIELD_GET(TDX_LEAF_VERSION_MASK, g[VCPU_RAX]);
	const struct tdg_td_field *f;
	unsigned int elem = 0;
	tdx_status_t st;

	/* Outputs on any error: R8 0 and, for v1, no next field. */
	g[VCPU_R8] = 0;
	if (version >= 1)
		g[VCPU_RDX] = MD_FIELD_ID_NONE;
	/* RCX: the VM; 0 is the TD itself, and this module has no L2 VMs. */
	if (g[VCPU_RCX]) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if (version >= 1 && md_field_id_is_null(field_id)) {
		g[VCPU_RDX] = td_next_id(NULL, 0);
		st = TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
		goto out;
	}
	/* RDX: the field. */
	if (!md_field_id_valid(field_id)) {
		st = tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
		goto out;
	}
	f = td_field_find(field_id, &elem);
	if (!f) {
		st = td_field_denied(c->td, field_id, TDX_METADATA_FIELD_NOT_READABLE);
		goto out;
	}

	/* Commit: nothing below may fail. */
	g[VCPU_R8] = td_field_get(c->td, f, elem);
	if (version >= 1)
		g[VCPU_RDX] = td_next_id(f, elem);
	st = TDX_SUCCESS;
out:
	g[VCPU_RAX] = st;
	return TDCALL_RESUME;
}

enum tdcall_action tdg_vm_wr(struct tdcall_ctx *c)
{
	uint64_t *g = c->gpr, field_id = g[VCPU_RDX], value = g[VCPU_R8], req = g[VCPU_R9];
	const struct tdg_td_field *f;
	unsigned int elem = 0;
	uint64_t wr, old, *slot;
	tdx_status_t st;

	g[VCPU_R8] = 0;
	/* RCX: the VM, 0 only (no L2 VMs). */
	if (g[VCPU_RCX]) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	/* RDX: a field with guest write access. */
	if (!md_field_id_valid(field_id)) {
		st = tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
		goto out;
	}
	f = td_field_find(field_id, &elem);
	if (!f) {
		st = td_field_denied(c->td, field_id, TDX_METADATA_FIELD_NOT_WRITABLE);
		goto out;
	}
	/* R9 narrows the field's write mask; nothing left means not writable. */
	wr = f->wr_mask;
	if (!(wr & req)) {
		st = tdx_status_operand(TDX_METADATA_FIELD_NOT_WRITABLE, TDX_OPERAND_ID_RDX);
		goto out;
	}
	/* R8: bits R9 selects but the guest may not write must keep their value. */
	slot = (uint64_t *)((uint8_t *)c->td + f->off);
	old = *slot;
	if ((old ^ value) & req & ~wr) {
		st = tdx_status_operand(TDX_METADATA_FIELD_VALUE_NOT_VALID, TDX_OPERAND_ID_R8);
		goto out;
	}

	/* Commit: nothing below may fail. */
	*slot = (old & ~(wr & req)) | (value & wr & req);
	g[VCPU_R8] = old;
	st = TDX_SUCCESS;
out:
	g[VCPU_RAX] = st;
	return TDCALL_RESUME;
}

enum tdcall_action tdg_sys_rd(struct tdcall_ctx *c)
{
	uint64_t *g = c->gpr, field_id = g[VCPU_RDX], value, next;
	tdx_status_t st;

	/* Outputs on any error: R8 0, no next field. */
	g[VCPU_R8] = 0;
	g[VCPU_RDX] = MD_FIELD_ID_NONE;
	if (md_field_id_is_null(field_id)) {
		g[VCPU_RDX] = md_sys_first();
		st = TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
		goto out;
	}
	/* RDX: a SYS field (md_sys_read() checks the id's reserved bits too). */
	st = md_sys_read(c->mod, field_id, &value, &next);
	if (st != TDX_SUCCESS) {
		st = tdx_status_operand(st, TDX_OPERAND_ID_RDX);
		goto out;
	}

	/* Commit: nothing below may fail. */
	g[VCPU_R8] = value;
	g[VCPU_RDX] = next;
out:
	g[VCPU_RAX] = st;
	return TDCALL_RESUME;
}

enum tdcall_action tdg_sys_rdall(struct tdcall_ctx *c)
{
	static __thread uint64_t page[TDX_PAGE_SIZE / 8];
	uint64_t *g = c->gpr, pa, next;
	tdx_status_t st;

	/* RDX: the list page, a 4 KiB aligned private GPA, mapped. */
	st = tdg_private_operand(c, g[VCPU_RDX], TDX_PAGE_SIZE, TDX_OPERAND_ID_RDX, &pa);
	if (st != TDX_SUCCESS)
		goto out;
	/* R8: the first field to list. */
	if (md_sys_list(c->mod, g[VCPU_R8], page, &next) != TDX_SUCCESS) {
		st = tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_R8);
		goto out;
	}

	/* Commit: only losing the TD's memory can fail below. */
	st = tdg_private_write(c, pa, page, sizeof(page));
	if (st == TDX_SUCCESS)
		g[VCPU_R8] = next;
out:
	g[VCPU_RAX] = st;
	return TDCALL_RESUME;
}
