/*
 * seamldr_install on the last LP of a session: the nine steps of seed
 * 003, in its order.  Steps 1-4 and the measurement of step 6 run on a
 * staged copy and touch nothing; only then does the commit write
 * Module_Range, so any refusal leaves the resident module as it was.
 *
 * tdx-emu's choices, where the reference is silent (each pinned by a
 * test): malformed parameters or sigstruct header -> EBADPARAM; a
 * signing key other than the fused vendor key, a bad signature, or a
 * debug-signed module on a non-debug platform -> EBADSIG; SVN major 0,
 * an SVN below the resident module's, or another major on UPDATE ->
 * EBADPARAM; LOAD over a resident module, UPDATE without one, or no
 * updates left -> EBADCALL; an image IMPL the CPU cannot execute ->
 * EUNSUPPORTED; UPDATE while the resident module has not written valid
 * handoff data (TDH.SYS.SHUTDOWN) or with a handoff version outside the
 * new module's [MIN_UPDATE_HV, MODULE_HV] -> EBADHANDOFF.  The SEAM transfer VMCS of an LP sits at SEAMRR base +
 * 4 KiB + x2APIC id x 4 KiB.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "loader_internal.h"
#include "pmem.h"
#include "pt.h"

#define PAGE TDX_PAGE_SIZE

struct install {
	struct p_seamldr *p;
	struct platform *plat;
	struct plat_lp *lp;
	struct seamldr_params params;
	struct seam_sigstruct sig;
	uint8_t *image;			/* staged module pages */
	const struct tdx_module_image_header *hdr;
	const struct seam_module_impl *impl;
	struct seam_module_layout layout;
	struct seam_sysinfo_table sysinfo;
	struct seamextend seamextend;
	void *ctx;
	bool debug;
};

/* Step 1: check the parameters. */
static uint64_t step1_check_params(struct install *in)
{
	struct p_seamldr *p = in->p;
	struct seamldr_params *prm = &in->params;
	static const uint8_t zero[sizeof(prm->reserved)];

	if (pmem_seam_read(in->lp, p->session_params_pa, prm, sizeof(*prm)))
		return SEAMLDR_EBADPARAM;
	if (prm->version != 0 || memcmp(prm->reserved, zero, sizeof(zero)))
		return SEAMLDR_EBADPARAM;
	if (prm->scenario != SEAMLDR_SCENARIO_LOAD && prm->scenario != SEAMLDR_SCENARIO_UPDATE)
		return SEAMLDR_EBADPARAM;
	if (prm->num_module_pages < 1 || prm->num_module_pages > SEAMLDR_MAX_NR_MODULE_PAGES)
		return SEAMLDR_EBADPARAM;
	if (!p_seamldr_host_buffer_ok(p, prm->sigstruct_pa, PAGE, PAGE))
		return SEAMLDR_EBADPARAM;
	for (uint64_t i = 0; i < prm->num_module_pages; i++)
		if (!p_seamldr_host_buffer_ok(p, prm->mod_pages_pa_list[i], PAGE, PAGE))
			return SEAMLDR_EBADPARAM;
	if (prm->scenario == SEAMLDR_SCENARIO_LOAD && p->module_loaded)
		return SEAMLDR_EBADCALL;
	if (prm->scenario == SEAMLDR_SCENARIO_UPDATE &&
	    (!p->module_loaded || !p->num_remaining_updates))
		return SEAMLDR_EBADCALL;
	return SEAMLDR_SUCCESS;
}

