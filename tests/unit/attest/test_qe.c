/*
 * The emulated quoting enclave (tools/tdx-qgs/qe.c): EVERIFYREPORT2
 * refuses any change to a covered byte of a TDREPORT with a named reason,
 * and the quote's body carries exactly the report's fields.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <tdx/tdx_quote.h>

#include "attest_test_util.h"
#include "qe.h"
#include "qgs_msg.h"

static struct qe *qe;
static char state[600];

static int setup(void **s)
{
	struct emu_error err = { 0 };

	(void)s;
	at_path(state, sizeof(state), "state");
	if (qe_open(state, &qe, &err)) {
		print_error("qe_open: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	qe_close(qe);
	return 0;
}

static void test_good_report_verifies(void **s)
{
	struct tdreport_struct rep;
	struct emu_error err = { 0 };

	(void)s;
	at_make_report(state, 1, &rep);
	assert_int_equal(qe_verify_report(qe, &rep, sizeof(rep), &err), 0);
	assert_int_equal(qe_verify_report(qe, &rep, sizeof(rep) - 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "1024"));
}

/* Which reason a change at @off must produce. */
static const char *expected_reason(size_t off)
{
	if (off < 2)
		return "REPORTTYPE";
	if (off >= 16 && off < 32)
		return "CPUSVN";
	if (off >= 32 && off < 80)
		return "TEE_TCB_INFO_HASH";	/* the stored hash no longer matches */
	if (off >= 80 && off < 128)
		return "TEE_INFO_HASH";
	if (off < 256)
		return "MAC";
	if (off < 495)
		return "TEE_TCB_INFO_HASH";
	return "TEE_INFO_HASH";
}

static void test_every_covered_byte_refused(void **s)
{
	struct tdreport_struct good, bad;
	struct emu_error err;
	uint8_t *p = (uint8_t *)&bad;

	(void)s;
	at_make_report(state, 2, &good);
	for (size_t off = 0; off < sizeof(good); off++) {
		if (off >= 495 && off < 512)
			continue;	/* the reserved gap no hash covers */
		memcpy(&bad, &good, sizeof(bad));
		p[off] ^= 0x01;
		memset(&err, 0, sizeof(err));
		if (qe_verify_report(qe, &bad, sizeof(bad), &err) != -EINVAL)
			fail_msg("byte %zu changed: report accepted", off);
		if (!strstr(err.msg, expected_reason(off)))
			fail_msg("byte %zu changed: '%s', expected %s", off, err.msg,
				 expected_reason(off));
	}
}

static void test_report_of_other_platform_refused(void **s)
{
	struct tdreport_struct rep;
	struct emu_error err = { 0 };
	char other[600];

	(void)s;
	at_path(other, sizeof(other), "other-platform");
	at_make_report(other, 3, &rep);
	assert_int_equal(qe_verify_report(qe, &rep, sizeof(rep), &err), -EINVAL);
	assert_non_null(strstr(err.msg, "MAC"));
}

static void test_quote_body_is_the_report(void **s)
{
	struct tdreport_struct rep;
	struct emu_error err = { 0 };
	const struct tdx_quote_v4 *q;
	uint8_t *quote;
	size_t len;
	uint8_t *raw;
	static const uint8_t intel[16] = { 0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
					   0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07 };

	(void)s;
	at_make_report(state, 4, &rep);
	assert_int_equal(qe_quote(qe, &rep, sizeof(rep), &quote, &len, &err), 0);
	q = (const void *)quote;
	raw = quote;
	/* Header, by offset (attestation.md 1.2). */
	assert_int_equal(raw[0] | raw[1] << 8, 4);
	assert_int_equal(raw[2] | raw[3] << 8, 2);
	assert_int_equal(raw[4], 0x81);
	assert_memory_equal(raw + 12, intel, 16);
	/* Body, by quote offset against the report's own fields (1.3). */
	assert_memory_equal(raw + 48, rep.tee_tcb_info.tee_tcb_svn, 16);
	assert_memory_equal(raw + 64, rep.tee_tcb_info.mrseam, 48);
	assert_memory_equal(raw + 112, rep.tee_tcb_info.mrsignerseam, 48);
	assert_memory_equal(raw + 160, &rep.tee_tcb_info.attributes, 8);
	assert_memory_equal(raw + 168, &rep.tdinfo.attributes, 8);
	assert_memory_equal(raw + 176, &rep.tdinfo.xfam, 8);
	assert_memory_equal(raw + 184, rep.tdinfo.mrtd, 48);
	assert_memory_equal(raw + 232, rep.tdinfo.mrconfigid, 48);
	assert_memory_equal(raw + 280, rep.tdinfo.mrowner, 48);
	assert_memory_equal(raw + 328, rep.tdinfo.mrownerconfig, 48);
	assert_memory_equal(raw + 376, rep.tdinfo.rtmr, 4 * 48);
	assert_memory_equal(raw + 568, rep.reportmacstruct.reportdata, 64);
	/* Signature data sizes add up (1.5). */
	assert_int_equal(636 + q->signature_data_len, len);
	assert_int_equal(raw[636 + 128] | raw[636 + 129] << 8, 6);
	assert_int_equal(raw[636 + 582] | raw[636 + 583] << 8, 32);
	assert_int_equal(raw[636 + 584 + 32] | raw[636 + 585 + 32] << 8, 5);
	assert_non_null(strstr((const char *)raw + 636 + 590 + 32, "-----BEGIN CERTIFICATE-----"));
	free(quote);

	/* A refused report makes no quote. */
	rep.tdinfo.mrtd[0] ^= 1;
	quote = (uint8_t *)&err;
	assert_int_equal(qe_quote(qe, &rep, sizeof(rep), &quote, &len, &err), -EINVAL);
	assert_null(quote);
}

