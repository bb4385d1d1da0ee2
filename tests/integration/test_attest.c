/*
 * Attestation end to end with a real TD on /dev/kvm: the report.S guest
 * calls TDG.MR.REPORT on a platform built with a state directory; the
 * host reads the TDREPORT; the quoting enclave of that platform state
 * (tools/tdx-qgs) checks it and quotes it, through tdx-qgs's message
 * handling; tdxctl's verifier accepts the quote against the exported
 * root CA and collateral, with the TD's MRTD and RTMRs as policy.
 * Skipped, with the reason, where /dev/kvm is unusable.
 */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <tdx/tdx_metadata.h>
#include <tdx/tdx_quote.h>
#include <tdx/tdx_report.h>
#include <tdx/tdx_status.h>

#include "guest_paths.h"
#include "qe.h"
#include "qgs_msg.h"
#include "td_fixture.h"
#include "tdxctl/attest.h"

#define STEP_DUMP	0x100
#define REPORTDATA_BYTE0 0xC0

static char tmp[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tmp(void)
{
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* report.S: step 1 (RTMR.EXTEND, MR.REPORT), then the TDREPORT, 32 bytes a step. */
static void read_report(struct tdrun *t, struct tdreport_struct *rep)
{
	uint64_t q[TDX_REPORT_SIZE / 8], r[4];

	expect_report(t, 0, 1, r);
	assert_int_equal(r[0], TDX_SUCCESS);
	assert_int_equal(r[1], TDX_SUCCESS);
	for (unsigned int i = 0; i < TDX_REPORT_SIZE / 32; i++) {
		expect_report(t, 0, STEP_DUMP + i, r);
		memcpy(&q[4 * i], r, sizeof(r));
	}
	memcpy(rep, q, sizeof(*rep));
}

/* The MRTD as the host reads it (TDH.MNG.RD), to check the quote against. */
static void host_mrtd(struct tdrun *t, uint8_t out[48])
{
	for (unsigned int i = 0; i < 6; i++) {
		struct tdx_module_args a = { .rax = TDH_MNG_RD, .rcx = t->tdr,
					     .rdx = MD_TD_MRTD + i };

		assert_int_equal(tdf_seamcall(t, 0, &a), TDX_SUCCESS);
		memcpy(out + 8 * i, &a.r8, 8);
	}
}

static void test_td_report_to_verified_quote(void **state)
{
	char why[256], opt[320], st[300], coll[300], root[340];
	struct tdxctl_verify_policy pol = { 0 };
	struct tdxctl_verify_result res;
	struct emu_error err = { 0 };
	struct tdreport_struct rep;
	struct qgs_get_quote_req *req;
	const struct qgs_get_quote_resp *resp;
	uint8_t mrtd[48], *out = NULL;
	size_t out_len = 0;
	struct qe *qe;
	struct tdrun *t;

	if (!tdf_kvm_usable(why, sizeof(why)))
		skip();
	snprintf(st, sizeof(st), "%s/state", tmp);
	snprintf(coll, sizeof(coll), "%s/collateral", tmp);
	snprintf(root, sizeof(root), "%s/%s", coll, TDXCTL_PKI_ROOT_CA);
	snprintf(opt, sizeof(opt), "state-dir=%s", st);
	t = *state = td_start_on(opt, GUEST_IMAGE_REPORT, 1, TDF_TD_ATTR_SEPT_VE_DISABLE);
	read_report(t, &rep);
	host_mrtd(t, mrtd);
	assert_memory_equal(rep.tdinfo.mrtd, mrtd, 48);

	/* The QE of the same platform state, reached through tdx-qgs's message handling. */
	assert_int_equal(qe_open(st, &qe, &err), 0);
	req = calloc(1, sizeof(*req) + sizeof(rep));
	assert_non_null(req);
	req->header = (struct qgs_msg_header){ .major_version = 1, .minor_version = 1,
					       .type = QGS_MSG_GET_QUOTE_REQ,
					       .size = sizeof(*req) + sizeof(rep) };
	req->report_size = sizeof(rep);
	memcpy(req + 1, &rep, sizeof(rep));
	assert_int_equal(qgs_handle_msg(qe, (const uint8_t *)req, sizeof(*req) + sizeof(rep), &out,
					&out_len, why, sizeof(why)), QGS_MSG_SUCCESS);
	resp = (const void *)out;
	assert_int_equal(resp->header.error_code, 0);
	assert_int_equal(out_len, sizeof(*resp) + resp->quote_size);

	/* Verified, with the TD's own measurements and REPORTDATA as policy. */
	assert_int_equal(tdxctl_pki_export(st, coll, &err), 0);
	pol.mrtd = mrtd;
	for (int i = 0; i < 4; i++)
		pol.rtmr[i] = rep.tdinfo.rtmr[i];
	pol.report_data = rep.reportmacstruct.reportdata;
	for (int i = 0; i < 64; i++)
		assert_int_equal(rep.reportmacstruct.reportdata[i], REPORTDATA_BYTE0 + i);
	if (tdxctl_quote_verify((const uint8_t *)(resp + 1), resp->quote_size, root, coll, &pol,
				&res, &err))
		fail_msg("quote of a real TD refused: %s", err.msg);
	assert_string_equal(res.tcb_status, "UpToDate");

	/* A report of a platform with another root secret is refused by this QE. */
	rep.reportmacstruct.mac[0] ^= 1;
	free(out);
	memcpy(req + 1, &rep, sizeof(rep));
	assert_int_equal(qgs_handle_msg(qe, (const uint8_t *)req, sizeof(*req) + sizeof(rep), &out,
					&out_len, why, sizeof(why)), QGS_MSG_ERROR_QUOTE);
	assert_non_null(strstr(why, "MAC"));
	free(out);
	free(req);
	qe_close(qe);
}

/* A TD on a platform without the state directory: its reports are not this QE's. */
static void test_other_platform_report_refused(void **state)
{
	char why[256], st[300];
	struct emu_error err = { 0 };
	struct tdreport_struct rep;
	struct qe *qe;
	struct tdrun *t;

	if (!tdf_kvm_usable(why, sizeof(why)))
		skip();
	snprintf(st, sizeof(st), "%s/state", tmp);
	t = *state = td_start(GUEST_IMAGE_REPORT, 1, TDF_TD_ATTR_SEPT_VE_DISABLE);
	read_report(t, &rep);
	assert_int_equal(qe_open(st, &qe, &err), 0);
	assert_int_equal(qe_verify_report(qe, &rep, sizeof(rep), &err), -EINVAL);
	assert_non_null(strstr(err.msg, "MAC does not verify"));
	qe_close(qe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_td_report_to_verified_quote, td_stop),
		cmocka_unit_test_teardown(test_other_platform_report_refused, td_stop),
	};
	char why[256];

	if (!tdf_kvm_usable(why, sizeof(why)))
		printf("SKIPPED: %s\n", why);
	snprintf(tmp, sizeof(tmp), "%s/tdx-attest-td-%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 (int)getpid());
	atexit(rm_tmp);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
