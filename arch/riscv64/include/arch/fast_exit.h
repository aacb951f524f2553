/*
 * The fast path of guest exits (arch_guest_trap_fast(), see regs.h): how its handlers end.
 * Inline, so that a handler needs no frame beyond its own.
 */
#ifndef ARCH_FAST_EXIT_H
#define ARCH_FAST_EXIT_H

#include <arch/hooks.h>
#include <arch/regs.h>
#include <kernel/pcpu.h>
#include <kernel/sched.h>
#include <vmm/vcpu.h>

/* True when the vCPU's interrupt lines and edges are as last written into hvip, so that
 * arch_vcpu_prepare_entry() has nothing to do.  A look only (relaxed): what changed is
 * read again, with acquire, by arch_vcpu_prepare_entry(). */
static inline bool arch_vcpu_irqs_delivered(const struct vcpu *vcpu)
{
    return !__atomic_load_n(&vcpu->irq_edges, __ATOMIC_RELAXED) &&
           __atomic_load_n(&vcpu->irq_lines, __ATOMIC_RELAXED) == vcpu->arch.lines_delivered;
}

/* The exit is left to the general path, untouched. */
static inline struct fast_exit fast_exit_defer(struct vcpu *vcpu)
{
    return (struct fast_exit){&vcpu->arch.regs, FAST_EXIT_DEFER};
}

/* The exit was handled.  Back into the same frame directly when the scheduler keeps the
 * vCPU running and its frame's sstatus and hstatus are as the trap left them (csrs_intact);
 * otherwise through the general path. */
static inline struct fast_exit fast_exit_handled(struct vcpu *vcpu, bool csrs_intact)
{
    struct pcpu *pcpu = this_pcpu();

    if (!csrs_intact || !sched_current_continues(pcpu, vcpu))
        return (struct fast_exit){&vcpu->arch.regs, FAST_EXIT_HANDLED};
    if (!arch_vcpu_irqs_delivered(vcpu))
        arch_vcpu_prepare_entry(vcpu);
    return (struct fast_exit){&vcpu->arch.regs, FAST_EXIT_RESUME};
}

#endif
