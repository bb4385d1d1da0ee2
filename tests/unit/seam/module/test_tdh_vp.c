/*
 * Unit tests of seam/module/src/tdh_vp.c and vcpu.c: TDH.VP.CREATE,
 * ADDCX, INIT, RD, WR and FLUSH on a whole emulated machine (reference
 * tdx-abi.md 1.3, 4.6, 4.9, 6.1).  One case per spec error; every
 * refused call is followed by a check that nothing the host can observe
 * changed: PHYMEM.PAGE.RDMD of the TD's and the vCPUs' pages, MNG.RD of
 * the TD fields the fixture snapshots plus NUM_VCPUS and NUM_ASSOC_VCPUS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "module_fixture.h"
#include "pmem.h"

/* VP-scope fields (reference 4.6). */
#define VP_VCPU_STATE		0xA020000000000000ULL
#define VP_VCPU_INDEX		0xA020000200000002ULL
#define VP_NUM_TDVPS_PAGES	0xA020000000000003ULL
#define VP_ASSOC_LPID		0xA020000200000004ULL
#define VP_PEND_NMI		0x202000000000000BULL
#define VP_LAST_TD_EXIT		0xA02000000000000FULL
#define VP_TDVPS_PAGE_PA	0xA020000300000010ULL
#define VP_XCR0			0x1120000300000020ULL
#define VP_DR6			0x1120000300000006ULL
#define VP_GPR(n)		(0x1020000300000000ULL | (n))
/* TD VMCS fields as Linux names them: class 0, the VMCS encoding. */
#define VP_VMCS(enc)		((uint64_t)(enc))
#define VMCS_POSTED_INT_NV	0x0002
#define VMCS_PID_ADDR		0x2016
#define VMCS_SHARED_EPTP	0x203C
#define VMCS_GUEST_EFER		0x2806
#define VMCS_PINBASED		0x4000
#define VMCS_GUEST_CR0		0x6800
#define VMCS_GUEST_CR3		0x6802
#define VMCS_GUEST_CR4		0x6804
#define VMCS_GUEST_DR7		0x681A
#define VMCS_GUEST_RSP		0x681C
#define VMCS_GUEST_RIP		0x681E
#define VMCS_GUEST_RFLAGS	0x6820

/* TD-scope fields the fixture does not name. */
#define TD_NUM_VCPUS		0x9010000200000001ULL
#define TD_NUM_ASSOC_VCPUS	0x9010000200000002ULL

#define ATTR_DEBUG		TDX_BIT(0)
#define VCPU_STATE_UNINIT	0
#define VCPU_STATE_READY	2
#define TDVPS_TDCX		5	/* TDVPS_BASE_SIZE / 4K - 1 */
#define FIRST_VP_FIELD		0x0024000100000002ULL	/* the first TD VMCS row */
#define TDH_VP_RD_V1		(TDH_VP_RD | (1ULL << 16))
#define TDH_VP_INIT_V1		(TDH_VP_INIT | (1ULL << 16))
/* Metadata errors blame the field id in RDX. */
#define MD_ERR(code)		tdx_status_operand(code, TDX_OPERAND_ID_RDX)

struct vp {
	uint64_t tdvpr;
	uint64_t tdcx[TDVPS_TDCX + 1];	/* one spare for "too many" */
	unsigned int nr_tdcx;
	bool created;
	bool inited;
	unsigned int cpu;		/* the LP that ran VP.INIT */
};

/* ---- helpers ---- */

static void td_make(struct fx *fx, struct fx_td *td, uint16_t max_vcpus, uint64_t attributes)
{
	struct fx_td_params p;

	fx_td_params_default(&p);
	p.max_vcpus = max_vcpus;
	p.attributes = attributes;
	fx_td_alloc(fx, td);
	fx_td_mng_create(fx, td);
	fx_td_key_config(fx, td);
	fx_td_addcx(fx, td, FX_TDCS_PAGES);
	assert_status(fx_td_init(fx, td, &p, NULL), TDX_SUCCESS);
}

static void vp_alloc(struct fx *fx, struct vp *vp)
{
	memset(vp, 0, sizeof(*vp));
	vp->tdvpr = fx_alloc_page(fx);
	for (unsigned int i = 0; i < TDX_ARRAY_SIZE(vp->tdcx); i++)
		vp->tdcx[i] = fx_alloc_page(fx);
}

static uint64_t vp_create(struct fx *fx, const struct fx_td *td, struct vp *vp)
{
	uint64_t st = fx_call(fx, 0, TDH_VP_CREATE, vp->tdvpr, td->tdr, 0);

	if (st == TDX_SUCCESS)
		vp->created = true;
	return st;
}

static void vp_addcx(struct fx *fx, struct vp *vp, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp->tdcx[vp->nr_tdcx], vp->tdvpr, 0),
			      TDX_SUCCESS);
		vp->nr_tdcx++;
	}
}

static uint64_t vp_init_on(struct fx *fx, struct vp *vp, unsigned int cpu, uint64_t rcx)
{
	uint64_t st = fx_call(fx, cpu, TDH_VP_INIT, vp->tdvpr, rcx, 0);

	if (st == TDX_SUCCESS) {
		vp->inited = true;
		vp->cpu = cpu;
	}
	return st;
}

static uint64_t vp_init_v1(struct fx *fx, struct vp *vp, unsigned int cpu, uint64_t x2apic)
{
	uint64_t st = fx_call(fx, cpu, TDH_VP_INIT_V1, vp->tdvpr, 0, x2apic);

	if (st == TDX_SUCCESS) {
		vp->inited = true;
		vp->cpu = cpu;
	}
	return st;
}

/* CREATE, 5 x ADDCX, INIT on @cpu. */
static void vp_make(struct fx *fx, const struct fx_td *td, struct vp *vp, unsigned int cpu)
{
	vp_alloc(fx, vp);
	assert_status(vp_create(fx, td, vp), TDX_SUCCESS);
	vp_addcx(fx, vp, TDVPS_TDCX);
	assert_status(vp_init_on(fx, vp, cpu, 0), TDX_SUCCESS);
}

