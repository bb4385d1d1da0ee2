/*
 * tdxctl quote verification (libtdxctl/src/quote_verify.c) against quotes
 * from the emulated QE: a good quote verifies; a change to any byte of
 * the quote or of the collateral fails with a reason naming the part;
 * the policy options do what they say.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "attest_test_util.h"
#include "pki.h"
#include "qe.h"
#include "tdxctl/attest.h"

static struct qe *qe;
static char state[600], coll[600], root[700];
static uint8_t *quote;
static size_t quote_len;
static struct tdreport_struct report;

static int setup(void **s)
{
	struct emu_error err = { 0 };

	(void)s;
	at_path(state, sizeof(state), "state");
	at_path(coll, sizeof(coll), "collateral");
	snprintf(root, sizeof(root), "%s/%s", coll, TDXCTL_PKI_ROOT_CA);
	if (qe_open(state, &qe, &err) || tdxctl_pki_export(state, coll, &err)) {
		print_error("setup: %s\n", err.msg);
		return -1;
	}
	at_make_report(state, 7, &report);
	if (qe_quote(qe, &report, sizeof(report), &quote, &quote_len, &err)) {
		print_error("qe_quote: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	free(quote);
	qe_close(qe);
	return 0;
}

static int verify(const uint8_t *q, size_t len, const struct tdxctl_verify_policy *pol,
		  struct emu_error *err)
{
	static const struct tdxctl_verify_policy none;
	struct tdxctl_verify_result res;

	memset(err, 0, sizeof(*err));
	return tdxctl_quote_verify(q, len, root, coll, pol ? pol : &none, &res, err);
}

static void test_good_quote_verifies(void **s)
{
	static const struct tdxctl_verify_policy none;
	struct tdxctl_verify_result res;
	struct emu_error err = { 0 };

	(void)s;
	if (tdxctl_quote_verify(quote, quote_len, root, coll, &none, &res, &err))
		fail_msg("good quote refused: %s", err.msg);
	assert_string_equal(res.tcb_status, "UpToDate");
	assert_string_equal(res.qe_status, "UpToDate");
	assert_string_equal(res.fmspc, "00806f050000");
}

/* The part a change at quote offset @off must be blamed on (attestation.md 1.1-1.5). */
static const char *const *blame(size_t off)
{
	static const char *const header[] = { "quote header", NULL };
	static const char *const sig[] = { "quote signature:", NULL };
	static const char *const structure[] = { "quote ", NULL };
	static const char *const akey[] = { "attestation key", "quote signature:", NULL };
	static const char *const qe_sig[] = { "QE report signature", NULL };
	static const char *const qe_data[] = { "QE report data", NULL };
	static const char *const chain[] = { "PCK", NULL };

	if (off < 8 || (off >= 12 && off < 28))
		return header;
	if (off < 632)
		return sig;			/* reserved, user data, body */
	if (off < 636)
		return structure;		/* signature_data_len */
	if (off < 700)
		return sig;
	if (off < 764)
		return akey;
	if (off < 770)
		return structure;		/* certification data type, size */
	if (off < 1218)
		return qe_sig;			/* QE report and its signature */
	if (off < 1220)
		return structure;		/* QE auth data size */
	if (off < 1252)
		return qe_data;			/* QE auth data */
	if (off < 1258)
		return structure;		/* inner type and size */
	return chain;
}

/*
 * Every byte of the binary parts is changed; in PEM and JSON text every
 * TEXT_STRIDE-th byte (every byte with TDX_ATTEST_EXHAUSTIVE=1), which
 * keeps the test to seconds.
 */
#define TEXT_STRIDE 5

static size_t text_stride(void)
{
	const char *e = getenv("TDX_ATTEST_EXHAUSTIVE");

	return e && *e == '1' ? 1 : TEXT_STRIDE;
}

static void test_every_quote_byte_refused(void **s)
{
	uint8_t *bad = malloc(quote_len);
	struct emu_error err;

	(void)s;
	assert_non_null(bad);
	for (size_t off = 0; off < quote_len; off += off < 1258 ? 1 : text_stride()) {
		const char *const *want = blame(off);
		bool named = false;

		memcpy(bad, quote, quote_len);
		bad[off] ^= 0x80;
		if (!verify(bad, quote_len, NULL, &err))
			fail_msg("quote byte %zu changed: accepted", off);
		for (unsigned int i = 0; want[i]; i++)
			named |= !strncmp(err.msg, want[i], strlen(want[i]));
		if (!named)
			fail_msg("quote byte %zu changed: '%s', expected '%s'", off, err.msg, want[0]);
	}
	/* Cut short anywhere: refused too. */
	for (size_t len = 0; len < quote_len; len += 97)
		assert_int_not_equal(verify(quote, len, NULL, &err), 0);
	free(bad);
}

