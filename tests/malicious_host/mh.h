/*
 * Shared setup of the malicious-host suite (DESIGN.md 3): a whole machine
 * booted through tools/tdx-host/boot.h to an initialized module, TDs built
 * with raw SEAMCALLs in Linux's order, and a snapshot of everything the
 * host can observe about pages and TDs, so each attack can assert that a
 * refused call changed nothing.
 *
 * The host side here only uses what a hostile kernel has: SEAMCALL on an
 * LP (tdx_host_seamcall), its own page allocator, the platform's host and
 * physical-attacker views of memory, and the line metadata an
 * error-reporting machine would expose (pmem_line_info).
 *
 * Every helper fails the running cmocka test when the setup itself goes
 * wrong; the raw SEAMCALL helpers return RAX untouched.
 */
#ifndef TDX_TESTS_MALICIOUS_HOST_MH_H
#define TDX_TESTS_MALICIOUS_HOST_MH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/tdx_arch.h>
#include <tdx/tdx_seamcall.h>
#include <tdx/tdx_status.h>

#include "boot.h"
#include "pmem.h"

#define MH_PAGE			TDX_PAGE_SIZE
#define MH_TDCX_PAGES		6	/* TDCS_BASE_SIZE / 4096 of module 1.5 */
#define MH_MAX_TD_PAGES		8
#define MH_SHARED_BIT		TDX_BIT(47)	/* GPAW 48 */

/* TD-scope metadata fields (reference tdx-abi.md 4.6). */
#define MH_TD_FATAL		0x8010000000000001ULL
#define MH_TD_NUM_TDCX		0x8010000200000002ULL
#define MH_TD_CHLDCNT		0x8010000300000004ULL
#define MH_TD_LIFECYCLE_STATE	0x8010000200000005ULL
#define MH_TD_HKID		0x8110000100000001ULL
#define MH_TD_PKG_CONFIG_BITMAP	0x8110000300000002ULL
#define MH_TD_OP_STATE		0x9010000200000004ULL
#define MH_TD_EPOCH		0x9210000300000000ULL

/* TD lifecycle / OP_STATE values (reference tdx-abi.md 4.9). */
#define MH_TD_HKID_ASSIGNED	0
#define MH_TD_KEYS_CONFIGURED	1
#define MH_TD_BLOCKED		2
#define MH_TD_TEARDOWN		3
#define MH_OP_UNINITIALIZED	0
#define MH_OP_INITIALIZED	1
#define MH_OP_RUNNABLE		2

/* Architectural SEPT states (RDX bits 15:8 of SEPT.RD, reference 4.7). */
#define MH_SEPT_FREE		0
#define MH_SEPT_BLOCKED		1
#define MH_SEPT_PENDING		2
#define MH_SEPT_MAPPED		4
#define MH_SEPT_NL_BLOCKED	0x81
#define MH_SEPT_NL_MAPPED	0x84

struct mh {
	struct host_boot b;
	struct tdx_host *host;
	struct platform *plat;
	unsigned int nr_lps;
	unsigned int nr_pkgs;
	unsigned int pa_bits;		/* address bits below the KeyID */
	hkid_t global_hkid;
	struct platform_range seamrr;
};

/** mh_boot() - the default machine (8 GiB, 1 package x 2 LPs), module initialized. */
struct mh *mh_boot(void);
/** mh_boot_with() - the same with "key=value" platform overrides (NULL-terminated). */
struct mh *mh_boot_with(const char *const *overrides);
void mh_destroy(struct mh *mh);
/** mh_teardown() - cmocka teardown for a machine left in *@state. */
int mh_teardown(void **state);
#define MH_TEST(f) cmocka_unit_test_teardown(f, mh_teardown)

/* ---- SEAMCALL ---- */

/** mh_sc() - raw SEAMCALL on @cpu; @a holds the outputs; returns RAX. */
uint64_t mh_sc(struct mh *mh, unsigned int cpu, struct tdx_module_args *a);
/** mh_call() - SEAMCALL on CPU 0 with RCX, RDX, R8, R9, other GPRs 0. */
uint64_t mh_call(struct mh *mh, uint64_t leaf, uint64_t rcx, uint64_t rdx, uint64_t r8,
		 uint64_t r9);
/** mh_call_out() - the same, outputs in @out (may be NULL). */
uint64_t mh_call_out(struct mh *mh, uint64_t leaf, uint64_t rcx, uint64_t rdx, uint64_t r8,
		     uint64_t r9, struct tdx_module_args *out);
/** mh_cpu_of_pkg() - the first LP of package @pkg. */
unsigned int mh_cpu_of_pkg(struct mh *mh, unsigned int pkg);

/* ---- host memory ---- */

