/*
 * tdxctl seamldr build|info: the NP-SEAMLDR ACM that GETSEC[ENTERACCS]
 * authenticates against the fused vendor key hash, carrying P-SEAMLDR.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "tdxctl/tdxctl.h"

#define SEAMLDR_BUILD	"tdxctl seamldr build"
#define SEAMLDR_INFO_CMD "tdxctl seamldr info"

static void seamldr_build_help(void)
{
	printf("Usage: %s --key KEY.pem --out ACM [options]\n\n"
	       "Build and sign an NP-SEAMLDR ACM carrying a 64 KiB P-SEAMLDR image.\n"
	       "  -k, --key KEY.pem        the vendor signing key (required)\n"
	       "  -o, --out ACM            the ACM file to write (required)\n"
	       "  -V, --version MAJ.MIN    P-SEAMLDR version, each 0..65535 (default 1.0)\n"
	       "  -n, --build-num N        P-SEAMLDR build number (default 0)\n"
	       "  -d, --debug              mark P-SEAMLDR debug (attributes bit 31)\n",
	       SEAMLDR_BUILD);
}

static int seamldr_build_run(const char *key_path, const char *out,
			     const struct tdxctl_acm_opts *opts)
{
	struct emu_error err = { 0 };
	EVP_PKEY *pkey = NULL;
	uint8_t *acm = NULL;
	size_t len;
	int ret = CLI_EXIT_OK;

	if (tdxctl_key_load(key_path, &pkey, &err) ||
	    tdxctl_acm_build(pkey, opts, &acm, &len, &err) ||
	    tdxctl_file_write(out, acm, len, 0644, &err))
		ret = cli_fail(SEAMLDR_BUILD, &err);
	free(acm);
	EVP_PKEY_free(pkey);
	return ret;
}

static int seamldr_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "version", required_argument, NULL, 'V' },
		{ "build-num", required_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *key = NULL, *out = NULL;
	struct tdxctl_acm_opts opts;
	uint64_t v[2];
	int c;

	tdxctl_acm_opts_init(&opts);
	optind = 0;
	while ((c = getopt_long(argc, argv, ":k:o:V:n:dh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'V':
			if (cli_parse_dotted(SEAMLDR_BUILD, "--version", optarg, 2, UINT16_MAX, v))
				return CLI_EXIT_USAGE;
			opts.major = (uint16_t)v[0];
			opts.minor = (uint16_t)v[1];
			break;
		case 'n':
			if (cli_parse_u64(SEAMLDR_BUILD, "--build-num", optarg, 0, UINT16_MAX, v))
				return CLI_EXIT_USAGE;
			opts.build_num = (uint16_t)v[0];
			break;
		case 'd':
			opts.debug = true;
			break;
		case 'h':
			seamldr_build_help();
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(SEAMLDR_BUILD, c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(SEAMLDR_BUILD, "unexpected argument '%s'", argv[optind]);
	if (!key)
		return cli_usage_error(SEAMLDR_BUILD, "missing --key KEY.pem");
	if (!out)
		return cli_usage_error(SEAMLDR_BUILD, "missing --out ACM");
	return seamldr_build_run(key, out, &opts);
}

static void print_hash(const char *label, const uint8_t hash[TDXCTL_SHA384_BYTES])
{
	char hex[2 * TDXCTL_SHA384_BYTES + 1];

	cli_hex(hash, TDXCTL_SHA384_BYTES, hex);
	printf("%-20s %s\n", label, hex);
}

static void print_acm(const struct tdxctl_acm_view *v)
{
	const struct p_seamldr_image_header *p = v->p_seamldr;
	const struct np_seamldr_manifest *m = v->manifest;
	const struct acm_header *h = v->header;

	printf("%-20s %u (sub-type %u), header v0x%08x, %u dwords\n", "module type:",
	       h->module_type, h->module_sub_type, h->header_version, h->header_len);
	printf("%-20s 0x%x, chipset_id 0x%x, flags 0x%x\n", "vendor:", h->module_vendor,
	       h->chipset_id, h->flags);
	printf("%-20s %04x-%02x-%02x\n", "date:", h->date >> 16, (h->date >> 8) & 0xFF,
	       h->date & 0xFF);
	printf("%-20s %u dwords, entry point 0x%x, key %u / scratch %u dwords\n", "size:",
	       h->size, h->entry_point, h->key_size, h->scratch_size);
	printf("%-20s txt %u, sgx %u\n", "svn:", h->txt_svn, h->sgx_svn);
	printf("%-20s %u.%u (manifest v%u)\n", "np-seamldr:", m->np_major, m->np_minor,
	       m->manifest_version);
	printf("%-20s offset 0x%llx, %llu bytes, hash matches\n", "p-seamldr image:",
	       (unsigned long long)m->p_seamldr_offset, (unsigned long long)m->p_seamldr_size);
	print_hash("p-seamldr hash:", m->p_seamldr_hash);
	printf("%-20s %u.%u.%u build %u\n", "p-seamldr version:", p->major, p->minor,
	       p->update_version, p->build_num);
	printf("%-20s %04x-%02x-%02x\n", "p-seamldr date:", p->build_date >> 16,
	       (p->build_date >> 8) & 0xFF, p->build_date & 0xFF);
	printf("%-20s 0x%x (debug %s), %u updates left\n", "p-seamldr attrs:", p->attributes,
	       p->attributes & SEAMLDR_INFO_ATTR_DEBUG ? "yes" : "no",
	       p->num_remaining_updates);
}

/* The signature and the signer; returns how many checks failed. */
static int acm_checks(const uint8_t *acm, size_t len, const char *vendor_key)
{
	const struct acm_header *h = (const struct acm_header *)acm;
	uint8_t signer[TDXCTL_SHA384_BYTES], vendor[TDXCTL_SHA384_BYTES];
	struct emu_error err = { 0 };
	EVP_PKEY *pkey;
	int failed = 0;

	if (tdxctl_acm_verify(acm, len, &err)) {
		printf("%-20s INVALID: %s\n", "signature:", err.msg);
		failed++;
	} else {
		printf("%-20s valid\n", "signature:");
	}
	if (tdxctl_modulus_hash(h->rsa_pub_key, signer, &err)) {
		printf("%-20s %s\n", "signer key hash:", err.msg);
		return failed + 1;
	}
	print_hash("signer key hash:", signer);
	if (!vendor_key)
		return failed;
	if (tdxctl_key_load(vendor_key, &pkey, &err)) {
		printf("%-20s %s\n", "vendor key:", err.msg);
		return failed + 1;
	}
	if (tdxctl_key_hash(pkey, vendor, &err)) {
		printf("%-20s %s\n", "vendor key:", err.msg);
		failed++;
	} else if (memcmp(vendor, signer, sizeof(vendor))) {
		printf("%-20s DOES NOT MATCH %s\n", "vendor key:", vendor_key);
		failed++;
	} else {
		printf("%-20s matches %s\n", "vendor key:", vendor_key);
	}
	EVP_PKEY_free(pkey);
	return failed;
}

