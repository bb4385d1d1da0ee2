/*
 * The host TDX core object and its log, in the style of Linux's
 * "virt/tdx:" messages.
 */
#include <errno.h>
#include <stdlib.h>

#include "host_internal.h"

void host_log(struct tdx_host *host, const char *fmt, ...)
{
	va_list ap;

	if (!host->log)
		return;
	fputs("virt/tdx: ", host->log);
	va_start(ap, fmt);
	vfprintf(host->log, fmt, ap);
	va_end(ap);
	fputc('\n', host->log);
	fflush(host->log);
}

int tdx_host_create(struct platform *plat, struct seam_loader *cpu_getsec,
		    FILE *log, struct tdx_host **out, struct emu_error *err)
{
	struct tdx_host *host = calloc(1, sizeof(*host));
	int ret;

	*out = NULL;
	if (!host)
		return emu_error_set(err, -ENOMEM, "tdx_host: out of memory");
	host->plat = plat;
	host->cpu_getsec = cpu_getsec;
	host->log = log;
	pthread_mutex_init(&host->mem_lock, NULL);
	pthread_mutex_init(&host->seamldr_lock, NULL);
	ret = host_mem_init(host);
	if (ret) {
		free(host);
		return emu_error_set(err, ret, "tdx_host: no usable RAM in the BIOS memory map");
	}
	*out = host;
	return 0;
}

void tdx_host_destroy(struct tdx_host *host)
{
	if (!host)
		return;
	free(host->tdmrs.tdmrs);
	free(host->hkid_used);
	host_mem_fini(host);
	pthread_mutex_destroy(&host->mem_lock);
	pthread_mutex_destroy(&host->seamldr_lock);
	free(host);
}
