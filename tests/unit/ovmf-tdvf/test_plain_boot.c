/*
 * ovmf-tdvf in plain-VM mode on bare KVM, with a host loop written here:
 * RAM at 0, the image mapped to end at 4 GiB, the vCPU at its reset state
 * (16-bit real mode, CS base 0xFFFF0000), COM1 captured, fw_cfg with the
 * DMA interface, the q35 PM1a control port, and a virtio-mmio window that
 * answers 0 (no device).  This exercises the real-mode entry, long mode,
 * fw_cfg DMA, the ELF checks and the hand-off without qemu-tdx:
 *
 *  - payload-demo starts in plain-VM mode and stops at the missing
 *    virtio device with its FAILED line and a triple fault; with
 *    virtio=0 it ends with SUCCESS and S5;
 *  - payload-fatal: FAILED with its message;
 *  - a non-ELF payload, no payload, a truncated command line: the
 *    firmware refuses each with its message and a triple fault.
 *
 * Skipped (77) when /dev/kvm cannot run a VM.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <tdx/fw_cfg.h>

#define RAM_SIZE	(128ull << 20)
#define OUT_MAX		(64 * 1024)

struct vm {
	int kvm, fd, vcpu;
	struct kvm_run *run;
	uint8_t *ram;
	uint8_t *bios;
	size_t bios_size;
	/* fw_cfg */
	uint16_t key;
	size_t offset;
	uint32_t dma_hi;
	const uint8_t *kernel;
	uint32_t kernel_size;
	const char *cmdline;
	uint32_t cmdline_size;	/* as fw_cfg reports it */
	/* results */
	char out[OUT_MAX];
	size_t out_len;
	int s5, shutdown_exit;
};

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* The bytes of fw_cfg item key, in a static buffer. */
static size_t item(struct vm *v, uint16_t key, const uint8_t **data)
{
	static uint8_t tmp[8];

	memset(tmp, 0, sizeof(tmp));
	*data = tmp;
	switch (key) {
	case FW_CFG_SIGNATURE:
		memcpy(tmp, "QEMU", 4);
		return 4;
	case FW_CFG_ID:
		tmp[0] = FW_CFG_VERSION | FW_CFG_VERSION_DMA;
		return 4;
	case FW_CFG_RAM_SIZE: {
		uint64_t r = RAM_SIZE;

		memcpy(tmp, &r, 8);
		return 8;
	}
	case FW_CFG_NB_CPUS:
		tmp[0] = 1;
		return 2;
	case FW_CFG_KERNEL_SIZE:
		memcpy(tmp, &v->kernel_size, 4);
		return 4;
	case FW_CFG_KERNEL_DATA:
		*data = v->kernel;
		return v->kernel ? v->kernel_size : 0;
	case FW_CFG_CMDLINE_SIZE:
		memcpy(tmp, &v->cmdline_size, 4);
		return 4;
	case FW_CFG_CMDLINE_DATA:
		*data = (const uint8_t *)v->cmdline;
		return v->cmdline ? strlen(v->cmdline) + 1 : 0;
	default:
		return 0;
	}
}

static uint8_t *guest(struct vm *v, uint64_t gpa, uint64_t len)
{
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return NULL;
	return v->ram + gpa;
}

static void fw_cfg_dma(struct vm *v, uint64_t desc_gpa)
{
	uint8_t *d = guest(v, desc_gpa, 16);
	uint32_t control, length;
	uint64_t addr;
	const uint8_t *data;
	size_t size;

	assert_non_null(d);
	memcpy(&control, d, 4);
	memcpy(&length, d + 4, 4);
	memcpy(&addr, d + 8, 8);
	control = __builtin_bswap32(control);
	length = __builtin_bswap32(length);
	addr = __builtin_bswap64(addr);
	if (control & FW_CFG_DMA_CTL_SELECT) {
		v->key = (uint16_t)(control >> 16);
		v->offset = 0;
	}
	if (control & FW_CFG_DMA_CTL_READ) {
		uint8_t *dst = guest(v, addr, length);

		size = item(v, v->key, &data);
		if (!dst) {
			control = FW_CFG_DMA_CTL_ERROR;
			goto done;
		}
		for (uint32_t i = 0; i < length; i++)
			dst[i] = v->offset < size ? data[v->offset++] : 0;
	}
	control = 0;
done:
	control = __builtin_bswap32(control);
	memcpy(d, &control, 4);
}

