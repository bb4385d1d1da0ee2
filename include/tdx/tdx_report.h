/*
 * TDREPORT_STRUCT, the output of TDG.MR.REPORT (reference tdx-abi.md 4.3,
 * attestation.md 2.1), and its three parts: REPORTMACSTRUCT, TEE_TCB_INFO
 * and TDINFO_STRUCT.  Spec field names, packed, sizes and offsets
 * asserted, so the module, the quoting side and tdxctl share one layout.
 *
 * How the parts are bound together:
 *
 *	REPORTMACSTRUCT.TEE_TCB_INFO_HASH = SHA-384(TEE_TCB_INFO, 239 bytes)
 *	REPORTMACSTRUCT.TEE_INFO_HASH     = SHA-384(TDINFO_STRUCT, 512 bytes)
 *	REPORTMACSTRUCT.MAC = HMAC-SHA-256(report key,
 *	                                   REPORTMACSTRUCT bytes [0, 224))
 *
 * The MAC algorithm and key are tdx-emu's choice (hardware keeps both
 * inside the CPU); seam/platform/include/platform_seam.h defines the key.
 */
#ifndef TDX_TDX_REPORT_H
#define TDX_TDX_REPORT_H

#include <tdx/tdx_types.h>

#define TDX_REPORT_SIZE			1024
#define TDX_REPORT_ALIGNMENT		1024
#define TDX_REPORTDATA_SIZE		64
#define TDX_REPORTDATA_ALIGNMENT	64
#define TDX_REPORT_MAC_SIZE		32
#define TDX_SHA384_SIZE			48

/* REPORTTYPE (4 bytes at REPORTMACSTRUCT offset 0). */
#define TDX_REPORTTYPE_TDX		0x81	/* TYPE: TDX ("report type 2"); 0 is SGX */
#define TDX_REPORTSUBTYPE_TD		0	/* SUBTYPE: the only one TDG.MR.REPORT takes */
/* VERSION: 0 while no service TD is bound (TDINFO.SERVTD_HASH unused), 1 otherwise. */
#define TDX_REPORTVERSION_NO_SERVTD	0
#define TDX_REPORTVERSION_SERVTD	1

struct reportmacstruct {
	uint8_t report_type;
	uint8_t report_subtype;
	uint8_t report_version;
	uint8_t reserved0;
	uint8_t reserved1[12];
	uint8_t cpusvn[16];
	uint8_t tee_tcb_info_hash[TDX_SHA384_SIZE];
	uint8_t tee_info_hash[TDX_SHA384_SIZE];
	uint8_t reportdata[TDX_REPORTDATA_SIZE];
	uint8_t reserved2[32];
	uint8_t mac[TDX_REPORT_MAC_SIZE];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct reportmacstruct, 256);
TDX_STATIC_ASSERT(__builtin_offsetof(struct reportmacstruct, cpusvn) == 16, "CPUSVN at 16");
TDX_STATIC_ASSERT(__builtin_offsetof(struct reportmacstruct, reportdata) == 128,
		  "REPORTDATA at 128");
TDX_STATIC_ASSERT(__builtin_offsetof(struct reportmacstruct, mac) == 224, "MAC at 224");

/* The MAC covers REPORTMACSTRUCT up to the MAC itself. */
#define TDX_REPORTMAC_MACED_BYTES	224

/*
 * TEE_TCB_INFO.VALID: bit i set means the 8 bytes at offset 8 * i are
 * populated.  0x1FF = VALID, TEE_TCB_SVN and MRSEAM (the TDX 1.0 value);
 * MRSIGNERSEAM (0 for the vendor's module) and ATTRIBUTES are left out.
 */
#define TDX_TEE_TCB_INFO_VALID		0x1FFULL

struct tee_tcb_info {
	uint64_t valid;
	uint8_t tee_tcb_svn[16];	/* [0] module minor SVN, [1] major SVN */
	uint8_t mrseam[TDX_SHA384_SIZE];
	uint8_t mrsignerseam[TDX_SHA384_SIZE];
	uint64_t attributes;		/* SEAM attributes, 0 */
	uint8_t tee_tcb_svn2[16];	/* TDX 1.5; 0 in tdx-emu */
	uint8_t reserved[95];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tee_tcb_info, 239);
TDX_STATIC_ASSERT(__builtin_offsetof(struct tee_tcb_info, mrseam) == 24, "MRSEAM at 24");
TDX_STATIC_ASSERT(__builtin_offsetof(struct tee_tcb_info, attributes) == 120,
		  "ATTRIBUTES at 120");

struct tdinfo_struct {
	uint64_t attributes;
	uint64_t xfam;
	uint8_t mrtd[TDX_SHA384_SIZE];
	uint8_t mrconfigid[TDX_SHA384_SIZE];
	uint8_t mrowner[TDX_SHA384_SIZE];
	uint8_t mrownerconfig[TDX_SHA384_SIZE];
	uint8_t rtmr[4][TDX_SHA384_SIZE];
	uint8_t servtd_hash[TDX_SHA384_SIZE];	/* TDX 1.5; 0 with no service TD */
	uint8_t reserved[64];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdinfo_struct, 512);
TDX_STATIC_ASSERT(__builtin_offsetof(struct tdinfo_struct, mrtd) == 16, "MRTD at 16");
TDX_STATIC_ASSERT(__builtin_offsetof(struct tdinfo_struct, rtmr) == 208, "RTMR at 208");
TDX_STATIC_ASSERT(__builtin_offsetof(struct tdinfo_struct, servtd_hash) == 400,
		  "SERVTD_HASH at 400");

struct tdreport_struct {
	struct reportmacstruct reportmacstruct;
	struct tee_tcb_info tee_tcb_info;
	uint8_t reserved[17];
	struct tdinfo_struct tdinfo;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdreport_struct, TDX_REPORT_SIZE);
TDX_STATIC_ASSERT(__builtin_offsetof(struct tdreport_struct, tee_tcb_info) == 256,
		  "TEE_TCB_INFO at 256");
TDX_STATIC_ASSERT(__builtin_offsetof(struct tdreport_struct, tdinfo) == 512,
		  "TDINFO at 512");

#endif /* TDX_TDX_REPORT_H */
