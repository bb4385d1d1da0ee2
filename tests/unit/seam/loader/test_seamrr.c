/*
 * Unit tests for seam/loader/src/seamrr.c: seamrr_layout_compute(), the
 * carve-up of SEAMRR for a module (reference tdx-abi.md 5.6).
 *
 * Physical order from the SEAMRR base: SYSINFO_TABLE, one VMCS per
 * x2APIC id, data (handoff, TLS per LP, global), page tables; from the
 * top of Module_Range down: code, then the per-LP stacks below it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "seam_loader.h"

#define PAGE	TDX_PAGE_SIZE
#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

#define BASE	(8 * GiB - 128 * MiB)
#define SIZE	(128 * MiB)

/* The page counts tdxctl signs by default (tdxctl_sign_opts_init). */
static void sig_defaults(struct seam_sigstruct *sig)
{
	memset(sig, 0, sizeof(*sig));
	sig->num_stack_pages = 3;
	sig->num_tls_pages = 0;
	sig->num_keyhole_pages = 127;
	sig->num_global_data_pages = 31;
	sig->num_handoff_pages = 0;
}

/* ---- an independent count of the page tables a layout needs ---- */

struct key_set {
	uint64_t *keys;
	size_t n, cap;
};

static void key_add(struct key_set *s, uint64_t key)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->keys[i] == key)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->keys = realloc(s->keys, s->cap * sizeof(*s->keys));
		assert_non_null(s->keys);
	}
	s->keys[s->n++] = key;
}

/* Tables (PDPT, PD, PT) covering [la, la + npages pages), one key per table. */
static void tables_for(struct key_set *s, uint64_t la, uint64_t npages)
{
	for (uint64_t i = 0; i < npages; i++) {
		uint64_t a = (la + i * PAGE) & 0x0000FFFFFFFFFFFFULL;

		key_add(s, (3ULL << 60) | (a >> 39));
		key_add(s, (2ULL << 60) | (a >> 30));
		key_add(s, (1ULL << 60) | (a >> 21));
	}
}

static uint64_t expected_pt_pages(const struct seam_module_layout *l)
{
	struct key_set s = { 0 };
	uint64_t n;

	tables_for(&s, l->code_la, l->code_size / PAGE);
	tables_for(&s, l->stack_la, l->stack_size / PAGE);
	tables_for(&s, l->data_la, l->data_size / PAGE);
	tables_for(&s, l->sysinfo_la, 1);
	tables_for(&s, l->keyhole_la, l->keyhole_size / PAGE);
	tables_for(&s, l->keyhole_edit_la, l->keyhole_edit_size / PAGE);
	n = s.n + 1;	/* the PML4 */
	free(s.keys);
	return n;
}

/* ---- checks every successful layout must satisfy ---- */

static void check_layout(const struct seam_sigstruct *sig, uint64_t pages, unsigned int nr_lps,
			 uint32_t max_x2apic, uint64_t base, uint64_t size, uint64_t aslr,
			 const struct seam_module_layout *l)
{
	uint64_t aslr_bits = (aslr & 0x7FFC) << 32;
	uint64_t module_end = base + size - P_SEAMLDR_RANGE_SIZE;

	assert_int_equal(l->nr_lps, nr_lps);
	assert_int_equal(l->nr_vmcs, max_x2apic + 1);
	assert_int_equal(l->seamrr_base, base);
	assert_int_equal(l->seamrr_size, size);
	assert_int_equal(l->p_seamldr_range_base, module_end);
	assert_int_equal(l->module_range_base, base);
	assert_int_equal(l->module_range_size, size - P_SEAMLDR_RANGE_SIZE);

	/* Sizes from the sigstruct's "pages minus one" counts. */
	assert_int_equal(l->handoff_size, (sig->num_handoff_pages + 1ULL) * PAGE);
	assert_int_equal(l->tls_size, (sig->num_tls_pages + 1ULL) * PAGE);
	assert_int_equal(l->global_data_size, (sig->num_global_data_pages + 1ULL) * PAGE);
	assert_int_equal(l->data_size,
			 l->handoff_size + nr_lps * l->tls_size + l->global_data_size);
	assert_int_equal(l->stack_per_lp, (sig->num_stack_pages + 1ULL) * PAGE + PAGE);
	assert_int_equal(l->stack_size, nr_lps * l->stack_per_lp);
	assert_int_equal(l->code_size, pages * PAGE);
	assert_int_equal(l->keyhole_per_lp, (sig->num_keyhole_pages + 1ULL) * PAGE);
	assert_int_equal(l->keyhole_size, nr_lps * l->keyhole_per_lp);
	assert_int_equal(l->keyhole_edit_size,
			 (l->keyhole_size / PAGE + 511) / 512 * PAGE);
	assert_int_equal(l->pt_size, expected_pt_pages(l) * PAGE);

	/* Physical: in the documented order, back to back, inside Module_Range. */
	assert_int_equal(l->sysinfo_pa, base);
	assert_int_equal(l->vmcs_pa, base + PAGE);
	assert_int_equal(l->data_pa, l->vmcs_pa + l->nr_vmcs * PAGE);
	assert_int_equal(l->pt_pa, l->data_pa + l->data_size);
	assert_true(l->pt_pa + l->pt_size <= l->stack_pa);
	assert_int_equal(l->stack_pa + l->stack_size, l->code_pa);
	assert_int_equal(l->code_pa + l->code_size, module_end);
	assert_true(l->stack_pa >= base && l->code_pa + l->code_size <= module_end);
	assert_true(TDX_IS_ALIGNED(l->pt_pa, PAGE) && TDX_IS_ALIGNED(l->stack_pa, PAGE));

	/* Linear: the spec's bases with the ASLR bits ORed in. */
	assert_int_equal(l->aslr, aslr_bits);
	assert_int_equal(l->code_la, SEAM_LA_CODE | aslr_bits);
	assert_int_equal(l->stack_la, SEAM_LA_STACK | aslr_bits);
	assert_int_equal(l->keyhole_la, SEAM_LA_KEYHOLE | aslr_bits);
	assert_int_equal(l->data_la, SEAM_LA_DATA | aslr_bits);
	assert_int_equal(l->sysinfo_la, SEAM_LA_SYSINFO | aslr_bits);
	assert_int_equal(l->keyhole_edit_la, SEAM_LA_KEYHOLE_EDIT | aslr_bits);
}

