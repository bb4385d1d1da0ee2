/*
 * Malicious host: entering TD vCPUs and the shared EPT.  TDH.VP.ENTER
 * with bad RCX bits, a page that is no TDVPR, before MR.FINALIZE, a vCPU
 * that was never VP.INITed, from an LP the vCPU is not associated with,
 * after VPFLUSHDONE; and platform_shared_ept_map() asked to back a
 * private GPA, an unknown TD, an uninitialized TD, or a misaligned or
 * wrapping range (reference tdx-abi.md 1.3 VP leaves, 1.4, 6.2).  Every
 * refusal leaves the TD as it was; none needs /dev/kvm, since all are
 * refused before a vCPU would run.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mh.h"
#include "platform.h"

#define TDVPS_PAGES	6
#define VP_ENTER_L2	(1ULL << 53)
#define SHARED_BIT	(1ULL << 47)

struct mh_vcpu {
	uint64_t tdvpr;
	unsigned int cpu;	/* the LP VP.INIT ran on */
};

/* VP.CREATE + the TDCX pages; VP.INIT on @cpu unless @init is false. */
static void vcpu_make(struct mh *mh, struct mh_td *td, struct mh_vcpu *v, unsigned int cpu,
		      bool init)
{
	struct tdx_module_args a;

	v->tdvpr = mh_page(mh);
	v->cpu = cpu;
	assert_status(mh_call(mh, TDH_VP_CREATE, v->tdvpr, td->tdr, 0, 0), TDX_SUCCESS);
	for (unsigned int i = 1; i < TDVPS_PAGES; i++)
		assert_status(mh_call(mh, TDH_VP_ADDCX, mh_page(mh), v->tdvpr, 0, 0),
			      TDX_SUCCESS);
	if (!init)
		return;
	a = (struct tdx_module_args){ .rax = TDH_VP_INIT, .rcx = v->tdvpr, .rdx = 0 };
	assert_status(mh_sc(mh, cpu, &a), TDX_SUCCESS);
}

static void finalize(struct mh *mh, struct mh_td *td)
{
	assert_status(mh_call(mh, TDH_MR_FINALIZE, td->tdr, 0, 0, 0), TDX_SUCCESS);
}

static uint64_t vp_enter(struct mh *mh, unsigned int cpu, uint64_t rcx)
{
	struct tdx_module_args a = { .rax = TDH_VP_ENTER, .rcx = rcx };

	return mh_sc(mh, cpu, &a);
}

static void snap(struct mh *mh, struct mh_snap *s, const struct mh_td *td,
		 const struct mh_vcpu *v)
{
	mh_snap_init(s);
	mh_snap_td(s, td);
	mh_snap_page(s, v->tdvpr, false);
	mh_snap_take(mh, s);
}

static void test_vp_enter_before_finalize(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_vcpu v;
	struct mh_snap s;
	struct mh_td a;

	mh_td_build(mh, &a, 1, 0, 2);
	vcpu_make(mh, &a, &v, 0, true);
	snap(mh, &s, &a, &v);
	/* Only a RUNNABLE TD runs: its measurement must be closed first. */
	assert_status(vp_enter(mh, v.cpu, v.tdvpr), TDX_OP_STATE_INCORRECT);
	mh_assert_unchanged(mh, &s);
}

