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
