/*
 * ovmf-tdvf/src/elf_load.c on the host: a minimal valid ELF64 executable
 * built here (gABI layout written out field by field) loads, with its
 * .bss zeroed; every header field and segment rule the loader checks has
 * a file that breaks exactly it and is refused with its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "elf_load.h"

#define LOAD_MIN	0x900000ull
#define LOAD_MAX	0x2000000ull
#define BASE		0x1000000ull
#define FILE_SIZE	0x3000

/* Byte offsets of the fields (ELF64 gABI). */
#define EH_TYPE		16
#define EH_MACHINE	18
#define EH_VERSION	20
#define EH_ENTRY	24
#define EH_PHOFF	32
#define EH_SHOFF	40
#define EH_FLAGS	48
#define EH_EHSIZE	52
#define EH_PHENTSIZE	54
#define EH_PHNUM	56
#define EH_SHENTSIZE	58
#define EH_SHNUM	60
#define EH_SHSTRNDX	62
#define PH(i)		(64 + 56 * (i))
#define P_TYPE		0
#define P_FLAGS		4
#define P_OFFSET	8
#define P_VADDR		16
#define P_PADDR		24
#define P_FILESZ	32
#define P_MEMSZ		40
#define P_ALIGN		48

static uint8_t file[FILE_SIZE];
static uint8_t memory[0x4000];

static void w16(size_t off, uint16_t v) { memcpy(file + off, &v, 2); }
static void w32(size_t off, uint32_t v) { memcpy(file + off, &v, 4); }
static void w64(size_t off, uint64_t v) { memcpy(file + off, &v, 8); }

static void phdr(unsigned int i, uint32_t type, uint32_t flags, uint64_t off, uint64_t addr,
		 uint64_t filesz, uint64_t memsz)
{
	w32(PH(i) + P_TYPE, type);
	w32(PH(i) + P_FLAGS, flags);
	w64(PH(i) + P_OFFSET, off);
	w64(PH(i) + P_VADDR, addr);
	w64(PH(i) + P_PADDR, addr);
	w64(PH(i) + P_FILESZ, filesz);
	w64(PH(i) + P_MEMSZ, memsz);
	w64(PH(i) + P_ALIGN, 0x1000);
}

/* Text at BASE (file 0x1000, 0x100 bytes), data+bss at BASE+0x1000 (file 0x2000). */
static void build(void)
{
	memset(file, 0, sizeof(file));
	memcpy(file, "\x7f" "ELF\x02\x01\x01\x00", 8);
	w16(EH_TYPE, 2);
	w16(EH_MACHINE, 62);
	w32(EH_VERSION, 1);
	w64(EH_ENTRY, BASE + 0x10);
	w64(EH_PHOFF, 64);
	w16(EH_EHSIZE, 64);
	w16(EH_PHENTSIZE, 56);
	w16(EH_PHNUM, 3);
	phdr(0, 1, 5, 0x1000, BASE, 0x100, 0x100);
	phdr(1, 1, 6, 0x2000, BASE + 0x1000, 0x10, 0x2000);
	phdr(2, 0x6474e551, 6, 0, 0, 0, 0);	/* PT_GNU_STACK */
	memset(file + 0x1000, 0xC3, 0x100);
	memset(file + 0x2000, 0xAB, 0x10);
}

static void expect(const char *msg)
{
	struct elf_image img;

	assert_int_equal(elf_check(file, sizeof(file), LOAD_MIN, LOAD_MAX, &img), -1);
	assert_non_null(img.error);
	assert_string_equal(img.error, msg);
}

static void *dest(uint64_t paddr, void *ctx)
{
	(void)ctx;
	assert_true(paddr >= BASE && paddr < BASE + sizeof(memory));
	return memory + (paddr - BASE);
}

static void test_valid_loads(void **state)
{
	struct elf_image img;

	(void)state;
	build();
	assert_int_equal(elf_check(file, sizeof(file), LOAD_MIN, LOAD_MAX, &img), 0);
	assert_int_equal(img.entry, BASE + 0x10);
	assert_int_equal(img.num_segments, 2);
	assert_int_equal(img.lowest, BASE);
	assert_int_equal(img.highest, BASE + 0x3000);
	memset(memory, 0x55, sizeof(memory));
	elf_load(file, &img, dest, NULL);
	assert_int_equal(memory[0], 0xC3);
	assert_int_equal(memory[0xFF], 0xC3);
	assert_int_equal(memory[0x100], 0x55);		/* not part of any segment */
	assert_int_equal(memory[0x1000], 0xAB);
	assert_int_equal(memory[0x100F], 0xAB);
	assert_int_equal(memory[0x1010], 0);		/* .bss zeroed */
	assert_int_equal(memory[0x2FFF], 0);
	assert_int_equal(memory[0x3000], 0x55);
}

