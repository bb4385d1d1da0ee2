/*
 * DCAP v4 TDX quote verification (attest.h), written from
 * reference/attestation.md 1.5-1.8 and the checks DCAP verifiers make.
 * Each step fills @err with "<what>: <why>" and stops at the first
 * failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest_util.h"
#include "tdxctl/attest.h"
#include "tdxctl/tdxctl.h"

#define SGX_EXT_OID		"1.2.840.113741.1.13.1"
#define TD_ATTR_DEBUG		(1ULL << 0)
#define TD_ATTR_SEPT_VE_DISABLE	(1ULL << 28)

/* What the PCK leaf's SGX extension says. */
struct pck_ext {
	uint8_t comp_svn[16];
	long pcesvn;
	uint8_t cpusvn[16];
	uint8_t pce_id[2];
	uint8_t fmspc[6];
	unsigned int have;	/* bit per entry found: TCB comps, PCESVN, CPUSVN, PCE-ID, FMSPC */
};

struct vctx {
	const struct tdxctl_quote *q;
	const char *collateral;
	X509 *root;			/* the trusted root CA */
	X509 *leaf, *ca, *chain_root;
	X509_CRL *root_crl, *pck_crl;
	struct pck_ext ext;
	time_t now;
	struct emu_error *err;
};

/* ---- crypto helpers ---- */

static EVP_PKEY *p256_from_raw(const uint8_t xy[64])
{
	uint8_t pt[65];
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *pkey = NULL;

	pt[0] = 0x04;
	memcpy(pt + 1, xy, 64);
	if (bld && ctx &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt)) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* 1: valid; 0: not; the raw r || s turned into DER for OpenSSL. */
static int ecdsa_verify_raw(EVP_PKEY *key, const void *data, size_t len, const uint8_t sig[64])
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *der = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int der_len, ok = 0;

	if (!es || !r || !s || !md || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	der_len = i2d_ECDSA_SIG(es, &der);
	ok = der_len > 0 && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestVerify(md, der, (size_t)der_len, data, len) == 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return ok;
}

static int is_p256(EVP_PKEY *k)
{
	char group[32];
	size_t n = 0;

	return k && EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	       EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					       &n) == 1 &&
	       (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"));
}

static char *path_of(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int read_file(const char *dir, const char *name, uint8_t **buf, size_t *len,
		     struct emu_error *err)
{
	char *p = dir ? path_of(dir, name) : strdup(name);
	struct emu_error e = { 0 };
	uint8_t *nul;
	int ret;

	if (!p)
		return emu_error_set(err, -ENOMEM, "%s: out of memory", name);
	ret = tdxctl_file_read(p, buf, len, &e);
	free(p);
	if (ret)	/* the message names the file's path */
		return emu_error_set(err, ret, "%s%s", dir ? "" : "root CA: ", e.msg);
	/* NUL-terminated, so text files can be searched as strings. */
	nul = realloc(*buf, *len + 1);
	if (!nul) {
		free(*buf);
		return emu_error_set(err, -ENOMEM, "%s: out of memory", name);
	}
	nul[*len] = 0;
	*buf = nul;
	return 0;
}

static bool only_blanks(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\n' && p[i] != '\r' && p[i] != ' ' && p[i] != '\t')
			return false;
	return true;
}

/*
 * Is @text (@len bytes, one trailing NUL allowed) exactly the PEM
 * encoding OpenSSL writes for @certs?  Nothing signs the PEM text itself,
 * so any other bytes around or between the certificates are refused
 * rather than ignored.
 */
static bool canonical_pem(const char *text, size_t len, X509 *const *certs, unsigned int n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long dlen;
	bool ok = b != NULL;

	for (unsigned int i = 0; ok && i < n; i++)
		ok = PEM_write_bio_X509(b, certs[i]) == 1;
	if (ok) {
		dlen = BIO_get_mem_data(b, &data);
		if (len == (size_t)dlen + 1 && text[len - 1] == '\0')
			len--;
		ok = len == (size_t)dlen && !memcmp(text, data, len);
	}
	BIO_free(b);
	return ok;
}

static char *cert_cn(X509 *x, char *buf, size_t len)
{
	buf[0] = '\0';
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, (int)len) < 0)
		buf[0] = '\0';
	return buf;
}

/* ---- structure ---- */

static int check_signature(struct vctx *v)
{
	EVP_PKEY *ak = p256_from_raw(v->q->sig->attestation_key);
	int ok;

	if (!ak)
		return emu_error_set(v->err, -EINVAL,
				     "attestation key: not a point on P-256");
	ok = ecdsa_verify_raw(ak, v->q->header, TDX_QUOTE_SIGNED_BYTES, v->q->sig->signature);
	EVP_PKEY_free(ak);
	if (!ok)
		return emu_error_set(v->err, -EINVAL,
				     "quote signature: does not verify over header and body with the attestation key");
	return 0;
}

