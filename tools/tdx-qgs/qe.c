/*
 * The emulated TD quoting enclave (qe.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "platform.h"
#include "platform_seam.h"
#include "platform_state.h"
#include "qe.h"

struct qe {
	struct qgs_pki *pki;
	uint8_t secret[32];
	uint8_t cpusvn[16];
	uint8_t att_pub[64];
};

int qe_open(const char *state_dir, struct qe **out, struct emu_error *err)
{
	struct platform_config cfg;
	struct qe *qe = calloc(1, sizeof(*qe));
	int ret;

	*out = NULL;
	if (!qe)
		return emu_error_set(err, -ENOMEM, "qe: out of memory");
	platform_config_defaults(&cfg);
	memcpy(qe->cpusvn, cfg.cpusvn, sizeof(qe->cpusvn));
	ret = platform_state_load_or_create(state_dir, qe->secret, err);
	if (!ret)
		ret = pki_load_or_create(state_dir, qe->cpusvn, &qe->pki, err);
	if (!ret && pki_ecdsa_pub(qe->pki->att_key, qe->att_pub))
		ret = emu_error_set(err, -EINVAL, "qe: the attestation key is not P-256");
	if (ret) {
		qe_close(qe);
		return ret;
	}
	*out = qe;
	return 0;
}

void qe_close(struct qe *qe)
{
	if (!qe)
		return;
	pki_free(qe->pki);
	OPENSSL_cleanse(qe->secret, sizeof(qe->secret));
	free(qe);
}

const struct qgs_pki *qe_pki(const struct qe *qe)
{
	return qe->pki;
}

static int sha384_equal(const void *data, size_t len, const uint8_t want[48], bool *equal)
{
	uint8_t md[48];
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, EVP_sha384(), NULL) != 1 || n != 48)
		return -EIO;
	*equal = !CRYPTO_memcmp(md, want, 48);
	return 0;
}

int qe_verify_report(const struct qe *qe, const void *report, size_t len,
		     struct emu_error *err)
{
	const struct tdreport_struct *rep = report;
	const struct reportmacstruct *m = &rep->reportmacstruct;
	uint8_t key[PLATFORM_REPORT_KEY_SIZE], mac[32];
	unsigned int mac_len = 0;
	bool equal = false;

	if (len != sizeof(*rep))
		return emu_error_set(err, -EINVAL, "report: %zu bytes, a TDREPORT has %zu", len,
				     sizeof(*rep));
	if (m->report_type != TDX_REPORTTYPE_TDX || m->report_subtype != TDX_REPORTSUBTYPE_TD)
		return emu_error_set(err, -EINVAL,
				     "report: REPORTTYPE %02x/%02x is not a TD report (81/00)",
				     m->report_type, m->report_subtype);
	if (m->report_version > TDX_REPORTVERSION_SERVTD)
		return emu_error_set(err, -EINVAL, "report: REPORTTYPE.VERSION %u unknown",
				     m->report_version);
	if (memcmp(m->cpusvn, qe->cpusvn, sizeof(qe->cpusvn)))
		return emu_error_set(err, -EINVAL,
				     "report: CPUSVN is not this platform's (made before a CPUSVN change, or elsewhere)");
	if (sha384_equal(&rep->tee_tcb_info, sizeof(rep->tee_tcb_info), m->tee_tcb_info_hash,
			 &equal))
		return emu_error_set(err, -EIO, "report: SHA-384 failed");
	if (!equal)
		return emu_error_set(err, -EINVAL,
				     "report: TEE_TCB_INFO_HASH does not match TEE_TCB_INFO");
	if (sha384_equal(&rep->tdinfo, sizeof(rep->tdinfo), m->tee_info_hash, &equal))
		return emu_error_set(err, -EIO, "report: SHA-384 failed");
	if (!equal)
		return emu_error_set(err, -EINVAL, "report: TEE_INFO_HASH does not match TDINFO");
	if (platform_report_key_derive(qe->secret, m->cpusvn, key))
		return emu_error_set(err, -EIO, "report: report key derivation failed");
	if (!HMAC(EVP_sha256(), key, sizeof(key), (const uint8_t *)m, TDX_REPORTMAC_MACED_BYTES,
		  mac, &mac_len) || mac_len != sizeof(mac)) {
		OPENSSL_cleanse(key, sizeof(key));
		return emu_error_set(err, -EIO, "report: HMAC failed");
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (CRYPTO_memcmp(mac, m->mac, sizeof(mac)))
		return emu_error_set(err, -EINVAL,
				     "report: MAC does not verify with this platform's report key");
	return 0;
}

static void body_from_report(const struct tdreport_struct *rep, struct tdx_quote_body *b)
{
	const struct tee_tcb_info *tcb = &rep->tee_tcb_info;
	const struct tdinfo_struct *ti = &rep->tdinfo;

	memcpy(b->tee_tcb_svn, tcb->tee_tcb_svn, sizeof(b->tee_tcb_svn));
	memcpy(b->mrseam, tcb->mrseam, sizeof(b->mrseam));
	memcpy(b->mrsignerseam, tcb->mrsignerseam, sizeof(b->mrsignerseam));
	b->seam_attributes = tcb->attributes;
	b->td_attributes = ti->attributes;
	b->xfam = ti->xfam;
	memcpy(b->mrtd, ti->mrtd, sizeof(b->mrtd));
	memcpy(b->mrconfigid, ti->mrconfigid, sizeof(b->mrconfigid));
	memcpy(b->mrowner, ti->mrowner, sizeof(b->mrowner));
	memcpy(b->mrownerconfig, ti->mrownerconfig, sizeof(b->mrownerconfig));
	memcpy(b->rtmr, ti->rtmr, sizeof(b->rtmr));
	memcpy(b->reportdata, rep->reportmacstruct.reportdata, sizeof(b->reportdata));
}

/* The QE's own SGX REPORT, binding the attestation key and auth data. */
static int qe_report(const struct qe *qe, const uint8_t *auth, size_t auth_len,
		     struct sgx_report_body *r)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok;

	memset(r, 0, sizeof(*r));
	memcpy(r->cpusvn, qe->cpusvn, sizeof(r->cpusvn));
	r->attributes[0] = 0x15;	/* INIT | MODE64BIT | PROVISIONKEY */
	r->attributes[8] = 0xe7;	/* XFRM: x87, SSE, AVX, AVX-512 state */
	pki_qe_mrenclave(r->mr_enclave);
	pki_qe_mrsigner(r->mr_signer);
	r->isv_prod_id = PKI_QE_ISVPRODID;
	r->isv_svn = PKI_QE_ISVSVN;
	ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(md, qe->att_pub, sizeof(qe->att_pub)) == 1 &&
	     EVP_DigestUpdate(md, auth, auth_len) == 1 &&
	     EVP_DigestFinal_ex(md, r->report_data, &n) == 1 && n == 32;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -EIO;
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int qe_quote(const struct qe *qe, const void *report, size_t len, uint8_t **out,
	     size_t *out_len, struct emu_error *err)
{
	static const uint8_t vendor[16] = TDX_QUOTE_QE_VENDOR_ID_INTEL;
	const struct qgs_pki *pki = qe->pki;
	uint8_t auth[QE_AUTH_DATA_SIZE], qeid[32];
	struct tdx_quote_v4 *q;
	size_t total, tail;
	unsigned int n = 0;
	uint8_t *buf, *p;
	int ret;

	*out = NULL;
	ret = qe_verify_report(qe, report, len, err);
	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(auth); i++)
		auth[i] = (uint8_t)i;
	/* After the fixed part: auth data, u16 type 5, u32 size, the PEM chain. */
	tail = sizeof(auth) + 2 + 4 + pki->pck_chain_len;
	total = sizeof(*q) + tail;
	buf = calloc(1, total);
	if (!buf)
		return emu_error_set(err, -ENOMEM, "quote: out of memory");
	q = (struct tdx_quote_v4 *)buf;

	q->header.version = TDX_QUOTE_VERSION_4;
	q->header.att_key_type = TDX_QUOTE_ATT_KEY_ECDSA_P256;
	q->header.tee_type = TDX_QUOTE_TEE_TYPE_TDX;
	memcpy(q->header.qe_vendor_id, vendor, sizeof(vendor));
	/* User data: a QE id, the first 16 bytes of SHA-256(attestation key). */
	EVP_Digest(qe->att_pub, sizeof(qe->att_pub), qeid, &n, EVP_sha256(), NULL);
	memcpy(q->header.user_data, qeid, 16);
	body_from_report(report, &q->body);
	q->signature_data_len = (uint32_t)(sizeof(q->sig) + tail);

	memcpy(q->sig.attestation_key, qe->att_pub, sizeof(qe->att_pub));
	q->sig.cert_data_type = TDX_QUOTE_CERT_TYPE_QE_REPORT;
	q->sig.cert_data_size = (uint32_t)(sizeof(q->sig.qe_report) +
					   sizeof(q->sig.qe_report_signature) + 2 + tail);
	q->sig.qe_auth_data_size = sizeof(auth);
	p = buf + sizeof(*q);
	memcpy(p, auth, sizeof(auth));
	p += sizeof(auth);
	put_u16(p, TDX_QUOTE_CERT_TYPE_PCK_CHAIN);
	put_u32(p + 2, (uint32_t)pki->pck_chain_len);
	memcpy(p + 6, pki->pck_chain_pem, pki->pck_chain_len);

	if (qe_report(qe, auth, sizeof(auth), &q->sig.qe_report) ||
	    pki_ecdsa_sign(pki->pck_key, &q->sig.qe_report, sizeof(q->sig.qe_report),
			   q->sig.qe_report_signature) ||
	    pki_ecdsa_sign(pki->att_key, buf, TDX_QUOTE_SIGNED_BYTES, q->sig.signature)) {
		free(buf);
		return emu_error_set(err, -EIO, "quote: signing failed");
	}
	*out = buf;
	*out_len = total;
	return 0;
}
