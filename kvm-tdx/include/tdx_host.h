/*
 * The host kernel's TDX core (what Linux has in arch/x86/virt/vmx/tdx):
 * brings the SEAM loaders and the module up on an emulated machine and
 * offers one typed wrapper per SEAMCALL to the rest of kvm-tdx.
 *
 * The host owns RAM outside SEAMRR, reaches physical memory only through
 * the platform's host view, and reaches P-SEAMLDR and the module only by
 * SEAMCALL on an LP.  It never includes module-internal headers.
 */
#ifndef TDX_TDX_HOST_H
#define TDX_TDX_HOST_H

#include <stdint.h>
#include <stdio.h>

#include <tdx/tdx_arch.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_seamldr.h>

#include "emu_error.h"

struct platform;
struct seam_loader;
struct tdx_host;

/** tdx_host_create() - the host kernel on @plat; @log gets Linux-like lines (may be NULL). */
int tdx_host_create(struct platform *plat, struct seam_loader *cpu_getsec,
		    FILE *log, struct tdx_host **out, struct emu_error *err);
void tdx_host_destroy(struct tdx_host *host);

/* ---- physical pages the host owns ---- */

/** tdx_host_alloc_pages() - @n contiguous 4 KiB pages below @limit (0: anywhere). */
int tdx_host_alloc_pages(struct tdx_host *host, uint64_t n, uint64_t limit, uint64_t *pa);
void tdx_host_free_pages(struct tdx_host *host, uint64_t pa, uint64_t n);
uint64_t tdx_host_free_page_count(const struct tdx_host *host);

/* ---- SEAMCALL ---- */

/**
 * tdx_host_seamcall() - SEAMCALL on LP @cpu.  Returns RAX as Linux sees
 * it: the callee's status, or the software codes TDX_SEAMCALL_VMFAILINVALID,
 * TDX_SEAMCALL_GP, TDX_SEAMCALL_UD when the instruction did not enter.
 */
uint64_t tdx_host_seamcall(struct tdx_host *host, unsigned int cpu,
			   struct tdx_module_args *args);

/* ---- bring-up ---- */

/**
 * tdx_host_launch_np_seamldr() - early boot on the BSP, APs still parked:
 * copy the ACM below 4 GiB, set CR4.SMXE, GETSEC[ENTERACCS].  Returns 0
 * when NP-SEAMLDR reported success; otherwise -EIO with @err holding the
 * fault, the authentication failure or NP-SEAMLDR's status.
 */
int tdx_host_launch_np_seamldr(struct tdx_host *host, const void *acm, size_t size,
			       uint64_t *np_status, struct emu_error *err);

/** tdx_host_start_cpus() - bring the APs up and VMXON on every LP. */
int tdx_host_start_cpus(struct tdx_host *host, struct emu_error *err);

/** tdx_host_seamldr_info() - SEAMLDR.INFO on @cpu. */
int tdx_host_seamldr_info(struct tdx_host *host, unsigned int cpu,
			  struct seamldr_info *info, uint64_t *status, struct emu_error *err);

/** tdx_host_seamldr_seaminfo() - SEAMLDR.SEAMINFO (MCHECK's table) on @cpu. */
int tdx_host_seamldr_seaminfo(struct tdx_host *host, unsigned int cpu,
			      struct mcheck_sysinfo *info, struct emu_error *err);

/* Per-LP progress of an install: status and RDX of each LP's call. */
typedef void (*tdx_install_progress_fn)(void *arg, unsigned int cpu, uint64_t status,
					uint64_t rdx);

/**
 * tdx_host_seamldr_install() - SEAMLDR.INSTALL of @sigstruct and the
 * @npages module pages on every LP, serially, APs first and the BSP
 * last (the UEFI loader's order).  Returns 0, or -EIO with the first
 * failing status in @status and @err naming it.
 */
int tdx_host_seamldr_install(struct tdx_host *host, uint32_t scenario,
			     const struct seam_sigstruct *sigstruct, const void *pages,
			     uint64_t npages, tdx_install_progress_fn progress, void *arg,
			     uint64_t *status, struct emu_error *err);

/** tdx_host_seamldr_shutdown() - SEAMLDR.SHUTDOWN on @cpu; returns RAX. */
uint64_t tdx_host_seamldr_shutdown(struct tdx_host *host, unsigned int cpu);

/* ---- module bring-up (Linux's tdx_enable) ---- */

/* What the host learned from the module's metadata (SYS.RD). */
struct tdx_host_module_info {
	uint16_t major, minor, update, internal, build_num;
	uint32_t build_date;
	uint16_t max_tdmrs;
	uint16_t max_reserved_per_tdmr;
	uint16_t pamt_entry_size[3];
	uint64_t tdr_base_size;
	uint64_t tdcs_base_size;
	uint64_t tdvps_base_size;
	unsigned int nr_cmrs;
	struct cmr_info cmr[TDX_MAX_CMRS];
	uint64_t attributes_fixed0, attributes_fixed1, xfam_fixed0, xfam_fixed1;
	unsigned int nr_tdmrs;
	uint64_t pamt_kb;
};

/**
 * tdx_host_module_init() - SYS.INIT, LP.INIT on every CPU, metadata via
 * SYS.RD, TDMRs and PAMTs from the CMRs, SYS.CONFIG with the global KeyID,
 * KEY.CONFIG once per package, then the TDMR.INIT loop.  Logs as Linux
 * does ("module initialized", "N KB allocated for PAMT").
 */
int tdx_host_module_init(struct tdx_host *host, struct emu_error *err);
const struct tdx_host_module_info *tdx_host_module_info(const struct tdx_host *host);

/** tdx_host_sys_rd() - one global metadata field via TDH.SYS.RD on CPU 0. */
int tdx_host_sys_rd(struct tdx_host *host, uint64_t field_id, uint64_t *value,
		    struct emu_error *err);

/* Guest HKIDs: the TDX KeyIDs left after the global one. */
int tdx_host_hkid_alloc(struct tdx_host *host, hkid_t *hkid);
void tdx_host_hkid_free(struct tdx_host *host, hkid_t hkid);
hkid_t tdx_host_global_keyid(const struct tdx_host *host);

/**
 * tdx_host_module_update() - a runtime update: TDH.SYS.SHUTDOWN, then
 * SEAMLDR.INSTALL (UPDATE) on every LP, TDH.SYS.LP.INIT on every LP and
 * TDH.SYS.UPDATE.
 */
int tdx_host_module_update(struct tdx_host *host, const struct seam_sigstruct *sigstruct,
			   const void *pages, uint64_t npages, tdx_install_progress_fn progress,
			   void *arg, uint64_t *status, struct emu_error *err);

/** seamldr_status_name() - "EBADSIG" etc. for a P-SEAMLDR status. */
const char *seamldr_status_name(uint64_t status);

#endif /* TDX_TDX_HOST_H */
