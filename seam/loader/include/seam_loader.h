/*
 * Everything before the TDX module runs (DESIGN.md section 5): MCHECK,
 * GETSEC[ENTERACCS] with the NP-SEAMLDR ACM, and P-SEAMLDR with its
 * SEAMCALL interface (INFO, INSTALL, SHUTDOWN, SEAMINFO, CLEANUP).
 *
 * The host reaches P-SEAMLDR only through SEAMCALL with RAX bit 63 set
 * (lp_seamcall); this header gives it MCHECK and GETSEC, which are CPU
 * instruction flows, and the wiring of module code to module images.
 */
#ifndef TDX_SEAM_LOADER_H
#define TDX_SEAM_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include <tdx/tdx_emu_images.h>
#include <tdx/tdx_seamldr.h>

#include "emu_error.h"
#include "platform.h"

struct seam_loader;

/* ---- MCHECK ---- */

enum mcheck_check {
	MCHECK_PASSED,
	MCHECK_SEAMRR_UNSUPPORTED,
	MCHECK_SEAMRR_NOT_ENABLED,
	MCHECK_SEAMRR_NOT_LOCKED,
	MCHECK_SEAMRR_INCONSISTENT,
	MCHECK_SEAMRR_MASK_INVALID,
	MCHECK_SEAMRR_BASE_MISALIGNED,
	MCHECK_SEAMRR_TOO_SMALL,
	MCHECK_SEAMRR_OUTSIDE_DRAM,
	MCHECK_TME_NOT_ACTIVATED,
	MCHECK_TME_INCONSISTENT,
	MCHECK_KEYID_BITS_INVALID,
	MCHECK_KEYID_PARTITIONING_INVALID,
	MCHECK_KEYID_PARTITIONING_INCONSISTENT,
	MCHECK_TOO_FEW_TDX_KEYIDS,
	MCHECK_CMR_COUNT,
	MCHECK_CMR_MISALIGNED,
	MCHECK_CMR_NOT_SORTED,
	MCHECK_CMR_OVERLAP,
	MCHECK_CMR_OUTSIDE_DRAM,
	MCHECK_CMR_OVERLAPS_SEAMRR,
	MCHECK_SMRR_INCONSISTENT,
	MCHECK_SMRR_OVERLAPS_CMR,
	MCHECK_SMRR_OVERLAPS_SEAMRR,
	MCHECK_TOO_MANY_PACKAGES,
	MCHECK_NR_CHECKS,
};

struct mcheck_result {
	enum mcheck_check check;	/* MCHECK_PASSED or the first failed check */
	char msg[256];			/* names the check and the values */
};

/** mcheck_check_name() - e.g. "SEAMRR_BASE_MISALIGNED". */
const char *mcheck_check_name(enum mcheck_check check);

/**
 * mcheck_run() - validate what the BIOS programmed.  On success SEAMRR
 * becomes active and the MCHECK part of the system information table is
 * written to the last page of SEAMRR; on failure SEAM stays disabled
 * (SEAMCALL then raises #GP).  Returns 0 or -EINVAL.
 */
int mcheck_run(struct platform *plat, struct mcheck_result *res);

/* ---- native code behind module images ---- */

/* Where P-SEAMLDR put a module, physical and linear (DESIGN.md 5). */
struct seam_module_layout {
	unsigned int nr_lps;
	uint32_t nr_vmcs;		/* one per x2APIC id up to the highest */
	uint64_t seamrr_base;
	uint64_t seamrr_size;
	uint64_t module_range_base;
	uint64_t module_range_size;
	uint64_t p_seamldr_range_base;
	uint64_t sysinfo_pa;
	uint64_t vmcs_pa;
	uint64_t data_pa;
	uint64_t data_size;
	uint64_t handoff_size;
	uint64_t tls_size;		/* per LP */
	uint64_t global_data_size;
	uint64_t pt_pa;
	uint64_t pt_size;
	uint64_t stack_pa;
	uint64_t stack_size;
	uint64_t stack_per_lp;		/* data stack + shadow stack */
	uint64_t code_pa;
	uint64_t code_size;
	uint64_t keyhole_per_lp;
	uint64_t aslr;
	uint64_t code_la;
	uint64_t stack_la;
	uint64_t keyhole_la;
	uint64_t keyhole_size;
	uint64_t keyhole_edit_la;
	uint64_t keyhole_edit_size;
	uint64_t data_la;
	uint64_t sysinfo_la;
	uint64_t pml4_pa;
};

