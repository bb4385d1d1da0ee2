/*
 * The global (SYS) metadata class.  Multi-element fields (PKG_FMS,
 * CMR_BASE, CMR_SIZE, CPUID_CONFIG_*) are addressed by base field code
 * plus the element index.
 */
#include <string.h>

#include "metadata.h"
#include "module.h"
#include "platform.h"

struct md_field {
	uint64_t id;
	unsigned int elements;
	uint64_t (*get)(const struct tdx_module *mod, unsigned int elem);
};

/* The configurable CPUID leaves of module 1.5.01, in TD_PARAMS order. */
static const struct {
	uint32_t leaf;
	uint32_t subleaf;
} cpuid_config_leaves[MODULE_NUM_CPUID_CONFIG] = {
	{ 0x1, ~0U }, { 0x4, 0 }, { 0x4, 1 }, { 0x4, 2 }, { 0x4, 3 }, { 0x7, 0 },
	{ 0x7, 1 }, { 0xA, ~0U }, { 0x1C, ~0U }, { 0x80000008, ~0U }, { 0x7, 2 }, { 0x23, 0 },
};

/* The image carries BCD yyyymmdd; the ABI reports it as the decimal number. */
uint32_t md_bcd_to_decimal(uint32_t bcd)
{
	uint32_t v = 0;

	for (int shift = 28; shift >= 0; shift -= 4)
		v = v * 10 + ((bcd >> shift) & 0xF);
	return v;
}

#define GETTER(name, expr) \
	static uint64_t get_##name(const struct tdx_module *mod, unsigned int elem) \
	{ (void)mod; (void)elem; return (uint64_t)(expr); }

GETTER(num_pkgs, mod->boot.sysinfo.mcheck.tot_num_sockets)
GETTER(pkg_fms, mod->boot.sysinfo.mcheck.socket_cpuid_table[elem])
GETTER(vendor_id, 0x8086)
GETTER(build_date, md_bcd_to_decimal(mod->boot.image.build_date))
GETTER(build_num, mod->boot.image.build_num)
GETTER(minor, mod->boot.image.minor_version)
GETTER(major, mod->boot.image.major_version)
GETTER(update, mod->boot.image.update_version)
GETTER(internal, mod->boot.image.internal_version)
GETTER(module_hv, mod->boot.sigstruct.module_hv)
GETTER(min_update_hv, mod->boot.sigstruct.min_update_hv)
GETTER(no_downgrade, mod->boot.sigstruct.no_downgrade)
GETTER(num_handoff_pages, mod->boot.sigstruct.num_handoff_pages)
GETTER(sys_attributes, (mod->boot.sigstruct.module_type & SEAM_SIGSTRUCT_MODULE_DEBUG) ? TDX_BIT(31) : 0)
GETTER(num_tdx_features, 1)
/*
 * TDX_FEATURES0: bit 1 TD-preserving update (SYS.SHUTDOWN / SYS.UPDATE),
 * bit 18 NO_RBP_MOD (the module never clobbers RBP; Linux requires it).
 */
GETTER(tdx_features0, TDX_BIT(1) | TDX_BIT(18))
GETTER(cmr_base, mod->boot.sysinfo.mcheck.cmr[elem].base)
GETTER(cmr_size, mod->boot.sysinfo.mcheck.cmr[elem].size)
GETTER(max_tdmrs, MODULE_MAX_TDMRS)
GETTER(max_rsvd, MODULE_MAX_RESERVED_PER_TDMR)
GETTER(pamt_entry, TDX_PAMT_ENTRY_SIZE)
GETTER(tdr_base_size, MODULE_TDR_BASE_SIZE)
GETTER(tdcs_base_size, MODULE_TDCS_BASE_SIZE)
GETTER(tdcs_per_l2, 4096)
GETTER(tdvps_base_size, MODULE_TDVPS_BASE_SIZE)
GETTER(tdvps_per_l2, 3 * 4096)
GETTER(attr_fixed0, MODULE_ATTRIBUTES_FIXED0)
GETTER(attr_fixed1, MODULE_ATTRIBUTES_FIXED1)
GETTER(xfam_fixed0, MODULE_XFAM_FIXED0)
GETTER(xfam_fixed1, MODULE_XFAM_FIXED1)
GETTER(num_cpuid_config, MODULE_NUM_CPUID_CONFIG)
GETTER(cfg_fixed0, md_config_flags_fixed0(mod))
GETTER(cfg_fixed1, MODULE_CONFIG_FLAGS_FIXED1)
GETTER(max_vcpus, MODULE_MAX_VCPUS_PER_TD)
GETTER(cpuid_leaves, cpuid_config_leaves[elem].leaf |
	((uint64_t)cpuid_config_leaves[elem].subleaf << 32))
