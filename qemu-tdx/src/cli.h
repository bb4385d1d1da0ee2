/*
 * qemu-tdx's command line: the QEMU 10.1 options a TD needs (reference
 * host-stack.md 3.1), parsed into struct vmm_opts.  Parsing never exits
 * and never prints: a bad option leaves a QEMU-style message naming it
 * ("qemu-tdx: -object tdx-guest,...: ...") in the caller's buffer.
 */
#ifndef QEMU_TDX_CLI_H
#define QEMU_TDX_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TDX_DIGEST_SIZE		48	/* mrconfigid, mrowner, mrownerconfig */
#define VMM_MAX_VCPUS		64
#define VMM_MIN_RAM		(32ULL << 20)
#define VMM_MAX_RAM		(64ULL << 30)
#define VMM_DEFAULT_RAM		(128ULL << 20)	/* QEMU's default -m */

#define TD_ATTR_DEBUG			(1ULL << 0)
#define TD_ATTR_SEPT_VE_DISABLE		(1ULL << 28)
#define TD_ATTR_DEFAULT			TD_ATTR_SEPT_VE_DISABLE

enum vmm_serial { VMM_SERIAL_DEFAULT, VMM_SERIAL_STDIO, VMM_SERIAL_NONE };

struct vmm_opts {
	/* -machine */
	char cgs_id[64];		/* confidential-guest-support=, "" if none */
	/* -object tdx-guest */
	bool have_tdx_guest;
	char tdx_id[64];
	uint64_t attributes;
	uint8_t mrconfigid[TDX_DIGEST_SIZE];
	uint8_t mrowner[TDX_DIGEST_SIZE];
	uint8_t mrownerconfig[TDX_DIGEST_SIZE];
	char qgs_socket[108];		/* a unix socket path, "" if none */
	/* the rest */
	const char *bios;
	const char *kernel;
	const char *append;		/* NULL without -append */
	char name[64];			/* -name, "" if none */
	char qmp_path[108];		/* -qmp unix:PATH,server=on,wait=off */
	uint64_t ram_size;
	unsigned int smp;
	enum vmm_serial serial;
	bool verbose;			/* -verbose: the emulated host's boot lines */
};

/** vmm_opts_init() - QEMU's defaults (128 MiB, 1 vCPU, SEPT_VE_DISABLE). */
void vmm_opts_init(struct vmm_opts *o);

/**
 * vmm_opts_parse() - parse argv[1..] into @o.  Returns 0, or -1 with the
 * message in @err.  On success the options are consistent: a TD has its
 * tdx-guest object, -bios is given.
 */
int vmm_opts_parse(int argc, char *const argv[], struct vmm_opts *o, char *err, size_t errlen);

/** vmm_opts_is_td() - the machine names a confidential-guest-support object. */
static inline bool vmm_opts_is_td(const struct vmm_opts *o)
{
	return o->cgs_id[0] != '\0';
}

/** vmm_parse_size() - a QEMU size ("512M", "2G", "1048576" bytes when @default_mib is false). */
int vmm_parse_size(const char *s, bool default_mib, uint64_t *out);

/** vmm_base64_digest() - decode exactly 48 bytes of base64, else -1 with the reason. */
int vmm_base64_digest(const char *s, uint8_t out[TDX_DIGEST_SIZE], char *why, size_t whylen);

#endif /* QEMU_TDX_CLI_H */
