/*
 * Per-LP MSRs on the SEAM path.  SEAMRR is core-scoped, so the BIOS must
 * program every LP alike; MCHECK checks that it did.  Lock bits behave as
 * on hardware: a write after lock is #GP (-EPERM here).
 */
#include <errno.h>

#include <tdx/tdx_msr.h>

#include "platform_internal.h"

void lp_msrs_reset(struct plat_lp *lp)
{
	const struct platform_config *cfg = &lp->plat->cfg;
	uint64_t max_keys = (1ULL << cfg->keyid_bits) - 1;
	struct lp_msrs *m = &lp->msr;

	*m = (struct lp_msrs){ 0 };
	m->mtrrcap = 10 | MTRRCAP_SMRR | (cfg->seamrr_supported ? MTRRCAP_SEAMRR : 0);
	m->tme_capability = TME_CAP_AES_XTS_128 |
			    TDX_FIELD_PREP(TME_CAP_MK_TME_MAX_KEYID_BITS, cfg->keyid_bits) |
			    TDX_FIELD_PREP(TME_CAP_MK_TME_MAX_KEYS, max_keys);
	m->sgx_debug_mode = cfg->debug_unlocked ? SGX_DEBUG_MODE_UNLOCKED : 0;
	m->core_thread_count = (uint64_t)lp->plat->nr_lps |
			       ((uint64_t)lp->plat->nr_lps << 16);
}

int lp_rdmsr(const struct plat_lp *lp, uint32_t msr, uint64_t *val)
{
	const struct lp_msrs *m = &lp->msr;
	bool seamrr = lp->plat->cfg.seamrr_supported;

	switch (msr) {
	case MSR_IA32_MTRRCAP: *val = m->mtrrcap; return 0;
	case MSR_IA32_SMRR_PHYSBASE: *val = m->smrr_base; return 0;
	case MSR_IA32_SMRR_PHYSMASK: *val = m->smrr_mask; return 0;
	case MSR_IA32_TME_CAPABILITY: *val = m->tme_capability; return 0;
	case MSR_IA32_TME_ACTIVATE: *val = m->tme_activate; return 0;
	case MSR_IA32_MKTME_KEYID_PARTITIONING: *val = m->keyid_partitioning; return 0;
	case MSR_IA32_SGX_DEBUG_MODE: *val = m->sgx_debug_mode; return 0;
	case MSR_IA32_BIOS_DONE: *val = m->bios_done; return 0;
	case MSR_IA32_CORE_THREAD_COUNT: *val = m->core_thread_count; return 0;
	case MSR_IA32_SEAMRR_PHYS_BASE:
		if (!seamrr)
			return -EINVAL;
		*val = m->seamrr_base;
		return 0;
	case MSR_IA32_SEAMRR_PHYS_MASK:
		if (!seamrr)
			return -EINVAL;
		*val = m->seamrr_mask;
		return 0;
	default:
		return -EINVAL;
	}
}

static uint64_t seamrr_addr_bits(const struct plat_lp *lp)
{
	return TDX_GENMASK(lp->plat->cfg.max_pa - 1, SEAMRR_ADDR_SHIFT);
}

int lp_wrmsr(struct plat_lp *lp, uint32_t msr, uint64_t val)
{
	struct lp_msrs *m = &lp->msr;
	uint64_t addr = seamrr_addr_bits(lp);
	uint64_t smrr_addr = SMRR_ADDR_MASK;

	switch (msr) {
	case MSR_IA32_SEAMRR_PHYS_BASE:
	case MSR_IA32_SEAMRR_PHYS_MASK:
		if (!lp->plat->cfg.seamrr_supported)
			return -EINVAL;
		if (m->seamrr_mask & SEAMRR_MASK_LOCKED)
			return -EPERM;
		if (msr == MSR_IA32_SEAMRR_PHYS_BASE) {
			if (val & ~(addr | SEAMRR_BASE_CONFIGURED))
				return -EINVAL;
			m->seamrr_base = val;
		} else {
			if (val & ~(addr | SEAMRR_MASK_LOCKED | SEAMRR_MASK_ENABLED))
				return -EINVAL;
			m->seamrr_mask = val;
		}
		return 0;
	case MSR_IA32_SMRR_PHYSBASE:
	case MSR_IA32_SMRR_PHYSMASK:
		if (m->smrr_mask & SMRR_MASK_LOCKED)
			return -EPERM;
		if (msr == MSR_IA32_SMRR_PHYSBASE) {
			if (val & ~(smrr_addr | 0xFFULL))
				return -EINVAL;
			m->smrr_base = val;
		} else {
			if (val & ~(smrr_addr | SMRR_MASK_VALID | SMRR_MASK_LOCKED))
				return -EINVAL;
			m->smrr_mask = val;
		}
		return 0;
	case MSR_IA32_TME_ACTIVATE:
		if (m->tme_activate & TME_ACTIVATE_LOCK)
			return -EPERM;
		m->tme_activate = val;
		return 0;
	case MSR_IA32_MKTME_KEYID_PARTITIONING:
		/*
		 * Read-only to the OS on hardware; the emulated BIOS sets it
		 * until it locks TME_ACTIVATE (tdx-emu's choice: the exact
		 * derivation from TME_ACTIVATE is not public).
		 */
		if (m->tme_activate & TME_ACTIVATE_LOCK)
			return -EPERM;
		m->keyid_partitioning = val;
		return 0;
	case MSR_IA32_BIOS_DONE:
		m->bios_done |= val & 1;
		return 0;
	default:
		return -EINVAL;
	}
}
