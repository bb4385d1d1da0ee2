/*
 * libtdxctl: the operator's side of the SEAM loader path.  It makes the
 * files a TDX platform loads and checks files it was given:
 *
 *   vendor key     an RSA-3072 key (e = 65537) in PEM.  The emulated CPU
 *                  is fused with the key's hash, "vendor-key-hash" =
 *                  SHA-384 of the 384-byte little-endian modulus.
 *   module image   our TDX module image: a tdx_module_image_header in
 *                  page 0, then zero pages (tdx_emu_images.h).
 *   module blob    a TDX-BLOB v1 container: 4 KiB header, the signed
 *                  SEAM_SIGSTRUCT in one 4 KiB page, the module pages.
 *   NP-SEAMLDR ACM an acm_header, an np_seamldr_manifest, then the
 *                  P-SEAMLDR image; signed with the vendor key.
 *
 * Every RSA quantity on disk (modulus, signature) is a 384-byte
 * little-endian string, the reverse of OpenSSL's big-endian bytes.
 * Signatures are RSASSA-PKCS1-v1_5 over SHA-384.
 *
 * Functions return 0 or a negative errno and fill @err with a message
 * naming the field or operand that was wrong.  Buffers returned through
 * pointer arguments are malloc()ed; the caller frees them.
 */
#ifndef TDX_TDXCTL_TDXCTL_H
#define TDX_TDXCTL_TDXCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/types.h>

#include <tdx/tdx_emu_images.h>
#include <tdx/tdx_seamldr.h>

#include "emu_error.h"
#include "seam_loader.h"

#define TDXCTL_SHA384_BYTES		48
#define TDXCTL_MODULE_IMPL		"tdx-emu-module"
#define TDXCTL_MODULE_DEFAULT_PAGES	16
#define TDXCTL_P_SEAMLDR_IMAGE_SIZE	(64 * 1024)
#define TDXCTL_ACM_ALIGN		64
/* Where the sigstruct and the module sit in a blob tdxctl writes. */
#define TDXCTL_BLOB_SIGSTRUCT_OFFSET	4096
#define TDXCTL_BLOB_MODULE_OFFSET	8192

/* ---- dates and digests ---- */

/** tdxctl_bcd_date() - @t (UTC) as BCD yyyymmdd, e.g. 0x20240517. */
uint32_t tdxctl_bcd_date(time_t t);

/**
 * tdxctl_bcd_date_today() - today's BCD date, or the date of
 * $SOURCE_DATE_EPOCH when it is set, so that builds can be reproduced.
 */
uint32_t tdxctl_bcd_date_today(void);

/** tdxctl_sha384() - SHA-384 of the concatenation of @parts. */
int tdxctl_sha384(const struct seam_sig_part *parts, unsigned int nr_parts,
		  uint8_t out[TDXCTL_SHA384_BYTES], struct emu_error *err);

/**
 * tdxctl_seamhash() - SEAMHASH (MRSEAM) of a module: SHA-384 over @len
 * bytes of @image followed by zeros up to a whole number of 4 KiB pages.
 */
int tdxctl_seamhash(const void *image, size_t len, uint8_t out[TDXCTL_SHA384_BYTES],
		    struct emu_error *err);

/* ---- files ---- */

/**
 * tdxctl_file_read() - read all of @path into a new buffer (at least one
 * byte is allocated, so an empty file still gives a non-NULL buffer).
 */
int tdxctl_file_read(const char *path, uint8_t **buf, size_t *len, struct emu_error *err);

/**
 * tdxctl_file_write() - write @buf to @path through a temporary file and
 * rename(), so a failed write never leaves a partial file; @mode as for
 * open(2).
 */
int tdxctl_file_write(const char *path, const void *buf, size_t len, unsigned int mode,
		      struct emu_error *err);

/* ---- keys ---- */

/** tdxctl_key_new() - a fresh RSA-3072 key with e = 65537, in memory. */
int tdxctl_key_new(EVP_PKEY **out, struct emu_error *err);

/**
 * tdxctl_key_generate() - a fresh vendor key written to @path as a PEM
 * (PKCS#8) private key with mode 0600.  Refuses to replace an existing
 * file unless @overwrite, so a signing key is never lost by accident.
 */
int tdxctl_key_generate(const char *path, bool overwrite, struct emu_error *err);

/**
 * tdxctl_key_load() - read a PEM private key from @path and check that it
 * is RSA-3072 with e = 65537.  Encrypted keys are refused (no prompt).
 */
int tdxctl_key_load(const char *path, EVP_PKEY **out, struct emu_error *err);

/** tdxctl_key_check() - -EINVAL unless @pkey is RSA-3072, e = 65537. */
int tdxctl_key_check(const EVP_PKEY *pkey, struct emu_error *err);

/** tdxctl_key_modulus_le() - the modulus of @pkey, 384 bytes little-endian. */
int tdxctl_key_modulus_le(const EVP_PKEY *pkey, uint8_t out[SEAM_RSA_BYTES],
			  struct emu_error *err);