static uint64_t vp_rd(struct fx *fx, unsigned int cpu, const struct vp *vp, uint64_t field,
		      uint64_t *value)
{
	struct tdx_module_args a = { .rax = TDH_VP_RD, .rcx = vp->tdvpr, .rdx = field };
	uint64_t st = fx_seamcall(fx, cpu, &a);

	if (value)
		*value = a.r8;
	return st;
}

static uint64_t vp_rd_ok(struct fx *fx, const struct vp *vp, uint64_t field)
{
	uint64_t v = 0, st = vp_rd(fx, vp->cpu, vp, field, &v);

	if (st != TDX_SUCCESS)
		fail_msg("TDH.VP.RD 0x%016llx: 0x%016llx", (unsigned long long)field,
			 (unsigned long long)st);
	return v;
}

static uint64_t vp_wr(struct fx *fx, unsigned int cpu, const struct vp *vp, uint64_t field,
		      uint64_t value, uint64_t mask, uint64_t *old)
{
	struct tdx_module_args a = { .rax = TDH_VP_WR, .rcx = vp->tdvpr, .rdx = field,
				     .r8 = value, .r9 = mask };
	uint64_t st = fx_seamcall(fx, cpu, &a);

	if (old)
		*old = a.r8;
	return st;
}

/* What a refused call must not change: the fixture's snapshot plus the vCPU counters. */
struct vsnap {
	struct fx_snapshot s;
	uint64_t num_vcpus, num_assoc;
	const struct fx_td *td;
};

static void vsnap_take(struct fx *fx, struct vsnap *v, const struct fx_td *td,
		       const struct vp *vps, unsigned int nr_vps)
{
	uint64_t pas[FX_SNAP_MAX_PAGES];
	unsigned int n = 0;

	for (unsigned int i = 0; i < nr_vps; i++) {
		pas[n++] = vps[i].tdvpr;
		for (unsigned int j = 0; j < TDX_ARRAY_SIZE(vps[i].tdcx); j++)
			pas[n++] = vps[i].tdcx[j];
	}
	fx_snapshot_td(fx, &v->s, td, pas, n);
	v->td = td;
	v->num_vcpus = fx_mng_rd(fx, td->tdr, TD_NUM_VCPUS, &v->num_vcpus) ? ~0ULL : v->num_vcpus;
	v->num_assoc = fx_mng_rd(fx, td->tdr, TD_NUM_ASSOC_VCPUS, &v->num_assoc) ? ~0ULL :
										   v->num_assoc;
}

static void vsnap_check(struct fx *fx, const struct vsnap *v)
{
	uint64_t nv = 0, na = 0;

	fx_assert_unchanged(fx, &v->s);
	if (fx_mng_rd(fx, v->td->tdr, TD_NUM_VCPUS, &nv))
		nv = ~0ULL;
	if (fx_mng_rd(fx, v->td->tdr, TD_NUM_ASSOC_VCPUS, &na))
		na = ~0ULL;
	assert_int_equal(nv, v->num_vcpus);
	assert_int_equal(na, v->num_assoc);
}

static void cache_wb_all(struct fx *fx)
{
	for (unsigned int pkg = 0; pkg < fx->nr_pkgs; pkg++) {
		uint64_t st = fx_call(fx, fx_cpu_of_pkg(fx, pkg), TDH_PHYMEM_CACHE_WB, 0, 0, 0);

		if (st != TDX_SUCCESS && st != TDX_NO_HKID_READY_TO_WBCACHE)
			fail_msg("CACHE.WB: 0x%016llx", (unsigned long long)st);
	}
}

static void reclaim_free(struct fx *fx, uint64_t pa)
{
	if (fx_page_type(fx, pa) != PT_NDA)
		assert_status(fx_call(fx, 0, TDH_PHYMEM_PAGE_RECLAIM, pa, 0, 0), TDX_SUCCESS);
	assert_int_equal(pmem_host_movdir64b(fx->plat, pa, TDX_PAGE_SIZE), 0);
	fx_free_pages(fx, pa, 1);
}

/*
 * Linux's teardown: VP.FLUSH each vCPU on its LP, VPFLUSHDONE, CACHE.WB,
 * KEY.FREEID, reclaim the vCPU pages (TDCX, then TDVPR), then the TD.
 */
static void td_destroy(struct fx *fx, struct fx_td *td, struct vp *vps, unsigned int nr_vps)
{
	uint64_t life = fx_mng_rd_ok(fx, td->tdr, FX_TD_LIFECYCLE_STATE);

	for (unsigned int i = 0; i < nr_vps && life == FX_TD_KEYS_CONFIGURED; i++) {
		uint64_t st;

		if (!vps[i].inited)
			continue;
		st = fx_call(fx, vps[i].cpu, TDH_VP_FLUSH, vps[i].tdvpr, 0, 0);
		if (st != TDX_SUCCESS && st != TDX_VCPU_NOT_ASSOCIATED)
			fail_msg("VP.FLUSH: 0x%016llx", (unsigned long long)st);
	}
	if (life == FX_TD_HKID_ASSIGNED || life == FX_TD_KEYS_CONFIGURED) {
		assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td->tdr, 0, 0), TDX_SUCCESS);
		life = FX_TD_BLOCKED;
	}
	if (life == FX_TD_BLOCKED) {
		cache_wb_all(fx);
		assert_status(fx_call(fx, 0, TDH_MNG_KEY_FREEID, td->tdr, 0, 0), TDX_SUCCESS);
	}
	for (unsigned int i = 0; i < nr_vps; i++) {
		for (unsigned int j = 0; j < TDX_ARRAY_SIZE(vps[i].tdcx); j++)
			reclaim_free(fx, vps[i].tdcx[j]);
		reclaim_free(fx, vps[i].tdvpr);
		memset(&vps[i], 0, sizeof(vps[i]));
	}
	fx_teardown_td(fx, td);
}

/* ---- success paths ---- */

