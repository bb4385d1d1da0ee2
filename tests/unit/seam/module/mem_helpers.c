/*
 * Helpers shared by the MEM, MR and MNG.WR module tests (see mem_helpers.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mem_helpers.h"

/* ---- TDs and vCPUs ---- */

void mh_td_make(struct fx *fx, struct fx_td *td, uint64_t attributes)
{
	struct fx_td_params p;

	fx_td_params_default(&p);
	p.attributes = attributes;
	fx_td_alloc(fx, td);
	fx_td_mng_create(fx, td);
	fx_td_key_config(fx, td);
	fx_td_addcx(fx, td, FX_TDCS_PAGES);
	assert_status(fx_td_init(fx, td, &p, NULL), TDX_SUCCESS);
}

void mh_td_uninit(struct fx *fx, struct fx_td *td)
{
	fx_td_alloc(fx, td);
	fx_td_mng_create(fx, td);
	fx_td_key_config(fx, td);
	fx_td_addcx(fx, td, FX_TDCS_PAGES);
}

void mh_vp_make(struct fx *fx, const struct fx_td *td, struct mh_vp *vp)
{
	memset(vp, 0, sizeof(*vp));
	vp->tdvpr = fx_alloc_page(fx);
	assert_status(fx_call(fx, 0, TDH_VP_CREATE, vp->tdvpr, td->tdr, 0), TDX_SUCCESS);
	for (unsigned int i = 0; i < MH_TDVPS_TDCX; i++) {
		vp->tdcx[i] = fx_alloc_page(fx);
		assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp->tdcx[i], vp->tdvpr, 0), TDX_SUCCESS);
	}
	assert_status(fx_call(fx, 0, TDH_VP_INIT, vp->tdvpr, 0, 0), TDX_SUCCESS);
	vp->cpu = 0;
}

void mh_finalize(struct fx *fx, const struct fx_td *td, struct mh_vp *vp)
{
	mh_vp_make(fx, td, vp);
	assert_status(fx_call(fx, 0, TDH_MR_FINALIZE, td->tdr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td->tdr, FX_TD_OP_STATE), MH_OP_RUNNABLE);
}

void mh_td_block(struct fx *fx, const struct fx_td *td, const struct mh_vp *vp)
{
	if (vp)
		assert_status(fx_call(fx, vp->cpu, TDH_VP_FLUSH, vp->tdvpr, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td->tdr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td->tdr, FX_TD_LIFECYCLE_STATE), FX_TD_BLOCKED);
}

void mh_assert_keys_not_configured(uint64_t st, const char *what)
{
	if (!tdx_status_code_eq(st, TDX_TD_KEYS_NOT_CONFIGURED) &&
	    !tdx_status_code_eq(st, TDX_LIFECYCLE_STATE_INCORRECT))
		fail_msg("%s on a TD_BLOCKED TD: 0x%016llx, expected TDX_TD_KEYS_NOT_CONFIGURED "
			 "(or TDX_LIFECYCLE_STATE_INCORRECT)", what, (unsigned long long)st);
}

/* ---- SEAMCALLs ---- */

uint64_t mh_call(struct fx *fx, uint64_t leaf, uint64_t rcx, uint64_t rdx, uint64_t r8,
		 uint64_t r9, struct tdx_module_args *out)
{
	struct tdx_module_args a = { .rax = leaf, .rcx = rcx, .rdx = rdx, .r8 = r8, .r9 = r9 };
	uint64_t st = fx_seamcall(fx, 0, &a);

	if (out)
		*out = a;
	return st;
}

uint64_t mh_gpa(struct fx *fx, uint64_t leaf, const struct fx_td *td, uint64_t gpa,
		unsigned int level, uint64_t r8, struct tdx_module_args *out)
{
	return mh_call(fx, leaf, MH_GL(gpa, level), td->tdr, r8, 0, out);
}

