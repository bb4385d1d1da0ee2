/*
 * The SEAMRR carve-up (install step 4, reference tdx-abi.md 5.6).
 *
 * Physical, from the SEAMRR base up: SYSINFO_TABLE (4 KiB), one SEAM
 * transfer VMCS per x2APIC id, the data region (handoff pages, per-LP
 * TLS, global data), the page tables; from the top of Module_Range down:
 * the code, and below it the per-LP stacks (data stack + shadow stack).
 * P_SEAMLDR_Range is the top 32 MiB of SEAMRR.  Linear bases are the
 * spec's, with the ASLR offset ORed in.
 */
#include <errno.h>
#include <string.h>

#include "pt.h"
#include "seam_loader.h"

#define PAGE TDX_PAGE_SIZE

/* The tables the module needs; @l must have every other field set. */
static int count_pt_pages(struct seam_module_layout *l, uint64_t *pages)
{
	struct pt_builder b;

	pt_init(&b, 0);
	pt_map(&b, l->code_la, 0, l->code_size / PAGE, PTE_P);
	pt_map(&b, l->stack_la, 0, l->stack_size / PAGE, PTE_P);
	pt_map(&b, l->data_la, 0, l->data_size / PAGE, PTE_P);
	pt_map(&b, l->sysinfo_la, 0, 1, PTE_P);
	pt_ensure(&b, l->keyhole_la, l->keyhole_size / PAGE);
	pt_map(&b, l->keyhole_edit_la, 0, l->keyhole_edit_size / PAGE, PTE_P);
	*pages = pt_nr_pages(&b);
	pt_fini(&b);
	return b.failed ? -ENOMEM : 0;
}

int seamrr_layout_compute(const struct seam_sigstruct *sig, uint64_t num_module_pages,
			  unsigned int nr_lps, uint32_t max_x2apic,
			  uint64_t seamrr_base, uint64_t seamrr_size, uint64_t aslr,
			  struct seam_module_layout *l)
{
	uint64_t module_end, data_end, pt_pages, keyhole_pages;
	int ret;

	memset(l, 0, sizeof(*l));
	if (seamrr_size <= P_SEAMLDR_RANGE_SIZE || !nr_lps || !num_module_pages ||
	    max_x2apic >= PLATFORM_MAX_LPS * 64 || max_x2apic + 1 < nr_lps)
		return -ENOSPC;
	l->nr_lps = nr_lps;
	l->nr_vmcs = max_x2apic + 1;
	l->seamrr_base = seamrr_base;
	l->seamrr_size = seamrr_size;
	l->p_seamldr_range_base = seamrr_base + seamrr_size - P_SEAMLDR_RANGE_SIZE;
	l->module_range_base = seamrr_base;
	l->module_range_size = l->p_seamldr_range_base - seamrr_base;
	module_end = l->p_seamldr_range_base;

	l->sysinfo_pa = seamrr_base;
	l->vmcs_pa = seamrr_base + PAGE;
	l->data_pa = l->vmcs_pa + (uint64_t)l->nr_vmcs * PAGE;
	l->handoff_size = ((uint64_t)sig->num_handoff_pages + 1) * PAGE;
	l->tls_size = ((uint64_t)sig->num_tls_pages + 1) * PAGE;
	l->global_data_size = ((uint64_t)sig->num_global_data_pages + 1) * PAGE;
	l->data_size = l->handoff_size + l->tls_size * nr_lps + l->global_data_size;
	data_end = l->data_pa + l->data_size;

	l->code_size = num_module_pages * PAGE;
	l->stack_per_lp = ((uint64_t)sig->num_stack_pages + 1) * PAGE + PAGE;
	l->stack_size = l->stack_per_lp * nr_lps;
	if (l->code_size + l->stack_size > l->module_range_size)
		return -ENOSPC;
	l->code_pa = module_end - l->code_size;
	l->stack_pa = l->code_pa - l->stack_size;
	if (l->stack_pa < data_end)
		return -ENOSPC;

	aslr = (aslr & SEAM_ASLR_MASK) << SEAM_ASLR_SHIFT;
	l->aslr = aslr;
	l->code_la = SEAM_LA_CODE | aslr;
	l->stack_la = SEAM_LA_STACK | aslr;
	l->keyhole_la = SEAM_LA_KEYHOLE | aslr;
	l->data_la = SEAM_LA_DATA | aslr;
	l->sysinfo_la = SEAM_LA_SYSINFO | aslr;
	l->keyhole_edit_la = SEAM_LA_KEYHOLE_EDIT | aslr;
	l->keyhole_per_lp = ((uint64_t)sig->num_keyhole_pages + 1) * PAGE;
	l->keyhole_size = l->keyhole_per_lp * nr_lps;
	/* The keyhole-edit region maps the leaf tables behind the keyholes. */
	keyhole_pages = l->keyhole_size / PAGE;
	l->keyhole_edit_size = ((keyhole_pages + 511) / 512) * PAGE;

	ret = count_pt_pages(l, &pt_pages);
	if (ret)
		return ret;
	l->pt_pa = data_end;
	l->pt_size = pt_pages * PAGE;
	if (l->pt_pa + l->pt_size > l->stack_pa)
		return -ENOSPC;
	return 0;
}