static void test_vp_build_two_vcpus(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	static const uint64_t init_rcx[2] = { 0x1234, 0xABCD0000 };
	struct fx_td td;
	struct vp vp[2];
	struct fx_rdmd md;

	td_make(fx, &td, 2, ATTR_DEBUG);
	for (unsigned int i = 0; i < 2; i++) {
		vp_alloc(fx, &vp[i]);
		assert_status(vp_create(fx, &td, &vp[i]), TDX_SUCCESS);
		assert_status(fx_rdmd(fx, vp[i].tdvpr, &md), TDX_SUCCESS);
		assert_int_equal(md.type, PT_TDVPR);
		assert_int_equal(md.owner, td.tdr);
	}
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, TD_NUM_VCPUS), 2);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT), FX_TDCS_PAGES + 2);
	for (unsigned int i = 0; i < 2; i++) {
		vp_addcx(fx, &vp[i], TDVPS_TDCX);
		for (unsigned int j = 0; j < TDVPS_TDCX; j++) {
			assert_status(fx_rdmd(fx, vp[i].tdcx[j], &md), TDX_SUCCESS);
			assert_int_equal(md.type, PT_TDCX);
			assert_int_equal(md.owner, td.tdr);
		}
		/* The host sees zeros in every TDVPS page. */
		assert_true(fx_reads_zero(fx, vp[i].tdvpr, TDX_PAGE_SIZE));
	}
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT), FX_TDCS_PAGES + 2 * 6);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, TD_NUM_ASSOC_VCPUS), 0);

	/* VP.INIT on different LPs: each vCPU is associated with its own. */
	for (unsigned int i = 0; i < 2; i++)
		assert_status(vp_init_on(fx, &vp[i], i, init_rcx[i]), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, TD_NUM_ASSOC_VCPUS), 2);

	for (unsigned int i = 0; i < 2; i++) {
		struct vp *v = &vp[i];

		assert_int_equal(vp_rd_ok(fx, v, VP_VCPU_STATE), VCPU_STATE_READY);
		assert_int_equal(vp_rd_ok(fx, v, VP_VCPU_INDEX), i);
		assert_int_equal(vp_rd_ok(fx, v, VP_NUM_TDVPS_PAGES), 6);
		assert_int_equal(vp_rd_ok(fx, v, VP_ASSOC_LPID), i);
		assert_int_equal(vp_rd_ok(fx, v, VP_LAST_TD_EXIT), 0);
		assert_int_equal(vp_rd_ok(fx, v, VP_TDVPS_PAGE_PA),
				 pmem_pa_with_keyid(fx->plat, v->tdvpr, td.hkid));
		assert_int_equal(vp_rd_ok(fx, v, VP_TDVPS_PAGE_PA + 5),
				 pmem_pa_with_keyid(fx->plat, v->tdcx[4], td.hkid));
		assert_int_equal(vp_rd_ok(fx, v, VP_TDVPS_PAGE_PA + 6), 0);
		/* Reference 6.1: the state at the reset vector. */
		assert_int_equal(vp_rd_ok(fx, v, VP_VMCS(VMCS_GUEST_RIP)), 0xFFFFFFF0);
		assert_int_equal(vp_rd_ok(fx, v, VP_VMCS(VMCS_GUEST_RFLAGS)), 0x2);
		assert_int_equal(vp_rd_ok(fx, v, VP_VMCS(VMCS_GUEST_CR0)), 0x21);
		assert_int_equal(vp_rd_ok(fx, v, VP_VMCS(VMCS_GUEST_CR3)), 0);
		assert_int_equal(vp_rd_ok(fx, v, VP_VMCS(VMCS_GUEST_CR4)), 0x40);
		assert_int_equal(vp_rd_ok(fx, v, VP_VMCS(VMCS_GUEST_EFER)), 0x901);
		assert_int_equal(vp_rd_ok(fx, v, VP_VMCS(VMCS_GUEST_DR7)), 0x400);
		assert_int_equal(vp_rd_ok(fx, v, VP_VMCS(VMCS_GUEST_RSP)), 0);
		assert_int_equal(vp_rd_ok(fx, v, VP_XCR0), 1);
		assert_int_equal(vp_rd_ok(fx, v, VP_DR6), 0xFFFF0FF0);
		assert_int_equal(vp_rd_ok(fx, v, VP_GPR(0)), 0);			/* RAX */
		assert_int_equal(vp_rd_ok(fx, v, VP_GPR(1)), init_rcx[i]);		/* RCX */
		assert_int_equal(vp_rd_ok(fx, v, VP_GPR(2)), platform_cpuid_fms(fx->plat));
		assert_int_equal(vp_rd_ok(fx, v, VP_GPR(3)), 48);		/* RBX: GPAW */
		assert_int_equal(vp_rd_ok(fx, v, VP_GPR(6)), i);		/* RSI: index */
		assert_int_equal(vp_rd_ok(fx, v, VP_GPR(8)), init_rcx[i]);		/* R8 */
		for (unsigned int g = 9; g < 16; g++)
			assert_int_equal(vp_rd_ok(fx, v, VP_GPR(g)), 0);
	}
	td_destroy(fx, &td, vp, 2);
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(vp[i].created, false);
}

static void test_vp_rd_production_td(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;
	uint64_t old = 0;

	td_make(fx, &td, 1, 0);
	vp_make(fx, &td, &vp, 0);
	/* The production column: index, TDVPS pages and LP id only. */
	assert_int_equal(vp_rd_ok(fx, &vp, VP_VCPU_INDEX), 0);
	assert_int_equal(vp_rd_ok(fx, &vp, VP_ASSOC_LPID), 0);
	assert_int_equal(vp_rd_ok(fx, &vp, VP_NUM_TDVPS_PAGES), 6);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(vp_rd(fx, 0, &vp, VP_VCPU_STATE, NULL),
		      MD_ERR(TDX_METADATA_FIELD_NOT_READABLE));
	for (unsigned int g = 0; g < 16; g++)
		assert_status(vp_rd(fx, 0, &vp, VP_GPR(g), NULL),
			      MD_ERR(TDX_METADATA_FIELD_NOT_READABLE));
	assert_status(vp_rd(fx, 0, &vp, VP_VMCS(VMCS_GUEST_RIP), NULL),
		      MD_ERR(TDX_METADATA_FIELD_NOT_READABLE));
	assert_status(vp_wr(fx, 0, &vp, VP_GPR(0), 1, ~0ULL, &old),
		      MD_ERR(TDX_METADATA_FIELD_NOT_WRITABLE));
	assert_int_equal(old, 0);
	vsnap_check(fx, &s);
	/* PEND_NMI is host-writable in production TDs too (KVM injects NMIs so). */
	assert_status(vp_wr(fx, 0, &vp, VP_PEND_NMI, 1, 1, &old), TDX_SUCCESS);
	assert_int_equal(old, 0);
	assert_int_equal(vp_rd_ok(fx, &vp, VP_PEND_NMI), 1);
}