/* Step 2: verify the module's signature against the vendor key. */
static uint64_t step2_verify_signature(struct install *in)
{
	struct seam_sigstruct *sig = &in->sig;
	uint32_t fms = platform_cpuid_fms(in->plat) & SEAM_CPUID_FMS_MASK;
	uint8_t key_hash[48];
	bool cpu_listed = false;

	if (pmem_seam_read(in->lp, in->params.sigstruct_pa, sig, sizeof(*sig)))
		return SEAMLDR_EBADPARAM;
	if (seam_sigstruct_check_header(sig, NULL))
		return SEAMLDR_EBADPARAM;
	SHA384(sig->modulus, sizeof(sig->modulus), key_hash);
	if (memcmp(key_hash, platform_vendor_key_hash(in->plat), sizeof(key_hash)))
		return SEAMLDR_EBADSIG;
	if (seam_sigstruct_verify(sig, NULL))
		return SEAMLDR_EBADSIG;
	in->debug = (sig->module_type & SEAM_SIGSTRUCT_MODULE_DEBUG) != 0;
	if (in->debug && !platform_cfg(in->plat)->debug_unlocked)
		return SEAMLDR_EBADSIG;
	for (uint32_t i = 0; i < sig->cpuid_table_size; i++)
		if ((sig->cpuid_table[i] & SEAM_CPUID_FMS_MASK) == fms)
			cpu_listed = true;
	if (!cpu_listed)
		return SEAMLDR_EUNSUPCPU;
	return SEAMLDR_SUCCESS;
}

/* Step 3: the SVN against the resident module's. */
static uint64_t step3_check_svn(struct install *in)
{
	struct p_seamldr *p = in->p;
	uint16_t svn = in->sig.seamsvn;

	if (SEAMSVN_MAJOR(svn) == 0)
		return SEAMLDR_EBADPARAM;
	if (!p->module_loaded)
		return SEAMLDR_SUCCESS;
	if (SEAMSVN_MAJOR(svn) != SEAMSVN_MAJOR(p->sigstruct.seamsvn))
		return SEAMLDR_EBADPARAM;
	if (svn < p->sigstruct.seamsvn && !in->debug)
		return SEAMLDR_EBADPARAM;
	return SEAMLDR_SUCCESS;
}

/*
 * The handoff data a TD-preserving update needs: the resident module
 * wrote its header at the start of its data region in TDH.SYS.SHUTDOWN.
 */
struct handoff_header {
	uint8_t valid;
	uint8_t reserved;
	uint16_t hv;
	uint32_t size;
};

static uint64_t step3_check_handoff(struct install *in)
{
	struct p_seamldr *p = in->p;
	struct handoff_header h;

	if (in->params.scenario != SEAMLDR_SCENARIO_UPDATE)
		return SEAMLDR_SUCCESS;
	if (pmem_seam_read(in->lp, p->layout.data_pa, &h, sizeof(h)))
		return SEAMLDR_EBADHANDOFF;
	if (!h.valid || h.size > ((uint64_t)p->sigstruct.num_handoff_pages + 1) * PAGE ||
	    h.hv < in->sig.min_update_hv || h.hv > in->sig.module_hv)
		return SEAMLDR_EBADHANDOFF;
	return SEAMLDR_SUCCESS;
}

/* Step 4: lay the regions out in Module_Range. */
static uint64_t step4_layout(struct install *in)
{
	struct platform_range seamrr = platform_seamrr(in->plat);
	uint32_t max_x2apic = 0;
	uint16_t rnd;

	for (unsigned int i = 0; i < platform_nr_lps(in->plat); i++) {
		uint32_t id = lp_x2apic_id(platform_lp(in->plat, i));

		if (id > max_x2apic)
			max_x2apic = id;
	}
	if (RAND_bytes((uint8_t *)&rnd, sizeof(rnd)) != 1)
		return SEAMLDR_ENOENTROPY;
	if (seamrr_layout_compute(&in->sig, in->params.num_module_pages,
				  platform_nr_lps(in->plat), max_x2apic, seamrr.base,
				  seamrr.size, rnd, &in->layout))
		return SEAMLDR_ENOMEM;
	return SEAMLDR_SUCCESS;
}

