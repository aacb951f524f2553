/*
 * The narrow interface between the architecture-neutral core (kernel/, vmm/, device/)
 * and arch/riscv64.  Core code calls only these; it never touches a CSR.
 */
#ifndef ARCH_HOOKS_H
#define ARCH_HOOKS_H

#include <arch/regs.h>
#include <kernel/types.h>

struct vcpu;
struct vm;

/* Per-hart setup of trap vector, delegation and counters; run once on every hart. */
void arch_cpu_init(void);
/* Starts hart `hartid` at secondary_entry; false if the firmware refused. */
bool arch_start_hart(u32 hartid);
/* Powers the machine off (status 0) or resets it; never returns. */
void arch_system_off(bool reboot) __noreturn;

/* Sets up a fresh vCPU's VS-level state for its VM (once, at creation). */
void arch_vcpu_init(struct vcpu *vcpu);
/* Prepares the vCPU to start at `entry` in VS-mode with a0/a1 (HSM start, VM boot). */
void arch_vcpu_reset(struct vcpu *vcpu, u64 entry, u64 a0, u64 a1);
/* Saves prev's VS state (prev may be NULL) and loads next's onto this hart. */
void arch_vcpu_switch(struct vcpu *prev, struct vcpu *next);
/* Delivers the vCPU's raised interrupts into its VS state right before it runs. */
void arch_vcpu_prepare_entry(struct vcpu *vcpu);
/* True when an interrupt the guest has enabled is pending (wakes a WFI). */
bool arch_vcpu_irq_pending(struct vcpu *vcpu);
/* Programs the running vCPU's timer in hardware (Sstc); false if it must be emulated. */
bool arch_vcpu_set_timer(struct vcpu *vcpu, u64 deadline);
/* Next time the vCPU's own timer fires, or ~0 (for a vCPU that is not loaded). */
u64 arch_vcpu_timer_deadline(struct vcpu *vcpu);
/* Enters the guest frame; never returns (trap.S). */
void arch_guest_enter(struct guest_regs *regs) __noreturn;

/* Programs this hart's timer interrupt at `deadline` (~0 = none). */
void arch_timer_set(u64 deadline);
/* Waits for an interrupt, then handles the ones pending for the hypervisor. */
void arch_idle(void);
/* Chooses how to clear memory (after platform_init); run once on the boot hart. */
void arch_mem_init(void);
/* Clears [p, p + size) quickly (cbo.zero where available). */
void arch_mem_zero(void *p, u64 size);
/* Flushes stage-2 translations of `vmid` on this hart (after changing its tables). */
void arch_flush_vm_tlb(u16 vmid);

#endif