/* Every byte of a collateral file changed, one at a time: refused, naming @what. */
static void mutate_file(const char *name, const char *what)
{
	char path[800];
	uint8_t *orig, *bad;
	struct emu_error err;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", coll, name);
	orig = at_read(path, &len);
	bad = malloc(len);
	assert_non_null(bad);
	for (size_t off = 0; off < len; off += strstr(name, ".der") ? 1 : text_stride()) {
		memcpy(bad, orig, len);
		bad[off] ^= 0x80;
		at_write(path, bad, len);
		if (!verify(quote, quote_len, NULL, &err))
			fail_msg("%s byte %zu changed: accepted", name, off);
		if (!strstr(err.msg, what))
			fail_msg("%s byte %zu changed: '%s' does not name %s", name, off, err.msg,
				 what);
	}
	/* Missing: refused, naming the file. */
	assert_int_equal(remove(path), 0);
	assert_int_not_equal(verify(quote, quote_len, NULL, &err), 0);
	assert_non_null(strstr(err.msg, name));
	at_write(path, orig, len);
	assert_int_equal(verify(quote, quote_len, NULL, &err), 0);
	free(bad);
	free(orig);
}

static void test_root_crl_bytes(void **s)
{
	(void)s;
	mutate_file(TDXCTL_PKI_ROOT_CRL, "root CA CRL");
}

static void test_pck_crl_bytes(void **s)
{
	(void)s;
	mutate_file(TDXCTL_PKI_PCK_CRL, "PCK CRL");
}

static void test_tcb_info_bytes(void **s)
{
	(void)s;
	mutate_file(TDXCTL_PKI_TCB_INFO, TDXCTL_PKI_TCB_INFO);
}

static void test_qe_identity_bytes(void **s)
{
	(void)s;
	mutate_file(TDXCTL_PKI_QE_IDENTITY, TDXCTL_PKI_QE_IDENTITY);
}

static void test_tcb_chain_bytes(void **s)
{
	(void)s;
	mutate_file(TDXCTL_PKI_TCB_CHAIN, TDXCTL_PKI_TCB_CHAIN);
}

static void test_other_root_refused(void **s)
{
	char other_state[600], other_coll[600], saved[700];
	struct emu_error err = { 0 };

	(void)s;
	at_path(other_state, sizeof(other_state), "other-state");
	at_path(other_coll, sizeof(other_coll), "other-collateral");
	assert_int_equal(tdxctl_pki_export(other_state, other_coll, &err), 0);
	strcpy(saved, root);
	snprintf(root, sizeof(root), "%s/%s", other_coll, TDXCTL_PKI_ROOT_CA);
	assert_int_not_equal(verify(quote, quote_len, NULL, &err), 0);
	assert_non_null(strstr(err.msg, "PCK chain root"));
	strcpy(root, saved);
	/* The other platform's collateral with our root: its CRLs are not our root's. */
	assert_int_not_equal(tdxctl_quote_verify(quote, quote_len, root, other_coll,
						 &(struct tdxctl_verify_policy){ 0 },
						 &(struct tdxctl_verify_result){ { 0 } }, &err), 0);
	assert_non_null(strstr(err.msg, "root CA CRL"));
}

static void test_collateral_expiry(void **s)
{
	struct tdxctl_verify_policy pol = { .now = time(NULL) + 2 * 365L * 24 * 3600 };
	struct emu_error err;

	(void)s;
	assert_int_not_equal(verify(quote, quote_len, &pol, &err), 0);
	assert_non_null(strstr(err.msg, "not current"));
	pol.now = time(NULL) - 24 * 3600;
	assert_int_not_equal(verify(quote, quote_len, &pol, &err), 0);
}

