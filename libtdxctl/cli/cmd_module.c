/*
 * tdxctl module build|sign|info: the TDX module image, the TDX-BLOB that
 * wraps it with a signed SEAM_SIGSTRUCT, and a report on a blob that
 * checks it the way P-SEAMLDR will.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "tdxctl/tdxctl.h"

#define MODULE_BUILD	"tdxctl module build"
#define MODULE_SIGN	"tdxctl module sign"
#define MODULE_INFO	"tdxctl module info"

/* What "module info" assumes when predicting the SEAMRR layout. */
#define INFO_SEAMRR_BASE	0x1F8000000ULL
#define INFO_SEAMRR_SIZE	(128ULL << 20)
#define INFO_DEFAULT_LPS	2
#define INFO_MAX_LPS		1024

static void print_bcd_date(const char *label, uint32_t d)
{
	printf("%-20s %04x-%02x-%02x\n", label, d >> 16, (d >> 8) & 0xFF, d & 0xFF);
}

static void print_hash(const char *label, const uint8_t hash[TDXCTL_SHA384_BYTES])
{
	char hex[2 * TDXCTL_SHA384_BYTES + 1];

	cli_hex(hash, TDXCTL_SHA384_BYTES, hex);
	printf("%-20s %s\n", label, hex);
}

/* ---- module build ---- */

static void module_build_help(void)
{
	printf("Usage: %s --out IMG [options]\n\n"
	       "Build a TDX module image: a tdx_module_image_header in page 0, zeros after.\n"
	       "  -o, --out IMG          the image file to write (required)\n"
	       "  -V, --version A.B.C.D  major.minor.update.internal (default 1.5.1.0)\n"
	       "  -n, --build-num N      build number (default 0)\n"
	       "  -p, --pages N          image size in 4 KiB pages, 1..%u (default %u)\n"
	       "  -c, --code FILE        record SHA-384 of FILE as code_digest (default 0)\n",
	       MODULE_BUILD, SEAMLDR_MAX_NR_MODULE_PAGES, TDXCTL_MODULE_DEFAULT_PAGES);
}

