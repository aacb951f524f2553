/*
 * Virtual CPUs.  A vCPU is bound to one physical hart for its whole life; several vCPUs
 * (of different VMs) may share a hart and are scheduled round-robin (kernel/sched.c).
 * Interrupts for a vCPU are raised with vcpu_raise_irq()/vcpu_set_irq_line() from any
 * hart; they reach the guest at its next entry.
 */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <arch/vcpu_arch.h>
#include <kernel/types.h>

struct vm;
struct mmio_dev;

/* SBI HSM states (the numbers are the SBI spec's). */
enum vcpu_state {
    VCPU_STARTED = 0,
    VCPU_STOPPED = 1,
    VCPU_START_PENDING = 2,
    VCPU_STOP_PENDING = 3,
    VCPU_SUSPENDED = 4,
};

/* Virtual interrupt lines of a vCPU (arch maps them to hvip bits). */
enum vcpu_irq {
    VCPU_IRQ_SOFT = 0,  /* edge: raised, cleared by the guest */
    VCPU_IRQ_TIMER = 1, /* level: the emulated SBI timer (no Sstc) */
    VCPU_IRQ_EXT = 2,   /* level: the vPLIC says a claimable interrupt exists */
};

/* Exit causes counted per vCPU, reported by `shyper vm stats`. */
enum vcpu_exit_reason {
    EXIT_SBI,
    EXIT_MMIO,
    EXIT_WFI,
    EXIT_VIRTUAL_INST,
    EXIT_GUEST_FAULT,
    EXIT_IRQ_TIMER,
    EXIT_IRQ_IPI,
    EXIT_IRQ_EXT,
    EXIT_OTHER,
    EXIT_REASONS,
};

struct vcpu {
    struct arch_vcpu arch; /* must stay first */
    struct vm *vm;
    u32 id;     /* guest hart id, 0..nr_vcpus-1 */
    u32 hartid; /* physical hart it runs on */
    enum vcpu_state state;
    bool blocked;         /* waiting in WFI until an interrupt is pending */
    bool resume_reset;    /* SUSPENDED non-retentively: restart at start_addr on wake */
    u32 irq_lines;        /* level lines (BIT(enum vcpu_irq)), written atomically */
    u32 irq_edges;        /* raised edges not yet delivered */
    u64 timer_deadline;   /* SBI timer without Sstc; ~0 = not armed */
    struct vcpu *rq_next; /* next vCPU on the same hart */
    /* Pending HSM start/resume: where to go and what to put in a1. */
    u64 start_addr, start_opaque;
    u64 exits[EXIT_REASONS];
    struct mmio_dev *mmio_last; /* device of its last MMIO access (vcpu_find_mmio()) */
};

/* Raises an edge interrupt (IPI) on the vCPU. */
void vcpu_raise_irq(struct vcpu *vcpu, enum vcpu_irq irq);
/* Sets a level interrupt line of the vCPU. */
void vcpu_set_irq_line(struct vcpu *vcpu, enum vcpu_irq irq, bool level);
/* Puts a stopped vCPU in START_PENDING: it starts at addr with a0 = id, a1 = opaque. */
int vcpu_hsm_start(struct vcpu *vcpu, u64 addr, u64 opaque);
/* Stops the calling vCPU (from its own hart). */
void vcpu_hsm_stop(struct vcpu *vcpu);
/* Suspends the calling vCPU until an interrupt it enabled is pending.  Retentive: it
 * then continues after the call; otherwise it restarts at addr with a1 = opaque. */
void vcpu_hsm_suspend(struct vcpu *vcpu, bool retentive, u64 addr, u64 opaque);
/* HSM status of the vCPU (enum vcpu_state). */
enum vcpu_state vcpu_hsm_status(const struct vcpu *vcpu);
/* Arms the vCPU's timer interrupt at `deadline` (SBI set_timer); from its own hart. */
void vcpu_set_timer(struct vcpu *vcpu, u64 deadline);
/* Forces the vCPU into STOPPED; runs on the vCPU's own hart (VM stop/reboot). */
void vcpu_force_stop(struct vcpu *vcpu);
/* True when the vCPU can run now (started and not blocked). */
bool vcpu_runnable(const struct vcpu *vcpu);

#endif
