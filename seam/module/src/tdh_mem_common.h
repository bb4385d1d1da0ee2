/*
 * Operand decoding shared by the MEM and MR leaves: "gpa+lvl" in RCX and
 * the TLB-tracking rule.
 */
#ifndef TDX_MODULE_TDH_MEM_COMMON_H
#define TDX_MODULE_TDH_MEM_COMMON_H

#include "module.h"
#include "sept.h"
#include "td.h"

/*
 * Decode RCX = GPA (51:12) | level (2:0): bits 11:3 zero, level in
 * [min, max], GPA aligned to the level, below the shared bit.
 */
tdx_status_t mem_decode_gpa(const struct td *td, uint64_t rcx, unsigned int min_level,
			    unsigned int max_level, uint64_t *gpa, unsigned int *level);

/* Report the entry a SEPT check failed on, as the MEM leaves do (RCX, RDX). */
void mem_report_sept(struct tdx_module_args *args, const struct sept_ref *ref);

/* Has the TD's TLB epoch moved past @bepoch with no vCPU left in it? */
bool mem_tlb_tracked(const struct td *td, uint64_t bepoch);

/* Does this op-state let vCPUs run, so removals need BLOCK + TRACK? */
bool mem_tracking_required(const struct td *td);

#endif /* TDX_MODULE_TDH_MEM_COMMON_H */
