/*
 * Per-hart vCPU scheduling: round-robin among the runnable vCPUs bound to a hart, with a
 * time slice only when more than one is runnable.  The host timer is programmed at the
 * earliest of the slice end and the emulated guest timers; a lone vCPU with Sstc
 * causes no timer work at all.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/pcpu.h>
#include <kernel/types.h>
#include <vmm/vcpu.h>

#define SCHED_SLICE_US 10000

/* Binds vcpu to the run queue of pcpu, which must be this hart's. */
void sched_add_vcpu(struct pcpu *pcpu, struct vcpu *vcpu);
/* Unbinds vcpu from its hart's run queue (on that hart; the vCPU must be stopped). */
void sched_remove_vcpu(struct pcpu *pcpu, struct vcpu *vcpu);
/* Chooses the vCPU this hart runs next, idling until there is one; loads it. */
struct vcpu *sched_resume(void);
/* True when sched_resume() takes its fast path: vcpu is the hart's current vCPU and its
 * only one, and goes on running with nothing about it changed (no HSM transition, not
 * blocked, no time slice).  The caller may then resume it directly, after
 * arch_vcpu_prepare_entry().  Inline: most exits end here.  The state is read relaxed:
 * only this hart makes a vCPU STARTED (refresh()), so seeing STARTED consumes nothing
 * another hart published. */
static inline bool sched_current_continues(const struct pcpu *pcpu, const struct vcpu *vcpu)
{
    return pcpu->current == vcpu && pcpu->runq == vcpu && !vcpu->rq_next && !pcpu->slice_end &&
           __atomic_load_n(&vcpu->state, __ATOMIC_RELAXED) == VCPU_STARTED && !vcpu->blocked;
}
/* A hart's first entry into guests; never returns. */
void sched_run(void) __noreturn;
/* The current vCPU waits (WFI) until an interrupt it enabled is pending. */
void sched_block_current(void);
/* Host timer interrupt. */
void sched_timer_expired(void);
/* A vCPU timer deadline on this hart changed: reprogram the host timer if needed. */
void sched_timer_changed(void);

#endif
