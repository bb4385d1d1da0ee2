/*
 * Private state of the SEAM loaders.
 *
 * P-SEAMLDR's install session (seed 003, DESIGN.md 5):
 *
 *   IDLE --first INSTALL--> SESSION_OPEN --later LPs--> SESSION_OPEN
 *   SESSION_OPEN --last LP, installed or refused--> IDLE
 *   SESSION_OPEN --CLEANUP (session abandoned)--> IDLE
 *   SESSION_OPEN --last LP, failure after Module_Range was touched-->
 *        CLEANUP_REQUIRED --CLEANUP--> IDLE
 *
 * install_transition() is the only writer of the state.  P-SEAMLDR runs
 * on one LP at a time (the platform returns VMfailInvalid to a second
 * caller), so the state needs no lock of its own.
 */
#ifndef TDX_LOADER_INTERNAL_H
#define TDX_LOADER_INTERNAL_H

#include "seam_loader.h"

enum install_state {
	INSTALL_IDLE,
	INSTALL_SESSION_OPEN,
	INSTALL_CLEANUP_REQUIRED,
	INSTALL_NR_STATES,
};

/* P-SEAMLDR range: its VMCS, its data region, then its image. */
#define P_SEAMLDR_VMCS_OFF	0x1000ULL
#define P_SEAMLDR_DATA_OFF	0x2000ULL
#define P_SEAMLDR_IMAGE_OFF	0x10000ULL
#define P_SEAMLDR_IMAGE_MAX	(16ULL << 20)

/* What step 9 records in P-SEAMLDR's data region. */
struct p_seamldr_record {
	uint64_t module_loaded;
	uint16_t seamsvn;
	uint8_t reserved[6];
	uint8_t mrseam[48];
	uint64_t num_module_pages;
	uint64_t install_count;
};

/*
 * The software view of a SEAM transfer VMCS (step 8): the host state the
 * CPU loads when SEAMCALL enters the module on this LP.
 */
#define SEAM_VMCS_REVISION	0x53454D31	/* "SEM1" */
struct seam_transfer_vmcs {
	uint32_t revision;
	uint32_t lp_index;
	uint64_t host_rip;
	uint64_t host_rsp;
	uint64_t host_ssp;
	uint64_t host_cr3;
	uint64_t host_fs_base;
	uint64_t host_gs_base;
};

struct retired_module {
	const struct seam_module_impl *impl;
	void *ctx;
};

struct p_seamldr {
	struct seam_loader *ldr;
	struct p_seamldr_image_header hdr;
	uint64_t range_base;
	uint32_t acm_x2apicid;
	uint32_t num_remaining_updates;

	enum install_state state;
	uint64_t session_params_pa;
	bool *lp_done;
	unsigned int nr_done;

	/* The resident module. */
	bool module_loaded;
	const struct seam_module_impl *impl;
	void *module_ctx;
	struct seam_module_layout layout;
	struct seam_sigstruct sigstruct;
	struct tdx_module_image_header image;
	uint64_t num_module_pages;
	uint64_t install_count;

	struct retired_module *retired;
	unsigned int nr_retired;
};

struct seam_loader {
	struct platform *plat;
	struct seam_module_impl *impls;
	unsigned int nr_impls;
	struct p_seamldr *pseamldr;	/* created by NP-SEAMLDR */
};

/* np_seamldr.c */
uint64_t np_seamldr_main(struct seam_loader *ldr, struct plat_lp *lp,
			 const uint8_t *acm, uint32_t acm_size);

/* p_seamldr.c */
void p_seamldr_entry(void *ctx, struct plat_lp *lp, struct tdx_module_args *args);
int install_transition(struct p_seamldr *p, enum install_state to);
bool p_seamldr_host_buffer_ok(struct p_seamldr *p, uint64_t pa, uint64_t size,
			      uint64_t align);
void p_seamldr_destroy(struct p_seamldr *p);

/* seamldr_install.c: the nine steps, on the last LP of a session. */
uint64_t seamldr_install_last(struct p_seamldr *p, struct plat_lp *lp);
/* Zero the regions of the resident layout (SEAMLDR.CLEANUP). */
void seamldr_clear_module_range(struct p_seamldr *p, struct plat_lp *lp);

#endif /* TDX_LOADER_INTERNAL_H */