/* Step 6, first half: stage and measure the image; find its native code. */
static uint64_t step6_stage_and_measure(struct install *in)
{
	uint64_t n = in->params.num_module_pages;
	uint8_t hash[48];

	in->image = malloc(n * PAGE);
	if (!in->image)
		return SEAMLDR_ENOMEM;
	for (uint64_t i = 0; i < n; i++)
		if (pmem_seam_read(in->lp, in->params.mod_pages_pa_list[i], in->image + i * PAGE, PAGE))
			return SEAMLDR_EBADPARAM;
	SHA384(in->image, n * PAGE, hash);
	if (memcmp(hash, in->sig.seamhash, sizeof(hash)))
		return SEAMLDR_EBADHASH;

	in->hdr = (const void *)in->image;
	if (memcmp(in->hdr->magic, TDX_MODULE_IMAGE_MAGIC, sizeof(in->hdr->magic)) ||
	    in->hdr->header_version != TDX_MODULE_IMAGE_VERSION)
		return SEAMLDR_EBADPARAM;
	if (in->sig.rip_offset >= n * PAGE)
		return SEAMLDR_EBADPARAM;
	for (unsigned int i = 0; i < in->p->ldr->nr_impls; i++)
		if (!strncmp(in->p->ldr->impls[i].name, in->hdr->impl, TDX_MODULE_IMPL_LEN))
			in->impl = &in->p->ldr->impls[i];
	if (!in->impl)
		return SEAMLDR_EUNSUPPORTED;
	return SEAMLDR_SUCCESS;
}

/* Step 5: map the regions in the module's page tables. */
static int step5_map(struct install *in)
{
	const struct seam_module_layout *l = &in->layout;
	struct pt_builder b;
	int ret;

	pt_init(&b, l->pt_pa);
	pt_map(&b, l->code_la, l->code_pa, l->code_size / PAGE, PTE_P);
	pt_map(&b, l->stack_la, l->stack_pa, l->stack_size / PAGE, PTE_P | PTE_RW | PTE_NX);
	pt_map(&b, l->data_la, l->data_pa, l->data_size / PAGE, PTE_P | PTE_RW | PTE_NX);
	pt_map(&b, l->sysinfo_la, l->sysinfo_pa, 1, PTE_P | PTE_NX);
	pt_ensure(&b, l->keyhole_la, l->keyhole_size / PAGE);
	for (uint64_t i = 0; i < l->keyhole_edit_size / PAGE; i++)
		pt_map(&b, l->keyhole_edit_la + i * PAGE,
		       pt_leaf_table_pa(&b, l->keyhole_la + i * 512 * PAGE), 1,
		       PTE_P | PTE_RW | PTE_NX);
	in->layout.pml4_pa = pt_root_pa(&b);
	ret = pt_nr_pages(&b) * PAGE > l->pt_size ? -1 : pt_commit(&b, in->lp);
	pt_fini(&b);
	return ret;
}

/* Step 7: the module's SYSINFO_TABLE. */
static int step7_sysinfo(struct install *in)
{
	const struct seam_module_layout *l = &in->layout;
	struct seam_sysinfo_table *t = &in->sysinfo;

	memset(t, 0, sizeof(*t));
	if (pmem_seam_read(in->lp, l->seamrr_base + l->seamrr_size - PAGE, &t->mcheck,
			   sizeof(t->mcheck)))
		return -1;
	/* The module's view of the MCHECK part hides the P-SEAMLDR range. */
	t->mcheck.p_seamldr_range_base = 0;
	t->mcheck.p_seamldr_range_size = 0;
	t->seam_status = SEAM_STATUS_LOADED;
	t->code_rgn_base = l->code_la;
	t->code_rgn_size = l->code_size;
	t->data_rgn_base = l->data_la;
	t->data_rgn_size = l->data_size;
	t->stack_rgn_base = l->stack_la;
	t->stack_rgn_size = l->stack_size;
	t->keyhole_rgn_base = l->keyhole_la;
	t->keyhole_rgn_size = l->keyhole_size;
	t->keyhole_edit_rgn_base = l->keyhole_edit_la;
	t->keyhole_edit_rgn_size = l->keyhole_edit_size;
	t->num_stack_pages = in->sig.num_stack_pages;
	t->num_tls_pages = in->sig.num_tls_pages;
	t->module_hv = in->sig.module_hv;
	t->min_update_hv = in->sig.min_update_hv;
	t->no_downgrade = in->sig.no_downgrade;
	t->num_handoff_pages = in->sig.num_handoff_pages;
	return pmem_seam_write(in->lp, l->sysinfo_pa, t, sizeof(*t));
}

