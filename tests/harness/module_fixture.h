/*
 * Test fixture for the TDX module: a whole emulated machine booted with
 * tools/tdx-host/boot.h up to an installed (and optionally initialized)
 * module, raw SEAMCALLs from the host side, host page helpers, a TD
 * builder in Linux's order, a hand-built TDMR configuration for the
 * manual bring-up, and a snapshot of everything the host can observe of
 * the module's state, for "a failed call changes nothing" assertions.
 *
 * Every helper fails the running cmocka test when the setup itself goes
 * wrong.  The raw SEAMCALL helpers return RAX untouched.
 */
#ifndef TDX_TEST_MODULE_FIXTURE_H
#define TDX_TEST_MODULE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/tdx_arch.h>
#include <tdx/tdx_emu_images.h>
#include <tdx/tdx_metadata.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_seamldr.h>
#include <tdx/tdx_status.h>

#include "boot.h"

#define FX_MAX_LPS		64
#define FX_TDCS_PAGES		6	/* TDCS_BASE_SIZE / 4096 of module 1.5 */

/* TD-scope metadata fields (reference tdx-abi.md 4.6). */
#define FX_TD_FATAL		0x8010000000000001ULL
#define FX_TD_NUM_TDCX		0x8010000200000002ULL
#define FX_TD_CHLDCNT		0x8010000300000004ULL
#define FX_TD_LIFECYCLE_STATE	0x8010000200000005ULL
#define FX_TD_HKID		0x8110000100000001ULL
#define FX_TD_PKG_CONFIG_BITMAP	0x8110000300000002ULL
#define FX_TD_OP_STATE		0x9010000200000004ULL
#define FX_TD_ATTRIBUTES	0x1110000300000000ULL
#define FX_TD_XFAM		0x1110000300000001ULL
#define FX_TD_MAX_VCPUS		0x1110000200000002ULL
#define FX_TD_GPAW		0x1110000000000003ULL
#define FX_TD_EPTP		0x1110000300000004ULL
#define FX_TD_TSC_FREQUENCY	0x111000010000000CULL
#define FX_TD_CONFIG_FLAGS	0x1110000300000016ULL
#define FX_TD_MRCONFIGID	0x1310000300000010ULL

/* TD lifecycle and OP_STATE values (reference tdx-abi.md 4.9). */
#define FX_TD_HKID_ASSIGNED	0
#define FX_TD_KEYS_CONFIGURED	1
#define FX_TD_BLOCKED		2
#define FX_TD_TEARDOWN		3
#define FX_OP_UNINITIALIZED	0
#define FX_OP_INITIALIZED	1

/* TD_PARAMS (reference tdx-abi.md 4.1), as the host lays it out. */
struct fx_td_params {
	uint64_t attributes;
	uint64_t xfam;
	uint16_t max_vcpus;
	uint8_t num_l2_vms;
	uint8_t msr_config_ctls;
	uint32_t reserved0;
	uint64_t eptp_controls;
	uint64_t config_flags;
	uint16_t tsc_frequency;
	uint8_t reserved1[38];
	uint8_t mrconfigid[48];
	uint8_t mrowner[48];
	uint8_t mrownerconfig[48];
	uint64_t ia32_arch_capabilities_config;
	uint8_t reserved2[24];
	uint8_t cpuid_config[768];	/* 16 bytes per configurable leaf */
} TDX_PACKED;
TDX_ASSERT_SIZE(struct fx_td_params, 1024);

struct fx {
	struct host_boot b;
	struct platform *plat;
	struct tdx_host *host;
	struct platform_config cfg;	/* what the machine was built from */
	unsigned int nr_lps;
	unsigned int nr_pkgs;
	bool initialized;		/* tdx_host_module_init ran */
	struct tdx_module_image_header image;	/* of the installed blob */
	struct seam_sigstruct sig;
	uint64_t hkid_used;		/* manual HKID allocator (uninitialized boots) */
};

/**
 * fx_boot() - a machine of @lps LPs in @packages packages with the build's
 * module installed; @initialize runs Linux's tdx_enable (host_boot_run),
 * otherwise the module is left in SYSINIT_PENDING.
 */
struct fx *fx_boot(unsigned int lps, unsigned int packages, bool initialize);
/* fx_boot_with() - the same with extra "key=value" platform overrides (NULL-terminated). */
struct fx *fx_boot_with(unsigned int lps, unsigned int packages, bool initialize,
			const char *const *overrides);
void fx_destroy(struct fx *fx);
/* fx_teardown() - cmocka teardown: destroys the fixture left in *@state, even after a failure. */
int fx_teardown(void **state);
/* A test case that boots its own fixture into *state. */
#define FX_TEST(f) cmocka_unit_test_teardown(f, fx_teardown)

/* ---- SEAMCALL ---- */