static void test_vp_enter_reserved_rcx_bits(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_vcpu v;
	struct mh_snap s;
	struct mh_td a;

	mh_td_build(mh, &a, 1, 0, 2);
	vcpu_make(mh, &a, &v, 0, true);
	finalize(mh, &a);
	snap(mh, &s, &a, &v);
	/* Bits 11:0 and 63:54 are reserved; bit 53 (resume an L2 VM) has no L2 here. */
	assert_operand(vp_enter(mh, v.cpu, v.tdvpr | 0x8), TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(vp_enter(mh, v.cpu, v.tdvpr | VP_ENTER_L2), TDX_OPERAND_INVALID,
		       TDX_OPERAND_ID_RCX);
	assert_operand(vp_enter(mh, v.cpu, v.tdvpr | (1ULL << 63)), TDX_OPERAND_INVALID,
		       TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
}

static void test_vp_enter_page_not_a_tdvpr(void **state)
{
	struct mh *mh = *state = mh_boot();
	uint64_t free_page;
	struct mh_vcpu v;
	struct mh_snap s;
	struct mh_td a;

	mh_td_build(mh, &a, 1, 0, 2);
	vcpu_make(mh, &a, &v, 0, true);
	finalize(mh, &a);
	free_page = mh_page(mh);
	snap(mh, &s, &a, &v);
	/* The TDR, a TDCS page, a TD page and a free page are no vCPU. */
	assert_operand(vp_enter(mh, v.cpu, a.tdr), TDX_PAGE_METADATA_INCORRECT, TDX_OPERAND_ID_RCX);
	assert_operand(vp_enter(mh, v.cpu, a.tdcx[0]), TDX_PAGE_METADATA_INCORRECT,
		       TDX_OPERAND_ID_RCX);
	assert_operand(vp_enter(mh, v.cpu, a.page[0]), TDX_PAGE_METADATA_INCORRECT,
		       TDX_OPERAND_ID_RCX);
	assert_operand(vp_enter(mh, v.cpu, free_page), TDX_PAGE_METADATA_INCORRECT,
		       TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
}

static void test_vp_enter_vcpu_never_initialized(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_vcpu raw;
	struct mh_snap s;
	struct mh_td a;

	mh_td_build(mh, &a, 1, 0, 2);		/* MAX_VCPUS 1 */
	vcpu_make(mh, &a, &raw, 0, false);	/* TDVPS complete, VP.INIT never ran */
	finalize(mh, &a);
	snap(mh, &s, &a, &raw);
	assert_status(vp_enter(mh, 0, raw.tdvpr), TDX_VCPU_STATE_INCORRECT);
	mh_assert_unchanged(mh, &s);
}

static void test_vp_enter_from_another_lp(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct mh_vcpu v;
	struct mh_snap s;
	struct mh_td a;

	assert_true(mh->nr_lps >= 2);
	mh_td_build(mh, &a, 1, 0, 2);
	vcpu_make(mh, &a, &v, 0, true);		/* associated with LP 0 */
	finalize(mh, &a);
	snap(mh, &s, &a, &v);
	/* Its state is cached on LP 0: entering it elsewhere needs a VP.FLUSH there. */
	assert_status_code(vp_enter(mh, 1, v.tdvpr), TDX_VCPU_ASSOCIATED);
	mh_assert_unchanged(mh, &s);
}

static void test_vp_enter_after_vpflushdone(void **state)
{
	struct mh *mh = *state = mh_boot();
	struct tdx_module_args f;
	struct mh_vcpu v;
	struct mh_snap s;
	struct mh_td a;

	mh_td_build(mh, &a, 1, 0, 2);
	vcpu_make(mh, &a, &v, 0, true);
	finalize(mh, &a);
	f = (struct tdx_module_args){ .rax = TDH_VP_FLUSH, .rcx = v.tdvpr };
	assert_status(mh_sc(mh, v.cpu, &f), TDX_SUCCESS);
	mh_td_vpflushdone(mh, &a);
	snap(mh, &s, &a, &v);
	/* Teardown has begun: the TD's keys are going away, nothing runs. */
	assert_status(vp_enter(mh, v.cpu, v.tdvpr), TDX_TD_KEYS_NOT_CONFIGURED);
	mh_assert_unchanged(mh, &s);
}

static void test_shared_ept_refuses_private_and_bad_ranges(void **state)
{
	struct mh *mh = *state = mh_boot();
	static uint8_t host_mem[4 * 4096] __attribute__((aligned(4096)));
	struct mh_td a, c;
	struct mh_snap s;

	mh_td_build(mh, &a, 1, 0, 2);
	mh_td_alloc(mh, &c, 3);
	mh_td_create(mh, &c);			/* not initialized: no GPA width yet */
	mh_snap_init(&s);
	mh_snap_td(&s, &a);
	mh_snap_take(mh, &s);
	/* Host memory may back shared GPAs only: never a private one (GPA 0 is a TD page). */
	assert_int_equal(platform_shared_ept_map(mh->plat, a.tdr, 0, host_mem, 4096), -EINVAL);
	/* A range that starts shared and runs past the GPA width. */
	assert_int_equal(platform_shared_ept_map(mh->plat, a.tdr, (1ULL << 48) - 4096, host_mem,
						 2 * 4096), -EINVAL);
	assert_int_equal(platform_shared_ept_map(mh->plat, a.tdr, SHARED_BIT, host_mem, ~0ULL << 12),
			 -EINVAL);
	/* Misaligned GPA, size, host address. */
	assert_int_equal(platform_shared_ept_map(mh->plat, a.tdr, SHARED_BIT | 8, host_mem, 4096),
			 -EINVAL);
	assert_int_equal(platform_shared_ept_map(mh->plat, a.tdr, SHARED_BIT, host_mem, 100),
			 -EINVAL);
	assert_int_equal(platform_shared_ept_map(mh->plat, a.tdr, SHARED_BIT, host_mem + 1, 4096),
			 -EINVAL);
	/* No TD at that address; a TD without a GPA width. */
	assert_int_equal(platform_shared_ept_map(mh->plat, a.page[1], SHARED_BIT, host_mem, 4096),
			 -EINVAL);
	assert_int_equal(platform_shared_ept_map(mh->plat, c.tdr, SHARED_BIT, host_mem, 4096),
			 -EINVAL);
	mh_assert_unchanged(mh, &s);
	/* The well-formed request is accepted (and is the host's own business). */
	assert_int_equal(platform_shared_ept_map(mh->plat, a.tdr, SHARED_BIT, host_mem,
						 sizeof(host_mem)), 0);
	assert_int_equal(platform_shared_ept_map(mh->plat, a.tdr, SHARED_BIT, NULL,
						 sizeof(host_mem)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_vp_enter_before_finalize),
		MH_TEST(test_vp_enter_reserved_rcx_bits),
		MH_TEST(test_vp_enter_page_not_a_tdvpr),
		MH_TEST(test_vp_enter_vcpu_never_initialized),
		MH_TEST(test_vp_enter_from_another_lp),
		MH_TEST(test_vp_enter_after_vpflushdone),
		MH_TEST(test_shared_ept_refuses_private_and_bad_ranges),
	};

	return cmocka_run_group_tests_name("malicious host: VP.ENTER and the shared EPT", tests,
					   NULL, NULL);
}
