/*
 * The signed collateral documents (pki.h): TDX TCB info v3 and the TD QE
 * identity v2, shaped as Intel's PCS serves them (attestation.md 1.8),
 * built with json-c and signed over the exact bytes of the inner object.
 *
 * Values (tdx-emu's choices):
 *   - one UpToDate TCB level at the platform's own SVNs (SGX components =
 *     CPUSVN bytes, PCESVN, TDX components 0), and an OutOfDate level at
 *     all zeros below it;
 *   - tdxModule and tdxModuleIdentities TDX_01..TDX_0F with MRSIGNER 0
 *     (the vendor's module), attributes 0 under an all-ones mask, each
 *     UpToDate from ISV SVN 0;
 *   - issueDate now, nextUpdate one year later (PCS uses 30 days; a
 *     longer window keeps a platform's collateral usable without a
 *     refresh service);
 *   - tcbEvaluationDataNumber 17.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "pki.h"

#define TCB_EVAL_NUMBER		17
#define NEXT_UPDATE_SECONDS	(365L * 24 * 3600)
#define QE_MRENCLAVE_LABEL	"tdx-emu TD quoting enclave v1"
#define QE_MRSIGNER_LABEL	"tdx-emu TD quoting enclave signer v1"

static void sha256_label(const char *label, uint8_t out[32])
{
	unsigned int n = 32;

	EVP_Digest(label, strlen(label), out, &n, EVP_sha256(), NULL);
}

void pki_qe_mrenclave(uint8_t out[32])
{
	sha256_label(QE_MRENCLAVE_LABEL, out);
}

void pki_qe_mrsigner(uint8_t out[32])
{
	sha256_label(QE_MRSIGNER_LABEL, out);
}

static json_object *hex(const uint8_t *p, size_t n)
{
	char buf[256];

	for (size_t i = 0; i < n && 2 * i + 2 < sizeof(buf); i++)
		snprintf(buf + 2 * i, 3, "%02X", p[i]);
	buf[2 * n < sizeof(buf) ? 2 * n : sizeof(buf) - 1] = '\0';
	return json_object_new_string(buf);
}

static json_object *date(time_t t)
{
	char buf[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}

static json_object *level(json_object *tcb, time_t when, const char *status)
{
	json_object *l = json_object_new_object();

	json_object_object_add(l, "tcb", tcb);
	json_object_object_add(l, "tcbDate", date(when));
	json_object_object_add(l, "tcbStatus", json_object_new_string(status));
	return l;
}

static json_object *components(const uint8_t svn[16])
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < 16; i++) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "svn", json_object_new_int(svn ? svn[i] : 0));
		json_object_array_add(a, c);
	}
	return a;
}

static json_object *platform_tcb(const uint8_t *sgx, int pcesvn)
{
	json_object *t = json_object_new_object();

	json_object_object_add(t, "sgxtcbcomponents", components(sgx));
	json_object_object_add(t, "pcesvn", json_object_new_int(pcesvn));
	json_object_object_add(t, "tdxtcbcomponents", components(NULL));
	return t;
}

static json_object *isvsvn_tcb(int isvsvn)
{
	json_object *t = json_object_new_object();

	json_object_object_add(t, "isvsvn", json_object_new_int(isvsvn));
	return t;
}

/* Serialise @body, sign those bytes, wrap as {"@key":body,"signature":hex}. */
static int sign_wrap(json_object *body, const char *key, EVP_PKEY *signing_key, char **out,
		     struct emu_error *err)
{
	const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	uint8_t sig[64];
	char sighex[129];
	size_t len;
	char *doc;

	if (!text || pki_ecdsa_sign(signing_key, text, strlen(text), sig))
		return emu_error_set(err, -EIO, "collateral: cannot sign %s", key);
	for (int i = 0; i < 64; i++)
		snprintf(sighex + 2 * i, 3, "%02x", sig[i]);
	len = strlen(text) + strlen(key) + sizeof(sighex) + 32;
	doc = malloc(len);
	if (!doc)
		return emu_error_set(err, -ENOMEM, "collateral: out of memory");
	snprintf(doc, len, "{\"%s\":%s,\"signature\":\"%s\"}", key, text, sighex);
	*out = doc;
	return 0;
}

