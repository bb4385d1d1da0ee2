/*
 * The platform's certificates, keys and CRLs (pki.h): generated once with
 * OpenSSL's X509 and ASN1 APIs, stored in DIR/pki, loaded from there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki.h"

#define SGX_EXT_OID		"1.2.840.113741.1.13.1"
#define CRL_URL_BASE		"https://tdx-emu.invalid/sgx/certification/v4/"
#define DAY			(24L * 3600)
#define YEAR			(365L * DAY)

/* ---- small OpenSSL helpers ---- */

static EVP_PKEY *p256_new(void)
{
	return EVP_EC_gen("P-256");
}

int pki_ecdsa_sign(EVP_PKEY *key, const void *data, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	ECDSA_SIG *es = NULL;
	const BIGNUM *r, *s;
	int ret = -EIO;

	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, der, &der_len, data, len) != 1)
		goto out;
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (!es)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32)
		ret = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return ret;
}

int pki_ecdsa_pub(EVP_PKEY *key, uint8_t pub[64])
{
	uint8_t pt[65];
	size_t n = 0;

	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt,
					    sizeof(pt), &n) != 1 || n != 65 || pt[0] != 0x04)
		return -EIO;
	memcpy(pub, pt + 1, 64);
	return 0;
}

static X509_NAME *pki_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	static const char *const fields[][2] = {
		{ "CN", NULL }, { "O", PKI_ORG }, { "L", "Santa Clara" }, { "ST", "CA" },
		{ "C", "US" },
	};

	if (!n)
		return NULL;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = i == 0 ? cn : fields[i][1];

		if (!X509_NAME_add_entry_by_txt(n, fields[i][0], MBSTRING_ASC,
						(const unsigned char *)v, -1, -1, 0)) {
			X509_NAME_free(n);
			return NULL;
		}
	}
	return n;
}

static int add_conf_ext(X509 *x, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, nid, value);
	int ok = e && X509_add_ext(x, e, -1);

	X509_EXTENSION_free(e);
	return ok ? 0 : -EIO;
}

/* Key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1). */
static ASN1_OCTET_STRING *key_id(X509 *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	ASN1_OCTET_STRING *os;

	if (!X509_pubkey_digest(x, EVP_sha1(), md, &n))
		return NULL;
	os = ASN1_OCTET_STRING_new();
	if (os && !ASN1_OCTET_STRING_set(os, md, (int)n)) {
		ASN1_OCTET_STRING_free(os);
		return NULL;
	}
	return os;
}

static AUTHORITY_KEYID *aki_of(X509 *issuer)
{
	AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();

	if (aki)
		aki->keyid = key_id(issuer);
	if (aki && !aki->keyid) {
		AUTHORITY_KEYID_free(aki);
		return NULL;
	}
	return aki;
}

static int add_aki(X509 *x, X509 *issuer)
{
	AUTHORITY_KEYID *aki = aki_of(issuer);
	int ok = aki && X509_add1_ext_i2d(x, NID_authority_key_identifier, aki, 0,
					  X509V3_ADD_DEFAULT) == 1;

	AUTHORITY_KEYID_free(aki);
	return ok ? 0 : -EIO;
}

static int add_ski(X509 *x)
{
	ASN1_OCTET_STRING *id = key_id(x);
	int ok = id && X509_add1_ext_i2d(x, NID_subject_key_identifier, id, 0,
					 X509V3_ADD_DEFAULT) == 1;

	ASN1_OCTET_STRING_free(id);
	return ok ? 0 : -EIO;
}

/* ---- the SGX extension (1.2.840.113741.1.13.1), attestation.md 1.7 ---- */

/* An ASN1_TYPE holding a SEQUENCE whose DER is the encoding of @items. */
static ASN1_TYPE *seq_type(STACK_OF(ASN1_TYPE) *items)
{
	unsigned char *der = NULL;
	int len = i2d_ASN1_SEQUENCE_ANY(items, &der);
	ASN1_STRING *s = len > 0 ? ASN1_STRING_new() : NULL;
	ASN1_TYPE *t = s ? ASN1_TYPE_new() : NULL;

	if (!t || !ASN1_STRING_set(s, der, len)) {
		ASN1_STRING_free(s);
		ASN1_TYPE_free(t);
		OPENSSL_free(der);
		return NULL;
	}
	ASN1_TYPE_set(t, V_ASN1_SEQUENCE, s);
	OPENSSL_free(der);
	return t;
}

