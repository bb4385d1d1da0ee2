/*
 * Platform configuration: the defaults of a small TDX-capable server and
 * "key=value" overrides from the command line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "platform_state.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

void platform_config_defaults(struct platform_config *cfg)
{
	static const uint8_t default_cpusvn[16] = { 0x07, 0x01, 0x03, 0x03, 0xff, 0xff };

	memset(cfg, 0, sizeof(*cfg));
	cfg->dram_size = 8 * GiB;
	cfg->nr_packages = 1;
	cfg->lps_per_package = 2;
	cfg->max_pa = 46;
	cfg->keyid_bits = 6;
	cfg->nr_mktme_keyids = 31;
	cfg->nr_tdx_keyids = 32;
	/* SEAMRR at the top of DRAM, outside every CMR. */
	cfg->seamrr.size = 128 * MiB;
	cfg->seamrr.base = cfg->dram_size - cfg->seamrr.size;
	/* SMRR (TSEG) just below the 2 GiB MMIO hole. */
	cfg->smrr.size = 8 * MiB;
	cfg->smrr.base = 2 * GiB - cfg->smrr.size;
	cfg->nr_cmrs = 2;
	cfg->cmr[0] = (struct platform_range){ 0, cfg->smrr.base };
	cfg->cmr[1] = (struct platform_range){ 4 * GiB, cfg->seamrr.base - 4 * GiB };
	cfg->cpuid_fms = 0x000806F8;	/* family 6, model 0x8F, stepping 8 */
	memcpy(cfg->cpusvn, default_cpusvn, sizeof(cfg->cpusvn));
	cfg->seamrr_supported = true;
	cfg->debug_unlocked = false;
}

/* Parse a number with an optional K/M/G/T suffix. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	/* strtoull would skip blanks and accept a sign: demand a digit. */
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: break;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (~0ULL >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	uint64_t v;

	if (parse_size(s, &v) || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_hex48(const char *s, uint8_t out[48])
{
	uint8_t tmp[48];

	if (strlen(s) != 96)
		return -EINVAL;
	for (int i = 0; i < 48; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(out, tmp, sizeof(tmp));
	return 0;
}

static int parse_cmrs(const char *s, struct platform_config *cfg)
{
	struct platform_range cmr[PLATFORM_MAX_CMRS];
	char buf[1024];
	char *save = NULL;
	unsigned int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *plus = strchr(tok, '+');

		if (!plus || n >= PLATFORM_MAX_CMRS)
			return -EINVAL;
		*plus = '\0';
		if (parse_size(tok, &cmr[n].base) || parse_size(plus + 1, &cmr[n].size))
			return -EINVAL;
		n++;
	}
	/* Only a list that parsed whole replaces the configured one. */
	memcpy(cfg->cmr, cmr, n * sizeof(cmr[0]));
	cfg->nr_cmrs = n;
	return 0;
}

int platform_config_set(struct platform_config *cfg, const char *kv,
			struct emu_error *err)
{
	char key[64];
	const char *eq = strchr(kv, '=');
	const char *val;
	size_t klen;
	unsigned int u;
	int ret = 0;

	if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key))
		return emu_error_set(err, -EINVAL,
				     "platform option '%s': expected key=value", kv);
	klen = (size_t)(eq - kv);
	memcpy(key, kv, klen);
	key[klen] = '\0';
	val = eq + 1;

	if (!strcmp(key, "dram"))
		ret = parse_size(val, &cfg->dram_size);
	else if (!strcmp(key, "packages"))
		ret = parse_uint(val, PLATFORM_MAX_PACKAGES, &cfg->nr_packages);
	else if (!strcmp(key, "lps-per-package"))
		ret = parse_uint(val, PLATFORM_MAX_LPS, &cfg->lps_per_package);
	else if (!strcmp(key, "lps")) {
		ret = parse_uint(val, PLATFORM_MAX_LPS, &u);
		if (!ret && (u == 0 || cfg->nr_packages == 0 || u % cfg->nr_packages))
			return emu_error_set(err, -EINVAL,
					     "platform option lps=%s: must be a positive multiple of packages=%u",
					     val, cfg->nr_packages);
		if (!ret)
			cfg->lps_per_package = u / cfg->nr_packages;
	} else if (!strcmp(key, "max-pa"))
		ret = parse_uint(val, 52, &cfg->max_pa);
	else if (!strcmp(key, "keyid-bits"))
		ret = parse_uint(val, 15, &cfg->keyid_bits);
	else if (!strcmp(key, "mktme-keyids"))
		ret = parse_uint(val, 32767, &cfg->nr_mktme_keyids);
	else if (!strcmp(key, "tdx-keyids"))
		ret = parse_uint(val, 32767, &cfg->nr_tdx_keyids);
	else if (!strcmp(key, "seamrr-base"))
		ret = parse_size(val, &cfg->seamrr.base);
	else if (!strcmp(key, "seamrr-size"))
		ret = parse_size(val, &cfg->seamrr.size);
	else if (!strcmp(key, "smrr-base"))
		ret = parse_size(val, &cfg->smrr.base);
	else if (!strcmp(key, "smrr-size"))
		ret = parse_size(val, &cfg->smrr.size);
	else if (!strcmp(key, "cmr"))
		ret = parse_cmrs(val, cfg);
	else if (!strcmp(key, "cpuid-fms")) {
		uint64_t v;

		ret = parse_size(val, &v);
		if (!ret && v > 0xFFFFFFFFULL)
			ret = -EINVAL;
		if (!ret)
			cfg->cpuid_fms = (uint32_t)v;
	} else if (!strcmp(key, "state-dir")) {
		ret = platform_state_load_or_create(val, cfg->root_secret, err);
		if (ret)
			return ret;
		cfg->root_secret_set = true;
	} else if (!strcmp(key, "vendor-key-hash"))
		ret = parse_hex48(val, cfg->vendor_key_hash);
	else if (!strcmp(key, "debug-unlocked") || !strcmp(key, "seamrr")) {
		ret = parse_uint(val, 1, &u);
		if (!ret && key[0] == 'd')
			cfg->debug_unlocked = u;
		else if (!ret)
			cfg->seamrr_supported = u;
	} else if (!strcmp(key, "tdcall-ud")) {
		ret = parse_uint(val, 1, &u);
		if (!ret)
			cfg->tdcall_ud = u;
	} else
		return emu_error_set(err, -EINVAL, "unknown platform option '%s'", key);

	if (ret)
		return emu_error_set(err, -EINVAL, "platform option %s: invalid value '%s'",
				     key, val);
	return 0;
}