/**
 * tdxctl_modulus_hash() - SHA-384 of a 384-byte little-endian modulus as
 * it sits in a SEAM_SIGSTRUCT or ACM header.
 */
int tdxctl_modulus_hash(const uint8_t modulus_le[SEAM_RSA_BYTES],
			uint8_t out[TDXCTL_SHA384_BYTES], struct emu_error *err);

/**
 * tdxctl_key_hash() - the vendor-key-hash of @pkey: SHA-384 of its
 * little-endian modulus.  This is the value fused into the emulated CPU
 * (platform config key "vendor-key-hash"); the CPU accepts an ACM only if
 * the hash of the ACM's rsa_pub_key equals it.
 */
int tdxctl_key_hash(const EVP_PKEY *pkey, uint8_t out[TDXCTL_SHA384_BYTES],
		    struct emu_error *err);

/* ---- signatures ---- */

/**
 * tdxctl_rsa3072_sign_le() - RSASSA-PKCS1-v1_5 / SHA-384 signature with
 * @pkey over the concatenation of @parts, written little-endian to
 * @sig_le.  seam_rsa3072_verify() is the matching check.
 */
int tdxctl_rsa3072_sign_le(EVP_PKEY *pkey, const struct seam_sig_part *parts,
			   unsigned int nr_parts, uint8_t sig_le[SEAM_RSA_BYTES],
			   struct emu_error *err);

/* ---- the TDX module image ---- */

struct tdxctl_module_image_opts {
	uint16_t major_version;		/* default 1 */
	uint16_t minor_version;		/* default 5 */
	uint16_t update_version;	/* default 1 */
	uint16_t internal_version;	/* default 0 */
	uint16_t build_num;		/* default 0 */
	uint32_t build_date;		/* BCD; 0 = tdxctl_bcd_date_today() */
	unsigned int nr_pages;		/* 1..496, default 16 */
	const void *code;		/* native code to digest, or NULL */
	size_t code_len;
};

/** tdxctl_module_image_opts_init() - the defaults listed in the struct. */
void tdxctl_module_image_opts_init(struct tdxctl_module_image_opts *opts);

/**
 * tdxctl_module_image_build() - a module image of @opts->nr_pages pages:
 * the header (magic, version 1, vendor 0x8086, IMPL TDXCTL_MODULE_IMPL,
 * code_digest = SHA-384 of @opts->code or zero) then zeros.
 */
int tdxctl_module_image_build(const struct tdxctl_module_image_opts *opts, uint8_t **buf,
			      size_t *len, struct emu_error *err);

/**
 * tdxctl_module_image_parse() - check that @image (@len bytes, whole
 * pages) starts with a valid module image header and return it.
 */
int tdxctl_module_image_parse(const void *image, size_t len,
			      const struct tdx_module_image_header **hdr,
			      struct emu_error *err);

/* ---- SEAM_SIGSTRUCT and the TDX-BLOB ---- */

#define TDXCTL_DEFAULT_CPUIDS	{ 0x000806F0, 0x000A06F0, 0x000C06F0 }

struct tdxctl_sign_opts {
	uint16_t seamsvn;		/* SEAMSVN(major, minor); default 1.0 */
	bool debug;			/* module_type bit 31 */
	uint32_t date;			/* BCD; 0 = tdxctl_bcd_date_today() */
	uint32_t rip_offset;		/* default 0x1000, < image size */
	uint8_t num_stack_pages;	/* default 3 */
	uint8_t num_tls_pages;		/* default 0 */
	uint16_t num_keyhole_pages;	/* default 127 */
	uint16_t num_global_data_pages;	/* default 31 */
	uint16_t max_tdmrs;		/* default 64 */
	uint16_t max_rsvd_per_tdmr;	/* default 16 */
	uint16_t pamt_entry_size_4k;	/* default 16 */
	uint16_t pamt_entry_size_2m;	/* default 16 */
	uint16_t pamt_entry_size_1g;	/* default 16 */
	uint16_t module_hv;		/* default 0 */
	uint16_t min_update_hv;		/* default 0 */
	uint8_t no_downgrade;		/* default 0 */
	uint16_t num_handoff_pages;	/* default 0 */
	unsigned int nr_cpuids;		/* 0..255, default 3 */
	uint32_t cpuid[SEAM_SIGSTRUCT_MAX_CPUID];	/* CPUID(1).EAX & SEAM_CPUID_FMS_MASK */
};

/** tdxctl_sign_opts_init() - the defaults listed in the struct. */
void tdxctl_sign_opts_init(struct tdxctl_sign_opts *opts);

/**
 * tdxctl_sigstruct_build() - fill @out for the module @image (@len bytes,
 * zero-padded to pages for SEAMHASH) from @opts and sign it with @pkey
 * over bytes [0,128) and [900,2048).
 */
