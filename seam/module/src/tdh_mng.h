/*
 * Handlers of the MNG family and the TD-page PHYMEM leaves.
 */
#ifndef TDX_MODULE_TDH_MNG_H
#define TDX_MODULE_TDH_MNG_H

#include "tdh_sys.h"

SEAMCALL_HANDLER(tdh_mng_create);
SEAMCALL_HANDLER(tdh_mng_key_config);
SEAMCALL_HANDLER(tdh_mng_addcx);
SEAMCALL_HANDLER(tdh_mng_init);
SEAMCALL_HANDLER(tdh_mng_rd);
SEAMCALL_HANDLER(tdh_mng_wr);
SEAMCALL_HANDLER(tdh_mng_vpflushdone);
SEAMCALL_HANDLER(tdh_mng_key_freeid);
SEAMCALL_HANDLER(tdh_mng_key_reclaimid);
SEAMCALL_HANDLER(tdh_phymem_page_reclaim);
SEAMCALL_HANDLER(tdh_phymem_page_wbinvd);
SEAMCALL_HANDLER(tdh_phymem_cache_wb);

struct td;

/**
 * tdh_mng_field_exists() - is @field_id a TD-scope field the module keeps
 * (readable by the host or not)?  TDG.VM.RD/WR tell "not readable/writable
 * by the guest" from "no such field" with it.
 */
bool tdh_mng_field_exists(const struct td *td, uint64_t field_id);

#endif /* TDX_MODULE_TDH_MNG_H */