/* ---- the PCK chain ---- */

static int parse_chain(struct vctx *v)
{
	BIO *b = BIO_new_mem_buf(v->q->pck_chain, (int)v->q->pck_chain_size);
	X509 *certs[3] = { 0 };
	char cn[128];
	unsigned int n = 0;
	X509 *x;

	if (!b)
		return emu_error_set(v->err, -ENOMEM, "PCK chain: out of memory");
	while (n < 3 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		certs[n++] = x;
	if (n == 3 && !canonical_pem(v->q->pck_chain, v->q->pck_chain_size, certs, 3))
		n = 99;
	BIO_free(b);
	if (n != 3) {
		for (unsigned int i = 0; i < 3; i++)
			X509_free(certs[i]);
		return emu_error_set(v->err, -EINVAL,
				     n == 99 ? "PCK chain: other bytes around the 3 PEM certificates"
					     : "PCK chain: not exactly 3 PEM certificates (leaf, CA, root)");
	}
	v->leaf = certs[0];
	v->ca = certs[1];
	v->chain_root = certs[2];
	if (strcmp(cert_cn(v->leaf, cn, sizeof(cn)), "Intel SGX PCK Certificate"))
		return emu_error_set(v->err, -EINVAL, "PCK certificate: subject CN '%s'", cn);
	if (strcmp(cert_cn(v->ca, cn, sizeof(cn)), "Intel SGX PCK Platform CA") &&
	    strcmp(cn, "Intel SGX PCK Processor CA"))
		return emu_error_set(v->err, -EINVAL, "PCK CA certificate: subject CN '%s'", cn);
	if (strcmp(cert_cn(v->chain_root, cn, sizeof(cn)), "Intel SGX Root CA"))
		return emu_error_set(v->err, -EINVAL, "PCK chain root: subject CN '%s'", cn);
	for (unsigned int i = 0; i < 3; i++) {
		EVP_PKEY *k = X509_get0_pubkey(certs[i]);

		if (X509_get_version(certs[i]) != X509_VERSION_3 || !is_p256(k) ||
		    X509_get_signature_nid(certs[i]) != NID_ecdsa_with_SHA256)
			return emu_error_set(v->err, -EINVAL,
					     "PCK chain: certificate %u is not X.509 v3 ECDSA-SHA256 P-256",
					     i);
	}
	if (X509_cmp(v->chain_root, v->root))
		return emu_error_set(v->err, -EINVAL,
				     "PCK chain root: not the trusted root CA given with --root-ca");
	if (X509_get_ext_count(v->leaf) != 6)
		return emu_error_set(v->err, -EINVAL,
				     "PCK certificate: %d extensions, a PCK certificate has 6",
				     X509_get_ext_count(v->leaf));
	return 0;
}

static int load_crl(struct vctx *v, const char *name, X509 *issuer, const char *what,
		    X509_CRL **out)
{
	uint8_t *buf;
	const unsigned char *p;
	size_t len;
	X509_CRL *crl;
	EVP_PKEY *k = X509_get0_pubkey(issuer);
	int ret = read_file(v->collateral, name, &buf, &len, v->err);

	if (ret)
		return ret;
	p = buf;
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (!crl || p != buf + len) {
		free(buf);
		X509_CRL_free(crl);
		return emu_error_set(v->err, -EINVAL, "%s: %s is not one DER CRL", what, name);
	}
	free(buf);
	*out = crl;
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)))
		return emu_error_set(v->err, -EINVAL, "%s: issuer is not the %s", what,
				     issuer == v->root ? "root CA" : "PCK CA");
	if (X509_CRL_get_ext_by_NID(crl, NID_crl_number, -1) < 0 ||
	    X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1) < 0)
		return emu_error_set(v->err, -EINVAL,
				     "%s: CRL Number or Authority Key Identifier missing", what);
	if (!k || X509_CRL_verify(crl, k) != 1)
		return emu_error_set(v->err, -EINVAL, "%s: signature does not verify with the %s key",
				     what, issuer == v->root ? "root CA" : "PCK CA");
	if (X509_cmp_time(X509_CRL_get0_lastUpdate(crl), &v->now) > 0 ||
	    !X509_CRL_get0_nextUpdate(crl) ||
	    X509_cmp_time(X509_CRL_get0_nextUpdate(crl), &v->now) < 0)
		return emu_error_set(v->err, -EINVAL, "%s: not current (lastUpdate/nextUpdate)", what);
	return 0;
}

