/*
 * DCAP v4 TDX quote parsing and printing (attest.h, attestation.md 1).
 * The quote is untrusted input: every nested size is checked against
 * what remains before anything behind it is read.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "attest_util.h"
#include "tdxctl/attest.h"

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int tdxctl_quote_parse(const uint8_t *buf, size_t len, struct tdxctl_quote *q,
		       struct emu_error *err)
{
	static const uint8_t intel[16] = TDX_QUOTE_QE_VENDOR_ID_INTEL;
	const struct tdx_quote_header *h = (const void *)buf;
	size_t fixed = sizeof(struct tdx_quote_v4), end, off;
	uint32_t sig_len, cert_size, inner_size;

	memset(q, 0, sizeof(*q));
	if (len < sizeof(*h))
		return emu_error_set(err, -EINVAL, "quote: %zu bytes, shorter than a header", len);
	if (h->version != TDX_QUOTE_VERSION_4)
		return emu_error_set(err, -EINVAL, "quote header: version %u, expected 4",
				     h->version);
	if (h->att_key_type != TDX_QUOTE_ATT_KEY_ECDSA_P256)
		return emu_error_set(err, -EINVAL,
				     "quote header: attestation key type %u, expected 2 (ECDSA-P256)",
				     h->att_key_type);
	if (h->tee_type != TDX_QUOTE_TEE_TYPE_TDX)
		return emu_error_set(err, -EINVAL, "quote header: TEE type 0x%x, expected 0x81 (TDX)",
				     h->tee_type);
	if (memcmp(h->qe_vendor_id, intel, sizeof(intel)))
		return emu_error_set(err, -EINVAL, "quote header: QE vendor id is not Intel's");
	if (len < fixed)
		return emu_error_set(err, -EINVAL,
				     "quote: %zu bytes, shorter than header, body and signature data (%zu)",
				     len, fixed);
	sig_len = get_u32(buf + TDX_QUOTE_SIGNED_BYTES);
	end = TDX_QUOTE_SIGNED_BYTES + 4 + (size_t)sig_len;
	if (end > len || sig_len < sizeof(struct tdx_quote_sig_data))
		return emu_error_set(err, -EINVAL,
				     "quote signature data: signature_data_len %u does not fit %zu bytes",
				     sig_len, len);
	q->header = h;
	q->body = (const void *)(buf + sizeof(*h));
	q->sig = (const void *)(buf + TDX_QUOTE_SIGNED_BYTES + 4);
	q->declared_size = end;
	if (q->sig->cert_data_type != TDX_QUOTE_CERT_TYPE_QE_REPORT)
		return emu_error_set(err, -EINVAL,
				     "quote certification data: type %u, expected 6 (QE report)",
				     q->sig->cert_data_type);
	cert_size = q->sig->cert_data_size;
	/* cert data starts at the QE report: 636 + 134 */
	off = TDX_QUOTE_SIGNED_BYTES + 4 + __builtin_offsetof(struct tdx_quote_sig_data, qe_report);
	if (off + (size_t)cert_size != end)
		return emu_error_set(err, -EINVAL,
				     "quote certification data: size %u disagrees with signature_data_len %u",
				     cert_size, sig_len);
	q->qe_auth_data_size = q->sig->qe_auth_data_size;
	off = fixed;
	if (q->qe_auth_data_size > end - off || end - off - q->qe_auth_data_size < 6)
		return emu_error_set(err, -EINVAL,
				     "quote QE auth data: size %zu does not fit the certification data",
				     q->qe_auth_data_size);
	q->qe_auth_data = buf + off;
	off += q->qe_auth_data_size;
	q->inner_cert_type = get_u16(buf + off);
	inner_size = get_u32(buf + off + 2);
	off += 6;
	if (q->inner_cert_type != TDX_QUOTE_CERT_TYPE_PCK_CHAIN)
		return emu_error_set(err, -EINVAL,
				     "quote PCK certification data: type %u, expected 5 (PEM chain)",
				     q->inner_cert_type);
	if ((size_t)inner_size != end - off)
		return emu_error_set(err, -EINVAL,
				     "quote PCK certification data: size %u, %zu bytes remain",
				     inner_size, end - off);
	q->pck_chain = (const char *)(buf + off);
	q->pck_chain_size = inner_size;
	return 0;
}