static void handle_io(struct vm *v)
{
	struct kvm_run *r = v->run;
	uint8_t *p = (uint8_t *)r + r->io.data_offset;
	uint32_t val = 0;

	memcpy(&val, p, r->io.size);
	for (uint32_t c = 0; c < r->io.count; c++) {
		if (r->io.direction == KVM_EXIT_IO_OUT) {
			if (r->io.port == 0x3F8 && v->out_len + 1 < OUT_MAX)
				v->out[v->out_len++] = (char)val;
			else if (r->io.port == FW_CFG_PORT_SEL) {
				v->key = (uint16_t)val;
				v->offset = 0;
			} else if (r->io.port == FW_CFG_PORT_DMA_HI)
				v->dma_hi = __builtin_bswap32(val);
			else if (r->io.port == FW_CFG_PORT_DMA_LO)
				fw_cfg_dma(v, (uint64_t)v->dma_hi << 32 | __builtin_bswap32(val));
			else if (r->io.port == 0x604 && (val & 0x2000))
				v->s5 = 1;
		} else {
			val = 0;
			if (r->io.port == FW_CFG_PORT_DATA) {
				const uint8_t *data;
				size_t size = item(v, v->key, &data);

				val = v->offset < size ? data[v->offset++] : 0;
			} else if (r->io.port == 0x3FD) {
				val = 0x60;
			}
			memcpy(p, &val, r->io.size);
		}
	}
}

/* 0: ran; 77: skip (no usable KVM). */
static int vm_create(struct vm *v, const char *image)
{
	struct kvm_userspace_memory_region ram = { 0 }, bios = { 0 };
	struct kvm_cpuid2 *cpuid;
	int mmap_size;

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		return 77;
	v->fd = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->fd < 0)
		return 77;
	ioctl(v->fd, KVM_SET_TSS_ADDR, 0xFFFBD000ul);
	v->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		      MAP_NORESERVE, -1, 0);
	assert_true(v->ram != MAP_FAILED);
	{
		size_t sz;
		uint8_t *img = read_file(image, &sz);

		v->bios_size = sz;
		v->bios = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(v->bios != MAP_FAILED);
		memcpy(v->bios, img, sz);
		free(img);
	}
	ram.slot = 0;
	ram.guest_phys_addr = 0;
	ram.memory_size = RAM_SIZE;
	ram.userspace_addr = (uint64_t)(uintptr_t)v->ram;
	bios.slot = 1;
	bios.guest_phys_addr = 0x100000000ull - v->bios_size;
	bios.memory_size = v->bios_size;
	bios.userspace_addr = (uint64_t)(uintptr_t)v->bios;
	if (ioctl(v->fd, KVM_SET_USER_MEMORY_REGION, &ram) ||
	    ioctl(v->fd, KVM_SET_USER_MEMORY_REGION, &bios))
		return 77;
	v->vcpu = ioctl(v->fd, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return 77;
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(struct kvm_cpuid_entry2));
	assert_non_null(cpuid);
	cpuid->nent = 256;
	if (ioctl(v->kvm, KVM_GET_SUPPORTED_CPUID, cpuid) ||
	    ioctl(v->vcpu, KVM_SET_CPUID2, cpuid))
		return 77;
	free(cpuid);
	mmap_size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	assert_true(mmap_size > 0);
	v->run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	assert_true(v->run != MAP_FAILED);
	return 0;
}

