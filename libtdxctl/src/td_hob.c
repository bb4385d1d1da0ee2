/*
 * The TD HOB as qemu-tdx builds it (docs/measurement.md "TD HOB";
 * reference host-stack.md 3.4): guest RAM from -m as qemu-tdx lays it
 * out, the TD_HOB and TEMP_MEM sections carved out as "added", everything else
 * unaccepted, sorted, one resource descriptor each between PHIT and END.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tdxctl/measure.h"

#define TD_HOB_RESOURCE_ATTRIBUTES \
	(EFI_RESOURCE_ATTRIBUTE_PRESENT | EFI_RESOURCE_ATTRIBUTE_INITIALIZED | \
	 EFI_RESOURCE_ATTRIBUTE_TESTED)

struct ram_list {
	unsigned int nr;
	struct tdxctl_ram_entry e[TDXCTL_TD_HOB_MAX_RAM];
};

static int ram_add(struct ram_list *l, uint64_t address, uint64_t length, uint32_t type,
		   struct emu_error *err)
{
	if (l->nr == TDXCTL_TD_HOB_MAX_RAM)
		return emu_error_set(err, -E2BIG, "TD HOB: more than %u RAM ranges",
				     TDXCTL_TD_HOB_MAX_RAM);
	l->e[l->nr++] = (struct tdxctl_ram_entry){ address, length, type };
	return 0;
}

/* Mark [address, address + length) added, splitting the RAM entry holding it. */
static int ram_accept(struct ram_list *l, unsigned int sec, const struct tdvf_section_entry *s,
		      struct emu_error *err)
{
	uint64_t a = s->memory_address, len = s->memory_data_size;
	unsigned int i;

	for (i = 0; i < l->nr; i++) {
		struct tdxctl_ram_entry *e = &l->e[i];
		uint64_t e_start = e->address, e_end = e->address + e->length;
		int ret;

		if (a + len <= e_start || e_end <= a)
			continue;
		if (a < e_start || a + len > e_end || e->resource_type != EFI_RESOURCE_MEMORY_UNACCEPTED)
			break;
		e->address = a;
		e->length = len;
		e->resource_type = EFI_RESOURCE_SYSTEM_MEMORY;
		ret = 0;
		if (a > e_start)
			ret = ram_add(l, e_start, a - e_start, EFI_RESOURCE_MEMORY_UNACCEPTED, err);
		if (!ret && a + len < e_end)
			ret = ram_add(l, a + len, e_end - (a + len),
				      EFI_RESOURCE_MEMORY_UNACCEPTED, err);
		return ret;
	}
	return emu_error_set(err, -EINVAL,
			     "TD HOB: TDVF section %u (%s) at [0x%llx, 0x%llx) is not inside one "
			     "RAM range of the TD; give more memory (--mem) or fix the image",
			     sec, tdxctl_tdvf_section_name(s->type), (unsigned long long)a,
			     (unsigned long long)(a + len));
}

/* A PAGE.AUG section must still lie inside guest RAM. */
static int ram_check_inside(const struct ram_list *l, unsigned int sec,
			    const struct tdvf_section_entry *s, struct emu_error *err)
{
	uint64_t a = s->memory_address, end = a + s->memory_data_size;
	unsigned int i;

	for (i = 0; i < l->nr; i++)
		if (a >= l->e[i].address && end <= l->e[i].address + l->e[i].length)
			return 0;
	return emu_error_set(err, -EINVAL,
			     "TD HOB: TDVF section %u (%s, PAGE.AUG) at [0x%llx, 0x%llx) is not "
			     "inside one RAM range of the TD; give more memory (--mem) or fix "
			     "the image", sec, tdxctl_tdvf_section_name(s->type),
			     (unsigned long long)a, (unsigned long long)end);
}

static int ram_cmp(const void *a, const void *b)
{
	const struct tdxctl_ram_entry *x = a, *y = b;

	return x->address < y->address ? -1 : x->address > y->address;
}

static int ram_layout(const struct tdxctl_tdvf *tdvf, uint64_t ram_size, struct ram_list *l,
		      struct emu_error *err)
{
	uint64_t below = ram_size, above = 0;
	unsigned int i;
	int ret;

