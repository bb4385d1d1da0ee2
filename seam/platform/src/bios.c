/*
 * The emulated BIOS: programs the platform from its configuration, exactly
 * the way firmware would, through the same MSR writes.
 */
#include <errno.h>

#include <tdx/tdx_msr.h>

#include "bios.h"
#include "platform_internal.h"

static uint64_t bios_value(const struct bios_options *opt, unsigned int lp,
			   uint32_t msr, uint64_t honest)
{
	if (!opt)
		return honest;
	for (unsigned int i = 0; i < opt->nr_lies; i++) {
		const struct bios_lie *l = &opt->lies[i];

		if (l->msr == msr && (l->lp == lp || l->lp == BIOS_ALL_LPS))
			return l->value;
	}
	return honest;
}

static int bios_wrmsr(struct plat_lp *lp, const struct bios_options *opt,
		      uint32_t msr, uint64_t honest, struct emu_error *err)
{
	uint64_t v = bios_value(opt, lp->index, msr, honest);
	int ret = lp_wrmsr(lp, msr, v);

	if (ret)
		return emu_error_set(err, ret, "BIOS: WRMSR 0x%x <- 0x%llx on LP %u faulted (#GP)",
				     msr, (unsigned long long)v, lp->index);
	return 0;
}

/* An MTRR-style mask for a power-of-two range. */
static uint64_t range_mask(uint64_t size, unsigned int max_pa, unsigned int low_bit)
{
	return TDX_GENMASK(max_pa - 1, low_bit) & ~(size - 1);
}

int bios_run(struct platform *plat, const struct bios_options *opt,
	     struct emu_error *err)
{
	const struct platform_config *cfg = &plat->cfg;
	uint64_t tme = TME_ACTIVATE_LOCK | TME_ACTIVATE_ENABLE |
		       TDX_FIELD_PREP(TME_ACTIVATE_ALGORITHM, TME_ALGORITHM_AES_XTS_128) |
		       TDX_FIELD_PREP(TME_ACTIVATE_MK_TME_KEYID_BITS, cfg->keyid_bits) |
		       TDX_FIELD_PREP(TME_ACTIVATE_MK_TME_CRYPTO_ALGS, 1);
	uint64_t part = TDX_FIELD_PREP(KEYID_PART_NR_MKTME, cfg->nr_mktme_keyids) |
			TDX_FIELD_PREP(KEYID_PART_NR_TDX, cfg->nr_tdx_keyids);
	uint64_t seamrr_base = cfg->seamrr.base | SEAMRR_BASE_CONFIGURED;
	uint64_t seamrr_mask = range_mask(cfg->seamrr.size, cfg->max_pa, SEAMRR_ADDR_SHIFT) |
			       SEAMRR_MASK_ENABLED | SEAMRR_MASK_LOCKED;
	uint64_t smrr_base = cfg->smrr.base | 6;	/* write-back */
	uint64_t smrr_mask = (range_mask(cfg->smrr.size, 32, 12) & SMRR_ADDR_MASK) |
			     SMRR_MASK_VALID;
	int ret;

	for (unsigned int i = 0; i < plat->nr_lps; i++) {
		struct plat_lp *lp = &plat->lps[i];

		if (cfg->smrr.size) {
			ret = bios_wrmsr(lp, opt, MSR_IA32_SMRR_PHYSBASE, smrr_base, err);
			if (!ret)
				ret = bios_wrmsr(lp, opt, MSR_IA32_SMRR_PHYSMASK, smrr_mask, err);
			if (ret)
				return ret;
		}
		if (!opt || !opt->skip_tme) {
			ret = bios_wrmsr(lp, opt, MSR_IA32_MKTME_KEYID_PARTITIONING, part, err);
			if (!ret)
				ret = bios_wrmsr(lp, opt, MSR_IA32_TME_ACTIVATE, tme, err);
			if (ret)
				return ret;
		}
		if ((!opt || !opt->skip_seamrr) && cfg->seamrr_supported) {
			ret = bios_wrmsr(lp, opt, MSR_IA32_SEAMRR_PHYS_BASE, seamrr_base, err);
			if (!ret)
				ret = bios_wrmsr(lp, opt, MSR_IA32_SEAMRR_PHYS_MASK, seamrr_mask, err);
			if (ret)
				return ret;
		}
		lp_wrmsr(lp, MSR_IA32_BIOS_DONE, 1);
	}

	if (opt && opt->cmr)
		ret = platform_mc_set_cmrs(plat, opt->cmr, opt->nr_cmrs);
	else
		ret = platform_mc_set_cmrs(plat, cfg->cmr, cfg->nr_cmrs);
	if (ret)
		return emu_error_set(err, ret, "BIOS: memory controller refused the CMR list");
	return 0;
}