/* Every bit of the configurable leaves may be set by the host. */
GETTER(cpuid_values, ~0ULL)

static uint64_t get_num_cmrs(const struct tdx_module *mod, unsigned int elem)
{
	unsigned int n = 0;

	(void)elem;
	for (unsigned int i = 0; i < SYSINFO_MAX_CMRS; i++)
		if (mod->boot.sysinfo.mcheck.cmr[i].size)
			n = i + 1;
	return n;
}

static const struct md_field sys_fields[] = {
	{ MD_SYS_NUM_PKGS, 1, get_num_pkgs },
	{ MD_SYS_PKG_FMS, SYSINFO_MAX_SOCKETS, get_pkg_fms },
	{ MD_SYS_VENDOR_ID, 1, get_vendor_id },
	{ MD_SYS_BUILD_DATE, 1, get_build_date },
	{ MD_SYS_BUILD_NUM, 1, get_build_num },
	{ MD_SYS_MINOR_VERSION, 1, get_minor },
	{ MD_SYS_MAJOR_VERSION, 1, get_major },
	{ MD_SYS_UPDATE_VERSION, 1, get_update },
	{ MD_SYS_INTERNAL_VERSION, 1, get_internal },
	{ MD_SYS_MODULE_HV, 1, get_module_hv },
	{ MD_SYS_MIN_UPDATE_HV, 1, get_min_update_hv },
	{ MD_SYS_NO_DOWNGRADE, 1, get_no_downgrade },
	{ MD_SYS_NUM_HANDOFF_PAGES, 1, get_num_handoff_pages },
	{ MD_SYS_SYS_ATTRIBUTES, 1, get_sys_attributes },
	{ MD_SYS_NUM_TDX_FEATURES, 1, get_num_tdx_features },
	{ MD_SYS_TDX_FEATURES0, 1, get_tdx_features0 },
	{ MD_SYS_NUM_CMRS, 1, get_num_cmrs },
	{ MD_SYS_CMR_BASE, SYSINFO_MAX_CMRS, get_cmr_base },
	{ MD_SYS_CMR_SIZE, SYSINFO_MAX_CMRS, get_cmr_size },
	{ MD_SYS_MAX_TDMRS, 1, get_max_tdmrs },
	{ MD_SYS_MAX_RESERVED_PER_TDMR, 1, get_max_rsvd },
	{ MD_SYS_PAMT_4K_ENTRY_SIZE, 1, get_pamt_entry },
	{ MD_SYS_PAMT_2M_ENTRY_SIZE, 1, get_pamt_entry },
	{ MD_SYS_PAMT_1G_ENTRY_SIZE, 1, get_pamt_entry },
	{ MD_SYS_TDR_BASE_SIZE, 1, get_tdr_base_size },
	{ MD_SYS_TDCS_BASE_SIZE, 1, get_tdcs_base_size },
	{ MD_SYS_TDCS_SIZE_PER_L2_VM, 1, get_tdcs_per_l2 },
	{ MD_SYS_TDVPS_BASE_SIZE, 1, get_tdvps_base_size },
	{ MD_SYS_TDVPS_SIZE_PER_L2_VM, 1, get_tdvps_per_l2 },
	{ MD_SYS_ATTRIBUTES_FIXED0, 1, get_attr_fixed0 },
	{ MD_SYS_ATTRIBUTES_FIXED1, 1, get_attr_fixed1 },
	{ MD_SYS_XFAM_FIXED0, 1, get_xfam_fixed0 },
	{ MD_SYS_XFAM_FIXED1, 1, get_xfam_fixed1 },
	{ MD_SYS_NUM_CPUID_CONFIG, 1, get_num_cpuid_config },
	{ MD_SYS_CONFIG_FLAGS_FIXED0, 1, get_cfg_fixed0 },
	{ MD_SYS_CONFIG_FLAGS_FIXED1, 1, get_cfg_fixed1 },
	{ MD_SYS_MAX_VCPUS_PER_TD, 1, get_max_vcpus },
	{ MD_SYS_CPUID_CONFIG_LEAVES, MODULE_NUM_CPUID_CONFIG, get_cpuid_leaves },
	{ MD_SYS_CPUID_CONFIG_VALUES, 2 * MODULE_NUM_CPUID_CONFIG, get_cpuid_values },
};

uint64_t md_config_flags_fixed0(const struct tdx_module *mod)
{
	/* GPAW (52-bit GPAs) only where the CPU has more than 48 address bits. */
	if (platform_cfg(mod->plat)->max_pa <= 48)
		return MODULE_CONFIG_FLAGS_FIXED0 & ~TDX_BIT(0);
	return MODULE_CONFIG_FLAGS_FIXED0;
}

