/*
 * Configuring the module's memory: TDH.SYS.CONFIG (TDMRs and the global
 * KeyID), TDH.SYS.KEY.CONFIG (the global key on each package),
 * TDH.SYS.TDMR.INIT (PAMT initialization), and the shutdown/update pair.
 *
 * TDH.SYS.CONFIG statuses carry the TDMR index in bits 7:0, the PAMT
 * size class in 15:8 (TDX_INVALID_PAMT) and the conflicting TDMR index
 * in 23:16 (TDX_PAMT_OVERLAP), as the reference lays out.
 */
#include <string.h>

#include <openssl/rand.h>

#include "mktme.h"
#include "module.h"
#include "pamt.h"
#include "platform.h"
#include "pmem.h"
#include "td.h"
#include "tdh_sys.h"
#include "vcpu.h"

#define TDMR_INIT_CHUNK_PAGES	1024

struct range {
	uint64_t base;
	uint64_t size;
};

static bool overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

/* Is [base, base+size) entirely inside one CMR? */
static bool in_cmrs(const struct tdx_module *mod, uint64_t base, uint64_t size)
{
	const struct mcheck_sysinfo *s = &mod->boot.sysinfo.mcheck;

	for (unsigned int i = 0; i < SYSINFO_MAX_CMRS; i++)
		if (s->cmr[i].size && base >= s->cmr[i].base &&
		    base + size <= s->cmr[i].base + s->cmr[i].size)
			return true;
	return false;
}

static uint64_t pamt_min_size(uint64_t tdmr_size, unsigned int shift)
{
	return (tdmr_size >> shift) * TDX_PAMT_ENTRY_SIZE;
}

static void pamts_of(const struct tdmr_info *t, struct range r[TDX_PS_NR])
{
	r[TDX_PS_4K] = (struct range){ t->pamt_4k_base, t->pamt_4k_size };
	r[TDX_PS_2M] = (struct range){ t->pamt_2m_base, t->pamt_2m_size };
	r[TDX_PS_1G] = (struct range){ t->pamt_1g_base, t->pamt_1g_size };
}

/* Is [a, a+len) inside a reserved area of @t? */
static bool in_reserved_area(const struct tdmr_info *t, uint64_t a, uint64_t len)
{
	for (unsigned int r = 0; r < TDX_MAX_RESERVED_PER_TDMR && t->reserved_areas[r].size; r++) {
		uint64_t b = t->base + t->reserved_areas[r].offset;

		if (a >= b && a + len <= b + t->reserved_areas[r].size)
			return true;
	}
	return false;
}

/* Every non-reserved page of @t must be convertible memory. */
static bool tdmr_in_cmrs(const struct tdx_module *mod, const struct tdmr_info *t)
{
	uint64_t a = t->base, end = t->base + t->size;

	while (a < end) {
		const struct tdmr_reserved_area *ra = NULL;

		for (unsigned int r = 0; r < TDX_MAX_RESERVED_PER_TDMR && t->reserved_areas[r].size; r++)
			if (t->base + t->reserved_areas[r].offset == a)
				ra = &t->reserved_areas[r];
		if (ra) {
			a += ra->size;
			continue;
		}
		/* Up to the next reserved area (or the end) must be in one CMR. */
		uint64_t next = end;

		for (unsigned int r = 0; r < TDX_MAX_RESERVED_PER_TDMR && t->reserved_areas[r].size; r++) {
			uint64_t b = t->base + t->reserved_areas[r].offset;

			if (b > a && b < next)
				next = b;
		}
		if (!in_cmrs(mod, a, next - a)) {
			/* A span may cross CMR boundaries only where CMRs touch. */
			uint64_t p;

			for (p = a; p < next; p += TDX_PAGE_SIZE)
				if (!in_cmrs(mod, p, TDX_PAGE_SIZE))
					return false;
		}
		a = next;
	}
	return true;
}

