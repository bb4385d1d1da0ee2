/*
 * tdxctl key generate|hash: the vendor signing key and the hash the
 * emulated CPU is fused with.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "tdxctl/tdxctl.h"

#define KEY_GENERATE	"tdxctl key generate"
#define KEY_HASH	"tdxctl key hash"

static int key_generate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct emu_error err = { 0 };
	bool force = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage: %s [--force] OUT.pem\n\n"
			       "Generate an RSA-3072 (e = 65537) vendor signing key as a PEM private\n"
			       "key, mode 0600.  An existing file is kept unless --force is given.\n",
			       KEY_GENERATE);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(KEY_GENERATE, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(KEY_GENERATE, "expected one argument, OUT.pem");
	if (tdxctl_key_generate(argv[optind], force, &err)) {
		cli_fail(KEY_GENERATE, &err);
		if (err.code == -EEXIST)
			fprintf(stderr, "%s: use --force to replace it\n", KEY_GENERATE);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int key_hash(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char hex[2 * TDXCTL_SHA384_BYTES + 2];
	uint8_t hash[TDXCTL_SHA384_BYTES];
	struct emu_error err = { 0 };
	const char *out = NULL;
	EVP_PKEY *pkey;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			printf("Usage: %s [--out FILE] KEY.pem\n\n"
			       "Print the vendor-key-hash of KEY.pem: SHA-384 of its 384-byte\n"
			       "little-endian modulus, as 96 hex digits.  This is the value to fuse\n"
			       "into the emulated CPU (platform option vendor-key-hash=...).\n"
			       "  -o, --out FILE   write the hash and a newline to FILE instead\n",
			       KEY_HASH);
			return CLI_EXIT_OK;
		default:
			return cli_bad_option(KEY_HASH, c, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(KEY_HASH, "expected one argument, KEY.pem");
	if (tdxctl_key_load(argv[optind], &pkey, &err))
		return cli_fail(KEY_HASH, &err);
	ret = tdxctl_key_hash(pkey, hash, &err);
	EVP_PKEY_free(pkey);
	if (ret)
		return cli_fail(KEY_HASH, &err);
	cli_hex(hash, sizeof(hash), hex);
	if (!out) {
		printf("%s\n", hex);
		return CLI_EXIT_OK;
	}
	strcat(hex, "\n");
	if (tdxctl_file_write(out, hex, strlen(hex), 0644, &err))
		return cli_fail(KEY_HASH, &err);
	return CLI_EXIT_OK;
}

static const struct cli_cmd key_cmds[] = {
	{ "generate", key_generate, "generate an RSA-3072 vendor signing key" },
	{ "hash", key_hash, "print the vendor-key-hash of a key" },
};

/* The "key" group: see cli.h. */
int cmd_key(int argc, char **argv)
{
	return cli_dispatch("tdxctl key", key_cmds, sizeof(key_cmds) / sizeof(key_cmds[0]),
			    argc, argv);
}