/* SEQUENCE { OID @oid, @value } as an ASN1_TYPE; takes @value. */
static ASN1_TYPE *sgx_entry(const char *oid, ASN1_TYPE *value)
{
	STACK_OF(ASN1_TYPE) *pair = sk_ASN1_TYPE_new_null();
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_TYPE *o = obj ? ASN1_TYPE_new() : NULL;
	ASN1_TYPE *ret = NULL;

	if (!pair || !o || !value) {
		ASN1_OBJECT_free(obj);
		ASN1_TYPE_free(value);
		goto out;
	}
	ASN1_TYPE_set(o, V_ASN1_OBJECT, obj);
	if (sk_ASN1_TYPE_push(pair, o) <= 0) {
		ASN1_TYPE_free(value);
		ASN1_TYPE_free(o);
		goto out;
	}
	o = NULL;
	if (sk_ASN1_TYPE_push(pair, value) <= 0) {
		ASN1_TYPE_free(value);
		goto out;
	}
	ret = seq_type(pair);
out:
	ASN1_TYPE_free(o);
	sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
	return ret;
}

static ASN1_TYPE *octets(const uint8_t *p, size_t n)
{
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	ASN1_TYPE *t = os ? ASN1_TYPE_new() : NULL;

	if (!t || !ASN1_OCTET_STRING_set(os, p, (int)n)) {
		ASN1_OCTET_STRING_free(os);
		ASN1_TYPE_free(t);
		return NULL;
	}
	ASN1_TYPE_set(t, V_ASN1_OCTET_STRING, os);
	return t;
}

static ASN1_TYPE *integer(long v, int type)
{
	ASN1_INTEGER *i = ASN1_INTEGER_new();
	ASN1_TYPE *t = i ? ASN1_TYPE_new() : NULL;

	if (!t || !ASN1_INTEGER_set(i, v)) {
		ASN1_INTEGER_free(i);
		ASN1_TYPE_free(t);
		return NULL;
	}
	/* ENUMERATED shares ASN1_INTEGER's representation, with its own tag. */
	if (type == V_ASN1_ENUMERATED)
		i->type = V_ASN1_ENUMERATED;
	ASN1_TYPE_set(t, type, i);
	return t;
}

static int push(STACK_OF(ASN1_TYPE) *sk, ASN1_TYPE *t)
{
	if (!t)
		return -ENOMEM;
	if (sk_ASN1_TYPE_push(sk, t) <= 0) {
		ASN1_TYPE_free(t);
		return -ENOMEM;
	}
	return 0;
}

/* .2: the TCB, 18 entries: 16 component SVNs, PCESVN, CPUSVN. */
static ASN1_TYPE *sgx_tcb(const struct pki_identity *id)
{
	STACK_OF(ASN1_TYPE) *tcb = sk_ASN1_TYPE_new_null();
	char oid[64];
	ASN1_TYPE *ret = NULL;
	int bad = !tcb;

	for (int i = 0; !bad && i < 16; i++) {
		snprintf(oid, sizeof(oid), SGX_EXT_OID ".2.%d", i + 1);
		bad = push(tcb, sgx_entry(oid, integer(id->sgx_tcb_comp_svn[i], V_ASN1_INTEGER)));
	}
	if (!bad)
		bad = push(tcb, sgx_entry(SGX_EXT_OID ".2.17", integer(id->pcesvn, V_ASN1_INTEGER)));
	if (!bad)
		bad = push(tcb, sgx_entry(SGX_EXT_OID ".2.18", octets(id->cpusvn, 16)));
	if (!bad)
		ret = seq_type(tcb);
	sk_ASN1_TYPE_pop_free(tcb, ASN1_TYPE_free);
	return ret;
}

