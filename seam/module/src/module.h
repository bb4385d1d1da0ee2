/*
 * Private to the TDX module: its global data (struct tdx_module) and the
 * shapes its interface functions share.
 */
#ifndef TDX_MODULE_MODULE_H
#define TDX_MODULE_MODULE_H

#include <pthread.h>
#include <stdbool.h>

#include <tdx/tdx_arch.h>
#include <tdx/tdx_status.h>

#include "sys_state.h"

struct td_vcpu;
#include "tdx_module.h"

struct tdx_module {
	struct platform *plat;
	struct tdx_module_boot boot;
	unsigned int nr_lps;

	pthread_mutex_t sys_lock;	/* the global SYS lock (operand SYS) */
	enum sys_state sys_state;
	bool *lp_init_done;		/* per LP: SYS.LP.INIT ran */
	unsigned int nr_lp_init_done;
	uint64_t pkg_key_config_done;	/* bitmap of packages */

	/* KeyIDs, from IA32_MKTME_KEYID_PARTITIONING at SYS.INIT. */
	hkid_t private_hkid_min;
	hkid_t private_hkid_max;
	unsigned int hkid_bits;		/* KeyID bits in a PA */
	unsigned int pa_bits;		/* address bits below the KeyID */
	hkid_t global_hkid;
	uint8_t global_key[32];

	/* TDMRs from SYS.CONFIG and how far TDMR.INIT got in each. */
	unsigned int nr_tdmrs;
	struct tdmr_info tdmr[TDX_MAX_TDMRS];
	uint64_t tdmr_init_pages[TDX_MAX_TDMRS];	/* 4K entries initialized */

	/* Trust domains, the Key Ownership Table and page locks (td.h). */
	pthread_mutex_t td_list_lock;
	struct td *tds;
	uint8_t kot[1U << 15];
	uint64_t wb_pending[1U << 15];	/* per HKID: packages still to CACHE.WB */
	pthread_mutex_t page_locks[1024];
	bool page_locked[1024];
	struct vcpu_registry *vcpus;	/* vCPUs by TDVPR PA (vcpu.c) */

	/* The TD vCPU running on each LP, for interrupts to it (tdh_vp_enter.c). */
	pthread_mutex_t running_lock;
	struct vcpu **running;
	bool *kick_pending;		/* a kick came while nothing ran there */

	/* Handoff data written by SYS.SHUTDOWN for a runtime update. */
	bool handoff_valid;
	uint16_t handoff_hv;
};

/* Module-wide limits this implementation enumerates (SYS.RD). */
#define MODULE_MAX_TDMRS		TDX_MAX_TDMRS
#define MODULE_MAX_RESERVED_PER_TDMR	TDX_MAX_RESERVED_PER_TDMR
#define MODULE_TDR_BASE_SIZE		4096
#define MODULE_TDCS_BASE_SIZE		(6 * 4096)
#define MODULE_TDVPS_BASE_SIZE		(6 * 4096)
#define MODULE_MAX_VCPUS_PER_TD		1024

/* A host-supplied buffer: in DRAM, outside SEAMRR, shared KeyID, aligned. */
bool module_shared_buffer_ok(const struct tdx_module *mod, uint64_t pa, uint64_t size,
			     uint64_t align);
/* The PA of @pa (KeyID clear) under the global private KeyID. */
uint64_t module_global_pa(const struct tdx_module *mod, uint64_t pa);

/* Every SEAMCALL handler: the GPR frame in, the completion status out. */
typedef tdx_status_t (*seamcall_handler_fn)(struct tdx_module *mod, struct plat_lp *lp,
					    struct tdx_module_args *args);

#endif /* TDX_MODULE_MODULE_H */
