/*
 * GETSEC[ENTERACCS] and the NP-SEAMLDR ACM (reference tdx-abi.md 5.2).
 *
 * The CPU half checks the instruction's preconditions, copies the ACM
 * into authenticated-code RAM and authenticates it against the fused
 * vendor key hash; the ACM half (np_seamldr_main) verifies the P-SEAMLDR
 * image it carries, installs it into P_SEAMLDR_Range and makes it
 * SEAMCALL-able.
 *
 * tdx-emu's choices: the ACM signature is RSASSA-PKCS1-v1_5 with SHA-384
 * over the header bytes before KeySize followed by everything after the
 * header (the key, signature and scratch are excluded); NP-SEAMLDR runs
 * once per power cycle, a second launch answers EMODBUSY.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "loader_internal.h"
#include "pmem.h"

static int acm_authenticate(struct platform *plat, const uint8_t *acm, uint32_t size,
			    struct emu_error *err)
{
	const struct acm_header *h = (const void *)acm;
	uint8_t key_hash[48];
	struct seam_sig_part parts[] = {
		{ acm, ACM_HEADER_SIGNED_PREFIX },
		{ acm + sizeof(*h), size - sizeof(*h) },
	};

	if (h->module_type != ACM_MODULE_TYPE_CHIPSET)
		return emu_error_set(err, -EACCES, "ACM ModuleType %u, expected %u",
				     h->module_type, ACM_MODULE_TYPE_CHIPSET);
	if (h->header_version != ACM_HEADER_VERSION_3)
		return emu_error_set(err, -EACCES, "ACM HeaderVersion 0x%x, expected 0x%x",
				     h->header_version, ACM_HEADER_VERSION_3);
	if (h->header_len * 4ULL != sizeof(*h))
		return emu_error_set(err, -EACCES, "ACM HeaderLen %u dwords, expected %zu",
				     h->header_len, sizeof(*h) / 4);
	if (h->module_vendor != ACM_VENDOR_INTEL)
		return emu_error_set(err, -EACCES, "ACM ModuleVendor 0x%x, expected 0x%x",
				     h->module_vendor, ACM_VENDOR_INTEL);
	if (h->size * 4ULL != size)
		return emu_error_set(err, -EACCES, "ACM Size %u dwords, but ECX gave %u bytes",
				     h->size, size);
	if (h->key_size != ACM_KEY_SIZE_DWORDS || h->scratch_size != ACM_SCRATCH_SIZE_V3)
		return emu_error_set(err, -EACCES, "ACM KeySize %u / ScratchSize %u unsupported",
				     h->key_size, h->scratch_size);
	SHA384(h->rsa_pub_key, sizeof(h->rsa_pub_key), key_hash);
	if (memcmp(key_hash, platform_vendor_key_hash(plat), sizeof(key_hash)))
		return emu_error_set(err, -EACCES,
				     "ACM signing key is not the fused vendor key");
	if (seam_rsa3072_verify(h->rsa_pub_key, 0x10001, h->rsa_sig, parts, 2))
		return emu_error_set(err, -EACCES, "ACM signature does not verify");
	return 0;
}

static bool others_wait_for_sipi(struct platform *plat, struct plat_lp *self)
{
	for (unsigned int i = 0; i < platform_nr_lps(plat); i++) {
		struct plat_lp *lp = platform_lp(plat, i);

		if (lp != self && lp_run_state(lp) != LP_WAIT_FOR_SIPI)
			return false;
	}
	return true;
}

int getsec_enteraccs(struct seam_loader *ldr, struct plat_lp *lp, uint64_t acm_pa,
		     uint32_t acm_size, uint64_t *r9, struct emu_error *err)
{
	struct platform *plat = ldr->plat;
	uint8_t *acm;
	int ret;

	if (!lp_on_own_thread(lp))
		return emu_error_set(err, -EINVAL,
				     "GETSEC: must execute on LP %u's own thread", lp_index(lp));
	if (!lp_smxe(lp))
		return emu_error_set(err, -EINVAL, "GETSEC: #UD, CR4.SMXE is clear");
	if (lp_in_vmx_operation(lp))
		return emu_error_set(err, -EINVAL, "GETSEC[ENTERACCS]: #GP, LP is in VMX operation");
	if (lp_mode(lp) != LP_MODE_NORMAL)
		return emu_error_set(err, -EINVAL, "GETSEC[ENTERACCS]: #GP, already in ACM or SEAM mode");
	if (!others_wait_for_sipi(plat, lp))
		return emu_error_set(err, -EINVAL,
				     "GETSEC[ENTERACCS]: #GP, other LPs must wait for SIPI");
	if (!TDX_IS_ALIGNED(acm_pa, TDX_PAGE_SIZE) || acm_size % 64 ||
	    acm_size < sizeof(struct acm_header) || acm_pa + acm_size > (1ULL << 32))
		return emu_error_set(err, -EINVAL,
				     "GETSEC[ENTERACCS]: #GP, ACM at 0x%llx size 0x%x must be 4 KiB aligned, "
				     "a multiple of 64 bytes, hold a header and end below 4 GiB",
				     (unsigned long long)acm_pa, acm_size);

	/* Authenticated-code RAM: the ACM runs from the CPU's private copy. */
	acm = malloc(acm_size);
	if (!acm)
		return emu_error_set(err, -ENOMEM, "GETSEC[ENTERACCS]: no room for the ACM");
	ret = pmem_host_read(plat, acm_pa, acm, acm_size);
	if (ret) {
		free(acm);
		return emu_error_set(err, -EINVAL, "GETSEC[ENTERACCS]: #GP, ACM at 0x%llx unreadable (%d)",
				     (unsigned long long)acm_pa, ret);
	}
	ret = acm_authenticate(plat, acm, acm_size, err);
	if (ret) {
		free(acm);
		return ret;
	}
	lp_enter_acm(lp);
	*r9 = np_seamldr_main(ldr, lp, acm, acm_size);
	lp_exit_acm(lp);
	free(acm);
	return 0;
}

