/*
 * The measurement leaves (reference tdx-abi.md 2.2, 4.3, 7):
 * TDG.MR.RTMR.EXTEND, RTMR[i] = SHA-384(RTMR[i] || 48 bytes of the TD's
 * private memory), and TDG.MR.REPORT, which writes a MACed
 * TDREPORT_STRUCT (include/tdx/tdx_report.h) into the TD's memory.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <tdx/tdx_report.h>

#include "measure.h"
#include "platform.h"
#include "platform_seam.h"
#include "sept.h"
#include "tdcall.h"

enum tdcall_action tdg_mr_rtmr_extend(struct tdcall_ctx *c)
{
	uint64_t gpa = c->gpr[VCPU_RCX], idx = c->gpr[VCPU_RDX];
	struct sept_ref ref;
	uint8_t data[48];
	tdx_status_t st;

	/* RCX: a 64-byte aligned private GPA, mapped; RDX: RTMR 0..3. */
	if (!TDX_IS_ALIGNED(gpa, 64) || gpa >= td_shared_bit(c->td)) {
		c->gpr[VCPU_RAX] = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		return TDCALL_RESUME;
	}
	if (idx > 3) {
		c->gpr[VCPU_RAX] = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RDX);
		return TDCALL_RESUME;
	}
	st = sept_walk_leaf(c->mod, c->lp, c->td, gpa, &ref);
	if (st == TDX_SUCCESS && sept_state(ref.entry) != SEPT_MAPPED)
		st = TDX_EPT_ENTRY_STATE_INCORRECT;
	if (st != TDX_SUCCESS) {
		c->gpr[VCPU_RAX] = st == TDX_NON_RECOVERABLE_TD_CORRUPTED_MD ?
				   st : tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
		return TDCALL_RESUME;
	}
	st = td_private_read(c->mod, c->lp, c->td,
			     (ref.entry & SEPT_PA_MASK) + (gpa & (sept_level_size(ref.level) - 1)),
			     data, sizeof(data));
	if (st == TDX_SUCCESS && measure_rtmr_extend(c->td, (unsigned int)idx, data))
		st = TDX_SYS_BUSY;	/* no digest engine: nothing extended, try again */
	c->gpr[VCPU_RAX] = st;
	return TDCALL_RESUME;
}

/* TDINFO_STRUCT from the TDCS.  No service TD is ever bound: SERVTD_HASH stays 0. */
static void report_tdinfo(const struct td *td, struct tdinfo_struct *ti)
{
	ti->attributes = td->attributes;
	ti->xfam = td->xfam;
	memcpy(ti->mrtd, td->mrtd, sizeof(ti->mrtd));
	memcpy(ti->mrconfigid, td->mrconfigid, sizeof(ti->mrconfigid));
	memcpy(ti->mrowner, td->mrowner, sizeof(ti->mrowner));
	memcpy(ti->mrownerconfig, td->mrownerconfig, sizeof(ti->mrownerconfig));
	memcpy(ti->rtmr, td->rtmr, sizeof(ti->rtmr));
}

/*
 * TEE_TCB_INFO: what P-SEAMLDR measured into SEAMEXTEND when it installed
 * this module (mod->boot.seamextend).  TEE_TCB_SVN bytes 0/1 are the
 * module's minor/major SVN; the other bytes have no defined meaning here
 * and stay 0, as does TEE_TCB_SVN2.
 */
static void report_tee_tcb_info(const struct tdx_module *mod, struct tee_tcb_info *tcb)
{
	const struct seamextend *ext = &mod->boot.seamextend;

	tcb->valid = TDX_TEE_TCB_INFO_VALID;
	tcb->tee_tcb_svn[0] = ext->tee_tcb_svn[0];
	tcb->tee_tcb_svn[1] = ext->tee_tcb_svn[1];
	memcpy(tcb->mrseam, ext->mrseam, sizeof(tcb->mrseam));
	memcpy(tcb->mrsignerseam, ext->mrsigner, sizeof(tcb->mrsignerseam));
	tcb->attributes = ext->attributes;
}

