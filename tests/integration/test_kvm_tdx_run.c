/*
 * kvm-tdx's KVM_RUN: a TD driven the way a VMM drives it, through struct
 * kvm_run exits only.  The tdvmcall guest image makes one TDVMCALL of
 * each kind and emits what it got back as 8-byte MMIO writes to EMIT_GPA;
 * this test plays the VMM (answers I/O, MMIO, KVM_EXIT_TDX, MapGPA with
 * KVM_SET_MEMORY_ATTRIBUTES) and then checks every value the guest saw.
 * The RAM slot has host memory behind it, so a page converted to shared
 * is visible to the host and a private one never is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include <tdx/kvm_tdx_uapi.h>
#include <tdx/tdx_status.h>
#include <tdx/tdx_tdcall.h>

#include "guest_paths.h"
#include "pmem.h"
#include "td_fixture.h"
#include "tdx_host.h"
#include "kvm_tdx_irqchip.h"

#define PAGE		4096ULL
#define RAM_SIZE	(16ULL << 20)
#define ADDED		(2ULL << 20)
#define EMIT_GPA	0xFED00000ULL
#define MMIO_GPA	0x10000000ULL
#define CONVERT_GPA	0x100000ULL
#define PRIV_MAGIC	0x5EC12E75ULL	/* tdvmcall.S */
#define QUOTE_GPA	0x101000ULL
#define MAX_EMITS	64

struct vmm {
	struct tdrun t;			/* only boot, host, vm, vcpu[0], tdr used */
	uint8_t *shared;		/* the RAM slot's host memory (shared backing) */
	uint64_t emit[MAX_EMITS];
	unsigned int nr_emit;
	unsigned int ios, tdx_exits, map_gpas;
	bool fatal;
	uint64_t fatal_data[16];
	uint64_t shared_seen;		/* the shared page as the host saw it */
	uint64_t private_pa;		/* the host page behind CONVERT_GPA before conversion */
};

static long vm_cmd(struct kvm_tdx_vm *vm, uint32_t id, uint32_t flags, uint64_t data)
{
	struct kvm_tdx_cmd c = { .id = id, .flags = flags, .data = data };

	return kvm_tdx_vm_ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &c);
}

static long vcpu_cmd(struct kvm_tdx_vcpu *v, uint32_t id, uint32_t flags, uint64_t data)
{
	struct kvm_tdx_cmd c = { .id = id, .flags = flags, .data = data };

	return kvm_tdx_vcpu_ioctl(v, KVM_MEMORY_ENCRYPT_OP, &c);
}

static void slot(struct kvm_tdx_vm *vm, uint32_t n, uint64_t gpa, uint64_t size, void *uaddr)
{
	struct kvm_create_guest_memfd g = { .size = size };
	long fd = kvm_tdx_vm_ioctl(vm, KVM_CREATE_GUEST_MEMFD, &g);
	struct kvm_userspace_memory_region2 r = {
		.slot = n, .flags = KVM_MEM_GUEST_MEMFD, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)uaddr,
	};
	struct kvm_memory_attributes a = { .address = gpa, .size = size,
					   .attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE };

	assert_true(fd >= 0);
	r.guest_memfd = (uint32_t)fd;
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r), 0);
	assert_int_equal(kvm_tdx_vm_ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &a), 0);
}

