/*
 * The TD management (MNG) family: TDH.MNG.CREATE, KEY.CONFIG, ADDCX,
 * INIT, RD, VPFLUSHDONE, KEY.FREEID and KEY.RECLAIMID (reference
 * tdx-abi.md 1.3, 4.1, 4.9).  Check phase, then commit phase.
 */
#include <string.h>

#include <openssl/rand.h>

#include <tdx/tdx_metadata.h>

#include "metadata.h"
#include "mktme.h"
#include "module.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "sept.h"
#include "td.h"
#include "tdh_mng.h"



static uint64_t all_packages(const struct tdx_module *mod)
{
	return (1ULL << mod->boot.sysinfo.mcheck.tot_num_sockets) - 1;
}

tdx_status_t tdh_mng_create(struct tdx_module *mod, struct plat_lp *lp,
			    struct tdx_module_args *args)
{
	hkid_t hkid = (hkid_t)args->rdx;
	struct pamt_ref ref;
	struct td *td;
	uint8_t key[32];
	tdx_status_t st;

	/* TDH.MNG.CREATE: RDX is a private HKID whose KOT entry is FREE. */
	if ((args->rdx >> 16) || hkid < mod->private_hkid_min || hkid > mod->private_hkid_max ||
	    hkid == mod->global_hkid)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	st = td_check_ndapage(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &ref);
	if (st != TDX_SUCCESS)
		return st;
	pthread_mutex_lock(&mod->td_list_lock);
	if (kot_get(mod, hkid) != KOT_FREE) {
		pthread_mutex_unlock(&mod->td_list_lock);
		st = TDX_HKID_NOT_FREE;
		goto out;
	}
	kot_set(mod, hkid, KOT_ASSIGNED);	/* claimed under the list lock */
	pthread_mutex_unlock(&mod->td_list_lock);
	if (RAND_bytes(key, sizeof(key)) != 1) {
		st = TDX_RND_NO_ENTROPY;
		goto undo_kot;
	}
	if (!memcmp(key, key + 16, 16))
		key[0] ^= 1;
	if (pmem_seam_init(lp, module_global_pa(mod, args->rcx), TDX_PAGE_SIZE) ||
	    !pamt_transition(mod, lp, &ref, PT_TDR, args->rcx)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto undo_kot;
	}
	td = td_alloc(mod, args->rcx);
	if (!td) {
		pamt_transition(mod, lp, &ref, PT_NDA, 0);
		st = TDX_SYS_BUSY;
		goto undo_kot;
	}

	/* Commit: nothing below may fail. */
	td->hkid = hkid;
	memcpy(td->key, key, sizeof(key));
	td->lifecycle = TD_HKID_ASSIGNED;
	td->op_state = OP_STATE_UNINITIALIZED;
	OPENSSL_cleanse(key, sizeof(key));
	goto out;
undo_kot:
	pthread_mutex_lock(&mod->td_list_lock);
	kot_set(mod, hkid, KOT_FREE);
	pthread_mutex_unlock(&mod->td_list_lock);
out:
	page_unlock(mod, args->rcx);
	return st;
}

tdx_status_t tdh_mng_key_config(struct tdx_module *mod, struct plat_lp *lp,
				struct tdx_module_args *args)
{
	uint64_t pkg = 1ULL << lp_package(lp);
	struct td *td;
	tdx_status_t st = td_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &td);

	if (st != TDX_SUCCESS)
		return st;
	if (td->lifecycle != TD_HKID_ASSIGNED) {
		st = TDX_LIFECYCLE_STATE_INCORRECT;
		goto out;
	}
	if (td->pkg_config_bitmap & pkg) {
		st = TDX_KEY_CONFIGURED;
		goto out;
	}
	/* PCONFIG the TD's ephemeral key on this package. */
	if (mktme_program_key(lp, td->hkid, MKTME_KEYID_SET_KEY_DIRECT, td->key)) {
		st = TDX_KEY_GENERATION_FAILED;
		goto out;
	}

	/* Commit: nothing below may fail. */
	td->pkg_config_bitmap |= pkg;
	if ((td->pkg_config_bitmap & all_packages(mod)) == all_packages(mod))
		td_lifecycle_transition(td, TD_KEYS_CONFIGURED);
out:
	return td_release(td, st);
}

