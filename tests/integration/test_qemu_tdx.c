/*
 * qemu-tdx end to end, as a user runs it: the program in a subprocess
 * booting mini-tdvf (qemu-tdx/testfw) as a TD and as a plain VM, with
 * what the firmware prints checked against what the test passed in (RAM
 * size, vCPUs, a kernel whose byte sum the test computes itself, the
 * command line), and the exit status: 0 after the PM power-off, 1 after
 * the TD's ReportFatalError or a refused command line or image.
 * Boots are skipped, saying why, when /dev/kvm cannot run TDs.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "qemu_tdx_paths.h"
#include "test_qemu_tdx_util.h"

/* mini-tdvf's TEMP_MEM (0x20000) and TD_HOB (0x2000) sections: the RAM qemu-tdx adds. */
#define MINI_ADDED	0x22000ULL

/* A kernel file of @size pseudo-random bytes; its byte sum into @sum. */
static char *make_kernel(size_t size, uint32_t *sum)
{
	static char path[64];
	int fd;

	uint8_t *buf = malloc(size);
	uint32_t x = 0x12345678;

	qt_template(path, sizeof(path), "/tmp/test_qemu_tdx_kernel_");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_non_null(buf);
	*sum = 0;
	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
		*sum += buf[i];
	}
	assert_int_equal(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
	return path;
}

#define TD_ARGS "-machine", "q35,confidential-guest-support=tdx0,kernel-irqchip=split", \
		"-object", "tdx-guest,id=tdx0", "-bios", QEMU_TDX_MINI_TDVF, "-nographic", \
		"-serial", "stdio"

static void boot_td(const char *mem, const char *smp, uint64_t ram, unsigned int cpus)
{
	struct qt_result *r = malloc(sizeof(*r));
	uint32_t sum;
	char *kernel = make_kernel(10000, &sum);
	char line[160];
	const char *args[] = { TD_ARGS, "-m", mem, "-smp", smp, "-kernel", kernel,
			       "-append", "console=ttyS0 quiet", NULL };

	qt_require_kvm();
	assert_non_null(r);
	qt_run(r, args, NULL);
	unlink(kernel);
	qt_expect_line(r, "mini-tdvf: start td");
	qt_expect_line(r, "mini-tdvf: attributes=0x10000000");	/* SEPT_VE_DISABLE by default */
	snprintf(line, sizeof(line), "mini-tdvf: cpus=0x%x ram=0x%llx", cpus, (unsigned long long)ram);
	qt_expect_line(r, line);
	snprintf(line, sizeof(line), "mini-tdvf: hob ram=0x%llx accepted=0x%llx",
		 (unsigned long long)ram, MINI_ADDED);
	qt_expect_line(r, line);
	snprintf(line, sizeof(line), "mini-tdvf: kernel size=0x%x sum=0x%x", 10000, sum);
	qt_expect_line(r, line);
	qt_expect_line(r, "mini-tdvf: cmdline=console=ttyS0 quiet");
	qt_expect_line(r, "mini-tdvf: done");
	assert_int_equal(r->status, 0);
	free(r);
}

static void test_td_1vcpu_128m(void **state)
{
	(void)state;
	boot_td("128M", "1", 128ULL << 20, 1);
}

static void test_td_4vcpu_2g(void **state)
{
	(void)state;
	boot_td("2G", "4", 2ULL << 30, 4);
}

/* Above 2 GiB the rest of RAM moves to 4 GiB; the HOB still covers all of it. */
static void test_td_3g_highmem(void **state)
{
	(void)state;
	boot_td("3G", "cpus=2", 3ULL << 30, 2);
}

static void test_plain_vm(void **state)
{
	struct qt_result *r = malloc(sizeof(*r));
	const char *args[] = { "-machine", "q35", "-bios", QEMU_TDX_MINI_TDVF, "-m", "256M",
			       "-smp", "2", "-nographic", NULL };

	(void)state;
	qt_require_kvm();
	assert_non_null(r);
	qt_run(r, args, NULL);
	qt_expect_line(r, "mini-tdvf: start plain");
	qt_expect_line(r, "mini-tdvf: cpus=0x2 ram=0x10000000");
	/* Everything is accepted in a plain VM. */
	qt_expect_line(r, "mini-tdvf: hob ram=0x10000000 accepted=0x10000000");
	qt_expect_line(r, "mini-tdvf: kernel size=0x0 sum=0x0");
	qt_expect_line(r, "mini-tdvf: cmdline=");
	qt_expect_line(r, "mini-tdvf: done");
	assert_int_equal(r->status, 0);
	free(r);
}

/*
 * ovmf-tdvf and its demo payload as a plain VM: the payload's
 * virtio-console round trip goes through qemu-tdx's device at 0xFEB00000.
 */
