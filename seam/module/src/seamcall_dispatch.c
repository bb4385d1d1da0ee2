/*
 * The SEAMCALL entry: decode RAX (leaf, version, reserved bits), apply
 * the system-state gate and the per-LP gate, then run the leaf's handler
 * (reference tdx-abi.md 1.1).  One table row per leaf, keyed by the
 * leaf's name; a leaf without a handler in this module version answers
 * as an unknown leaf does: TDX_OPERAND_INVALID on RAX.
 */
#include "module.h"
#include "platform.h"
#include "tdh_mem.h"
#include "tdh_mng.h"
#include "tdh_vp.h"

struct seamcall_leaf {
	const char *name;
	seamcall_handler_fn fn;
	unsigned int max_version;
	bool before_ready;	/* in the pre-SYS_READY allow-list */
	bool needs_lp_init;	/* refused with SYS_LP_INIT_NOT_DONE before LP.INIT */
};

#define LEAF(num, n, ...) [num] = { .name = n, __VA_ARGS__ }

static const struct seamcall_leaf leaves[] = {
	LEAF(TDH_VP_ENTER, "TDH.VP.ENTER", .fn = tdh_vp_enter),
	LEAF(TDH_MNG_ADDCX, "TDH.MNG.ADDCX", .fn = tdh_mng_addcx),
	LEAF(TDH_MEM_PAGE_ADD, "TDH.MEM.PAGE.ADD", .fn = tdh_mem_page_add),
	LEAF(TDH_MEM_SEPT_ADD, "TDH.MEM.SEPT.ADD", .fn = tdh_mem_sept_add),
	LEAF(TDH_VP_ADDCX, "TDH.VP.ADDCX", .fn = tdh_vp_addcx),
	LEAF(TDH_MEM_PAGE_RELOCATE, "TDH.MEM.PAGE.RELOCATE"),
	LEAF(TDH_MEM_PAGE_AUG, "TDH.MEM.PAGE.AUG", .fn = tdh_mem_page_aug),
	LEAF(TDH_MEM_RANGE_BLOCK, "TDH.MEM.RANGE.BLOCK", .fn = tdh_mem_range_block),
	LEAF(TDH_MNG_KEY_CONFIG, "TDH.MNG.KEY.CONFIG", .fn = tdh_mng_key_config),
	LEAF(TDH_MNG_CREATE, "TDH.MNG.CREATE", .fn = tdh_mng_create),
	LEAF(TDH_VP_CREATE, "TDH.VP.CREATE", .fn = tdh_vp_create),
	LEAF(TDH_MNG_RD, "TDH.MNG.RD", .fn = tdh_mng_rd, .max_version = 1),
	LEAF(TDH_MEM_RD, "TDH.MEM.RD", .fn = tdh_mem_rd),
	LEAF(TDH_MNG_WR, "TDH.MNG.WR", .fn = tdh_mng_wr),
	LEAF(TDH_MEM_WR, "TDH.MEM.WR", .fn = tdh_mem_wr),
	LEAF(TDH_MEM_PAGE_DEMOTE, "TDH.MEM.PAGE.DEMOTE", .fn = tdh_mem_page_demote),
	LEAF(TDH_MR_EXTEND, "TDH.MR.EXTEND", .fn = tdh_mr_extend),
	LEAF(TDH_MR_FINALIZE, "TDH.MR.FINALIZE", .fn = tdh_mr_finalize),
	LEAF(TDH_VP_FLUSH, "TDH.VP.FLUSH", .fn = tdh_vp_flush),
	LEAF(TDH_MNG_VPFLUSHDONE, "TDH.MNG.VPFLUSHDONE", .fn = tdh_mng_vpflushdone),
	LEAF(TDH_MNG_KEY_FREEID, "TDH.MNG.KEY.FREEID", .fn = tdh_mng_key_freeid),
	LEAF(TDH_MNG_INIT, "TDH.MNG.INIT", .fn = tdh_mng_init),
	LEAF(TDH_VP_INIT, "TDH.VP.INIT", .fn = tdh_vp_init, .max_version = 1),
	LEAF(TDH_MEM_PAGE_PROMOTE, "TDH.MEM.PAGE.PROMOTE", .fn = tdh_mem_page_promote),
	LEAF(TDH_PHYMEM_PAGE_RDMD, "TDH.PHYMEM.PAGE.RDMD", .fn = tdh_phymem_page_rdmd),
	LEAF(TDH_MEM_SEPT_RD, "TDH.MEM.SEPT.RD", .fn = tdh_mem_sept_rd),
	LEAF(TDH_VP_RD, "TDH.VP.RD", .fn = tdh_vp_rd, .max_version = 1),
	LEAF(TDH_MNG_KEY_RECLAIMID, "TDH.MNG.KEY.RECLAIMID", .fn = tdh_mng_key_reclaimid),
	LEAF(TDH_PHYMEM_PAGE_RECLAIM, "TDH.PHYMEM.PAGE.RECLAIM", .fn = tdh_phymem_page_reclaim),
	LEAF(TDH_MEM_PAGE_REMOVE, "TDH.MEM.PAGE.REMOVE", .fn = tdh_mem_page_remove),
	LEAF(TDH_MEM_SEPT_REMOVE, "TDH.MEM.SEPT.REMOVE", .fn = tdh_mem_sept_remove),
	LEAF(TDH_SYS_KEY_CONFIG, "TDH.SYS.KEY.CONFIG", .fn = tdh_sys_key_config, .before_ready = true),
	LEAF(TDH_SYS_INFO, "TDH.SYS.INFO", .fn = tdh_sys_info, .before_ready = true, .needs_lp_init = true),
	LEAF(TDH_SYS_INIT, "TDH.SYS.INIT", .fn = tdh_sys_init, .before_ready = true),
	LEAF(TDH_SYS_RD, "TDH.SYS.RD", .fn = tdh_sys_rd, .before_ready = true, .needs_lp_init = true),
	LEAF(TDH_SYS_LP_INIT, "TDH.SYS.LP.INIT", .fn = tdh_sys_lp_init, .before_ready = true),
	LEAF(TDH_SYS_TDMR_INIT, "TDH.SYS.TDMR.INIT", .fn = tdh_sys_tdmr_init),
	LEAF(TDH_SYS_RDALL, "TDH.SYS.RDALL", .fn = tdh_sys_rdall, .before_ready = true, .needs_lp_init = true),
	LEAF(TDH_MEM_TRACK, "TDH.MEM.TRACK", .fn = tdh_mem_track),
	LEAF(TDH_MEM_RANGE_UNBLOCK, "TDH.MEM.RANGE.UNBLOCK", .fn = tdh_mem_range_unblock),
	LEAF(TDH_PHYMEM_CACHE_WB, "TDH.PHYMEM.CACHE.WB", .fn = tdh_phymem_cache_wb),
	LEAF(TDH_PHYMEM_PAGE_WBINVD, "TDH.PHYMEM.PAGE.WBINVD", .fn = tdh_phymem_page_wbinvd),
	LEAF(TDH_VP_WR, "TDH.VP.WR", .fn = tdh_vp_wr),
	LEAF(TDH_SYS_LP_SHUTDOWN, "TDH.SYS.LP.SHUTDOWN", .fn = tdh_sys_lp_shutdown, .before_ready = true),
	LEAF(TDH_SYS_CONFIG, "TDH.SYS.CONFIG", .fn = tdh_sys_config, .before_ready = true),
	LEAF(TDH_SYS_SHUTDOWN, "TDH.SYS.SHUTDOWN", .fn = tdh_sys_shutdown),
	LEAF(TDH_SYS_UPDATE, "TDH.SYS.UPDATE", .fn = tdh_sys_update, .before_ready = true),
};

