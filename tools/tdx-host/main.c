/*
 * tdx-host: power on an emulated TDX host, run MCHECK, launch the SEAM
 * loaders and install the TDX module on every logical processor, and
 * print what happened.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tdx-host [options]\n"
		"  --lps N              logical processors (default 2)\n"
		"  --packages N         CPU packages (default 1)\n"
		"  --dram SIZE          DRAM size, e.g. 16G (default 8G)\n"
		"  -p, --platform K=V   any platform option (dram, lps, seamrr-base, cmr, ...)\n"
		"  --acm FILE           NP-SEAMLDR ACM (default: the build's)\n"
		"  --module FILE        TDX module TDX-BLOB (default: the build's)\n"
		"  --update FILE        then install FILE as a runtime update\n"
		"  --vendor-key PEM     fuse this key's hash (default: the build's test key)\n"
		"  -q, --quiet          print only errors\n"
		"  -h, --help\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lps", required_argument, NULL, 'l' },
		{ "packages", required_argument, NULL, 'P' },
		{ "dram", required_argument, NULL, 'd' },
		{ "platform", required_argument, NULL, 'p' },
		{ "acm", required_argument, NULL, 'a' },
		{ "module", required_argument, NULL, 'm' },
		{ "update", required_argument, NULL, 'u' },
		{ "vendor-key", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct host_boot_opts opts;
	struct host_boot b;
	struct emu_error err = { 0 };
	const char *vendor_key = NULL, *update = NULL;
	char kv[512];
	int c, ret;

	host_boot_defaults(&opts);
	opts.out = stdout;
	while ((c = getopt_long(argc, argv, "p:qh", longopts, NULL)) != -1) {
		const char *key = NULL;

		switch (c) {
		case 'l': key = "lps"; break;
		case 'P': key = "packages"; break;
		case 'd': key = "dram"; break;
		case 'p':
			if (platform_config_set(&opts.cfg, optarg, &err)) {
				fprintf(stderr, "tdx-host: %s\n", err.msg);
				return 2;
			}
			break;
		case 'a': opts.acm_path = optarg; break;
		case 'm': opts.module_path = optarg; break;
		case 'u': update = optarg; break;
		case 'k': vendor_key = optarg; break;
		case 'q': opts.out = NULL; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (key) {
			snprintf(kv, sizeof(kv), "%s=%s", key, optarg);
			if (platform_config_set(&opts.cfg, kv, &err)) {
				fprintf(stderr, "tdx-host: --%s: %s\n", key, err.msg);
				return 2;
			}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tdx-host: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* The default DRAM moves SEAMRR and the top CMR with it. */
	if (opts.cfg.seamrr.base + opts.cfg.seamrr.size != opts.cfg.dram_size &&
	    opts.cfg.nr_cmrs == 2 && opts.cfg.cmr[1].base == 4ULL << 30) {
		opts.cfg.seamrr.base = opts.cfg.dram_size - opts.cfg.seamrr.size;
		opts.cfg.cmr[1].size = opts.cfg.seamrr.base - opts.cfg.cmr[1].base;
	}
	if (host_boot_vendor_key(&opts, vendor_key, &err)) {
		fprintf(stderr, "tdx-host: %s\n", err.msg);
		return 1;
	}

	ret = host_boot_run(&opts, &b, &err);
	if (!ret && update)
		ret = host_boot_install(&b, update, SEAMLDR_SCENARIO_UPDATE, opts.out, &err);
	if (ret) {
		fprintf(stderr, "tdx-host: %s\n", err.msg);
	} else if (opts.out) {
		fprintf(opts.out, "Host up: firmware+MCHECK %.2f ms, NP-SEAMLDR %.2f ms, "
			"install on %u LPs %.2f ms, module init %.2f ms, total %.2f ms\n",
			b.t_firmware_ms, b.t_np_seamldr_ms, platform_nr_lps(b.m->plat),
			b.t_install_ms, b.t_module_init_ms, b.t_total_ms);
	}
	host_boot_teardown(&b);
	return ret ? 1 : 0;
}
