/*
 * tdxctl: make and inspect what a TDX platform loads -- the vendor key,
 * TDX module images and blobs, and the NP-SEAMLDR ACM.
 *
 *   tdxctl key generate|hash ...
 *   tdxctl measure mrtd|rtmr ...
 *   tdxctl eventlog dump|replay ...
 *   tdxctl module build|sign|info ...
 *   tdxctl seamldr build|info ...
 *   tdxctl sys info ...
 *   tdxctl report decode ...
 *   tdxctl quote decode|verify ...
 *   tdxctl pki export ...
 *
 * Exit codes: 0 success, 1 failure, 2 usage error.
 */
#include "cli.h"

static const struct cli_cmd groups[] = {
	{ "key", cmd_key, "generate a vendor signing key, print its hash" },
	{ "measure", cmd_measure, "predict a TD's MRTD and RTMRs from its firmware and payload" },
	{ "eventlog", cmd_eventlog, "dump or replay a CC event log" },
	{ "module", cmd_module, "build, sign and inspect TDX module blobs" },
	{ "seamldr", cmd_seamldr, "build and inspect the NP-SEAMLDR ACM" },
	{ "sys", cmd_sys, "boot an emulated host and print the module's metadata" },
	{ "report", cmd_report, "decode a TDREPORT" },
	{ "quote", cmd_quote, "decode and verify DCAP v4 TDX quotes" },
	{ "pki", cmd_pki, "export the platform's root CA and attestation collateral" },
};

int main(int argc, char **argv)
{
	return cli_dispatch("tdxctl", groups, sizeof(groups) / sizeof(groups[0]), argc, argv);
}
