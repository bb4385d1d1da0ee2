/*
 * A TD running a guest program from tests/guest on the host's /dev/kvm,
 * for tests and benchmarks: boot the emulated host, build the TD through
 * KVM's TDX API (image at GUEST_LOAD_GPA, measured; 2 MiB of zeroed RAM at
 * 0; 16 MiB of private GPA for AUG, more with tdf_private_range()), then
 * drive it with raw TDH.VP.ENTER.
 * Guest reports arrive as vendor TDVMCALLs (guest_protocol.h).
 */
#ifndef TDX_TD_FIXTURE_H
#define TDX_TD_FIXTURE_H

#include <stdint.h>

#include <tdx/tdx_seamcall.h>

#include "boot.h"
#include "kvm_tdx.h"

#define TDF_PAGE		4096ULL
#define TDF_RAM_SLOT_PAGES	(16ULL << 20 >> 12)
#define TDF_RAM_ADDED_PAGES	(2ULL << 20 >> 12)
#define TDF_IMAGE_GPA		0xFFFF0000ULL
#define TDF_IMAGE_PAGES		16
#define TDF_MAX_VCPUS		4
#define TDF_TD_ATTR_SEPT_VE_DISABLE (1ULL << 28)

struct tdrun {
	struct host_boot boot;
	struct tdx_host *host;
	struct kvm_tdx_vm *vm;
	struct kvm_tdx_vcpu *vcpu[TDF_MAX_VCPUS];
	unsigned int nr_vcpus;
	uint64_t tdr;
	uint8_t *image;
};

/** tdf_kvm_usable() - 1 if TDs can run here; else 0 with the reason in @why. */
int tdf_kvm_usable(char *why, size_t len);

/* Build a TD (platform option @plat_opt may be NULL); fails the test on error. */
struct tdrun *td_start_on(const char *plat_opt, const char *image, unsigned int nr_vcpus,
			  uint64_t attributes);
struct tdrun *td_start(const char *image, unsigned int nr_vcpus, uint64_t attributes);
/** td_stop() - a cmocka teardown: tear the TD and the host down. */
int td_stop(void **state);

/**
 * tdf_private_range() - @pages more private GPA at @gpa for AUG: a new
 * guest_memfd in memslot @slot (td_start() uses slots 0 and 1), made
 * private.  Fails the test on error.
 */
void tdf_private_range(struct tdrun *t, uint32_t slot, uint64_t gpa, uint64_t pages);
uint64_t tdf_seamcall(struct tdrun *t, unsigned int cpu, struct tdx_module_args *a);
/** tdf_host_pages() - @n host pages aligned to @align (4 KiB or 2 MiB). */
uint64_t tdf_host_pages(struct tdrun *t, uint64_t n, uint64_t align);
void sept_add(struct tdrun *t, uint64_t gpa, unsigned int level);
/** aug() - AUG a PENDING page at @gpa; returns the host page behind it. */
uint64_t aug(struct tdrun *t, uint64_t gpa, unsigned int level);
uint64_t max_vcpus(struct tdrun *t);
/** enter() - one VP.ENTER of vCPU @i; @a carries TDVMCALL outputs in, the exit out. */
uint64_t enter(struct tdrun *t, unsigned int i, struct tdx_module_args *a);
/** expect_report() - enter vCPU @i until its next report, which must be @step. */
void expect_report(struct tdrun *t, unsigned int i, uint64_t step, uint64_t out[4]);

#endif /* TDX_TD_FIXTURE_H */