static int add_sgx_ext(X509 *x, const struct pki_identity *id)
{
	STACK_OF(ASN1_TYPE) *ext = sk_ASN1_TYPE_new_null();
	ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
	ASN1_OCTET_STRING *val = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e = NULL;
	unsigned char *der = NULL;
	int len, ret = -ENOMEM;

	if (!ext || !obj || !val)
		goto out;
	if (push(ext, sgx_entry(SGX_EXT_OID ".1", octets(id->ppid, 16))) ||
	    push(ext, sgx_entry(SGX_EXT_OID ".2", sgx_tcb(id))) ||
	    push(ext, sgx_entry(SGX_EXT_OID ".3", octets(id->pce_id, 2))) ||
	    push(ext, sgx_entry(SGX_EXT_OID ".4", octets(id->fmspc, 6))) ||
	    push(ext, sgx_entry(SGX_EXT_OID ".5", integer(id->sgx_type, V_ASN1_ENUMERATED))))
		goto out;
	len = i2d_ASN1_SEQUENCE_ANY(ext, &der);
	if (len <= 0 || !ASN1_OCTET_STRING_set(val, der, len))
		goto out;
	e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, val);
	if (e && X509_add_ext(x, e, -1))
		ret = 0;
out:
	X509_EXTENSION_free(e);
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(val);
	ASN1_OBJECT_free(obj);
	sk_ASN1_TYPE_pop_free(ext, ASN1_TYPE_free);
	return ret;
}

/* ---- certificates ---- */

enum cert_kind { CERT_ROOT, CERT_CA, CERT_PCK, CERT_TCB };

static int random_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int ok = bn && BN_rand(bn, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) &&
		 BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));

	BN_free(bn);
	return ok ? 0 : -EIO;
}

/*
 * One certificate: subject @cn with @key, issued by @issuer (NULL:
 * self-signed) with @issuer_key, the five extensions Intel's chain has in
 * its order (AKI, CRL DP, SKI, KeyUsage, BasicConstraints), plus the SGX
 * extension on the PCK leaf.
 */
static X509 *make_cert(enum cert_kind kind, const char *cn, EVP_PKEY *key, X509 *issuer,
		       EVP_PKEY *issuer_key, long days, const struct pki_identity *id)
{
	X509 *x = X509_new();
	X509_NAME *name = pki_name(cn);
	const char *crl_dp, *ku, *bc;
	int bad;

	switch (kind) {
	case CERT_ROOT:
		crl_dp = "URI:" CRL_URL_BASE "rootcacrl";
		ku = "critical,keyCertSign,cRLSign";
		bc = "critical,CA:TRUE,pathlen:1";
		break;
	case CERT_CA:
		crl_dp = "URI:" CRL_URL_BASE "rootcacrl";
		ku = "critical,keyCertSign,cRLSign";
		bc = "critical,CA:TRUE,pathlen:0";
		break;
	case CERT_TCB:
		crl_dp = "URI:" CRL_URL_BASE "rootcacrl";
		ku = "critical,digitalSignature,nonRepudiation";
		bc = "critical,CA:FALSE";
		break;
	default:
		crl_dp = "URI:" CRL_URL_BASE "pckcrl?ca=platform&encoding=der";
		ku = "critical,digitalSignature,nonRepudiation";
		bc = "critical,CA:FALSE";
		break;
	}
	bad = !x || !name || !X509_set_version(x, X509_VERSION_3) || random_serial(x) ||
	      !X509_set_subject_name(x, name) ||
	      !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
	      !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
	      !X509_gmtime_adj(X509_getm_notAfter(x), days * DAY) || !X509_set_pubkey(x, key);
	if (!bad)
		bad = add_aki(x, issuer ? issuer : x) || add_conf_ext(x, NID_crl_distribution_points,
								       crl_dp) ||
		      add_ski(x) || add_conf_ext(x, NID_key_usage, ku) ||
		      add_conf_ext(x, NID_basic_constraints, bc);
	if (!bad && kind == CERT_PCK)
		bad = add_sgx_ext(x, id);
	if (!bad)
		bad = X509_sign(x, issuer_key, EVP_sha256()) <= 0;
	X509_NAME_free(name);
	if (bad) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *issuer_key, long number)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *now = X509_gmtime_adj(NULL, 0), *next = X509_gmtime_adj(NULL, 30 * YEAR);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	AUTHORITY_KEYID *aki = aki_of(issuer);
	int bad = !crl || !now || !next || !num || !aki || !ASN1_INTEGER_set(num, number) ||
		  !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
		  !X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) ||
		  !X509_CRL_set1_lastUpdate(crl, now) || !X509_CRL_set1_nextUpdate(crl, next) ||
		  X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, X509V3_ADD_DEFAULT) != 1 ||
		  X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, aki, 0,
					X509V3_ADD_DEFAULT) != 1 ||
		  X509_CRL_sign(crl, issuer_key, EVP_sha256()) <= 0;

	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(aki);
	if (bad) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* ---- files ---- */

