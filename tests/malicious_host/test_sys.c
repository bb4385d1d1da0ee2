/*
 * Malicious host: the platform leaves and the SEAMCALL instruction.
 * Re-running SYS.INIT/LP.INIT/CONFIG/KEY.CONFIG/TDMR.INIT on a live
 * module (to re-key it or wipe the PAMT), SEAMCALL from a thread that is
 * not the LP or from an LP out of VMX operation, reserved RAX bits,
 * unknown leaves and versions, and the registers a refused call must
 * leave alone (reference tdx-abi.md 1.1, 1.3 SYS leaves).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <tdx/tdx_metadata.h>

#include "mh.h"
#include "platform.h"

static struct mh *one_td(void **state, struct mh_td *a)
{
	struct mh *mh = *state = mh_boot();

	mh_td_build(mh, a, 1, 0, 2);
	return mh;
}

static void snap_a(struct mh *mh, struct mh_snap *s, const struct mh_td *a)
{
	mh_snap_init(s);
	mh_snap_td(s, a);
	mh_snap_page(s, mh_pamt_4k_base(mh), false);
	mh_snap_take(mh, s);
}

/* A TDMR_INFO array (one entry: [0, 1G), PAMTs in fresh pages) staged in host memory. */
static uint64_t stage_tdmr(struct mh *mh)
{
	uint64_t array = mh_page(mh), info = mh_page(mh), pamt = mh_pages(mh, 66);
	struct tdmr_info t;

	memset(&t, 0, sizeof(t));
	t.base = 0;
	t.size = TDX_SZ_1G;
	t.pamt_4k_base = pamt;
	t.pamt_4k_size = 64 * MH_PAGE;
	t.pamt_2m_base = pamt + 64 * MH_PAGE;
	t.pamt_2m_size = MH_PAGE;
	t.pamt_1g_base = pamt + 65 * MH_PAGE;
	t.pamt_1g_size = MH_PAGE;
	mh_write(mh, info, &t, sizeof(t));
	mh_write(mh, array, &info, sizeof(info));
	return array;
}

static void test_sys_reinit_after_ready(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t array = stage_tdmr(mh);
	hkid_t stolen = mh_hkid(mh);
	struct mh_snap s;

	snap_a(mh, &s, &a);
	/* SYS.CONFIG again: a new PAMT over live memory, or a TD's HKID as the global one. */
	assert_status(mh_call(mh, TDH_SYS_CONFIG, array, 1, mh->global_hkid, 0),
		      TDX_SYS_CONFIG_NOT_PENDING);
	assert_status(mh_call(mh, TDH_SYS_CONFIG, array, 1, a.hkid, 0),
		      TDX_SYS_CONFIG_NOT_PENDING);
	assert_status(mh_call(mh, TDH_SYS_CONFIG, array, 1, stolen, 0),
		      TDX_SYS_CONFIG_NOT_PENDING);
	assert_status(mh_call(mh, TDH_SYS_INIT, 0, 0, 0, 0), TDX_SYS_INIT_NOT_PENDING);
	for (unsigned int cpu = 0; cpu < mh->nr_lps; cpu++) {
		struct tdx_module_args lp = { .rax = TDH_SYS_LP_INIT };

		assert_status(mh_sc(mh, cpu, &lp), TDX_SYS_LP_INIT_DONE);
	}
	/* The global key is programmed once per package; a repeat re-keys nothing. */
	assert_status(mh_call(mh, TDH_SYS_KEY_CONFIG, 0, 0, 0, 0), TDX_KEY_CONFIGURED);
	mh_assert_unchanged(mh, &s);
	/* The module still serves the TD, whose pages still decrypt. */
	assert_status(mh_call(mh, TDH_MR_EXTEND, 0, a.tdr, 0, 0), TDX_SUCCESS);
	assert_status(mh_call(mh, TDH_MNG_CREATE, mh_page(mh), stolen, 0, 0), TDX_SUCCESS);
}

