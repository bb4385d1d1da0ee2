/*
 * GetQuote through qemu-tdx end to end: tdx-qgs on a Unix socket with a
 * fresh platform state directory, qemu-tdx with quote-generation-socket
 * and the same state (TDX_EMU_STATE_DIR), mini-tdvf asking for a quote of
 * its TDREPORT (REPORTDATA 0x00..0x3f).  The quote it prints is parsed
 * and verified here with libtdxctl against the PKI that `tdxctl pki
 * export` writes, with REPORTDATA and MRTD (an independent SHA-384 of
 * mini-tdvf's sections) as policy.  Without a quoting service the TD gets
 * QGS_UNAVAILABLE, as QEMU answers.  Skipped when /dev/kvm cannot run TDs.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "qemu_tdx_paths.h"
#include "tdxctl/attest.h"
#include "test_qemu_tdx_util.h"

#define PAGE	4096u

static const struct { uint64_t gpa, size; bool measured; } mini_sections[] = {
	{ 0xFFFF0000ULL, 0x10000, true },	/* BFV */
	{ 0x800000, 0x20000, false },		/* TEMP_MEM */
	{ 0x820000, 0x2000, false },		/* TD_HOB */
};

static void header(EVP_MD_CTX *c, const char *op, uint64_t gpa)
{
	uint8_t b[128] = { 0 };

	memcpy(b, op, strlen(op));
	for (int i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)(gpa >> (8 * i));
	assert_int_equal(EVP_DigestUpdate(c, b, sizeof(b)), 1);
}

static void expected_mrtd(uint8_t md[48])
{
	static uint8_t img[0x10000];
	unsigned int len = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int fd = open(QEMU_TDX_MINI_TDVF, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, img, sizeof(img)), (ssize_t)sizeof(img));
	close(fd);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha384(), NULL), 1);
	for (size_t s = 0; s < sizeof(mini_sections) / sizeof(mini_sections[0]); s++)
		for (uint64_t off = 0; off < mini_sections[s].size; off += PAGE) {
			header(c, "MEM.PAGE.ADD", mini_sections[s].gpa + off);
			for (unsigned int k = 0; mini_sections[s].measured && k < PAGE; k += 256) {
				header(c, "MR.EXTEND", mini_sections[s].gpa + off + k);
				assert_int_equal(EVP_DigestUpdate(c, img + off + k, 256), 1);
			}
		}
	assert_int_equal(EVP_DigestFinal_ex(c, md, &len), 1);
	EVP_MD_CTX_free(c);
}

/* The quote from the "mini-tdvf: quote <hex>" lines. */
static size_t collect_quote(const char *out, uint8_t *q, size_t cap)
{
	const char *p = out;
	size_t n = 0;

	while ((p = strstr(p, "mini-tdvf: quote ")) != NULL) {
		p += strlen("mini-tdvf: quote ");
		if (!strncmp(p, "status=", 7))
			continue;
		while (p[0] && p[0] != '\n' && p[1] && n < cap) {
			unsigned int b;

			assert_int_equal(sscanf(p, "%2x", &b), 1);
			q[n++] = (uint8_t)b;
			p += 2;
		}
	}
	return n;
}

static char dir[64];
static pid_t qgs = -1;

static int stop_qgs(void **state)
{
	(void)state;
	if (qgs > 0) {
		kill(qgs, SIGTERM);
		waitpid(qgs, NULL, 0);
	}
	qgs = -1;
	return 0;
}