/** fx_seamcall() - raw SEAMCALL on @cpu; returns RAX, @args holds the outputs. */
uint64_t fx_seamcall(struct fx *fx, unsigned int cpu, struct tdx_module_args *args);
/* fx_call() - SEAMCALL with RCX, RDX, R8 and the other GPRs zero; outputs dropped. */
uint64_t fx_call(struct fx *fx, unsigned int cpu, uint64_t rax, uint64_t rcx, uint64_t rdx,
		 uint64_t r8);
/* fx_cpu_of_pkg() - the first LP of package @pkg. */
unsigned int fx_cpu_of_pkg(struct fx *fx, unsigned int pkg);

/* ---- host pages ---- */

uint64_t fx_alloc_pages(struct fx *fx, uint64_t n);
static inline uint64_t fx_alloc_page(struct fx *fx) { return fx_alloc_pages(fx, 1); }
void fx_free_pages(struct fx *fx, uint64_t pa, uint64_t n);
void fx_write(struct fx *fx, uint64_t pa, const void *buf, size_t len);
void fx_read(struct fx *fx, uint64_t pa, void *buf, size_t len);
void fx_fill(struct fx *fx, uint64_t pa, uint8_t byte, size_t len);
/* Is [pa, pa+len) all zero bytes in the host view? */
bool fx_reads_zero(struct fx *fx, uint64_t pa, size_t len);

/* ---- metadata ---- */

uint64_t fx_sys_rd(struct fx *fx, unsigned int cpu, uint64_t field, uint64_t *value,
		   uint64_t *next);
/* fx_sys_rd_ok() - the value of a SYS field read on CPU 0; fails the test on error. */
uint64_t fx_sys_rd_ok(struct fx *fx, uint64_t field);
uint64_t fx_mng_rd(struct fx *fx, uint64_t tdr, uint64_t field, uint64_t *value);
/* fx_mng_rd_ok() - the value of a TD field; fails the test on error. */
uint64_t fx_mng_rd_ok(struct fx *fx, uint64_t tdr, uint64_t field);

struct fx_rdmd {
	uint64_t type, owner, size, bepoch;
};
uint64_t fx_rdmd(struct fx *fx, uint64_t pa, struct fx_rdmd *out);
/* fx_page_type() - the page type RDMD reports; fails the test on error. */
uint64_t fx_page_type(struct fx *fx, uint64_t pa);

/* ---- manual bring-up (uninitialized boots) ---- */

/* The module's KeyIDs as the platform was configured (first TDX KeyID is global). */
hkid_t fx_global_hkid(const struct fx *fx);
hkid_t fx_first_td_hkid(const struct fx *fx);
hkid_t fx_last_td_hkid(const struct fx *fx);

/* SYS.INIT on CPU 0, then LP.INIT on every LP. */
void fx_sys_init(struct fx *fx);

#define FX_MAX_CONFIG_TDMRS	8

/* A TDMR list for SYS.CONFIG and the host memory it lives in. */
struct fx_config {
	struct tdmr_info tdmr[FX_MAX_CONFIG_TDMRS];
	unsigned int nr;
	uint64_t pamt_pa, pamt_pages;	/* one block holding every PAMT */
	uint64_t stage_pa;		/* array page + TDMR_INFO page */
};

/*
 * fx_config_hand() - a hand-built configuration: one TDMR per CMR
 * (rounded out to 1 GiB), the non-CMR parts reserved, every PAMT in one
 * host block in the first CMR and reserved in the TDMR holding it.
 */
void fx_config_hand(struct fx *fx, struct fx_config *c);
/* fx_config_builder() - the same memory through kvm-tdx's tdmrs_build(). */
void fx_config_builder(struct fx *fx, struct fx_config *c);
/* fx_config_reserve() - insert a reserved area into TDMR @i, keeping order. */
void fx_config_reserve(struct fx_config *c, unsigned int i, uint64_t base, uint64_t size);
/* fx_config_stage() - write the array and the TDMR_INFOs; returns the array PA. */
uint64_t fx_config_stage(struct fx *fx, const struct fx_config *c);
/* SYS.CONFIG of @c (staged now) with @hkid on CPU 0; returns RAX. */
uint64_t fx_sys_config(struct fx *fx, const struct fx_config *c, uint64_t hkid);
/* SYS.KEY.CONFIG on one LP of every package; each must succeed. */
void fx_key_config_all(struct fx *fx);
/* TDMR.INIT until every TDMR of @c is initialized. */
void fx_tdmr_init_all(struct fx *fx, const struct fx_config *c);
/* All of the above with fx_config_hand(): the module ends in SYS_READY. */
void fx_manual_init(struct fx *fx, struct fx_config *c);

/* ---- TDs ---- */

struct fx_td {
	uint64_t tdr;
	uint64_t tdcx[FX_TDCS_PAGES];
	unsigned int nr_tdcx;		/* added so far */
	uint64_t params_pa;		/* one shared page holding TD_PARAMS */
	hkid_t hkid;
};

