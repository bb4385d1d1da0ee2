/*
 * ovmf-tdvf/src/hob.c on the host: a well-formed TD HOB (as QEMU builds
 * it) is accepted and its RAM ranges come back sorted; each rule of
 * reference host-stack.md 4.6 has a HOB that breaks exactly it and must
 * be refused with its own message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tdx/tdvf.h>

#include "hob.h"

#define HOB_GPA		0x810000ull
#define SECTION		0x2000
#define MAX_GPA		(1ull << 47)

struct hob_builder {
	uint8_t buf[SECTION];
	size_t len;
	size_t phit_off;
};

static void *put(struct hob_builder *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->buf));
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return b->buf + b->len - n;
}

static void phit(struct hob_builder *b)
{
	struct efi_hob_handoff_info_table t = {
		.header = { EFI_HOB_TYPE_HANDOFF, sizeof(t), 0 },
		.version = EFI_HOB_HANDOFF_TABLE_VERSION,
		.boot_mode = BOOT_WITH_FULL_CONFIGURATION,
	};

	b->phit_off = b->len;
	put(b, &t, sizeof(t));
}

static struct efi_hob_resource_descriptor *resource(struct hob_builder *b, uint32_t type,
						     uint64_t base, uint64_t len)
{
	struct efi_hob_resource_descriptor r = {
		.header = { EFI_HOB_TYPE_RESOURCE_DESCRIPTOR, sizeof(r), 0 },
		.resource_type = type,
		.resource_attribute = EFI_RESOURCE_ATTRIBUTE_PRESENT |
				      EFI_RESOURCE_ATTRIBUTE_INITIALIZED |
				      EFI_RESOURCE_ATTRIBUTE_TESTED,
		.physical_start = base,
		.resource_length = len,
	};

	return put(b, &r, sizeof(r));
}

/* END HOB, and the PHIT's EfiEndOfHobList pointing at it. */
static void end(struct hob_builder *b)
{
	struct efi_hob_generic_header e = { EFI_HOB_TYPE_END_OF_HOB_LIST, 8, 0 };
	uint64_t gpa = HOB_GPA + b->len;

	memcpy(b->buf + b->phit_off + offsetof(struct efi_hob_handoff_info_table,
					       efi_end_of_hob_list), &gpa, 8);
	put(b, &e, sizeof(e));
}

/* QEMU's shape: unaccepted RAM around the TEMP_MEM/TD_HOB sections. */
static void qemu_like(struct hob_builder *b)
{
	memset(b, 0, sizeof(*b));
	phit(b);
	resource(b, EFI_RESOURCE_MEMORY_UNACCEPTED, 0x900000, 0x1F700000);
	resource(b, EFI_RESOURCE_MEMORY_UNACCEPTED, 0, 0x800000);
	resource(b, EFI_RESOURCE_SYSTEM_MEMORY, 0x800000, 0x100000);
	end(b);
}

static void expect_error(struct hob_builder *b, const char *msg)
{
	struct hob_result res;

	assert_int_equal(hob_validate(b->buf, SECTION, HOB_GPA, MAX_GPA, &res), -1);
	assert_non_null(res.error);
	assert_string_equal(res.error, msg);
}

static void test_valid_qemu_hob(void **state)
{
	struct hob_builder b;
	struct hob_result res;

	(void)state;
	qemu_like(&b);
	assert_int_equal(hob_validate(b.buf, SECTION, HOB_GPA, MAX_GPA, &res), 0);
	assert_int_equal(res.hob_length, b.len);
	assert_int_equal(res.num_ram, 3);
	assert_int_equal(res.ram[0].base, 0);
	assert_int_equal(res.ram[0].resource_type, EFI_RESOURCE_MEMORY_UNACCEPTED);
	assert_int_equal(res.ram[1].base, 0x800000);
	assert_int_equal(res.ram[1].resource_type, EFI_RESOURCE_SYSTEM_MEMORY);
	assert_int_equal(res.ram[2].base, 0x900000);
	assert_int_equal(res.ram[2].length, 0x1F700000);
}