/* TCB info re-issued with a level above this platform: OutOfDate. */
static void test_out_of_date_tcb(void **s)
{
	const struct qgs_pki *pki = qe_pki(qe);
	struct pki_identity id = pki->id;
	struct tdxctl_verify_policy pol = { 0 };
	struct tdxctl_verify_result res;
	struct emu_error err = { 0 };
	char path[800], *doc;
	uint8_t *orig;
	size_t len;

	(void)s;
	snprintf(path, sizeof(path), "%s/%s", coll, TDXCTL_PKI_TCB_INFO);
	orig = at_read(path, &len);
	id.sgx_tcb_comp_svn[2]++;
	assert_int_equal(collateral_tcb_info(&id, pki->tcb_key, time(NULL) - 60, &doc, &err), 0);
	at_write(path, doc, strlen(doc));
	assert_int_not_equal(verify(quote, quote_len, NULL, &err), 0);
	assert_string_equal(err.msg, "TCB status: OutOfDate");
	pol.allow_out_of_date = true;
	assert_int_equal(tdxctl_quote_verify(quote, quote_len, root, coll, &pol, &res, &err), 0);
	assert_string_equal(res.tcb_status, "OutOfDate");
	/* A different FMSPC is refused before any level is looked at. */
	free(doc);
	id = pki->id;
	id.fmspc[5] ^= 1;
	assert_int_equal(collateral_tcb_info(&id, pki->tcb_key, time(NULL) - 60, &doc, &err), 0);
	at_write(path, doc, strlen(doc));
	assert_int_not_equal(verify(quote, quote_len, &pol, &err), 0);
	assert_non_null(strstr(err.msg, "FMSPC"));
	/* Signed by a key that is not the TCB signing key: refused. */
	free(doc);
	assert_int_equal(collateral_tcb_info(&pki->id, pki->pck_key, time(NULL) - 60, &doc, &err), 0);
	at_write(path, doc, strlen(doc));
	assert_int_not_equal(verify(quote, quote_len, NULL, &err), 0);
	assert_non_null(strstr(err.msg, "signature does not verify"));
	free(doc);
	at_write(path, orig, len);
	free(orig);
	assert_int_equal(verify(quote, quote_len, NULL, &err), 0);
}

static uint8_t *quote_of(struct tdreport_struct *rep, size_t *len)
{
	struct emu_error err = { 0 };
	uint8_t *q;

	at_seal_report(state, rep);
	assert_int_equal(qe_quote(qe, rep, sizeof(*rep), &q, len, &err), 0);
	return q;
}

static void test_policy(void **s)
{
	struct tdreport_struct rep = report;
	struct tdxctl_verify_policy pol = { 0 };
	struct emu_error err;
	uint8_t other[64];
	uint8_t *q;
	size_t len;

	(void)s;
	/* Debug TD. */
	rep.tdinfo.attributes |= 1;
	q = quote_of(&rep, &len);
	assert_int_not_equal(verify(q, len, &pol, &err), 0);
	assert_non_null(strstr(err.msg, "policy: the TD is a debug TD"));
	pol.allow_debug = true;
	assert_int_equal(verify(q, len, &pol, &err), 0);
	free(q);
	/* SEPT_VE_DISABLE clear. */
	rep = report;
	rep.tdinfo.attributes &= ~(1ULL << 28);
	q = quote_of(&rep, &len);
	pol = (struct tdxctl_verify_policy){ 0 };
	assert_int_not_equal(verify(q, len, &pol, &err), 0);
	assert_non_null(strstr(err.msg, "SEPT_VE_DISABLE"));
	pol.allow_sept_ve_enabled = true;
	assert_int_equal(verify(q, len, &pol, &err), 0);
	free(q);
	/* Expected measurements. */
	pol = (struct tdxctl_verify_policy){ .mrtd = report.tdinfo.mrtd,
					     .report_data = report.reportmacstruct.reportdata };
	for (int i = 0; i < 4; i++)
		pol.rtmr[i] = report.tdinfo.rtmr[i];
	assert_int_equal(verify(quote, quote_len, &pol, &err), 0);
	memcpy(other, report.tdinfo.mrtd, 48);
	other[47] ^= 1;
	pol.mrtd = other;
	assert_int_not_equal(verify(quote, quote_len, &pol, &err), 0);
	assert_string_equal(err.msg, "policy: MRTD differs from --mrtd");
	pol.mrtd = NULL;
	for (int i = 0; i < 4; i++) {
		memcpy(other, report.tdinfo.rtmr[i], 48);
		other[0] ^= 1;
		pol.rtmr[i] = other;
		assert_int_not_equal(verify(quote, quote_len, &pol, &err), 0);
		assert_non_null(strstr(err.msg, "RTMR"));
		pol.rtmr[i] = report.tdinfo.rtmr[i];
	}
	memcpy(other, report.reportmacstruct.reportdata, 64);
	other[63] ^= 1;
	pol.report_data = other;
	assert_int_not_equal(verify(quote, quote_len, &pol, &err), 0);
	assert_non_null(strstr(err.msg, "REPORTDATA"));
}

/* A QE report changed and signed again with the PCK key: the QE identity checks. */
static void qe_report_case(void (*change)(struct sgx_report_body *), const char *want)
{
	uint8_t *q = malloc(quote_len);
	struct tdx_quote_v4 *v = (struct tdx_quote_v4 *)q;
	struct emu_error err;

	assert_non_null(q);
	memcpy(q, quote, quote_len);
	change(&v->sig.qe_report);
	assert_int_equal(pki_ecdsa_sign(qe_pki(qe)->pck_key, &v->sig.qe_report,
					sizeof(v->sig.qe_report), v->sig.qe_report_signature), 0);
	assert_int_not_equal(verify(q, quote_len, NULL, &err), 0);
	if (!strstr(err.msg, want))
		fail_msg("'%s', expected '%s'", err.msg, want);
	free(q);
}