static void build(struct vmm *m)
{
	struct kvm_tdx_init_vm *init =
		calloc(1, sizeof(*init) + sizeof(struct kvm_tdx_cpuid_entry2));
	uint8_t *image = aligned_alloc(PAGE, TDF_IMAGE_PAGES * PAGE), *zeros = aligned_alloc(PAGE, ADDED);
	struct kvm_tdx_init_mem_region img, ram;
	struct host_boot_opts o;
	struct emu_error err = { 0 };
	FILE *f = fopen(GUEST_IMAGE_TDVMCALL, "rb");
	char why[160];

	if (!tdf_kvm_usable(why, sizeof(why))) {
		print_message("SKIPPED: TD execution needs /dev/kvm: %s\n", why);
		skip();
	}
	assert_non_null(init);
	assert_non_null(image);
	assert_non_null(zeros);
	memset(zeros, 0, ADDED);
	assert_non_null(f);
	assert_int_equal(fread(image, 1, TDF_IMAGE_PAGES * PAGE, f), TDF_IMAGE_PAGES * PAGE);
	fclose(f);
	m->shared = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(m->shared != MAP_FAILED);

	host_boot_defaults(&o);
	if (host_boot_vendor_key(&o, NULL, &err) || host_boot_run(&o, &m->t.boot, &err))
		fail_msg("boot: %s", err.msg);
	m->t.host = m->t.boot.host;
	assert_int_equal(kvm_tdx_create_vm(m->t.host, KVM_X86_TDX_VM, &m->t.vm), 0);
	assert_int_equal(enable_split_irqchip(m->t.vm), 0);
	init->attributes = TDF_TD_ATTR_SEPT_VE_DISABLE;
	init->xfam = 3;
	init->cpuid.nent = 1;
	init->cpuid.entries[0] = (struct kvm_tdx_cpuid_entry2){ .function = 0x80000008,
								 .eax = (48 << 16) | 46 };
	assert_int_equal(vm_cmd(m->t.vm, KVM_TDX_INIT_VM, 0, (uintptr_t)init), 0);
	assert_int_equal(kvm_tdx_create_vcpu(m->t.vm, 0, &m->t.vcpu[0]), 0);
	assert_int_equal(vcpu_cmd(m->t.vcpu[0], KVM_TDX_INIT_VCPU, 0, 0), 0);
	slot(m->t.vm, 0, 0, RAM_SIZE, m->shared);
	slot(m->t.vm, 1, TDF_IMAGE_GPA, TDF_IMAGE_PAGES * PAGE, NULL);
	img = (struct kvm_tdx_init_mem_region){ (uintptr_t)image, TDF_IMAGE_GPA, TDF_IMAGE_PAGES };
	ram = (struct kvm_tdx_init_mem_region){ (uintptr_t)zeros, 0, ADDED / PAGE };
	assert_int_equal(vcpu_cmd(m->t.vcpu[0], KVM_TDX_INIT_MEM_REGION,
				  KVM_TDX_MEASURE_MEMORY_REGION, (uintptr_t)&img), 0);
	assert_int_equal(vcpu_cmd(m->t.vcpu[0], KVM_TDX_INIT_MEM_REGION, 0, (uintptr_t)&ram), 0);
	assert_int_equal(vm_cmd(m->t.vm, KVM_TDX_FINALIZE_VM, 0, 0), 0);
	m->t.tdr = kvm_tdx_vm_tdr_pa(m->t.vm);
	m->private_pa = kvm_tdx_vm_private_pa(m->t.vm, CONVERT_GPA);
	free(init);
	free(image);
	free(zeros);
}

static int teardown(void **state)
{
	struct vmm *m = *state;

	if (!m)
		return 0;
	if (m->t.vm)
		kvm_tdx_destroy_vm(m->t.vm);
	if (m->t.host)
		host_boot_teardown(&m->t.boot);
	if (m->shared && m->shared != MAP_FAILED)
		munmap(m->shared, RAM_SIZE);
	free(m);
	return 0;
}