/* Verify @leaf (with @untrusted intermediates) to the trusted root, CRLs checked. */
static int verify_to_root(struct vctx *v, X509 *leaf, STACK_OF(X509) *untrusted,
			  bool with_crls, const char **why)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;

	*why = "out of memory";
	if (st && ctx && X509_STORE_add_cert(st, v->root) &&
	    (!with_crls || (X509_STORE_add_crl(st, v->root_crl) && X509_STORE_add_crl(st, v->pck_crl))) &&
	    X509_STORE_CTX_init(ctx, st, leaf, untrusted)) {
		X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);

		X509_VERIFY_PARAM_set_time(param, v->now);
		if (with_crls)
			X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK |
								   X509_V_FLAG_CRL_CHECK_ALL);
		ok = X509_verify_cert(ctx) == 1;
		if (!ok)
			*why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return ok;
}

static int check_chain(struct vctx *v)
{
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	const char *why;
	int ok, ret;

	ret = parse_chain(v);
	if (!ret)
		ret = load_crl(v, TDXCTL_PKI_ROOT_CRL, v->root, "root CA CRL", &v->root_crl);
	if (!ret)
		ret = load_crl(v, TDXCTL_PKI_PCK_CRL, v->ca, "PCK CRL", &v->pck_crl);
	if (ret) {
		sk_X509_free(untrusted);
		return ret;
	}
	ok = untrusted && sk_X509_push(untrusted, v->ca) > 0 &&
	     verify_to_root(v, v->leaf, untrusted, true, &why);
	sk_X509_free(untrusted);
	if (!ok)
		return emu_error_set(v->err, -EINVAL, "PCK chain: %s", untrusted ? why : "out of memory");
	return 0;
}

/* ---- the SGX extension of the PCK leaf ---- */

static int oid_suffix(const ASN1_TYPE *t, const char *prefix, int *out)
{
	char txt[80];
	size_t n = strlen(prefix);

	if (!t || t->type != V_ASN1_OBJECT ||
	    OBJ_obj2txt(txt, sizeof(txt), t->value.object, 1) <= 0 || strncmp(txt, prefix, n) ||
	    txt[n] != '.')
		return -EINVAL;
	*out = atoi(txt + n + 1);
	return strchr(txt + n + 1, '.') ? -EINVAL : 0;
}

static STACK_OF(ASN1_TYPE) *seq_of(const ASN1_TYPE *t)
{
	const unsigned char *p;

	if (!t || t->type != V_ASN1_SEQUENCE)
		return NULL;
	p = t->value.sequence->data;
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p, t->value.sequence->length);
}

static int octets_to(const ASN1_TYPE *t, uint8_t *out, int n)
{
	if (!t || t->type != V_ASN1_OCTET_STRING || t->value.octet_string->length != n)
		return -EINVAL;
	memcpy(out, t->value.octet_string->data, (size_t)n);
	return 0;
}

static int parse_tcb(STACK_OF(ASN1_TYPE) *tcb, struct pck_ext *e)
{
	if (sk_ASN1_TYPE_num(tcb) != 18)
		return -EINVAL;
	for (int i = 0; i < 18; i++) {
		STACK_OF(ASN1_TYPE) *pair = seq_of(sk_ASN1_TYPE_value(tcb, i));
		ASN1_TYPE *val;
		int idx, bad;

		if (!pair || sk_ASN1_TYPE_num(pair) != 2 ||
		    oid_suffix(sk_ASN1_TYPE_value(pair, 0), SGX_EXT_OID ".2", &idx) || idx != i + 1) {
			sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
			return -EINVAL;
		}
		val = sk_ASN1_TYPE_value(pair, 1);
		if (idx <= 17) {
			long svn = val->type == V_ASN1_INTEGER ? ASN1_INTEGER_get(val->value.integer) : -1;

			bad = svn < 0 || (idx <= 16 && svn > 255) || svn > 65535;
			if (!bad && idx <= 16)
				e->comp_svn[idx - 1] = (uint8_t)svn;
			else if (!bad)
				e->pcesvn = svn;
		} else {
			bad = octets_to(val, e->cpusvn, 16);
		}
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
		if (bad)
			return -EINVAL;
	}
	e->have |= 1;
	return 0;
}