static uint64_t td_pa(const struct td *td, const struct tdx_module *mod, uint64_t pa)
{
	return pmem_pa_with_keyid(mod->plat, pa, td->hkid);
}

tdx_status_t tdh_mng_addcx(struct tdx_module *mod, struct plat_lp *lp,
			   struct tdx_module_args *args)
{
	struct pamt_ref ref;
	struct td *td;
	tdx_status_t st = td_get_locked(mod, lp, args->rdx, TDX_OPERAND_ID_RDX, &td);

	if (st != TDX_SUCCESS)
		return st;
	if (td->lifecycle != TD_KEYS_CONFIGURED) {
		st = TDX_TD_KEYS_NOT_CONFIGURED;
		goto out;
	}
	if (td->op_state != OP_STATE_UNINITIALIZED) {
		st = TDX_OP_STATE_INCORRECT;
		goto out;
	}
	if (td->num_tdcx >= MODULE_TDCS_PAGES) {
		st = TDX_TDCX_NUM_INCORRECT;
		goto out;
	}
	st = td_check_ndapage(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &ref);
	if (st != TDX_SUCCESS)
		goto out;
	if (pmem_seam_init(lp, td_pa(td, mod, args->rcx), TDX_PAGE_SIZE) ||
	    !pamt_transition(mod, lp, &ref, PT_TDCX, td->tdr_pa)) {
		st = TDX_NON_RECOVERABLE_TD_CORRUPTED_MD;
		goto unlock_page;
	}

	/* Commit: nothing below may fail. */
	td->tdcx_pa[td->num_tdcx++] = args->rcx;
	td->chldcnt++;
unlock_page:
	page_unlock(mod, args->rcx);
out:
	return td_release(td, st);
}

/* XFAM bits (XCR0 | IA32_XSS layout) whose combinations the CPU constrains. */
#define XFAM_AVX		TDX_BIT(2)
#define XFAM_AVX512		(TDX_BIT(5) | TDX_BIT(6) | TDX_BIT(7))
#define XFAM_CET		(TDX_BIT(11) | TDX_BIT(12))
#define XFAM_AMX		(TDX_BIT(17) | TDX_BIT(18))

/* A valid XCR0+XSS combination: AVX-512 needs AVX and comes whole, CET and AMX too. */
static bool xfam_combination_ok(uint64_t xfam)
{
	if ((xfam & XFAM_AVX512) && ((xfam & XFAM_AVX512) != XFAM_AVX512 || !(xfam & XFAM_AVX)))
		return false;
	if ((xfam & XFAM_CET) && (xfam & XFAM_CET) != XFAM_CET)
		return false;
	if ((xfam & XFAM_AMX) && (xfam & XFAM_AMX) != XFAM_AMX)
		return false;
	return true;
}