/* What module code receives when P-SEAMLDR has installed its image. */
struct seam_module_boot {
	struct platform *plat;
	struct plat_lp *lp;		/* the LP that completed the install */
	const struct tdx_module_image_header *image;
	const struct seam_sigstruct *sigstruct;
	const struct seam_module_layout *layout;
	const struct seam_sysinfo_table *sysinfo;
	const struct seamextend *seamextend;
	void *previous;			/* the module being replaced, or NULL */
};

/*
 * The emulated CPU executes a module image through the native code that
 * implements it, found by the image header's IMPL name.
 */
struct seam_module_impl {
	const char *name;
	int (*create)(const struct seam_module_boot *boot, void **ctx);
	seam_entry_fn entry;
	void (*destroy)(void *ctx);
};

/* ---- the loader object ---- */

/**
 * seam_loader_create() - the SEAM loader state of @plat, knowing the
 * module implementations in @impls (copied).
 */
int seam_loader_create(struct platform *plat, const struct seam_module_impl *impls,
		       unsigned int nr_impls, struct seam_loader **out);
/** seam_loader_destroy() - after platform_destroy() or before any SEAMCALL. */
void seam_loader_destroy(struct seam_loader *ldr);

/*
 * GETSEC[ENTERACCS] on @lp (its own thread) with the ACM at @acm_pa.
 * Checks the instruction's preconditions (#UD: CR4.SMXE clear; #GP: in
 * VMX operation, not the only running LP, bad base/size, already in ACM
 * mode), authenticates the ACM against the fused vendor key hash, then
 * runs NP-SEAMLDR, whose status comes back in @r9 (SEAMLDR_* codes).
 * Returns 0 when the ACM ran, -EINVAL for a fault, -EACCES when
 * authentication failed; @err says which and why.
 */
int getsec_enteraccs(struct seam_loader *ldr, struct plat_lp *lp, uint64_t acm_pa,
		     uint32_t acm_size, uint64_t *r9, struct emu_error *err);

/* ---- layout, shared with tools that predict it ---- */

/**
 * seamrr_layout_compute() - lay out a module of @num_module_pages with
 * @sig's page counts for @nr_lps LPs (highest x2APIC id @max_x2apic) in
 * SEAMRR.  Returns 0, or -ENOSPC when it does not fit Module_Range.
 */
int seamrr_layout_compute(const struct seam_sigstruct *sig, uint64_t num_module_pages,
			  unsigned int nr_lps, uint32_t max_x2apic,
			  uint64_t seamrr_base, uint64_t seamrr_size, uint64_t aslr,
			  struct seam_module_layout *out);

/* ---- signatures ---- */

/**
 * seam_rsa3072_verify() - RSASSA-PKCS1-v1_5 / SHA-384 over the
 * concatenation of @parts, with a little-endian modulus and signature and
 * exponent @e.  Returns 0, or -EBADMSG when it does not verify.
 */
struct seam_sig_part {
	const void *data;
	size_t len;
};
int seam_rsa3072_verify(const uint8_t modulus_le[SEAM_RSA_BYTES], uint32_t e,
			const uint8_t sig_le[SEAM_RSA_BYTES],
			const struct seam_sig_part *parts, unsigned int nr_parts);

/** seam_sigstruct_check_header() - the fixed header fields; 0 or -EINVAL. */
int seam_sigstruct_check_header(const struct seam_sigstruct *sig, struct emu_error *err);
/** seam_sigstruct_verify() - header, then the signature with its own key. */
int seam_sigstruct_verify(const struct seam_sigstruct *sig, struct emu_error *err);

#endif /* TDX_SEAM_LOADER_H */
