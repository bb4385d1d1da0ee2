/*
 * TD vCPUs as the module keeps them (reference tdx-abi.md 1.3 "vCPU (VP)
 * leaves", 4.6 VP-scope metadata, 4.9 vCPU states, 6.1 initial state).
 *
 * A vCPU is its TDVPS: the root page (TDVPR, PAMT type PT_TDVPR) that
 * TDH.VP.CREATE takes, plus VCPU_MAX_TDCX pages (PT_TDCX) that
 * TDH.VP.ADDCX adds, all owned by the TD's TDR and initialized under the
 * TD's HKID.  As for the TDR, the module's native copy (struct vcpu) is
 * authoritative; the pages only make the host's view of them what it is
 * on hardware (zeros to read, poison on write).
 *
 * vCPU state (TDVPS.VCPU_STATE), written only by vcpu_state_transition():
 *
 *   UNINITIALIZED (0) --TDH.VP.INIT--> READY (2)
 *   READY (2) --TDH.VP.ENTER--> ACTIVE (4) --TD exit--> READY (2)
 *   READY, ACTIVE --fatal error in the vCPU--> DISABLED (8)
 *
 *   UNINITIALIZED: created, TDCX pages still being added; only VP.ADDCX
 *                  and VP.INIT accept it.
 *   READY:         initial state set (section 6.1); VP.RD/WR/FLUSH and,
 *                  once the TD is RUNNABLE, VP.ENTER accept it.
 *   ACTIVE:        running in the vCPU engine, between VP.ENTER and its
 *                  TD exit (tdh_vp_enter.c); only that LP touches it.
 *   DISABLED:      a non-recoverable exit (triple fault, machine check,
 *                  engine failure); it never runs again.
 *
 * Association: a vCPU is associated with at most one LP (assoc_lp, -1
 * when none).  TDH.VP.INIT associates it with the LP that runs it, as the
 * Intel module's associate_vcpu_initial() does; VP.RD/WR (and later
 * VP.ENTER) associate a non-associated vCPU with the calling LP and refuse
 * one associated elsewhere (TDX_VCPU_ASSOCIATED); TDH.VP.FLUSH, on that
 * LP only, dissociates it.  TDCS.NUM_ASSOC_VCPUS (td->num_assoc_vcpus)
 * counts associated vCPUs, and MNG.VPFLUSHDONE refuses while it is not 0.
 *
 * Registry and locking: the vCPUs of a module live in its registry
 * (mod->vcpus), hashed by TDVPR PA, each recording its TDR PA and TD.  A
 * vCPU is only read or written with its TD's lock held (td_get_locked());
 * the TD lock covers every vCPU of the TD, so the VP leaves take no page
 * lock on the TDVPR (and a TDVPR never collides with a new TDCX page in
 * the hashed page locks).  Lock order: TD lock, then the module's
 * td_list_lock (held only to read or create mod->vcpus), then the
 * registry mutex, which guards the hash chains and nothing else; the
 * fields of a vCPU of another TD are never read except its immutable
 * tdvpr_pa, tdr_pa and td.  Entries go
 * away when their TDVPR is reclaimed (vcpu_forget_page()), when the TD is
 * freed (vcpu_forget_td()) and when the module is destroyed
 * (vcpu_module_exit()); a TD-preserving update moves them to the new
 * module (vcpu_take_over()).
 */
#ifndef TDX_MODULE_VCPU_H
#define TDX_MODULE_VCPU_H

#include <stdbool.h>
#include <stdint.h>

#include <tdx/tdx_arch.h>
#include <tdx/tdx_status.h>

#include "module.h"
#include "td_vcpu.h"

struct plat_lp;
struct td;

/* TDVPS = TDVPR + 5 TDCX pages (TDX 1.5, no L2 VMs; TDVPS_BASE_SIZE). */
#define VCPU_TDVPS_PAGES	(MODULE_TDVPS_BASE_SIZE / 4096)
#define VCPU_MAX_TDCX		(VCPU_TDVPS_PAGES - 1)
/* TDVPS.TDVPS_PAGE_PA has room for 15 pages (6 + 3 per L2 VM). */
#define VCPU_MAX_TDVPS_PAGES	15

#define VCPU_NOT_ASSOCIATED	(-1)

enum vcpu_state {
	VCPU_UNINITIALIZED = 0,
	VCPU_READY = 2,
	VCPU_ACTIVE = 4,
	VCPU_DISABLED = 8,
	VCPU_STATE_NR,
};

/* TDVPS.LAST_TD_EXIT: whether VP.ENTER copies host GPRs into the guest. */
enum vcpu_last_td_exit {
	VCPU_LAST_EXIT_ASYNC_FAULT = 0,
	VCPU_LAST_EXIT_ASYNC_TRAP = 1,
	VCPU_LAST_EXIT_TDVMCALL = 2,
};

