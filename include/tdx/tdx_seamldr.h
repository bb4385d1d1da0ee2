/*
 * The SEAM loader ABI: P-SEAMLDR SEAMCALL leaves and statuses,
 * SEAMLDR_PARAMS, SEAMLDR_INFO, SEAMEXTEND, SEAM_SIGSTRUCT, the module's
 * SYSINFO_TABLE, the TDX-BLOB container and the NP-SEAMLDR ACM header
 * (reference tdx-abi.md 5.2-5.7).
 */
#ifndef TDX_TDX_SEAMLDR_H
#define TDX_TDX_SEAMLDR_H

#include <tdx/tdx_types.h>

/* P-SEAMLDR leaves: RAX bit 63 selects P-SEAMLDR as the SEAMCALL target. */
#define SEAMCALL_PSEAMLDR_BIT		TDX_BIT(63)
#define SEAMLDR_INFO			(SEAMCALL_PSEAMLDR_BIT | 0)
#define SEAMLDR_INSTALL			(SEAMCALL_PSEAMLDR_BIT | 1)
#define SEAMLDR_SHUTDOWN		(SEAMCALL_PSEAMLDR_BIT | 2)
#define SEAMLDR_SEAMINFO		(SEAMCALL_PSEAMLDR_BIT | 3)
#define SEAMLDR_CLEANUP			(SEAMCALL_PSEAMLDR_BIT | 4)

/* P-SEAMLDR (and NP-SEAMLDR) completion statuses. */
#define SEAMLDR_SUCCESS			0x0000000000000000ULL
#define SEAMLDR_EBADPARAM		0x8000000000000000ULL
#define SEAMLDR_EMODBUSY		0x8000000000000001ULL
#define SEAMLDR_EBADCALL		0x8000000000000003ULL
#define SEAMLDR_EBADHANDOFF		0x8000000000000004ULL
#define SEAMLDR_ECLEANUPREQ		0x8000000000000005ULL
#define SEAMLDR_EUNSUPPORTED		0x8000000000000006ULL
#define SEAMLDR_ENOMEM			0x8000000000010002ULL
#define SEAMLDR_EUNSPECERR		0x8000000000010003ULL
#define SEAMLDR_EUNSUPCPU		0x8000000000010004ULL
#define SEAMLDR_EBADSIG			0x8000000000020000ULL
#define SEAMLDR_EBADHASH		0x8000000000020001ULL
#define SEAMLDR_EINTERRUPT		0x8000000000030000ULL
#define SEAMLDR_ENOENTROPY		0x8000000000030001ULL

#define SEAMLDR_SCENARIO_LOAD		0
#define SEAMLDR_SCENARIO_UPDATE		1
#define SEAMLDR_MAX_NR_MODULE_PAGES	496
#define SEAMLDR_INFO_ALIGN		256
#define SEAMLDR_SEAMINFO_SIZE		2048

/* SEAMLDR_PARAMS: input of SEAMLDR.INSTALL, 4 KiB aligned. */
struct seamldr_params {
	uint32_t version;
	uint32_t scenario;
	uint64_t sigstruct_pa;
	uint8_t reserved[104];
	uint64_t num_module_pages;
	uint64_t mod_pages_pa_list[SEAMLDR_MAX_NR_MODULE_PAGES];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct seamldr_params, 4096);

/* SEAMEXTEND: the CPU register P-SEAMLDR fills after an install. */
#define SEAMEXTEND_VALID_ALL		0x1FFULL
struct seamextend {
	uint64_t valid;
	uint8_t tee_tcb_svn[16];	/* [0] minor SVN, [1] major SVN */
	uint8_t mrseam[48];
	uint8_t mrsigner[48];
	uint64_t attributes;
	uint8_t seam_ready;
	uint8_t system_under_debug;
	uint8_t p_seamldr_ready;
	uint8_t reserved[5];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct seamextend, 136);

/* SEAMLDR_INFO: output of SEAMLDR.INFO, 256-byte aligned. */
#define SEAMLDR_INFO_ATTR_DEBUG		TDX_BIT(31)
struct seamldr_info {
	uint32_t version;
	uint32_t attributes;
	uint32_t vendor_id;
	uint32_t build_date;
	uint16_t build_num;
	uint16_t minor;
	uint16_t major;
	uint16_t update_version;
	uint32_t acm_x2apicid;
	uint32_t num_remaining_updates;
	struct seamextend seamextend;
	uint64_t features0;
	uint8_t reserved[80];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct seamldr_info, 256);
#define SEAMLDR_FEATURES0_CLEANUP	TDX_BIT(1)

