/*
 * Architectural structures of the host interface (reference tdx-abi.md
 * 4.4-4.5): TDMR_INFO, CMR_INFO, PAMT page types, TDSYSINFO_STRUCT.
 */
#ifndef TDX_TDX_ARCH_H
#define TDX_TDX_ARCH_H

#include <tdx/tdx_types.h>

/* ---- TDMRs (input of TDH.SYS.CONFIG) ---- */

#define TDX_MAX_TDMRS			64
#define TDX_MAX_RESERVED_PER_TDMR	16
#define TDMR_INFO_ALIGNMENT		512
#define TDMR_INFO_PA_ARRAY_ALIGNMENT	512
#define TDMR_ALIGNMENT			TDX_SZ_1G

struct tdmr_reserved_area {
	uint64_t offset;		/* from TDMR_BASE, 4 KiB aligned */
	uint64_t size;			/* 0 ends the list */
} TDX_PACKED;

struct tdmr_info {
	uint64_t base;
	uint64_t size;
	uint64_t pamt_1g_base;
	uint64_t pamt_1g_size;
	uint64_t pamt_2m_base;
	uint64_t pamt_2m_size;
	uint64_t pamt_4k_base;
	uint64_t pamt_4k_size;
	struct tdmr_reserved_area reserved_areas[TDX_MAX_RESERVED_PER_TDMR];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdmr_info, 320);

/* ---- CMR_INFO (output of TDH.SYS.INFO) ---- */

#define TDX_MAX_CMRS			32
#define CMR_INFO_ARRAY_ALIGNMENT	512
struct cmr_info {
	uint64_t base;
	uint64_t size;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct cmr_info, 16);

/* ---- PAMT ---- */

enum pamt_page_size {
	TDX_PS_4K = 0,
	TDX_PS_2M = 1,
	TDX_PS_1G = 2,
	TDX_PS_NR = 3,
};

/* Page types (PAMT PAGE_TYPE; RCX of PHYMEM.PAGE.RDMD and RECLAIM). */
enum pamt_page_type {
	PT_NDA = 0,
	PT_RSVD = 1,
	PT_REG = 3,
	PT_TDR = 4,
	PT_TDCX = 5,
	PT_TDVPR = 6,
	PT_EPT = 8,
};

#define TDX_PAMT_ENTRY_SIZE		16

/* ---- TDSYSINFO_STRUCT (legacy TDH.SYS.INFO output) ---- */

#define TDSYSINFO_STRUCT_SIZE		1024
#define TDSYSINFO_STRUCT_ALIGNMENT	1024
#define TDX_MAX_CPUID_CONFIG		32

struct cpuid_config {
	uint32_t leaf;
	uint32_t sub_leaf;		/* 0xFFFFFFFF: no sub-leaf */
	uint32_t eax;
	uint32_t ebx;
	uint32_t ecx;
	uint32_t edx;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct cpuid_config, 24);

struct tdsysinfo_struct {
	uint32_t attributes;
	uint32_t vendor_id;
	uint32_t build_date;
	uint16_t build_num;
	uint16_t minor_version;
	uint16_t major_version;
	uint8_t sys_rd;
	uint8_t reserved0[13];
	uint16_t max_tdmrs;
	uint16_t max_reserved_per_tdmr;
	uint16_t pamt_entry_size;
	uint8_t reserved1[10];
	uint16_t tdcs_base_size;
	uint8_t reserved2[2];
	uint16_t tdvps_base_size;
	uint8_t tdvps_xfam_dependent_size;
	uint8_t reserved3[9];
	uint64_t attributes_fixed0;
	uint64_t attributes_fixed1;
	uint64_t xfam_fixed0;
	uint64_t xfam_fixed1;
	uint8_t reserved4[32];
	uint32_t num_cpuid_config;
	struct cpuid_config cpuid_configs[37];
	uint8_t reserved5[4];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdsysinfo_struct, TDSYSINFO_STRUCT_SIZE);
TDX_STATIC_ASSERT(__builtin_offsetof(struct tdsysinfo_struct, cpuid_configs) == 132,
		  "CPUID_CONFIG at 132");

/* ---- TD_PARAMS (input of TDH.MNG.INIT, reference tdx-abi.md 4.1) ---- */

#define TD_PARAMS_ALIGNMENT		1024
#define TD_PARAMS_NUM_CPUID_CONFIG	48	/* 16-byte entries in the 768-byte area */
#define EPTP_MT_WB			6
#define EPTP_PWL_4			3	/* page-walk length minus one */
#define EPTP_PWL_5			4
#define TD_EPTP_CONTROLS_4LEVEL		(EPTP_MT_WB | (EPTP_PWL_4 << 3))	/* 0x1E */
#define CONFIG_FLAGS_GPAW		TDX_BIT(0)
#define CONFIG_FLAGS_FLEXIBLE_PENDING_VE	TDX_BIT(1)
#define CONFIG_FLAGS_NO_RBP_MOD		TDX_BIT(2)

/* TD ATTRIBUTES bits (reference tdx-abi.md 4.2). */
#define TDX_TD_ATTR_DEBUG		TDX_BIT(0)
#define TDX_TD_ATTR_SEPT_VE_DISABLE	TDX_BIT(28)
#define TDX_TD_ATTR_MIGRATABLE		TDX_BIT(29)
#define TDX_TD_ATTR_PKS			TDX_BIT(30)
#define TDX_TD_ATTR_KL			TDX_BIT(31)
#define TDX_TD_ATTR_PERFMON		TDX_BIT(63)

/* TDCS.TD_CTLS bits (reference tdx-abi.md 2.2, 4.2); 1.5 lets the guest write bit 0. */
#define TDX_TD_CTLS_PENDING_VE_DISABLE	TDX_BIT(0)
#define TDX_TD_CTLS_ENUM_TOPOLOGY	TDX_BIT(1)
#define TDX_TD_CTLS_VIRT_CPUID2		TDX_BIT(2)
#define TDX_TD_CTLS_REDUCE_VE		TDX_BIT(3)
#define TDX_TD_CTLS_LOCK		TDX_BIT(63)

struct td_params {
	uint64_t attributes;
	uint64_t xfam;
	uint16_t max_vcpus;
	uint8_t num_l2_vms;
	uint8_t msr_config_ctls;
	uint32_t reserved0;
	uint64_t eptp_controls;
	uint64_t config_flags;
	uint16_t tsc_frequency;
	uint8_t reserved1[38];
	uint8_t mrconfigid[48];
	uint8_t mrowner[48];
	uint8_t mrownerconfig[48];
	uint64_t ia32_arch_capabilities_config;
	uint8_t reserved2[24];
	uint8_t cpuid_config[768];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct td_params, 1024);

#endif /* TDX_TDX_ARCH_H */