uint64_t mh_sept_rd(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level,
		    uint64_t *rcx, uint64_t *rdx)
{
	struct tdx_module_args a;
	uint64_t st = mh_gpa(fx, TDH_MEM_SEPT_RD, td, gpa, level, 0, &a);

	if (rcx)
		*rcx = a.rcx;
	if (rdx)
		*rdx = a.rdx;
	return st;
}

uint64_t mh_track(struct fx *fx, const struct fx_td *td)
{
	return mh_call(fx, TDH_MEM_TRACK, td->tdr, 0, 0, 0, NULL);
}

uint64_t mh_mem_rd(struct fx *fx, const struct fx_td *td, uint64_t gpa, uint64_t *val)
{
	struct tdx_module_args a;
	uint64_t st = mh_call(fx, TDH_MEM_RD, gpa, td->tdr, 0, 0, &a);

	if (val)
		*val = a.r8;
	return st;
}

uint64_t mh_mem_wr(struct fx *fx, const struct fx_td *td, uint64_t gpa, uint64_t val,
		   uint64_t *old)
{
	struct tdx_module_args a;
	uint64_t st = mh_call(fx, TDH_MEM_WR, gpa, td->tdr, val, 0, &a);

	if (old)
		*old = a.r8;
	return st;
}

uint64_t mh_sept_add_ok(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level)
{
	uint64_t page = fx_alloc_page(fx);
	uint64_t st = mh_gpa(fx, TDH_MEM_SEPT_ADD, td, gpa, level, page, NULL);

	if (st != TDX_SUCCESS)
		fail_msg("SEPT.ADD 0x%llx level %u: 0x%016llx", (unsigned long long)gpa, level,
			 (unsigned long long)st);
	return page;
}

void mh_sept_path(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int lowest)
{
	for (unsigned int l = 3; l >= lowest && l >= 1; l--) {
		uint64_t g = gpa & ~((MH_PAGE << (9 * l)) - 1), rdx = 0;
		uint64_t st = mh_sept_rd(fx, td, g, l, NULL, &rdx);

		if (st != TDX_SUCCESS)
			fail_msg("SEPT.RD 0x%llx level %u: 0x%016llx", (unsigned long long)g, l,
				 (unsigned long long)st);
		if (((rdx >> 8) & 0xFF) == MH_FREE)
			mh_sept_add_ok(fx, td, g, l);
	}
}

uint64_t mh_pattern(uint64_t seed, unsigned int word)
{
	return 0x5A00000000000000ULL ^ (seed << 20) ^ ((uint64_t)word * 0x10001ULL) ^ 0x77;
}

static void write_pattern(struct fx *fx, uint64_t pa, uint64_t seed)
{
	uint64_t buf[MH_PAGE / 8];

	for (unsigned int w = 0; w < MH_PAGE / 8; w++)
		buf[w] = mh_pattern(seed, w);
	fx_write(fx, pa, buf, sizeof(buf));
}

uint64_t mh_src_page(struct fx *fx, uint64_t seed)
{
	uint64_t pa = fx_alloc_page(fx);

	write_pattern(fx, pa, seed);
	return pa;
}

uint64_t mh_page_add_ok(struct fx *fx, const struct fx_td *td, uint64_t gpa, uint64_t src)
{
	uint64_t page = fx_alloc_page(fx);
	uint64_t st = mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(gpa, 0), td->tdr, page, src, NULL);

	if (st != TDX_SUCCESS)
		fail_msg("PAGE.ADD 0x%llx: 0x%016llx", (unsigned long long)gpa, (unsigned long long)st);
	return page;
}

uint64_t mh_page_aug_ok(struct fx *fx, const struct fx_td *td, uint64_t gpa)
{
	uint64_t page = fx_alloc_page(fx);
	uint64_t st = mh_gpa(fx, TDH_MEM_PAGE_AUG, td, gpa, 0, page, NULL);

	if (st != TDX_SUCCESS)
		fail_msg("PAGE.AUG 0x%llx: 0x%016llx", (unsigned long long)gpa, (unsigned long long)st);
	return page;
}