uint64_t np_seamldr_main(struct seam_loader *ldr, struct plat_lp *lp,
			 const uint8_t *acm, uint32_t acm_size)
{
	struct platform *plat = ldr->plat;
	const struct acm_header *h = (const void *)acm;
	const struct np_seamldr_manifest *m;
	const struct p_seamldr_image_header *ph;
	struct platform_range seamrr = platform_seamrr(plat);
	struct seamextend ext;
	struct p_seamldr *p;
	uint8_t hash[48];
	uint64_t range_base;

	if (!platform_seam_enabled(plat))
		return SEAMLDR_EUNSUPPORTED;
	if (ldr->pseamldr)
		return SEAMLDR_EMODBUSY;

	/* The manifest sits at the ACM's entry point. */
	if (h->entry_point < sizeof(*h) || h->entry_point > acm_size ||
	    acm_size - h->entry_point < sizeof(*m))
		return SEAMLDR_EBADPARAM;
	m = (const void *)(acm + h->entry_point);
	if (memcmp(m->magic, NP_SEAMLDR_MANIFEST_MAGIC, sizeof(m->magic)) ||
	    m->manifest_version != NP_SEAMLDR_MANIFEST_VERSION)
		return SEAMLDR_EBADPARAM;
	if (m->p_seamldr_offset > acm_size || m->p_seamldr_size > acm_size - m->p_seamldr_offset ||
	    m->p_seamldr_size < sizeof(*ph))
		return SEAMLDR_EBADPARAM;
	if (m->p_seamldr_size > P_SEAMLDR_IMAGE_MAX)
		return SEAMLDR_ENOMEM;
	SHA384(acm + m->p_seamldr_offset, m->p_seamldr_size, hash);
	if (memcmp(hash, m->p_seamldr_hash, sizeof(hash)))
		return SEAMLDR_EBADHASH;
	ph = (const void *)(acm + m->p_seamldr_offset);
	if (memcmp(ph->magic, P_SEAMLDR_IMAGE_MAGIC, sizeof(ph->magic)) ||
	    ph->header_version != P_SEAMLDR_IMAGE_VERSION)
		return SEAMLDR_EBADPARAM;

	p = calloc(1, sizeof(*p));
	if (p)
		p->lp_done = calloc(platform_nr_lps(plat), sizeof(bool));
	if (!p || !p->lp_done) {
		if (p)
			free(p);
		return SEAMLDR_ENOMEM;
	}
	range_base = seamrr.base + seamrr.size - P_SEAMLDR_RANGE_SIZE;
	if (pmem_seam_write(lp, range_base + P_SEAMLDR_IMAGE_OFF, acm + m->p_seamldr_offset,
			    m->p_seamldr_size)) {
		free(p->lp_done);
		free(p);
		return SEAMLDR_EUNSPECERR;
	}
	p->ldr = ldr;
	p->hdr = *ph;
	p->range_base = range_base;
	p->acm_x2apicid = lp_x2apic_id(lp);
	p->num_remaining_updates = ph->num_remaining_updates;
	p->state = INSTALL_IDLE;
	ldr->pseamldr = p;

	platform_set_pseamldr_entry(lp, p_seamldr_entry, p);
	platform_seamextend_read(plat, &ext);
	ext.p_seamldr_ready = 1;
	platform_seamextend_write(lp, &ext);
	return SEAMLDR_SUCCESS;
}
