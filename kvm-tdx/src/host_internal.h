/*
 * Private to the host TDX core.
 */
#ifndef TDX_KVM_HOST_INTERNAL_H
#define TDX_KVM_HOST_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include "platform.h"
#include "tdmr.h"
#include "tdx_host.h"

struct host_mem_range {
	uint64_t base;
	uint64_t nr_pages;
	uint64_t *bitmap;	/* 1 = allocated */
	uint64_t hint;
};

struct tdx_host {
	struct platform *plat;
	struct seam_loader *cpu_getsec;
	FILE *log;

	pthread_mutex_t mem_lock;
	unsigned int nr_ranges;
	struct host_mem_range range[PLATFORM_MAX_CMRS];

	/* Linux serializes P-SEAMLDR calls so VMfailInvalid means "not loaded". */
	pthread_mutex_t seamldr_lock;

	/* Module bring-up (host_init.c). */
	bool module_initialized;
	struct tdx_host_module_info info;
	struct tdmr_list tdmrs;
	hkid_t global_keyid;
	hkid_t hkid_first, hkid_last;	/* guest HKIDs */
	uint64_t *hkid_used;		/* bitmap over [hkid_first, hkid_last] */
};

/* seamcall_policy.c: the only interpreter of raw statuses. */
uint64_t tdx_sc_retry(struct tdx_host *host, unsigned int cpu, struct tdx_module_args *args);
int tdx_status_to_errno(uint64_t status);
int tdx_seamcall_err(struct tdx_host *host, const char *leaf, uint64_t status,
		     const struct tdx_module_args *args, struct emu_error *err);

void host_log(struct tdx_host *host, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int host_mem_init(struct tdx_host *host);
void host_mem_fini(struct tdx_host *host);

#endif /* TDX_KVM_HOST_INTERNAL_H */