uint64_t mh_pages(struct mh *mh, uint64_t n);
static inline uint64_t mh_page(struct mh *mh) { return mh_pages(mh, 1); }
/** mh_pages_aligned() - @n pages starting at an @align-aligned PA (leaks the slack). */
uint64_t mh_pages_aligned(struct mh *mh, uint64_t n, uint64_t align);
void mh_write(struct mh *mh, uint64_t pa, const void *buf, size_t len);
void mh_read(struct mh *mh, uint64_t pa, void *buf, size_t len);
bool mh_host_reads_zero(struct mh *mh, uint64_t pa, size_t len);
/** mh_pattern() - the 4 KiB of content page @i of a TD seeded @seed starts with. */
void mh_pattern(uint8_t seed, unsigned int i, uint8_t out[MH_PAGE]);
/** mh_pa_keyid() - @pa with KeyID @keyid in the KeyID bits. */
uint64_t mh_pa_keyid(const struct mh *mh, uint64_t pa, hkid_t keyid);
/** mh_hkid() - a free guest HKID from the host's allocator. */
hkid_t mh_hkid(struct mh *mh);

/*
 * mh_pamt_4k_base() - where the 4K PAMT of the first TDMR lives: the first
 * page above 16 MiB that RDMD reports PT_RSVD (the host allocates the
 * PAMTs first, one block per TDMR, 4K part first, as Linux does).
 */
uint64_t mh_pamt_4k_base(struct mh *mh);
/** mh_pamt_4k_entry() - PA of the 4K PAMT entry of @pa (first TDMR only). */
uint64_t mh_pamt_4k_entry(struct mh *mh, uint64_t pa);

/* ---- metadata reads ---- */

struct mh_rdmd {
	uint64_t type, owner, size, bepoch;
};
uint64_t mh_rdmd(struct mh *mh, uint64_t pa, struct mh_rdmd *out);
/** mh_page_type() - RDMD's page type; fails the test on error. */
uint64_t mh_page_type(struct mh *mh, uint64_t pa);
uint64_t mh_mng_rd(struct mh *mh, uint64_t tdr, uint64_t field, uint64_t *value);
/** mh_td_field() - a TD field; fails the test on error. */
uint64_t mh_td_field(struct mh *mh, uint64_t tdr, uint64_t field);
uint64_t mh_sept_rd(struct mh *mh, uint64_t tdr, uint64_t gpa_lvl, uint64_t *entry,
		    uint64_t *info);
/** mh_sept_state() - the architectural state of a SEPT entry; fails on error. */
unsigned int mh_sept_state(struct mh *mh, uint64_t tdr, uint64_t gpa_lvl);

/* ---- TDs built with raw SEAMCALLs ---- */

struct mh_td {
	hkid_t hkid;
	uint8_t seed;			/* content pattern of its pages */
	uint64_t attributes;
	uint64_t tdr;
	uint64_t tdcx[MH_TDCX_PAGES];
	unsigned int nr_tdcx;		/* added so far */
	uint64_t params;		/* shared page holding TD_PARAMS */
	uint64_t src;			/* shared source page for PAGE.ADD */
	uint64_t sept[3];		/* SEPT pages for GPA 0: levels 3, 2, 1 */
	unsigned int nr_sept;
	uint64_t page[MH_MAX_TD_PAGES];	/* PT_REG pages at GPA i * 4K */
	unsigned int nr_pages;
};

/** mh_td_alloc() - pages (TDR, TDCX, params, source) and an HKID; no SEAMCALL. */
void mh_td_alloc(struct mh *mh, struct mh_td *td, uint8_t seed);
/** mh_td_create() - MNG.CREATE, then MNG.KEY.CONFIG on every package. */
void mh_td_create(struct mh *mh, struct mh_td *td);
/** mh_td_addcx() - @n more MNG.ADDCX. */
void mh_td_addcx(struct mh *mh, struct mh_td *td, unsigned int n);
/** mh_td_write_params() - TD_PARAMS {attrs, xfam 3, 1 vCPU, EPTP 0x1E, flags 4, 100} at @pa. */
void mh_td_write_params(struct mh *mh, uint64_t pa, uint64_t attributes);
/** mh_td_init() - MNG.INIT with the default TD_PARAMS and @attributes; asserts success. */
void mh_td_init(struct mh *mh, struct mh_td *td, uint64_t attributes);
/** mh_td_map_gpa0() - SEPT.ADD at levels 3, 2, 1 for GPA 0. */
void mh_td_map_gpa0(struct mh *mh, struct mh_td *td);
/** mh_td_add_pages() - PAGE.ADD @n pages at the next GPAs, content mh_pattern(). */
void mh_td_add_pages(struct mh *mh, struct mh_td *td, unsigned int n);
/** mh_td_build() - all of the above: an INITIALIZED TD with @npages pages. */
void mh_td_build(struct mh *mh, struct mh_td *td, uint8_t seed, uint64_t attributes,
		 unsigned int npages);