static int path_in(char *out, size_t len, const char *dir, const char *name)
{
	return (size_t)snprintf(out, len, "%s/%s", dir, name) >= len ? -ENAMETOOLONG : 0;
}

static FILE *open_out(const char *dir, const char *name, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	if (path_in(p, sizeof(p), dir, name))
		return NULL;
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	return fd < 0 ? NULL : fdopen(fd, "w");
}

static FILE *open_in(const char *dir, const char *name)
{
	char p[PATH_MAX];

	return path_in(p, sizeof(p), dir, name) ? NULL : fopen(p, "re");
}

static int write_key(const char *dir, const char *name, EVP_PKEY *key)
{
	FILE *f = open_out(dir, name, 0600);
	int ok = f && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -EIO;
}

static int write_certs(const char *dir, const char *name, X509 *a, X509 *b)
{
	FILE *f = open_out(dir, name, 0644);
	int ok = f && PEM_write_X509(f, a) && (!b || PEM_write_X509(f, b));

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -EIO;
}

static int write_crl(const char *dir, const char *name, X509_CRL *crl)
{
	FILE *f = open_out(dir, name, 0644);
	int ok = f && i2d_X509_CRL_fp(f, crl);

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -EIO;
}

static int write_text(const char *dir, const char *name, const char *text)
{
	FILE *f = open_out(dir, name, 0644);
	int ok = f && fputs(text, f) >= 0;

	if (f && fclose(f))
		ok = 0;
	return ok ? 0 : -EIO;
}

static char *read_text(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name);
	char *buf = NULL;
	size_t len = 0;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && n < (1L << 20) &&
	    !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && (len = fread(buf, 1, (size_t)n, f)) == (size_t)n) {
			buf[len] = '\0';
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static EVP_PKEY *read_key(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name);
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return k;
}

static X509 *read_cert(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name);
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return x;
}

static X509_CRL *read_crl(const char *dir, const char *name)
{
	FILE *f = open_in(dir, name);
	X509_CRL *c = f ? d2i_X509_CRL_fp(f, NULL) : NULL;

	if (f)
		fclose(f);
	return c;
}

/* ---- generate, store, load ---- */

static void default_identity(struct pki_identity *id, const uint8_t cpusvn[16])
{
	static const uint8_t pce_id[2] = PKI_PCE_ID, fmspc[6] = PKI_FMSPC;

	memset(id, 0, sizeof(*id));
	memcpy(id->cpusvn, cpusvn, 16);
	memcpy(id->sgx_tcb_comp_svn, cpusvn, 16);
	id->pcesvn = PKI_PCESVN;
	memcpy(id->pce_id, pce_id, 2);
	memcpy(id->fmspc, fmspc, 6);
	id->sgx_type = 1;
}