static tdx_status_t check_tdmr(const struct tdx_module *mod, const struct tdmr_info *t,
			       unsigned int i, const struct tdmr_info *prev)
{
	static const unsigned int shift[TDX_PS_NR] = { 12, 21, 30 };
	struct range pamt[TDX_PS_NR];
	uint64_t last_end = 0;

	if (!TDX_IS_ALIGNED(t->base, TDMR_ALIGNMENT) || !t->size ||
	    !TDX_IS_ALIGNED(t->size, TDMR_ALIGNMENT) || t->base + t->size < t->base ||
	    (t->base + t->size) > (1ULL << mod->pa_bits))
		return TDX_INVALID_TDMR | i;
	if (prev && t->base < prev->base + prev->size)
		return TDX_NON_ORDERED_TDMR | i;

	for (unsigned int r = 0; r < TDX_MAX_RESERVED_PER_TDMR && t->reserved_areas[r].size; r++) {
		const struct tdmr_reserved_area *ra = &t->reserved_areas[r];

		if (!TDX_IS_ALIGNED(ra->offset, TDX_PAGE_SIZE) ||
		    !TDX_IS_ALIGNED(ra->size, TDX_PAGE_SIZE) || ra->offset >= t->size ||
		    ra->size > t->size - ra->offset)
			return TDX_INVALID_RESERVED_IN_TDMR | i;
		if (r && ra->offset < last_end)
			return TDX_NON_ORDERED_RESERVED_IN_TDMR | i;
		last_end = ra->offset + ra->size;
	}

	pamts_of(t, pamt);
	for (unsigned int l = 0; l < TDX_PS_NR; l++) {
		if (!TDX_IS_ALIGNED(pamt[l].base, TDX_PAGE_SIZE) ||
		    !TDX_IS_ALIGNED(pamt[l].size, TDX_PAGE_SIZE) ||
		    pamt[l].size < pamt_min_size(t->size, shift[l]) || !pamt[l].size)
			return TDX_INVALID_PAMT | i | (l << 8);
		if (!in_cmrs(mod, pamt[l].base, pamt[l].size))
			return TDX_PAMT_OUTSIDE_CMRS | i | (l << 8);
	}
	if (!tdmr_in_cmrs(mod, t))
		return TDX_TDMR_OUTSIDE_CMRS | i;
	return TDX_SUCCESS;
}

/* PAMTs may not overlap each other, nor any TDMR memory that is not reserved. */
static tdx_status_t check_pamt_overlaps(const struct tdmr_info *t, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct range pi[TDX_PS_NR];

		pamts_of(&t[i], pi);
		for (unsigned int l = 0; l < TDX_PS_NR; l++) {
			for (unsigned int j = 0; j < n; j++) {
				struct range pj[TDX_PS_NR];

				pamts_of(&t[j], pj);
				for (unsigned int m = 0; m < TDX_PS_NR; m++)
					if ((j != i || m != l) &&
					    overlaps(pi[l].base, pi[l].size, pj[m].base, pj[m].size))
						return TDX_PAMT_OVERLAP | i | (j << 16);
				if (overlaps(pi[l].base, pi[l].size, t[j].base, t[j].size) &&
				    !in_reserved_area(&t[j], pi[l].base, pi[l].size))
					return TDX_PAMT_OVERLAP | i | (j << 16);
			}
		}
	}
	return TDX_SUCCESS;
}

tdx_status_t tdh_sys_config(struct tdx_module *mod, struct plat_lp *lp,
			    struct tdx_module_args *args)
{
	struct tdmr_info *tdmr = NULL;
	uint64_t pas[TDX_MAX_TDMRS];
	uint64_t n = args->rdx;
	hkid_t hkid = (hkid_t)args->r8;
	tdx_status_t st = TDX_SUCCESS;

