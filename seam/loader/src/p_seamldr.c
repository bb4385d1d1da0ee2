/*
 * P-SEAMLDR's SEAMCALL interface (reference tdx-abi.md 5.3): INFO,
 * INSTALL (the per-LP serial session of seed 003), SHUTDOWN, SEAMINFO and
 * CLEANUP.  Unknown leaves answer EUNSUPPORTED.
 */
#include <stdlib.h>
#include <string.h>

#include "loader_internal.h"
#include "mktme.h"
#include "pmem.h"

static const bool install_allowed[INSTALL_NR_STATES][INSTALL_NR_STATES] = {
	[INSTALL_IDLE] = { [INSTALL_SESSION_OPEN] = true },
	[INSTALL_SESSION_OPEN] = {
		[INSTALL_SESSION_OPEN] = true,
		[INSTALL_IDLE] = true,
		[INSTALL_CLEANUP_REQUIRED] = true,
	},
	[INSTALL_CLEANUP_REQUIRED] = { [INSTALL_IDLE] = true },
};

int install_transition(struct p_seamldr *p, enum install_state to)
{
	if (!install_allowed[p->state][to])
		return -1;
	if (to != INSTALL_SESSION_OPEN || p->state == INSTALL_IDLE) {
		/* Entering or leaving a session starts the LP roll call afresh. */
		memset(p->lp_done, 0, platform_nr_lps(p->ldr->plat) * sizeof(bool));
		p->nr_done = 0;
	}
	p->state = to;
	return 0;
}

/*
 * A buffer the host hands in: inside DRAM, outside SEAMRR, aligned, and
 * under a KeyID the host may use (not a private TDX KeyID).
 */
bool p_seamldr_host_buffer_ok(struct p_seamldr *p, uint64_t pa, uint64_t size,
			      uint64_t align)
{
	struct platform *plat = p->ldr->plat;
	struct platform_range seamrr = platform_seamrr(plat);
	hkid_t keyid = pmem_pa_keyid(plat, pa);
	uint64_t addr = pmem_pa_strip_keyid(plat, pa);

	if (pa >> platform_cfg(plat)->max_pa || !TDX_IS_ALIGNED(addr, align))
		return false;
	if (mktme_keyid_kind(plat, keyid) != MKTME_KEYID_TME &&
	    mktme_keyid_kind(plat, keyid) != MKTME_KEYID_SHARED)
		return false;
	if (addr > platform_dram_size(plat) || size > platform_dram_size(plat) - addr)
		return false;
	return addr + size <= seamrr.base || addr >= seamrr.base + seamrr.size;
}

static uint64_t seamldr_info(struct p_seamldr *p, struct plat_lp *lp, uint64_t pa)
{
	struct seamldr_info info;

	if (!p_seamldr_host_buffer_ok(p, pa, sizeof(info), SEAMLDR_INFO_ALIGN))
		return SEAMLDR_EBADPARAM;
	memset(&info, 0, sizeof(info));
	info.version = 0;
	info.attributes = p->hdr.attributes & SEAMLDR_INFO_ATTR_DEBUG;
	info.vendor_id = p->hdr.vendor_id;
	info.build_date = p->hdr.build_date;
	info.build_num = p->hdr.build_num;
	info.minor = p->hdr.minor;
	info.major = p->hdr.major;
	info.update_version = p->hdr.update_version;
	info.acm_x2apicid = p->acm_x2apicid;
	info.num_remaining_updates = p->num_remaining_updates;
	platform_seamextend_read(p->ldr->plat, &info.seamextend);
	info.features0 = SEAMLDR_FEATURES0_CLEANUP;
	if (pmem_seam_write(lp, pa, &info, sizeof(info)))
		return SEAMLDR_EBADPARAM;
	return SEAMLDR_SUCCESS;
}

static uint64_t seamldr_seaminfo(struct p_seamldr *p, struct plat_lp *lp, uint64_t pa)
{
	struct platform_range seamrr = platform_seamrr(p->ldr->plat);
	uint8_t buf[SEAMLDR_SEAMINFO_SIZE];

	if (!p_seamldr_host_buffer_ok(p, pa, sizeof(buf), SEAMLDR_SEAMINFO_SIZE))
		return SEAMLDR_EBADPARAM;
	if (pmem_seam_read(lp, seamrr.base + seamrr.size - TDX_PAGE_SIZE, buf, sizeof(buf)) ||
	    pmem_seam_write(lp, pa, buf, sizeof(buf)))
		return SEAMLDR_EUNSPECERR;
	return SEAMLDR_SUCCESS;
}

