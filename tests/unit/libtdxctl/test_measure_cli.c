/*
 * The tdxctl measure and eventlog commands end to end: files written
 * here, the tdxctl binary run on them, its output and exit code checked
 * against MRTD computed here and against the library's prediction (which
 * test_measure checks against an independent computation).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "tdxctl/measure.h"
#include "tdxctl_test_util.h"
#include "test_measure_image.h"

#ifndef TDXCTL_PATH
#error "TDXCTL_PATH must name the tdxctl binary"
#endif

#define OUT_MAX	65536

static char img_path[512], payload_path[512], log_path[512], out_path[512], err_path[512];
static char out[OUT_MAX], errout[OUT_MAX];
static struct timg img;
static const uint8_t payload[] = "\x7f" "ELF not really, but any bytes are a payload";

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void slurp(const char *path, char *buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, OUT_MAX - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run "tdxctl ARGS" (a printf format); returns the exit code, fills out/errout. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
	char args[2048], cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>'%s'", TDXCTL_PATH, args, out_path, err_path);
	st = system(cmd);
	assert_true(st != -1 && WIFEXITED(st));
	slurp(out_path, out);
	slurp(err_path, errout);
	return WEXITSTATUS(st);
}

static void hex(const uint8_t *p, size_t len, char *o)
{
	size_t i;

	for (i = 0; i < len; i++)
		sprintf(o + 2 * i, "%02x", p[i]);
}

static int setup(void **state)
{
	(void)state;
	timg_default(&img);
	test_path(img_path, sizeof(img_path), "tdvf.fd");
	test_path(payload_path, sizeof(payload_path), "payload.elf");
	test_path(log_path, sizeof(log_path), "predicted.log");
	test_path(out_path, sizeof(out_path), "stdout");
	test_path(err_path, sizeof(err_path), "stderr");
	write_file(img_path, img.buf, img.len);
	write_file(payload_path, payload, sizeof(payload) - 1);
	return 0;
}

static void test_mrtd(void **state)
{
	uint8_t want[48];
	char line[2 * 48 + 2];

	(void)state;
	timg_mrtd(&img, want);
	hex(want, 48, line);
	strcat(line, "\n");
	assert_int_equal(run("measure mrtd --bios '%s'", img_path), 0);
	assert_string_equal(out, line);

	line[96] = '\0';
	assert_int_equal(run("measure mrtd --bios '%s' --json", img_path), 0);
	assert_true(test_contains(out, "\"mrtd\""));
	assert_true(test_contains(out, line));
	assert_true(test_contains(out, "\"TD_HOB\""));
}

/* The library's prediction for the files written in setup(). */
static void predict(uint64_t mem, const char *cmdline, struct tdxctl_rtmr_prediction *pred)
{
	struct emu_error err = { 0 };
	struct tdxctl_rtmr_input in;
	struct tdxctl_td_hob hob;
	struct tdxctl_tdvf tdvf;

	assert_int_equal(tdxctl_tdvf_parse(img.buf, img.len, &tdvf, &err), 0);
	assert_int_equal(tdxctl_td_hob_build(&tdvf, mem, &hob, &err), 0);
	in = (struct tdxctl_rtmr_input){ &tdvf, &hob, payload, sizeof(payload) - 1, cmdline };
	assert_int_equal(tdxctl_rtmr_predict(&in, pred, &err), 0);
	tdxctl_td_hob_free(&hob);
	tdxctl_tdvf_free(&tdvf);
}