/* GPR numbers: TDVPS class 16 field codes (RSP lives in the VMCS). */
enum vcpu_gpr {
	VCPU_RAX, VCPU_RCX, VCPU_RDX, VCPU_RBX, VCPU_RSP, VCPU_RBP, VCPU_RSI, VCPU_RDI,
	VCPU_R8, VCPU_R9, VCPU_R10, VCPU_R11, VCPU_R12, VCPU_R13, VCPU_R14, VCPU_R15,
	VCPU_NR_GPRS,
};

/*
 * The guest's architectural state: GPRs and the TD VMCS guest-state
 * area (td_vcpu.h's layout).  VP.INIT sets it (vcpu_init_state(),
 * reference 6.1); VP.ENTER loads it into the vCPU engine at the first
 * entry, and from then on the engine holds it.
 */
/* TD VMCS controls the host may set with TDH.VP.WR (reference 4.6). */
struct vcpu_vmcs_ctls {
	uint64_t posted_int_nv;		/* 0xFFFF until the host sets it */
	uint64_t pid_addr;		/* posted-interrupt descriptor, -1 until set */
	uint64_t pinbased;
	uint64_t shared_eptp;
};

/* VE_INFO (reference 4.8): what TDG.VP.VEINFO.GET returns. */
struct vcpu_ve_info {
	uint32_t exit_reason;
	uint32_t valid;			/* VE_INFO_VALID while unread */
	uint64_t exit_qualification;
	uint64_t gla;
	uint64_t gpa;
	uint32_t insn_len;
	uint32_t insn_info;
};

struct vcpu {
	struct vcpu *next;		/* registry hash chain */
	uint64_t tdvpr_pa;		/* KeyID bits clear */
	uint64_t tdr_pa;
	struct td *td;			/* valid while the TD exists */
	uint32_t index;			/* VCPU_INDEX: TD's num_vcpus at VP.CREATE */
	unsigned int num_tdcx;
	uint64_t tdcx_pa[VCPU_MAX_TDCX];
	enum vcpu_state state;
	int assoc_lp;			/* LP index, or VCPU_NOT_ASSOCIATED */
	uint32_t x2apic_id;
	bool x2apic_configured;		/* set by VP.INIT v1 (R8) */
	uint64_t last_td_exit;
	uint64_t pend_nmi;
	uint64_t xfam;
	struct td_vcpu_regs regs;
	struct vcpu_vmcs_ctls ctls;

	/* Execution (tdh_vp_enter.c). */
	struct td_vcpu *engine;		/* the KVM vCPU, from the first VP.ENTER */
	uint64_t entry_epoch;		/* the TD's epoch when this VP.ENTER began */
	uint64_t tdvmcall_mask;		/* RCX of the last TDG.VP.VMCALL */
	struct vcpu_ve_info ve_info;

	/*
	 * TDVPS.CPUID_SUPERVISOR_VE / CPUID_USER_VE (0 or 1): every CPUID
	 * at CPL 0 / CPL > 0 raises #VE.  Set by TDG.VP.CPUIDVE.SET and
	 * TDG.VP.WR (tdg_vp.c); the vCPU engine does not consult them yet.
	 */
	uint64_t cpuid_supervisor_ve;
	uint64_t cpuid_user_ve;
};

/* Values of reference tdx-abi.md 6.1, named once. */
#define VCPU_INIT_RIP		0xFFFFFFF0ULL
#define VCPU_INIT_RFLAGS	0x2ULL
#define VCPU_INIT_CR0		0x21ULL			/* PE | NE */
#define VCPU_INIT_CR4		0x2040ULL		/* VMXE | MCE, as run */
#define VCPU_INIT_CR4_SHADOW	0x40ULL			/* MCE, as the guest reads it */
#define VCPU_CR4_VMXE		TDX_BIT(13)
#define VCPU_INIT_EFER		0x901ULL		/* SCE | LME | NXE */
#define VCPU_INIT_PAT		0x0007040600070406ULL
#define VCPU_INIT_PERF_GLOBAL_CTRL 0xFFULL
#define VCPU_INIT_FMASK		0x20200ULL
#define VCPU_INIT_DR6		0xFFFF0FF0ULL
#define VCPU_INIT_DR7		0x400ULL
#define VCPU_INIT_XCR0		0x1ULL
#define VCPU_EXCEPTION_BITMAP_MC TDX_BIT(18)
#define VCPU_POSTED_INT_NV_INIT	0xFFFFULL
#define VCPU_NULL_PA		(~0ULL)
/* Pin-based controls as the module sets them: external-interrupt and NMI exiting, virtual NMIs. */
#define VCPU_INIT_PINBASED	(TDX_BIT(0) | TDX_BIT(3) | TDX_BIT(5))
#define VCPU_PINBASED_POSTED_INT TDX_BIT(7)

