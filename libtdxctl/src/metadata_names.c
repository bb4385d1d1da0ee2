/*
 * Names of the global (SYS) metadata fields, for printing what TDH.SYS.RD
 * returns.
 */
#include <tdx/tdx_metadata.h>

#include "tdxctl/tdxctl.h"

static const struct {
	uint64_t id;
	unsigned int elements;
	const char *name;
} sys_names[] = {
	{ MD_SYS_NUM_PKGS, 1, "NUM_PKGS" },
	{ MD_SYS_PKG_FMS, 8, "PKG_FMS" },
	{ MD_SYS_VENDOR_ID, 1, "VENDOR_ID" },
	{ MD_SYS_BUILD_DATE, 1, "BUILD_DATE" },
	{ MD_SYS_BUILD_NUM, 1, "BUILD_NUM" },
	{ MD_SYS_MINOR_VERSION, 1, "MINOR_VERSION" },
	{ MD_SYS_MAJOR_VERSION, 1, "MAJOR_VERSION" },
	{ MD_SYS_UPDATE_VERSION, 1, "UPDATE_VERSION" },
	{ MD_SYS_INTERNAL_VERSION, 1, "INTERNAL_VERSION" },
	{ MD_SYS_MODULE_HV, 1, "MODULE_HV" },
	{ MD_SYS_MIN_UPDATE_HV, 1, "MIN_UPDATE_HV" },
	{ MD_SYS_NO_DOWNGRADE, 1, "NO_DOWNGRADE" },
	{ MD_SYS_NUM_HANDOFF_PAGES, 1, "NUM_HANDOFF_PAGES" },
	{ MD_SYS_SYS_ATTRIBUTES, 1, "SYS_ATTRIBUTES" },
	{ MD_SYS_NUM_TDX_FEATURES, 1, "NUM_TDX_FEATURES" },
	{ MD_SYS_TDX_FEATURES0, 1, "TDX_FEATURES0" },
	{ MD_SYS_NUM_CMRS, 1, "NUM_CMRS" },
	{ MD_SYS_CMR_BASE, 32, "CMR_BASE" },
	{ MD_SYS_CMR_SIZE, 32, "CMR_SIZE" },
	{ MD_SYS_MAX_TDMRS, 1, "MAX_TDMRS" },
	{ MD_SYS_MAX_RESERVED_PER_TDMR, 1, "MAX_RESERVED_PER_TDMR" },
	{ MD_SYS_PAMT_4K_ENTRY_SIZE, 1, "PAMT_4K_ENTRY_SIZE" },
	{ MD_SYS_PAMT_2M_ENTRY_SIZE, 1, "PAMT_2M_ENTRY_SIZE" },
	{ MD_SYS_PAMT_1G_ENTRY_SIZE, 1, "PAMT_1G_ENTRY_SIZE" },
	{ MD_SYS_TDR_BASE_SIZE, 1, "TDR_BASE_SIZE" },
	{ MD_SYS_TDCS_BASE_SIZE, 1, "TDCS_BASE_SIZE" },
	{ MD_SYS_TDCS_SIZE_PER_L2_VM, 1, "TDCS_SIZE_PER_L2_VM" },
	{ MD_SYS_TDVPS_BASE_SIZE, 1, "TDVPS_BASE_SIZE" },
	{ MD_SYS_TDVPS_SIZE_PER_L2_VM, 1, "TDVPS_SIZE_PER_L2_VM" },
	{ MD_SYS_ATTRIBUTES_FIXED0, 1, "ATTRIBUTES_FIXED0" },
	{ MD_SYS_ATTRIBUTES_FIXED1, 1, "ATTRIBUTES_FIXED1" },
	{ MD_SYS_XFAM_FIXED0, 1, "XFAM_FIXED0" },
	{ MD_SYS_XFAM_FIXED1, 1, "XFAM_FIXED1" },
	{ MD_SYS_NUM_CPUID_CONFIG, 1, "NUM_CPUID_CONFIG" },
	{ MD_SYS_CONFIG_FLAGS_FIXED0, 1, "CONFIG_FLAGS_FIXED0" },
	{ MD_SYS_CONFIG_FLAGS_FIXED1, 1, "CONFIG_FLAGS_FIXED1" },
	{ MD_SYS_MAX_VCPUS_PER_TD, 1, "MAX_VCPUS_PER_TD" },
	{ MD_SYS_CPUID_CONFIG_LEAVES, 32, "CPUID_CONFIG_LEAVES" },
	{ MD_SYS_CPUID_CONFIG_VALUES, 64, "CPUID_CONFIG_VALUES" },
};

const char *tdxctl_sys_field_name(uint64_t field_id, unsigned int *element,
				  unsigned int *nr_elements)
{
	uint64_t key = MD_FIELD_ID_KEY(field_id);

	for (size_t i = 0; i < sizeof(sys_names) / sizeof(sys_names[0]); i++) {
		uint64_t base = MD_FIELD_ID_KEY(sys_names[i].id);

		if (key >= base && key - base < sys_names[i].elements) {
			if (element)
				*element = (unsigned int)(key - base);
			if (nr_elements)
				*nr_elements = sys_names[i].elements;
			return sys_names[i].name;
		}
	}
	return NULL;
}
