/*
 * tdxctl quote decode|verify and tdxctl report decode: read TDX quotes
 * and TDREPORTs, and verify a quote against a root CA and collateral.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tdxctl/attest.h"
#include "tdxctl/tdxctl.h"

#define QUOTE_DECODE	"tdxctl quote decode"
#define QUOTE_VERIFY	"tdxctl quote verify"
#define REPORT_DECODE	"tdxctl report decode"

static int decode(const char *prog, int argc, char **argv,
		  int (*print)(FILE *, const uint8_t *, size_t, bool, struct emu_error *),
		  const char *what)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct emu_error err = { 0 };
	bool json = false;
	uint8_t *buf;
	size_t len;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: %s [--json] FILE\n\nPrint the fields of %s FILE.\n"
			       "  --json   as a JSON object (hex strings for byte fields)\n",
			       prog, what);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(prog, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(prog, "expected one argument, FILE");
	if (tdxctl_file_read(argv[optind], &buf, &len, &err))
		return cli_fail(prog, &err);
	ret = print(stdout, buf, len, json, &err);
	free(buf);
	return ret ? cli_fail(prog, &err) : CLI_EXIT_OK;
}

static int quote_decode(int argc, char **argv)
{
	return decode(QUOTE_DECODE, argc, argv, tdxctl_quote_print, "the DCAP v4 TDX quote in");
}

static int report_decode(int argc, char **argv)
{
	return decode(REPORT_DECODE, argc, argv, tdxctl_report_print, "the TDREPORT in");
}

static int parse_hex_opt(const char *opt, const char *s, size_t n, uint8_t *out)
{
	size_t len = strlen(s);

	if (len != 2 * n)
		return cli_usage_error(QUOTE_VERIFY, "%s: expected %zu hex digits, got %zu", opt,
				       2 * n, len);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;
		char pair[3] = { s[2 * i], s[2 * i + 1], 0 };
		char *end;

		v = (unsigned int)strtoul(pair, &end, 16);
		if (*end || !((pair[0] >= '0' && pair[0] <= '9') || (pair[0] | 32) >= 'a'))
			return cli_usage_error(QUOTE_VERIFY, "%s: '%s' is not hex", opt, pair);
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int quote_verify(int argc, char **argv)
{
	enum { OPT_ALLOW_DEBUG = 256, OPT_ALLOW_SEPT_VE, OPT_ALLOW_OUTDATED, OPT_MRTD,
	       OPT_RTMR0, OPT_RTMR1, OPT_RTMR2, OPT_RTMR3, OPT_REPORT_DATA };
	static const struct option longopts[] = {
		{ "root-ca", required_argument, NULL, 'r' },
		{ "collateral", required_argument, NULL, 'c' },
		{ "allow-debug", no_argument, NULL, OPT_ALLOW_DEBUG },
		{ "allow-sept-ve-enabled", no_argument, NULL, OPT_ALLOW_SEPT_VE },
		{ "allow-out-of-date", no_argument, NULL, OPT_ALLOW_OUTDATED },
		{ "mrtd", required_argument, NULL, OPT_MRTD },
		{ "rtmr0", required_argument, NULL, OPT_RTMR0 },
		{ "rtmr1", required_argument, NULL, OPT_RTMR1 },
		{ "rtmr2", required_argument, NULL, OPT_RTMR2 },
		{ "rtmr3", required_argument, NULL, OPT_RTMR3 },
		{ "report-data", required_argument, NULL, OPT_REPORT_DATA },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct tdxctl_verify_policy pol = { 0 };
	struct tdxctl_verify_result res;
	struct emu_error err = { 0 };
	uint8_t mrtd[48], rtmr[4][48], report_data[64];
	const char *root = NULL, *coll = NULL;
	uint8_t *buf;
	size_t len;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":r:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'c':
			coll = optarg;
			break;
		case OPT_ALLOW_DEBUG:
			pol.allow_debug = true;
			break;
		case OPT_ALLOW_SEPT_VE:
			pol.allow_sept_ve_enabled = true;
			break;
		case OPT_ALLOW_OUTDATED:
			pol.allow_out_of_date = true;
			break;
		case OPT_MRTD:
			if (parse_hex_opt("--mrtd", optarg, 48, mrtd))
				return CLI_EXIT_USAGE;
			pol.mrtd = mrtd;
			break;
		case OPT_RTMR0: case OPT_RTMR1: case OPT_RTMR2: case OPT_RTMR3: {
			unsigned int i = (unsigned int)(c - OPT_RTMR0);
			char name[16];

			snprintf(name, sizeof(name), "--rtmr%u", i);
			if (parse_hex_opt(name, optarg, 48, rtmr[i]))
				return CLI_EXIT_USAGE;
			pol.rtmr[i] = rtmr[i];
			break;
		}
		case OPT_REPORT_DATA:
			if (parse_hex_opt("--report-data", optarg, 64, report_data))
				return CLI_EXIT_USAGE;
			pol.report_data = report_data;
			break;
		case 'h':
			printf("Usage: %s FILE --root-ca PEM --collateral DIR [options]\n\n"
			       "Verify the DCAP v4 TDX quote in FILE: its signature, the PCK chain to\n"
			       "the root CA with the CRLs, the QE report and key binding, the TCB\n"
			       "status from TCB info, the QE identity, then the policy.  DIR holds\n"
			       "what `tdxctl pki export` writes.\n"
			       "  --allow-debug             accept a debug TD\n"
			       "  --allow-sept-ve-enabled   accept a TD without SEPT_VE_DISABLE\n"
			       "  --allow-out-of-date       accept a TCB status other than UpToDate\n"
			       "                            (never Revoked)\n"
			       "  --mrtd HEX, --rtmr0..3 HEX   expected measurements (96 hex digits)\n"
			       "  --report-data HEX         expected REPORTDATA (128 hex digits)\n"
			       "Exit status 0 when the quote verifies, 1 with \"quote verify: <what>:\n"
			       "<why>\" when it does not, 2 on a usage error.\n",
			       QUOTE_VERIFY);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(QUOTE_VERIFY, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(QUOTE_VERIFY, "expected one argument, FILE");
	if (!root || !coll)
		return cli_usage_error(QUOTE_VERIFY, "--root-ca and --collateral are required");
	if (tdxctl_file_read(argv[optind], &buf, &len, &err))
		return cli_fail(QUOTE_VERIFY, &err);
	ret = tdxctl_quote_verify(buf, len, root, coll, &pol, &res, &err);
	free(buf);
	if (ret) {
		fprintf(stderr, "quote verify: %s\n", err.msg);
		return CLI_EXIT_FAIL;
	}
	printf("quote verified: TCB status %s, QE status %s, FMSPC %s\n", res.tcb_status,
	       res.qe_status, res.fmspc);
	return CLI_EXIT_OK;
}

static const struct cli_cmd quote_cmds[] = {
	{ "decode", quote_decode, "print a DCAP v4 TDX quote" },
	{ "verify", quote_verify, "verify a quote against a root CA and collateral" },
};

static const struct cli_cmd report_cmds[] = {
	{ "decode", report_decode, "print a TDREPORT" },
};

/* The "quote" group: see cli.h. */
int cmd_quote(int argc, char **argv)
{
	return cli_dispatch("tdxctl quote", quote_cmds, sizeof(quote_cmds) / sizeof(quote_cmds[0]),
			    argc, argv);
}

/* The "report" group: see cli.h. */
int cmd_report(int argc, char **argv)
{
	return cli_dispatch("tdxctl report", report_cmds,
			    sizeof(report_cmds) / sizeof(report_cmds[0]), argc, argv);
}