/* The VMM's side of one exit; false when the TD is done. */
static bool vmm_exit(struct vmm *m, struct kvm_run *run)
{
	struct kvm_tdx_exit *tdx = kvm_tdx_run_tdx(run);
	uint8_t *pio;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		pio = (uint8_t *)run + run->io.data_offset;
		m->ios++;
		assert_int_equal(run->io.count, 1);
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			assert_int_equal(run->io.port, 0x3F8);
			assert_int_equal(run->io.size, 1);
			assert_int_equal(pio[0], 'A');
		} else {
			assert_int_equal(run->io.port, 0x71);
			pio[0] = 0x5A;
		}
		return true;
	case KVM_EXIT_MMIO: {
		uint64_t v = 0;

		if (run->mmio.phys_addr == EMIT_GPA) {
			assert_true(run->mmio.is_write);
			assert_int_equal(run->mmio.len, 8);
			memcpy(&v, run->mmio.data, 8);
			assert_true(m->nr_emit < MAX_EMITS);
			m->emit[m->nr_emit++] = v;
			/* The emit after the shared write: the host sees the guest's value. */
			if (m->nr_emit == 15)
				memcpy(&m->shared_seen, m->shared + CONVERT_GPA, 8);
			return true;
		}
		if (run->mmio.is_write) {
			assert_int_equal(run->mmio.phys_addr, MMIO_GPA);
			assert_int_equal(run->mmio.len, 4);
			memcpy(&v, run->mmio.data, 4);
			assert_int_equal(v, 0x11223344);
		} else {
			assert_int_equal(run->mmio.phys_addr, MMIO_GPA + 8);
			assert_int_equal(run->mmio.len, 8);
			v = 0x0102030405060708ULL;
			memcpy(run->mmio.data, &v, 8);
		}
		return true;
	}
	case KVM_EXIT_TDX:
		m->tdx_exits++;
		/* KVM preset "unsupported": a VMM that does nothing says so. */
		assert_int_equal(tdx->unknown.ret, TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED);
		if (tdx->nr == TDVMCALL_GET_TD_VM_CALL_INFO) {
			assert_int_equal(tdx->get_tdvmcall_info.leaf, 1);
			tdx->get_tdvmcall_info.r11 = 2;	/* SetupEventNotifyInterrupt */
		} else if (tdx->nr == TDVMCALL_GET_QUOTE) {
			assert_int_equal(tdx->get_quote.gpa, QUOTE_GPA);
			assert_int_equal(tdx->get_quote.size, 4096);
		} else {
			assert_int_equal(tdx->nr, TDVMCALL_SETUP_EVENT_NOTIFY);
			assert_int_equal(tdx->setup_event_notify.vector, 0x40);
		}
		tdx->unknown.ret = TDVMCALL_STATUS_SUCCESS;
		return true;
	case KVM_EXIT_HYPERCALL: {
		struct kvm_memory_attributes a = {
			.address = run->hypercall.args[0], .size = run->hypercall.args[1] * PAGE,
			.attributes = (run->hypercall.args[2] & KVM_MAP_GPA_RANGE_ENCRYPTED) ?
				      KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
		};

		m->map_gpas++;
		assert_int_equal(run->hypercall.nr, KVM_HC_MAP_GPA_RANGE);
		assert_int_equal(run->hypercall.args[0], CONVERT_GPA);
		assert_int_equal(run->hypercall.args[1], 1);
		if (!a.attributes) {
			/*
			 * Still private, holding PRIV_MAGIC: the host view reads
			 * zeros, the attacker view ciphertext, the shared backing
			 * never had it.
			 */
			uint8_t host[8], attacker[8];
			uint64_t magic = PRIV_MAGIC;

			assert_int_equal(pmem_host_read(m->t.boot.m->plat, m->private_pa, host, 8), 0);
			assert_memory_equal(host, (uint8_t[8]){ 0 }, 8);
			assert_int_equal(pmem_attacker_read(m->t.boot.m->plat, m->private_pa,
							    attacker, 8), 0);
			assert_memory_not_equal(attacker, &magic, 8);
			assert_memory_not_equal(m->shared + CONVERT_GPA, &magic, 8);
		}
		/* As QEMU's kvm_convert_memory(): flip the attributes, answer 0. */
		run->hypercall.ret = (uint64_t)kvm_tdx_vm_ioctl(m->t.vm, KVM_SET_MEMORY_ATTRIBUTES, &a);
		/* Converted, the page the VMM now backs still never shows it. */
		if (!a.attributes)
			assert_memory_not_equal(m->shared + CONVERT_GPA, &(uint64_t){ PRIV_MAGIC }, 8);
		return true;
	}
	case KVM_EXIT_SYSTEM_EVENT:
		assert_int_equal(run->system_event.type, KVM_SYSTEM_EVENT_TDX_FATAL);
		assert_int_equal(run->system_event.ndata, 16);
		memcpy(m->fatal_data, run->system_event.data, sizeof(m->fatal_data));
		m->fatal = true;
		return false;
	default:
		fail_msg("unexpected exit %u", run->exit_reason);
		return false;
	}
}