static int check_pck_ext(struct vctx *v)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
	int idx = obj ? X509_get_ext_by_OBJ(v->leaf, obj, -1) : -1;
	X509_EXTENSION *x = idx >= 0 ? X509_get_ext(v->leaf, idx) : NULL;
	ASN1_OCTET_STRING *data = x ? X509_EXTENSION_get_data(x) : NULL;
	const unsigned char *p;
	STACK_OF(ASN1_TYPE) *ext = NULL;
	int bad = 0;

	ASN1_OBJECT_free(obj);
	if (!data)
		return emu_error_set(v->err, -EINVAL,
				     "PCK certificate: no SGX extension " SGX_EXT_OID);
	p = data->data;
	ext = d2i_ASN1_SEQUENCE_ANY(NULL, &p, data->length);
	if (!ext || p != data->data + data->length)
		bad = 1;
	for (int i = 0; !bad && i < sk_ASN1_TYPE_num(ext); i++) {
		STACK_OF(ASN1_TYPE) *pair = seq_of(sk_ASN1_TYPE_value(ext, i)), *tcb;
		ASN1_TYPE *val;
		int n;

		if (!pair || sk_ASN1_TYPE_num(pair) != 2 ||
		    oid_suffix(sk_ASN1_TYPE_value(pair, 0), SGX_EXT_OID, &n)) {
			bad = 1;
		} else {
			val = sk_ASN1_TYPE_value(pair, 1);
			switch (n) {
			case 2:
				tcb = seq_of(val);
				bad = !tcb || parse_tcb(tcb, &v->ext);
				sk_ASN1_TYPE_pop_free(tcb, ASN1_TYPE_free);
				break;
			case 3:
				bad = octets_to(val, v->ext.pce_id, 2);
				v->ext.have |= bad ? 0 : 2;
				break;
			case 4:
				bad = octets_to(val, v->ext.fmspc, 6);
				v->ext.have |= bad ? 0 : 4;
				break;
			default:
				break;
			}
		}
		sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	}
	if (!bad && sk_ASN1_TYPE_num(ext) < 4)
		bad = 1;
	sk_ASN1_TYPE_pop_free(ext, ASN1_TYPE_free);
	if (bad || v->ext.have != 7)
		return emu_error_set(v->err, -EINVAL,
				     "PCK certificate: SGX extension malformed (TCB of 18, PCE-ID, FMSPC)");
	return 0;
}

/* ---- QE report ---- */

static int check_qe_report(struct vctx *v)
{
	const struct tdx_quote_sig_data *s = v->q->sig;
	uint8_t md[32];
	unsigned int n = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (!ecdsa_verify_raw(X509_get0_pubkey(v->leaf), &s->qe_report, sizeof(s->qe_report),
			      s->qe_report_signature))
		return emu_error_set(v->err, -EINVAL,
				     "QE report signature: does not verify with the PCK certificate's key");
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, s->attestation_key, sizeof(s->attestation_key)) == 1 &&
	     EVP_DigestUpdate(ctx, v->q->qe_auth_data, v->q->qe_auth_data_size) == 1 &&
	     EVP_DigestFinal_ex(ctx, md, &n) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return emu_error_set(v->err, -EIO, "QE report data: SHA-256 failed");
	if (memcmp(md, s->qe_report.report_data, 32))
		return emu_error_set(v->err, -EINVAL,
				     "QE report data: not SHA-256(attestation key || QE auth data)");
	for (int i = 32; i < 64; i++)
		if (s->qe_report.report_data[i])
			return emu_error_set(v->err, -EINVAL,
					     "QE report data: bytes 32..63 are not zero");
	return 0;
}

/* ---- signed collateral ---- */

static int json_hex(json_object *o, const char *key, uint8_t *out, size_t n)
{
	json_object *f;

	return json_object_object_get_ex(o, key, &f) && json_object_is_type(f, json_type_string) &&
	       !attest_unhex(json_object_get_string(f), out, n) ? 0 : -EINVAL;
}

static int json_int(json_object *o, const char *key, int64_t *out)
{
	json_object *f;

	if (!json_object_object_get_ex(o, key, &f) || !json_object_is_type(f, json_type_int))
		return -EINVAL;
	*out = json_object_get_int64(f);
	return 0;
}

static const char *json_str(json_object *o, const char *key)
{
	json_object *f;

	return json_object_object_get_ex(o, key, &f) && json_object_is_type(f, json_type_string)
	       ? json_object_get_string(f) : NULL;
}

static int parse_date(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;

	if (!end || *end)
		return -EINVAL;
	*out = timegm(&tm);
	return 0;
}

/*
 * Load @name: {"@key": {...}, "signature": "hex"}, check the signature
 * over the exact bytes of the inner object with the TCB signing
 * certificate (chained to the root), its id, version and dates.
 */