/* Every TD_PARAMS rule, blaming the field's operand id. */
static tdx_status_t check_td_params(const struct tdx_module *mod, const struct td_params *p,
				    uint64_t *rcx_out)
{
	static const uint8_t zero[38];
	unsigned int pwl = (unsigned int)TDX_FIELD_GET(TDX_GENMASK(5, 3), p->eptp_controls);
	uint64_t cfg_fixed0 = md_config_flags_fixed0(mod);
	bool big_pa = platform_cfg(mod->plat)->max_pa > 48;

	*rcx_out = 0;
	if ((p->attributes & ~MODULE_ATTRIBUTES_FIXED0) ||
	    (p->attributes & MODULE_ATTRIBUTES_FIXED1) != MODULE_ATTRIBUTES_FIXED1)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_ATTRIBUTES);
	/* MIGRATABLE excludes DEBUG and PERFMON. */
	if ((p->attributes & TDX_TD_ATTR_MIGRATABLE) &&
	    (p->attributes & (TDX_TD_ATTR_DEBUG | TDX_TD_ATTR_PERFMON)))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_ATTRIBUTES);
	if ((p->xfam & ~MODULE_XFAM_FIXED0) ||
	    (p->xfam & MODULE_XFAM_FIXED1) != MODULE_XFAM_FIXED1 || !xfam_combination_ok(p->xfam))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_XFAM);
	if (p->max_vcpus < 1 || p->max_vcpus > MODULE_MAX_VCPUS_PER_TD)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_MAX_VCPUS);
	if (p->num_l2_vms)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_NUM_L2_VMS);
	if (p->msr_config_ctls & ~1U)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	/* CONFIG_FLAGS before EPTP: GPAW is refused as a config flag on a 46-bit CPU. */
	if ((p->config_flags & ~cfg_fixed0) ||
	    (p->config_flags & MODULE_CONFIG_FLAGS_FIXED1) != MODULE_CONFIG_FLAGS_FIXED1)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_EXEC_CONTROLS);
	if ((p->eptp_controls & 7) != EPTP_MT_WB || (pwl != EPTP_PWL_4 && pwl != EPTP_PWL_5) ||
	    (p->eptp_controls & ~TDX_GENMASK(5, 0)) || (pwl == EPTP_PWL_5 && !big_pa))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_EPTP_CONTROLS);
	if ((p->config_flags & CONFIG_FLAGS_GPAW) && pwl != EPTP_PWL_5)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_EXEC_CONTROLS);
	if (p->tsc_frequency < 4 || p->tsc_frequency > 400)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_TSC_FREQUENCY);
	if (p->reserved0 || memcmp(p->reserved1, zero, sizeof(p->reserved1)) ||
	    memcmp(p->reserved2, zero, sizeof(p->reserved2)))
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
	/* Entries beyond the configurable list are reserved. */
	for (size_t i = 16 * MODULE_NUM_CPUID_CONFIG; i < sizeof(p->cpuid_config); i++) {
		if (p->cpuid_config[i]) {
			*rcx_out = i / 16;
			return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_CPUID_CONFIG);
		}
	}
	return TDX_SUCCESS;
}

tdx_status_t tdh_mng_init(struct tdx_module *mod, struct plat_lp *lp,
			  struct tdx_module_args *args)
{
	struct td_params p;
	struct td *td;
	EVP_MD_CTX *ctx;
	uint64_t rcx_out;
	tdx_status_t st = td_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &td);

	if (st != TDX_SUCCESS)
		return st;
	if (td->lifecycle != TD_KEYS_CONFIGURED) {
		st = TDX_TD_KEYS_NOT_CONFIGURED;
		goto out;
	}
	if (td->op_state != OP_STATE_UNINITIALIZED) {
		st = TDX_OP_STATE_INCORRECT;
		goto out;
	}
	if (td->num_tdcx < MODULE_TDCS_PAGES) {
		st = TDX_TDCS_NOT_ALLOCATED;
		goto out;
	}
	/* TDH.MNG.INIT: RDX is a 1 KiB aligned TD_PARAMS in shared memory. */
	if (!module_shared_buffer_ok(mod, args->rdx, sizeof(p), TD_PARAMS_ALIGNMENT) ||
	    pmem_seam_read(lp, args->rdx, &p, sizeof(p))) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
		goto out;
	}
	st = check_td_params(mod, &p, &rcx_out);
	if (st != TDX_SUCCESS) {
		if (rcx_out)
			args->rcx = rcx_out;
		goto out;
	}
	/* The SEPT root lives in the last TDCS page. */
	td->attributes = p.attributes;
	st = sept_init_table(mod, lp, td, sept_root_pa(td));
	if (st != TDX_SUCCESS)
		goto out;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha384(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		st = TDX_SYS_BUSY;
		goto out;
	}

	/* Commit: nothing below may fail. */
	td->attributes = p.attributes;
	td->xfam = p.xfam;
	td->max_vcpus = p.max_vcpus;
	td->eptp = p.eptp_controls;
	td->config_flags = p.config_flags;
	td->tsc_frequency = p.tsc_frequency;
	td->td_ctls = (p.attributes & TDX_TD_ATTR_SEPT_VE_DISABLE) ?
		      TDX_TD_CTLS_PENDING_VE_DISABLE : 0;
	memcpy(td->mrconfigid, p.mrconfigid, 48);
	memcpy(td->mrowner, p.mrowner, 48);
	memcpy(td->mrownerconfig, p.mrownerconfig, 48);
	memcpy(td->cpuid_values, p.cpuid_config, sizeof(td->cpuid_values));
	memset(td->rtmr, 0, sizeof(td->rtmr));
	memset(td->mrtd, 0, sizeof(td->mrtd));
	td->mrtd_ctx = ctx;
	op_state_transition(td, OP_STATE_INITIALIZED);