static void test_vp_rd_v1_walks_every_field(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct tdx_module_args a;
	struct fx_td td;
	struct vp vp;
	unsigned int n = 0;
	uint64_t id;

	td_make(fx, &td, 1, ATTR_DEBUG);
	vp_make(fx, &td, &vp, 0);
	/* A null id (all ones but the context) asks for the first field. */
	a = (struct tdx_module_args){ .rax = TDH_VP_RD_V1, .rcx = vp.tdvpr, .rdx = ~0ULL };
	assert_status(fx_seamcall(fx, 0, &a), TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	assert_int_equal(a.rdx, FIRST_VP_FIELD);
	for (id = a.rdx; id != ~0ULL; id = a.rdx) {
		a = (struct tdx_module_args){ .rax = TDH_VP_RD_V1, .rcx = vp.tdvpr, .rdx = id };
		assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
		assert_true(n++ < 200);
	}
	/* 13 VMCS, 15 GPRs, 3 guest state, 9 management + 15 TDVPS_PAGE_PA. */
	assert_int_equal(n, 13 + 15 + 3 + 9 + 15);
	/* VCPU_INDEX is followed by NUM_TDVPS_PAGES. */
	a = (struct tdx_module_args){ .rax = TDH_VP_RD_V1, .rcx = vp.tdvpr,
				      .rdx = VP_VCPU_INDEX };
	assert_status(fx_seamcall(fx, 0, &a), TDX_SUCCESS);
	assert_int_equal(a.rdx, VP_NUM_TDVPS_PAGES);
	/* A failed v1 read leaves RDX -1 and R8 0. */
	a = (struct tdx_module_args){ .rax = TDH_VP_RD_V1, .rcx = vp.tdvpr,
				      .rdx = 0xA020000300000099ULL, .r8 = 5 };
	assert_status(fx_seamcall(fx, 0, &a),
		      MD_ERR(TDX_METADATA_FIELD_ID_INCORRECT));
	assert_int_equal(a.rdx, ~0ULL);
	assert_int_equal(a.r8, 0);
}

static void test_vp_wr_debug_and_kvm_controls(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t pid = fx_alloc_page(fx), eptp = fx_alloc_page(fx);
	struct fx_td td;
	struct vp vp;
	uint64_t old = 0;

	td_make(fx, &td, 1, ATTR_DEBUG);
	vp_make(fx, &td, &vp, 0);
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_GUEST_RIP), 0x1000, ~0ULL, &old), TDX_SUCCESS);
	assert_int_equal(old, 0xFFFFFFF0);
	assert_int_equal(vp_rd_ok(fx, &vp, VP_VMCS(VMCS_GUEST_RIP)), 0x1000);
	assert_status(vp_wr(fx, 0, &vp, VP_GPR(12), 0x55AA, 0xFF00, &old), TDX_SUCCESS);
	assert_int_equal(vp_rd_ok(fx, &vp, VP_GPR(12)), 0x5500);
	/* DR6: bits 31:0 are writable. */
	assert_status(vp_wr(fx, 0, &vp, VP_DR6, 0xFFFF0FF1, 0xFFFFFFFF, &old), TDX_SUCCESS);
	assert_int_equal(old, 0xFFFF0FF0);

	/* KVM after VP.INIT: vector, descriptor, then the posted-interrupt bit. */
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_POSTED_INT_NV), 0xF2, 0xFFFF, &old),
		      TDX_SUCCESS);
	assert_int_equal(old, 0xFFFF);
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_PID_ADDR), pid + 0x40, ~0ULL, &old),
		      TDX_SUCCESS);
	assert_int_equal(old, ~0ULL);
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_PINBASED), TDX_BIT(7), TDX_BIT(7), &old),
		      TDX_SUCCESS);
	assert_int_equal(vp_rd_ok(fx, &vp, VP_VMCS(VMCS_PINBASED)) & TDX_BIT(7), TDX_BIT(7));
	assert_int_equal(vp_rd_ok(fx, &vp, VP_VMCS(VMCS_PID_ADDR)), pid + 0x40);
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_SHARED_EPTP), eptp, ~0ULL, NULL), TDX_SUCCESS);
	assert_int_equal(vp_rd_ok(fx, &vp, VP_VMCS(VMCS_SHARED_EPTP)), eptp);
}

/* ---- TDH.VP.CREATE ---- */

static void test_vp_create_operand_invalid(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	unsigned int pa_bits = fx->cfg.max_pa - fx->cfg.keyid_bits;
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_operand_invalid(fx_call(fx, 0, TDH_VP_CREATE, vp.tdvpr + 8, td.tdr, 0),
			       TDX_OPERAND_ID_RCX);
	assert_operand_invalid(fx_call(fx, 0, TDH_VP_CREATE, vp.tdvpr | (1ULL << pa_bits), td.tdr,
				       0), TDX_OPERAND_ID_RCX);
	assert_operand_invalid(fx_call(fx, 0, TDH_VP_CREATE, vp.tdvpr, td.tdr + 0x800, 0),
			       TDX_OPERAND_ID_RDX);
	vsnap_check(fx, &s);
}