static bool sha384(const void *data, size_t len, uint8_t out[TDX_SHA384_SIZE])
{
	unsigned int n = 0;

	return EVP_Digest(data, len, out, &n, EVP_sha384(), NULL) == 1 && n == TDX_SHA384_SIZE;
}

/*
 * What SEAMREPORT does on hardware: bind TEE_TCB_INFO and TDINFO into
 * REPORTMACSTRUCT by their hashes and MAC it with the platform's report
 * key.  TDX_SUCCESS, TDX_SEAMREPORT_NOT_AVAILABLE (no key) or
 * TDX_SYS_BUSY (no digest engine).
 */
static tdx_status_t report_seal(struct plat_lp *lp, const struct tdx_module *mod,
				struct tdreport_struct *rep)
{
	struct reportmacstruct *m = &rep->reportmacstruct;
	uint8_t key[PLATFORM_REPORT_KEY_SIZE];
	unsigned int mac_len = 0;
	bool ok;

	m->report_type = TDX_REPORTTYPE_TDX;
	m->report_subtype = TDX_REPORTSUBTYPE_TD;
	m->report_version = TDX_REPORTVERSION_NO_SERVTD;
	memcpy(m->cpusvn, platform_cpusvn(mod->plat), sizeof(m->cpusvn));
	if (!sha384(&rep->tee_tcb_info, sizeof(rep->tee_tcb_info), m->tee_tcb_info_hash) ||
	    !sha384(&rep->tdinfo, sizeof(rep->tdinfo), m->tee_info_hash))
		return TDX_SYS_BUSY;
	if (platform_report_key(lp, key))
		return TDX_SEAMREPORT_NOT_AVAILABLE;
	ok = HMAC(EVP_sha256(), key, sizeof(key), (const uint8_t *)m, TDX_REPORTMAC_MACED_BYTES,
		  m->mac, &mac_len) && mac_len == TDX_REPORT_MAC_SIZE;
	OPENSSL_cleanse(key, sizeof(key));
	return ok ? TDX_SUCCESS : TDX_SYS_BUSY;
}

enum tdcall_action tdg_mr_report(struct tdcall_ctx *c)
{
	uint64_t report_pa, data_pa;
	struct tdreport_struct rep;
	tdx_status_t st;

	/* TDG.MR.REPORT: RCX is a 1024-aligned private GPA, mapped. */
	st = tdg_private_operand(c, c->gpr[VCPU_RCX], TDX_REPORT_ALIGNMENT, TDX_OPERAND_ID_RCX,
				 &report_pa);
	/* RDX: the 64-byte REPORTDATA, 64-aligned, private, mapped. */
	if (st == TDX_SUCCESS)
		st = tdg_private_operand(c, c->gpr[VCPU_RDX], TDX_REPORTDATA_ALIGNMENT,
					 TDX_OPERAND_ID_RDX, &data_pa);
	/* R8: the report sub-type; only 0 (a TD report) exists. */
	if (st == TDX_SUCCESS && c->gpr[VCPU_R8] != TDX_REPORTSUBTYPE_TD)
		st = tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	if (st != TDX_SUCCESS)
		goto out;

	/* Build the whole report before writing any of it. */
	memset(&rep, 0, sizeof(rep));
	st = td_private_read(c->mod, c->lp, c->td, data_pa, rep.reportmacstruct.reportdata,
			     TDX_REPORTDATA_SIZE);
	if (st != TDX_SUCCESS)
		goto out;
	report_tdinfo(c->td, &rep.tdinfo);
	report_tee_tcb_info(c->mod, &rep.tee_tcb_info);
	st = report_seal(c->lp, c->mod, &rep);
	if (st != TDX_SUCCESS)
		goto out;

	/* Commit: only losing the TD's memory can fail below. */
	st = tdg_private_write(c, report_pa, &rep, sizeof(rep));
out:
	c->gpr[VCPU_RAX] = st;
	return TDCALL_RESUME;
}
