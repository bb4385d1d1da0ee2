/*
 * The emulated host platform: CPU packages with logical processors, the
 * MSRs the SEAM path needs, DRAM with a memory controller, and fuses.
 *
 * Power-on state: the BSP (LP 0) runs, every AP waits for SIPI, SEAM is
 * disabled until MCHECK accepts what the (untrusted) BIOS programmed.
 * Each LP is a thread; SEAMCALLs execute on the thread of their LP.
 */
#ifndef TDX_PLATFORM_H
#define TDX_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_seamldr.h>

#include "emu_error.h"

struct platform;
struct plat_lp;

#define PLATFORM_MAX_LPS	1024
#define PLATFORM_MAX_PACKAGES	SYSINFO_MAX_SOCKETS
#define PLATFORM_MAX_CMRS	SYSINFO_MAX_CMRS

struct platform_range {
	uint64_t base;
	uint64_t size;
};

/* What the machine is built from; see platform_config_defaults(). */
struct platform_config {
	uint64_t dram_size;		/* physical address space backed by DRAM */
	unsigned int nr_packages;
	unsigned int lps_per_package;
	unsigned int max_pa;		/* physical address bits, KeyID bits included */
	unsigned int keyid_bits;	/* MK_TME_KEYID_BITS */
	unsigned int nr_mktme_keyids;
	unsigned int nr_tdx_keyids;
	struct platform_range seamrr;	/* what the BIOS programs */
	struct platform_range smrr;
	unsigned int nr_cmrs;
	struct platform_range cmr[PLATFORM_MAX_CMRS];
	uint32_t cpuid_fms;		/* CPUID(1).EAX */
	uint8_t vendor_key_hash[48];	/* fused SHA-384 of the vendor signing modulus */
	uint8_t cpusvn[16];
	bool seamrr_supported;		/* IA32_MTRRCAP bit 15 */
	bool debug_unlocked;		/* IA32_SGX_DEBUG_MODE */
	/*
	 * The host KVM reflects the #UD of a TDCALL into the guest instead of
	 * reporting an emulation failure: TD firmware then forwards TDCALL
	 * through its #UD handler's doorbell (DESIGN.md 4).  Off: the vCPU
	 * engine traps TDCALL itself, as /dev/kvm does on this project's hosts.
	 */
	bool tdcall_ud;
	/*
	 * The root secret from a platform state directory (platform_state.h),
	 * when root_secret_set; otherwise platform_create() draws a random one.
	 */
	bool root_secret_set;
	uint8_t root_secret[32];
};

/** platform_config_defaults() - an 8 GiB, 1 package, 2 LP machine. */
void platform_config_defaults(struct platform_config *cfg);

/**
 * platform_config_set() - apply one "key=value" override.
 * Keys: dram, packages, lps-per-package, lps (total, split evenly),
 * max-pa, keyid-bits, mktme-keyids, tdx-keyids, seamrr-base, seamrr-size,
 * smrr-base, smrr-size, cmr (list "base+size,base+size"), cpuid-fms,
 * vendor-key-hash (96 hex digits), debug-unlocked (0/1), seamrr (0/1),
 * tdcall-ud (0/1), state-dir (a platform state directory whose root
 * secret the platform uses, created if missing: platform_state.h).
 * Sizes take K/M/G/T suffixes.  Returns 0 or -EINVAL with @err naming the
 * key and what was wrong.
 */
int platform_config_set(struct platform_config *cfg, const char *kv,
			struct emu_error *err);

/** platform_create() - power on a platform built from @cfg. */
int platform_create(const struct platform_config *cfg, struct platform **out,
		    struct emu_error *err);
void platform_destroy(struct platform *plat);

const struct platform_config *platform_cfg(const struct platform *plat);
unsigned int platform_nr_lps(const struct platform *plat);
unsigned int platform_nr_packages(const struct platform *plat);
struct plat_lp *platform_lp(struct platform *plat, unsigned int index);

/* ---- logical processors ---- */

enum lp_run_state {
	LP_WAIT_FOR_SIPI,
	LP_RUNNING,
};

