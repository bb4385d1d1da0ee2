/*
 * Image formats that tdx-emu defines itself, where Intel's are not public
 * or carry x86 code the emulator cannot run: what the NP-SEAMLDR ACM body
 * holds, the P-SEAMLDR image it carries, and the first page of a TDX
 * module image.  The containers around them (ACM header, SEAM_SIGSTRUCT,
 * TDX-BLOB) are Intel's and live in tdx_seamldr.h.
 */
#ifndef TDX_TDX_EMU_IMAGES_H
#define TDX_TDX_EMU_IMAGES_H

#include <tdx/tdx_types.h>

/* Follows the acm_header: describes the P-SEAMLDR image the ACM carries. */
#define NP_SEAMLDR_MANIFEST_MAGIC	"NPSEAMLD"
#define NP_SEAMLDR_MANIFEST_VERSION	1
struct np_seamldr_manifest {
	char magic[8];
	uint32_t manifest_version;
	uint16_t np_major;
	uint16_t np_minor;
	uint64_t p_seamldr_offset;	/* from the start of the ACM */
	uint64_t p_seamldr_size;
	uint8_t p_seamldr_hash[48];	/* SHA-384 of the P-SEAMLDR image */
	uint8_t reserved[48];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct np_seamldr_manifest, 128);

/* First bytes of the P-SEAMLDR image (installed into P_SEAMLDR_Range). */
#define P_SEAMLDR_IMAGE_MAGIC		"PSEAMLDR"
#define P_SEAMLDR_IMAGE_VERSION		1
struct p_seamldr_image_header {
	char magic[8];
	uint32_t header_version;
	uint32_t vendor_id;
	uint32_t build_date;		/* BCD yyyymmdd */
	uint16_t build_num;
	uint16_t minor;
	uint16_t major;
	uint16_t update_version;
	uint32_t attributes;		/* SEAMLDR_INFO_ATTR_DEBUG */
	uint32_t num_remaining_updates;
	uint8_t reserved[28];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct p_seamldr_image_header, 64);

/*
 * Page 0 of a TDX module image.  IMPL names the native implementation
 * that executes this image; the rest of the image is measured into MRSEAM
 * like any module code.
 */
#define TDX_MODULE_IMAGE_MAGIC		"TDXEMUMD"
#define TDX_MODULE_IMAGE_VERSION	1
#define TDX_MODULE_IMPL_LEN		32
struct tdx_module_image_header {
	char magic[8];
	uint32_t header_version;
	uint32_t vendor_id;
	uint32_t build_date;		/* BCD yyyymmdd */
	uint16_t build_num;
	uint16_t major_version;
	uint16_t minor_version;
	uint16_t update_version;
	uint16_t internal_version;
	uint16_t reserved0;
	char impl[TDX_MODULE_IMPL_LEN];
	uint8_t code_digest[48];	/* SHA-384 of the native module code */
	uint8_t reserved1[144];
} TDX_PACKED;
TDX_ASSERT_SIZE(struct tdx_module_image_header, 256);

#endif /* TDX_TDX_EMU_IMAGES_H */
