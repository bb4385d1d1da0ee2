/*
 * The guest side of the module: what a TDCALL handler gets and what it
 * tells the VP.ENTER run loop to do next (tdh_vp_enter.c).
 *
 * Handlers run with the TD's lock held and the vCPU ACTIVE.  They read
 * their inputs from gpr[] and write their outputs (RAX = completion
 * status) back into it; they never touch the engine directly.
 */
#ifndef TDX_MODULE_TDCALL_H
#define TDX_MODULE_TDCALL_H

#include <stddef.h>
#include <stdint.h>

#include <tdx/tdx_tdcall.h>

#include "module.h"
#include "td.h"
#include "vcpu.h"

enum tdcall_action {
	TDCALL_RESUME,		/* outputs in gpr[], RIP past the TDCALL, back to the guest */
	TDCALL_TD_EXIT,		/* RIP past the TDCALL, then the TD exit in @exit */
	TDCALL_EXIT_RETRY,	/* the TD exit in @exit; RIP stays, the TDCALL runs again */
	TDCALL_INJECT_GP,	/* #GP(0) at the TDCALL */
};

/* What VP.ENTER returns to the host (reference 1.4). */
struct td_exit_info {
	uint64_t status;	/* RAX 63:32 */
	uint32_t reason;	/* RAX 31:0: VMX basic exit reason */
	uint64_t qualification;	/* RCX */
	uint64_t ext_qualification;	/* RDX */
	uint64_t gpa;		/* R8 */
	uint64_t intr_info;	/* R9 */
	bool tdvmcall;		/* TDG.VP.VMCALL: RCX = mask, selected GPRs out */
};

struct tdcall_ctx {
	struct tdx_module *mod;
	struct plat_lp *lp;
	struct td *td;
	struct vcpu *v;
	uint64_t *gpr;			/* TD_VCPU_NR_GPRS, TDVPS order */
	struct td_exit_info *exit;
};

typedef enum tdcall_action (*tdcall_handler_fn)(struct tdcall_ctx *c);

/* tdcall_dispatch.c: leaf/version decode and the handler table. */
enum tdcall_action tdcall_dispatch(struct tdcall_ctx *c);

/* tdg_vp.c */
enum tdcall_action tdg_vp_vmcall(struct tdcall_ctx *c);
enum tdcall_action tdg_vp_info(struct tdcall_ctx *c);
enum tdcall_action tdg_vp_veinfo_get(struct tdcall_ctx *c);
enum tdcall_action tdg_vp_cpuidve_set(struct tdcall_ctx *c);
enum tdcall_action tdg_vp_rd(struct tdcall_ctx *c);
enum tdcall_action tdg_vp_wr(struct tdcall_ctx *c);

/* tdg_mem.c */
enum tdcall_action tdg_mem_page_accept(struct tdcall_ctx *c);

/* tdg_mr.c */
enum tdcall_action tdg_mr_rtmr_extend(struct tdcall_ctx *c);
enum tdcall_action tdg_mr_report(struct tdcall_ctx *c);

/* tdg_vm.c: TD-scope and global metadata as the guest sees it. */
enum tdcall_action tdg_vm_rd(struct tdcall_ctx *c);
enum tdcall_action tdg_vm_wr(struct tdcall_ctx *c);
enum tdcall_action tdg_sys_rd(struct tdcall_ctx *c);
enum tdcall_action tdg_sys_rdall(struct tdcall_ctx *c);

/* An EPT-violation TD exit at @gpa (reference 1.4 (a)). */
void td_exit_ept_violation(struct td_exit_info *e, uint64_t gpa, uint64_t qual, uint64_t eeq);

/**
 * tdg_private_operand() - the host PA (KeyID bits clear) behind a guest
 * memory operand: @gpa must be @align-aligned (at most 4 KiB, so the
 * operand never crosses a page), private (below the shared bit) and in a
 * MAPPED page.  Otherwise TDX_OPERAND_INVALID blaming @operand, or
 * TDX_NON_RECOVERABLE_TD_CORRUPTED_MD when the SEPT is damaged.
 */
tdx_status_t tdg_private_operand(struct tdcall_ctx *c, uint64_t gpa, uint64_t align,
				 uint32_t operand, uint64_t *pa);

/**
 * tdg_private_write() - write @len bytes at @pa (from tdg_private_operand())
 * under the TD's key.  A failed write loses the TD's memory: the TD turns
 * fatal and TDX_NON_RECOVERABLE_TD_CORRUPTED_MD is returned.
 */
tdx_status_t tdg_private_write(struct tdcall_ctx *c, uint64_t pa, const void *buf, size_t len);

#endif /* TDX_MODULE_TDCALL_H */