static int load_signed_json(struct vctx *v, const char *name, const char *key, const char *id,
			    int version, json_object **doc_out, json_object **body_out)
{
	uint8_t *buf = NULL, sig[64];
	size_t len;
	json_object *doc = NULL, *body, *raw = NULL;
	json_tokener *tok = NULL;
	X509 *signer = NULL, *chain_root = NULL;
	STACK_OF(X509) *none = NULL;
	const char *p, *why;
	char cn[128];
	int64_t ver;
	time_t issue, next;
	BIO *b;
	uint8_t *chain;
	size_t raw_len, chain_len;
	char *pattern = NULL;
	int ret = read_file(v->collateral, name, &buf, &len, v->err);

	if (ret)
		return ret;
	ret = -EINVAL;
	tok = json_tokener_new();
	doc = tok ? json_tokener_parse_ex(tok, (const char *)buf, (int)len) : NULL;
	if (doc && !only_blanks((const char *)buf + json_tokener_get_parse_end(tok),
				len - json_tokener_get_parse_end(tok))) {
		json_object_put(doc);
		doc = NULL;
	}
	if (tok)
		json_tokener_free(tok);
	tok = NULL;
	if (!doc || !json_object_object_get_ex(doc, key, &body) ||
	    !json_object_is_type(body, json_type_object)) {
		emu_error_set(v->err, ret, "%s: not a JSON document with \"%s\"", name, key);
		goto out;
	}
	if (json_hex(doc, "signature", sig, 64)) {
		emu_error_set(v->err, ret, "%s: signature is not 64 bytes of hex", name);
		goto out;
	}
	/* The signed bytes: the inner object exactly as it appears in the file. */
	pattern = malloc(strlen(key) + 3);
	if (!pattern)
		goto out;
	sprintf(pattern, "\"%s\"", key);
	p = strstr((const char *)buf, pattern);
	if (p) {
		p += strlen(pattern);
		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		p = *p == ':' ? p + 1 : NULL;
	}
	while (p && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	tok = json_tokener_new();
	raw = p && tok ? json_tokener_parse_ex(tok, p, (int)(len - (size_t)(p - (const char *)buf)))
		       : NULL;
	if (!raw || !json_object_equal(raw, body)) {
		emu_error_set(v->err, ret, "%s: cannot locate the bytes of \"%s\"", name, key);
		goto out;
	}
	raw_len = json_tokener_get_parse_end(tok);

	if (read_file(v->collateral, TDXCTL_PKI_TCB_CHAIN, &chain, &chain_len, v->err)) {
		ret = v->err ? v->err->code : -EIO;
		goto out;
	}
	b = BIO_new_mem_buf(chain, (int)chain_len);
	signer = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	chain_root = signer ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (chain_root && !canonical_pem((const char *)chain, chain_len,
					 (X509 *[]){ signer, chain_root }, 2)) {
		X509_free(chain_root);
		chain_root = NULL;
	}
	free(chain);
	if (!signer || strcmp(cert_cn(signer, cn, sizeof(cn)), "Intel SGX TCB Signing")) {
		emu_error_set(v->err, ret, "%s: first certificate is not the TCB signing certificate",
			      TDXCTL_PKI_TCB_CHAIN);
		goto out;
	}
	if (!chain_root || X509_cmp(chain_root, v->root)) {
		emu_error_set(v->err, ret,
			      "%s: second certificate is missing, followed by other bytes, or not the trusted root CA",
			      TDXCTL_PKI_TCB_CHAIN);
		goto out;
	}
	none = sk_X509_new_null();
	if (!verify_to_root(v, signer, none, true, &why)) {
		emu_error_set(v->err, ret, "%s: TCB signing certificate: %s", TDXCTL_PKI_TCB_CHAIN,
			      why);
		goto out;
	}
	if (!ecdsa_verify_raw(X509_get0_pubkey(signer), p, raw_len, sig)) {
		emu_error_set(v->err, ret, "%s: signature does not verify with the TCB signing key",
			      name);
		goto out;
	}
	if (!json_str(body, "id") || strcmp(json_str(body, "id"), id) ||
	    json_int(body, "version", &ver) || ver != version) {
		emu_error_set(v->err, ret, "%s: id/version is not %s/%d", name, id, version);
		goto out;
	}
	if (parse_date(json_str(body, "issueDate"), &issue) ||
	    parse_date(json_str(body, "nextUpdate"), &next)) {
		emu_error_set(v->err, ret, "%s: issueDate/nextUpdate missing or malformed", name);
		goto out;
	}
	if (issue > v->now || next < v->now) {
		emu_error_set(v->err, ret, "%s: not current (issueDate %s, nextUpdate %s)", name,
			      json_str(body, "issueDate"), json_str(body, "nextUpdate"));
		goto out;
	}
	*doc_out = doc;
	*body_out = body;
	doc = NULL;
	ret = 0;
out:
	free(pattern);
	if (tok)
		json_tokener_free(tok);
	json_object_put(raw);
	json_object_put(doc);
	sk_X509_free(none);
	X509_free(signer);
	X509_free(chain_root);
	free(buf);
	return ret;
}

/* svn of the 16 entries of @key in @tcb; -EINVAL unless all present. */
static int components(json_object *tcb, const char *key, int svn[16])
{
	json_object *a, *c;
	int64_t s;

	if (!json_object_object_get_ex(tcb, key, &a) || !json_object_is_type(a, json_type_array) ||
	    json_object_array_length(a) != 16)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		c = json_object_array_get_idx(a, (size_t)i);
		if (!c || json_int(c, "svn", &s) || s < 0 || s > 255)
			return -EINVAL;
		svn[i] = (int)s;
	}
	return 0;
}

