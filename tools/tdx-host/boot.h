/*
 * Power on an emulated TDX host and bring the SEAM side up the way a real
 * machine does: BIOS, MCHECK, NP-SEAMLDR at early boot, then the kernel
 * installs the module through P-SEAMLDR on every LP.  Shared by the
 * tdx-host program, the integration tests and the benchmarks.
 */
#ifndef TDX_HOST_BOOT_H
#define TDX_HOST_BOOT_H

#include <stdbool.h>
#include <stdio.h>

#include "emu_error.h"
#include "seam_machine.h"
#include "tdx_host.h"

struct host_boot_opts {
	struct platform_config cfg;	/* vendor_key_hash must be set */
	const char *acm_path;
	const char *module_path;	/* TDX-BLOB */
	const struct bios_options *bios;
	FILE *out;			/* progress lines, or NULL */
};

struct host_boot {
	struct seam_machine *m;
	struct tdx_host *host;
	struct mcheck_result mcheck;
	struct seamldr_info info;	/* after install */
	double t_firmware_ms;
	double t_np_seamldr_ms;
	double t_install_ms;
	double t_module_init_ms;
	double t_total_ms;
};

/** host_boot_defaults() - platform defaults, the build's firmware files. */
void host_boot_defaults(struct host_boot_opts *opts);

/**
 * host_boot_vendor_key() - set the fused vendor key hash from a PEM key
 * or from the build's vendor-key-hash.txt (@key_path NULL).
 */
int host_boot_vendor_key(struct host_boot_opts *opts, const char *key_path,
			 struct emu_error *err);

/**
 * host_boot_run() - all of it, through TDX module initialization (Linux's
 * tdx_enable); on error @b holds what ran so far.
 */
int host_boot_run(const struct host_boot_opts *opts, struct host_boot *b,
		  struct emu_error *err);

/**
 * host_boot_install() - SEAMLDR.INSTALL of a blob: LOAD, or UPDATE, which
 * on an initialized module is the runtime-update flow (SYS.SHUTDOWN,
 * install, LP.INIT, SYS.UPDATE).
 */
int host_boot_install(struct host_boot *b, const char *module_path, uint32_t scenario,
		      FILE *out, struct emu_error *err);

void host_boot_teardown(struct host_boot *b);

#endif /* TDX_HOST_BOOT_H */