uint64_t mh_alloc_2m(struct fx *fx)
{
	uint64_t pa = fx_alloc_pages(fx, 1023);
	uint64_t aligned = TDX_ALIGN_UP(pa, MH_SZ_2M);
	uint64_t head = (aligned - pa) / MH_PAGE;

	if (head)
		fx_free_pages(fx, pa, head);
	if (1023 - head - 512)
		fx_free_pages(fx, aligned + MH_SZ_2M, 1023 - head - 512);
	return aligned;
}

void mh_add_2m_of_4k(struct fx *fx, const struct fx_td *td, uint64_t gpa, uint64_t pa,
		     uint64_t seed)
{
	uint64_t src = fx_alloc_page(fx);

	for (unsigned int i = 0; i < 512; i++) {
		uint64_t st;

		write_pattern(fx, src, seed + i);
		st = mh_call(fx, TDH_MEM_PAGE_ADD, MH_GL(gpa + i * MH_PAGE, 0), td->tdr,
			     pa + i * MH_PAGE, src, NULL);
		if (st != TDX_SUCCESS)
			fail_msg("PAGE.ADD %u of 512: 0x%016llx", i, (unsigned long long)st);
	}
	fx_free_pages(fx, src, 1);
}

/* ---- asserting SEPT entries ---- */

uint64_t mh_assert_state(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level,
			 unsigned int state)
{
	uint64_t rcx = 0, rdx = 0, st = mh_sept_rd(fx, td, gpa, level, &rcx, &rdx);

	if (st != TDX_SUCCESS)
		fail_msg("SEPT.RD 0x%llx level %u: 0x%016llx", (unsigned long long)gpa, level,
			 (unsigned long long)st);
	if (rdx != MH_INFO(level, state))
		fail_msg("SEPT.RD 0x%llx level %u: RDX 0x%llx, expected 0x%llx (state 0x%x)",
			 (unsigned long long)gpa, level, (unsigned long long)rdx,
			 (unsigned long long)MH_INFO(level, state), state);
	return rcx;
}

void mh_assert_leaf_report(const struct tdx_module_args *out, unsigned int level,
			   unsigned int state, uint64_t pa)
{
	if (out->rdx != MH_INFO(level, state))
		fail_msg("RDX 0x%llx, expected 0x%llx", (unsigned long long)out->rdx,
			 (unsigned long long)MH_INFO(level, state));
	if ((out->rcx & MH_PA_MASK) != pa)
		fail_msg("RCX 0x%llx does not map PA 0x%llx", (unsigned long long)out->rcx,
			 (unsigned long long)pa);
	if ((out->rcx & (MH_RWX | TDX_GENMASK(5, 3))) != (MH_RWX | MH_MT_WB))
		fail_msg("RCX 0x%llx: not RWX/WB", (unsigned long long)out->rcx);
	if (out->rcx & MH_HIDDEN_BITS)
		fail_msg("RCX 0x%llx shows software bits", (unsigned long long)out->rcx);
}

void mh_assert_leaf(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level,
		    unsigned int state, uint64_t pa)
{
	struct tdx_module_args a;
	uint64_t st = mh_gpa(fx, TDH_MEM_SEPT_RD, td, gpa, level, 0, &a);

	if (st != TDX_SUCCESS)
		fail_msg("SEPT.RD 0x%llx level %u: 0x%016llx", (unsigned long long)gpa, level,
			 (unsigned long long)st);
	mh_assert_leaf_report(&a, level, state, pa);
}

void mh_assert_nl(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level,
		  unsigned int state)
{
	uint64_t rcx = mh_assert_state(fx, td, gpa, level, state);

	if (rcx != MH_RWX)
		fail_msg("SEPT.RD 0x%llx level %u (non-leaf): RCX 0x%llx, expected 0x7",
			 (unsigned long long)gpa, level, (unsigned long long)rcx);
}

