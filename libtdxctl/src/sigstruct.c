/*
 * SEAM_SIGSTRUCT: the signed description of a TDX module that P-SEAMLDR
 * checks before installing it.  The signature covers bytes [0,128) and
 * [900,2048), i.e. everything except the modulus, exponent and signature.
 */
#include <errno.h>
#include <string.h>

#include "tdxctl/tdxctl.h"

void tdxctl_sign_opts_init(struct tdxctl_sign_opts *opts)
{
	static const uint32_t cpuids[] = TDXCTL_DEFAULT_CPUIDS;

	memset(opts, 0, sizeof(*opts));
	opts->seamsvn = SEAMSVN(1, 0);
	opts->rip_offset = 0x1000;
	opts->num_stack_pages = 3;
	opts->num_tls_pages = 0;
	opts->num_keyhole_pages = 127;
	opts->num_global_data_pages = 31;
	opts->max_tdmrs = 64;
	opts->max_rsvd_per_tdmr = 16;
	opts->pamt_entry_size_4k = 16;
	opts->pamt_entry_size_2m = 16;
	opts->pamt_entry_size_1g = 16;
	opts->nr_cpuids = TDX_ARRAY_SIZE(cpuids);
	memcpy(opts->cpuid, cpuids, sizeof(cpuids));
}

static int check_sign_opts(const struct tdxctl_sign_opts *opts, size_t len,
			   struct emu_error *err)
{
	unsigned int i;

	if (!len)
		return emu_error_set(err, -EINVAL, "image: empty");
	if (TDX_ALIGN_UP(len, TDX_PAGE_SIZE) / TDX_PAGE_SIZE > SEAMLDR_MAX_NR_MODULE_PAGES)
		return emu_error_set(err, -EINVAL, "image: %zu bytes is more than %u pages", len,
				     SEAMLDR_MAX_NR_MODULE_PAGES);
	if (opts->rip_offset >= len)
		return emu_error_set(err, -EINVAL,
				     "rip_offset: 0x%x is not inside the %zu-byte image",
				     opts->rip_offset, len);
	if (opts->nr_cpuids > SEAM_SIGSTRUCT_MAX_CPUID)
		return emu_error_set(err, -EINVAL, "cpuid: %u entries, at most %u",
				     opts->nr_cpuids, SEAM_SIGSTRUCT_MAX_CPUID);
	for (i = 0; i < opts->nr_cpuids; i++) {
		if (opts->cpuid[i] & ~SEAM_CPUID_FMS_MASK)
			return emu_error_set(err, -EINVAL,
					     "cpuid[%u]: 0x%x has bits outside 0x%08x (mask the stepping)",
					     i, opts->cpuid[i], SEAM_CPUID_FMS_MASK);
	}
	return 0;
}

int tdxctl_sigstruct_sign(EVP_PKEY *pkey, struct seam_sigstruct *sig, struct emu_error *err)
{
	const uint8_t *raw = (const uint8_t *)sig;
	struct seam_sig_part parts[] = {
		{ .data = raw, .len = SEAM_SIGSTRUCT_SIGNED_HEAD },
		{ .data = raw + SEAM_SIGSTRUCT_SIGNED_BODY_OFF,
		  .len = SEAM_SIGSTRUCT_SIZE - SEAM_SIGSTRUCT_SIGNED_BODY_OFF },
	};

	return tdxctl_rsa3072_sign_le(pkey, parts, TDX_ARRAY_SIZE(parts), sig->signature, err);
}

int tdxctl_sigstruct_build(EVP_PKEY *pkey, const void *image, size_t len,
			   const struct tdxctl_sign_opts *opts, struct seam_sigstruct *out,
			   struct emu_error *err)
{
	struct seam_sigstruct sig;
	int ret;

	ret = check_sign_opts(opts, len, err);
	if (ret)
		return ret;
	memset(&sig, 0, sizeof(sig));
	sig.header_type = SEAM_SIGSTRUCT_HEADER_TYPE;
	sig.header_length = SEAM_SIGSTRUCT_HEADER_LENGTH;
	sig.header_version = SEAM_SIGSTRUCT_HEADER_VERSION;
	sig.module_type = opts->debug ? SEAM_SIGSTRUCT_MODULE_DEBUG : 0;
	sig.module_vendor = SEAM_SIGSTRUCT_VENDOR_INTEL;
	sig.date = opts->date ? opts->date : tdxctl_bcd_date_today();
	sig.size = SEAM_SIGSTRUCT_SIZE_DWORDS;
	sig.key_size = SEAM_SIGSTRUCT_KEY_DWORDS;
	sig.modulus_size = SEAM_SIGSTRUCT_KEY_DWORDS;
	sig.exponent_size = 1;
	ret = tdxctl_key_modulus_le(pkey, sig.modulus, err);
	if (ret)
		return ret;
	sig.exponent = SEAM_SIGSTRUCT_EXPONENT;
	ret = tdxctl_seamhash(image, len, sig.seamhash, err);
	if (ret)
		return ret;
	sig.seamsvn = opts->seamsvn;
	sig.attributes = 0;
	sig.rip_offset = opts->rip_offset;
	sig.num_stack_pages = opts->num_stack_pages;
	sig.num_tls_pages = opts->num_tls_pages;
	sig.num_keyhole_pages = opts->num_keyhole_pages;
	sig.num_global_data_pages = opts->num_global_data_pages;
	sig.max_tdmrs = opts->max_tdmrs;
	sig.max_rsvd_per_tdmr = opts->max_rsvd_per_tdmr;
	sig.pamt_entry_size_4k = opts->pamt_entry_size_4k;
	sig.pamt_entry_size_2m = opts->pamt_entry_size_2m;
	sig.pamt_entry_size_1g = opts->pamt_entry_size_1g;
	sig.module_hv = opts->module_hv;
	sig.min_update_hv = opts->min_update_hv;
	sig.no_downgrade = opts->no_downgrade;
	sig.num_handoff_pages = opts->num_handoff_pages;
	sig.cpuid_table_size = opts->nr_cpuids;
	memcpy(sig.cpuid_table, opts->cpuid, opts->nr_cpuids * sizeof(opts->cpuid[0]));
	ret = tdxctl_sigstruct_sign(pkey, &sig, err);
	if (ret)
		return ret;
	*out = sig;
	return 0;
}
