/*
 * Metadata fields: the global (SYS) class read by TDH.SYS.RD and
 * TDH.SYS.RDALL.  Each field is a row {id, elements, getter}.
 */
#ifndef TDX_MODULE_METADATA_H
#define TDX_MODULE_METADATA_H

#include <stdbool.h>

#include <tdx/tdx_metadata.h>
#include <tdx/tdx_status.h>

struct tdx_module;

/* Module values the SYS class enumerates. */
#define MODULE_ATTRIBUTES_FIXED0	(TDX_BIT(0) | TDX_BIT(28) | TDX_BIT(29) | TDX_BIT(30) | \
					 TDX_BIT(31) | TDX_BIT(63))
#define MODULE_ATTRIBUTES_FIXED1	0ULL
#define MODULE_XFAM_FIXED0		0x0006DBE7ULL
#define MODULE_XFAM_FIXED1		0x3ULL
#define MODULE_CONFIG_FLAGS_FIXED0	0x7ULL
#define MODULE_CONFIG_FLAGS_FIXED1	0ULL
#define MODULE_NUM_CPUID_CONFIG		12

/**
 * md_sys_read() - the value of the SYS field @field_id and the id of the
 * field after it (MD_FIELD_ID_NONE after the last).  Returns TDX_SUCCESS
 * or TDX_METADATA_FIELD_ID_INCORRECT.
 */
tdx_status_t md_sys_read(const struct tdx_module *mod, uint64_t field_id, uint64_t *value,
			 uint64_t *next_id);

/** md_bcd_to_decimal() - 0x20261125 -> 20261125. */
uint32_t md_bcd_to_decimal(uint32_t bcd);

/** md_sys_first() - the first SYS field id. */
uint64_t md_sys_first(void);

/** md_config_flags_fixed0() - CONFIG_FLAGS bits a TD may set on this platform. */
uint64_t md_config_flags_fixed0(const struct tdx_module *mod);

/** md_sys_same_field() - are @a and @b elements of one SYS field? */
bool md_sys_same_field(uint64_t a, uint64_t b);

/** md_cpuid_config_leaf() - leaf and sub-leaf (~0: none) of configurable entry @i. */
bool md_cpuid_config_leaf(unsigned int i, uint32_t *leaf, uint32_t *subleaf);

/** md_field_id_valid() - reserved bits clear, LAST_ELEMENT/LAST_FIELD 0. */
bool md_field_id_valid(uint64_t field_id);

/**
 * md_field_id_is_null() - all ones but the context: a v1 read's (and
 * TDG.SYS.RD's) request for the first field of the context.
 */
bool md_field_id_is_null(uint64_t field_id);

/**
 * md_sys_list() - the metadata list (TDH.SYS.RDALL / TDG.SYS.RDALL) of the
 * SYS fields from @first_id on, as many as fit in @page, and in @next_id
 * the field to continue with (MD_FIELD_ID_NONE when all fitted).  Returns
 * TDX_SUCCESS, or TDX_METADATA_FIELD_ID_INCORRECT when @first_id is not a
 * SYS field (nothing written).
 */
tdx_status_t md_sys_list(const struct tdx_module *mod, uint64_t first_id,
			 uint64_t page[TDX_PAGE_SIZE / 8], uint64_t *next_id);

#endif /* TDX_MODULE_METADATA_H */
