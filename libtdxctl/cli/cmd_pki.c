/*
 * tdxctl pki export: write the platform's root CA and the collateral a
 * quote verifier needs (libtdxctl attest.h).
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "cli.h"
#include "platform_state.h"
#include "tdxctl/attest.h"

#define PKI_EXPORT	"tdxctl pki export"

static int pki_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct emu_error err = { 0 };
	const char *out = NULL, *state = NULL;
	char state_buf[PATH_MAX];
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":o:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'd':
			state = optarg;
			break;
		case 'h':
			printf("Usage: %s --out DIR [--state-dir DIR]\n\n"
			       "Write the platform's root CA (%s) and the collateral a verifier\n"
			       "needs (%s, %s, %s, %s, %s, %s) to --out.\n"
			       "The PKI is generated in the platform state directory (default $%s,\n"
			       "%s, or ~/.local/state/tdx-emu) the first time.\n",
			       PKI_EXPORT, TDXCTL_PKI_ROOT_CA, TDXCTL_PKI_ROOT_CRL, TDXCTL_PKI_PCK_CRL,
			       TDXCTL_PKI_TCB_INFO, TDXCTL_PKI_QE_IDENTITY, TDXCTL_PKI_TCB_CHAIN,
			       TDXCTL_PKI_PCK_CRL_CHAIN, PLATFORM_STATE_ENV, PLATFORM_STATE_SYSTEM_DIR);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(PKI_EXPORT, c, argv);
		}
	}
	if (argc != optind)
		return cli_usage_error(PKI_EXPORT, "unexpected argument '%s'", argv[optind]);
	if (!out)
		return cli_usage_error(PKI_EXPORT, "--out DIR is required");
	if (!state) {
		if (platform_state_dir_default(state_buf, sizeof(state_buf), &err))
			return cli_fail(PKI_EXPORT, &err);
		state = state_buf;
	}
	if (tdxctl_pki_export(state, out, &err))
		return cli_fail(PKI_EXPORT, &err);
	return CLI_EXIT_OK;
}

static const struct cli_cmd pki_cmds[] = {
	{ "export", pki_export, "write the root CA and collateral for verifiers" },
};

/* The "pki" group: see cli.h. */
int cmd_pki(int argc, char **argv)
{
	return cli_dispatch("tdxctl pki", pki_cmds, sizeof(pki_cmds) / sizeof(pki_cmds[0]), argc,
			    argv);
}
