/*
 * The module's MSR table (reference tdx-abi.md 6.3, module 1.5.01).
 *
 * Each row gives, per direction, the bitmap setting (fixed pass-through,
 * fixed intercept, or dependent on a TD feature) folded together with the
 * action on interception:
 *	NAT	FIXED_0: passed through.  (Its table action, FATAL_ERROR, is
 *		for an exit that cannot happen.)
 *	EMU	FIXED_1 / OTHER: the module emulates it; here the vCPU engine's
 *		own emulation answers, so it is passed through as well.
 *	VE	#VE.
 *	GP	#GP(0).
 *	GPVE	#GP if the feature is not in the TD's CPUID, else #VE.  The
 *		features behind these rows (MKTME, DCA, TME) are never given
 *		to a TD here; TSC deadline is checked in CPUID(1).ECX[24].
 *	DYN_*	passed through when the TD has the feature, else #GP (the
 *		table's DYN rows all say GP, except MISC_ENABLE and
 *		PERF_CAPABILITIES reads, which are emulated: NAT).
 * MSRs in no row, and outside the two bitmap ranges, are #VE.
 */
#include "metadata.h"
#include "td_msr.h"

enum rule {
	NAT, EMU, VE, GP, GPVE, GPVE_TSC_DEADLINE,
	DYN_PERFMON, DYN_PT, DYN_CET, DYN_PKS, DYN_ULI, DYN_LBR, DYN_TSX, DYN_UMWAIT, DYN_XFD,
};

struct msr_row {
	uint32_t first, last;
	uint8_t rd, wr;
};

static const struct msr_row msr_table[] = {
	{ 0x10, 0x10, NAT, VE },			/* IA32_TIME_STAMP_COUNTER */
	{ 0x48, 0x49, NAT, NAT },			/* SPEC_CTRL, PRED_CMD */
	{ 0x87, 0x87, GPVE, GPVE },			/* MKTME_PARTITIONING */
	{ 0x8c, 0x8f, GP, GP },				/* SGXLEPUBKEYHASH0..3 */
	{ 0x98, 0x9b, GP, GP },				/* WBINVDP, WBNOINVDP, INTR_PENDING, SMM_MONITOR_CTL */
	{ 0x9e, 0x9e, GP, GP },				/* SMBASE */
	{ 0xbc, 0xbc, NAT, VE },			/* MISC_PACKAGE_CTLS */
	{ 0xbd, 0xbd, EMU, NAT },			/* XAPIC_DISABLE_STATUS */
	{ 0xc1, 0xc8, DYN_PERFMON, DYN_PERFMON },	/* PMC0..7 */
	{ 0xe1, 0xe1, DYN_UMWAIT, DYN_UMWAIT },		/* UMWAIT_CONTROL */
	{ 0x10a, 0x10a, EMU, NAT },			/* ARCH_CAPABILITIES */
	{ 0x10b, 0x10b, NAT, NAT },			/* FLUSH_CMD */
	{ 0x122, 0x122, DYN_TSX, DYN_TSX },		/* TSX_CTRL */
	{ 0x174, 0x176, NAT, NAT },			/* SYSENTER_CS/ESP/EIP */
	{ 0x186, 0x18d, DYN_PERFMON, DYN_PERFMON },	/* PERFEVTSEL0..7 */
	{ 0x195, 0x195, GP, GP },			/* OVERCLOCKING_STATUS */
	{ 0x1a0, 0x1a0, EMU, VE },			/* MISC_ENABLE */
	{ 0x1a6, 0x1a7, DYN_PERFMON, DYN_PERFMON },	/* OFFCORE_RSP0..1 */
	{ 0x1c4, 0x1c5, DYN_XFD, DYN_XFD },		/* XFD, XFD_ERR */
	{ 0x1d9, 0x1d9, EMU, EMU },			/* DEBUGCTL */
	{ 0x1f8, 0x1fa, GPVE, GPVE },			/* PLATFORM/CPU/DCA_0 DCA caps */
	{ 0x276, 0x276, GP, GP },			/* SLAM_ENABLE */
	{ 0x277, 0x277, NAT, NAT },			/* PAT */
	{ 0x309, 0x310, DYN_PERFMON, DYN_PERFMON },	/* FIXED_CTR0..7 */
	{ 0x329, 0x329, DYN_PERFMON, DYN_PERFMON },	/* PERF_METRICS */
	{ 0x345, 0x345, EMU, DYN_PERFMON },		/* PERF_CAPABILITIES */
	{ 0x38d, 0x392, DYN_PERFMON, DYN_PERFMON },	/* FIXED_CTR_CTRL .. PERF_GLOBAL_INUSE */
	{ 0x3f1, 0x3f2, DYN_PERFMON, DYN_PERFMON },	/* PEBS_ENABLE, PEBS_MATRIX_VECT */
	{ 0x3f6, 0x3f7, DYN_PERFMON, DYN_PERFMON },	/* PEBS_LD_LATENCY, PEBS_FRONTEND */
	{ 0x480, 0x480, EMU, GP },			/* VMX_BASIC */
	{ 0x481, 0x484, VE, GP },			/* VMX_{PINBASED,PROCBASED,EXIT,ENTRY}_CTLS */
	{ 0x485, 0x489, EMU, GP },			/* VMX_MISC, CR0/CR4 fixed */
	{ 0x48a, 0x48a, VE, GP },			/* VMX_VMCS_ENUM */
	{ 0x48b, 0x492, EMU, GP },			/* the rest of the VMX capability MSRs */
	{ 0x4c1, 0x4c8, DYN_PERFMON, DYN_PERFMON },	/* A_PMC0..7 */
	{ 0x500, 0x500, GP, GP },			/* SGX_SVN_STATUS */
	{ 0x560, 0x561, DYN_PT, DYN_PT },		/* RTIT_OUTPUT_BASE, _MASK_PTRS */
	{ 0x570, 0x572, DYN_PT, DYN_PT },		/* RTIT_CTL, _STATUS, _CR3_MATCH */
	{ 0x580, 0x587, DYN_PT, DYN_PT },		/* RTIT_ADDR0_A .. ADDR3_B */
	{ 0x600, 0x600, NAT, NAT },			/* DS_AREA */
	{ 0x6a0, 0x6a0, DYN_CET, DYN_CET },		/* U_CET */
	{ 0x6a2, 0x6a2, DYN_CET, DYN_CET },		/* S_CET */
	{ 0x6a4, 0x6a8, DYN_CET, DYN_CET },		/* PL0..3_SSP, INTERRUPT_SSP_TABLE_ADDR */
	{ 0x6e0, 0x6e0, GPVE_TSC_DEADLINE, GPVE_TSC_DEADLINE },	/* TSC_DEADLINE */
	{ 0x6e1, 0x6e1, DYN_PKS, DYN_PKS },		/* PKRS */
	{ 0x981, 0x984, GPVE, GPVE },			/* TME_CAPABILITY .. EXCLUDE_BASE */
	{ 0x985, 0x98a, DYN_ULI, DYN_ULI },		/* UINTR_* */
	{ 0xc80, 0xc80, NAT, VE },			/* DEBUG_INTERFACE */
	{ 0xd90, 0xd90, GP, GP },			/* BNDCFGS */
	{ 0xd93, 0xd93, GP, GP },			/* PASID */
	{ 0xda0, 0xda0, NAT, EMU },			/* XSS */
	{ 0x1200, 0x12ff, DYN_LBR, DYN_LBR },		/* LBR_INFO_0..255 */
	{ 0x14ce, 0x14cf, DYN_LBR, DYN_LBR },		/* LBR_CTL, LBR_DEPTH */
	{ 0x1500, 0x16ff, DYN_LBR, DYN_LBR },		/* LBR_x_FROM_IP, LBR_x_TO_IP */
	{ 0x1b01, 0x1b01, NAT, NAT },			/* UARCH_MISC_CTL */
	{ 0xc0000080, 0xc0000080, NAT, EMU },		/* EFER */
	{ 0xc0000081, 0xc0000082, NAT, NAT },		/* STAR, LSTAR */
	{ 0xc0000084, 0xc0000084, NAT, NAT },		/* FMASK */
	{ 0xc0000100, 0xc0000103, NAT, NAT },		/* FSBASE, GSBASE, KERNEL_GS_BASE, TSC_AUX */
};

