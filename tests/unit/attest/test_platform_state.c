/*
 * The platform state directory (seam/platform/src/platform_state.c): the
 * root secret is created once, kept private, reused, and a platform built
 * with state-dir= MACs its reports with a key derived from it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "attest_test_util.h"
#include "platform.h"
#include "platform_seam.h"
#include "platform_state.h"

static void test_created_once(void **s)
{
	uint8_t a[32], b[32], zero[32] = { 0 };
	struct emu_error err = { 0 };
	char dir[600], file[700];
	struct stat st;

	(void)s;
	at_path(dir, sizeof(dir), "created-once/nested");
	assert_int_equal(platform_state_load_or_create(dir, a, &err), 0);
	assert_memory_not_equal(a, zero, 32);
	snprintf(file, sizeof(file), "%s/%s", dir, PLATFORM_STATE_SECRET_FILE);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(platform_state_load_or_create(dir, b, &err), 0);
	assert_memory_equal(a, b, 32);
}

static void test_bad_secret_file_refused(void **s)
{
	uint8_t out[32], before[32];
	struct emu_error err = { 0 };
	char dir[600], file[700];
	uint8_t *left;
	size_t len;

	(void)s;
	at_path(dir, sizeof(dir), "bad-secret");
	assert_int_equal(platform_state_load_or_create(dir, out, &err), 0);
	snprintf(file, sizeof(file), "%s/%s", dir, PLATFORM_STATE_SECRET_FILE);
	at_write(file, "short", 5);
	memset(out, 0xA5, sizeof(out));
	memcpy(before, out, sizeof(out));
	assert_int_equal(platform_state_load_or_create(dir, out, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "5 bytes, expected 32"));
	assert_memory_equal(out, before, 32);
	left = at_read(file, &len);	/* left alone, not replaced */
	assert_int_equal(len, 5);
	free(left);
	/* A directory in its place. */
	assert_int_equal(remove(file), 0);
	assert_int_equal(mkdir(file, 0700), 0);
	assert_int_not_equal(platform_state_load_or_create(dir, out, &err), 0);
}

static void test_default_dir_from_env(void **s)
{
	struct emu_error err = { 0 };
	char want[600], got[4096];

	(void)s;
	at_path(want, sizeof(want), "from-env");
	setenv(PLATFORM_STATE_ENV, want, 1);
	assert_int_equal(platform_state_dir_default(got, sizeof(got), &err), 0);
	assert_string_equal(got, want);
	assert_int_equal(platform_state_dir_default(got, 8, &err), -ENAMETOOLONG);
	unsetenv(PLATFORM_STATE_ENV);
}

static void test_config_state_dir(void **s)
{
	struct platform_config cfg;
	struct emu_error err = { 0 };
	uint8_t secret[32], key_a[32], key_b[32];
	char dir[600], kv[700];

	(void)s;
	at_path(dir, sizeof(dir), "config");
	platform_config_defaults(&cfg);
	assert_false(cfg.root_secret_set);
	snprintf(kv, sizeof(kv), "state-dir=%s", dir);
	assert_int_equal(platform_config_set(&cfg, kv, &err), 0);
	assert_true(cfg.root_secret_set);
	assert_int_equal(platform_state_load_or_create(dir, secret, &err), 0);
	assert_memory_equal(cfg.root_secret, secret, 32);
	/* The derivation is keyed by the secret and the CPUSVN. */
	assert_int_equal(platform_report_key_derive(secret, cfg.cpusvn, key_a), 0);
	secret[0] ^= 1;
	assert_int_equal(platform_report_key_derive(secret, cfg.cpusvn, key_b), 0);
	assert_memory_not_equal(key_a, key_b, 32);
	secret[0] ^= 1;
	cfg.cpusvn[0] ^= 1;
	assert_int_equal(platform_report_key_derive(secret, cfg.cpusvn, key_b), 0);
	assert_memory_not_equal(key_a, key_b, 32);
	/* An unusable directory: a clear error, the config unchanged. */
	platform_config_defaults(&cfg);
	assert_int_not_equal(platform_config_set(&cfg, "state-dir=/proc/no-such/dir", &err), 0);
	assert_false(cfg.root_secret_set);
}

/* Processes racing to create the same state directory end up with one secret. */
static void test_concurrent_creators_agree(void **s)
{
	enum { N = 6 };
	uint8_t secrets[N][32], mine[32];
	struct emu_error err = { 0 };
	int fds[N][2];
	char dir[600];

	(void)s;
	at_path(dir, sizeof(dir), "race/state");
	for (int i = 0; i < N; i++) {
		pid_t pid;

		assert_int_equal(pipe(fds[i]), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			uint8_t out[32];

			if (platform_state_load_or_create(dir, out, NULL) ||
			    write(fds[i][1], out, 32) != 32)
				_exit(1);
			_exit(0);
		}
		close(fds[i][1]);
	}
	for (int i = 0; i < N; i++) {
		int status;

		assert_int_equal(read(fds[i][0], secrets[i], 32), 32);
		close(fds[i][0]);
		wait(&status);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(platform_state_load_or_create(dir, mine, &err), 0);
	for (int i = 0; i < N; i++)
		assert_memory_equal(secrets[i], mine, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_once),
		cmocka_unit_test(test_bad_secret_file_refused),
		cmocka_unit_test(test_default_dir_from_env),
		cmocka_unit_test(test_config_state_dir),
		cmocka_unit_test(test_concurrent_creators_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