static int generate(struct qgs_pki *p, const uint8_t cpusvn[16], struct emu_error *err)
{
	time_t now = time(NULL);

	default_identity(&p->id, cpusvn);
	if (RAND_bytes(p->id.ppid, sizeof(p->id.ppid)) != 1)
		return emu_error_set(err, -EIO, "pki: no entropy for the PPID");
	p->root_key = p256_new();
	p->ca_key = p256_new();
	p->pck_key = p256_new();
	p->tcb_key = p256_new();
	p->att_key = p256_new();
	if (!p->root_key || !p->ca_key || !p->pck_key || !p->tcb_key || !p->att_key)
		return emu_error_set(err, -EIO, "pki: cannot generate P-256 keys");
	p->root = make_cert(CERT_ROOT, "Intel SGX Root CA", p->root_key, NULL, p->root_key,
			    30 * 365, NULL);
	p->ca = p->root ? make_cert(CERT_CA, "Intel SGX PCK Platform CA", p->ca_key, p->root,
				    p->root_key, 15 * 365, NULL) : NULL;
	p->pck = p->ca ? make_cert(CERT_PCK, "Intel SGX PCK Certificate", p->pck_key, p->ca,
				   p->ca_key, 7 * 365, &p->id) : NULL;
	p->tcb = p->root ? make_cert(CERT_TCB, "Intel SGX TCB Signing", p->tcb_key, p->root,
				     p->root_key, 7 * 365, NULL) : NULL;
	if (!p->pck || !p->tcb)
		return emu_error_set(err, -EIO, "pki: cannot issue the certificates");
	p->root_crl = make_crl(p->root, p->root_key, 1);
	p->pck_crl = make_crl(p->ca, p->ca_key, 1);
	if (!p->root_crl || !p->pck_crl)
		return emu_error_set(err, -EIO, "pki: cannot issue the CRLs");
	if (collateral_tcb_info(&p->id, p->tcb_key, now, &p->tcb_info, err) ||
	    collateral_qe_identity(p->tcb_key, now, &p->qe_identity, err))
		return err ? err->code : -EIO;
	return 0;
}

static int store(const struct qgs_pki *p, const char *dir)
{
	if (write_key(dir, "root-ca.key", p->root_key) ||
	    write_key(dir, "pck-platform-ca.key", p->ca_key) ||
	    write_key(dir, "pck.key", p->pck_key) || write_key(dir, "tcb-signing.key", p->tcb_key) ||
	    write_key(dir, "attestation-key.pem", p->att_key) ||
	    write_certs(dir, "root-ca.pem", p->root, NULL) ||
	    write_certs(dir, "pck-platform-ca.pem", p->ca, NULL) ||
	    write_certs(dir, "pck.pem", p->pck, NULL) ||
	    write_certs(dir, "tcb-signing.pem", p->tcb, NULL) ||
	    write_certs(dir, "tcb-signing-chain.pem", p->tcb, p->root) ||
	    write_certs(dir, "pck-crl-issuer-chain.pem", p->ca, p->root) ||
	    write_crl(dir, "root-ca-crl.der", p->root_crl) ||
	    write_crl(dir, "pck-crl.der", p->pck_crl) ||
	    write_text(dir, "tcb-info.json", p->tcb_info) ||
	    write_text(dir, "qe-identity.json", p->qe_identity))
		return -EIO;
	return 0;
}

static int load(struct qgs_pki *p, const char *dir, struct emu_error *err)
{
	p->root_key = read_key(dir, "root-ca.key");
	p->ca_key = read_key(dir, "pck-platform-ca.key");
	p->pck_key = read_key(dir, "pck.key");
	p->tcb_key = read_key(dir, "tcb-signing.key");
	p->att_key = read_key(dir, "attestation-key.pem");
	p->root = read_cert(dir, "root-ca.pem");
	p->ca = read_cert(dir, "pck-platform-ca.pem");
	p->pck = read_cert(dir, "pck.pem");
	p->tcb = read_cert(dir, "tcb-signing.pem");
	p->root_crl = read_crl(dir, "root-ca-crl.der");
	p->pck_crl = read_crl(dir, "pck-crl.der");
	p->tcb_info = read_text(dir, "tcb-info.json");
	p->qe_identity = read_text(dir, "qe-identity.json");
	if (!p->root_key || !p->ca_key || !p->pck_key || !p->tcb_key || !p->att_key ||
	    !p->root || !p->ca || !p->pck || !p->tcb || !p->root_crl || !p->pck_crl ||
	    !p->tcb_info || !p->qe_identity)
		return emu_error_set(err, -EINVAL, "%s: incomplete or unreadable PKI files", dir);
	if (EVP_PKEY_get_base_id(p->att_key) != EVP_PKEY_EC ||
	    X509_check_private_key(p->pck, p->pck_key) != 1)
		return emu_error_set(err, -EINVAL, "%s: keys do not match the certificates", dir);
	return 0;
}

