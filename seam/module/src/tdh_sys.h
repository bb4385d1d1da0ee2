/*
 * Handlers of the SYS and PHYMEM families, called from the dispatcher.
 */
#ifndef TDX_MODULE_TDH_SYS_H
#define TDX_MODULE_TDH_SYS_H

#include "module.h"

#define SEAMCALL_HANDLER(name) \
	tdx_status_t name(struct tdx_module *mod, struct plat_lp *lp, struct tdx_module_args *args)

SEAMCALL_HANDLER(tdh_sys_init);
SEAMCALL_HANDLER(tdh_sys_lp_init);
SEAMCALL_HANDLER(tdh_sys_info);
SEAMCALL_HANDLER(tdh_sys_rd);
SEAMCALL_HANDLER(tdh_sys_rdall);
SEAMCALL_HANDLER(tdh_sys_config);
SEAMCALL_HANDLER(tdh_sys_key_config);
SEAMCALL_HANDLER(tdh_sys_tdmr_init);
SEAMCALL_HANDLER(tdh_sys_lp_shutdown);
SEAMCALL_HANDLER(tdh_sys_shutdown);
SEAMCALL_HANDLER(tdh_sys_update);
SEAMCALL_HANDLER(tdh_phymem_page_rdmd);

#endif /* TDX_MODULE_TDH_SYS_H */