static void test_vp_create_operand_addr_range_error(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	unsigned int pa_bits = fx->cfg.max_pa - fx->cfg.keyid_bits;
	uint64_t outside = 1ULL << (pa_bits - 1);
	struct fx_td td;
	struct vsnap s;

	assert_true(outside > fx->cfg.dram_size + (1ULL << 30));
	td_make(fx, &td, 1, 0);
	vsnap_take(fx, &s, &td, NULL, 0);
	assert_status(fx_call(fx, 0, TDH_VP_CREATE, outside, td.tdr, 0),
		      tdx_status_operand(TDX_OPERAND_ADDR_RANGE_ERROR, TDX_OPERAND_ID_RCX));
	vsnap_check(fx, &s);
}

static void test_vp_create_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp, used;
	struct vsnap s;

	td_make(fx, &td, 2, 0);
	vp_alloc(fx, &used);
	assert_status(vp_create(fx, &td, &used), TDX_SUCCESS);
	vp_alloc(fx, &vp);
	struct vp both[2] = { used, vp };
	vsnap_take(fx, &s, &td, both, 2);
	/* RCX must be PT_NDA: not the TDR, a TDCS page or another TDVPR. */
	assert_status(fx_call(fx, 0, TDH_VP_CREATE, td.tdr, td.tdr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_VP_CREATE, td.tdcx[0], td.tdr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_VP_CREATE, used.tdvpr, td.tdr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	/* RDX must be a TDR. */
	assert_status(fx_call(fx, 0, TDH_VP_CREATE, vp.tdvpr, vp.tdcx[0], 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX));
	assert_status(fx_call(fx, 0, TDH_VP_CREATE, vp.tdvpr, used.tdvpr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX));
	vsnap_check(fx, &s);
}

static void test_vp_create_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct fx_snapshot s;

	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);		/* HKID_ASSIGNED: no key yet */
	vp_alloc(fx, &vp);
	fx_snapshot_td(fx, &s, &td, &vp.tdvpr, 1);
	assert_status(vp_create(fx, &td, &vp), TDX_TD_KEYS_NOT_CONFIGURED);
	fx_assert_unchanged(fx, &s);
	assert_int_equal(fx_page_type(fx, vp.tdvpr), PT_NDA);
}

static void test_vp_create_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp, first;
	struct fx_snapshot fs;
	struct vsnap s;

	/* UNINITIALIZED: keys and TDCS, but no MNG.INIT. */
	fx_td_alloc(fx, &td);
	fx_td_mng_create(fx, &td);
	fx_td_key_config(fx, &td);
	fx_td_addcx(fx, &td, FX_TDCS_PAGES);
	vp_alloc(fx, &vp);
	fx_snapshot_td(fx, &fs, &td, &vp.tdvpr, 1);
	assert_status(vp_create(fx, &td, &vp), TDX_OP_STATE_INCORRECT);
	fx_assert_unchanged(fx, &fs);

	/* RUNNABLE: after MR.FINALIZE. */
	assert_status(fx_td_init(fx, &td, &(struct fx_td_params){ .xfam = 3, .max_vcpus = 2,
		      .eptp_controls = 0x1E, .tsc_frequency = 100 }, NULL), TDX_SUCCESS);
	vp_alloc(fx, &first);
	assert_status(vp_create(fx, &td, &first), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MR_FINALIZE, td.tdr, 0, 0), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(vp_create(fx, &td, &vp), TDX_OP_STATE_INCORRECT);
	vsnap_check(fx, &s);
}

static void test_vp_create_max_vcpus_exceeded(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp[2];
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp[0]);
	vp_alloc(fx, &vp[1]);
	assert_status(vp_create(fx, &td, &vp[0]), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, vp, 2);
	assert_status(vp_create(fx, &td, &vp[1]), TDX_MAX_VCPUS_EXCEEDED);
	vsnap_check(fx, &s);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, TD_NUM_VCPUS), 1);
}

/* ---- TDH.VP.ADDCX ---- */

static void test_vp_addcx_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	vp_addcx(fx, &vp, 1);
	vsnap_take(fx, &s, &td, &vp, 1);
	/* RDX must be a TDVPR. */
	assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[1], td.tdr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX));
	assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[1], vp.tdcx[0], 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX));
	assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[1], vp.tdcx[1], 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RDX));
	assert_operand_invalid(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[1], vp.tdvpr + 1, 0),
			       TDX_OPERAND_ID_RDX);
	/* RCX must be PT_NDA. */
	assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[0], vp.tdvpr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdvpr, vp.tdvpr, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_operand_invalid(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[1] + 0x10, vp.tdvpr, 0),
			       TDX_OPERAND_ID_RCX);
	vsnap_check(fx, &s);
}

static void test_vp_addcx_tdcx_num_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	vp_addcx(fx, &vp, TDVPS_TDCX);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[TDVPS_TDCX], vp.tdvpr, 0),
		      TDX_TDCX_NUM_INCORRECT);
	vsnap_check(fx, &s);
}

static void test_vp_addcx_vcpu_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_make(fx, &td, &vp, 0);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[TDVPS_TDCX], vp.tdvpr, 0),
		      TDX_VCPU_STATE_INCORRECT);
	vsnap_check(fx, &s);
}

static void test_vp_addcx_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MR_FINALIZE, td.tdr, 0, 0), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[0], vp.tdvpr, 0),
		      TDX_OP_STATE_INCORRECT);
	vsnap_check(fx, &s);
}

static void test_vp_addcx_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	/* Never initialized, so never associated: VPFLUSHDONE goes through. */
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(fx_call(fx, 0, TDH_VP_ADDCX, vp.tdcx[0], vp.tdvpr, 0),
		      TDX_TD_KEYS_NOT_CONFIGURED);
	vsnap_check(fx, &s);
}

/* ---- TDH.VP.INIT ---- */

static void test_vp_init_tdcx_num_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	vp_addcx(fx, &vp, TDVPS_TDCX - 1);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(vp_init_on(fx, &vp, 0, 0), TDX_TDCX_NUM_INCORRECT);
	vsnap_check(fx, &s);
	/* With the last page it goes through. */
	vp_addcx(fx, &vp, 1);
	assert_status(vp_init_on(fx, &vp, 0, 0), TDX_SUCCESS);
}