out:
	return td_release(td, st);
}

/* TD-scope fields the host may read (production TD column). */
static tdx_status_t td_field(const struct td *td, uint64_t key, uint64_t *v)
{
	switch (key) {
	case MD_FIELD_ID_KEY(0x8010000000000001ULL): *v = td->fatal; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x8010000200000002ULL): *v = td->num_tdcx; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x8010000300000004ULL): *v = td->chldcnt; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x8010000200000005ULL): *v = td->lifecycle; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x8110000100000001ULL): *v = td->hkid; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x8110000300000002ULL): *v = td->pkg_config_bitmap; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9010000200000001ULL): *v = td->num_vcpus; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9010000200000002ULL): *v = td->num_assoc_vcpus; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9010000200000004ULL): *v = td->op_state; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x1110000300000000ULL): *v = td->attributes; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x1110000300000001ULL): *v = td->xfam; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x1110000200000002ULL): *v = td->max_vcpus; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x1110000000000003ULL): *v = td->config_flags & 1; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x1110000300000004ULL): *v = td->eptp; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x111000010000000CULL): *v = td->tsc_frequency; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x1110000300000016ULL): *v = td->config_flags; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9210000300000000ULL): *v = td->td_epoch; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9110000300000011ULL): *v = td->hp_lock_timeout; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9110000300000012ULL): *v = td->vm_ctls[0]; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9110000300000013ULL): *v = td->vm_ctls[1]; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9110000300000014ULL): *v = td->vm_ctls[2]; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9110000300000015ULL): *v = td->vm_ctls[3]; return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(0x9110000300000010ULL):
		/* NOTIFY_ENABLES: the host may read it on a debug TD only. */
		if (!(td->attributes & TDX_TD_ATTR_DEBUG))
			return TDX_METADATA_FIELD_NOT_READABLE;
		*v = td->notify_enables;
		return TDX_SUCCESS;
	case MD_FIELD_ID_KEY(MD_TD_TD_CTLS):
		/* TD_CTLS: the guest's; the host reads it on a debug TD only. */
		if (!(td->attributes & TDX_TD_ATTR_DEBUG))
			return TDX_METADATA_FIELD_NOT_READABLE;
		*v = td->td_ctls;
		return TDX_SUCCESS;
	default:
		break;
	}
	/* CPUID_VALUES: the field code names leaf, sub-leaf and register pair. */
	if (TDX_FIELD_GET(MD_FIELD_ID_CLASS_CODE, key) == 0x14) {
		uint64_t code = key & MD_FIELD_ID_FIELD_CODE;

		for (unsigned int i = 0; i < MODULE_NUM_CPUID_CONFIG; i++) {
			uint32_t l, sub;
			uint64_t c;

			md_cpuid_config_leaf(i, &l, &sub);
			c = (sub == ~0U ? TDX_BIT(8) : ((uint64_t)(sub & 0x7F) << 1)) |
			    ((uint64_t)(l & 0x7F) << 9) | ((uint64_t)(l >> 31) << 16);
			if ((code & ~1ULL) == c) {
				unsigned int pair = (unsigned int)(code & 1) * 2;

				*v = td->cpuid_values[i][pair] |
				     ((uint64_t)td->cpuid_values[i][pair + 1] << 32);
				return TDX_SUCCESS;
			}
		}
		return TDX_METADATA_FIELD_ID_INCORRECT;
	}
	/* MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG: 6 elements of 8 bytes. */
	static const struct {
		uint64_t id;
		size_t off;
	} mr[] = {
		{ 0x1310000300000000ULL, offsetof(struct td, mrtd) },
		{ 0x1310000300000010ULL, offsetof(struct td, mrconfigid) },
		{ 0x1310000300000018ULL, offsetof(struct td, mrowner) },
		{ 0x1310000300000020ULL, offsetof(struct td, mrownerconfig) },
	};
	for (size_t i = 0; i < TDX_ARRAY_SIZE(mr); i++) {
		uint64_t base = MD_FIELD_ID_KEY(mr[i].id);

		if (key >= base && key < base + 6) {
			memcpy(v, (const uint8_t *)td + mr[i].off + (key - base) * 8, 8);
			return TDX_SUCCESS;
		}
	}
	return TDX_METADATA_FIELD_ID_INCORRECT;
}