static int copy_status(json_object *level, char *out, size_t len)
{
	const char *s = json_str(level, "tcbStatus");

	if (!s)
		return -EINVAL;
	snprintf(out, len, "%s", s);
	return 0;
}

/* The TDX module identity named by TEE_TCB_SVN[1] (when > 0): its status. */
static int check_module_identity(struct vctx *v, json_object *ti, char *status, size_t len)
{
	const struct tdx_quote_body *b = v->q->body;
	json_object *ids, *levels, *m = NULL;
	uint8_t mrsigner[48], attr[8], mask[8];
	char want[8];
	int64_t isvsvn;

	snprintf(want, sizeof(want), "TDX_%02X", b->tee_tcb_svn[1]);
	if (json_object_object_get_ex(ti, "tdxModuleIdentities", &ids) &&
	    json_object_is_type(ids, json_type_array))
		for (size_t i = 0; i < json_object_array_length(ids); i++) {
			json_object *c = json_object_array_get_idx(ids, i);
			const char *id = json_str(c, "id");

			if (id && !strcasecmp(id, want))
				m = c;
		}
	if (!m)
		return emu_error_set(v->err, -EINVAL,
				     "TCB info: no tdxModuleIdentities entry %s for the TDX module", want);
	if (json_hex(m, "mrsigner", mrsigner, 48) || json_hex(m, "attributes", attr, 8) ||
	    json_hex(m, "attributesMask", mask, 8))
		return emu_error_set(v->err, -EINVAL, "TCB info: %s malformed", want);
	if (memcmp(mrsigner, b->mrsignerseam, 48))
		return emu_error_set(v->err, -EINVAL, "TDX module: MRSIGNERSEAM is not %s's mrsigner",
				     want);
	for (int i = 0; i < 8; i++)
		if ((((const uint8_t *)&b->seam_attributes)[i] & mask[i]) != attr[i])
			return emu_error_set(v->err, -EINVAL,
					     "TDX module: SEAMATTRIBUTES do not match %s", want);
	if (!json_object_object_get_ex(m, "tcbLevels", &levels) ||
	    !json_object_is_type(levels, json_type_array))
		return emu_error_set(v->err, -EINVAL, "TCB info: %s has no tcbLevels", want);
	for (size_t i = 0; i < json_object_array_length(levels); i++) {
		json_object *l = json_object_array_get_idx(levels, i), *tcb;

		if (!json_object_object_get_ex(l, "tcb", &tcb) || json_int(tcb, "isvsvn", &isvsvn))
			return emu_error_set(v->err, -EINVAL, "TCB info: %s level malformed", want);
		if (b->tee_tcb_svn[0] >= isvsvn)
			return copy_status(l, status, len) ?
			       emu_error_set(v->err, -EINVAL, "TCB info: %s level has no status", want) : 0;
	}
	return emu_error_set(v->err, -EINVAL,
			     "TCB status: TDX module SVN %u is below every %s level",
			     b->tee_tcb_svn[0], want);
}

static int check_tcb_info(struct vctx *v, const struct tdxctl_verify_policy *pol,
			  struct tdxctl_verify_result *res)
{
	const struct tdx_quote_body *b = v->q->body;
	json_object *doc = NULL, *ti, *mod, *levels;
	uint8_t fmspc[6], pce_id[2], mrsigner[48], attr[8], mask[8];
	char module_status[32] = "";
	int64_t pcesvn;
	int ret = load_signed_json(v, TDXCTL_PKI_TCB_INFO, "tcbInfo", "TDX", 3, &doc, &ti);