static void test_vp_init_vcpu_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, ATTR_DEBUG);
	vp_make(fx, &td, &vp, 0);
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_GUEST_RIP), 0x2000, ~0ULL, NULL), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(vp_init_on(fx, &vp, 0, 0), TDX_VCPU_STATE_INCORRECT);
	assert_status(vp_init_on(fx, &vp, 1, 0), TDX_VCPU_STATE_INCORRECT);
	vsnap_check(fx, &s);
	/* The state was not reset. */
	assert_int_equal(vp_rd_ok(fx, &vp, VP_VMCS(VMCS_GUEST_RIP)), 0x2000);
}

static void test_vp_init_op_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	vp_addcx(fx, &vp, TDVPS_TDCX);
	assert_status(fx_call(fx, 0, TDH_MR_FINALIZE, td.tdr, 0, 0), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(vp_init_on(fx, &vp, 0, 0), TDX_OP_STATE_INCORRECT);
	vsnap_check(fx, &s);
}

static void test_vp_init_page_metadata_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	vp_addcx(fx, &vp, TDVPS_TDCX);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(fx_call(fx, 0, TDH_VP_INIT, vp.tdcx[0], 0, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_VP_INIT, td.tdr, 0, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	assert_status(fx_call(fx, 0, TDH_VP_INIT, vp.tdcx[TDVPS_TDCX], 0, 0),
		      tdx_status_operand(TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX));
	vsnap_check(fx, &s);
}

static void test_vp_init_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	vp_addcx(fx, &vp, TDVPS_TDCX);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(vp_init_on(fx, &vp, 0, 0), TDX_TD_KEYS_NOT_CONFIGURED);
	vsnap_check(fx, &s);
}

static void test_vp_init_x2apic_id_not_unique(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp[3];
	struct vsnap s;

	td_make(fx, &td, 3, 0);
	for (unsigned int i = 0; i < 3; i++) {
		vp_alloc(fx, &vp[i]);
		assert_status(vp_create(fx, &td, &vp[i]), TDX_SUCCESS);
		vp_addcx(fx, &vp[i], TDVPS_TDCX);
	}
	assert_status(vp_init_v1(fx, &vp[0], 0, 7), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, vp, 3);
	/* A duplicate id: the 2.0 status, with the id in bits 31:0. */
	assert_status(vp_init_v1(fx, &vp[1], 0, 7),
		      tdx_status_operand(TDX_X2APIC_ID_NOT_UNIQUE, 7));
	/* R8 bits 63:32 must be 0. */
	assert_operand_invalid(vp_init_v1(fx, &vp[1], 0, (1ULL << 32) | 8), TDX_OPERAND_ID_R8);
	vsnap_check(fx, &s);
	assert_status(vp_init_v1(fx, &vp[1], 1, 8), TDX_SUCCESS);
	/* A v0 VP.INIT configures no id, so it cannot clash. */
	assert_status(vp_init_on(fx, &vp[2], 0, 0), TDX_SUCCESS);
}

/* ---- TDH.VP.RD / TDH.VP.WR ---- */

static void test_vp_rd_metadata_field_id_incorrect(void **state)
{
	static const uint64_t bad[] = {
		0xA020000300000099ULL,			/* class 32, unknown code */
		0x3F20000300000000ULL,			/* unknown class */
		VP_VCPU_INDEX | TDX_BIT(34),		/* LAST_ELEMENT_IN_FIELD != 0 */
		VP_VCPU_INDEX | TDX_BIT(38),		/* LAST_FIELD_IN_SEQUENCE != 0 */
		VP_VCPU_INDEX | TDX_BIT(24),		/* reserved */
		VP_VCPU_INDEX | TDX_BIT(62),		/* reserved */
		VP_TDVPS_PAGE_PA + 15,			/* past the last element */
		~0ULL,					/* null id: v1 only */
	};
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, ATTR_DEBUG);
	vp_make(fx, &td, &vp, 0);
	vsnap_take(fx, &s, &td, &vp, 1);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(bad); i++) {
		assert_status(vp_rd(fx, 0, &vp, bad[i], NULL),
			      MD_ERR(TDX_METADATA_FIELD_ID_INCORRECT));
		assert_status(vp_wr(fx, 0, &vp, bad[i], 0, ~0ULL, NULL),
			      MD_ERR(TDX_METADATA_FIELD_ID_INCORRECT));
	}
	vsnap_check(fx, &s);
	/* Single-field reads ignore size, context and INC_SIZE. */
	assert_int_equal(vp_rd_ok(fx, &vp, VP_VCPU_INDEX & ~TDX_GENMASK(54, 50) &
					   ~TDX_GENMASK(33, 32)), 0);
}

static void test_vp_rd_vcpu_state_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, ATTR_DEBUG);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	vp_addcx(fx, &vp, TDVPS_TDCX - 1);
	vsnap_take(fx, &s, &td, &vp, 1);
	/* Without all its pages: TDCX_NUM_INCORRECT; with them but not initialized: state. */
	assert_status(vp_rd(fx, 0, &vp, VP_VCPU_INDEX, NULL), TDX_TDCX_NUM_INCORRECT);
	assert_status(vp_wr(fx, 0, &vp, VP_PEND_NMI, 1, 1, NULL), TDX_TDCX_NUM_INCORRECT);
	vsnap_check(fx, &s);
	vp_addcx(fx, &vp, 1);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(vp_rd(fx, 0, &vp, VP_VCPU_INDEX, NULL), TDX_VCPU_STATE_INCORRECT);
	assert_status(vp_wr(fx, 0, &vp, VP_PEND_NMI, 1, 1, NULL), TDX_VCPU_STATE_INCORRECT);
	vsnap_check(fx, &s);
}