static int seamldr_info_run(const char *path, const char *vendor_key)
{
	struct tdxctl_acm_view view;
	struct emu_error err = { 0 };
	uint8_t *acm;
	size_t len;
	int failed;

	if (tdxctl_file_read(path, &acm, &len, &err))
		return cli_fail(SEAMLDR_INFO_CMD, &err);
	if (tdxctl_acm_parse(acm, len, &view, &err)) {
		free(acm);
		return cli_fail(SEAMLDR_INFO_CMD, &err);
	}
	printf("%-20s %s: %zu bytes\n", "acm:", path, len);
	print_acm(&view);
	failed = acm_checks(acm, len, vendor_key);
	free(acm);
	if (failed)
		fprintf(stderr, "%s: %s: %d check(s) failed\n", SEAMLDR_INFO_CMD, path, failed);
	return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int seamldr_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "vendor-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *vendor_key = NULL;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			vendor_key = optarg;
			break;
		case 'h':
			printf("Usage: %s ACM [--vendor-key KEY.pem]\n\n"
			       "Describe an NP-SEAMLDR ACM and check its structure, P-SEAMLDR hash\n"
			       "and signature.  Exits 1 if a check fails.\n"
			       "  -k, --vendor-key KEY.pem  compare the signer with this key\n",
			       SEAMLDR_INFO_CMD);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(SEAMLDR_INFO_CMD, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(SEAMLDR_INFO_CMD, "expected one argument, ACM");
	return seamldr_info_run(argv[optind], vendor_key);
}

static const struct cli_cmd seamldr_cmds[] = {
	{ "build", seamldr_build, "build and sign an NP-SEAMLDR ACM" },
	{ "info", seamldr_info, "describe and check an NP-SEAMLDR ACM" },
};

/* The "seamldr" group: see cli.h. */
int cmd_seamldr(int argc, char **argv)
{
	return cli_dispatch("tdxctl seamldr", seamldr_cmds,
			    sizeof(seamldr_cmds) / sizeof(seamldr_cmds[0]), argc, argv);
}
