/*
 * qemu-tdx's QMP socket on a running TD: negotiation, query-status,
 * query-tdx (attributes, XFAM, state, and MRTD compared with an
 * independent SHA-384 of mini-tdvf's sections in the TDX module's
 * PAGE.ADD / MR.EXTEND order), then quit: a SHUTDOWN event and exit 0.
 * Skipped when /dev/kvm cannot run TDs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "qemu_tdx_paths.h"
#include "td_vcpu.h"
#include "test_qemu_tdx_util.h"

#define PAGE	4096u

/* mini-tdvf's sections, as qemu-tdx/testfw/mini_tdvf.S lays them out. */
static const struct { uint64_t gpa, size; bool measured; } mini_sections[] = {
	{ 0xFFFF0000ULL, 0x10000, true },	/* BFV: the image */
	{ 0x800000, 0x20000, false },		/* TEMP_MEM */
	{ 0x820000, 0x2000, false },		/* TD_HOB */
};

/* The TDX module's 128-byte MRTD header: operation name, GPA, zeros. */
static void header(EVP_MD_CTX *c, const char *op, uint64_t gpa)
{
	uint8_t b[128] = { 0 };

	memcpy(b, op, strlen(op));
	for (int i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)(gpa >> (8 * i));
	assert_int_equal(EVP_DigestUpdate(c, b, sizeof(b)), 1);
}

static void expected_mrtd(char hex[97])
{
	uint8_t img[0x10000], md[48];
	unsigned int len = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int fd = open(QEMU_TDX_MINI_TDVF, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, img, sizeof(img)), (ssize_t)sizeof(img));
	close(fd);
	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha384(), NULL), 1);
	for (size_t s = 0; s < sizeof(mini_sections) / sizeof(mini_sections[0]); s++) {
		for (uint64_t off = 0; off < mini_sections[s].size; off += PAGE) {
			uint64_t gpa = mini_sections[s].gpa + off;

			header(c, "MEM.PAGE.ADD", gpa);
			for (unsigned int k = 0; mini_sections[s].measured && k < PAGE; k += 256) {
				header(c, "MR.EXTEND", gpa + k);
				assert_int_equal(EVP_DigestUpdate(c, img + off + k, 256), 1);
			}
		}
	}
	assert_int_equal(EVP_DigestFinal_ex(c, md, &len), 1);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 48; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

struct conn {
	int fd;
	char buf[65536];
	size_t len;
};

/* The next JSON line from QMP (waits up to 10 s). */
static struct json_object *next_msg(struct conn *q)
{
	for (int waited = 0; waited < 100;) {
		char *nl = memchr(q->buf, '\n', q->len);
		struct pollfd p = { q->fd, POLLIN, 0 };
		ssize_t n;

		if (nl) {
			struct json_object *o;

			*nl = '\0';
			o = json_tokener_parse(q->buf);
			memmove(q->buf, nl + 1, q->len - (size_t)(nl + 1 - q->buf));
			q->len -= (size_t)(nl + 1 - q->buf);
			if (!o)
				fail_msg("QMP sent something that is not JSON");
			return o;
		}
		if (poll(&p, 1, 100) == 0) {
			waited++;
			continue;
		}
		n = read(q->fd, q->buf + q->len, sizeof(q->buf) - 1 - q->len);
		if (n <= 0)
			return NULL;
		q->len += (size_t)n;
	}
	fail_msg("QMP: no message within 10 s");
	return NULL;
}

static struct json_object *command(struct conn *q, const char *cmd)
{
	struct json_object *o, *r;