static int module_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "version", required_argument, NULL, 'V' },
		{ "build-num", required_argument, NULL, 'n' },
		{ "pages", required_argument, NULL, 'p' },
		{ "code", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *out = NULL, *code_path = NULL;
	struct tdxctl_module_image_opts opts;
	struct emu_error err = { 0 };
	uint8_t *code = NULL, *img;
	uint64_t v[4];
	size_t len;
	int c, ret;

	tdxctl_module_image_opts_init(&opts);
	optind = 0;
	while ((c = getopt_long(argc, argv, ":o:V:n:p:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'V':
			if (cli_parse_dotted(MODULE_BUILD, "--version", optarg, 4, UINT16_MAX, v))
				return CLI_EXIT_USAGE;
			opts.major_version = (uint16_t)v[0];
			opts.minor_version = (uint16_t)v[1];
			opts.update_version = (uint16_t)v[2];
			opts.internal_version = (uint16_t)v[3];
			break;
		case 'n':
			if (cli_parse_u64(MODULE_BUILD, "--build-num", optarg, 0, UINT16_MAX, v))
				return CLI_EXIT_USAGE;
			opts.build_num = (uint16_t)v[0];
			break;
		case 'p':
			if (cli_parse_u64(MODULE_BUILD, "--pages", optarg, 1,
					  SEAMLDR_MAX_NR_MODULE_PAGES, v))
				return CLI_EXIT_USAGE;
			opts.nr_pages = (unsigned int)v[0];
			break;
		case 'c':
			code_path = optarg;
			break;
		case 'h':
			module_build_help();
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(MODULE_BUILD, c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(MODULE_BUILD, "unexpected argument '%s'", argv[optind]);
	if (!out)
		return cli_usage_error(MODULE_BUILD, "missing --out IMG");

	if (code_path) {
		if (tdxctl_file_read(code_path, &code, &opts.code_len, &err))
			return cli_fail(MODULE_BUILD, &err);
		opts.code = code;
	}
	ret = tdxctl_module_image_build(&opts, &img, &len, &err);
	free(code);
	if (ret)
		return cli_fail(MODULE_BUILD, &err);
	ret = tdxctl_file_write(out, img, len, 0644, &err);
	free(img);
	return ret ? cli_fail(MODULE_BUILD, &err) : CLI_EXIT_OK;
}

/* ---- module sign ---- */

static void module_sign_help(void)
{
	printf("Usage: %s --key KEY.pem --image IMG --out BLOB [options]\n\n"
	       "Sign a module image with a SEAM_SIGSTRUCT and pack both into a TDX-BLOB.\n"
	       "  -k, --key KEY.pem      the vendor signing key (required)\n"
	       "  -i, --image IMG        the module image (required)\n"
	       "  -o, --out BLOB         the blob file to write (required)\n"
	       "  -s, --svn MAJOR.MINOR  SEAMSVN, each 0..255 (default 1.0)\n"
	       "  -d, --debug            mark the module debug-signed (module_type bit 31)\n"
	       "  -c, --cpuid LIST       comma-separated CPUID(1).EAX values, stepping masked\n"
	       "                         (default 0x806F0,0xA06F0,0xC06F0)\n",
	       MODULE_SIGN);
}

static int parse_cpuid_list(const char *arg, struct tdxctl_sign_opts *opts)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int ret = CLI_EXIT_OK;
	uint64_t v;

	if (!copy) {
		fprintf(stderr, "%s: out of memory\n", MODULE_SIGN);
		return CLI_EXIT_FAIL;
	}
	opts->nr_cpuids = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (opts->nr_cpuids == SEAM_SIGSTRUCT_MAX_CPUID) {
			ret = cli_usage_error(MODULE_SIGN, "--cpuid: more than %u entries",
					      SEAM_SIGSTRUCT_MAX_CPUID);
			break;
		}
		ret = cli_parse_u64(MODULE_SIGN, "--cpuid", tok, 0, UINT32_MAX, &v);
		if (ret)
			break;
		if (v & ~(uint64_t)SEAM_CPUID_FMS_MASK) {
			ret = cli_usage_error(MODULE_SIGN,
					      "--cpuid: 0x%llx has bits outside 0x%08x (mask the stepping, bits 3:0)",
					      (unsigned long long)v, SEAM_CPUID_FMS_MASK);
			break;
		}
		opts->cpuid[opts->nr_cpuids++] = (uint32_t)v;
	}
	if (!ret && !opts->nr_cpuids)
		ret = cli_usage_error(MODULE_SIGN, "--cpuid: empty list");
	free(copy);
	return ret;
}

static int module_sign_run(const char *key_path, const char *img_path, const char *out,
			   const struct tdxctl_sign_opts *opts)
{
	const struct tdx_module_image_header *hdr;
	struct emu_error err = { 0 };
	uint8_t *img = NULL, *blob = NULL;
	size_t len, blob_len;
	EVP_PKEY *pkey = NULL;
	int ret = CLI_EXIT_FAIL;

	if (tdxctl_key_load(key_path, &pkey, &err) ||
	    tdxctl_file_read(img_path, &img, &len, &err))
		goto out_err;
	/* Foreign images may be signed on purpose (loader tests); say so. */
	if (tdxctl_module_image_parse(img, len, &hdr, &err))
		fprintf(stderr, "%s: warning: %s: %s\n", MODULE_SIGN, img_path, err.msg);
	if (tdxctl_module_sign(pkey, img, len, opts, &blob, &blob_len, &err) ||
	    tdxctl_file_write(out, blob, blob_len, 0644, &err))
		goto out_err;
	ret = CLI_EXIT_OK;
	goto out;
out_err:
	cli_fail(MODULE_SIGN, &err);
out:
	free(blob);
	free(img);
	EVP_PKEY_free(pkey);
	return ret;
}

static int module_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "image", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "svn", required_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ "cpuid", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *key = NULL, *img = NULL, *out = NULL;
	struct tdxctl_sign_opts opts;
	uint64_t v[2];
	int c, ret;

	tdxctl_sign_opts_init(&opts);
	optind = 0;
	while ((c = getopt_long(argc, argv, ":k:i:o:s:dc:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 'i':
			img = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			if (cli_parse_dotted(MODULE_SIGN, "--svn", optarg, 2, UINT8_MAX, v))
				return CLI_EXIT_USAGE;
			opts.seamsvn = SEAMSVN(v[0], v[1]);
			break;
		case 'd':
			opts.debug = true;
			break;
		case 'c':
			ret = parse_cpuid_list(optarg, &opts);
			if (ret)
				return ret;
			break;
		case 'h':
			module_sign_help();
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(MODULE_SIGN, c, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error(MODULE_SIGN, "unexpected argument '%s'", argv[optind]);
	if (!key)
		return cli_usage_error(MODULE_SIGN, "missing --key KEY.pem");
	if (!img)
		return cli_usage_error(MODULE_SIGN, "missing --image IMG");
	if (!out)
		return cli_usage_error(MODULE_SIGN, "missing --out BLOB");
	return module_sign_run(key, img, out, &opts);
}

/* ---- module info ---- */

static void module_info_help(void)
{
	printf("Usage: %s BLOB [--lps N] [--vendor-key KEY.pem]\n\n"
	       "Describe a TDX module blob and check it as P-SEAMLDR would: MRSEAM\n"
	       "against the module pages, the SEAM_SIGSTRUCT signature, and (with\n"
	       "--vendor-key) the signer.  Exits 1 if any check fails.\n"
	       "  -l, --lps N               predict the SEAMRR layout for N LPs (default %u)\n"
	       "  -k, --vendor-key KEY.pem  compare the signer with this key\n"
	       "The layout assumes SEAMRR at 0x%llx, %llu MiB, ASLR offset 0.\n",
	       MODULE_INFO, INFO_DEFAULT_LPS, INFO_SEAMRR_BASE, INFO_SEAMRR_SIZE >> 20);
}

static void info_image(const struct tdxctl_blob_view *view)
{
	const struct tdx_module_image_header *hdr;
	struct emu_error err = { 0 };

	if (tdxctl_module_image_parse(view->module, view->module_len, &hdr, &err)) {
		printf("%-20s not a tdx-emu module image (%s)\n", "image:", err.msg);
		return;
	}
	printf("%-20s %u.%u.%u.%u\n", "module version:", hdr->major_version,
	       hdr->minor_version, hdr->update_version, hdr->internal_version);
	printf("%-20s %u\n", "build num:", hdr->build_num);
	print_bcd_date("build date:", hdr->build_date);
	printf("%-20s %s\n", "impl:", hdr->impl);
	print_hash("code digest:", hdr->code_digest);
}

/* MRSEAM, the signature and the signer; returns how many checks failed. */
static int info_checks(const struct tdxctl_blob_view *view, const char *vendor_key)
{
	const struct seam_sigstruct *sig = view->sigstruct;
	uint8_t mrseam[TDXCTL_SHA384_BYTES], signer[TDXCTL_SHA384_BYTES];
	uint8_t vendor[TDXCTL_SHA384_BYTES];
	struct emu_error err = { 0 };
	EVP_PKEY *pkey;
	int failed = 0;

	print_hash("mrseam:", sig->seamhash);
	if (tdxctl_seamhash(view->module, view->module_len, mrseam, &err)) {
		printf("%-20s cannot recompute: %s\n", "", err.msg);
		failed++;
	} else if (memcmp(mrseam, sig->seamhash, sizeof(mrseam))) {
		printf("%-20s MISMATCH: the module pages hash differently\n", "");
		failed++;
	} else {
		printf("%-20s matches the module pages\n", "");
	}
	if (seam_sigstruct_verify(sig, &err)) {
		printf("%-20s INVALID: %s\n", "signature:", err.msg);
		failed++;
	} else {
		printf("%-20s valid\n", "signature:");
	}
	if (tdxctl_modulus_hash(sig->modulus, signer, &err)) {
		printf("%-20s cannot compute: %s\n", "signer key hash:", err.msg);
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

static void info_sigstruct(const struct seam_sigstruct *sig)
{
	unsigned int i, n = sig->cpuid_table_size;

	printf("%-20s %u.%u\n", "seamsvn:", SEAMSVN_MAJOR(sig->seamsvn),
	       SEAMSVN_MINOR(sig->seamsvn));
	printf("%-20s %s\n", "debug signed:",
	       sig->module_type & SEAM_SIGSTRUCT_MODULE_DEBUG ? "yes" : "no");
	print_bcd_date("sigstruct date:", sig->date);
	printf("%-20s 0x%x\n", "rip offset:", sig->rip_offset);
	printf("%-20s", "cpuid table:");
	if (n > SEAM_SIGSTRUCT_MAX_CPUID)
		n = SEAM_SIGSTRUCT_MAX_CPUID;
	for (i = 0; i < n; i++)
		printf(" 0x%08x", sig->cpuid_table[i]);
	printf("%s\n", n ? "" : " (empty)");
	printf("%-20s stack %u, tls %u, keyhole %u per LP; global data %u; handoff %u\n",
	       "pages:", sig->num_stack_pages, sig->num_tls_pages, sig->num_keyhole_pages,
	       sig->num_global_data_pages, sig->num_handoff_pages);
	printf("%-20s max_tdmrs %u, max_rsvd_per_tdmr %u, pamt entry %u/%u/%u\n", "limits:",
	       sig->max_tdmrs, sig->max_rsvd_per_tdmr, sig->pamt_entry_size_4k,
	       sig->pamt_entry_size_2m, sig->pamt_entry_size_1g);
	printf("%-20s module_hv %u, min_update_hv %u, no_downgrade %u\n", "handoff:",
	       sig->module_hv, sig->min_update_hv, sig->no_downgrade);
}

static void print_region(const char *name, uint64_t pa, uint64_t size)
{
	printf("  %-18s pa 0x%011llx  size 0x%09llx (%llu KiB)\n", name,
	       (unsigned long long)pa, (unsigned long long)size,
	       (unsigned long long)(size >> 10));
}

static int info_layout(const struct tdxctl_blob_view *view, unsigned int lps)
{
	struct seam_module_layout l;
	int ret;

	ret = seamrr_layout_compute(view->sigstruct, view->nr_module_pages, lps, lps - 1,
				    INFO_SEAMRR_BASE, INFO_SEAMRR_SIZE, 0, &l);
	printf("layout for %u LPs (SEAMRR 0x%llx, %llu MiB, aslr 0):\n", lps,
	       INFO_SEAMRR_BASE, INFO_SEAMRR_SIZE >> 20);
	if (ret) {
		printf("  does not fit: %s\n", strerror(-ret));
		return 1;
	}
	print_region("module range", l.module_range_base, l.module_range_size);
	print_region("data", l.data_pa, l.data_size);
	print_region("page tables", l.pt_pa, l.pt_size);
	print_region("stack", l.stack_pa, l.stack_size);
	print_region("code", l.code_pa, l.code_size);
	print_region("p-seamldr range", l.p_seamldr_range_base, P_SEAMLDR_RANGE_SIZE);
	printf("  %-18s %u VMCS at 0x%llx, sysinfo at 0x%llx\n", "per-LP:", l.nr_vmcs,
	       (unsigned long long)l.vmcs_pa, (unsigned long long)l.sysinfo_pa);
	printf("  %-18s tls 0x%llx, stack 0x%llx, keyhole 0x%llx bytes per LP\n", "",
	       (unsigned long long)l.tls_size, (unsigned long long)l.stack_per_lp,
	       (unsigned long long)l.keyhole_per_lp);
	printf("  %-18s global data 0x%llx, handoff 0x%llx bytes\n", "",
	       (unsigned long long)l.global_data_size, (unsigned long long)l.handoff_size);
	return 0;
}

static int module_info_run(const char *path, unsigned int lps, const char *vendor_key)
{
	struct tdxctl_blob_view view;
	struct emu_error err = { 0 };
	uint8_t *blob;
	size_t len;
	int failed;

	if (tdxctl_file_read(path, &blob, &len, &err))
		return cli_fail(MODULE_INFO, &err);
	if (tdxctl_blob_parse(blob, len, &view, &err)) {
		free(blob);
		return cli_fail(MODULE_INFO, &err);
	}
	printf("%-20s %s: %zu bytes, TDX-BLOB v%u, checksum ok\n", "blob:", path, len,
	       view.header->version);
	info_image(&view);
	info_sigstruct(view.sigstruct);
	failed = info_checks(&view, vendor_key);
	printf("%-20s %llu\n", "module pages:", (unsigned long long)view.nr_module_pages);
	failed += info_layout(&view, lps);
	free(blob);
	if (failed)
		fprintf(stderr, "%s: %s: %d check(s) failed\n", MODULE_INFO, path, failed);
	return failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int module_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lps", required_argument, NULL, 'l' },
		{ "vendor-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *vendor_key = NULL;
	uint64_t lps = INFO_DEFAULT_LPS;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":l:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (cli_parse_u64(MODULE_INFO, "--lps", optarg, 1, INFO_MAX_LPS, &lps))
				return CLI_EXIT_USAGE;
			break;
		case 'k':
			vendor_key = optarg;
			break;
		case 'h':
			module_info_help();
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(MODULE_INFO, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(MODULE_INFO, "expected one argument, BLOB");
	return module_info_run(argv[optind], (unsigned int)lps, vendor_key);
}

static const struct cli_cmd module_cmds[] = {
	{ "build", module_build, "build a TDX module image" },
	{ "sign", module_sign, "sign an image into a TDX-BLOB" },
	{ "info", module_info, "describe and check a TDX-BLOB" },
};

/* The "module" group: see cli.h. */
int cmd_module(int argc, char **argv)
{
	return cli_dispatch("tdxctl module", module_cmds,
			    sizeof(module_cmds) / sizeof(module_cmds[0]), argc, argv);
}
