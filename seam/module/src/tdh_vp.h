/*
 * Handlers of the vCPU (VP) family, called from the dispatcher.
 */
#ifndef TDX_MODULE_TDH_VP_H
#define TDX_MODULE_TDH_VP_H

#include "tdh_sys.h"

SEAMCALL_HANDLER(tdh_vp_create);
SEAMCALL_HANDLER(tdh_vp_addcx);
SEAMCALL_HANDLER(tdh_vp_init);
SEAMCALL_HANDLER(tdh_vp_rd);
SEAMCALL_HANDLER(tdh_vp_wr);
SEAMCALL_HANDLER(tdh_vp_flush);
SEAMCALL_HANDLER(tdh_vp_enter);	/* tdh_vp_enter.c */
/* Interrupts for LPs: host preemption and posted-interrupt notifications. */
void vp_enter_register(struct tdx_module *mod);

/**
 * tdh_vp_field_exists() - is @field_id a TDVPS / TD VMCS field the module
 * keeps (whoever may access it)?  TDG.VP.RD/WR tell "not for the guest"
 * from "no such field" with it.
 */
bool tdh_vp_field_exists(uint64_t field_id);

#endif /* TDX_MODULE_TDH_VP_H */