static void test_tdvmcall_round_trips(void **state)
{
	struct vmm *m = *state = calloc(1, sizeof(*m));
	struct kvm_run *run;
	uint8_t host[8], zero[8] = { 0 };
	const uint64_t inval = TDVMCALL_STATUS_INVALID_OPERAND;
	long ret;

	assert_non_null(m);
	build(m);
	run = kvm_tdx_vcpu_run_page(m->t.vcpu[0]);
	assert_non_null(run);
	do {
		ret = kvm_tdx_vcpu_ioctl(m->t.vcpu[0], KVM_RUN, NULL);
		if (ret)
			for (unsigned int i = 0; i < m->nr_emit; i++)
				print_error("emit[%u] = 0x%llx\n", i, (unsigned long long)m->emit[i]);
		if (ret)
			fail_msg("KVM_RUN: %ld (exit %u, %u values emitted, fault gpa 0x%llx)", ret,
				 run->exit_reason, m->nr_emit,
				 (unsigned long long)kvm_tdx_run_memory_fault(run)->gpa);
	} while (vmm_exit(m, run));

	assert_int_equal(m->nr_emit, 29);
	assert_int_equal(m->emit[0], 0);			/* IO out */
	assert_int_equal(m->emit[1], 0);			/* IO in */
	assert_int_equal(m->emit[2], 0x5A);
	assert_int_equal(m->emit[3], 0);			/* MMIO write */
	assert_int_equal(m->emit[4], 0);			/* MMIO read */
	assert_int_equal(m->emit[5], 0x0102030405060708ULL);
	assert_int_equal(m->emit[6], 0);			/* CPUID, from INIT_VM's list */
	assert_int_equal(m->emit[7], (48 << 16) | 46);
	assert_int_equal(m->emit[8], inval);			/* RDMSR */
	assert_int_equal(m->emit[9], 0);			/* GetTdVmCallInfo 0 */
	assert_int_equal(m->emit[10], 0);
	assert_int_equal(m->emit[11], 0);			/* GetTdVmCallInfo 1 */
	assert_int_equal(m->emit[12], 2);
	assert_int_equal(m->emit[13], 0);			/* MapGPA to shared */
	assert_int_equal(m->emit[14], 0xCAFEBABE);		/* through the alias */
	assert_int_equal(m->shared_seen, 0xCAFEBABE);		/* and the host sees it */
	assert_int_equal(m->emit[15], 0);			/* MapGPA to private */
	assert_int_equal(m->emit[16], TDX_SUCCESS);		/* ACCEPT after AUG on the exit */
	assert_int_equal(m->emit[17], 0);			/* a fresh page */
	assert_int_equal(m->emit[18], 0);			/* GetQuote */
	assert_int_equal(m->emit[19], 0);			/* notify 0x40 */
	assert_int_equal(m->emit[20], inval);			/* notify 5 */
	assert_int_equal(m->emit[21], TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED);
	assert_int_equal(m->emit[22], (uint64_t)-1000);		/* vendor: -KVM_ENOSYS */
	/* Refused without an exit. */
	assert_int_equal(m->emit[23], TDVMCALL_STATUS_ALIGN_ERROR);	/* MapGPA misaligned */
	assert_int_equal(m->emit[24], inval);			/* MapGPA across the shared bit */
	assert_int_equal(m->emit[25], inval);			/* IO of 3 bytes */
	assert_int_equal(m->emit[26], inval);			/* MMIO to a private GPA */
	assert_int_equal(m->emit[27], tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX));
	assert_int_equal(m->emit[28], tdx_status_operand(TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX));
	assert_int_equal(m->ios, 2);
	assert_int_equal(m->tdx_exits, 3);
	assert_int_equal(m->map_gpas, 2);
	/* HLT sleeps in kvm-tdx (in-kernel LAPIC): it never reaches the VMM. */

	/* ReportFatalError: 16 GPRs, R12 = code, R14/R15 = the message. */
	assert_true(m->fatal);
	assert_int_equal(m->fatal_data[12], 0x1234);
	assert_memory_equal(&m->fatal_data[14], "tdvmcall", 8);
	assert_memory_equal(&m->fatal_data[15], " done", 5);
	assert_int_equal(m->fatal_data[0], TDX_SUCCESS | EXIT_REASON_TDCALL);
	/* A TD that reported a fatal error is not entered again. */
	assert_int_equal(kvm_tdx_vcpu_ioctl(m->t.vcpu[0], KVM_RUN, NULL), -EIO);

	/* The private page of CONVERT_GPA left the TD: back with the host, cleared. */
	assert_int_not_equal(m->private_pa, 0);
	assert_int_equal(pmem_host_read(m->t.boot.m->plat, m->private_pa, host, 8), 0);
	assert_memory_equal(host, zero, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_tdvmcall_round_trips, teardown),
	};

	return cmocka_run_group_tests_name("kvm-tdx KVM_RUN", tests, NULL, NULL);
}
