/*
 * Posted-interrupt processing (posted_intr.h).  The descriptor is host
 * memory, read and cleared with locked read-modify-writes as the CPU
 * does; the vectors go to the vCPU engine's virtual APIC.
 */
#include "platform.h"
#include "pmem.h"
#include "posted_intr.h"
#include "td.h"
#include "td_vcpu.h"

void posted_intr_process(struct tdx_module *mod, struct vcpu *v)
{
	uint64_t pid = v->ctls.pid_addr, old;

	if (!(v->ctls.pinbased & VCPU_PINBASED_POSTED_INT) || pid == VCPU_NULL_PA ||
	    !v->engine || !v->td || !v->td->engine)
		return;
	/* A descriptor the host made unreadable delivers nothing. */
	if (pmem_host_update64(mod->plat, pid + PID_CONTROL_OFFSET, ~PID_CONTROL_ON, 0, &old))
		return;
	for (unsigned int w = 0; w < PID_PIR_WORDS; w++) {
		uint64_t pir;

		if (pmem_host_update64(mod->plat, pid + 8 * w, 0, 0, &pir))
			return;
		while (pir) {
			unsigned int bit = (unsigned int)__builtin_ctzll(pir);

			pir &= pir - 1;
			/* The engine's APIC IDs are the vCPU indexes. */
			td_vm_post_interrupt(v->td->engine, v->index, (uint8_t)(w * 64 + bit));
		}
	}
}
