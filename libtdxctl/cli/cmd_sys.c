/*
 * tdxctl sys info: bring up an emulated host and print the TDX module's
 * global metadata, field by field, as TDH.SYS.RD returns it.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <tdx/tdx_metadata.h>
#include <tdxctl/tdxctl.h>

#include "boot.h"
#include "cli.h"

static int sys_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lps", required_argument, NULL, 'l' },
		{ "platform", required_argument, NULL, 'p' },
		{ "module", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *prog = "tdxctl sys info";
	struct host_boot_opts opts;
	struct host_boot b;
	struct emu_error err = { 0 };
	uint64_t id = MD_SYS_NUM_PKGS, value;
	char kv[512];
	int c, ret = CLI_EXIT_OK;

	host_boot_defaults(&opts);
	optind = 1;
	while ((c = getopt_long(argc, argv, ":p:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			snprintf(kv, sizeof(kv), "lps=%s", optarg);
			if (platform_config_set(&opts.cfg, kv, &err))
				return cli_usage_error(prog, "--lps: %s", err.msg);
			break;
		case 'p':
			if (platform_config_set(&opts.cfg, optarg, &err))
				return cli_usage_error(prog, "--platform: %s", err.msg);
			break;
		case 'm':
			opts.module_path = optarg;
			break;
		case 'h':
			printf("usage: %s [--lps N] [-p key=value]... [--module BLOB]\n"
			       "Boots an emulated host, initializes the TDX module and prints every\n"
			       "global metadata field TDH.SYS.RD returns, by name.\n", prog);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(prog, c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if (host_boot_vendor_key(&opts, NULL, &err) || host_boot_run(&opts, &b, &err)) {
		host_boot_teardown(&b);
		return cli_fail(prog, &err);
	}
	while (id != MD_FIELD_ID_NONE) {
		unsigned int elem = 0, nr = 1;
		const char *name = tdxctl_sys_field_name(id, &elem, &nr);
		struct tdx_module_args a = { .rax = TDH_SYS_RD, .rdx = id };
		uint64_t st = tdx_host_seamcall(b.host, 0, &a);

		if (st) {
			fprintf(stderr, "%s: TDH.SYS.RD 0x%016llx: status 0x%016llx\n", prog,
				(unsigned long long)id, (unsigned long long)st);
			ret = CLI_EXIT_FAIL;
			break;
		}
		value = a.r8;
		if (!name)
			printf("0x%016llx", (unsigned long long)id);
		else if (nr > 1)
			printf("%s[%u]", name, elem);
		else
			printf("%s", name);
		printf(" = 0x%llx (%llu)\n", (unsigned long long)value, (unsigned long long)value);
		id = a.rdx;
	}
	host_boot_teardown(&b);
	return ret;
}

int cmd_sys(int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "info", sys_info, "print the TDX module's global metadata by field name" },
	};

	return cli_dispatch("tdxctl sys", cmds, sizeof(cmds) / sizeof(cmds[0]), argc, argv);
}