bool tdh_mng_field_exists(const struct td *td, uint64_t field_id)
{
	uint64_t v;

	return td_field(td, MD_FIELD_ID_KEY(field_id), &v) != TDX_METADATA_FIELD_ID_INCORRECT;
}

/* The host-readable TD fields in the order version-1 reads walk them. */
static const uint64_t td_read_order[] = {
	0x8010000000000001ULL, 0x8010000200000002ULL, 0x8010000300000004ULL,
	0x8010000200000005ULL, 0x8110000100000001ULL, 0x8110000300000002ULL,
	0x9010000200000001ULL, 0x9010000200000002ULL, 0x9010000200000004ULL,
	0x1110000300000000ULL, 0x1110000300000001ULL, 0x1110000200000002ULL,
	0x1110000000000003ULL, 0x1110000300000004ULL, 0x111000010000000CULL,
	0x1110000300000016ULL, 0x9210000300000000ULL, 0x9110000300000011ULL,
	0x9110000300000012ULL,
	0x1310000300000000ULL, 0x1310000300000001ULL, 0x1310000300000002ULL,
	0x1310000300000003ULL, 0x1310000300000004ULL, 0x1310000300000005ULL,
	0x1310000300000010ULL, 0x1310000300000011ULL, 0x1310000300000012ULL,
	0x1310000300000013ULL, 0x1310000300000014ULL, 0x1310000300000015ULL,
	0x1310000300000018ULL, 0x1310000300000019ULL, 0x131000030000001AULL,
	0x131000030000001BULL, 0x131000030000001CULL, 0x131000030000001DULL,
	0x1310000300000020ULL, 0x1310000300000021ULL, 0x1310000300000022ULL,
	0x1310000300000023ULL, 0x1310000300000024ULL, 0x1310000300000025ULL,
};

static uint64_t td_next_field(uint64_t key)
{
	for (size_t i = 0; i + 1 < TDX_ARRAY_SIZE(td_read_order); i++)
		if (MD_FIELD_ID_KEY(td_read_order[i]) == key)
			return td_read_order[i + 1];
	return MD_FIELD_ID_NONE;
}

tdx_status_t tdh_mng_rd(struct tdx_module *mod, struct plat_lp *lp,
			struct tdx_module_args *args)
{
	struct td *td;
	uint64_t v = 0;
	tdx_status_t st = td_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &td);

	if (st != TDX_SUCCESS)
		return st;
	/* TDR fields are readable once the TD exists; TDCS fields need MNG.INIT. */
	if (!md_field_id_valid(args->rdx)) {
		st = tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
		goto out;
	}
	if (TDX_FIELD_GET(MD_FIELD_ID_CLASS_CODE, args->rdx) >= 16 &&
	    td->op_state == OP_STATE_UNINITIALIZED) {
		st = TDX_OP_STATE_INCORRECT;
		goto out;
	}
	st = td_field(td, MD_FIELD_ID_KEY(args->rdx), &v);
	if (st != TDX_SUCCESS) {
		st = tdx_status_operand(st, TDX_OPERAND_ID_RDX);
		goto out;
	}
	args->r8 = v;
	/* Version 1 also returns the next readable field id (-1 after the last). */
	if (TDX_FIELD_GET(TDX_LEAF_VERSION_MASK, args->rax))
		args->rdx = td_next_field(MD_FIELD_ID_KEY(args->rdx));
out:
	return td_release(td, st);
}

/*
 * TD-scope fields the host may write (reference tdx-abi.md 4.6): the field,
 * where it lives, and which bits a production and a debug TD let it set.
 */
struct td_wr_field {
	uint64_t id;
	unsigned int elements;
	size_t off;
	uint64_t prod_mask;
	uint64_t debug_mask;
};

static const struct td_wr_field td_wr_fields[] = {
	{ 0x9110000300000011ULL, 1, offsetof(struct td, hp_lock_timeout), ~0ULL, ~0ULL },
	{ 0x9110000300000012ULL, 4, offsetof(struct td, vm_ctls), 0x1, 0x1 },
	{ 0x9110000300000010ULL, 1, offsetof(struct td, notify_enables), 0, 0x1 },
};

