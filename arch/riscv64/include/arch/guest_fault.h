/* Handling of guest faults the hypervisor cannot satisfy, and access to guest code. */
#ifndef ARCH_GUEST_FAULT_H
#define ARCH_GUEST_FAULT_H

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
/* Reads the 16 bits of guest code at guest-virtual va with the guest's translation.
 * Returns 0, or -EFAULT when the guest cannot fetch from there. */
int guest_fetch_u16(u64 va, u16 *out);

#endif