static void qe_debug(struct sgx_report_body *r) { r->attributes[0] |= 2; }
static void qe_miscselect(struct sgx_report_body *r) { r->miscselect = 1; }
static void qe_mrsigner(struct sgx_report_body *r) { r->mr_signer[31] ^= 1; }
static void qe_prodid(struct sgx_report_body *r) { r->isv_prod_id = 1; }
static void qe_old_svn(struct sgx_report_body *r) { r->isv_svn = 3; }
static void qe_binding(struct sgx_report_body *r) { r->report_data[40] = 1; }

static void test_qe_identity(void **s)
{
	(void)s;
	qe_report_case(qe_debug, "QE identity: ATTRIBUTES");
	qe_report_case(qe_miscselect, "QE identity: MISCSELECT");
	qe_report_case(qe_mrsigner, "QE identity: MRSIGNER");
	qe_report_case(qe_prodid, "QE identity: ISVPRODID");
	qe_report_case(qe_old_svn, "QE TCB status: OutOfDate");
	qe_report_case(qe_binding, "QE report data: bytes 32..63");
}

/* TDX module fields of the body, in quotes the QE signs: checked against TCB info. */
static void test_tdx_module(void **s)
{
	struct tdreport_struct rep = report;
	struct emu_error err;
	uint8_t *q;
	size_t len;

	(void)s;
	rep.tee_tcb_info.tee_tcb_svn[1] = 0x20;		/* a major version with no identity */
	q = quote_of(&rep, &len);
	assert_int_not_equal(verify(q, len, NULL, &err), 0);
	assert_non_null(strstr(err.msg, "no tdxModuleIdentities entry TDX_20"));
	free(q);
	rep = report;
	rep.tee_tcb_info.mrsignerseam[0] = 1;
	q = quote_of(&rep, &len);
	assert_int_not_equal(verify(q, len, NULL, &err), 0);
	assert_non_null(strstr(err.msg, "MRSIGNERSEAM"));
	free(q);
	rep = report;
	rep.tee_tcb_info.attributes = 1;
	q = quote_of(&rep, &len);
	assert_int_not_equal(verify(q, len, NULL, &err), 0);
	assert_non_null(strstr(err.msg, "SEAMATTRIBUTES"));
	free(q);
	/* Without a major version, the TDX components of the level apply to all 16 bytes. */
	rep = report;
	rep.tee_tcb_info.tee_tcb_svn[1] = 0;
	rep.tee_tcb_info.tee_tcb_svn[0] = 0;
	q = quote_of(&rep, &len);
	assert_int_equal(verify(q, len, NULL, &err), 0);
	free(q);
}

static void test_decode(void **s)
{
	struct emu_error err = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)s;
	assert_int_equal(tdxctl_quote_print(f, quote, quote_len, false, &err), 0);
	assert_int_equal(tdxctl_quote_print(f, quote, quote_len, true, &err), 0);
	assert_int_equal(tdxctl_report_print(f, (const uint8_t *)&report, sizeof(report), true,
					     &err), 0);
	fclose(f);
	/* The MRTD as hex appears in each form. */
	{
		char hex[97];

		for (int i = 0; i < 48; i++)
			sprintf(hex + 2 * i, "%02x", report.tdinfo.mrtd[i]);
		assert_non_null(strstr(text, hex));
		assert_non_null(strstr(strstr(text, hex) + 1, hex));
	}
	assert_non_null(strstr(text, "\"td_quote_body\""));
	assert_non_null(strstr(text, "SEPT_VE_DISABLE"));
	free(text);
	f = fopen("/dev/null", "w");
	assert_int_not_equal(tdxctl_quote_print(f, quote, 100, false, &err), 0);
	assert_int_not_equal(tdxctl_report_print(f, quote, 1000, false, &err), 0);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_quote_verifies),
		cmocka_unit_test(test_every_quote_byte_refused),
		cmocka_unit_test(test_root_crl_bytes),
		cmocka_unit_test(test_pck_crl_bytes),
		cmocka_unit_test(test_tcb_info_bytes),
		cmocka_unit_test(test_qe_identity_bytes),
		cmocka_unit_test(test_tcb_chain_bytes),
		cmocka_unit_test(test_other_root_refused),
		cmocka_unit_test(test_collateral_expiry),
		cmocka_unit_test(test_out_of_date_tcb),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_qe_identity),
		cmocka_unit_test(test_tdx_module),
		cmocka_unit_test(test_decode),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