static void layout_ok(const struct seam_sigstruct *sig, uint64_t pages, unsigned int nr_lps,
		      uint32_t max_x2apic, uint64_t base, uint64_t size, uint64_t aslr,
		      struct seam_module_layout *l)
{
	int ret = seamrr_layout_compute(sig, pages, nr_lps, max_x2apic, base, size, aslr, l);

	if (ret)
		fail_msg("layout %llu pages, %u LPs, SEAMRR 0x%llx: %d",
			 (unsigned long long)pages, nr_lps, (unsigned long long)size, ret);
	check_layout(sig, pages, nr_lps, max_x2apic, base, size, aslr, l);
}

/* ---- tests ---- */

static void test_seamrr_layout_default_module(void **state)
{
	struct seam_sigstruct sig;
	struct seam_module_layout l;

	(void)state;
	sig_defaults(&sig);
	layout_ok(&sig, 16, 2, 1, BASE, SIZE, 0, &l);
	/* With no ASLR the bases are exactly the spec's. */
	assert_int_equal(l.code_la, 0xFFFF800000000000ULL);
	assert_int_equal(l.sysinfo_la, 0xFFFF8003FFFF0000ULL);
	assert_int_equal(l.keyhole_edit_la, 0x0000000100000000ULL);
	assert_int_equal(l.code_pa, BASE + SIZE - P_SEAMLDR_RANGE_SIZE - 16 * PAGE);
	/*
	 * One PML4, two PDPTs (kernel half, keyhole-edit), six PDs (code,
	 * stack, keyhole, data, sysinfo, keyhole-edit), six PTs.
	 */
	assert_int_equal(l.pt_size, 15 * PAGE);
}

static void test_seamrr_layout_sizes_from_sigstruct_counts(void **state)
{
	struct seam_sigstruct sig;
	struct seam_module_layout l;

	(void)state;
	sig_defaults(&sig);
	sig.num_stack_pages = 7;
	sig.num_tls_pages = 2;
	sig.num_keyhole_pages = 1023;
	sig.num_global_data_pages = 600;
	sig.num_handoff_pages = 4;
	layout_ok(&sig, 496, 8, 15, BASE, SIZE, 0, &l);
	assert_int_equal(l.stack_per_lp, 9 * PAGE);
	assert_int_equal(l.tls_size, 3 * PAGE);
	assert_int_equal(l.handoff_size, 5 * PAGE);
	assert_int_equal(l.global_data_size, 601 * PAGE);
	assert_int_equal(l.keyhole_edit_size, 16 * PAGE);	/* 8192 keyholes / 512 */
	/* Zero counts still mean one page each. */
	memset(&sig, 0, sizeof(sig));
	layout_ok(&sig, 1, 1, 0, BASE, SIZE, 0, &l);
	assert_int_equal(l.data_size, 3 * PAGE);
	assert_int_equal(l.stack_size, 2 * PAGE);
}