	pthread_mutex_lock(&mod->sys_lock);
	if (mod->sys_state != SYSINIT_DONE) {
		st = TDX_SYS_CONFIG_NOT_PENDING;
		goto out;
	}
	if (mod->nr_lp_init_done < mod->nr_lps) {
		st = TDX_SYS_LP_INIT_NOT_DONE;
		goto out;
	}
	/* TDH.SYS.CONFIG: the TDMR_INFO PA array, its count, the global KeyID. */
	if (n < 1 || n > MODULE_MAX_TDMRS) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
		goto out;
	}
	if (!module_shared_buffer_ok(mod, args->rcx, n * 8, TDMR_INFO_PA_ARRAY_ALIGNMENT) ||
	    pmem_seam_read(lp, args->rcx, pas, n * 8)) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		goto out;
	}
	if ((args->r8 >> 16) || hkid < mod->private_hkid_min || hkid > mod->private_hkid_max) {
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
		goto out;
	}
	tdmr = calloc(n, sizeof(*tdmr));
	if (!tdmr) {
		st = TDX_SYS_BUSY;
		goto out;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (!module_shared_buffer_ok(mod, pas[i], sizeof(*tdmr), TDMR_INFO_ALIGNMENT) ||
		    pmem_seam_read(lp, pas[i], &tdmr[i], sizeof(*tdmr))) {
			st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_TDMR_INFO_PA);
			goto out;
		}
		st = check_tdmr(mod, &tdmr[i], i, i ? &tdmr[i - 1] : NULL);
		if (st != TDX_SUCCESS)
			goto out;
	}
	st = check_pamt_overlaps(tdmr, (unsigned int)n);
	if (st != TDX_SUCCESS)
		goto out;
	if (RAND_bytes(mod->global_key, sizeof(mod->global_key)) != 1) {
		st = TDX_RND_NO_ENTROPY;
		goto out;
	}
	if (!memcmp(mod->global_key, mod->global_key + 16, 16))
		mod->global_key[0] ^= 1;

	/* Commit: nothing below may fail. */
	memcpy(mod->tdmr, tdmr, n * sizeof(*tdmr));
	memset(mod->tdmr_init_pages, 0, sizeof(mod->tdmr_init_pages));
	mod->nr_tdmrs = (unsigned int)n;
	mod->global_hkid = hkid;
	kot_set(mod, hkid, KOT_RESERVED);
	sys_state_transition(mod, SYSCONFIG_DONE);
out:
	pthread_mutex_unlock(&mod->sys_lock);
	free(tdmr);
	return st;
}

tdx_status_t tdh_sys_key_config(struct tdx_module *mod, struct plat_lp *lp,
				struct tdx_module_args *args)
{
	uint64_t pkg_bit = 1ULL << lp_package(lp);
	uint64_t all = (1ULL << mod->boot.sysinfo.mcheck.tot_num_sockets) - 1;
	tdx_status_t st = TDX_SUCCESS;
	int ret;

	(void)args;
	pthread_mutex_lock(&mod->sys_lock);
	if (mod->sys_state == SYS_READY || (mod->pkg_key_config_done & pkg_bit)) {
		st = TDX_KEY_CONFIGURED;
		goto out;
	}
	if (mod->sys_state != SYSCONFIG_DONE) {
		st = TDX_SYS_KEY_CONFIG_NOT_PENDING;
		goto out;
	}
	/* PCONFIG the global private key on this package. */
	ret = mktme_program_key(lp, mod->global_hkid, MKTME_KEYID_SET_KEY_DIRECT, mod->global_key);
	if (ret) {
		st = TDX_KEY_GENERATION_FAILED;
		goto out;
	}

	/* Commit: nothing below may fail. */
	mod->pkg_key_config_done |= pkg_bit;
	if ((mod->pkg_key_config_done & all) == all)
		sys_state_transition(mod, SYS_READY);
out:
	pthread_mutex_unlock(&mod->sys_lock);
	return st;
}

tdx_status_t tdh_sys_tdmr_init(struct tdx_module *mod, struct plat_lp *lp,
			       struct tdx_module_args *args)
{
	tdx_status_t st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	unsigned int i;

	pthread_mutex_lock(&mod->sys_lock);
	for (i = 0; i < mod->nr_tdmrs; i++)
		if (mod->tdmr[i].base == args->rcx)
			break;
	if (i == mod->nr_tdmrs)
		goto out;
	if (mod->tdmr_init_pages[i] == mod->tdmr[i].size / TDX_PAGE_SIZE) {
		args->rdx = mod->tdmr[i].base + mod->tdmr[i].size;
		st = TDX_TDMR_ALREADY_INITIALIZED;
		goto out;
	}
	st = pamt_init_chunk(mod, lp, i, TDMR_INIT_CHUNK_PAGES);
	if (st != TDX_SUCCESS)
		goto out;
	/* RDX: how far the TDMR is initialized, rounded down to 1 GiB. */
	args->rdx = (mod->tdmr[i].base + mod->tdmr_init_pages[i] * TDX_PAGE_SIZE) &
		    ~(TDMR_ALIGNMENT - 1);
out:
	pthread_mutex_unlock(&mod->sys_lock);
	return st;
}