tdx_status_t tdh_mng_wr(struct tdx_module *mod, struct plat_lp *lp,
			struct tdx_module_args *args)
{
	uint64_t key = MD_FIELD_ID_KEY(args->rdx), *field = NULL, mask = 0, old;
	struct td *td;
	tdx_status_t st = td_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &td);

	if (st != TDX_SUCCESS)
		return st;
	st = td_check_state(td, OPS_BUILT, false);
	if (st != TDX_SUCCESS)
		goto out;
	if (!md_field_id_valid(args->rdx)) {
		st = tdx_status_operand(TDX_METADATA_FIELD_ID_INCORRECT, TDX_OPERAND_ID_RDX);
		goto out;
	}
	for (size_t i = 0; i < TDX_ARRAY_SIZE(td_wr_fields); i++) {
		const struct td_wr_field *f = &td_wr_fields[i];
		uint64_t base = MD_FIELD_ID_KEY(f->id);

		if (key >= base && key - base < f->elements) {
			field = (uint64_t *)((uint8_t *)td + f->off) + (key - base);
			mask = (td->attributes & TDX_BIT(0)) ? f->debug_mask : f->prod_mask;
		}
	}
	if (!field) {
		uint64_t v;

		/* A known but read-only (or unreadable) field, or no such field at all. */
		st = td_field(td, key, &v) != TDX_METADATA_FIELD_ID_INCORRECT ?
		     TDX_METADATA_FIELD_NOT_WRITABLE : TDX_METADATA_FIELD_ID_INCORRECT;
		st = tdx_status_operand(st, TDX_OPERAND_ID_RDX);
		goto out;
	}
	/* R9 narrows the field's write mask; nothing left means not writable. */
	mask &= args->r9;
	if (!mask) {
		st = tdx_status_operand(TDX_METADATA_FIELD_NOT_WRITABLE, TDX_OPERAND_ID_RDX);
		goto out;
	}

	/* Commit: nothing below may fail. */
	old = *field;
	*field = (old & ~mask) | (args->r8 & mask);
	args->r8 = old;
out:
	return td_release(td, st);
}

tdx_status_t tdh_mng_vpflushdone(struct tdx_module *mod, struct plat_lp *lp,
				 struct tdx_module_args *args)
{
	struct td *td;
	tdx_status_t st = td_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &td);

	if (st != TDX_SUCCESS)
		return st;
	if (td->lifecycle != TD_HKID_ASSIGNED && td->lifecycle != TD_KEYS_CONFIGURED) {
		st = TDX_LIFECYCLE_STATE_INCORRECT;
		goto out;
	}
	if (td->num_assoc_vcpus) {
		st = TDX_FLUSHVP_NOT_DONE;
		goto out;
	}

	/* Commit: nothing below may fail. */
	td_lifecycle_transition(td, TD_BLOCKED);
	pthread_mutex_lock(&mod->td_list_lock);
	kot_set(mod, td->hkid, KOT_FLUSHED);
	mod->wb_pending[td->hkid] = all_packages(mod);
	pthread_mutex_unlock(&mod->td_list_lock);
out:
	return td_release(td, st);
}

tdx_status_t tdh_mng_key_freeid(struct tdx_module *mod, struct plat_lp *lp,
				struct tdx_module_args *args)
{
	struct td *td;
	tdx_status_t st = td_get_locked(mod, lp, args->rcx, TDX_OPERAND_ID_RCX, &td);

	if (st != TDX_SUCCESS)
		return st;
	if (td->lifecycle != TD_BLOCKED) {
		st = TDX_LIFECYCLE_STATE_INCORRECT;
		goto out;
	}
	pthread_mutex_lock(&mod->td_list_lock);
	if (mod->wb_pending[td->hkid]) {
		pthread_mutex_unlock(&mod->td_list_lock);
		st = TDX_WBCACHE_NOT_COMPLETE;
		goto out;
	}

	/* Commit: nothing below may fail. */
	kot_set(mod, td->hkid, KOT_FREE);
	pthread_mutex_unlock(&mod->td_list_lock);
	td_lifecycle_transition(td, TD_TEARDOWN);
out:
	return td_release(td, st);
}

tdx_status_t tdh_mng_key_reclaimid(struct tdx_module *mod, struct plat_lp *lp,
				   struct tdx_module_args *args)
{
	/* A no-op in TDX 1.5, kept for compatibility. */
	(void)mod;
	(void)lp;
	(void)args;
	return TDX_SUCCESS;
}
