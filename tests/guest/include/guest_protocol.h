/*
 * The contract between the guest images in tests/guest and the test that
 * runs them.  Plain #defines only: both the images (.S) and C tests
 * include this file.
 *
 * An image is a flat GUEST_LOAD_SIZE binary loaded at guest physical
 * GUEST_LOAD_GPA, so its last 16 bytes sit at the reset vector.  It talks
 * to the test with "report" calls: a vendor-specific TDG.VP.VMCALL with
 *
 *	RAX = 0 (TDG.VP.VMCALL)		RCX = GUEST_REPORT_MASK (R10..R15)
 *	R10 = GUEST_REPORT_LEAF		R11 = step
 *	R12, R13, R14, R15 = four values, 0 where the step has fewer
 *
 * The host checks the call, records it, and enters the vCPU again.  Each
 * image reports steps 1, 2, 3... in a fixed order (README.md lists them),
 * then GUEST_STEP_DONE, then halts for good.  An unexpected exception
 * reports GUEST_STEP_FAULT instead and halts.
 */
#ifndef TDX_GUEST_PROTOCOL_H
#define TDX_GUEST_PROTOCOL_H

/* Where an image goes: the top 64 KiB below 4 GiB. */
#define GUEST_LOAD_GPA		0xFFFF0000
#define GUEST_LOAD_SIZE		0x10000

/* The report TDVMCALL: R10 (non-zero: vendor-specific) and RCX. */
#define GUEST_REPORT_LEAF	0x7E57
#define GUEST_REPORT_MASK	0xFC00

/* The last report of an image; all four values are 0. */
#define GUEST_STEP_DONE		0xFF

/*
 * An exception no handler expected: R12 = vector, R13 = error code (0 if
 * the vector has none), R14 = faulting RIP, R15 = CR2.  ve_io also uses it
 * for a #VE it cannot skip (R13 = exit reason, or the TDCALL status when
 * TDG.VP.VEINFO.GET failed).
 */
#define GUEST_STEP_FAULT	0xEE

/*
 * ve_io's #VE handler reports every #VE with this step: R12 = exit reason,
 * R13 = exit qualification, R14 = GPA, R15 = instruction length | info << 32.
 */
#define GUEST_STEP_VE		0x20

/*
 * The doorbell: where KVM reflects the #UD of a TDCALL instead of exiting,
 * the doorbell image's #UD handler writes AL to this port (OUT imm8, bytes
 * E6 DB) with every other register as at the TDCALL.  The host runs the
 * TDCALL with those registers and returns its outputs in them.
 */
#define GUEST_DOORBELL_PORT	0xDB

/* Every image maps this 2 MiB of virtual memory to shared GPA (1 << 47). */
#define GUEST_SHARED_VA		0x40000000

#endif /* TDX_GUEST_PROTOCOL_H */