static void test_allowed_other_hobs(void **state)
{
	struct hob_builder b;
	struct hob_result res;
	uint8_t guid_hob[32] = { 0 }, fv[24] = { 0 }, fv2[56] = { 0 }, fv3[64] = { 0 };
	struct efi_hob_cpu cpu = { { EFI_HOB_TYPE_CPU, 16, 0 }, 48, 16, { 0 } };

	(void)state;
	memset(&b, 0, sizeof(b));
	phit(&b);
	((struct efi_hob_generic_header *)guid_hob)->hob_type = EFI_HOB_TYPE_GUID_EXTENSION;
	((struct efi_hob_generic_header *)guid_hob)->hob_length = sizeof(guid_hob);
	put(&b, guid_hob, sizeof(guid_hob));
	((struct efi_hob_generic_header *)fv)->hob_type = EFI_HOB_TYPE_FV;
	((struct efi_hob_generic_header *)fv)->hob_length = sizeof(fv);
	put(&b, fv, sizeof(fv));
	((struct efi_hob_generic_header *)fv2)->hob_type = EFI_HOB_TYPE_FV2;
	((struct efi_hob_generic_header *)fv2)->hob_length = sizeof(fv2);
	put(&b, fv2, sizeof(fv2));
	((struct efi_hob_generic_header *)fv3)->hob_type = EFI_HOB_TYPE_FV3;
	((struct efi_hob_generic_header *)fv3)->hob_length = sizeof(fv3);
	put(&b, fv3, sizeof(fv3));
	put(&b, &cpu, sizeof(cpu));
	resource(&b, EFI_RESOURCE_MEMORY_MAPPED_IO, 0xFEB00000, 0x1000);
	resource(&b, EFI_RESOURCE_IO, 0x0, 0x10000);
	resource(&b, EFI_RESOURCE_SYSTEM_MEMORY, 0x0, 0x1000000);
	end(&b);
	assert_int_equal(hob_validate(b.buf, SECTION, HOB_GPA, MAX_GPA, &res), 0);
	assert_int_equal(res.num_ram, 1);	/* MMIO and I/O are not RAM */
}

static void test_phit_rules(void **state)
{
	struct hob_builder b;
	struct efi_hob_handoff_info_table *p;

	(void)state;
	qemu_like(&b);
	p = (struct efi_hob_handoff_info_table *)b.buf;
	p->header.hob_type = EFI_HOB_TYPE_RESOURCE_DESCRIPTOR;
	expect_error(&b, "first HOB is not the PHIT (handoff info table)");

	qemu_like(&b);
	p->header.hob_length = 48;
	expect_error(&b, "PHIT length is not 56");

	qemu_like(&b);
	p->version = 8;
	expect_error(&b, "PHIT version is not 9");

	qemu_like(&b);
	p->boot_mode = 0x12;
	expect_error(&b, "PHIT boot mode unknown");

	qemu_like(&b);
	p->boot_mode = BOOT_ON_S3_RESUME;
	{
		struct hob_result res;

		assert_int_equal(hob_validate(b.buf, SECTION, HOB_GPA, MAX_GPA, &res), 0);
	}

	qemu_like(&b);
	p->efi_free_memory_top = 0x1234;
	expect_error(&b, "PHIT EfiFreeMemoryTop not 4 KiB aligned");

	qemu_like(&b);
	p->efi_end_of_hob_list += 8;
	expect_error(&b, "PHIT EfiEndOfHobList does not point at the END HOB");
}

static void test_list_structure(void **state)
{
	struct hob_builder b;
	struct efi_hob_generic_header *h;
	struct hob_result res;

	(void)state;
	/* Unknown HOB type (memory allocation is not in TDVF's list). */
	qemu_like(&b);
	h = (struct efi_hob_generic_header *)(b.buf + 56);
	h->hob_type = EFI_HOB_TYPE_MEMORY_ALLOCATION;
	expect_error(&b, "HOB of a type TDVF does not accept");

	qemu_like(&b);
	h->hob_length = 44;
	expect_error(&b, "HOB length below 8 or not a multiple of 8");

	qemu_like(&b);
	h->hob_length = 4;
	expect_error(&b, "HOB length below 8 or not a multiple of 8");

	qemu_like(&b);
	h->hob_length = 56;
	expect_error(&b, "resource descriptor length is not 48");

	qemu_like(&b);
	h->hob_type = EFI_HOB_TYPE_HANDOFF;
	h->hob_length = 56;
	expect_error(&b, "a second PHIT");

	/* A HOB claiming to run past the section. */
	qemu_like(&b);
	h->hob_length = SECTION;
	expect_error(&b, "HOB runs past the end of its section");

	/* No END: the list runs to the section end (section filled with resources). */
	memset(&b, 0, sizeof(b));
	phit(&b);
	while (b.len + 48 <= SECTION)
		resource(&b, EFI_RESOURCE_MEMORY_MAPPED_IO_PORT, 0, 1);
	memset(b.buf + b.len, 0, SECTION - b.len);
	assert_int_equal(hob_validate(b.buf, SECTION, HOB_GPA, MAX_GPA, &res), -1);

	/* END with a wrong length. */
	qemu_like(&b);
	((struct efi_hob_generic_header *)(b.buf + b.len - 8))->hob_length = 16;
	expect_error(&b, "END HOB length is not 8");

	/* The section smaller than a PHIT. */
	qemu_like(&b);
	assert_int_equal(hob_validate(b.buf, 40, HOB_GPA, MAX_GPA, &res), -1);
	assert_string_equal(res.error, "HOB section too small for the PHIT");

	/* The valid list cut by a section that ends before END. */
	assert_int_equal(hob_validate(b.buf, b.len - 8, HOB_GPA, MAX_GPA, &res), -1);
	assert_string_equal(res.error, "HOB list runs past its section without an END HOB");
}

