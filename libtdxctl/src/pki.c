/*
 * `tdxctl pki export`: the platform PKI's public half -- the root CA a
 * verifier trusts and the collateral it checks quotes with (attest.h).
 * The PKI itself lives with the platform (tools/tdx-qgs/pki.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pki.h"
#include "platform.h"
#include "tdxctl/attest.h"
#include "tdxctl/tdxctl.h"

int tdxctl_pki_export(const char *state_dir, const char *out_dir, struct emu_error *err)
{
	static const char *const files[] = {
		TDXCTL_PKI_ROOT_CA, TDXCTL_PKI_ROOT_CRL, TDXCTL_PKI_PCK_CRL, TDXCTL_PKI_TCB_INFO,
		TDXCTL_PKI_QE_IDENTITY, TDXCTL_PKI_TCB_CHAIN, TDXCTL_PKI_PCK_CRL_CHAIN,
	};
	struct platform_config cfg;
	struct qgs_pki *pki;
	char src[8192], dst[8192];
	int ret;

	platform_config_defaults(&cfg);
	ret = pki_load_or_create(state_dir, cfg.cpusvn, &pki, err);
	if (ret)
		return ret;
	if (mkdir(out_dir, 0755) && errno != EEXIST) {
		ret = emu_error_set(err, -errno, "%s: %s", out_dir, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		uint8_t *buf;
		size_t len;

		snprintf(src, sizeof(src), "%s/%s", pki->dir, files[i]);
		if ((size_t)snprintf(dst, sizeof(dst), "%s/%s", out_dir, files[i]) >= sizeof(dst)) {
			ret = emu_error_set(err, -ENAMETOOLONG, "%s: path too long", out_dir);
			goto out;
		}
		ret = tdxctl_file_read(src, &buf, &len, err);
		if (ret)
			goto out;
		ret = tdxctl_file_write(dst, buf, len, 0644, err);
		free(buf);
		if (ret)
			goto out;
	}
out:
	pki_free(pki);
	return ret;
}