/**
 * vcpu_state_transition() - the one writer of @v->state: moves it to @to
 * if the state machine above has that edge; false (nothing changed)
 * otherwise.
 */
bool vcpu_state_transition(struct vcpu *v, enum vcpu_state to);

/**
 * vcpu_get_locked() - the vCPU whose TDVPR is at @tdvpr_pa, and its TD,
 * locked.  Checks in the order of the Intel module's
 * check_and_lock_explicit_4k_private_hpa(): 4 KiB aligned without KeyID
 * bits (TDX_OPERAND_INVALID), inside an initialized TDMR
 * (TDX_OPERAND_ADDR_RANGE_ERROR), PAMT type PT_TDVPR
 * (TDX_PAGE_METADATA_INCORRECT), all blaming @operand; then the owner TD
 * through td_get_locked(..., TDX_OPERAND_ID_TDR, ...).
 * Returns TDX_SUCCESS with *@vout and *@tdout set (td_unlock() when
 * done), or the status with nothing locked.
 */
tdx_status_t vcpu_get_locked(struct tdx_module *mod, struct plat_lp *lp, uint64_t tdvpr_pa,
			     uint32_t operand, struct vcpu **vout, struct td **tdout);

/**
 * vcpu_new() - a zeroed vCPU for @tdvpr_pa of @td, not yet in the
 * registry; NULL when memory is short.  Part of a check phase: free it
 * with vcpu_discard() if the leaf fails, publish it with vcpu_insert().
 */
struct vcpu *vcpu_new(struct tdx_module *mod, struct td *td, uint64_t tdvpr_pa);
/** vcpu_discard() - free a vCPU that never reached the registry. */
void vcpu_discard(struct vcpu *v);
/** vcpu_insert() - publish @v in @mod's registry; cannot fail. */
void vcpu_insert(struct tdx_module *mod, struct vcpu *v);

/** vcpu_tdvps_complete() - every TDCX page of the TDVPS is present. */
bool vcpu_tdvps_complete(const struct vcpu *v);

/**
 * vcpu_tdvps_intact() - the TDVPS pages still pass their integrity check
 * under the TD's key (a host write poisons them).  On failure the TD is
 * marked fatal and TDX_NON_RECOVERABLE_TD_CORRUPTED_MD is returned.
 */
tdx_status_t vcpu_tdvps_intact(struct tdx_module *mod, struct plat_lp *lp, struct td *td,
			       const struct vcpu *v);

/**
 * vcpu_init_state() - the architectural state of reference 6.1 for @v:
 * RIP at the reset vector, 32-bit protected mode without paging, RBX =
 * GPAW, RCX = R8 = @init_rcx (VP.INIT RDX), RDX = @fms (CPUID(1).EAX),
 * RSI = vCPU index, everything else at its reset value.
 */
void vcpu_init_state(struct vcpu *v, const struct td *td, uint64_t init_rcx, uint32_t fms);

/**
 * vcpu_find_x2apic() - another initialized vCPU of @td that VP.INIT v1
 * gave x2APIC id @id, or NULL.
 */
const struct vcpu *vcpu_find_x2apic(struct tdx_module *mod, const struct td *td,
				    const struct vcpu *self, uint32_t id);

/** vcpu_associate() - associate @v with LP @lp_idx (counted in the TD). */
void vcpu_associate(struct td *td, struct vcpu *v, unsigned int lp_idx);
/** vcpu_dissociate() - undo vcpu_associate(); no-op when not associated. */
void vcpu_dissociate(struct td *td, struct vcpu *v);

/**
 * vcpu_forget_page() - TDH.PHYMEM.PAGE.RECLAIM reclaimed @pa of @td (TD
 * locked).  When @pa is a vCPU's TDVPR that vCPU is freed; when it is one
 * of a vCPU's TDCX pages it is dropped from that vCPU's TDVPS.  Any other
 * page: nothing to do.  Cannot fail, so it belongs in the commit phase.
 */
void vcpu_forget_page(struct tdx_module *mod, struct td *td, uint64_t pa);
/** vcpu_forget_td() - free every vCPU whose TDR is @tdr_pa (before td_free()). */
void vcpu_forget_td(struct tdx_module *mod, uint64_t tdr_pa);
/** vcpu_take_over() - a TD-preserving update: @mod takes @old's vCPUs. */
void vcpu_take_over(struct tdx_module *mod, struct tdx_module *old);
/** vcpu_module_exit() - free @mod's registry and every vCPU in it. */
void vcpu_module_exit(struct tdx_module *mod);

#endif /* TDX_MODULE_VCPU_H */