static void test_vp_rd_vcpu_associated(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, ATTR_DEBUG);
	vp_make(fx, &td, &vp, 0);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(vp_rd(fx, 1, &vp, VP_VCPU_INDEX, NULL), TDX_VCPU_ASSOCIATED);
	assert_status(vp_wr(fx, 1, &vp, VP_PEND_NMI, 1, 1, NULL), TDX_VCPU_ASSOCIATED);
	vsnap_check(fx, &s);
	/* Flushed on its LP, the vCPU may be read anywhere, which associates it there. */
	assert_status(fx_call(fx, 0, TDH_VP_FLUSH, vp.tdvpr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, TD_NUM_ASSOC_VCPUS), 0);
	vp.cpu = 1;
	assert_int_equal(vp_rd_ok(fx, &vp, VP_ASSOC_LPID), 1);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, TD_NUM_ASSOC_VCPUS), 1);
	assert_status(vp_rd(fx, 0, &vp, VP_VCPU_INDEX, NULL), TDX_VCPU_ASSOCIATED);
}

static void test_vp_wr_metadata_field_not_writable(void **state)
{
	static const uint64_t read_only[] = {
		VP_VCPU_STATE, VP_VCPU_INDEX, VP_NUM_TDVPS_PAGES, VP_ASSOC_LPID, VP_LAST_TD_EXIT,
		VP_TDVPS_PAGE_PA, VP_TDVPS_PAGE_PA + 3, VP_XCR0, VP_VMCS(VMCS_GUEST_CR0),
		VP_VMCS(VMCS_GUEST_CR4), VP_VMCS(VMCS_GUEST_EFER), VP_VMCS(VMCS_GUEST_RFLAGS),
		VP_GPR(4),	/* the RSP placeholder */
	};
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;
	uint64_t old = 5;

	td_make(fx, &td, 1, ATTR_DEBUG);
	vp_make(fx, &td, &vp, 0);
	vsnap_take(fx, &s, &td, &vp, 1);
	for (size_t i = 0; i < TDX_ARRAY_SIZE(read_only); i++)
		assert_status(vp_wr(fx, 0, &vp, read_only[i], 1, ~0ULL, NULL),
			      MD_ERR(TDX_METADATA_FIELD_NOT_WRITABLE));
	/* A writable field with an empty R9 mask. */
	assert_status(vp_wr(fx, 0, &vp, VP_GPR(0), 1, 0, &old),
		      MD_ERR(TDX_METADATA_FIELD_NOT_WRITABLE));
	assert_int_equal(old, 0);	/* R8 is 0 after a failed write */
	vsnap_check(fx, &s);
	assert_int_equal(vp_rd_ok(fx, &vp, VP_GPR(0)), 0);
}

static void test_vp_wr_metadata_field_value_not_valid(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_make(fx, &td, &vp, 0);
	vsnap_take(fx, &s, &td, &vp, 1);
	/* Vectors are 0..255. */
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_POSTED_INT_NV), 0x100, 0xFFFF, NULL),
		      TDX_METADATA_FIELD_VALUE_NOT_VALID);
	/* Bits 5:0 of the descriptor address are not writable: asking to set them fails. */
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_PID_ADDR), 0x1000 | 0x3F, ~0ULL, NULL),
		      tdx_status_operand(TDX_METADATA_FIELD_VALUE_NOT_VALID, TDX_OPERAND_ID_R8));
	/* The descriptor must be host memory the CPU may use: not in SEAMRR. */
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_PID_ADDR), fx->cfg.seamrr.base, ~0ULL, NULL),
		      TDX_METADATA_FIELD_VALUE_NOT_VALID);
	vsnap_check(fx, &s);
	assert_int_equal(vp_rd_ok(fx, &vp, VP_VMCS(VMCS_POSTED_INT_NV)), 0xFFFF);
}

static void test_vp_wr_td_vmcs_field_not_initialized(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint64_t pid = fx_alloc_page(fx);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_make(fx, &td, &vp, 0);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_PINBASED), TDX_BIT(7), TDX_BIT(7), NULL),
		      tdx_status_operand(TDX_TD_VMCS_FIELD_NOT_INITIALIZED, VMCS_POSTED_INT_NV));
	vsnap_check(fx, &s);
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_POSTED_INT_NV), 0xF2, 0xFFFF, NULL),
		      TDX_SUCCESS);
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_PINBASED), TDX_BIT(7), TDX_BIT(7), NULL),
		      tdx_status_operand(TDX_TD_VMCS_FIELD_NOT_INITIALIZED, VMCS_PID_ADDR));
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_PID_ADDR), pid, ~0ULL, NULL), TDX_SUCCESS);
	assert_status(vp_wr(fx, 0, &vp, VP_VMCS(VMCS_PINBASED), TDX_BIT(7), TDX_BIT(7), NULL),
		      TDX_SUCCESS);
}

static void test_vp_rd_td_corrupted_md(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	uint8_t junk[64];
	struct fx_td td;
	struct vp vp;

	td_make(fx, &td, 1, ATTR_DEBUG);
	vp_make(fx, &td, &vp, 0);
	/* A host write to a TDVPS page poisons it; the module's next look fails. */
	memset(junk, 0xA5, sizeof(junk));
	fx_write(fx, vp.tdcx[2] + 128, junk, sizeof(junk));
	assert_status(vp_rd(fx, 0, &vp, VP_VCPU_INDEX, NULL), TDX_NON_RECOVERABLE_TD_CORRUPTED_MD);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_FATAL), 1);
	assert_status(vp_rd(fx, 0, &vp, VP_VCPU_INDEX, NULL), TDX_TD_FATAL);
	/* A fatal TD still tears down. */
	td_destroy(fx, &td, &vp, 1);
}

/* ---- TDH.VP.FLUSH ---- */