static void print_hex_line(FILE *out, const char *name, const uint8_t *p, size_t n)
{
	char hex[2 * 512 + 1];

	attest_hex(p, n, hex);
	fprintf(out, "  %-22s %s\n", name, hex);
}

int tdxctl_quote_print(FILE *out, const uint8_t *buf, size_t len, bool json,
		       struct emu_error *err)
{
	static const char *const rtmr[4] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	struct tdxctl_quote q;
	const struct tdx_quote_body *b;
	const struct sgx_report_body *r;
	int ret = tdxctl_quote_parse(buf, len, &q, err);

	if (ret)
		return ret;
	b = q.body;
	r = &q.sig->qe_report;
	if (json) {
		json_object *o = json_object_new_object(), *h = json_object_new_object();
		json_object *jb = json_object_new_object(), *s = json_object_new_object();
		json_object *qr = json_object_new_object();

		json_object_object_add(h, "version", json_object_new_int(q.header->version));
		json_object_object_add(h, "att_key_type",
				       json_object_new_int(q.header->att_key_type));
		json_object_object_add(h, "tee_type", json_object_new_int64(q.header->tee_type));
		json_object_object_add(h, "qe_vendor_id", attest_json_hex(q.header->qe_vendor_id, 16));
		json_object_object_add(h, "user_data", attest_json_hex(q.header->user_data, 20));
		json_object_object_add(o, "header", h);
		json_object_object_add(jb, "tee_tcb_svn", attest_json_hex(b->tee_tcb_svn, 16));
		json_object_object_add(jb, "mrseam", attest_json_hex(b->mrseam, 48));
		json_object_object_add(jb, "mrsignerseam", attest_json_hex(b->mrsignerseam, 48));
		json_object_object_add(jb, "seam_attributes",
				       attest_json_hex((const uint8_t *)&b->seam_attributes, 8));
		json_object_object_add(jb, "td_attributes",
				       attest_json_hex((const uint8_t *)&b->td_attributes, 8));
		json_object_object_add(jb, "xfam", attest_json_hex((const uint8_t *)&b->xfam, 8));
		json_object_object_add(jb, "mrtd", attest_json_hex(b->mrtd, 48));
		json_object_object_add(jb, "mrconfigid", attest_json_hex(b->mrconfigid, 48));
		json_object_object_add(jb, "mrowner", attest_json_hex(b->mrowner, 48));
		json_object_object_add(jb, "mrownerconfig", attest_json_hex(b->mrownerconfig, 48));
		for (int i = 0; i < 4; i++)
			json_object_object_add(jb, rtmr[i], attest_json_hex(b->rtmr[i], 48));
		json_object_object_add(jb, "report_data", attest_json_hex(b->reportdata, 64));
		json_object_object_add(o, "td_quote_body", jb);
		json_object_object_add(s, "signature_data_len",
				       json_object_new_int64((int64_t)q.declared_size - 636));
		json_object_object_add(s, "signature", attest_json_hex(q.sig->signature, 64));
		json_object_object_add(s, "attestation_key",
				       attest_json_hex(q.sig->attestation_key, 64));
		json_object_object_add(s, "cert_data_type",
				       json_object_new_int(q.sig->cert_data_type));
		json_object_object_add(qr, "cpusvn", attest_json_hex(r->cpusvn, 16));
		json_object_object_add(qr, "miscselect", json_object_new_int64(r->miscselect));
		json_object_object_add(qr, "attributes", attest_json_hex(r->attributes, 16));
		json_object_object_add(qr, "mrenclave", attest_json_hex(r->mr_enclave, 32));
		json_object_object_add(qr, "mrsigner", attest_json_hex(r->mr_signer, 32));
		json_object_object_add(qr, "isvprodid", json_object_new_int(r->isv_prod_id));
		json_object_object_add(qr, "isvsvn", json_object_new_int(r->isv_svn));
		json_object_object_add(qr, "report_data", attest_json_hex(r->report_data, 64));
		json_object_object_add(s, "qe_report", qr);
		json_object_object_add(s, "qe_report_signature",
				       attest_json_hex(q.sig->qe_report_signature, 64));
		json_object_object_add(s, "qe_auth_data",
				       attest_json_hex(q.qe_auth_data, q.qe_auth_data_size));
		json_object_object_add(s, "pck_cert_chain",
				       json_object_new_string_len(q.pck_chain, (int)q.pck_chain_size));
		json_object_object_add(o, "signature_data", s);
		fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return 0;
	}
	fprintf(out, "TDX quote v%u (%zu bytes, %zu declared)\n", q.header->version, len,
		q.declared_size);
	fprintf(out, "header:\n  %-22s %u (ECDSA-P256)\n  %-22s 0x%x (TDX)\n", "att_key_type",
		q.header->att_key_type, "tee_type", q.header->tee_type);
	print_hex_line(out, "qe_vendor_id", q.header->qe_vendor_id, 16);
	print_hex_line(out, "user_data", q.header->user_data, 20);
	fprintf(out, "td quote body:\n");
	print_hex_line(out, "tee_tcb_svn", b->tee_tcb_svn, 16);
	print_hex_line(out, "mrseam", b->mrseam, 48);
	print_hex_line(out, "mrsignerseam", b->mrsignerseam, 48);
	fprintf(out, "  %-22s 0x%016" PRIx64 "\n", "seam_attributes", b->seam_attributes);
	fprintf(out, "  %-22s 0x%016" PRIx64 "%s%s\n", "td_attributes", b->td_attributes,
		b->td_attributes & 1 ? " DEBUG" : "",
		b->td_attributes & (1ULL << 28) ? " SEPT_VE_DISABLE" : "");
	fprintf(out, "  %-22s 0x%016" PRIx64 "\n", "xfam", b->xfam);
	print_hex_line(out, "mrtd", b->mrtd, 48);
	print_hex_line(out, "mrconfigid", b->mrconfigid, 48);
	print_hex_line(out, "mrowner", b->mrowner, 48);
	print_hex_line(out, "mrownerconfig", b->mrownerconfig, 48);
	for (int i = 0; i < 4; i++)
		print_hex_line(out, rtmr[i], b->rtmr[i], 48);
	print_hex_line(out, "report_data", b->reportdata, 64);
	fprintf(out, "signature data (%zu bytes):\n", q.declared_size - 636);
	print_hex_line(out, "signature", q.sig->signature, 64);
	print_hex_line(out, "attestation_key", q.sig->attestation_key, 64);
	fprintf(out, "  %-22s %u (QE report)\n", "cert_data_type", q.sig->cert_data_type);
	print_hex_line(out, "qe_report.cpusvn", r->cpusvn, 16);
	print_hex_line(out, "qe_report.mrenclave", r->mr_enclave, 32);
	print_hex_line(out, "qe_report.mrsigner", r->mr_signer, 32);
	fprintf(out, "  %-22s %u\n  %-22s %u\n", "qe_report.isvprodid", r->isv_prod_id,
		"qe_report.isvsvn", r->isv_svn);
	print_hex_line(out, "qe_report.report_data", r->report_data, 64);
	print_hex_line(out, "qe_report_signature", q.sig->qe_report_signature, 64);
	print_hex_line(out, "qe_auth_data", q.qe_auth_data, q.qe_auth_data_size);
	fprintf(out, "  %-22s %u (PCK chain, %zu bytes PEM)\n", "inner_cert_type",
		q.inner_cert_type, q.pck_chain_size);
	return 0;
}