enum lp_mode {
	LP_MODE_NORMAL,		/* ordinary host software (BIOS, OS, VMM) */
	LP_MODE_ACM,		/* inside an authenticated code module */
	LP_MODE_SEAM,		/* SEAM VMX root: P-SEAMLDR or the TDX module */
};

unsigned int lp_index(const struct plat_lp *lp);
unsigned int lp_package(const struct plat_lp *lp);
uint32_t lp_x2apic_id(const struct plat_lp *lp);
struct platform *lp_platform(struct plat_lp *lp);
enum lp_run_state lp_run_state(const struct plat_lp *lp);
enum lp_mode lp_mode(const struct plat_lp *lp);
bool lp_on_own_thread(const struct plat_lp *lp);

/**
 * platform_lp_call() - run @fn(@lp, @arg) on LP @index's thread and wait
 * for it (smp_call_function_single).  -ENXIO for a bad index, -EHOSTDOWN
 * when the LP still waits for SIPI.
 */
int platform_lp_call(struct platform *plat, unsigned int index,
		     void (*fn)(struct plat_lp *lp, void *arg), void *arg);

/** platform_start_aps() - INIT-SIPI-SIPI: every AP starts running. */
void platform_start_aps(struct platform *plat);

/*
 * Mode switches.  Only the CPU's own instruction flows call these: ENTERACCS
 * and EXITAC (loader), SEAMCALL/SEAMRET (platform).
 */
int lp_enter_acm(struct plat_lp *lp);
void lp_exit_acm(struct plat_lp *lp);

/* CR4.SMXE and VMX operation, the preconditions of GETSEC and SEAMCALL. */
void lp_set_smxe(struct plat_lp *lp, bool on);
bool lp_smxe(const struct plat_lp *lp);
int lp_vmxon(struct plat_lp *lp);
void lp_vmxoff(struct plat_lp *lp);
bool lp_in_vmx_operation(const struct plat_lp *lp);

/* The VMCS pointer (VMPTRLD) the LP caches; P-SEAMLDR clears it. */
uint64_t lp_current_vmcs(const struct plat_lp *lp);
void lp_set_current_vmcs(struct plat_lp *lp, uint64_t vmcs_pa);

/* ---- MSRs ---- */

/** lp_rdmsr() - 0, or -EINVAL (#GP) for an MSR the CPU does not have. */
int lp_rdmsr(const struct plat_lp *lp, uint32_t msr, uint64_t *val);
/**
 * lp_wrmsr() - 0; -EINVAL (#GP) for an unknown or read-only MSR or a
 * reserved bit; -EPERM (#GP) when a lock bit forbids the write.
 */
int lp_wrmsr(struct plat_lp *lp, uint32_t msr, uint64_t val);

/* ---- SEAM ---- */

/*
 * What the SEAMCALL instruction did: VMsucceed (RAX holds the callee's
 * status), VMfailInvalid (callee not ready; RAX unchanged), or a fault.
 */
enum seamcall_result {
	SEAMCALL_VMSUCCEED,
	SEAMCALL_VMFAILINVALID,
	SEAMCALL_UD,
	SEAMCALL_GP,
};

typedef void (*seam_entry_fn)(void *ctx, struct plat_lp *lp,
			      struct tdx_module_args *args);

/**
 * lp_seamcall() - execute SEAMCALL on @lp (must be its own thread).
 * RAX bit 63 selects P-SEAMLDR, which one LP at a time may enter.
 */
enum seamcall_result lp_seamcall(struct plat_lp *lp, struct tdx_module_args *args);

/**
 * platform_seam_enable() - MCHECK's verdict: SEAMRR becomes active with
 * @seamrr and the MCHECK part of the system information table.
 */
void platform_seam_enable(struct platform *plat, struct platform_range seamrr,
			  const struct mcheck_sysinfo *info);
bool platform_seam_enabled(const struct platform *plat);
struct platform_range platform_seamrr(const struct platform *plat);