bool md_sys_same_field(uint64_t a, uint64_t b)
{
	uint64_t ka = MD_FIELD_ID_KEY(a), kb = MD_FIELD_ID_KEY(b);

	for (size_t i = 0; i < TDX_ARRAY_SIZE(sys_fields); i++) {
		uint64_t base = MD_FIELD_ID_KEY(sys_fields[i].id);

		if (ka >= base && ka - base < sys_fields[i].elements)
			return kb >= base && kb - base < sys_fields[i].elements;
	}
	return false;
}

bool md_cpuid_config_leaf(unsigned int i, uint32_t *leaf, uint32_t *subleaf)
{
	if (i >= MODULE_NUM_CPUID_CONFIG)
		return false;
	*leaf = cpuid_config_leaves[i].leaf;
	*subleaf = cpuid_config_leaves[i].subleaf;
	return true;
}

bool md_field_id_valid(uint64_t id)
{
	return !(id & (MD_FIELD_ID_RESERVED0 | MD_FIELD_ID_RESERVED1 | MD_FIELD_ID_RESERVED2 |
		       MD_FIELD_ID_RESERVED3 | MD_FIELD_ID_LAST_ELEMENT |
		       MD_FIELD_ID_LAST_FIELD));
}

bool md_field_id_is_null(uint64_t id)
{
	return (id | MD_FIELD_ID_CONTEXT_CODE) == MD_FIELD_ID_NONE;
}

uint64_t md_sys_first(void)
{
	return sys_fields[0].id;
}

tdx_status_t md_sys_read(const struct tdx_module *mod, uint64_t field_id, uint64_t *value,
			 uint64_t *next_id)
{
	uint64_t key = MD_FIELD_ID_KEY(field_id);

	if (!md_field_id_valid(field_id))
		return TDX_METADATA_FIELD_ID_INCORRECT;
	for (size_t i = 0; i < TDX_ARRAY_SIZE(sys_fields); i++) {
		const struct md_field *f = &sys_fields[i];
		uint64_t base = MD_FIELD_ID_KEY(f->id);

		if (key < base || key - base >= f->elements)
			continue;
		*value = f->get(mod, (unsigned int)(key - base));
		if (key - base + 1 < f->elements)
			*next_id = f->id + (key - base) + 1;
		else if (i + 1 < TDX_ARRAY_SIZE(sys_fields))
			*next_id = sys_fields[i + 1].id;
		else
			*next_id = MD_FIELD_ID_NONE;
		return TDX_SUCCESS;
	}
	return TDX_METADATA_FIELD_ID_INCORRECT;
}

/*
 * The list: an 8-byte header, then one sequence per field (a field id
 * whose LAST_ELEMENT_IN_FIELD gives the element count, up to 16)
 * followed by each element as 8 bytes.  tdx-emu writes every element as
 * a 64-bit value.
 */
tdx_status_t md_sys_list(const struct tdx_module *mod, uint64_t first_id,
			 uint64_t page[TDX_PAGE_SIZE / 8], uint64_t *next_id)
{
	struct md_list_header *hdr = (void *)page;
	unsigned int pos = 1, nseq = 0;
	uint64_t id = first_id, value, next;

	if (md_sys_read(mod, id, &value, &next) != TDX_SUCCESS)
		return TDX_METADATA_FIELD_ID_INCORRECT;
	memset(page, 0, TDX_PAGE_SIZE);
	while (id != MD_FIELD_ID_NONE) {
		uint64_t vals[16];
		unsigned int n = 0;
		uint64_t seq_id = id;

		/* Gather consecutive elements of one field. */
		do {
			md_sys_read(mod, id, &vals[n++], &next);
			id = next;
		} while (n < 16 && id != MD_FIELD_ID_NONE && md_sys_same_field(seq_id, id) &&
			 MD_FIELD_ID_KEY(id) == MD_FIELD_ID_KEY(seq_id) + n);
		if (pos + 1 + n > TDX_PAGE_SIZE / 8) {
			id = seq_id;
			break;
		}
		page[pos++] = (seq_id & ~MD_FIELD_ID_LAST_ELEMENT) |
			      TDX_FIELD_PREP(MD_FIELD_ID_LAST_ELEMENT, n - 1);
		memcpy(&page[pos], vals, n * sizeof(uint64_t));
		pos += n;
		nseq++;
	}
	hdr->list_buff_size = (uint16_t)(pos * 8);
	hdr->num_sequences = (uint16_t)nseq;
	*next_id = id;
	return TDX_SUCCESS;
}
