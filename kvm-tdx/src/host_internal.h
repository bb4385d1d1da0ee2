/*
 * Private to the host TDX core.
 */
#ifndef TDX_KVM_HOST_INTERNAL_H
#define TDX_KVM_HOST_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include "platform.h"
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
};

void host_log(struct tdx_host *host, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int host_mem_init(struct tdx_host *host);
void host_mem_fini(struct tdx_host *host);

#endif /* TDX_KVM_HOST_INTERNAL_H */