/* Step 8: a SEAM transfer VMCS on each LP, entering the new module. */
static int step8_transfer_vmcs(struct install *in)
{
	const struct seam_module_layout *l = &in->layout;

	for (unsigned int i = 0; i < l->nr_lps; i++) {
		struct plat_lp *lp = platform_lp(in->plat, i);
		struct seam_transfer_vmcs v = {
			.revision = SEAM_VMCS_REVISION,
			.lp_index = i,
			.host_rip = l->code_la + in->sig.rip_offset,
			.host_rsp = l->stack_la + i * l->stack_per_lp + l->stack_per_lp - PAGE - 8,
			.host_ssp = l->stack_la + (i + 1) * l->stack_per_lp - 8,
			.host_cr3 = l->pml4_pa,
			.host_fs_base = l->sysinfo_la,
			.host_gs_base = l->data_la + l->handoff_size + i * l->tls_size,
		};
		uint64_t pa = l->vmcs_pa + (uint64_t)lp_x2apic_id(lp) * PAGE;

		if (pmem_seam_write(in->lp, pa, &v, sizeof(v)) ||
		    platform_set_module_entry(in->lp, i, in->impl->entry, in->ctx))
			return -1;
	}
	return 0;
}

/* Step 9: record hash and SVN in P-SEAMLDR's data region and SEAMEXTEND. */
static int step9_record(struct install *in)
{
	struct p_seamldr *p = in->p;
	struct p_seamldr_record rec;
	struct seamextend *ext = &in->seamextend;

	platform_seamextend_read(in->plat, ext);
	ext->valid = SEAMEXTEND_VALID_ALL;
	memset(ext->tee_tcb_svn, 0, sizeof(ext->tee_tcb_svn));
	ext->tee_tcb_svn[0] = SEAMSVN_MINOR(in->sig.seamsvn);
	ext->tee_tcb_svn[1] = SEAMSVN_MAJOR(in->sig.seamsvn);
	memcpy(ext->mrseam, in->sig.seamhash, sizeof(ext->mrseam));
	memset(ext->mrsigner, 0, sizeof(ext->mrsigner));
	ext->attributes = 0;
	ext->seam_ready = 1;
	ext->system_under_debug = in->debug;
	if (platform_seamextend_write(in->lp, ext))
		return -1;

	if (p->module_ctx) {
		struct retired_module *r = realloc(p->retired, (p->nr_retired + 1) * sizeof(*r));

		/* Keep the old module alive: an LP may still be returning from it. */
		if (r) {
			p->retired = r;
			p->retired[p->nr_retired++] = (struct retired_module){ p->impl, p->module_ctx };
		}
	}
	if (in->params.scenario == SEAMLDR_SCENARIO_UPDATE)
		p->num_remaining_updates--;
	p->module_loaded = true;
	p->impl = in->impl;
	p->module_ctx = in->ctx;
	p->layout = in->layout;
	p->sigstruct = in->sig;
	p->image = *in->hdr;
	p->num_module_pages = in->params.num_module_pages;
	p->install_count++;

	memset(&rec, 0, sizeof(rec));
	rec.module_loaded = 1;
	rec.seamsvn = in->sig.seamsvn;
	memcpy(rec.mrseam, in->sig.seamhash, sizeof(rec.mrseam));
	rec.num_module_pages = in->params.num_module_pages;
	rec.install_count = p->install_count;
	return pmem_seam_write(in->lp, p->range_base + P_SEAMLDR_DATA_OFF, &rec, sizeof(rec));
}