/*
 * SEAM_SIGSTRUCT (2048 bytes).  The RSA-3072 signature (PKCS#1 v1.5,
 * SHA-384) covers bytes 0..127 followed by bytes 900..2047.  Modulus and
 * signature are little-endian byte strings, as in an SGX SIGSTRUCT.
 */
#define SEAM_SIGSTRUCT_SIZE		2048
#define SEAM_SIGSTRUCT_HEADER_TYPE	6
#define SEAM_SIGSTRUCT_HEADER_LENGTH	0xE1
#define SEAM_SIGSTRUCT_HEADER_VERSION	0x00010000
#define SEAM_SIGSTRUCT_MODULE_DEBUG	TDX_BIT(31)
#define SEAM_SIGSTRUCT_VENDOR_INTEL	0x8086
#define SEAM_SIGSTRUCT_SIZE_DWORDS	0x200
#define SEAM_SIGSTRUCT_KEY_DWORDS	0x60
#define SEAM_SIGSTRUCT_EXPONENT		0x10001
#define SEAM_SIGSTRUCT_SIGNED_HEAD	128
#define SEAM_SIGSTRUCT_SIGNED_BODY_OFF	900
#define SEAM_SIGSTRUCT_MAX_CPUID	255
#define SEAM_RSA_BYTES			384

struct seam_sigstruct {
	uint32_t header_type;
	uint32_t header_length;
	uint32_t header_version;
	uint32_t module_type;
	uint32_t module_vendor;
	uint32_t date;
	uint32_t size;
	uint32_t key_size;
	uint32_t modulus_size;
	uint32_t exponent_size;
	uint8_t reserved0[88];
	uint8_t modulus[SEAM_RSA_BYTES];
	uint32_t exponent;
	uint8_t signature[SEAM_RSA_BYTES];
	uint8_t seamhash[48];
	uint16_t seamsvn;		/* byte 0 minor, byte 1 major */
	uint64_t attributes;
	uint32_t rip_offset;
	uint8_t num_stack_pages;
	uint8_t num_tls_pages;
	uint16_t num_keyhole_pages;
	uint16_t num_global_data_pages;
	uint16_t max_tdmrs;
	uint16_t max_rsvd_per_tdmr;
	uint16_t pamt_entry_size_4k;
	uint16_t pamt_entry_size_2m;
	uint16_t pamt_entry_size_1g;
	uint8_t reserved1[6];
	uint16_t module_hv;
	uint16_t min_update_hv;
	uint8_t no_downgrade;
	uint8_t reserved2;
	uint16_t num_handoff_pages;
	uint32_t gdt_idt_offset;
	uint32_t fault_wrapper_offset;
	uint8_t reserved3[24];
	uint32_t cpuid_table_size;
	uint32_t cpuid_table[SEAM_SIGSTRUCT_MAX_CPUID];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct seam_sigstruct, SEAM_SIGSTRUCT_SIZE);
TDX_STATIC_ASSERT(__builtin_offsetof(struct seam_sigstruct, seamhash) == 900,
		  "SEAMHASH at 900");
TDX_STATIC_ASSERT(__builtin_offsetof(struct seam_sigstruct, cpuid_table_size) == 1024,
		  "CPUID_TABLE_SIZE at 1024");
TDX_STATIC_ASSERT(__builtin_offsetof(struct seam_sigstruct, module_hv) == 984,
		  "MODULE_HV at 984");

#define SEAMSVN_MINOR(svn)		((uint8_t)((svn) & 0xFF))
#define SEAMSVN_MAJOR(svn)		((uint8_t)((svn) >> 8))
#define SEAMSVN(major, minor)		((uint16_t)(((major) << 8) | (minor)))
/* CPUID(1).EAX with the stepping (bits 3:0) masked, as the table holds it. */
#define SEAM_CPUID_FMS_MASK		0x0FFF3FF0U

/*
 * The module's SYSINFO_TABLE (4 KiB at the SEAMRR base).  The first 2 KiB
 * are written by MCHECK (P_SYS_INFO_TABLE); the loader fills the rest.
 */
#define SYSINFO_MAX_CMRS		32
#define SYSINFO_MAX_SOCKETS		8
#define SEAM_STATUS_NOT_LOADED		0
#define SEAM_STATUS_LOADED		1
#define SEAM_STATUS_LOAD_IN_PROGRESS	2

struct cmr_entry {
	uint64_t base;
	uint64_t size;
} TDX_PACKED;

