/* The ELF64 payload loader (elf_load.h). */
#include "elf_load.h"

#include <string.h>

/* ELF64 structures and constants, as the gABI names them. */
#define EI_NIDENT	16
#define ELFMAG0		0x7F
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ELFOSABI_SYSV	0
#define ET_EXEC		2
#define EM_X86_64	62

#define PT_NULL		0
#define PT_LOAD		1
#define PT_DYNAMIC	2
#define PT_INTERP	3
#define PT_NOTE		4
#define PT_PHDR		6
#define PT_TLS		7
#define PT_GNU_EH_FRAME	0x6474e550
#define PT_GNU_STACK	0x6474e551
#define PT_GNU_RELRO	0x6474e552
#define PT_GNU_PROPERTY	0x6474e553

#define PF_X		1

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr");

static int fail(struct elf_image *img, const char *msg)
{
	img->error = msg;
	return -1;
}

static int check_ehdr(const struct elf64_ehdr *eh, size_t size, struct elf_image *img)
{
	if (eh->e_ident[0] != ELFMAG0 || eh->e_ident[1] != 'E' ||
	    eh->e_ident[2] != 'L' || eh->e_ident[3] != 'F')
		return fail(img, "not an ELF file (bad magic)");
	if (eh->e_ident[4] != ELFCLASS64)
		return fail(img, "ELF class is not ELFCLASS64");
	if (eh->e_ident[5] != ELFDATA2LSB)
		return fail(img, "ELF data encoding is not little endian");
	if (eh->e_ident[6] != EV_CURRENT)
		return fail(img, "ELF ident version is not 1");
	if (eh->e_ident[7] != ELFOSABI_SYSV)
		return fail(img, "ELF OS ABI is not System V");
	if (eh->e_type != ET_EXEC)
		return fail(img, "ELF type is not ET_EXEC");
	if (eh->e_machine != EM_X86_64)
		return fail(img, "ELF machine is not x86-64");
	if (eh->e_version != EV_CURRENT)
		return fail(img, "ELF version is not 1");
	if (eh->e_ehsize != sizeof(struct elf64_ehdr))
		return fail(img, "ELF header size is not 64");
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return fail(img, "ELF program header size is not 56");
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS)
		return fail(img, "ELF program header count is 0 or above 16");
	if (eh->e_phoff < sizeof(struct elf64_ehdr) || eh->e_phoff > size ||
	    (size - eh->e_phoff) / sizeof(struct elf64_phdr) < eh->e_phnum)
		return fail(img, "ELF program headers lie outside the file");
	if (eh->e_phoff % 8)
		return fail(img, "ELF program headers are misaligned");
	if (eh->e_flags != 0)
		return fail(img, "ELF flags are not 0 (x86-64 defines none)");
	/* Section headers are not used for loading, but must be consistent. */
	if (eh->e_shnum == 0) {
		if (eh->e_shoff != 0 || eh->e_shstrndx != 0)
			return fail(img, "ELF section header fields without section headers");
	} else {
		if (eh->e_shentsize != 64)
			return fail(img, "ELF section header size is not 64");
		if (eh->e_shoff < sizeof(struct elf64_ehdr) || eh->e_shoff > size ||
		    (size - eh->e_shoff) / 64 < eh->e_shnum)
			return fail(img, "ELF section headers lie outside the file");
		if (eh->e_shstrndx >= eh->e_shnum)
			return fail(img, "ELF section name table index out of range");
	}
	return 0;
}

static int check_load(const struct elf64_phdr *ph, size_t size, uint64_t load_min,
		      uint64_t load_max, struct elf_image *img)
{
	uint64_t end;

	if (ph->p_vaddr != ph->p_paddr)
		return fail(img, "ELF segment virtual and physical addresses differ");
	if (ph->p_filesz > ph->p_memsz)
		return fail(img, "ELF segment file size exceeds its memory size");
	if (ph->p_offset > size || size - ph->p_offset < ph->p_filesz)
		return fail(img, "ELF segment data lies outside the file");
	if (ph->p_memsz == 0)
		return fail(img, "ELF load segment of size 0");
	end = ph->p_paddr + ph->p_memsz;
	if (end < ph->p_paddr)
		return fail(img, "ELF segment wraps around the address space");
	if (ph->p_paddr < load_min || end > load_max)
		return fail(img, "ELF segment outside the payload load window");
	if (ph->p_align > 1 && ((ph->p_align & (ph->p_align - 1)) ||
				(ph->p_vaddr - ph->p_offset) % ph->p_align))
		return fail(img, "ELF segment alignment is inconsistent");
	for (unsigned int i = 0; i < img->num_segments; i++) {
		const struct elf_segment *s = &img->seg[i];

		if (ph->p_paddr < s->paddr + s->memsz && s->paddr < end)
			return fail(img, "ELF segments overlap");
	}
	if (img->num_segments >= ELF_MAX_LOAD)
		return fail(img, "more than 8 ELF load segments");
	img->seg[img->num_segments++] = (struct elf_segment){
		ph->p_paddr, ph->p_offset, ph->p_filesz, ph->p_memsz,
	};
	if (!img->lowest || ph->p_paddr < img->lowest)
		img->lowest = ph->p_paddr;
	if (end > img->highest)
		img->highest = end;
	return 0;
}

int elf_check(const void *file, size_t size, uint64_t load_min, uint64_t load_max,
	      struct elf_image *img)
{
	const uint8_t *f = file;
	struct elf64_ehdr eh;
	int entry_ok = 0;

	memset(img, 0, sizeof(*img));
	if (size < sizeof(eh))
		return fail(img, "file shorter than an ELF64 header");
	memcpy(&eh, f, sizeof(eh));
	if (check_ehdr(&eh, size, img))
		return -1;

	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, f + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		switch (ph.p_type) {
		case PT_LOAD:
			if (check_load(&ph, size, load_min, load_max, img))
				return -1;
			if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr &&
			    eh.e_entry - ph.p_vaddr < ph.p_filesz)
				entry_ok = 1;
			break;
		case PT_NULL:
		case PT_NOTE:
		case PT_PHDR:
		case PT_GNU_EH_FRAME:
		case PT_GNU_STACK:
		case PT_GNU_RELRO:
		case PT_GNU_PROPERTY:
			break;
		case PT_DYNAMIC:
		case PT_INTERP:
			return fail(img, "ELF payload is dynamically linked");
		case PT_TLS:
			return fail(img, "ELF payload has a TLS segment");
		default:
			return fail(img, "ELF program header of an unknown type");
		}
	}
	if (!img->num_segments)
		return fail(img, "ELF file has no load segment");
	if (!entry_ok)
		return fail(img, "ELF entry point is not in an executable segment's file data");
	img->entry = eh.e_entry;
	return 0;
}

void elf_load(const void *file, const struct elf_image *img,
	      void *(*dest)(uint64_t paddr, void *ctx), void *ctx)
{
	const uint8_t *f = file;

	for (unsigned int i = 0; i < img->num_segments; i++) {
		const struct elf_segment *s = &img->seg[i];
		uint8_t *d = dest(s->paddr, ctx);

		memcpy(d, f + s->offset, s->filesz);
		memset(d + s->filesz, 0, s->memsz - s->filesz);
	}
}