	if (ram_size == 0 || !TDX_IS_ALIGNED(ram_size, TDX_PAGE_SIZE) || ram_size > (1ull << 51))
		return emu_error_set(err, -EINVAL,
				     "TD HOB: RAM size 0x%llx is not a non-zero multiple of 4 KiB "
				     "below 2 PiB", (unsigned long long)ram_size);
	if (ram_size > TDXCTL_LOWMEM_MAX) {
		below = TDXCTL_LOWMEM_MAX;
		above = ram_size - below;
	}
	l->nr = 0;
	ret = ram_add(l, 0, below, EFI_RESOURCE_MEMORY_UNACCEPTED, err);
	if (!ret && above)
		ret = ram_add(l, TDXCTL_4GIB, above, EFI_RESOURCE_MEMORY_UNACCEPTED, err);
	for (i = 0; !ret && i < tdvf->nr_sections; i++) {
		const struct tdvf_section_entry *s = &tdvf->sections[i];

		if (s->type != TDVF_SECTION_TYPE_TD_HOB && s->type != TDVF_SECTION_TYPE_TEMP_MEM)
			continue;
		/* A PAGE.AUG section is not added: the firmware accepts it. */
		if (s->attributes & TDVF_SECTION_ATTRIBUTES_PAGE_AUG)
			ret = ram_check_inside(l, i, s, err);
		else
			ret = ram_accept(l, i, s, err);
	}
	if (ret)
		return ret;
	qsort(l->e, l->nr, sizeof(l->e[0]), ram_cmp);
	return 0;
}

int tdxctl_td_hob_build(const struct tdxctl_tdvf *tdvf, uint64_t ram_size,
			struct tdxctl_td_hob *hob, struct emu_error *err)
{
	const struct tdvf_section_entry *sec = NULL;
	struct efi_hob_handoff_info_table phit;
	struct efi_hob_generic_header end;
	struct ram_list l;
	unsigned int i;
	size_t need, pos;
	int ret;

	memset(hob, 0, sizeof(*hob));
	for (i = 0; i < tdvf->nr_sections; i++) {
		if (tdvf->sections[i].type != TDVF_SECTION_TYPE_TD_HOB)
			continue;
		if (sec)
			return emu_error_set(err, -EINVAL, "TD HOB: more than one TD_HOB section");
		sec = &tdvf->sections[i];
	}
	if (!sec)
		return emu_error_set(err, -EINVAL, "TD HOB: the image has no TD_HOB section");
	ret = ram_layout(tdvf, ram_size, &l, err);
	if (ret)
		return ret;
	need = sizeof(phit) + l.nr * sizeof(struct efi_hob_resource_descriptor) + sizeof(end);
	if (need > sec->memory_data_size)
		return emu_error_set(err, -ENOSPC,
				     "TD HOB: %zu bytes of HOBs do not fit the 0x%llx-byte TD_HOB "
				     "section", need, (unsigned long long)sec->memory_data_size);
	hob->bytes = calloc(1, sec->memory_data_size);
	if (!hob->bytes)
		return emu_error_set(err, -ENOMEM, "TD HOB: out of memory");
	hob->size = sec->memory_data_size;
	hob->gpa = sec->memory_address;
	hob->used = need;
	hob->nr_ram = l.nr;
	memcpy(hob->ram, l.e, sizeof(l.e));

	/* Every HOB here is a multiple of 8 bytes, so all stay 8-byte aligned. */
	phit = (struct efi_hob_handoff_info_table){
		.header = { .hob_type = EFI_HOB_TYPE_HANDOFF, .hob_length = sizeof(phit) },
		.version = EFI_HOB_HANDOFF_TABLE_VERSION,
		.boot_mode = BOOT_WITH_FULL_CONFIGURATION,
		.efi_end_of_hob_list = sec->memory_address + need - sizeof(end),
	};
	memcpy(hob->bytes, &phit, sizeof(phit));
	pos = sizeof(phit);
	for (i = 0; i < l.nr; i++) {
		struct efi_hob_resource_descriptor rd = {
			.header = { .hob_type = EFI_HOB_TYPE_RESOURCE_DESCRIPTOR,
				    .hob_length = sizeof(rd) },
			.resource_type = l.e[i].resource_type,
			.resource_attribute = TD_HOB_RESOURCE_ATTRIBUTES,
			.physical_start = l.e[i].address,
			.resource_length = l.e[i].length,
		};

		memcpy(hob->bytes + pos, &rd, sizeof(rd));
		pos += sizeof(rd);
	}
	end = (struct efi_hob_generic_header){ .hob_type = EFI_HOB_TYPE_END_OF_HOB_LIST,
					       .hob_length = sizeof(end) };
	memcpy(hob->bytes + pos, &end, sizeof(end));
	return 0;
}

void tdxctl_td_hob_free(struct tdxctl_td_hob *hob)
{
	free(hob->bytes);
	hob->bytes = NULL;
}
