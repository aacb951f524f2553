/* Handling of guest faults the hypervisor cannot satisfy, and access to guest code. */
#ifndef ARCH_GUEST_FAULT_H
#define ARCH_GUEST_FAULT_H

#include <arch/csr.h>
#include <arch/regs.h>
#include <kernel/types.h>

struct vcpu;
struct mmio_dev;

/* Delivers exception `cause` with `tval` to the running vCPU's VS-mode trap handler,
 * as hardware would have.  Stops the VM if its handler itself keeps faulting. */
void guest_inject_exception(struct vcpu *vcpu, u64 cause, u64 tval);
/* Load/store/fetch guest-page fault: MMIO emulation or an injected access fault. */
void guest_page_fault(struct vcpu *vcpu, u64 cause);
/* Emulates the access at gpa by the trapping instruction on device dev. */
void mmio_exit_handle(struct vcpu *vcpu, struct mmio_dev *dev, gpaddr_t gpa, u64 cause);
/* The fast path of a load/store guest-page fault (arch_guest_trap_fast(), see regs.h):
 * emulates the access when htinst holds the transformed instruction, the address is in a
 * device and the instruction names no register of REGS_PRESERVED_MASK.  Otherwise defers
 * the exit, having changed nothing, to guest_page_fault(). */
struct fast_exit mmio_exit_fast(struct vcpu *vcpu, u64 cause);
/* The guest-physical address of the current guest-page fault. */
static inline gpaddr_t guest_fault_gpa(void)
{
    return (csr_read(htval) << 2) | (csr_read(stval) & 3);
}

/* Reads the 16 bits of guest code at guest-virtual va with the guest's translation.
 * Returns 0, or -EFAULT when the guest cannot fetch from there. */
int guest_fetch_u16(u64 va, u16 *out);

#endif