static void test_quote_verified(void **state)
{
	char sock[128], state_dir[128], env[160], pki[128], root[160], obj[256], kernel[128];
	struct qt_result *r = malloc(sizeof(*r));
	static uint8_t quote[16384];
	uint8_t mrtd[48], rd[64];
	struct tdxctl_quote q;
	struct tdxctl_verify_policy pol = { 0 };
	struct tdxctl_verify_result res;
	struct emu_error err = { 0 };
	size_t len;
	int fd;
	const char *args[] = { "-machine", "q35,confidential-guest-support=tdx0", "-object", obj,
			       "-bios", QEMU_TDX_MINI_TDVF, "-kernel", kernel, "-append", "quote",
			       "-m", "64M", "-nographic", NULL };

	(void)state;
	qt_require_kvm();
	assert_non_null(r);
	assert_non_null(mkdtemp(qt_template(dir, sizeof(dir), "/tmp/test_qemu_tdx_quote_")));
	snprintf(sock, sizeof(sock), "%s/qgs.sock", dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	snprintf(env, sizeof(env), "TDX_EMU_STATE_DIR=%s", state_dir);
	snprintf(pki, sizeof(pki), "%s/pki", dir);
	snprintf(root, sizeof(root), "%s/%s", pki, TDXCTL_PKI_ROOT_CA);
	/* mrconfigid = bytes 0x00..0x2f, in base64 (Python's base64 module). */
	snprintf(obj, sizeof(obj), "tdx-guest,id=tdx0,quote-generation-socket=%s,mrconfigid=%s", sock,
		 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v");
	snprintf(kernel, sizeof(kernel), "%s/kernel", dir);
	fd = open(kernel, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0 && write(fd, "k", 1) == 1);
	close(fd);

	qgs = fork();
	assert_true(qgs >= 0);
	if (qgs == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		execl(QEMU_TDX_QGS_BINARY, QEMU_TDX_QGS_BINARY, "--socket", sock, "--state-dir",
		      state_dir, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && access(sock, F_OK); i++)
		usleep(50000);
	assert_int_equal(access(sock, F_OK), 0);

	qt_run(r, args, env);
	qt_expect_line(r, "mini-tdvf: done");
	assert_int_equal(r->status, 0);
	assert_non_null(strstr(r->out, "mini-tdvf: quote status=0x0 len=0x"));
	len = collect_quote(r->out, quote, sizeof(quote));
	assert_true(len > 636);

	/* What the quote says about the TD. */
	assert_int_equal(tdxctl_quote_parse(quote, len, &q, &err), 0);
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)i;
	expected_mrtd(mrtd);
	assert_memory_equal(q.body->reportdata, rd, 64);
	assert_memory_equal(q.body->mrtd, mrtd, 48);
	assert_int_equal(q.body->td_attributes, 0x10000000);
	{
		uint8_t want_cfg[48], zero[48] = { 0 };

		for (int i = 0; i < 48; i++)
			want_cfg[i] = (uint8_t)i;
		assert_memory_equal(q.body->mrconfigid, want_cfg, 48);
		assert_memory_equal(q.body->mrowner, zero, 48);
		assert_memory_equal(q.body->mrownerconfig, zero, 48);
	}
	assert_int_equal(q.body->xfam, 3);

	/* And that a verifier accepts it, with the TD's identity as policy. */
	if (tdxctl_pki_export(state_dir, pki, &err))
		fail_msg("pki export: %s", err.msg);
	pol.mrtd = mrtd;
	pol.report_data = rd;
	if (tdxctl_quote_verify(quote, len, root, pki, &pol, &res, &err))
		fail_msg("quote verify: %s", err.msg);
	/* A quote whose REPORTDATA the verifier does not expect fails. */
	rd[0] ^= 1;
	assert_int_not_equal(tdxctl_quote_verify(quote, len, root, pki, &pol, &res, &err), 0);
	free(r);
}

static void test_no_quoting_service(void **state)
{
	struct qt_result *r = malloc(sizeof(*r));
	char kernel[64];
	int fd = mkstemp(qt_template(kernel, sizeof(kernel), "/tmp/test_qemu_tdx_quote_k"));
	const char *no_socket[] = { "-machine", "q35,confidential-guest-support=tdx0", "-object",
				    "tdx-guest,id=tdx0", "-bios", QEMU_TDX_MINI_TDVF, "-kernel", kernel,
				    "-append", "quote", "-m", "64M", NULL };
	const char *dead_socket[] = { "-machine", "q35,confidential-guest-support=tdx0", "-object",
				      "tdx-guest,id=tdx0,quote-generation-socket=/nonexistent/qgs.sock",
				      "-bios", QEMU_TDX_MINI_TDVF, "-kernel", kernel, "-append", "quote",
				      "-m", "64M", NULL };
	char env[96];

	(void)state;
	qt_require_kvm();
	assert_true(fd >= 0 && write(fd, "k", 1) == 1);
	close(fd);
	/* No socket: answered at once, QGS_UNAVAILABLE, the TDVMCALL succeeded. */
	qt_run(r, no_socket, NULL);
	qt_expect_line(r, "mini-tdvf: quote status=0x8000000000000001 len=0x0");
	qt_expect_line(r, "mini-tdvf: done");
	assert_int_equal(r->status, 0);
	/* A socket nobody listens on: the same status, after the connection fails. */
	assert_non_null(mkdtemp(qt_template(dir, sizeof(dir), "/tmp/test_qemu_tdx_quote_")));
	snprintf(env, sizeof(env), "TDX_EMU_STATE_DIR=%s/state", dir);
	qt_run(r, dead_socket, env);
	qt_expect_line(r, "mini-tdvf: quote status=0x8000000000000001 len=0x0");
	qt_expect_err(r, "qemu-tdx: GetQuote: ");
	assert_int_equal(r->status, 0);
	unlink(kernel);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_quote_verified, stop_qgs),
		cmocka_unit_test(test_no_quoting_service),
	};

	return cmocka_run_group_tests_name("qemu-tdx GetQuote", tests, NULL, NULL);
}