static void test_tdmr_init_again_cannot_reset_pamt(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	struct mh_snap s;

	snap_a(mh, &s, &a);
	/* Re-initializing a PAMT would mark A's pages PT_NDA, free to map twice. */
	assert_status(mh_call(mh, TDH_SYS_TDMR_INIT, 0, 0, 0, 0), TDX_TDMR_ALREADY_INITIALIZED);
	assert_status(mh_call(mh, TDH_SYS_TDMR_INIT, 4ULL << 30, 0, 0, 0),
		      TDX_TDMR_ALREADY_INITIALIZED);
	/* Not the base of a configured TDMR. */
	assert_operand(mh_call(mh, TDH_SYS_TDMR_INIT, 1ULL << 30, 0, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_operand(mh_call(mh, TDH_SYS_TDMR_INIT, a.page[0], 0, 0, 0),
		       TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	mh_assert_unchanged(mh, &s);
	assert_u64(mh_page_type(mh, a.page[0]), PT_REG);
}

struct foreign_call {
	struct tdx_module_args a;
	enum seamcall_result r;
	bool was_vmxon;
};

static void test_seamcall_from_foreign_thread(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t page = mh_page(mh);
	hkid_t hkid = mh_hkid(mh);
	struct tdx_module_args in = { .rax = TDH_MNG_CREATE, .rcx = page, .rdx = hkid,
				      .r8 = 0x1111, .r9 = 0x2222, .r15 = 0x3333 };
	struct tdx_module_args args = in;
	struct mh_snap s;

	snap_a(mh, &s, &a);
	mh_snap_page(&s, page, false);
	mh_snap_take(mh, &s);
	/* The test thread is not LP 0: in the emulator that is code not running on the LP. */
	for (unsigned int cpu = 0; cpu < mh->nr_lps; cpu++) {
		args = in;
		assert_int_equal(lp_seamcall(platform_lp(mh->plat, cpu), &args), SEAMCALL_UD);
		assert_memory_equal(&args, &in, sizeof(in));
	}
	args = (struct tdx_module_args){ .rax = TDH_MNG_KEY_FREEID, .rcx = a.tdr };
	assert_int_equal(lp_seamcall(platform_lp(mh->plat, 0), &args), SEAMCALL_UD);
	mh_assert_unchanged(mh, &s);
	/* The HKID and the page were not consumed. */
	assert_status(mh_call(mh, TDH_MNG_CREATE, page, hkid, 0, 0), TDX_SUCCESS);
}

static void seamcall_after_vmxoff(struct plat_lp *lp, void *arg)
{
	struct foreign_call *c = arg;

	c->was_vmxon = lp_in_vmx_operation(lp);
	lp_vmxoff(lp);
	c->r = lp_seamcall(lp, &c->a);
	lp_vmxon(lp);
}

static void test_seamcall_after_vmxoff(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	unsigned int ap = mh->nr_lps - 1;
	struct foreign_call c = { .a = { .rax = TDH_MNG_VPFLUSHDONE, .rcx = a.tdr, .r12 = 7 } };
	struct tdx_module_args in = c.a;
	struct tdx_module_args rd = { .rax = TDH_SYS_RD, .rdx = MD_SYS_NUM_CMRS };
	struct mh_snap s;

	assert_true(ap > 0);
	snap_a(mh, &s, &a);
	/* On an AP out of VMX operation SEAMCALL is #UD; nothing reaches the module. */
	assert_int_equal(platform_lp_call(mh->plat, ap, seamcall_after_vmxoff, &c), 0);
	assert_true(c.was_vmxon);
	assert_int_equal(c.r, SEAMCALL_UD);
	assert_memory_equal(&c.a, &in, sizeof(in));
	mh_assert_unchanged(mh, &s);
	/* VMX back on: the same LP reaches the module again. */
	assert_status(mh_sc(mh, ap, &rd), TDX_SUCCESS);
}

static void test_seamcall_rax_reserved_bits(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t page = mh_page(mh);
	hkid_t hkid = mh_hkid(mh);
	const uint64_t raxes[] = {
		TDH_MNG_CREATE | TDX_BIT(24),
		TDH_MNG_CREATE | TDX_BIT(40),
		TDH_MNG_CREATE | TDX_BIT(62),
		TDH_MNG_CREATE | TDX_LEAF_VERSION(1),	/* no version 1 */
		TDH_MNG_RD | TDX_LEAF_VERSION(2),	/* only 0 and 1 */
		TDH_MNG_KEY_FREEID | TDX_BIT(32),
		42, 46, 47, 200, 0xFFFF,		/* leaves this module does not have */
	};
	struct mh_snap s;

	snap_a(mh, &s, &a);
	mh_snap_page(&s, page, false);
	mh_snap_take(mh, &s);
	for (unsigned int i = 0; i < TDX_ARRAY_SIZE(raxes); i++) {
		struct tdx_module_args in = {
			.rax = raxes[i], .rcx = page, .rdx = hkid, .r8 = 0x0808, .r9 = 0x0909,
			.r10 = 0x1010, .r11 = 0x1111, .r12 = 0x1212, .r13 = 0x1313, .r14 = 0x1414,
			.r15 = 0x1515, .rbx = 0xB0B0, .rdi = 0xD1D1, .rsi = 0x5151,
		};
		struct tdx_module_args out = in;

		/* RAX 0xC000010000000000: TDX_OPERAND_INVALID on RAX, all else untouched. */
		assert_operand(mh_sc(mh, 0, &out), TDX_OPERAND_INVALID, TDX_OPERAND_ID_RAX);
		in.rax = out.rax;
		assert_memory_equal(&out, &in, sizeof(in));
	}
	mh_assert_unchanged(mh, &s);
	assert_status(mh_call(mh, TDH_MNG_CREATE, page, hkid, 0, 0), TDX_SUCCESS);
}

/* Inputs with every GPR set, so a clobbered register shows. */
static struct tdx_module_args gprs(uint64_t rax, uint64_t rcx, uint64_t rdx, uint64_t r8,
				   uint64_t r9)
{
	return (struct tdx_module_args){
		.rax = rax, .rcx = rcx, .rdx = rdx, .r8 = r8, .r9 = r9,
		.r10 = 0xA10A10A1ULL, .r11 = 0xB11B11B1ULL, .r12 = 0xC12C12C1ULL,
		.r13 = 0xD13D13D1ULL, .r14 = 0xE14E14E1ULL, .r15 = 0xF15F15F1ULL,
		.rbx = 0x0B0B0B0BULL, .rdi = 0x0D1D1D1DULL, .rsi = 0x05151515ULL,
	};
}

#define assert_reg(out, in, r) assert_u64((out).r, (in).r)

static void assert_preserved_from_r9(const struct tdx_module_args *out,
				     const struct tdx_module_args *in)
{
	assert_reg(*out, *in, r9);
	assert_reg(*out, *in, r10);
	assert_reg(*out, *in, r11);
	assert_reg(*out, *in, r12);
	assert_reg(*out, *in, r13);
	assert_reg(*out, *in, r14);
	assert_reg(*out, *in, r15);
	assert_reg(*out, *in, rbx);
	assert_reg(*out, *in, rdi);
	assert_reg(*out, *in, rsi);
}

static void test_seamcall_failure_preserves_registers(void **state)
{
	struct mh_td a;
	struct mh *mh = one_td(state, &a);
	uint64_t page = mh_page(mh);
	struct tdx_module_args in, out;
	struct mh_snap s;

	snap_a(mh, &s, &a);
	mh_snap_page(&s, page, false);
	mh_snap_take(mh, &s);

	/* Leaves with no outputs but RAX: every other GPR comes back as it went in. */
	in = gprs(TDH_MNG_CREATE, page, a.hkid, 0x88, 0x99);
	out = in;
	assert_status_code(mh_sc(mh, 0, &out), TDX_HKID_NOT_FREE);
	in.rax = out.rax;
	assert_memory_equal(&out, &in, sizeof(in));

	in = gprs(TDH_MNG_KEY_CONFIG, a.tdr, 0x22, 0x88, 0x99);
	out = in;
	assert_true(mh_sc(mh, 0, &out) != TDX_SUCCESS);
	in.rax = out.rax;
	assert_memory_equal(&out, &in, sizeof(in));

	in = gprs(TDH_SYS_CONFIG, page, 1, mh->global_hkid, 0x99);
	out = in;
	assert_status(mh_sc(mh, 0, &out), TDX_SYS_CONFIG_NOT_PENDING);
	in.rax = out.rax;
	assert_memory_equal(&out, &in, sizeof(in));

	in = gprs(TDH_PHYMEM_PAGE_RECLAIM, a.page[0], 0x22, 0x88, 0x99);
	out = in;
	assert_status_code(mh_sc(mh, 0, &out), TDX_LIFECYCLE_STATE_INCORRECT);
	assert_reg(out, in, r8);
	assert_preserved_from_r9(&out, &in);

	/*
	 * MEM leaves and MR.EXTEND output RCX/RDX: 0 unless a SEPT check
	 * failed (reference 1.3: "RCX and RDX are set to 0 on entry").  A
	 * refused page operand is not a SEPT failure.
	 */
	in = gprs(TDH_MEM_PAGE_ADD, 0x10000, a.tdr, page + 0x800, a.src);
	out = in;
	assert_operand(mh_sc(mh, 0, &out), TDX_OPERAND_INVALID, TDX_OPERAND_ID_R8);
	assert_reg(out, in, r8);
	assert_preserved_from_r9(&out, &in);
	assert_u64(out.rcx, 0);
	assert_u64(out.rdx, 0);

	in = gprs(TDH_MR_EXTEND, 0x80, a.tdr, 0x88, 0x99);
	out = in;
	assert_operand(mh_sc(mh, 0, &out), TDX_OPERAND_INVALID, TDX_OPERAND_ID_RCX);
	assert_reg(out, in, r8);
	assert_preserved_from_r9(&out, &in);
	assert_u64(out.rcx, 0);
	assert_u64(out.rdx, 0);
	mh_assert_unchanged(mh, &s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		MH_TEST(test_sys_reinit_after_ready),
		MH_TEST(test_tdmr_init_again_cannot_reset_pamt),
		MH_TEST(test_seamcall_from_foreign_thread),
		MH_TEST(test_seamcall_after_vmxoff),
		MH_TEST(test_seamcall_rax_reserved_bits),
		MH_TEST(test_seamcall_failure_preserves_registers),
	};

	return cmocka_run_group_tests_name("malicious host: platform and SEAMCALL", tests, NULL,
					   NULL);
}