/* P-SEAMLDR's VMCS entry, set by NP-SEAMLDR from inside the ACM. */
int platform_set_pseamldr_entry(struct plat_lp *lp, seam_entry_fn fn, void *ctx);
/* The module's per-LP SEAM transfer VMCS entry, set by P-SEAMLDR. */
int platform_set_module_entry(struct plat_lp *caller, unsigned int lp_index,
			      seam_entry_fn fn, void *ctx);

/*
 * The shared EPT: host memory @hva backs the TD's shared GPAs [@gpa, +@size)
 * (@hva NULL: nothing backs them any more).  On hardware the host writes
 * the shared EPT in its own memory and the CPU walks it; here the host
 * hands the mapping to whoever the module registered, which maps it into
 * the TD's vCPU engine.  -ENODEV until a module registers; the handler's
 * errno otherwise (-EINVAL for a TD it does not know or a private GPA).
 */
typedef int (*shared_ept_fn)(void *ctx, uint64_t tdr_pa, uint64_t gpa, void *hva,
			     uint64_t size);
int platform_shared_ept_map(struct platform *plat, uint64_t tdr_pa, uint64_t gpa, void *hva,
			    uint64_t size);
/* SEAM side: the module installs its handler; @fn NULL removes it if @ctx installed it. */
void platform_set_shared_ept_handler(struct platform *plat, shared_ept_fn fn, void *ctx);

/*
 * Poison notification: a host write has poisoned TD-owned lines in
 * [@pa, +@len).  The module registers a handler so that the TD's vCPU
 * engine stops mapping those pages (the next touch is a machine check).
 */
typedef void (*poison_fn)(void *ctx, uint64_t pa, uint64_t len);
void platform_set_poison_handler(struct platform *plat, poison_fn fn, void *ctx);
void platform_poison_notify(struct platform *plat, uint64_t pa, uint64_t len);

/*
 * An interrupt with @vector for LP @lp (an IPI from the host).  The
 * module's handler makes a TD vCPU running on that LP exit to the host
 * (external interrupt), unless @vector is that vCPU's posted-interrupt
 * notification vector: then the CPU processes the vCPU's posted-interrupt
 * descriptor without an exit.  platform_lp_kick() is an interrupt with
 * PLATFORM_VECTOR_RESCHEDULE, the host preempting whatever runs there.
 */
#define PLATFORM_VECTOR_RESCHEDULE	0xFD
typedef void (*lp_interrupt_fn)(void *ctx, unsigned int lp, uint8_t vector);
void platform_set_lp_interrupt_handler(struct platform *plat, lp_interrupt_fn fn, void *ctx);
void platform_lp_interrupt(struct platform *plat, unsigned int lp, uint8_t vector);
void platform_lp_kick(struct platform *plat, unsigned int lp);

/* SEAMEXTEND: anyone may read it; only SEAM or ACM code may write it. */
void platform_seamextend_read(const struct platform *plat, struct seamextend *out);
int platform_seamextend_write(struct plat_lp *lp, const struct seamextend *val);

/* ---- fuses ---- */

const uint8_t *platform_vendor_key_hash(const struct platform *plat);
const uint8_t *platform_cpusvn(const struct platform *plat);
uint32_t platform_cpuid_fms(const struct platform *plat);
/** platform_root_secret() - 32 bytes, readable only in SEAM mode (-EPERM). */
int platform_root_secret(struct plat_lp *lp, uint8_t out[32]);

/* ---- memory controller configuration (what the BIOS programs) ---- */

/** platform_mc_set_cmrs() - the BIOS's CMR list; refused once SEAM is on. */
int platform_mc_set_cmrs(struct platform *plat, const struct platform_range *cmr,
			 unsigned int nr);
unsigned int platform_mc_cmrs(const struct platform *plat,
			      struct platform_range *cmr);
uint64_t platform_dram_size(const struct platform *plat);
/* Bits of a physical address that carry memory (max_pa - keyid_bits). */
unsigned int platform_pa_bits(const struct platform *plat);

#endif /* TDX_PLATFORM_H */