/* Sparse x2APIC ids: one VMCS per id up to the highest, not per LP. */
static void test_seamrr_layout_vmcs_per_x2apic_id(void **state)
{
	struct seam_sigstruct sig;
	struct seam_module_layout l;

	(void)state;
	sig_defaults(&sig);
	layout_ok(&sig, 16, 4, 0x103, BASE, SIZE, 0, &l);
	assert_int_equal(l.nr_vmcs, 0x104);
	assert_int_equal(l.data_pa, BASE + PAGE + 0x104 * PAGE);
}

static void test_seamrr_layout_aslr_masked(void **state)
{
	struct seam_sigstruct sig;
	struct seam_module_layout l;

	(void)state;
	sig_defaults(&sig);
	layout_ok(&sig, 16, 2, 1, BASE, SIZE, 0x7FFF, &l);
	assert_int_equal(l.aslr, 0x7FFCULL << 32);
	assert_int_equal(l.code_la, 0xFFFFFFFC00000000ULL);
	assert_int_equal(l.stack_la, 0xFFFFFFFD00000000ULL);
	assert_int_equal(l.keyhole_la, 0xFFFFFFFE00000000ULL);
	assert_int_equal(l.data_la, 0xFFFFFFFF00000000ULL);
	assert_int_equal(l.sysinfo_la, 0xFFFFFFFFFFFF0000ULL);
	assert_int_equal(l.keyhole_edit_la, 0x00007FFD00000000ULL);
	/* Bits outside 0x7FFC are ignored, whatever the source of entropy. */
	layout_ok(&sig, 16, 2, 1, BASE, SIZE, 0xFFFFFFFFFFFF8003ULL, &l);
	assert_int_equal(l.aslr, 0);
	layout_ok(&sig, 16, 2, 1, BASE, SIZE, 0x1234, &l);
	assert_int_equal(l.aslr, 0x1234ULL << 32);
	/* The physical layout does not depend on ASLR. */
	{
		struct seam_module_layout l0;

		layout_ok(&sig, 16, 2, 1, BASE, SIZE, 0, &l0);
		assert_int_equal(l.code_pa, l0.code_pa);
		assert_int_equal(l.pt_pa, l0.pt_pa);
		assert_int_equal(l.pt_size, l0.pt_size);
	}
}

/* 496 module pages and many LPs' stacks do not fit a 32 MiB Module_Range. */
static void test_seamrr_layout_code_and_stacks_exceed_module_range_enospc(void **state)
{
	const uint64_t size = 64 * MiB, base = 8 * GiB - size;
	struct seam_sigstruct sig;
	struct seam_module_layout l;
	uint64_t per_lp, lps;

	(void)state;
	sig_defaults(&sig);
	sig.num_stack_pages = 255;			/* 256 + 1 pages per LP */
	per_lp = (sig.num_stack_pages + 2ULL) * PAGE;
	/* The fewest LPs whose stacks plus the code exceed Module_Range. */
	lps = (size - P_SEAMLDR_RANGE_SIZE - 496 * PAGE) / per_lp + 1;
	assert_int_equal(seamrr_layout_compute(&sig, 496, (unsigned int)lps, (uint32_t)lps - 1,
					       base, size, 0, &l), -ENOSPC);
	assert_int_equal(seamrr_layout_compute(&sig, 496, 1024, 1023, base, size, 0, &l),
			 -ENOSPC);
}

/* Per-LP TLS large enough that the data region runs into the stacks. */
static void test_seamrr_layout_data_collides_with_stacks_enospc(void **state)
{
	const uint64_t size = 64 * MiB, base = 8 * GiB - size;
	struct seam_sigstruct sig;
	struct seam_module_layout l;

	(void)state;
	sig_defaults(&sig);
	sig.num_tls_pages = 255;			/* 1 MiB per LP */
	assert_int_equal(seamrr_layout_compute(&sig, 16, 32, 31, base, size, 0, &l), -ENOSPC);
	/* A VMCS per x2APIC id can fill Module_Range on its own. */
	sig_defaults(&sig);
	assert_int_equal(seamrr_layout_compute(&sig, 16, 2, 8191, base, size, 0, &l), -ENOSPC);
}

/*
 * The boundary, by arithmetic: with one module page, Module_Range has F
 * free pages between the page tables and the stacks.  Code of 1..512
 * pages needs one leaf table wherever it sits, so 1 + F pages fill the
 * gap exactly (tables end where the stacks begin) and 2 + F do not.
 */