tdx_status_t tdh_sys_lp_shutdown(struct tdx_module *mod, struct plat_lp *lp,
				 struct tdx_module_args *args)
{
	/* Deprecated in 1.5: succeeds and does nothing. */
	(void)mod;
	(void)lp;
	(void)args;
	return TDX_SUCCESS;
}

/*
 * The handoff header at the start of the module's data region: what
 * P-SEAMLDR checks before a TD-preserving update.
 */
struct handoff_header {
	uint8_t valid;
	uint8_t reserved;
	uint16_t hv;
	uint32_t size;
};

tdx_status_t tdh_sys_shutdown(struct tdx_module *mod, struct plat_lp *lp,
			      struct tdx_module_args *args)
{
	uint64_t hv = args->rcx & 0xFFFF;
	struct handoff_header h = { .valid = 1, .hv = (uint16_t)hv, .size = 0 };
	tdx_status_t st = TDX_SUCCESS;

	/* Bits above the version: bit 16 is AVOID_COMPAT_SENSITIVE, the rest reserved. */
	if (args->rcx & ~0x1FFFFULL)
		return tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	pthread_mutex_lock(&mod->sys_lock);
	if (hv > mod->boot.sigstruct.module_hv || hv < mod->boot.sigstruct.min_update_hv) {
		st = TDX_SYS_INVALID_HANDOFF;
		goto out;
	}
	if (pmem_seam_write(lp, mod->boot.data_pa, &h, sizeof(h))) {
		st = TDX_SYS_BUSY;
		goto out;
	}

	/* Commit: nothing below may fail. */
	mod->handoff_valid = true;
	mod->handoff_hv = (uint16_t)hv;
	sys_state_transition(mod, SYS_SHUTDOWN);
out:
	pthread_mutex_unlock(&mod->sys_lock);
	return st;
}

tdx_status_t tdh_sys_update(struct tdx_module *mod, struct plat_lp *lp,
			    struct tdx_module_args *args)
{
	struct tdx_module *old = mod->boot.previous;
	tdx_status_t st = TDX_SUCCESS;

	(void)lp;
	(void)args;
	pthread_mutex_lock(&mod->sys_lock);
	if (mod->sys_state != SYSINIT_DONE || mod->nr_lp_init_done < mod->nr_lps) {
		st = TDX_SYS_STATE_INCORRECT;
		goto out;
	}
	if (!old || !old->handoff_valid || old->handoff_hv > mod->boot.sigstruct.module_hv ||
	    old->handoff_hv < mod->boot.sigstruct.min_update_hv) {
		st = TDX_SYS_INVALID_HANDOFF;
		goto out;
	}

	/* Commit: take over the old module's memory configuration and keys. */
	mod->global_hkid = old->global_hkid;
	memcpy(mod->global_key, old->global_key, sizeof(mod->global_key));
	mod->nr_tdmrs = old->nr_tdmrs;
	memcpy(mod->tdmr, old->tdmr, sizeof(mod->tdmr));
	memcpy(mod->tdmr_init_pages, old->tdmr_init_pages, sizeof(mod->tdmr_init_pages));
	mod->pkg_key_config_done = old->pkg_key_config_done;
	memcpy(mod->kot, old->kot, sizeof(mod->kot));
	memcpy(mod->wb_pending, old->wb_pending, sizeof(mod->wb_pending));
	/* The TDs carry over: a TD-preserving update. */
	pthread_mutex_lock(&old->td_list_lock);
	mod->tds = old->tds;
	old->tds = NULL;
	pthread_mutex_unlock(&old->td_list_lock);
	vcpu_take_over(mod, old);
	sys_state_transition(mod, SYS_READY);
out:
	pthread_mutex_unlock(&mod->sys_lock);
	return st;
}