int tdxctl_sigstruct_build(EVP_PKEY *pkey, const void *image, size_t len,
			   const struct tdxctl_sign_opts *opts, struct seam_sigstruct *out,
			   struct emu_error *err);

/** tdxctl_sigstruct_sign() - (re)compute the signature of @sig with @pkey. */
int tdxctl_sigstruct_sign(EVP_PKEY *pkey, struct seam_sigstruct *sig, struct emu_error *err);

/**
 * tdxctl_blob_word_sum() - 16-bit little-endian word sum of @len bytes
 * (an odd last byte counts as the low byte of a word), mod 2^16.
 */
uint16_t tdxctl_blob_word_sum(const void *buf, size_t len);

/**
 * tdxctl_blob_update_checksum() - set the checksum field of the blob in
 * @blob so that its word sum is 0.
 */
void tdxctl_blob_update_checksum(void *blob, size_t len);

/**
 * tdxctl_blob_pack() - a TDX-BLOB v1 holding @sig and @image (padded to
 * whole pages): header, sigstruct page, module pages, checksum set.
 */
int tdxctl_blob_pack(const struct seam_sigstruct *sig, const void *image, size_t len,
		     uint8_t **blob, size_t *blob_len, struct emu_error *err);

/**
 * tdxctl_module_sign() - tdxctl_sigstruct_build() then tdxctl_blob_pack():
 * the module blob users load.
 */
int tdxctl_module_sign(EVP_PKEY *pkey, const void *image, size_t len,
		       const struct tdxctl_sign_opts *opts, uint8_t **blob,
		       size_t *blob_len, struct emu_error *err);

/* What tdxctl_blob_parse() found; pointers into the caller's blob. */
struct tdxctl_blob_view {
	const struct tdx_blob_header *header;
	const struct seam_sigstruct *sigstruct;
	const uint8_t *module;
	size_t module_len;
	uint64_t nr_module_pages;
};

/**
 * tdxctl_blob_parse() - validate a TDX-BLOB: size, version, signature
 * string, length, checksum, offset_of_module, the sigstruct page (zero
 * after its 2048 bytes) and a module of 1..496 whole pages.  Does not
 * check the sigstruct's signature (seam_sigstruct_verify() does).
 */
int tdxctl_blob_parse(const void *blob, size_t len, struct tdxctl_blob_view *view,
		      struct emu_error *err);

/* ---- the NP-SEAMLDR ACM ---- */

struct tdxctl_acm_opts {
	uint16_t major;			/* P-SEAMLDR major, default 1 */
	uint16_t minor;			/* P-SEAMLDR minor, default 0 */
	uint16_t update_version;	/* default 0 */
	uint16_t build_num;		/* default 0 */
	uint32_t date;			/* BCD; 0 = tdxctl_bcd_date_today() */
	bool debug;			/* P-SEAMLDR attributes bit 31 */
	uint32_t num_remaining_updates;	/* default 32 */
};

/** tdxctl_acm_opts_init() - the defaults listed in the struct. */
void tdxctl_acm_opts_init(struct tdxctl_acm_opts *opts);

/**
 * tdxctl_acm_build() - an NP-SEAMLDR ACM signed with @pkey: the acm_header,
 * the np_seamldr_manifest at entry_point, then a 64 KiB P-SEAMLDR image
 * right after it; padded with zeros to a multiple of 64 bytes.
 */
int tdxctl_acm_build(EVP_PKEY *pkey, const struct tdxctl_acm_opts *opts, uint8_t **buf,
		     size_t *len, struct emu_error *err);

/* What tdxctl_acm_parse() found; pointers into the caller's buffer. */
struct tdxctl_acm_view {
	const struct acm_header *header;
	const struct np_seamldr_manifest *manifest;
	const struct p_seamldr_image_header *p_seamldr;
	const uint8_t *p_seamldr_image;
	size_t p_seamldr_size;
};

/**
 * tdxctl_acm_parse() - validate the ACM's header fields, size, manifest,
 * the P-SEAMLDR image bounds, its hash and its header.  Does not check
 * the signature (tdxctl_acm_verify() does).
 */
int tdxctl_acm_parse(const void *acm, size_t len, struct tdxctl_acm_view *view,
		     struct emu_error *err);

/**
 * tdxctl_acm_verify() - check the ACM signature with the key in its own
 * header; 0, or -EBADMSG when it does not verify.  Whether that key is
 * the fused one is the caller's question (compare tdxctl_modulus_hash()).
 */
int tdxctl_acm_verify(const void *acm, size_t len, struct emu_error *err);

/* ---- metadata ---- */

/**
 * tdxctl_sys_field_name() - the name of a global (SYS) metadata field,
 * e.g. "MAX_TDMRS", or NULL; *@element gets the element index and
 * *@nr_elements the field's element count (either may be NULL).
 */
const char *tdxctl_sys_field_name(uint64_t field_id, unsigned int *element,
				  unsigned int *nr_elements);

#endif /* TDX_TDXCTL_TDXCTL_H */
