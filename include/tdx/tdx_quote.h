/*
 * DCAP quote v4 for TDX (reference attestation.md 1.1-1.6), the SGX REPORT
 * body the quoting enclave signs with its PCK key, the GHCI GetQuote
 * shared-buffer header and the quote generation service wire messages
 * (host-stack.md 3.5).  Spec field names, packed, sizes asserted.
 *
 * Quote v4:
 *
 *	[0, 48)     struct tdx_quote_header
 *	[48, 632)   struct tdx_quote_body (the TD's REPORT fields)
 *	[632, 636)  signature_data_len (u32)
 *	[636, ...)  struct tdx_quote_sig_data, then QE auth data (u16 size +
 *	            bytes), then the inner certification data (type 5: u16
 *	            type, u32 size, PEM chain PCK leaf || PCK CA || root)
 *
 * Integers are little-endian; ECDSA signatures r||s and public keys X||Y
 * are big-endian, 32 bytes each, no 0x04 prefix.
 */
#ifndef TDX_TDX_QUOTE_H
#define TDX_TDX_QUOTE_H

#include <tdx/tdx_report.h>
#include <tdx/tdx_types.h>

#define TDX_QUOTE_VERSION_4		4
#define TDX_QUOTE_ATT_KEY_ECDSA_P256	2
#define TDX_QUOTE_TEE_TYPE_TDX		0x00000081u
#define TDX_QUOTE_TEE_TYPE_SGX		0x00000000u
/* The QE vendor id of Intel's quoting enclave; QVL accepts no other. */
#define TDX_QUOTE_QE_VENDOR_ID_INTEL \
	{ 0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, \
	  0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07 }
#define TDX_QUOTE_CERT_TYPE_PCK_CHAIN	5	/* PEM PCK leaf || CA || root */
#define TDX_QUOTE_CERT_TYPE_QE_REPORT	6	/* QE report certification data */
#define TDX_QUOTE_ECDSA_SIG_SIZE	64
#define TDX_QUOTE_ECDSA_KEY_SIZE	64

struct tdx_quote_header {
	uint16_t version;
	uint16_t att_key_type;
	uint32_t tee_type;
	uint8_t reserved[4];	/* QVL: QE SVN, PCE SVN; emitted as 0 */
	uint8_t qe_vendor_id[16];
	uint8_t user_data[20];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdx_quote_header, 48);

/* The TD quote body ("report2 body"), TDX 1.0 layout. */
struct tdx_quote_body {
	uint8_t tee_tcb_svn[16];
	uint8_t mrseam[TDX_SHA384_SIZE];
	uint8_t mrsignerseam[TDX_SHA384_SIZE];
	uint64_t seam_attributes;
	uint64_t td_attributes;
	uint64_t xfam;
	uint8_t mrtd[TDX_SHA384_SIZE];
	uint8_t mrconfigid[TDX_SHA384_SIZE];
	uint8_t mrowner[TDX_SHA384_SIZE];
	uint8_t mrownerconfig[TDX_SHA384_SIZE];
	uint8_t rtmr[4][TDX_SHA384_SIZE];
	uint8_t reportdata[TDX_REPORTDATA_SIZE];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdx_quote_body, 584);
TDX_STATIC_ASSERT(__builtin_offsetof(struct tdx_quote_body, td_attributes) == 120,
		  "TDATTRIBUTES at 120");
TDX_STATIC_ASSERT(__builtin_offsetof(struct tdx_quote_body, rtmr) == 328, "RTMR at 328");

/* SGX REPORT body (the QE report), 384 bytes. */
struct sgx_report_body {
	uint8_t cpusvn[16];
	uint32_t miscselect;
	uint8_t reserved1[12];
	uint8_t isv_ext_prod_id[16];
	uint8_t attributes[16];
	uint8_t mr_enclave[32];
	uint8_t reserved2[32];
	uint8_t mr_signer[32];
	uint8_t reserved3[32];
	uint8_t config_id[64];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t reserved4[42];
	uint8_t isv_family_id[16];
	uint8_t report_data[64];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct sgx_report_body, 384);
TDX_STATIC_ASSERT(__builtin_offsetof(struct sgx_report_body, mr_signer) == 128,
		  "MRSIGNER at 128");
TDX_STATIC_ASSERT(__builtin_offsetof(struct sgx_report_body, isv_prod_id) == 256,
		  "ISVPRODID at 256");
TDX_STATIC_ASSERT(__builtin_offsetof(struct sgx_report_body, report_data) == 320,
		  "REPORTDATA at 320");

/*
 * The fixed start of the signature data (offset 636 of the quote), up to
 * the QE auth data size.  cert_data_size counts everything from qe_report
 * to the end of the inner certification data.
 */