/*
 * SEAMLDR.INSTALL on one LP.  The first call opens the session; each
 * later one checks its LP is not in the session already and clears the
 * LP's VMCS cache; the call that completes the roll call runs the nine
 * install steps (seamldr_install.c).
 */
static uint64_t seamldr_install(struct p_seamldr *p, struct plat_lp *lp, uint64_t params_pa,
				uint64_t *rdx)
{
	unsigned int idx = lp_index(lp);
	uint64_t status;

	*rdx = 0;
	if (p->state == INSTALL_CLEANUP_REQUIRED)
		return SEAMLDR_ECLEANUPREQ;
	if (!p_seamldr_host_buffer_ok(p, params_pa, sizeof(struct seamldr_params), TDX_PAGE_SIZE))
		return SEAMLDR_EBADPARAM;
	if (p->state == INSTALL_SESSION_OPEN) {
		if (p->lp_done[idx])
			return SEAMLDR_EBADCALL;	/* this LP is already in the session */
		if (params_pa != p->session_params_pa)
			return SEAMLDR_EBADPARAM;	/* every LP installs the same module */
		install_transition(p, INSTALL_SESSION_OPEN);
	} else {
		install_transition(p, INSTALL_SESSION_OPEN);
		p->session_params_pa = params_pa;
	}
	p->lp_done[idx] = true;
	p->nr_done++;
	lp_set_current_vmcs(lp, 0);

	if (p->nr_done < platform_nr_lps(p->ldr->plat))
		return SEAMLDR_SUCCESS;

	status = seamldr_install_last(p, lp);
	if (status == SEAMLDR_ECLEANUPREQ) {
		install_transition(p, INSTALL_CLEANUP_REQUIRED);
		*rdx = 1;	/* unrecoverable until SEAMLDR.CLEANUP */
	} else {
		install_transition(p, INSTALL_IDLE);
	}
	return status;
}

static uint64_t seamldr_shutdown(struct p_seamldr *p, struct plat_lp *lp)
{
	struct seamextend ext;

	if (p->state != INSTALL_IDLE)
		return SEAMLDR_EBADCALL;
	platform_seamextend_read(p->ldr->plat, &ext);
	ext.p_seamldr_ready = 0;
	platform_seamextend_write(lp, &ext);
	return SEAMLDR_SUCCESS;
}

/* Abandon a session, or clear Module_Range after a failed install. */
static uint64_t seamldr_cleanup(struct p_seamldr *p, struct plat_lp *lp)
{
	if (p->state == INSTALL_IDLE)
		return SEAMLDR_EBADCALL;
	if (p->state == INSTALL_CLEANUP_REQUIRED)
		seamldr_clear_module_range(p, lp);
	install_transition(p, INSTALL_IDLE);
	return SEAMLDR_SUCCESS;
}

void p_seamldr_entry(void *ctx, struct plat_lp *lp, struct tdx_module_args *args)
{
	struct p_seamldr *p = ctx;
	uint64_t rdx = args->rdx;

	switch (args->rax) {
	case SEAMLDR_INFO:
		args->rax = seamldr_info(p, lp, args->rcx);
		break;
	case SEAMLDR_INSTALL:
		args->rax = seamldr_install(p, lp, args->rcx, &rdx);
		args->rdx = rdx;
		break;
	case SEAMLDR_SHUTDOWN:
		args->rax = seamldr_shutdown(p, lp);
		break;
	case SEAMLDR_SEAMINFO:
		args->rax = seamldr_seaminfo(p, lp, args->rcx);
		break;
	case SEAMLDR_CLEANUP:
		args->rax = seamldr_cleanup(p, lp);
		break;
	default:
		args->rax = SEAMLDR_EUNSUPPORTED;
		break;
	}
}

void p_seamldr_destroy(struct p_seamldr *p)
{
	for (unsigned int i = 0; i < p->nr_retired; i++)
		p->retired[i].impl->destroy(p->retired[i].ctx);
	if (p->module_ctx)
		p->impl->destroy(p->module_ctx);
	free(p->retired);
	free(p->lp_done);
	free(p);
}
