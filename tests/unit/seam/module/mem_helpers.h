/*
 * Helpers shared by the MEM, MR and MNG.WR module tests (on top of
 * tests/harness/module_fixture.h): TD and vCPU building up to
 * MR.FINALIZE, the Secure-EPT calls with "gpa+lvl" operands, the host
 * view of SEPT entries (TDH.MEM.SEPT.RD, reference tdx-abi.md 4.7), and a
 * snapshot that extends the fixture's with SEPT entries and TD_EPOCH.
 */
#ifndef TDX_TEST_MEM_HELPERS_H
#define TDX_TEST_MEM_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "module_fixture.h"

#define MH_PAGE			TDX_PAGE_SIZE
#define MH_SZ_2M		(512ULL * MH_PAGE)
#define MH_ATTR_DEBUG		TDX_BIT(0)
#define MH_ATTR_SEPT_VE_DISABLE	TDX_BIT(28)

/* TD-scope fields the fixture does not name (reference 4.6). */
#define MH_TD_NUM_VCPUS		0x9010000200000001ULL
#define MH_TD_EPOCH		0x9210000300000000ULL
#define MH_TD_MRTD		0x1310000300000000ULL
#define MH_TD_NOTIFY_ENABLES	0x9110000300000010ULL
#define MH_TD_HP_LOCK_TIMEOUT	0x9110000300000011ULL
#define MH_TD_VM_CTLS		0x9110000300000012ULL
#define MH_OP_RUNNABLE		2

/* Architectural SEPT states (RDX bits 15:8, reference 4.7). */
#define MH_FREE			0x00
#define MH_BLOCKED		0x01
#define MH_PENDING		0x02
#define MH_PENDING_BLOCKED	0x03
#define MH_MAPPED		0x04
#define MH_NL_BLOCKED		0x81
#define MH_NL_MAPPED		0x84

/* The architectural entry (RCX). */
#define MH_SVE			TDX_BIT(63)
#define MH_RWX			0x7ULL
#define MH_MT_WB		(6ULL << 3)
#define MH_PA_MASK		TDX_GENMASK(51, 12)
/* Bits the host view must never show: Xu, lock, TD* software bits. */
#define MH_HIDDEN_BITS		(TDX_GENMASK(11, 8) | TDX_GENMASK(62, 52))

/* "gpa+lvl" (reference 1.3). */
#define MH_GL(gpa, lvl)		((uint64_t)(gpa) | (uint64_t)(lvl))
/* The info word SEPT.RD and failing MEM leaves return in RDX. */
#define MH_INFO(lvl, state)	((uint64_t)(lvl) | ((uint64_t)(state) << 8))

/* ---- TDs and vCPUs ---- */

/* A TD through MNG.INIT with @attributes, 1 vCPU, the fixture's other defaults. */
void mh_td_make(struct fx *fx, struct fx_td *td, uint64_t attributes);
/* A TD with keys and TDCS but no MNG.INIT (OP_STATE UNINITIALIZED). */
void mh_td_uninit(struct fx *fx, struct fx_td *td);

#define MH_TDVPS_TDCX		5

struct mh_vp {
	uint64_t tdvpr;
	uint64_t tdcx[MH_TDVPS_TDCX];
	unsigned int cpu;
};

/* VP.CREATE, 5 x VP.ADDCX, VP.INIT on CPU 0; each must succeed. */
void mh_vp_make(struct fx *fx, const struct fx_td *td, struct mh_vp *vp);
/* A vCPU, then MR.FINALIZE: the TD ends RUNNABLE. */
void mh_finalize(struct fx *fx, const struct fx_td *td, struct mh_vp *vp);

/*
 * mh_td_block() - VP.FLUSH of @vp (may be NULL) on its LP, then
 * MNG.VPFLUSHDONE: the TD's lifecycle is TD_BLOCKED, its keys no longer
 * usable by the MEM/MR/MNG.WR leaves.
 */
void mh_td_block(struct fx *fx, const struct fx_td *td, const struct mh_vp *vp);
/* A leaf refused because the TD's keys are not configured (reference 3.3). */
void mh_assert_keys_not_configured(uint64_t st, const char *what);

/* ---- SEAMCALLs ---- */

/* Any leaf with RCX, RDX, R8, R9 (others 0) on CPU 0; @out (may be NULL) gets the outputs. */
uint64_t mh_call(struct fx *fx, uint64_t leaf, uint64_t rcx, uint64_t rdx, uint64_t r8,
		 uint64_t r9, struct tdx_module_args *out);