struct tdx_quote_sig_data {
	uint8_t signature[TDX_QUOTE_ECDSA_SIG_SIZE];	/* over quote [0, 632) */
	uint8_t attestation_key[TDX_QUOTE_ECDSA_KEY_SIZE];
	uint16_t cert_data_type;			/* 6 */
	uint32_t cert_data_size;
	struct sgx_report_body qe_report;
	uint8_t qe_report_signature[TDX_QUOTE_ECDSA_SIG_SIZE];	/* by the PCK key */
	uint16_t qe_auth_data_size;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdx_quote_sig_data, 584);

struct tdx_quote_v4 {
	struct tdx_quote_header header;
	struct tdx_quote_body body;
	uint32_t signature_data_len;
	struct tdx_quote_sig_data sig;
} TDX_PACKED;
TDX_STATIC_ASSERT(__builtin_offsetof(struct tdx_quote_v4, signature_data_len) == 632,
		  "signature_data_len at 632");

/* Bytes the attestation key signs: header || body. */
#define TDX_QUOTE_SIGNED_BYTES		632
/* The smallest quote verifiers accept (go-tdx-guest). */
#define TDX_QUOTE_MIN_SIZE		0x3FC

/* ---- GHCI TDG.VP.VMCALL<GetQuote> shared buffer ---- */

struct tdx_get_quote_hdr {
	uint64_t structure_version;	/* 1 */
	uint64_t error_code;		/* written by the VMM */
	uint32_t in_len;		/* TDREPORT bytes after the header */
	uint32_t out_len;		/* quote bytes after the header */
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdx_get_quote_hdr, 24);

#define TDX_GET_QUOTE_STRUCTURE_VERSION	1
#define TDX_GET_QUOTE_SUCCESS		0x0000000000000000ULL
#define TDX_GET_QUOTE_IN_FLIGHT		0xFFFFFFFFFFFFFFFFULL
#define TDX_GET_QUOTE_ERROR		0x8000000000000000ULL
#define TDX_GET_QUOTE_QGS_UNAVAILABLE	0x8000000000000001ULL
#define TDX_GET_QUOTE_MAX_BUF		(128 * 1024)

/* ---- quote generation service messages (QEMU quote-generation-socket) ---- */

/*
 * On the socket every message is a 4-byte big-endian length, then the
 * message; in the message every field is little-endian.
 */
struct qgs_msg_header {
	uint16_t major_version;		/* 1 */
	uint16_t minor_version;		/* 1 */
	uint32_t type;
	uint32_t size;			/* whole message, header included */
	uint32_t error_code;
} TDX_PACKED;
TDX_ASSERT_SIZE(struct qgs_msg_header, 16);

#define QGS_MSG_LIB_MAJOR_VER		1
#define QGS_MSG_LIB_MINOR_VER		1

enum qgs_msg_type {
	QGS_MSG_GET_QUOTE_REQ = 0,
	QGS_MSG_GET_QUOTE_RESP = 1,
	QGS_MSG_GET_COLLATERAL_REQ = 2,
	QGS_MSG_GET_COLLATERAL_RESP = 3,
	QGS_MSG_GET_PLATFORM_INFO_REQ = 4,
	QGS_MSG_GET_PLATFORM_INFO_RESP = 5,
};

/*
 * Error codes in qgs_msg_header.error_code.  0 is success; tdx-emu's
 * values for the failures (Intel's qgs_msg_lib names them, their numbers
 * are not in the reference): chosen here, one per cause.
 */
enum qgs_msg_error {
	QGS_MSG_SUCCESS = 0,
	QGS_MSG_ERROR_UNEXPECTED = 0x00012001,
	QGS_MSG_ERROR_OUT_OF_MEMORY = 0x00012002,
	QGS_MSG_ERROR_INVALID_PARAMETER = 0x00012003,
	QGS_MSG_ERROR_INVALID_VERSION = 0x00012004,
	QGS_MSG_ERROR_INVALID_TYPE = 0x00012005,
	QGS_MSG_ERROR_INVALID_SIZE = 0x00012006,
	QGS_MSG_ERROR_INVALID_CODE = 0x00012007,
	QGS_MSG_ERROR_QUOTE = 0x00012008,	/* the QE refused the report */
};

struct qgs_get_quote_req {
	struct qgs_msg_header header;	/* type GET_QUOTE_REQ */
	uint32_t report_size;		/* TDREPORT, 1024 */
	uint32_t id_list_size;		/* 0 */
	/* uint8_t report[report_size]; id list */
} TDX_PACKED;
TDX_ASSERT_SIZE(struct qgs_get_quote_req, 24);

struct qgs_get_quote_resp {
	struct qgs_msg_header header;	/* type GET_QUOTE_RESP */
	uint32_t selected_id_size;	/* 0 */
	uint32_t quote_size;
	/* uint8_t quote[quote_size]; */
} TDX_PACKED;
TDX_ASSERT_SIZE(struct qgs_get_quote_resp, 24);

/* The largest message tdx-qgs accepts or a client reads. */
#define QGS_MSG_MAX_SIZE		(64 * 1024)

#endif /* TDX_TDX_QUOTE_H */