/* The PEM chain the quote carries: leaf || platform CA || root. */
static int make_chain(struct qgs_pki *p, struct emu_error *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	if (!b || !PEM_write_bio_X509(b, p->pck) || !PEM_write_bio_X509(b, p->ca) ||
	    !PEM_write_bio_X509(b, p->root)) {
		BIO_free(b);
		return emu_error_set(err, -EIO, "pki: cannot encode the PCK chain");
	}
	n = BIO_get_mem_data(b, &data);
	p->pck_chain_pem = malloc((size_t)n + 1);
	if (p->pck_chain_pem) {
		memcpy(p->pck_chain_pem, data, (size_t)n);
		p->pck_chain_pem[n] = '\0';
		p->pck_chain_len = (size_t)n;
	}
	BIO_free(b);
	return p->pck_chain_pem ? 0 : emu_error_set(err, -ENOMEM, "pki: out of memory");
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && !path_in(p, sizeof(p), dir, e->d_name))
			unlink(p);
	closedir(d);
	rmdir(dir);
}

/* The state directory and its parents, mode 0700 where created. */
static int make_dirs(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *c = buf + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*c = '/';
	}
	return mkdir(buf, 0700) && errno != EEXIST ? -errno : 0;
}

int pki_load_or_create(const char *state_dir, const uint8_t cpusvn[16],
		       struct qgs_pki **out, struct emu_error *err)
{
	struct qgs_pki *p = calloc(1, sizeof(*p));
	char tmp[PATH_MAX];
	struct stat st;
	int ret;

	*out = NULL;
	if (!p)
		return emu_error_set(err, -ENOMEM, "pki: out of memory");
	if (path_in(p->dir, sizeof(p->dir), state_dir, PKI_DIR) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.%ld", state_dir, PKI_DIR,
			     (long)getpid()) >= sizeof(tmp)) {
		free(p);
		return emu_error_set(err, -ENAMETOOLONG, "%s: path too long", state_dir);
	}
	ret = make_dirs(state_dir);
	if (ret) {
		emu_error_set(err, ret, "%s: cannot create: %s", state_dir, strerror(-ret));
		free(p);
		return ret;
	}
	if (stat(p->dir, &st)) {
		struct qgs_pki *fresh = calloc(1, sizeof(*fresh));

		if (!fresh) {
			free(p);
			return emu_error_set(err, -ENOMEM, "pki: out of memory");
		}
		remove_tree(tmp);
		if (mkdir(tmp, 0700)) {
			ret = emu_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
		} else {
			ret = generate(fresh, cpusvn, err);
			if (!ret && store(fresh, tmp))
				ret = emu_error_set(err, -EIO, "%s: cannot write the PKI", tmp);
			/* Another creator may have won; then its PKI is the one. */
			if (!ret && rename(tmp, p->dir) && errno != EEXIST && errno != ENOTEMPTY)
				ret = emu_error_set(err, -errno, "%s: %s", p->dir, strerror(errno));
			remove_tree(tmp);
		}
		pki_free(fresh);
		if (ret) {
			free(p);
			return ret;
		}
	}
	ret = load(p, p->dir, err);
	if (!ret)
		ret = make_chain(p, err);
	if (ret) {
		pki_free(p);
		return ret;
	}
	default_identity(&p->id, cpusvn);
	*out = p;
	return 0;
}

void pki_free(struct qgs_pki *p)
{
	if (!p)
		return;
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->ca_key);
	EVP_PKEY_free(p->pck_key);
	EVP_PKEY_free(p->tcb_key);
	EVP_PKEY_free(p->att_key);
	X509_free(p->root);
	X509_free(p->ca);
	X509_free(p->pck);
	X509_free(p->tcb);
	X509_CRL_free(p->root_crl);
	X509_CRL_free(p->pck_crl);
	free(p->tcb_info);
	free(p->qe_identity);
	free(p->pck_chain_pem);
	free(p);
}
