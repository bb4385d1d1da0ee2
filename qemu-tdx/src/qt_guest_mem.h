/*
 * How qemu-tdx devices reach guest memory: only through the VMM, and only
 * the shared memory it backs.  Devices never see private memory.
 */
#ifndef TDX_QEMU_TDX_QT_GUEST_MEM_H
#define TDX_QEMU_TDX_QT_GUEST_MEM_H

#include <stdint.h>

/**
 * struct qt_guest_mem - guest-memory accessor the VMM hands to devices.
 * @shared_ptr: host pointer for [@gpa, @gpa + @len) when the whole range
 *   is shared memory the VMM backs, else NULL.  @gpa is the address the
 *   guest wrote, shared bit included (the VMM strips it).  The pointer is
 *   valid until the guest converts the range back; devices ask again at
 *   every access instead of keeping it.
 *
 * Devices call @shared_ptr from vCPU threads and from host threads (console
 * input), under their own lock, and copy through the pointer right after.
 * A conversion to private on another vCPU can land in between, so the VMM
 * should drop shared backing without unmapping it (MADV_DONTNEED or a hole
 * punched in the backing file): a late copy then reads zeros or writes to a
 * discarded page instead of faulting.  @shared_ptr must be thread-safe.
 */
struct qt_guest_mem {
	void *opaque;
	void *(*shared_ptr)(void *opaque, uint64_t gpa, uint64_t len);
};

/** qt_guest_mem_ptr() - @mem->shared_ptr with the checks every caller needs. */
static inline void *qt_guest_mem_ptr(const struct qt_guest_mem *mem, uint64_t gpa,
				     uint64_t len)
{
	if (!mem || !mem->shared_ptr || len == 0 || gpa + len < gpa)
		return NULL;
	return mem->shared_ptr(mem->opaque, gpa, len);
}

#endif /* TDX_QEMU_TDX_QT_GUEST_MEM_H */