static void test_resource_rules(void **state)
{
	struct hob_builder b;
	struct efi_hob_resource_descriptor *r;

	(void)state;
	qemu_like(&b);
	r = (struct efi_hob_resource_descriptor *)(b.buf + 56);
	r->resource_type = 8;
	expect_error(&b, "resource descriptor with an unknown resource type");

	qemu_like(&b);
	r->resource_attribute |= 0x10000000;
	expect_error(&b, "resource descriptor with non-standard attribute bits");

	qemu_like(&b);
	r->resource_length = 0;
	expect_error(&b, "resource descriptor of length 0");

	qemu_like(&b);
	r->physical_start = UINT64_MAX - 0xFFF;
	expect_error(&b, "resource descriptor wraps around the address space");

	qemu_like(&b);
	r->physical_start = MAX_GPA - 0x1000;
	r->resource_length = 0x2000;
	expect_error(&b, "resource descriptor beyond the private GPA space");

	qemu_like(&b);
	r->physical_start = 0x900800;
	expect_error(&b, "memory resource not 4 KiB aligned");

	/* 0x700000..0x900000 overlaps 0..0x800000, listed before it. */
	memset(&b, 0, sizeof(b));
	phit(&b);
	resource(&b, EFI_RESOURCE_MEMORY_UNACCEPTED, 0, 0x800000);
	resource(&b, EFI_RESOURCE_SYSTEM_MEMORY, 0x700000, 0x200000);
	end(&b);
	expect_error(&b, "resource descriptors overlap");

	/* MMIO overlapping RAM is refused too. */
	memset(&b, 0, sizeof(b));
	phit(&b);
	resource(&b, EFI_RESOURCE_SYSTEM_MEMORY, 0, 0x800000);
	resource(&b, EFI_RESOURCE_MEMORY_MAPPED_IO, 0x7FF000, 0x1000);
	end(&b);
	expect_error(&b, "resource descriptors overlap");
}

static void test_cpu_and_fv_rules(void **state)
{
	struct hob_builder b;
	struct efi_hob_cpu cpu = { { EFI_HOB_TYPE_CPU, 16, 0 }, 48, 16, { 0, 0, 1, 0, 0, 0 } };
	uint8_t fv[32] = { 0 };

	(void)state;
	memset(&b, 0, sizeof(b));
	phit(&b);
	resource(&b, EFI_RESOURCE_SYSTEM_MEMORY, 0, 0x1000000);
	put(&b, &cpu, sizeof(cpu));
	end(&b);
	expect_error(&b, "CPU HOB reserved bytes are not 0");

	memset(&b, 0, sizeof(b));
	phit(&b);
	((struct efi_hob_generic_header *)fv)->hob_type = EFI_HOB_TYPE_FV;
	((struct efi_hob_generic_header *)fv)->hob_length = sizeof(fv);
	put(&b, fv, sizeof(fv));
	end(&b);
	expect_error(&b, "FV HOB length is not 24");

	/* A HOB list with no RAM at all. */
	memset(&b, 0, sizeof(b));
	phit(&b);
	resource(&b, EFI_RESOURCE_MEMORY_MAPPED_IO, 0xFEB00000, 0x1000);
	end(&b);
	expect_error(&b, "no RAM resource descriptor");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_qemu_hob),
		cmocka_unit_test(test_allowed_other_hobs),
		cmocka_unit_test(test_phit_rules),
		cmocka_unit_test(test_list_structure),
		cmocka_unit_test(test_resource_rules),
		cmocka_unit_test(test_cpu_and_fv_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