/* The TD_PARAMS fx_create_td() uses: attributes 0, XFAM 3, 1 vCPU, EPTP 0x1E, 100 MHz x 25. */
void fx_td_params_default(struct fx_td_params *p);

int fx_hkid_alloc(struct fx *fx, hkid_t *hkid);
void fx_hkid_free(struct fx *fx, hkid_t hkid);

/* Allocate the TD's pages and HKID (no SEAMCALL). */
void fx_td_alloc(struct fx *fx, struct fx_td *td);
/* The single steps; each asserts success. */
void fx_td_mng_create(struct fx *fx, struct fx_td *td);
void fx_td_key_config(struct fx *fx, struct fx_td *td);
void fx_td_addcx(struct fx *fx, struct fx_td *td, unsigned int n);
/* MNG.INIT with @p (NULL: the defaults) written to the params page; returns RAX. */
uint64_t fx_td_init(struct fx *fx, struct fx_td *td, const struct fx_td_params *p,
		    struct tdx_module_args *out);

/* fx_create_td() - alloc, CREATE, KEY.CONFIG per package, 6 x ADDCX, MNG.INIT. */
void fx_create_td(struct fx *fx, struct fx_td *td);
/*
 * fx_teardown_td() - from wherever the TD is: VPFLUSHDONE, CACHE.WB per
 * package, KEY.FREEID, RECLAIM of the TDCX pages then the TDR, MOVDIR64B
 * and free of every page, HKID back to the allocator.
 */
void fx_teardown_td(struct fx *fx, struct fx_td *td);

/* ---- what the host can observe ---- */

#define FX_SNAP_MAX_PAGES	32
#define FX_SNAP_MAX_TDS		4
#define FX_SNAP_TD_FIELDS	6
#define FX_SNAP_SYS_FIELDS	8

struct fx_sys_probe {
	uint64_t config_rdx0;		/* SYS.CONFIG with RDX 0: tells SYSINIT_DONE apart */
	uint64_t tdmr_init_1;		/* TDMR.INIT of base 1: ready / not ready / shutdown */
	uint64_t cache_wb_rcx2;		/* CACHE.WB with RCX 2 */
	uint64_t lp_rd[FX_MAX_LPS];	/* SYS.RD on each LP: LP.INIT done or not */
	uint64_t st[FX_SNAP_SYS_FIELDS], val[FX_SNAP_SYS_FIELDS];
};

struct fx_snapshot {
	struct fx_sys_probe sys;
	unsigned int nr_pages;
	uint64_t pa[FX_SNAP_MAX_PAGES];
	uint64_t page_st[FX_SNAP_MAX_PAGES];
	struct fx_rdmd page[FX_SNAP_MAX_PAGES];
	unsigned int nr_tds;
	uint64_t tdr[FX_SNAP_MAX_TDS];
	uint64_t td_st[FX_SNAP_MAX_TDS][FX_SNAP_TD_FIELDS];
	uint64_t td_val[FX_SNAP_MAX_TDS][FX_SNAP_TD_FIELDS];
};

/*
 * fx_snapshot() - RDMD of each page in @pas, MNG.RD of LIFECYCLE_STATE,
 * OP_STATE, NUM_TDCX, CHLDCNT, HKID and PKG_CONFIG_BITMAP of each TDR in
 * @tdrs, SYS.RD of a few fields, and the side-effect-free system probes.
 */
void fx_snapshot(struct fx *fx, struct fx_snapshot *s, const uint64_t *pas, unsigned int nr_pas,
		 const uint64_t *tdrs, unsigned int nr_tds);
/* fx_snapshot_td() - the pages and TDR of @td (or NULL) plus @extra pages. */
void fx_snapshot_td(struct fx *fx, struct fx_snapshot *s, const struct fx_td *td,
		    const uint64_t *extra, unsigned int nr_extra);
/* fx_assert_unchanged() - take the same snapshot again; fail naming what differs. */
void fx_assert_unchanged(struct fx *fx, const struct fx_snapshot *s);

/* Assert helpers that print statuses in hex. */
#define assert_status(actual, expected)							\
	do {										\
		uint64_t a__ = (actual), e__ = (expected);				\
		if (a__ != e__)								\
			fail_msg("status 0x%016llx, expected 0x%016llx", (unsigned long long)a__, \
				 (unsigned long long)e__);				\
	} while (0)

#define assert_status_code(actual, expected)						\
	do {										\
		uint64_t a__ = (actual), e__ = (expected);				\
		if (!tdx_status_code_eq(a__, e__))					\
			fail_msg("status 0x%016llx, expected code 0x%016llx", (unsigned long long)a__, \
				 (unsigned long long)e__);				\
	} while (0)

#define assert_operand_invalid(actual, operand) \
	assert_status(actual, tdx_status_operand(TDX_OPERAND_INVALID, operand))

#endif /* TDX_TEST_MODULE_FIXTURE_H */
