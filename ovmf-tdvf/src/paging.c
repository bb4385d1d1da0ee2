/*
 * The shared alias: VA TDVF_SHARED_ALIAS_VA + x (x < 4 GiB) maps GPA
 * x | shared bit, through PDPT[4..7] and the four PDs at TDVF_PD_SHARED.
 * Private memory stays identity-mapped below 4 GiB (reset.S).  Also the
 * private <-> shared conversion of a range: TDG.VP.VMCALL<MapGPA>, and on
 * the way back to private a fresh TDG.MEM.PAGE.ACCEPT of every page.
 */
#include "accept.h"
#include "fw.h"
#include "tdvf_layout.h"
#include "tdx_guest.h"

#include <tdx/tdvf.h>

void paging_map_shared_alias(void)
{
	uint64_t *pdpt = (uint64_t *)TDVF_PDPT;
	uint64_t *pd = (uint64_t *)TDVF_PD_SHARED;
	uint64_t cr3;

	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | tdvf.shared_mask | TDVF_PTE_P | TDVF_PTE_RW | TDVF_PTE_PS;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[4 + i] = (TDVF_PD_SHARED + (i << 12)) | TDVF_PTE_P | TDVF_PTE_RW;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
}

void *shared_va(uint64_t gpa)
{
	return (void *)(uintptr_t)(TDVF_SHARED_ALIAS_VA + gpa);
}

static uint64_t accept_one(uint64_t gpa, unsigned int level, void *ctx)
{
	(void)ctx;
	return tdg_mem_page_accept(gpa, level);
}

void tdvf_convert(uint64_t gpa, uint64_t size, int to_shared)
{
	struct accept_stats st = { 0 };
	uint64_t rc;

	if (!tdvf.is_td)
		return;
	rc = tdvmcall_map_gpa(to_shared ? gpa | tdvf.shared_mask : gpa, size);
	if (rc)
		tdvf_fatal("MapGPA 0x%lx+0x%lx to %s failed: 0x%lx", gpa, size,
			   to_shared ? "shared" : "private", rc);
	if (!to_shared && accept_range(gpa, size, accept_one, NULL, &st))
		tdvf_fatal("accepting 0x%lx after conversion to private failed: 0x%lx",
			   st.failed_gpa, st.failed_status);
}