static const struct seamcall_leaf *leaf_lookup(uint64_t leaf)
{
	if (leaf >= TDX_ARRAY_SIZE(leaves) || !leaves[leaf].name)
		return NULL;
	return &leaves[leaf];
}

/* The system-state and per-LP gates, read under the SYS lock. */
static tdx_status_t gate(struct tdx_module *mod, struct plat_lp *lp, uint64_t leaf,
			 const struct seamcall_leaf *l)
{
	tdx_status_t status = TDX_SUCCESS;
	unsigned int idx = lp_index(lp);

	pthread_mutex_lock(&mod->sys_lock);
	if (mod->sys_state == SYS_SHUTDOWN && leaf != TDH_SYS_LP_SHUTDOWN)
		status = TDX_SYS_SHUTDOWN;
	else if (mod->sys_state != SYS_READY && !l->before_ready)
		status = TDX_SYS_NOT_READY;
	else if (l->needs_lp_init && (idx >= mod->nr_lps || !mod->lp_init_done[idx]))
		status = TDX_SYS_LP_INIT_NOT_DONE;
	pthread_mutex_unlock(&mod->sys_lock);
	return status;
}

void tdx_module_seamcall(struct tdx_module *mod, struct plat_lp *lp,
			 struct tdx_module_args *args)
{
	uint64_t leaf = TDX_FIELD_GET(TDX_LEAF_NUM_MASK, args->rax);
	uint64_t version = TDX_FIELD_GET(TDX_LEAF_VERSION_MASK, args->rax);
	const struct seamcall_leaf *l = leaf_lookup(leaf);
	tdx_status_t status;

	if ((args->rax & TDX_LEAF_RESERVED_MASK) || !l || !l->fn || version > l->max_version) {
		args->rax = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
		return;
	}
	status = gate(mod, lp, leaf, l);
	if (status == TDX_SUCCESS)
		status = l->fn(mod, lp, args);
	args->rax = status;
}
