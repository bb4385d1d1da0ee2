/*
 * The SEAMCALL register frame and TDH.* leaf numbers (reference
 * tdx-abi.md 1.1-1.2).
 */
#ifndef TDX_TDX_SEAMCALL_H
#define TDX_TDX_SEAMCALL_H

#include <tdx/tdx_types.h>

/*
 * The GPRs a SEAMCALL passes in and gets back.  RAX holds the leaf on
 * entry and the completion status on return; registers a leaf does not
 * output are preserved.
 */
struct tdx_module_args {
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t r8;
	uint64_t r9;
	uint64_t r10;
	uint64_t r11;
	uint64_t r12;
	uint64_t r13;
	uint64_t r14;
	uint64_t r15;
	uint64_t rbx;
	uint64_t rdi;
	uint64_t rsi;
};

/* RAX on input: bits 15:0 leaf, 23:16 version, 63:24 reserved (0). */
#define TDX_LEAF_NUM_MASK	TDX_GENMASK(15, 0)
#define TDX_LEAF_VERSION_MASK	TDX_GENMASK(23, 16)
#define TDX_LEAF_RESERVED_MASK	TDX_GENMASK(62, 24)
#define TDX_LEAF_VERSION(v)	((uint64_t)(v) << 16)

#define TDH_VP_ENTER			0
#define TDH_MNG_ADDCX			1
#define TDH_MEM_PAGE_ADD		2
#define TDH_MEM_SEPT_ADD		3
#define TDH_VP_ADDCX			4
#define TDH_MEM_PAGE_RELOCATE		5
#define TDH_MEM_PAGE_AUG		6
#define TDH_MEM_RANGE_BLOCK		7
#define TDH_MNG_KEY_CONFIG		8
#define TDH_MNG_CREATE			9
#define TDH_VP_CREATE			10
#define TDH_MNG_RD			11
#define TDH_MEM_RD			12
#define TDH_MNG_WR			13
#define TDH_MEM_WR			14
#define TDH_MEM_PAGE_DEMOTE		15
#define TDH_MR_EXTEND			16
#define TDH_MR_FINALIZE			17
#define TDH_VP_FLUSH			18
#define TDH_MNG_VPFLUSHDONE		19
#define TDH_MNG_KEY_FREEID		20
#define TDH_MNG_INIT			21
#define TDH_VP_INIT			22
#define TDH_MEM_PAGE_PROMOTE		23
#define TDH_PHYMEM_PAGE_RDMD		24
#define TDH_MEM_SEPT_RD			25
#define TDH_VP_RD			26
#define TDH_MNG_KEY_RECLAIMID		27
#define TDH_PHYMEM_PAGE_RECLAIM		28
#define TDH_MEM_PAGE_REMOVE		29
#define TDH_MEM_SEPT_REMOVE		30
#define TDH_SYS_KEY_CONFIG		31
#define TDH_SYS_INFO			32
#define TDH_SYS_INIT			33
#define TDH_SYS_RD			34
#define TDH_SYS_LP_INIT			35
#define TDH_SYS_TDMR_INIT		36
#define TDH_SYS_RDALL			37
#define TDH_MEM_TRACK			38
#define TDH_MEM_RANGE_UNBLOCK		39
#define TDH_PHYMEM_CACHE_WB		40
#define TDH_PHYMEM_PAGE_WBINVD		41
#define TDH_VP_WR			43
#define TDH_SYS_LP_SHUTDOWN		44
#define TDH_SYS_CONFIG			45
#define TDH_SYS_SHUTDOWN		52
#define TDH_SYS_UPDATE			53

#endif /* TDX_TDX_SEAMCALL_H */