/* A GPA leaf: RCX = gpa+lvl, RDX = TDR, R8 = @r8. */
uint64_t mh_gpa(struct fx *fx, uint64_t leaf, const struct fx_td *td, uint64_t gpa,
		unsigned int level, uint64_t r8, struct tdx_module_args *out);

uint64_t mh_sept_rd(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level,
		    uint64_t *rcx, uint64_t *rdx);
uint64_t mh_track(struct fx *fx, const struct fx_td *td);
uint64_t mh_mem_rd(struct fx *fx, const struct fx_td *td, uint64_t gpa, uint64_t *val);
uint64_t mh_mem_wr(struct fx *fx, const struct fx_td *td, uint64_t gpa, uint64_t val,
		   uint64_t *old);

/* SEPT.ADD of a new page at @level; asserts success, returns the page. */
uint64_t mh_sept_add_ok(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level);
/* SEPT.ADD at every level from 3 down to @lowest that is still FREE on @gpa's path. */
void mh_sept_path(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int lowest);

/* A host page holding a pattern seeded by @seed (8-byte words seed + word index). */
uint64_t mh_src_page(struct fx *fx, uint64_t seed);
uint64_t mh_pattern(uint64_t seed, unsigned int word);
/* PAGE.ADD of a new target page at @gpa from @src; asserts success, returns the target. */
uint64_t mh_page_add_ok(struct fx *fx, const struct fx_td *td, uint64_t gpa, uint64_t src);
/* PAGE.AUG of a new 4K page at @gpa; asserts success, returns it. */
uint64_t mh_page_aug_ok(struct fx *fx, const struct fx_td *td, uint64_t gpa);

/* 512 free host pages starting 2 MiB aligned. */
uint64_t mh_alloc_2m(struct fx *fx);
/*
 * 512 PAGE.ADDs mapping [@gpa, @gpa + 2M) to [@pa, @pa + 2M) page by page,
 * page i from one source page written with pattern @seed + i.  The SEPT
 * path down to level 1 must exist.
 */
void mh_add_2m_of_4k(struct fx *fx, const struct fx_td *td, uint64_t gpa, uint64_t pa,
		     uint64_t seed);

/* ---- asserting SEPT entries ---- */

/* SEPT.RD succeeds and RDX is {@level, @state}; returns RCX. */
uint64_t mh_assert_state(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level,
			 unsigned int state);
/* A leaf in @state mapping @pa: PA, RWX, WB, no hidden bits. */
void mh_assert_leaf(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level,
		    unsigned int state, uint64_t pa);
/* The RCX/RDX pair a failing leaf reported names a leaf in @state mapping @pa. */
void mh_assert_leaf_report(const struct tdx_module_args *out, unsigned int level,
			   unsigned int state, uint64_t pa);
/* A non-leaf entry: RCX is R|W|X only. */
void mh_assert_nl(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level,
		  unsigned int state);
/* A FREE entry: RCX is SVE only. */
void mh_assert_free(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level);

/* RDMD type and owner of @pa (and page size). */
void mh_assert_page(struct fx *fx, uint64_t pa, uint64_t type, uint64_t owner, uint64_t size);

/* ---- snapshot ---- */

#define MH_SNAP_GPAS	16

struct mh_snap {
	struct fx_snapshot s;
	const struct fx_td *td;
	unsigned int nr;
	uint64_t gl[MH_SNAP_GPAS];		/* gpa+lvl */
	uint64_t st[MH_SNAP_GPAS], rcx[MH_SNAP_GPAS], rdx[MH_SNAP_GPAS];
	uint64_t epoch_st, epoch;
	uint64_t nvcpus_st, nvcpus;
};

/*
 * mh_snap_take() - the fixture snapshot of @td (and @pages) plus SEPT.RD
 * of each gpa+lvl in @gl and TD_EPOCH / NUM_VCPUS.
 */
void mh_snap_take(struct fx *fx, struct mh_snap *m, const struct fx_td *td, const uint64_t *pages,
		  unsigned int nr_pages, const uint64_t *gl, unsigned int nr_gl);
/* mh_snap_check() - nothing of the above changed. */
void mh_snap_check(struct fx *fx, const struct mh_snap *m);

#endif /* TDX_TEST_MEM_HELPERS_H */