static void test_plain_vm_ovmf_tdvf_virtio(void **state)
{
	struct qt_result *r = malloc(sizeof(*r));
	const char *args[] = { "-machine", "q35", "-bios", QEMU_TDX_BUILD_DIR "/ovmf-tdvf/tdvf.fd",
			       "-kernel", QEMU_TDX_BUILD_DIR "/ovmf-tdvf/payload-demo.elf", "-m", "128M",
			       "-nographic", NULL };

	(void)state;
	qt_require_kvm();
	assert_non_null(r);
	qt_run(r, args, NULL);
	qt_expect_line(r, "payload: virtio-console round trip of 55 bytes through shared memory OK");
	qt_expect_line(r, "tdx-emu payload: SUCCESS");
	assert_int_equal(r->status, 0);
	free(r);
}

static void test_td_fatal_error(void **state)
{
	struct qt_result *r = malloc(sizeof(*r));
	uint32_t sum;
	char *kernel = make_kernel(100, &sum);
	const char *args[] = { TD_ARGS, "-m", "128M", "-smp", "2", "-kernel", kernel,
			       "-append", "fatal", NULL };

	(void)state;
	qt_require_kvm();
	assert_non_null(r);
	qt_run(r, args, NULL);
	unlink(kernel);
	qt_expect_line(r, "mini-tdvf: reporting a fatal error");
	assert_null(strstr(r->out, "mini-tdvf: done"));
	qt_expect_err(r, "qemu-tdx: TD reported a fatal error: payload failed\n");
	assert_int_equal(r->status, 1);
	free(r);
}

/* fw_cfg DMA from a private descriptor, to a private buffer, beyond RAM: all refused. */
static void test_td_dma_refused(void **state)
{
	struct qt_result *r = malloc(sizeof(*r));
	uint32_t sum;
	char *kernel = make_kernel(5000, &sum);
	char line[96];
	const char *args[] = { TD_ARGS, "-m", "128M", "-kernel", kernel, "-append", "dma-bad", NULL };

	(void)state;
	qt_require_kvm();
	assert_non_null(r);
	qt_run(r, args, NULL);
	unlink(kernel);
	qt_expect_line(r, "mini-tdvf: dma-bad refused");
	/* ... and the good requests before still worked. */
	snprintf(line, sizeof(line), "mini-tdvf: kernel size=0x%x sum=0x%x", 5000, sum);
	qt_expect_line(r, line);
	qt_expect_line(r, "mini-tdvf: done");
	assert_int_equal(r->status, 0);
	free(r);
}

/*
 * TDVMCALLs with bad operands reach qemu-tdx and are refused with
 * INVALID_OPERAND, nothing else happens; the good ones in between work.
 */
static void test_td_bad_tdvmcalls(void **state)
{
	struct qt_result *r = malloc(sizeof(*r));
	uint32_t sum;
	char *kernel = make_kernel(16, &sum);
	const char *args[] = { TD_ARGS, "-m", "128M", "-kernel", kernel, "-append", "tdvmcall-bad",
			       NULL };

	(void)state;
	qt_require_kvm();
	assert_non_null(r);
	qt_run(r, args, NULL);
	unlink(kernel);
	/* MapGPA beyond RAM, GetQuote 132 KiB / private page / version 2: INVALID_OPERAND;
	 * SetupEventNotifyInterrupt(0x40): 0; GetTdVmCallInfo(1): 0, R11 = bit 1. */
	qt_expect_line(r, "mini-tdvf: tdvmcalls 0x8000000000000000 0x8000000000000000 "
			  "0x8000000000000000 0x8000000000000000 0x0 0x0 0x2");
	qt_expect_line(r, "mini-tdvf: done");
	assert_int_equal(r->status, 0);
	free(r);
}

/* A private access where there is no RAM: KVM_EXIT_MEMORY_FAULT that qemu-tdx cannot serve. */
static void test_td_access_outside_ram(void **state)
{
	struct qt_result *r = malloc(sizeof(*r));
	uint32_t sum;
	char *kernel = make_kernel(16, &sum);
	const char *args[] = { TD_ARGS, "-m", "64M", "-kernel", kernel, "-append", "touch-hole", NULL };

	(void)state;
	qt_require_kvm();
	assert_non_null(r);
	qt_run(r, args, NULL);
	unlink(kernel);
	qt_expect_line(r, "mini-tdvf: touching 0x7f000000");
	assert_null(strstr(r->out, "mini-tdvf: touched"));
	qt_expect_err(r, "qemu-tdx: vCPU 0: access to private GPA 0x7f000000 (0x1000 bytes) outside convertible RAM: Invalid argument");
	assert_int_equal(r->status, 1);
	free(r);
}

/* The tdx-guest object's attributes reach the TD (TDG.VP.INFO); KVM's limits are enforced. */
static void test_td_attributes(void **state)
{
	struct qt_result *r = malloc(sizeof(*r));
	const char *off[] = { "-machine", "q35,confidential-guest-support=tdx0", "-object",
			      "tdx-guest,id=tdx0,sept-ve-disable=off", "-bios", QEMU_TDX_MINI_TDVF, "-m",
			      "64M", NULL };
	const char *pks[] = { "-machine", "q35,confidential-guest-support=tdx0", "-object",
			      "tdx-guest,id=tdx0,attributes=0x50000000", "-bios", QEMU_TDX_MINI_TDVF, "-m",
			      "64M", NULL };

	(void)state;
	qt_require_kvm();
	assert_non_null(r);
	qt_run(r, off, NULL);
	qt_expect_line(r, "mini-tdvf: attributes=0x0");
	qt_expect_line(r, "mini-tdvf: done");
	assert_int_equal(r->status, 0);
	/* PKS (bit 30) is not in what KVM supports here: refused before the TD is built. */
	qt_run(r, pks, NULL);
	assert_int_equal(r->status, 1);
	qt_expect_err(r, "qemu-tdx: -object tdx-guest,id=tdx0: Invalid attributes 0x50000000 for TDX VM (KVM supported: 0x10000000)");
	assert_string_equal(r->out, "");
	free(r);
}