/* Teardown steps; each asserts success. */
void mh_td_vpflushdone(struct mh *mh, struct mh_td *td);
void mh_cache_wb_all(struct mh *mh);
void mh_td_freeid(struct mh *mh, struct mh_td *td);
/** mh_td_reclaim_children() - RECLAIM every REG, SEPT and TDCX page. */
void mh_td_reclaim_children(struct mh *mh, struct mh_td *td);

/* ---- what the host can observe ---- */

#define MH_SNAP_PAGES	80
#define MH_SNAP_TDS	6
#define MH_SNAP_GPAS	32
#define MH_SNAP_FIELDS	8

struct mh_page_obs {
	uint64_t st;			/* RDMD status */
	struct mh_rdmd md;
	int host_rc;
	uint64_t host_digest;		/* host view */
	uint64_t meta_digest;		/* line metadata (KeyID, generation, TD bit, poison) */
	uint64_t ct_digest;		/* attacker view, when asked for */
};

struct mh_snap {
	unsigned int np;
	uint64_t pa[MH_SNAP_PAGES];
	bool ct[MH_SNAP_PAGES];
	struct mh_page_obs page[MH_SNAP_PAGES];
	unsigned int ng;
	uint64_t g_tdr[MH_SNAP_GPAS], g_gpa[MH_SNAP_GPAS];
	uint64_t g_st[MH_SNAP_GPAS], g_rcx[MH_SNAP_GPAS], g_rdx[MH_SNAP_GPAS];
	unsigned int nt;
	uint64_t tdr[MH_SNAP_TDS];
	uint64_t td_st[MH_SNAP_TDS][MH_SNAP_FIELDS], td_val[MH_SNAP_TDS][MH_SNAP_FIELDS];
};

void mh_snap_init(struct mh_snap *s);
/** mh_snap_page() - watch @pa; @ciphertext adds the attacker view (slow: AES per line). */
void mh_snap_page(struct mh_snap *s, uint64_t pa, bool ciphertext);
/** mh_snap_gpa() - watch SEPT.RD of @gpa_lvl in the TD at @tdr. */
void mh_snap_gpa(struct mh_snap *s, uint64_t tdr, uint64_t gpa_lvl);
/** mh_snap_tdr() - watch the TD fields of @tdr. */
void mh_snap_tdr(struct mh_snap *s, uint64_t tdr);
/** mh_snap_td() - a TD's TDR fields, every page it has and its GPAs (levels 0-2). */
void mh_snap_td(struct mh_snap *s, const struct mh_td *td);
/** mh_snap_take() - observe everything on the lists now. */
void mh_snap_take(struct mh *mh, struct mh_snap *s);
/**
 * mh_snap_diff() - compare two observations of the same lists; writes the
 * first difference into @msg and returns true if any.  @ignore_fatal lets
 * the FATAL field differ (a non-recoverable status may set it).
 */
bool mh_snap_diff(const struct mh_snap *a, const struct mh_snap *b, bool ignore_fatal,
		  char *msg, size_t len);
/** mh_assert_unchanged() - observe again; fail naming what moved. */
void mh_assert_unchanged(struct mh *mh, const struct mh_snap *s);

/* Assertions that print statuses in hex. */
#define assert_status(actual, expected)							\
	do {										\
		uint64_t a__ = (actual), e__ = (expected);				\
		if (a__ != e__)								\
			fail_msg("%s: status 0x%016llx, expected 0x%016llx", #actual,	\
				 (unsigned long long)a__, (unsigned long long)e__);	\
	} while (0)

/* The code (class and details L1) without the operand / details L2. */
#define assert_status_code(actual, expected)						\
	do {										\
		uint64_t a__ = (actual), e__ = (expected);				\
		if (!tdx_status_code_eq(a__, e__))					\
			fail_msg("%s: status 0x%016llx, expected code 0x%016llx", #actual, \
				 (unsigned long long)a__, (unsigned long long)e__);	\
	} while (0)

#define assert_operand(actual, code, operand) \
	assert_status(actual, tdx_status_operand(code, operand))

#define assert_u64(actual, expected)							\
	do {										\
		uint64_t a__ = (actual), e__ = (expected);				\
		if (a__ != e__)								\
			fail_msg("%s = 0x%llx, expected 0x%llx", #actual,		\
				 (unsigned long long)a__, (unsigned long long)e__);	\
	} while (0)

#endif /* TDX_TESTS_MALICIOUS_HOST_MH_H */