	if (ret)
		return ret;
	ret = -EINVAL;
	if (json_hex(ti, "fmspc", fmspc, 6) || json_hex(ti, "pceId", pce_id, 2)) {
		emu_error_set(v->err, ret, "TCB info: fmspc/pceId malformed");
		goto out;
	}
	if (memcmp(fmspc, v->ext.fmspc, 6)) {
		emu_error_set(v->err, ret, "TCB info: FMSPC differs from the PCK certificate's");
		goto out;
	}
	if (memcmp(pce_id, v->ext.pce_id, 2)) {
		emu_error_set(v->err, ret, "TCB info: PCE-ID differs from the PCK certificate's");
		goto out;
	}
	attest_hex(fmspc, 6, res->fmspc);
	if (!json_object_object_get_ex(ti, "tdxModule", &mod) ||
	    json_hex(mod, "mrsigner", mrsigner, 48) || json_hex(mod, "attributes", attr, 8) ||
	    json_hex(mod, "attributesMask", mask, 8)) {
		emu_error_set(v->err, ret, "TCB info: tdxModule malformed");
		goto out;
	}
	if (memcmp(mrsigner, b->mrsignerseam, 48)) {
		emu_error_set(v->err, ret, "TDX module: MRSIGNERSEAM is not TCB info's tdxModule.mrsigner");
		goto out;
	}
	for (int i = 0; i < 8; i++)
		if ((((const uint8_t *)&b->seam_attributes)[i] & mask[i]) != attr[i]) {
			emu_error_set(v->err, ret, "TDX module: SEAMATTRIBUTES do not match tdxModule");
			goto out;
		}
	if (b->tee_tcb_svn[1] > 0 &&
	    (ret = check_module_identity(v, ti, module_status, sizeof(module_status))))
		goto out;
	ret = -EINVAL;
	if (!json_object_object_get_ex(ti, "tcbLevels", &levels) ||
	    !json_object_is_type(levels, json_type_array)) {
		emu_error_set(v->err, ret, "TCB info: no tcbLevels");
		goto out;
	}
	/* The first level (they are in descending order) the platform meets. */
	for (size_t i = 0; i < json_object_array_length(levels); i++) {
		json_object *l = json_object_array_get_idx(levels, i), *tcb;
		int sgx[16], tdx[16];
		bool meets = true;

		if (!json_object_object_get_ex(l, "tcb", &tcb) || components(tcb, "sgxtcbcomponents", sgx) ||
		    components(tcb, "tdxtcbcomponents", tdx) || json_int(tcb, "pcesvn", &pcesvn)) {
			emu_error_set(v->err, ret, "TCB info: tcbLevels[%zu] malformed", i);
			goto out;
		}
		for (int c = 0; c < 16; c++) {
			if (v->ext.comp_svn[c] < sgx[c])
				meets = false;
			/* With a module major version, bytes 0-1 are the module identity's. */
			if (!(b->tee_tcb_svn[1] > 0 && c < 2) && b->tee_tcb_svn[c] < tdx[c])
				meets = false;
		}
		if (v->ext.pcesvn < pcesvn)
			meets = false;
		if (!meets)
			continue;
		if (copy_status(l, res->tcb_status, sizeof(res->tcb_status))) {
			emu_error_set(v->err, ret, "TCB info: tcbLevels[%zu] has no tcbStatus", i);
			goto out;
		}
		if (module_status[0] && strcmp(module_status, "UpToDate"))
			snprintf(res->tcb_status, sizeof(res->tcb_status), "%s", module_status);
		if (!strcmp(res->tcb_status, "Revoked") ||
		    (strcmp(res->tcb_status, "UpToDate") && !pol->allow_out_of_date)) {
			emu_error_set(v->err, ret, "TCB status: %s", res->tcb_status);
			goto out;
		}
		ret = 0;
		goto out;
	}
	emu_error_set(v->err, ret, "TCB status: the platform is below every TCB level");
out:
	json_object_put(doc);
	return ret;
}

static int check_qe_identity(struct vctx *v, const struct tdxctl_verify_policy *pol,
			     struct tdxctl_verify_result *res)
{
	const struct sgx_report_body *r = &v->q->sig->qe_report;
	json_object *doc = NULL, *qe, *levels;
	uint8_t misc[4], miscmask[4], attr[16], attrmask[16], mrsigner[32];
	int64_t prodid, isvsvn;
	int ret = load_signed_json(v, TDXCTL_PKI_QE_IDENTITY, "enclaveIdentity", "TD_QE", 2, &doc,
				   &qe);

	if (ret)
		return ret;
	ret = -EINVAL;
	if (json_hex(qe, "miscselect", misc, 4) || json_hex(qe, "miscselectMask", miscmask, 4) ||
	    json_hex(qe, "attributes", attr, 16) || json_hex(qe, "attributesMask", attrmask, 16) ||
	    json_hex(qe, "mrsigner", mrsigner, 32) || json_int(qe, "isvprodid", &prodid)) {
		emu_error_set(v->err, ret, "QE identity: fields malformed");
		goto out;
	}
	/* MISCSELECT: the JSON hex is the big-endian value of the u32. */
	if ((r->miscselect & ((uint32_t)miscmask[0] << 24 | (uint32_t)miscmask[1] << 16 |
			      (uint32_t)miscmask[2] << 8 | miscmask[3])) !=
	    ((uint32_t)misc[0] << 24 | (uint32_t)misc[1] << 16 | (uint32_t)misc[2] << 8 | misc[3])) {
		emu_error_set(v->err, ret, "QE identity: MISCSELECT does not match");
		goto out;
	}
	for (int i = 0; i < 16; i++)
		if ((r->attributes[i] & attrmask[i]) != attr[i]) {
			emu_error_set(v->err, ret, "QE identity: ATTRIBUTES do not match");
			goto out;
		}
	if (memcmp(r->mr_signer, mrsigner, 32)) {
		emu_error_set(v->err, ret, "QE identity: MRSIGNER does not match");
		goto out;
	}
	if (r->isv_prod_id != prodid) {
		emu_error_set(v->err, ret, "QE identity: ISVPRODID %u, expected %lld", r->isv_prod_id,
			      (long long)prodid);
		goto out;
	}
	if (!json_object_object_get_ex(qe, "tcbLevels", &levels) ||
	    !json_object_is_type(levels, json_type_array)) {
		emu_error_set(v->err, ret, "QE identity: no tcbLevels");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(levels); i++) {
		json_object *l = json_object_array_get_idx(levels, i), *tcb;

		if (!json_object_object_get_ex(l, "tcb", &tcb) || json_int(tcb, "isvsvn", &isvsvn)) {
			emu_error_set(v->err, ret, "QE identity: tcbLevels[%zu] malformed", i);
			goto out;
		}
		if (r->isv_svn < isvsvn)
			continue;
		if (copy_status(l, res->qe_status, sizeof(res->qe_status))) {
			emu_error_set(v->err, ret, "QE identity: tcbLevels[%zu] has no tcbStatus", i);
			goto out;
		}
		if (!strcmp(res->qe_status, "Revoked") ||
		    (strcmp(res->qe_status, "UpToDate") && !pol->allow_out_of_date)) {
			emu_error_set(v->err, ret, "QE TCB status: %s", res->qe_status);
			goto out;
		}
		ret = 0;
		goto out;
	}
	emu_error_set(v->err, ret, "QE TCB status: ISVSVN %u is below every level", r->isv_svn);
out:
	json_object_put(doc);
	return ret;
}