struct mcheck_sysinfo {
	uint64_t version;
	uint32_t tot_num_lps;
	uint32_t tot_num_sockets;
	uint32_t socket_cpuid_table[SYSINFO_MAX_SOCKETS];
	uint64_t p_seamldr_range_base;
	uint64_t p_seamldr_range_size;
	uint8_t smrr2_not_supported;
	uint8_t tdx_without_integrity;
	uint8_t reserved0[62];
	struct cmr_entry cmr[SYSINFO_MAX_CMRS];
	uint8_t reserved1[1408];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct mcheck_sysinfo, 2048);

struct seam_sysinfo_table {
	struct mcheck_sysinfo mcheck;
	uint64_t seam_status;
	uint64_t code_rgn_base;
	uint64_t code_rgn_size;
	uint64_t data_rgn_base;
	uint64_t data_rgn_size;
	uint64_t stack_rgn_base;
	uint64_t stack_rgn_size;
	uint64_t keyhole_rgn_base;
	uint64_t keyhole_rgn_size;
	uint64_t keyhole_edit_rgn_base;
	uint64_t keyhole_edit_rgn_size;
	uint64_t num_stack_pages;
	uint64_t num_tls_pages;
	uint16_t module_hv;
	uint16_t min_update_hv;
	uint8_t no_downgrade;
	uint8_t reserved0;
	uint16_t num_handoff_pages;
	uint8_t reserved1[1936];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct seam_sysinfo_table, 4096);

/* SEAM range carve-up constants. */
#define P_SEAMLDR_RANGE_SIZE		TDX_SZ_32M

/* Linear layout of the module (ASLR offset ORed in, bits 46:34). */
#define SEAM_LA_CODE			0xFFFF800000000000ULL
#define SEAM_LA_STACK			0xFFFF800100000000ULL
#define SEAM_LA_KEYHOLE			0xFFFF800200000000ULL
#define SEAM_LA_DATA			0xFFFF800300000000ULL
#define SEAM_LA_SYSINFO			0xFFFF8003FFFF0000ULL
#define SEAM_LA_KEYHOLE_EDIT		0x0000000100000000ULL
#define SEAM_ASLR_MASK			0x7FFCULL
#define SEAM_ASLR_SHIFT			32

/*
 * TDX-BLOB v1 container (UEFI loader format): a 4 KiB header, the sigstruct
 * in one 4 KiB page, then the module pages.
 */
#define TDX_BLOB_VERSION		1
#define TDX_BLOB_SIGNATURE		"TDX-BLOB"
struct tdx_blob_header {
	uint16_t version;
	uint16_t checksum;		/* 16-bit word sum of the blob is 0 */
	uint32_t offset_of_module;
	char signature[8];
	uint32_t length;
	uint32_t reserved0;
	uint64_t reserved1[509];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdx_blob_header, 4096);

/*
 * NP-SEAMLDR ACM header (TXT chipset ACM, header version 3.0, RSA-3072).
 * Modulus and signature are little-endian.  The signature
 * (RSASSA-PKCS1-v1.5 over SHA-384 in tdx-emu; see np_seamldr.c) covers the
 * header with the key/signature/scratch fields excluded, then the body.
 */
#define ACM_MODULE_TYPE_CHIPSET		2
#define ACM_HEADER_VERSION_3		0x00030000
#define ACM_VENDOR_INTEL		0x8086
#define ACM_KEY_SIZE_DWORDS		96
#define ACM_SCRATCH_SIZE_V3		208
struct acm_header {
	uint16_t module_type;
	uint16_t module_sub_type;
	uint32_t header_len;		/* dwords */
	uint32_t header_version;
	uint16_t chipset_id;
	uint16_t flags;
	uint32_t module_vendor;
	uint32_t date;
	uint32_t size;			/* dwords, whole ACM */
	uint16_t txt_svn;
	uint16_t sgx_svn;
	uint32_t code_control;
	uint32_t error_entry_point;
	uint32_t gdt_limit;
	uint32_t gdt_base_ptr;
	uint32_t seg_sel;
	uint32_t entry_point;
	uint8_t reserved[64];
	uint32_t key_size;		/* dwords */
	uint32_t scratch_size;		/* dwords */
	uint8_t rsa_pub_key[SEAM_RSA_BYTES];
	uint8_t rsa_sig[SEAM_RSA_BYTES];
	uint8_t scratch[ACM_SCRATCH_SIZE_V3 * 4];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct acm_header, 128 + 384 + 384 + 832);
#define ACM_HEADER_SIGNED_PREFIX	120	/* bytes before key_size */

#endif /* TDX_TDX_SEAMLDR_H */
