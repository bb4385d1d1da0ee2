/*
 * The guest side of TDX: TDG.* leaf numbers, the TDG.VP.VMCALL (GHCI)
 * sub-functions and statuses, and the VMX exit reasons a TD exit and
 * VE_INFO carry.  Reference tdx-abi.md 1.4 and 2.
 */
#ifndef TDX_TDCALL_H
#define TDX_TDCALL_H

#include <stdint.h>

#include "tdx_types.h"

/* TDCALL leaves (RAX bits 15:0; version in 23:16). */
#define TDG_VP_VMCALL		0
#define TDG_VP_INFO		1
#define TDG_MR_RTMR_EXTEND	2
#define TDG_VP_VEINFO_GET	3
#define TDG_MR_REPORT		4
#define TDG_VP_CPUIDVE_SET	5
#define TDG_MEM_PAGE_ACCEPT	6
#define TDG_VM_RD		7
#define TDG_VM_WR		8
#define TDG_VP_RD		9
#define TDG_VP_WR		10
#define TDG_SYS_RD		11
#define TDG_SYS_RDALL		12

/* The instruction: 66 0F 01 CC. */
#define TDCALL_INSN_LEN		4

/* TDG.VP.VMCALL: RCX mask bits that must be 0 (RAX, RCX, RSP), and RBP's. */
#define TDVMCALL_MASK_FORBIDDEN	(TDX_BIT(0) | TDX_BIT(1) | TDX_BIT(4))
#define TDVMCALL_MASK_RBP	TDX_BIT(5)
#define TDVMCALL_MASK_GPRS	0xFFFFULL
#define TDVMCALL_MASK_XMMS	0xFFFF0000ULL

/* GHCI sub-functions (R11 when R10 = 0). */
#define TDVMCALL_CPUID			10
#define TDVMCALL_HLT			12
#define TDVMCALL_IO			30
#define TDVMCALL_RDMSR			31
#define TDVMCALL_WRMSR			32
#define TDVMCALL_MMIO			48
#define TDVMCALL_WBINVD			54
#define TDVMCALL_GET_TD_VM_CALL_INFO	0x10000
#define TDVMCALL_MAP_GPA		0x10001
#define TDVMCALL_GET_QUOTE		0x10002
#define TDVMCALL_REPORT_FATAL_ERROR	0x10003
#define TDVMCALL_SETUP_EVENT_NOTIFY	0x10004

/* TDG.VP.VMCALL statuses (R10 on return). */
#define TDVMCALL_STATUS_SUCCESS		0x0000000000000000ULL
#define TDVMCALL_STATUS_RETRY		0x0000000000000001ULL
#define TDVMCALL_STATUS_INVALID_OPERAND	0x8000000000000000ULL
#define TDVMCALL_STATUS_GPA_INUSE	0x8000000000000001ULL
#define TDVMCALL_STATUS_ALIGN_ERROR	0x8000000000000002ULL
#define TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED 0x8000000000000003ULL

/* VMX basic exit reasons used by TD exits and VE_INFO. */
#define EXIT_REASON_EXTERNAL_INTERRUPT	1
#define EXIT_REASON_TRIPLE_FAULT	2
#define EXIT_REASON_CPUID		10
#define EXIT_REASON_HLT			12
#define EXIT_REASON_VMCALL		18
#define EXIT_REASON_IO_INSTRUCTION	30
#define EXIT_REASON_MSR_READ		31
#define EXIT_REASON_MSR_WRITE		32
#define EXIT_REASON_EPT_VIOLATION	48
#define EXIT_REASON_TDCALL		77

/* EPT-violation exit qualification bits (SDM 28.2.1). */
#define EPT_QUAL_READ		TDX_BIT(0)
#define EPT_QUAL_WRITE		TDX_BIT(1)
#define EPT_QUAL_FETCH		TDX_BIT(2)
#define EPT_QUAL_GPA_VALID	TDX_BIT(7)

/* TD exit extended exit qualification (RDX) types, bits 3:0. */
#define TDX_EEQ_NONE			0
#define TDX_EEQ_ACCEPT			1
#define TDX_EEQ_PENDING_EPT_VIOLATION	6

/* The #VE vector and VE_INFO.VALID. */
#define X86_VECTOR_DF		8
#define X86_VECTOR_UD		6
#define X86_VECTOR_GP		13
#define X86_VECTOR_MC		18
#define X86_VECTOR_VE		20
#define VE_INFO_VALID		0xFFFFFFFFU

#endif /* TDX_TDCALL_H */