void mh_assert_free(struct fx *fx, const struct fx_td *td, uint64_t gpa, unsigned int level)
{
	uint64_t rcx = mh_assert_state(fx, td, gpa, level, MH_FREE);

	if (rcx != MH_SVE)
		fail_msg("SEPT.RD 0x%llx level %u (FREE): RCX 0x%llx, expected bit 63 only",
			 (unsigned long long)gpa, level, (unsigned long long)rcx);
}

void mh_assert_page(struct fx *fx, uint64_t pa, uint64_t type, uint64_t owner, uint64_t size)
{
	struct fx_rdmd md;
	uint64_t st = fx_rdmd(fx, pa, &md);

	if (st != TDX_SUCCESS)
		fail_msg("RDMD 0x%llx: 0x%016llx", (unsigned long long)pa, (unsigned long long)st);
	if (md.type != type || md.owner != owner || md.size != size)
		fail_msg("RDMD 0x%llx: type %llu owner 0x%llx size %llu, expected %llu 0x%llx %llu",
			 (unsigned long long)pa, (unsigned long long)md.type,
			 (unsigned long long)md.owner, (unsigned long long)md.size,
			 (unsigned long long)type, (unsigned long long)owner,
			 (unsigned long long)size);
}

/* ---- snapshot ---- */

static void snap_extra(struct fx *fx, struct mh_snap *m)
{
	for (unsigned int i = 0; i < m->nr; i++)
		m->st[i] = mh_sept_rd(fx, m->td, m->gl[i] & ~7ULL, (unsigned int)(m->gl[i] & 7),
				      &m->rcx[i], &m->rdx[i]);
	m->epoch_st = fx_mng_rd(fx, m->td->tdr, MH_TD_EPOCH, &m->epoch);
	m->nvcpus_st = fx_mng_rd(fx, m->td->tdr, MH_TD_NUM_VCPUS, &m->nvcpus);
}

void mh_snap_take(struct fx *fx, struct mh_snap *m, const struct fx_td *td, const uint64_t *pages,
		  unsigned int nr_pages, const uint64_t *gl, unsigned int nr_gl)
{
	memset(m, 0, sizeof(*m));
	assert_true(nr_gl <= MH_SNAP_GPAS);
	fx_snapshot_td(fx, &m->s, td, pages, nr_pages);
	m->td = td;
	m->nr = nr_gl;
	if (nr_gl)
		memcpy(m->gl, gl, nr_gl * sizeof(*gl));
	snap_extra(fx, m);
}

void mh_snap_check(struct fx *fx, const struct mh_snap *m)
{
	struct mh_snap now = *m;
	unsigned int changed = 0;

	fx_assert_unchanged(fx, &m->s);
	snap_extra(fx, &now);
	for (unsigned int i = 0; i < m->nr; i++) {
		if (m->st[i] != now.st[i] || m->rcx[i] != now.rcx[i] || m->rdx[i] != now.rdx[i]) {
			print_error("SEPT entry 0x%llx: 0x%llx/0x%llx/0x%llx -> 0x%llx/0x%llx/0x%llx\n",
				    (unsigned long long)m->gl[i], (unsigned long long)m->st[i],
				    (unsigned long long)m->rcx[i], (unsigned long long)m->rdx[i],
				    (unsigned long long)now.st[i], (unsigned long long)now.rcx[i],
				    (unsigned long long)now.rdx[i]);
			changed++;
		}
	}
	if (m->epoch_st != now.epoch_st || m->epoch != now.epoch) {
		print_error("TD_EPOCH 0x%llx/%llu -> 0x%llx/%llu\n", (unsigned long long)m->epoch_st,
			    (unsigned long long)m->epoch, (unsigned long long)now.epoch_st,
			    (unsigned long long)now.epoch);
		changed++;
	}
	if (m->nvcpus_st != now.nvcpus_st || m->nvcpus != now.nvcpus) {
		print_error("NUM_VCPUS %llu -> %llu\n", (unsigned long long)m->nvcpus,
			    (unsigned long long)now.nvcpus);
		changed++;
	}
	if (changed)
		fail_msg("%u SEPT/TD item(s) changed", changed);
}