static void test_seamrr_layout_exact_fit_and_one_page_more(void **state)
{
	const uint64_t size = 64 * MiB, base = 8 * GiB - size;
	struct seam_sigstruct sig;
	struct seam_module_layout l;
	uint64_t free_pages;
	unsigned int lps = 64;

	(void)state;
	/* Chosen so that roughly 200 pages stay free with a 1-page module. */
	sig_defaults(&sig);
	sig.num_stack_pages = 63;			/* 65 pages per LP with the shadow stack */
	sig.num_tls_pages = 3;
	sig.num_global_data_pages = 3466;
	layout_ok(&sig, 1, lps, lps - 1, base, size, 0, &l);
	free_pages = (l.stack_pa - (l.pt_pa + l.pt_size)) / PAGE;
	assert_true(free_pages > 0 && free_pages < 496);

	layout_ok(&sig, 1 + free_pages, lps, lps - 1, base, size, 0, &l);
	assert_int_equal(l.pt_pa + l.pt_size, l.stack_pa);
	assert_int_equal(seamrr_layout_compute(&sig, 2 + free_pages, lps, lps - 1, base, size, 0,
					       &l), -ENOSPC);
}

/* The stack/data boundary: data ending exactly at the stacks still needs tables. */
static void test_seamrr_layout_data_exactly_to_stacks_enospc(void **state)
{
	const uint64_t size = 64 * MiB, base = 8 * GiB - size;
	struct seam_sigstruct sig;
	struct seam_module_layout l;
	uint64_t gap;

	(void)state;
	sig_defaults(&sig);
	sig.num_global_data_pages = 0;
	layout_ok(&sig, 16, 2, 1, base, size, 0, &l);
	/* Grow global data until it ends exactly where the stacks begin. */
	gap = (l.stack_pa - (l.data_pa + l.data_size)) / PAGE;
	assert_true(gap < 0x10000);
	sig.num_global_data_pages = (uint16_t)gap;
	assert_int_equal(seamrr_layout_compute(&sig, 16, 2, 1, base, size, 0, &l), -ENOSPC);
}

static void test_seamrr_layout_degenerate_inputs_enospc(void **state)
{
	struct seam_sigstruct sig;
	struct seam_module_layout l;

	(void)state;
	sig_defaults(&sig);
	/* SEAMRR no bigger than the P-SEAMLDR range: no Module_Range. */
	assert_int_equal(seamrr_layout_compute(&sig, 16, 2, 1, BASE, P_SEAMLDR_RANGE_SIZE, 0, &l),
			 -ENOSPC);
	assert_int_equal(seamrr_layout_compute(&sig, 16, 0, 0, BASE, SIZE, 0, &l), -ENOSPC);
	assert_int_equal(seamrr_layout_compute(&sig, 0, 2, 1, BASE, SIZE, 0, &l), -ENOSPC);
}

/*
 * BUG (seam/loader/src/seamrr.c): nr_vmcs = max_x2apic + 1 is computed in
 * 32 bits, so max_x2apic = 0xFFFFFFFF wraps to 0 VMCS pages and the layout
 * "fits" with no room for any LP's SEAM transfer VMCS.  Expected -ENOSPC
 * (2^32 VMCS pages cannot fit); actual 0 with nr_vmcs == 0.  This test
 * fails until that is fixed.
 */
static void test_seamrr_layout_max_x2apic_wraps_enospc(void **state)
{
	struct seam_sigstruct sig;
	struct seam_module_layout l;
	int ret;

	(void)state;
	sig_defaults(&sig);
	ret = seamrr_layout_compute(&sig, 16, 2, 0xFFFFFFFFU, BASE, SIZE, 0, &l);
	if (ret == 0)
		fail_msg("max_x2apic 0xFFFFFFFF: layout accepted with nr_vmcs=%u, "
			 "VMCS area 0x%llx bytes", l.nr_vmcs,
			 (unsigned long long)(l.data_pa - l.vmcs_pa));
	assert_int_equal(ret, -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seamrr_layout_default_module),
		cmocka_unit_test(test_seamrr_layout_sizes_from_sigstruct_counts),
		cmocka_unit_test(test_seamrr_layout_vmcs_per_x2apic_id),
		cmocka_unit_test(test_seamrr_layout_aslr_masked),
		cmocka_unit_test(test_seamrr_layout_code_and_stacks_exceed_module_range_enospc),
		cmocka_unit_test(test_seamrr_layout_data_collides_with_stacks_enospc),
		cmocka_unit_test(test_seamrr_layout_exact_fit_and_one_page_more),
		cmocka_unit_test(test_seamrr_layout_data_exactly_to_stacks_enospc),
		cmocka_unit_test(test_seamrr_layout_degenerate_inputs_enospc),
		cmocka_unit_test(test_seamrr_layout_max_x2apic_wraps_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