#define ATTR_PERFMON		(1ULL << 63)
#define ATTR_PKS		(1ULL << 30)
#define XFAM_PT			(1ULL << 8)
#define XFAM_CET		((1ULL << 11) | (1ULL << 12))
#define XFAM_ULI		(1ULL << 14)
#define XFAM_LBR		(1ULL << 15)
#define XFAM_AMX		((1ULL << 17) | (1ULL << 18))

enum { EAX, EBX, ECX, EDX };

/* A bit of the TD's configured CPUID (TD_PARAMS), 0 when the leaf is not configurable. */
static bool td_cpuid_bit(const struct td *td, uint32_t leaf, uint32_t subleaf, int reg,
			 unsigned int bit)
{
	for (unsigned int i = 0; i < sizeof(td->cpuid_values) / sizeof(td->cpuid_values[0]); i++) {
		uint32_t l, s;

		if (md_cpuid_config_leaf(i, &l, &s) && l == leaf && (s == ~0U || s == subleaf))
			return (td->cpuid_values[i][reg] >> bit) & 1;
	}
	return false;
}

static bool feature(const struct td *td, enum rule r)
{
	switch (r) {
	case DYN_PERFMON:
		return td->attributes & ATTR_PERFMON;
	case DYN_PT:
		return td->xfam & XFAM_PT;
	case DYN_CET:
		return (td->xfam & XFAM_CET) == XFAM_CET;
	case DYN_PKS:
		return td->attributes & ATTR_PKS;
	case DYN_ULI:
		return td->xfam & XFAM_ULI;
	case DYN_LBR:
		return td->xfam & XFAM_LBR;
	case DYN_TSX:	/* HLE or RTM */
		return td_cpuid_bit(td, 7, 0, EBX, 4) || td_cpuid_bit(td, 7, 0, EBX, 11);
	case DYN_UMWAIT:	/* WAITPKG */
		return td_cpuid_bit(td, 7, 0, ECX, 5);
	case DYN_XFD:
		return (td->xfam & XFAM_AMX) && td_cpuid_bit(td, 0xD, 1, EAX, 4);
	default:
		return false;
	}
}

enum td_msr_action td_msr_action(const struct td *td, uint32_t msr, bool write)
{
	for (unsigned int i = 0; i < sizeof(msr_table) / sizeof(msr_table[0]); i++) {
		const struct msr_row *row = &msr_table[i];
		enum rule r;

		if (msr < row->first || msr > row->last)
			continue;
		r = write ? row->wr : row->rd;
		switch (r) {
		case NAT:
		case EMU:
			return TD_MSR_NATIVE;
		case VE:
			return TD_MSR_VE;
		case GP:
		case GPVE:
			return TD_MSR_GP;
		case GPVE_TSC_DEADLINE:
			return td_cpuid_bit(td, 1, 0, ECX, 24) ? TD_MSR_VE : TD_MSR_GP;
		default:
			return feature(td, r) ? TD_MSR_NATIVE : TD_MSR_GP;
		}
	}
	return TD_MSR_VE;
}