	assert_int_equal(write(q->fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	for (;;) {
		o = next_msg(q);
		assert_non_null(o);
		if (json_object_object_get_ex(o, "return", &r) || json_object_object_get_ex(o, "error", &r))
			return o;
		json_object_put(o);	/* an event: skip */
	}
}

static const char *str(struct json_object *o, const char *a, const char *b)
{
	struct json_object *x, *y;

	assert_true(json_object_object_get_ex(o, a, &x));
	assert_true(json_object_object_get_ex(x, b, &y));
	return json_object_get_string(y);
}

static void test_qmp_on_a_running_td(void **state)
{
	char dir[64], sock[128], qmp_arg[160], kernel[160];
	char want[97], out[8192] = "";
	struct conn *q = calloc(1, sizeof(*q));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct json_object *o;
	size_t olen = 0;
	int po[2], st, fd;
	pid_t pid;
	char why[160];

	(void)state;
	if (td_vcpu_probe(why, sizeof(why))) {
		print_message("SKIPPED: qemu-tdx needs /dev/kvm: %s\n", why);
		skip();
	}
	assert_non_null(q);
	assert_non_null(mkdtemp(qt_template(dir, sizeof(dir), "/tmp/test_qemu_tdx_qmp_")));
	snprintf(sock, sizeof(sock), "%s/qmp.sock", dir);
	snprintf(qmp_arg, sizeof(qmp_arg), "unix:%s,server=on,wait=off", sock);
	snprintf(kernel, sizeof(kernel), "%s/kernel", dir);
	fd = open(kernel, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "k", 1), 1);
	close(fd);
	expected_mrtd(want);

	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		execl(QEMU_TDX_BINARY, QEMU_TDX_BINARY, "-machine",
		      "q35,confidential-guest-support=tdx0", "-object", "tdx-guest,id=tdx0",
		      "-bios", QEMU_TDX_MINI_TDVF, "-kernel", kernel, "-append", "wait", "-m", "64M",
		      "-nographic", "-qmp", qmp_arg, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	/* Wait until the firmware has parked. */
	while (!strstr(out, "mini-tdvf: waiting\n")) {
		struct pollfd p = { po[0], POLLIN, 0 };
		ssize_t n;

		assert_true(poll(&p, 1, 30000) > 0);
		n = read(po[0], out + olen, sizeof(out) - 1 - olen);
		if (n <= 0)
			fail_msg("qemu-tdx ended early:\n%s", out);
		olen += (size_t)n;
		out[olen] = '\0';
	}

	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(q->fd >= 0);
	strcpy(sa.sun_path, sock);
	assert_int_equal(connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	o = next_msg(q);
	assert_non_null(o);
	assert_non_null(json_object_object_get(o, "QMP"));
	json_object_put(o);
	/* Commands before negotiation are refused. */
	o = command(q, "{\"execute\":\"query-status\"}\n");
	assert_string_equal(str(o, "error", "class"), "CommandNotFound");
	json_object_put(o);
	o = command(q, "{\"execute\":\"qmp_capabilities\"}\n");
	assert_non_null(json_object_object_get(o, "return"));
	json_object_put(o);
	o = command(q, "{\"execute\":\"query-status\"}\n");
	assert_string_equal(str(o, "return", "status"), "running");
	json_object_put(o);
	o = command(q, "{\"execute\":\"query-tdx\"}\n");
	assert_string_equal(str(o, "return", "attributes"), "0x0000000010000000");
	assert_string_equal(str(o, "return", "xfam"), "0x0000000000000003");
	assert_string_equal(str(o, "return", "state"), "runnable");
	assert_string_equal(str(o, "return", "mrtd"), want);
	json_object_put(o);
	o = command(q, "{\"execute\":\"quit\"}\n");
	assert_non_null(json_object_object_get(o, "return"));
	json_object_put(o);
	/* Then the SHUTDOWN event, and qemu-tdx exits 0. */
	o = next_msg(q);
	assert_non_null(o);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "event")), "SHUTDOWN");
	json_object_put(o);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(q->fd);
	close(po[0]);
	unlink(kernel);
	unlink(sock);
	rmdir(dir);
	free(q);
}

/* SIGTERM stops a running TD in order: QEMU's message, exit 0. */
static void test_sigterm(void **state)
{
	char dir[64], kernel[128], out[8192] = "", err[4096] = "";
	size_t olen = 0, elen = 0;
	int po[2], pe[2], st, fd;
	pid_t pid;
	char why[160];

	(void)state;
	if (td_vcpu_probe(why, sizeof(why))) {
		print_message("SKIPPED: qemu-tdx needs /dev/kvm: %s\n", why);
		skip();
	}
	assert_non_null(mkdtemp(qt_template(dir, sizeof(dir), "/tmp/test_qemu_tdx_sig_")));
	snprintf(kernel, sizeof(kernel), "%s/kernel", dir);
	fd = open(kernel, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0 && write(fd, "k", 1) == 1);
	close(fd);
	assert_int_equal(pipe2(po, O_CLOEXEC), 0);
	assert_int_equal(pipe2(pe, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execl(QEMU_TDX_BINARY, QEMU_TDX_BINARY, "-machine",
		      "q35,confidential-guest-support=tdx0", "-object", "tdx-guest,id=tdx0",
		      "-bios", QEMU_TDX_MINI_TDVF, "-kernel", kernel, "-append", "wait", "-m", "64M",
		      "-smp", "2", "-nographic", (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	while (!strstr(out, "mini-tdvf: waiting\n")) {
		struct pollfd p = { po[0], POLLIN, 0 };
		ssize_t n;

		assert_true(poll(&p, 1, 30000) > 0);
		n = read(po[0], out + olen, sizeof(out) - 1 - olen);
		if (n <= 0)
			fail_msg("qemu-tdx ended early:\n%s", out);
		olen += (size_t)n;
		out[olen] = '\0';
	}
	assert_int_equal(kill(pid, SIGTERM), 0);
	for (;;) {
		ssize_t n = read(pe[0], err + elen, sizeof(err) - 1 - elen);

		if (n <= 0)
			break;
		elen += (size_t)n;
		err[elen] = '\0';
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_non_null(strstr(err, "qemu-tdx: terminating on signal 15\n"));
	close(po[0]);
	close(pe[0]);
	unlink(kernel);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qmp_on_a_running_td),
		cmocka_unit_test(test_sigterm),
	};

	return cmocka_run_group_tests_name("qemu-tdx QMP", tests, NULL, NULL);
}