static void test_qe_reopen_same_keys(void **s)
{
	struct qe *again;
	struct emu_error err = { 0 };

	(void)s;
	assert_int_equal(qe_open(state, &again, &err), 0);
	assert_string_equal(qe_pki(again)->pck_chain_pem, qe_pki(qe)->pck_chain_pem);
	qe_close(again);
}

/* Processes racing to create a platform's PKI end up with one root CA. */
static void test_concurrent_pki_creators_agree(void **s)
{
	enum { N = 3 };
	static const uint8_t cpusvn[16] = { 1 };
	struct emu_error err = { 0 };
	struct qgs_pki *pki;
	char dir[600];
	int fds[N][2];

	(void)s;
	at_path(dir, sizeof(dir), "pki-race");
	for (int i = 0; i < N; i++) {
		pid_t pid;

		assert_int_equal(pipe(fds[i]), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct qgs_pki *p;
			size_t n;

			if (pki_load_or_create(dir, cpusvn, &p, NULL))
				_exit(1);
			n = strlen(p->pck_chain_pem);
			if (write(fds[i][1], p->pck_chain_pem, n) != (ssize_t)n)
				_exit(1);
			_exit(0);
		}
		close(fds[i][1]);
	}
	assert_int_equal(pki_load_or_create(dir, cpusvn, &pki, &err), 0);
	for (int i = 0; i < N; i++) {
		char *got = calloc(1, pki->pck_chain_len + 16);
		size_t n = 0;
		ssize_t r;
		int status;

		assert_non_null(got);
		while ((r = read(fds[i][0], got + n, pki->pck_chain_len + 15 - n)) > 0)
			n += (size_t)r;
		close(fds[i][0]);
		wait(&status);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert_string_equal(got, pki->pck_chain_pem);
		free(got);
	}
	pki_free(pki);
}

/* Random messages, and a valid header over random bytes: always an error reply. */
static void test_random_messages(void **s)
{
	uint8_t msg[2048], *resp;
	size_t resp_len;
	char why[400];
	unsigned int seed = 12345;

	(void)s;
	for (int i = 0; i < 3000; i++) {
		size_t len = (size_t)(rand_r(&seed) % (int)sizeof(msg));
		struct qgs_get_quote_req *req = (void *)msg;
		uint32_t code;

		for (size_t j = 0; j < len; j++)
			msg[j] = (uint8_t)rand_r(&seed);
		if (i % 2 && len >= sizeof(*req)) {
			req->header.major_version = 1;
			req->header.type = QGS_MSG_GET_QUOTE_REQ;
			req->header.size = (uint32_t)len;
			req->header.error_code = 0;
			if (i % 4 == 1 && len >= sizeof(*req) + 1024) {
				req->report_size = 1024;
				req->id_list_size = (uint32_t)(len - sizeof(*req) - 1024);
			}
		}
		code = qgs_handle_msg(qe, msg, len, &resp, &resp_len, why, sizeof(why));
		assert_int_not_equal(code, QGS_MSG_SUCCESS);
		assert_non_null(resp);
		assert_int_equal(resp_len, sizeof(struct qgs_get_quote_resp));
		assert_int_equal(((struct qgs_msg_header *)resp)->error_code, code);
		free(resp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_report_verifies),
		cmocka_unit_test(test_every_covered_byte_refused),
		cmocka_unit_test(test_report_of_other_platform_refused),
		cmocka_unit_test(test_quote_body_is_the_report),
		cmocka_unit_test(test_qe_reopen_same_keys),
		cmocka_unit_test(test_random_messages),
		cmocka_unit_test(test_concurrent_pki_creators_agree),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