static void vm_run(struct vm *v)
{
	time_t start = time(NULL);

	for (;;) {
		if (time(NULL) - start > 20)
			fail_msg("guest did not finish in 20 s; output:\n%.*s", (int)v->out_len, v->out);
		if (ioctl(v->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			fail_msg("KVM_RUN: %s", strerror(errno));
		}
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io(v);
			if (v->s5)
				return;
			break;
		case KVM_EXIT_MMIO:
			if (!v->run->mmio.is_write)
				memset(v->run->mmio.data, 0, sizeof(v->run->mmio.data));
			break;
		case KVM_EXIT_SHUTDOWN:
			v->shutdown_exit = 1;
			if (getenv("TDVF_TEST_DEBUG")) {
				struct kvm_regs regs;
				struct kvm_sregs sregs;

				ioctl(v->vcpu, KVM_GET_REGS, &regs);
				ioctl(v->vcpu, KVM_GET_SREGS, &sregs);
				print_message("shutdown: RIP 0x%llx RSP 0x%llx CR0 0x%llx CR3 0x%llx CR4 0x%llx EFER 0x%llx CS 0x%x base 0x%llx\n",
					      regs.rip, regs.rsp, sregs.cr0, sregs.cr3, sregs.cr4,
					      sregs.efer, sregs.cs.selector, sregs.cs.base);
			}
			return;
		case KVM_EXIT_HLT:
			return;
		default:
			if (v->run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
				print_message("internal error suberror %u ndata %u data0 0x%llx data1 0x%llx\n",
					      v->run->internal.suberror, v->run->internal.ndata,
					      v->run->internal.data[0], v->run->internal.data[1]);
			fail_msg("unexpected KVM exit %u; output:\n%.*s", v->run->exit_reason,
				 (int)v->out_len, v->out);
		}
	}
}

static void vm_destroy(struct vm *v)
{
	munmap(v->ram, RAM_SIZE);
	munmap(v->bios, v->bios_size);
	close(v->vcpu);
	close(v->fd);
	close(v->kvm);
}

/* Boots image with kernel/cmdline; returns the output (NUL-terminated in v->out). */
static struct vm *boot(const uint8_t *kernel, uint32_t kernel_size, const char *cmdline,
		       uint32_t cmdline_size)
{
	struct vm *v = calloc(1, sizeof(*v));
	int rc;

	assert_non_null(v);
	v->kernel = kernel;
	v->kernel_size = kernel_size;
	v->cmdline = cmdline;
	v->cmdline_size = cmdline_size;
	rc = vm_create(v, TDVF_IMAGE_PATH);
	if (rc == 77) {
		print_message("SKIPPED: a plain VM needs a usable /dev/kvm\n");
		free(v);
		skip();
	}
	vm_run(v);
	v->out[v->out_len] = '\0';
	return v;
}

static void expect_out(struct vm *v, const char *s)
{
	if (!strstr(v->out, s))
		fail_msg("output lacks \"%s\"; output:\n%s", s, v->out);
}

static void test_demo_plain(void **state)
{
	size_t size;
	uint8_t *k = read_file(TDVF_PAYLOAD_DEMO_PATH, &size);
	struct vm *v;

	(void)state;
	v = boot(k, (uint32_t)size, "demo arg", 9);
	expect_out(v, "ovmf-tdvf: starting in plain-VM mode");
	expect_out(v, "ovmf-tdvf: entering payload at 0x1000000");
	expect_out(v, "payload: started in plain-VM mode");
	expect_out(v, "command line \"demo arg\"");
	/* No virtio device behind the window: the payload must say so and fail. */
	expect_out(v, "tdx-emu payload: FAILED: virtio: no virtio-mmio device at 0xfeb00000");
	assert_null(strstr(v->out, "SUCCESS"));
	assert_true(v->shutdown_exit);
	assert_false(v->s5);
	vm_destroy(v);
	free(v);
	free(k);
}

/* With virtio=0 the demo skips the device and must end with SUCCESS and S5. */
static void test_demo_plain_success(void **state)
{
	size_t size;
	uint8_t *k = read_file(TDVF_PAYLOAD_DEMO_PATH, &size);
	struct vm *v;

	(void)state;
	v = boot(k, (uint32_t)size, "virtio=0", 9);
	expect_out(v, "payload: virtio round trip skipped (virtio=0)");
	expect_out(v, "\ntdx-emu payload: SUCCESS\n");
	assert_null(strstr(v->out, "FAILED"));
	assert_true(v->s5);
	assert_false(v->shutdown_exit);
	vm_destroy(v);
	free(v);
	free(k);
}

static void test_fatal_payload_plain(void **state)
{
	size_t size;
	uint8_t *k = read_file(TDVF_PAYLOAD_FATAL_PATH, &size);
	struct vm *v;

	(void)state;
	v = boot(k, (uint32_t)size, NULL, 0);
	expect_out(v, "tdx-emu payload: FAILED: payload-fatal: deliberate failure");
	assert_true(v->shutdown_exit);
	vm_destroy(v);
	free(v);
	free(k);
}

static void test_bad_payloads_refused(void **state)
{
	static const uint8_t junk[256] = "this is not an ELF file";
	size_t size;
	uint8_t *k = read_file(TDVF_PAYLOAD_DEMO_PATH, &size);
	struct vm *v;

	(void)state;
	v = boot(junk, sizeof(junk), NULL, 0);
	expect_out(v, "ovmf-tdvf: FATAL: payload refused: not an ELF file (bad magic)");
	assert_true(v->shutdown_exit);
	vm_destroy(v);
	free(v);

	v = boot(NULL, 0, NULL, 0);
	expect_out(v, "ovmf-tdvf: FATAL: no payload: fw_cfg kernel size is 0");
	vm_destroy(v);
	free(v);

	/* The ELF cut short: its section headers (at its end) are past the file. */
	v = boot(k, 0x2000, NULL, 0);
	expect_out(v, "ovmf-tdvf: FATAL: payload refused: ELF section headers lie outside the file");
	vm_destroy(v);
	free(v);

	/* A command line whose reported size does not match its NUL. */
	v = boot(k, (uint32_t)size, "abc", 2);
	expect_out(v, "ovmf-tdvf: FATAL: command line of 2 bytes is not one NUL-terminated string");
	assert_null(strstr(v->out, "entering payload"));
	vm_destroy(v);
	free(v);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_plain),
		cmocka_unit_test(test_demo_plain_success),
		cmocka_unit_test(test_fatal_payload_plain),
		cmocka_unit_test(test_bad_payloads_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
