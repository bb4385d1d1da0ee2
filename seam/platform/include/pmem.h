/*
 * Physical memory through the memory controller, in three views.
 *
 * DRAM holds plaintext; each 64-byte line carries metadata: the KeyID it
 * was last written with, the generation of that KeyID's key, the TD-owner
 * bit and a poison bit.  Addresses carry the KeyID in their top
 * keyid_bits (below max_pa), as on MKTME hardware.
 *
 * Host view (LP not in SEAM): a private (TDX) KeyID is refused (-EPERM);
 * SEAMRR is refused once SEAM is enabled (-EACCES; reads give all ones).
 * A read of a TD-owned line returns zeros; a write to one clears the
 * TD-owner bit and poisons the line, so the TD's next read of it is a
 * machine check.  MOVDIR64B (pmem_host_movdir64b) is how the host resets
 * reclaimed pages: whole zero lines, TD bit and poison cleared.  A line
 * written under another key reads back as that ciphertext decrypted under
 * the reader's key.
 *
 * SEAM view (LP in SEAM or ACM mode): any KeyID that is programmed on the
 * LP's package (-ENOKEY otherwise).  A write under a private KeyID sets
 * the TD-owner bit; a read under a private KeyID of a line that is not
 * TD-owned, is poisoned, or was written under another KeyID or key
 * generation fails its integrity check (-EIO).
 *
 * Attacker view: the AES-XTS-128 ciphertext of each line under its key,
 * tweak = the line's physical address.
 *
 * Every access is bounds-checked against DRAM (-EFAULT).
 */
#ifndef TDX_PMEM_H
#define TDX_PMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tdx/tdx_types.h>

struct platform;
struct plat_lp;

int pmem_host_read(struct platform *plat, hpa_t pa, void *buf, size_t len);
int pmem_host_write(struct platform *plat, hpa_t pa, const void *buf, size_t len);
/** pmem_host_movdir64b() - zero whole lines with direct stores (-EINVAL if misaligned). */
int pmem_host_movdir64b(struct platform *plat, hpa_t pa, size_t len);

/*
 * pmem_host_update64() - an atomic read-modify-write of the 8 bytes at
 * @pa (8-byte aligned, a shared KeyID): new = (old & @and_mask) | @or_mask,
 * *@old gets the old value.  What a LOCK-prefixed instruction does; the
 * posted-interrupt descriptor is updated this way by the host and by the
 * CPU.  A TD-owned or poisoned line is refused (-EIO) and not changed.
 */
int pmem_host_update64(struct platform *plat, hpa_t pa, uint64_t and_mask, uint64_t or_mask,
		       uint64_t *old);

int pmem_seam_read(struct plat_lp *lp, hpa_t pa, void *buf, size_t len);
int pmem_seam_write(struct plat_lp *lp, hpa_t pa, const void *buf, size_t len);
/** pmem_seam_init() - MOVDIR64B zeros over whole lines under pa's KeyID. */
int pmem_seam_init(struct plat_lp *lp, hpa_t pa, size_t len);

int pmem_attacker_read(struct platform *plat, uint64_t pa, void *buf, size_t len);

struct pmem_line_info {
	hkid_t keyid;
	uint32_t key_gen;
	bool td_owner;
	bool poison;
};
/** pmem_line_info() - the metadata of the line holding @pa (KeyID bits ignored). */
int pmem_line_info(struct platform *plat, uint64_t pa, struct pmem_line_info *out);

/* KeyID arithmetic on physical addresses. */
hpa_t pmem_pa_with_keyid(const struct platform *plat, uint64_t pa, hkid_t keyid);
hkid_t pmem_pa_keyid(const struct platform *plat, hpa_t pa);
uint64_t pmem_pa_strip_keyid(const struct platform *plat, hpa_t pa);

#endif /* TDX_PMEM_H */