static void test_rtmr_and_replay(void **state)
{
	struct tdxctl_rtmr_prediction pred;
	char want[4 * 104 + 1] = "", h[4][97], report_path[512];
	uint8_t report[1024] = { 0 };
	unsigned int i;

	(void)state;
	predict(512ull << 20, "console=ttyS0", &pred);
	for (i = 0; i < 4; i++) {
		hex(pred.rtmr[i], 48, h[i]);
		sprintf(want + strlen(want), "rtmr%u %s\n", i, h[i]);
	}
	assert_int_equal(run("measure rtmr --bios '%s' --kernel '%s' --mem 512M --smp 2 "
			     "--append 'console=ttyS0' --eventlog-out '%s'", img_path,
			     payload_path, log_path), 0);
	assert_string_equal(out, want);
	/* -m syntax: 512 means MiB, as for QEMU. */
	assert_int_equal(run("measure rtmr --bios '%s' --kernel '%s' --mem 512 "
			     "--append 'console=ttyS0'", img_path, payload_path), 0);
	assert_string_equal(out, want);
	assert_int_equal(run("measure rtmr --bios '%s' --kernel '%s' --mem 512M --json "
			     "--append 'console=ttyS0'", img_path, payload_path), 0);
	assert_true(test_contains(out, h[0]) && test_contains(out, h[2]));

	/* The predicted log dumps and replays to the same values. */
	assert_int_equal(run("eventlog dump '%s'", log_path), 0);
	assert_true(test_contains(out, "6 events"));
	assert_true(test_contains(out, "EV_PLATFORM_CONFIG_FLAGS"));
	assert_true(test_contains(out, "\"TD HOB\" (6 bytes)"));
	assert_true(test_contains(out, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"));
	assert_true(test_contains(out, "MrIndex 3 (RTMR2) EV_IPL"));
	assert_true(test_contains(out, "\"console=ttyS0\" (14 bytes)"));
	assert_int_equal(run("eventlog dump --json '%s'", log_path), 0);
	assert_true(test_contains(out, "\"event_type_name\": \"EV_SEPARATOR\""));
	assert_int_equal(run("eventlog replay '%s'", log_path), 0);
	assert_string_equal(out, want);
	assert_int_equal(run("eventlog replay '%s' --rtmr0 %s --rtmr1 %s --rtmr2 %s --rtmr3 %s",
			     log_path, h[0], h[1], h[2], h[3]), 0);
	assert_true(test_contains(errout, "matches"));

	/* A wrong RTMR1 is named. */
	h[1][5] = h[1][5] == '0' ? '1' : '0';
	assert_int_equal(run("eventlog replay '%s' --rtmr0 %s --rtmr1 %s --rtmr2 %s", log_path,
			     h[0], h[1], h[2]), 1);
	assert_true(test_contains(errout, "RTMR1 does not match"));
	assert_int_equal(run("eventlog replay --json '%s' --rtmr1 %s", log_path, h[1]), 1);
	assert_true(test_contains(out, "\"first_mismatch\": \"rtmr1\""));

	/* The same through a TDREPORT_STRUCT: RTMRs at 512 + 208. */
	test_path(report_path, sizeof(report_path), "tdreport.bin");
	memcpy(report + 512 + 208, pred.rtmr, sizeof(pred.rtmr));
	write_file(report_path, report, sizeof(report));
	assert_int_equal(run("eventlog replay '%s' --report '%s'", log_path, report_path), 0);
	report[512 + 208 + 3 * 48] ^= 1;
	write_file(report_path, report, sizeof(report));
	assert_int_equal(run("eventlog replay '%s' --report '%s'", log_path, report_path), 1);
	assert_true(test_contains(errout, "RTMR3 does not match"));
	write_file(report_path, report, 1000);
	assert_int_equal(run("eventlog replay '%s' --report '%s'", log_path, report_path), 1);
	assert_true(test_contains(errout, "1000 bytes, a TDREPORT_STRUCT is 1024"));
}

static void test_errors(void **state)
{
	char bad_path[512];
	struct timg *t = malloc(sizeof(*t));

	(void)state;
	assert_non_null(t);
	/* A broken image: the message names the fault and its offset. */
	memcpy(t, &img, sizeof(*t));
	timg_put32(t->buf + TIMG_MD_OFFSET, 0x12345678);
	test_path(bad_path, sizeof(bad_path), "bad.fd");
	write_file(bad_path, t->buf, t->len);
	assert_int_equal(run("measure mrtd --bios '%s'", bad_path), 1);
	assert_true(test_contains(errout, "descriptor at offset 0x8000 has signature 0x12345678"));
	assert_string_equal(out, "");
	assert_int_equal(run("measure rtmr --bios '%s' --kernel '%s' --mem 1G", bad_path,
			     payload_path), 1);
	free(t);

	/* Usage errors. */
	assert_int_equal(run("measure mrtd"), 2);
	assert_true(test_contains(errout, "--bios is required"));
	assert_int_equal(run("measure rtmr --bios '%s' --kernel '%s' --mem 12Q", img_path,
			     payload_path), 2);
	assert_true(test_contains(errout, "--mem: '12Q'"));
	assert_int_equal(run("measure rtmr --bios '%s' --kernel '%s' --mem 1000B", img_path,
			     payload_path), 2);
	assert_true(test_contains(errout, "not a multiple of 4 KiB"));
	assert_int_equal(run("measure rtmr --bios '%s' --kernel '%s'", img_path, payload_path), 2);
	assert_int_equal(run("measure rtmr --bios '%s' --kernel '%s' --mem 1G --smp 0", img_path,
			     payload_path), 2);
	assert_int_equal(run("eventlog replay '%s' --rtmr0 abc", img_path), 2);
	assert_true(test_contains(errout, "--rtmr0: 'abc' is not 96 hex digits"));
	assert_int_equal(run("eventlog replay '%s' --rtmr0 %096d --report x", img_path, 0), 2);
	assert_int_equal(run("measure bogus"), 2);

	/* RAM too small for the sections. */
	assert_int_equal(run("measure rtmr --bios '%s' --kernel '%s' --mem 8M", img_path,
			     payload_path), 1);
	assert_true(test_contains(errout, "not inside one RAM range"));

	/* A log cut short: refused with its offset. */
	{
		struct tdxctl_rtmr_prediction pred;
		struct emu_error err = { 0 };
		uint8_t *log;
		size_t len;

		predict(256ull << 20, NULL, &pred);
		assert_int_equal(tdxctl_eventlog_write(pred.events, pred.nr_events, &log, &len,
						       &err), 0);
		write_file(bad_path, log, len - 2);
		free(log);
		assert_int_equal(run("eventlog dump '%s'", bad_path), 1);
		assert_true(test_contains(errout, "runs past the end of the log"));
		assert_int_equal(run("eventlog replay '%s'", bad_path), 1);
	}
	/* Not a log at all. */
	assert_int_equal(run("eventlog dump '%s'", img_path), 1);
	assert_true(test_contains(errout, "offset 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mrtd),
		cmocka_unit_test(test_rtmr_and_replay),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