/* Refusals before any guest runs: status 1 and a message naming the option. */
static void test_bad_command_lines(void **state)
{
	static const struct {
		const char *args[16];
		const char *msg;
	} cases[] = {
		{ { "-machine", "pc", "-bios", QEMU_TDX_MINI_TDVF, NULL },
		  "qemu-tdx: -machine pc: unsupported machine type 'pc'" },
		{ { TD_ARGS, "-object", "tdx-guest,id=x", NULL }, "only one tdx-guest object" },
		{ { "-machine", "q35,confidential-guest-support=tdx0,kernel-irqchip=on", "-object",
		    "tdx-guest,id=tdx0", "-bios", QEMU_TDX_MINI_TDVF, NULL },
		  "TDX VM requires kernel_irqchip to be split" },
		{ { "-machine", "q35,confidential-guest-support=tdx0", "-object",
		    "tdx-guest,id=tdx0,attributes=0x10000001", "-bios", QEMU_TDX_MINI_TDVF, NULL },
		  "attributes.debug" },
		{ { "-machine", "q35,confidential-guest-support=tdx0", "-object",
		    "tdx-guest,id=tdx0,mrowner=AAAA", "-bios", QEMU_TDX_MINI_TDVF, NULL },
		  "qemu-tdx: -object tdx-guest,id=tdx0,mrowner=AAAA: TDX 'mrowner': sha384 digest was 3 bytes" },
		{ { "-machine", "q35", "-bios", QEMU_TDX_MINI_TDVF, "-hda", "disk.img", NULL },
		  "qemu-tdx: -hda: invalid option" },
		{ { "-machine", "q35", "-bios", QEMU_TDX_MINI_TDVF, "-m", "12X", NULL },
		  "qemu-tdx: -m 12X: " },
		{ { "-machine", "q35", "-bios", "/nonexistent/tdvf.fd", NULL },
		  "qemu-tdx: -bios /nonexistent/tdvf.fd: No such file or directory" },
		/* A TD needs TDVF metadata: the test binary itself has none. */
		{ { "-machine", "q35,confidential-guest-support=tdx0", "-object", "tdx-guest,id=tdx0",
		    "-bios", "/proc/self/exe", NULL },
		  "qemu-tdx: -bios /proc/self/exe: " },
	};
	struct qt_result *r = malloc(sizeof(*r));

	(void)state;
	assert_non_null(r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		qt_run(r, cases[i].args, NULL);
		if (r->status != 1)
			fail_msg("case %zu: status %d, stderr: %s", i, r->status, r->err);
		qt_expect_err(r, cases[i].msg);
		assert_string_equal(r->out, "");
	}
	free(r);
}

/* A TDVF image cut short loses its footer: refused, nothing runs. */
static void test_truncated_firmware(void **state)
{
	struct qt_result *r = malloc(sizeof(*r));
	char path[64];
	int in = open(QEMU_TDX_MINI_TDVF, O_RDONLY),
	    out = mkstemp(qt_template(path, sizeof(path), "/tmp/test_qemu_tdx_fw_"));
	uint8_t buf[0x10000];
	const char *args[] = { "-machine", "q35,confidential-guest-support=tdx0", "-object",
			       "tdx-guest,id=tdx0", "-bios", path, NULL };

	(void)state;
	assert_non_null(r);
	assert_true(in >= 0 && out >= 0);
	assert_int_equal(read(in, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(write(out, buf, 0xF000), 0xF000);
	close(in);
	close(out);
	qt_run(r, args, NULL);
	unlink(path);
	assert_int_equal(r->status, 1);
	qt_expect_err(r, "no OVMF footer table GUID");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_command_lines),
		cmocka_unit_test(test_truncated_firmware),
		cmocka_unit_test(test_td_1vcpu_128m),
		cmocka_unit_test(test_td_4vcpu_2g),
		cmocka_unit_test(test_td_3g_highmem),
		cmocka_unit_test(test_plain_vm),
		cmocka_unit_test(test_plain_vm_ovmf_tdvf_virtio),
		cmocka_unit_test(test_td_fatal_error),
		cmocka_unit_test(test_td_dma_refused),
		cmocka_unit_test(test_td_bad_tdvmcalls),
		cmocka_unit_test(test_td_attributes),
		cmocka_unit_test(test_td_access_outside_ram),
	};

	return cmocka_run_group_tests_name("qemu-tdx", tests, NULL, NULL);
}
