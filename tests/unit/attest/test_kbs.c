/*
 * tdx-kbs, the demo key broker, against requests a hostile or broken
 * client sends: each gets an error reply naming the problem (or is cut
 * off), and the broker goes on serving.  Runs the real binary on a socket
 * in a temporary directory; needs no /dev/kvm (no TD is involved: a quote
 * that does not parse never reaches verification).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "attest_test_util.h"

struct kbs {
	char dir[128];
	char sock[160];
	pid_t pid;
};

static void run(const char *cmd)
{
	int ret = system(cmd);

	if (ret != 0)
		fail_msg("'%s' exited %d", cmd, ret);
}

static int setup(void **state)
{
	struct kbs *k = calloc(1, sizeof(*k));
	char cmd[1024];

	assert_non_null(k);
	/* The test's own temporary directory (attest_test_util.h), removed at exit. */
	if ((size_t)snprintf(k->dir, sizeof(k->dir), "%s/kbs", at_tmpdir()) >= sizeof(k->dir))
		fail_msg("temporary directory path too long");
	assert_int_equal(mkdir(k->dir, 0700), 0);
	snprintf(k->sock, sizeof(k->sock), "%s/kbs.sock", k->dir);
	snprintf(cmd, sizeof(cmd), "%s pki export --out %s/coll --state-dir %s/state >/dev/null",
		 TDXCTL_BIN, k->dir, k->dir);
	run(cmd);
	snprintf(cmd, sizeof(cmd), "printf secret > %s/secret", k->dir);
	run(cmd);
	k->pid = fork();
	assert_true(k->pid >= 0);
	if (k->pid == 0) {
		char root[192], coll[192], secret[192];

		snprintf(root, sizeof(root), "%s/coll/root-ca.pem", k->dir);
		snprintf(coll, sizeof(coll), "%s/coll", k->dir);
		snprintf(secret, sizeof(secret), "%s/secret", k->dir);
		freopen("/dev/null", "w", stderr);
		execl(TDX_KBS_BIN, "tdx-kbs", "serve", "--socket", k->sock, "--root-ca", root,
		      "--collateral", coll, "--secret", secret, "--bios", TDVF_FD,
		      "--kernel", PAYLOAD_ELF, "--mem", "512M", "--append", "quote=1",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && access(k->sock, F_OK); i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	if (access(k->sock, F_OK))
		fail_msg("tdx-kbs did not come up on %s", k->sock);
	*state = k;
	return 0;
}

static int teardown(void **state)
{
	struct kbs *k = *state;
	int status;

	kill(k->pid, SIGTERM);
	waitpid(k->pid, &status, 0);
	free(k);
	return 0;
}

static int dial(struct kbs *k)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	strcpy(a.sun_path, k->sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Send @len bytes of @req, read the one-line reply into @out. */
static void exchange(struct kbs *k, const char *req, size_t len, char *out, size_t cap)
{
	int fd = dial(k);
	size_t got = 0;
	ssize_t n;

	while (len) {
		n = write(fd, req, len);
		if (n <= 0)
			break;	/* the broker may cut an oversized request off */
		req += n;
		len -= (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	while (got < cap - 1 && (n = read(fd, out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fd);
}

static void expect_error(struct kbs *k, const char *req, const char *what)
{
	char reply[4096];

	exchange(k, req, strlen(req), reply, sizeof(reply));
	if (!strstr(reply, "\"error\"") || !strstr(reply, what))
		fail_msg("request %.60s: reply '%s', expected an error with '%s'", req, reply, what);
}

static void still_serving(struct kbs *k)
{
	char reply[4096];

	exchange(k, "{\"op\":\"nonce\"}\n", 15, reply, sizeof(reply));
	if (!strstr(reply, "\"nonce\"") || !strstr(reply, "quote=1 nonce="))
		fail_msg("nonce request after the bad ones: '%s'", reply);
}

static void test_malformed_requests(void **state)
{
	struct kbs *k = *state;

	expect_error(k, "not json\n", "not a JSON object");
	expect_error(k, "[1,2]\n", "not a JSON object");
	expect_error(k, "{}\n", "no \\\"op\\\"");
	expect_error(k, "{\"op\":7}\n", "no \\\"op\\\"");
	expect_error(k, "{\"op\":\"steal\"}\n", "unknown op");
	expect_error(k, "{\"op\":\"release\"}\n", "no \\\"quote\\\" string");
	expect_error(k, "{\"op\":\"release\",\"quote\":\"zz\"}\n", "not hex");
	expect_error(k, "{\"op\":\"release\",\"quote\":\"abc\"}\n", "not hex");
	/* Hex, but no quote: refused by the parser, not verification. */
	expect_error(k, "{\"op\":\"release\",\"quote\":\"00ff00ff\"}\n", "refused");
	/* A request that never ends its line. */
	expect_error(k, "{\"op\":\"nonce\"", "no complete line");
	still_serving(k);
}

static void test_oversized_request(void **state)
{
	struct kbs *k = *state;
	size_t len = 512 * 1024;
	char *big = malloc(len), reply[4096];

	assert_non_null(big);
	memset(big, 'a', len);
	exchange(k, big, len, reply, sizeof(reply));
	free(big);
	/* Either an error reply or cut off without one; never a secret. */
	assert_null(strstr(reply, "\"secret\""));
	still_serving(k);
}

static void test_nonces_are_fresh(void **state)
{
	struct kbs *k = *state;
	char a[4096], b[4096];

	exchange(k, "{\"op\":\"nonce\"}\n", 15, a, sizeof(a));
	exchange(k, "{\"op\":\"nonce\"}\n", 15, b, sizeof(b));
	assert_non_null(strstr(a, "\"nonce\""));
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_requests),
		cmocka_unit_test(test_oversized_request),
		cmocka_unit_test(test_nonces_are_fresh),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("tdx-kbs", tests, setup, teardown);
}