/* ---- policy ---- */

static int check_policy(struct vctx *v, const struct tdxctl_verify_policy *pol)
{
	const struct tdx_quote_body *b = v->q->body;

	if ((b->td_attributes & TD_ATTR_DEBUG) && !pol->allow_debug)
		return emu_error_set(v->err, -EPERM, "policy: the TD is a debug TD (--allow-debug)");
	if (!(b->td_attributes & TD_ATTR_SEPT_VE_DISABLE) && !pol->allow_sept_ve_enabled)
		return emu_error_set(v->err, -EPERM,
				     "policy: SEPT_VE_DISABLE is clear (--allow-sept-ve-enabled)");
	if (pol->mrtd && memcmp(pol->mrtd, b->mrtd, 48))
		return emu_error_set(v->err, -EPERM, "policy: MRTD differs from --mrtd");
	for (int i = 0; i < 4; i++)
		if (pol->rtmr[i] && memcmp(pol->rtmr[i], b->rtmr[i], 48))
			return emu_error_set(v->err, -EPERM, "policy: RTMR%d differs from --rtmr%d", i, i);
	if (pol->report_data && memcmp(pol->report_data, b->reportdata, 64))
		return emu_error_set(v->err, -EPERM, "policy: REPORTDATA differs from --report-data");
	return 0;
}

int tdxctl_quote_verify(const uint8_t *buf, size_t len, const char *root_ca_pem,
			const char *collateral_dir, const struct tdxctl_verify_policy *policy,
			struct tdxctl_verify_result *res, struct emu_error *err)
{
	struct tdxctl_quote q;
	struct vctx v = { .q = &q, .collateral = collateral_dir, .err = err };
	uint8_t *pem = NULL;
	size_t pem_len;
	BIO *b;
	char cn[128];
	int ret;

	memset(res, 0, sizeof(*res));
	v.now = policy->now ? policy->now : time(NULL);
	ret = tdxctl_quote_parse(buf, len, &q, err);
	if (ret)
		return ret;
	ret = read_file(NULL, root_ca_pem, &pem, &pem_len, err);
	if (ret)
		return ret;
	b = BIO_new_mem_buf(pem, (int)pem_len);
	v.root = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(pem);
	if (!v.root)
		return emu_error_set(err, -EINVAL, "root CA: %s holds no PEM certificate", root_ca_pem);
	if (X509_check_issued(v.root, v.root) != X509_V_OK ||
	    X509_verify(v.root, X509_get0_pubkey(v.root)) != 1 ||
	    strcmp(cert_cn(v.root, cn, sizeof(cn)), "Intel SGX Root CA")) {
		ret = emu_error_set(err, -EINVAL, "root CA: not a self-signed \"Intel SGX Root CA\"");
		goto out;
	}
	ret = check_signature(&v);
	if (!ret)
		ret = check_chain(&v);
	if (!ret)
		ret = check_pck_ext(&v);
	if (!ret)
		ret = check_qe_report(&v);
	if (!ret)
		ret = check_tcb_info(&v, policy, res);
	if (!ret)
		ret = check_qe_identity(&v, policy, res);
	if (!ret)
		ret = check_policy(&v, policy);
out:
	X509_free(v.root);
	X509_free(v.leaf);
	X509_free(v.ca);
	X509_free(v.chain_root);
	X509_CRL_free(v.root_crl);
	X509_CRL_free(v.pck_crl);
	return ret;
}
