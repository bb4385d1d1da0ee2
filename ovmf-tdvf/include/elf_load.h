/*
 * The payload loader: an ELF64 x86-64 executable, every header field and
 * segment range checked before a byte is copied (ELF gABI; System V
 * x86-64 psABI).  Pure code over a byte buffer and a copy callback, so the
 * unit tests run it on the host.
 */
#ifndef TDVF_ELF_LOAD_H
#define TDVF_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_PHDRS		16
#define ELF_MAX_LOAD		8

struct elf_segment {
	uint64_t paddr;		/* load address (= p_vaddr, identity-mapped) */
	uint64_t offset;	/* in the file */
	uint64_t filesz;
	uint64_t memsz;
};

struct elf_image {
	uint64_t entry;
	unsigned int num_segments;
	struct elf_segment seg[ELF_MAX_LOAD];
	uint64_t lowest, highest;	/* [lowest, highest) covers every segment */
	const char *error;		/* on failure */
};

/*
 * Checks the ELF file (size bytes) and that each PT_LOAD segment lies in
 * [load_min, load_max).  Returns 0 and fills img, or -1 with img->error.
 */
int elf_check(const void *file, size_t size, uint64_t load_min, uint64_t load_max,
	      struct elf_image *img);

/* Copies each checked segment to dest(paddr) and zeroes its tail up to memsz. */
void elf_load(const void *file, const struct elf_image *img,
	      void *(*dest)(uint64_t paddr, void *ctx), void *ctx);

#endif /* TDVF_ELF_LOAD_H */