/* Zero what a layout occupies (before a new install, and on CLEANUP). */
static int clear_layout(struct plat_lp *lp, const struct seam_module_layout *l)
{
	uint64_t end = l->module_range_base + l->module_range_size;

	if (!l->nr_lps)
		return 0;
	/* SYSINFO, VMCSs, data and tables are contiguous; so are stacks and code. */
	if (pmem_seam_init(lp, l->sysinfo_pa, l->pt_pa + l->pt_size - l->sysinfo_pa))
		return -1;
	return pmem_seam_init(lp, l->stack_pa, end - l->stack_pa);
}

void seamldr_clear_module_range(struct p_seamldr *p, struct plat_lp *lp)
{
	struct seamextend ext;

	clear_layout(lp, &p->layout);
	platform_seamextend_read(p->ldr->plat, &ext);
	ext.seam_ready = 0;
	platform_seamextend_write(lp, &ext);
	p->module_loaded = false;
}

static uint64_t commit(struct install *in)
{
	struct p_seamldr *p = in->p;
	struct seamextend ext;
	struct seam_module_boot boot;

	/* The module about to run: let its code see what it was given. */
	boot = (struct seam_module_boot){
		.plat = in->plat,
		.lp = in->lp,
		.image = in->hdr,
		.sigstruct = &in->sig,
		.layout = &in->layout,
		.sysinfo = &in->sysinfo,
		.seamextend = &in->seamextend,
		.previous = p->module_ctx,
	};

	/* From here on Module_Range changes: a failure needs CLEANUP. */
	platform_seamextend_read(in->plat, &ext);
	ext.seam_ready = 0;
	platform_seamextend_write(in->lp, &ext);
	if (clear_layout(in->lp, &p->layout) || clear_layout(in->lp, &in->layout) ||
	    step5_map(in) ||
	    pmem_seam_write(in->lp, in->layout.code_pa, in->image, in->layout.code_size) ||
	    step7_sysinfo(in))
		goto fail;
	/* The measured values the module reports come from SEAMEXTEND. */
	in->seamextend = ext;
	memcpy(in->seamextend.mrseam, in->sig.seamhash, sizeof(in->seamextend.mrseam));
	in->seamextend.tee_tcb_svn[0] = SEAMSVN_MINOR(in->sig.seamsvn);
	in->seamextend.tee_tcb_svn[1] = SEAMSVN_MAJOR(in->sig.seamsvn);
	if (in->impl->create(&boot, &in->ctx))
		goto fail;
	if (step8_transfer_vmcs(in) || step9_record(in)) {
		in->impl->destroy(in->ctx);
		in->ctx = NULL;
		goto fail;
	}
	return SEAMLDR_SUCCESS;
fail:
	p->module_loaded = false;
	if (p->module_ctx) {
		/* The old module's range is gone; keep its object until teardown. */
		struct retired_module *r = realloc(p->retired, (p->nr_retired + 1) * sizeof(*r));

		if (r) {
			p->retired = r;
			p->retired[p->nr_retired++] = (struct retired_module){ p->impl, p->module_ctx };
			p->module_ctx = NULL;
		}
	}
	p->layout = in->layout;
	return SEAMLDR_ECLEANUPREQ;
}

uint64_t seamldr_install_last(struct p_seamldr *p, struct plat_lp *lp)
{
	struct install in = { .p = p, .plat = p->ldr->plat, .lp = lp };
	uint64_t status;

	status = step1_check_params(&in);
	if (status == SEAMLDR_SUCCESS)
		status = step2_verify_signature(&in);
	if (status == SEAMLDR_SUCCESS)
		status = step3_check_svn(&in);
	if (status == SEAMLDR_SUCCESS)
		status = step3_check_handoff(&in);
	if (status == SEAMLDR_SUCCESS)
		status = step4_layout(&in);
	if (status == SEAMLDR_SUCCESS)
		status = step6_stage_and_measure(&in);
	/* Commit: steps 5, 6 (copy), 7, 8 and 9. */
	if (status == SEAMLDR_SUCCESS)
		status = commit(&in);
	free(in.image);
	return status;
}
