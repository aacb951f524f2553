/*
 * Per-hart vCPU scheduling: round-robin among the runnable vCPUs bound to a hart, with a
 * time slice only when more than one is runnable.  The host timer is programmed at the
 * earliest of the slice end and the emulated guest timers; a lone vCPU with Sstc
 * causes no timer work at all.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <kernel/types.h>

struct vcpu;
struct pcpu;

#define SCHED_SLICE_US 10000

/* Binds vcpu to the run queue of pcpu, which must be this hart's. */
void sched_add_vcpu(struct pcpu *pcpu, struct vcpu *vcpu);
/* Unbinds vcpu from its hart's run queue (on that hart; the vCPU must be stopped). */
void sched_remove_vcpu(struct pcpu *pcpu, struct vcpu *vcpu);
/* Chooses the vCPU this hart runs next, idling until there is one; loads it. */
struct vcpu *sched_resume(void);
/* A hart's first entry into guests; never returns. */
void sched_run(void) __noreturn;
/* The current vCPU waits (WFI) until an interrupt it enabled is pending. */
void sched_block_current(void);
/* Host timer interrupt. */
void sched_timer_expired(void);
/* A vCPU timer deadline on this hart changed: reprogram the host timer if needed. */
void sched_timer_changed(void);

#endif