int collateral_tcb_info(const struct pki_identity *id, EVP_PKEY *signing_key, time_t now,
			char **out, struct emu_error *err)
{
	static const uint8_t zero48[48], attrs[8], mask[8] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	json_object *ti = json_object_new_object(), *mod = json_object_new_object();
	json_object *ids = json_object_new_array(), *levels = json_object_new_array();
	int ret;

	json_object_object_add(ti, "id", json_object_new_string("TDX"));
	json_object_object_add(ti, "version", json_object_new_int(3));
	json_object_object_add(ti, "issueDate", date(now));
	json_object_object_add(ti, "nextUpdate", date(now + NEXT_UPDATE_SECONDS));
	json_object_object_add(ti, "fmspc", hex(id->fmspc, 6));
	json_object_object_add(ti, "pceId", hex(id->pce_id, 2));
	json_object_object_add(ti, "tcbType", json_object_new_int(0));
	json_object_object_add(ti, "tcbEvaluationDataNumber", json_object_new_int(TCB_EVAL_NUMBER));
	json_object_object_add(mod, "mrsigner", hex(zero48, 48));
	json_object_object_add(mod, "attributes", hex(attrs, 8));
	json_object_object_add(mod, "attributesMask", hex(mask, 8));
	json_object_object_add(ti, "tdxModule", mod);
	for (int major = 1; major <= 15; major++) {
		json_object *m = json_object_new_object(), *ml = json_object_new_array();
		char name[8];

		snprintf(name, sizeof(name), "TDX_%02X", major);
		json_object_object_add(m, "id", json_object_new_string(name));
		json_object_object_add(m, "mrsigner", hex(zero48, 48));
		json_object_object_add(m, "attributes", hex(attrs, 8));
		json_object_object_add(m, "attributesMask", hex(mask, 8));
		json_object_array_add(ml, level(isvsvn_tcb(0), now, "UpToDate"));
		json_object_object_add(m, "tcbLevels", ml);
		json_object_array_add(ids, m);
	}
	json_object_object_add(ti, "tdxModuleIdentities", ids);
	json_object_array_add(levels, level(platform_tcb(id->sgx_tcb_comp_svn, id->pcesvn), now,
					    "UpToDate"));
	json_object_array_add(levels, level(platform_tcb(NULL, 0), now, "OutOfDate"));
	json_object_object_add(ti, "tcbLevels", levels);
	ret = sign_wrap(ti, "tcbInfo", signing_key, out, err);
	json_object_put(ti);
	return ret;
}

int collateral_qe_identity(EVP_PKEY *signing_key, time_t now, char **out,
			   struct emu_error *err)
{
	static const uint8_t miscselect[4], miscmask[4] = { 0xff, 0xff, 0xff, 0xff };
	/*
	 * ATTRIBUTES INIT | PROVISIONKEY under a mask that ignores MODE64BIT
	 * (bit 2) and checks DEBUG, the values PCS's TD_QE identity carries.
	 */
	static const uint8_t attributes[16] = { 0x11 };
	static const uint8_t attrmask[16] = { 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	json_object *qe = json_object_new_object(), *levels = json_object_new_array();
	uint8_t mrsigner[32];
	int ret;

	pki_qe_mrsigner(mrsigner);
	json_object_object_add(qe, "id", json_object_new_string("TD_QE"));
	json_object_object_add(qe, "version", json_object_new_int(2));
	json_object_object_add(qe, "issueDate", date(now));
	json_object_object_add(qe, "nextUpdate", date(now + NEXT_UPDATE_SECONDS));
	json_object_object_add(qe, "tcbEvaluationDataNumber", json_object_new_int(TCB_EVAL_NUMBER));
	json_object_object_add(qe, "miscselect", hex(miscselect, 4));
	json_object_object_add(qe, "miscselectMask", hex(miscmask, 4));
	json_object_object_add(qe, "attributes", hex(attributes, 16));
	json_object_object_add(qe, "attributesMask", hex(attrmask, 16));
	json_object_object_add(qe, "mrsigner", hex(mrsigner, 32));
	json_object_object_add(qe, "isvprodid", json_object_new_int(PKI_QE_ISVPRODID));
	json_object_array_add(levels, level(isvsvn_tcb(PKI_QE_ISVSVN), now, "UpToDate"));
	json_object_array_add(levels, level(isvsvn_tcb(0), now, "OutOfDate"));
	json_object_object_add(qe, "tcbLevels", levels);
	ret = sign_wrap(qe, "enclaveIdentity", signing_key, out, err);
	json_object_put(qe);
	return ret;
}
