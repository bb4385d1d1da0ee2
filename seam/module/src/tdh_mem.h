/*
 * Handlers of the MEM and MR families.
 */
#ifndef TDX_MODULE_TDH_MEM_H
#define TDX_MODULE_TDH_MEM_H

#include "tdh_sys.h"

SEAMCALL_HANDLER(tdh_mem_sept_add);
SEAMCALL_HANDLER(tdh_mem_sept_rd);
SEAMCALL_HANDLER(tdh_mem_sept_remove);
SEAMCALL_HANDLER(tdh_mem_page_add);
SEAMCALL_HANDLER(tdh_mem_page_aug);
SEAMCALL_HANDLER(tdh_mem_page_remove);
SEAMCALL_HANDLER(tdh_mem_page_demote);
SEAMCALL_HANDLER(tdh_mem_page_promote);
SEAMCALL_HANDLER(tdh_mem_range_block);
SEAMCALL_HANDLER(tdh_mem_range_unblock);
SEAMCALL_HANDLER(tdh_mem_track);
SEAMCALL_HANDLER(tdh_mem_rd);
SEAMCALL_HANDLER(tdh_mem_wr);
SEAMCALL_HANDLER(tdh_mr_extend);
SEAMCALL_HANDLER(tdh_mr_finalize);

#endif /* TDX_MODULE_TDH_MEM_H */