static void test_vp_flush_success(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp[2];

	td_make(fx, &td, 2, 0);
	vp_make(fx, &td, &vp[0], 0);
	vp_make(fx, &td, &vp[1], 1);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, TD_NUM_ASSOC_VCPUS), 2);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_FLUSHVP_NOT_DONE);
	assert_status(fx_call(fx, 0, TDH_VP_FLUSH, vp[0].tdvpr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, TD_NUM_ASSOC_VCPUS), 1);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_FLUSHVP_NOT_DONE);
	assert_status(fx_call(fx, 1, TDH_VP_FLUSH, vp[1].tdvpr, 0, 0), TDX_SUCCESS);
	assert_int_equal(fx_mng_rd_ok(fx, td.tdr, TD_NUM_ASSOC_VCPUS), 0);
	vp[0].cpu = 1;		/* reads now associate with LP 1 */
	assert_int_equal(vp_rd_ok(fx, &vp[0], VP_ASSOC_LPID), 1);
	assert_status(fx_call(fx, 1, TDH_VP_FLUSH, vp[0].tdvpr, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	td_destroy(fx, &td, vp, 2);
}

static void test_vp_flush_vcpu_not_associated(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp[2];
	struct vsnap s;

	td_make(fx, &td, 2, 0);
	vp_make(fx, &td, &vp[0], 0);
	vp_alloc(fx, &vp[1]);
	assert_status(vp_create(fx, &td, &vp[1]), TDX_SUCCESS);
	vp_addcx(fx, &vp[1], TDVPS_TDCX);
	vsnap_take(fx, &s, &td, vp, 2);
	/* On another LP than the one it is associated with. */
	assert_status(fx_call(fx, 1, TDH_VP_FLUSH, vp[0].tdvpr, 0, 0), TDX_VCPU_NOT_ASSOCIATED);
	/* Never initialized: associated with no LP. */
	assert_status(fx_call(fx, 0, TDH_VP_FLUSH, vp[1].tdvpr, 0, 0), TDX_VCPU_NOT_ASSOCIATED);
	assert_status(fx_call(fx, 1, TDH_VP_FLUSH, vp[1].tdvpr, 0, 0), TDX_VCPU_NOT_ASSOCIATED);
	vsnap_check(fx, &s);
	/* Flushed once: a second flush finds nothing to do. */
	assert_status(fx_call(fx, 0, TDH_VP_FLUSH, vp[0].tdvpr, 0, 0), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, vp, 2);
	assert_status(fx_call(fx, 0, TDH_VP_FLUSH, vp[0].tdvpr, 0, 0), TDX_VCPU_NOT_ASSOCIATED);
	vsnap_check(fx, &s);
}

static void test_vp_flush_tdcx_num_incorrect(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_alloc(fx, &vp);
	assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(fx_call(fx, 0, TDH_VP_FLUSH, vp.tdvpr, 0, 0), TDX_TDCX_NUM_INCORRECT);
	vsnap_check(fx, &s);
}

static void test_vp_flush_td_keys_not_configured(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;
	struct vsnap s;

	td_make(fx, &td, 1, 0);
	vp_make(fx, &td, &vp, 0);
	assert_status(fx_call(fx, 0, TDH_VP_FLUSH, vp.tdvpr, 0, 0), TDX_SUCCESS);
	assert_status(fx_call(fx, 0, TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0), TDX_SUCCESS);
	vsnap_take(fx, &s, &td, &vp, 1);
	assert_status(fx_call(fx, 0, TDH_VP_FLUSH, vp.tdvpr, 0, 0), TDX_TD_KEYS_NOT_CONFIGURED);
	vsnap_check(fx, &s);
}

/* ---- PHYMEM.PAGE.RECLAIM of vCPU pages ---- */

static void test_vp_pages_reclaimed_and_reused(void **state)
{
	struct fx *fx = *state = fx_boot(2, 1, true);
	struct fx_td td;
	struct vp vp;

	for (unsigned int round = 0; round < 3; round++) {
		td_make(fx, &td, 1, 0);
		vp_alloc(fx, &vp);
		assert_status(vp_create(fx, &td, &vp), TDX_SUCCESS);
		vp_addcx(fx, &vp, TDVPS_TDCX);
		/*
		 * The same x2APIC id in every round: a vCPU left over from the
		 * previous TD would make it look taken.
		 */
		assert_status(vp_init_v1(fx, &vp, 0, 3), TDX_SUCCESS);
		assert_int_equal(fx_mng_rd_ok(fx, td.tdr, FX_TD_CHLDCNT), FX_TDCS_PAGES + 6);
		td_destroy(fx, &td, &vp, 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_vp_build_two_vcpus),
		FX_TEST(test_vp_rd_production_td),
		FX_TEST(test_vp_rd_v1_walks_every_field),
		FX_TEST(test_vp_wr_debug_and_kvm_controls),
		FX_TEST(test_vp_create_operand_invalid),
		FX_TEST(test_vp_create_operand_addr_range_error),
		FX_TEST(test_vp_create_page_metadata_incorrect),
		FX_TEST(test_vp_create_td_keys_not_configured),
		FX_TEST(test_vp_create_op_state_incorrect),
		FX_TEST(test_vp_create_max_vcpus_exceeded),
		FX_TEST(test_vp_addcx_page_metadata_incorrect),
		FX_TEST(test_vp_addcx_tdcx_num_incorrect),
		FX_TEST(test_vp_addcx_vcpu_state_incorrect),
		FX_TEST(test_vp_addcx_op_state_incorrect),
		FX_TEST(test_vp_addcx_td_keys_not_configured),
		FX_TEST(test_vp_init_tdcx_num_incorrect),
		FX_TEST(test_vp_init_vcpu_state_incorrect),
		FX_TEST(test_vp_init_op_state_incorrect),
		FX_TEST(test_vp_init_page_metadata_incorrect),
		FX_TEST(test_vp_init_td_keys_not_configured),
		FX_TEST(test_vp_init_x2apic_id_not_unique),
		FX_TEST(test_vp_rd_metadata_field_id_incorrect),
		FX_TEST(test_vp_rd_vcpu_state_incorrect),
		FX_TEST(test_vp_rd_vcpu_associated),
		FX_TEST(test_vp_wr_metadata_field_not_writable),
		FX_TEST(test_vp_wr_metadata_field_value_not_valid),
		FX_TEST(test_vp_wr_td_vmcs_field_not_initialized),
		FX_TEST(test_vp_rd_td_corrupted_md),
		FX_TEST(test_vp_flush_success),
		FX_TEST(test_vp_flush_vcpu_not_associated),
		FX_TEST(test_vp_flush_tdcx_num_incorrect),
		FX_TEST(test_vp_flush_td_keys_not_configured),
		FX_TEST(test_vp_pages_reclaimed_and_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