static void test_header_fields(void **state)
{
	struct elf_image img;

	(void)state;
	build(); file[0] = 0x7E; expect("not an ELF file (bad magic)");
	build(); file[4] = 1; expect("ELF class is not ELFCLASS64");
	build(); file[5] = 2; expect("ELF data encoding is not little endian");
	build(); file[6] = 0; expect("ELF ident version is not 1");
	build(); file[7] = 3; expect("ELF OS ABI is not System V");
	build(); w16(EH_TYPE, 3); expect("ELF type is not ET_EXEC");
	build(); w16(EH_MACHINE, 3); expect("ELF machine is not x86-64");
	build(); w32(EH_VERSION, 2); expect("ELF version is not 1");
	build(); w16(EH_EHSIZE, 52); expect("ELF header size is not 64");
	build(); w16(EH_PHENTSIZE, 32); expect("ELF program header size is not 56");
	build(); w16(EH_PHNUM, 0); expect("ELF program header count is 0 or above 16");
	build(); w16(EH_PHNUM, 17); expect("ELF program header count is 0 or above 16");
	build(); w64(EH_PHOFF, FILE_SIZE - 100); expect("ELF program headers lie outside the file");
	build(); w64(EH_PHOFF, UINT64_MAX - 8); expect("ELF program headers lie outside the file");
	build(); w64(EH_PHOFF, 8); expect("ELF program headers lie outside the file");
	build(); w64(EH_PHOFF, 68); expect("ELF program headers are misaligned");
	build(); w32(EH_FLAGS, 1); expect("ELF flags are not 0 (x86-64 defines none)");
	build(); w64(EH_SHOFF, 0x2800); expect("ELF section header fields without section headers");
	build(); w16(EH_SHSTRNDX, 1); expect("ELF section header fields without section headers");
	/* Two section headers at 0x2800 (zeroed), names in section 1. */
	build(); w64(EH_SHOFF, 0x2800); w16(EH_SHNUM, 2); w16(EH_SHENTSIZE, 64); w16(EH_SHSTRNDX, 1);
	{
		struct elf_image ok;

		assert_int_equal(elf_check(file, sizeof(file), LOAD_MIN, LOAD_MAX, &ok), 0);
	}
	w16(EH_SHENTSIZE, 40); expect("ELF section header size is not 64");
	w16(EH_SHENTSIZE, 64); w16(EH_SHNUM, 33); expect("ELF section headers lie outside the file");
	w16(EH_SHNUM, 2); w16(EH_SHSTRNDX, 2); expect("ELF section name table index out of range");
	build();
	assert_int_equal(elf_check(file, 40, LOAD_MIN, LOAD_MAX, &img), -1);
	assert_string_equal(img.error, "file shorter than an ELF64 header");
}

static void test_segments(void **state)
{
	(void)state;
	build(); w64(PH(0) + P_PADDR, BASE + 0x1000); expect("ELF segment virtual and physical addresses differ");
	build(); w64(PH(1) + P_FILESZ, 0x3000); expect("ELF segment file size exceeds its memory size");
	build(); w64(PH(1) + P_FILESZ, 0x1001); w64(PH(1) + P_MEMSZ, 0x2000); expect("ELF segment data lies outside the file");
	build(); w64(PH(1) + P_OFFSET, UINT64_MAX); expect("ELF segment data lies outside the file");
	build(); w64(PH(1) + P_FILESZ, 0); w64(PH(1) + P_MEMSZ, 0); expect("ELF load segment of size 0");
	build(); phdr(1, 1, 6, 0x2000, UINT64_MAX & ~0xFFFull, 0x10, 0x2000); expect("ELF segment wraps around the address space");
	build(); phdr(1, 1, 6, 0x2000, LOAD_MAX - 0x1000, 0x10, 0x2000); expect("ELF segment outside the payload load window");
	build(); phdr(0, 1, 5, 0x1000, 0x100000, 0x100, 0x100); w64(EH_ENTRY, 0x100010); expect("ELF segment outside the payload load window");
	build(); w64(PH(1) + P_ALIGN, 0x3000); expect("ELF segment alignment is inconsistent");
	build(); phdr(1, 1, 6, 0x2000, BASE + 0x80, 0x10, 0x10);
	w64(PH(1) + P_ALIGN, 0); expect("ELF segments overlap");
	build(); w32(PH(2) + P_TYPE, 3); expect("ELF payload is dynamically linked");
	build(); w32(PH(2) + P_TYPE, 2); expect("ELF payload is dynamically linked");
	build(); w32(PH(2) + P_TYPE, 7); expect("ELF payload has a TLS segment");
	build(); w32(PH(2) + P_TYPE, 0x60000001); expect("ELF program header of an unknown type");
	build(); w32(PH(0) + P_TYPE, 4); w32(PH(1) + P_TYPE, 4); expect("ELF file has no load segment");
}

static void test_entry(void **state)
{
	(void)state;
	build(); w64(EH_ENTRY, BASE + 0x1000); expect("ELF entry point is not in an executable segment's file data");
	build(); w64(EH_ENTRY, BASE + 0x100); expect("ELF entry point is not in an executable segment's file data");
	build(); w32(PH(0) + P_FLAGS, 4); expect("ELF entry point is not in an executable segment's file data");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_loads),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
