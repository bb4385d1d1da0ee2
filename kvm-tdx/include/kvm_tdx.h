/*
 * KVM's TDX API, offered as a library with the upstream shapes: VM and
 * vCPU "ioctls" taking the upstream request numbers and structs
 * (include/tdx/kvm_tdx_uapi.h), returning 0 or -errno, with the raw
 * SEAMCALL status in kvm_tdx_cmd.hw_error when the module refused.
 *
 * A TD's private memory comes from a guest_memfd (host pages kvm-tdx
 * allocates); its shared half is the VMM's own memory.  The call order
 * is KVM's: CAPABILITIES, INIT_VM, then per vCPU create + INIT_VCPU,
 * memory regions with guest_memfd made private, INIT_MEM_REGION,
 * FINALIZE_VM.
 */
#ifndef TDX_KVM_TDX_H
#define TDX_KVM_TDX_H

#include <stdint.h>

#include <tdx/kvm_tdx_uapi.h>

struct tdx_host;
struct kvm_tdx_vm;
struct kvm_tdx_vcpu;
struct kvm_run;
struct kvm_tdx_exit;
struct kvm_memory_fault_exit;

/** kvm_tdx_check_extension() - KVM_CHECK_EXTENSION for the caps KVM TDX users probe. */
long kvm_tdx_check_extension(struct tdx_host *host, long cap);

/** kvm_tdx_create_vm() - KVM_CREATE_VM(@type); only KVM_X86_TDX_VM here. */
int kvm_tdx_create_vm(struct tdx_host *host, unsigned long type, struct kvm_tdx_vm **out);

/** kvm_tdx_destroy_vm() - tear the TD down in Linux's reclaim order. */
void kvm_tdx_destroy_vm(struct kvm_tdx_vm *vm);

/**
 * kvm_tdx_vm_ioctl() - KVM_MEMORY_ENCRYPT_OP (struct kvm_tdx_cmd *),
 * KVM_CREATE_GUEST_MEMFD (returns a handle), KVM_SET_USER_MEMORY_REGION2,
 * KVM_SET_MEMORY_ATTRIBUTES, KVM_SET_TSC_KHZ (arg is the value).
 */
long kvm_tdx_vm_ioctl(struct kvm_tdx_vm *vm, unsigned long req, void *arg);

/** kvm_tdx_create_vcpu() - KVM_CREATE_VCPU(@id). */
int kvm_tdx_create_vcpu(struct kvm_tdx_vm *vm, unsigned long id, struct kvm_tdx_vcpu **out);

/**
 * kvm_tdx_vcpu_ioctl() - KVM_MEMORY_ENCRYPT_OP or KVM_RUN on a vCPU.
 * KVM_RUN returns 0 with the exit in kvm_tdx_vcpu_run_page(), or -EINTR
 * (run->immediate_exit), -EFAULT (KVM_EXIT_MEMORY_FAULT), -EINVAL (the TD
 * is not finalized or the vCPU not initialized), -EIO (the TD reported a
 * fatal error before).
 */
long kvm_tdx_vcpu_ioctl(struct kvm_tdx_vcpu *vcpu, unsigned long req, void *arg);

/**
 * kvm_tdx_vcpu_kick() - what a signal to a vCPU thread does in KVM: with
 * run->immediate_exit set, a KVM_RUN in progress returns -EINTR
 * (KVM_EXIT_INTR) at its next exit, which the kick forces.
 */
int kvm_tdx_vcpu_kick(struct kvm_tdx_vcpu *vcpu);
/** kvm_tdx_vcpu_run_page() - the vCPU's struct kvm_run (what mmap() of a vCPU fd gives). */
struct kvm_run *kvm_tdx_vcpu_run_page(struct kvm_tdx_vcpu *vcpu);
/* The exit payloads Debian's struct kvm_run has no member for. */
struct kvm_tdx_exit *kvm_tdx_run_tdx(struct kvm_run *run);
struct kvm_memory_fault_exit *kvm_tdx_run_memory_fault(struct kvm_run *run);

/* For tests and tools: what the host may know about the TD. */
uint64_t kvm_tdx_vm_tdr_pa(const struct kvm_tdx_vm *vm);
hkid_t kvm_tdx_vm_hkid(const struct kvm_tdx_vm *vm);
/** kvm_tdx_vm_private_pa() - the host page backing private @gpa, or 0. */
uint64_t kvm_tdx_vm_private_pa(const struct kvm_tdx_vm *vm, uint64_t gpa);
/** kvm_tdx_vcpu_tdvpr_pa() - the vCPU's TDVPR page (0 before INIT_VCPU). */
uint64_t kvm_tdx_vcpu_tdvpr_pa(const struct kvm_tdx_vcpu *vcpu);
/** kvm_tdx_vcpu_cpu() - the LP the vCPU is associated with, or -1. */
int kvm_tdx_vcpu_cpu(const struct kvm_tdx_vcpu *vcpu);

#endif /* TDX_KVM_TDX_H */
