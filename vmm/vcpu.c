/* vCPU interrupts, HSM state machine and timer (see vcpu.h). */
#include <arch/hooks.h>
#include <kernel/errno.h>
#include <kernel/pcpu.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <vmm/vcpu.h>

void vcpu_raise_irq(struct vcpu *vcpu, enum vcpu_irq irq)
{
    __atomic_fetch_or(&vcpu->irq_edges, BIT(irq), __ATOMIC_RELEASE);
    pcpu_kick(vcpu->hartid);
}

void vcpu_set_irq_line(struct vcpu *vcpu, enum vcpu_irq irq, bool level)
{
    u32 old;

    if (level)
        old = __atomic_fetch_or(&vcpu->irq_lines, BIT(irq), __ATOMIC_RELEASE);
    else
        old = __atomic_fetch_and(&vcpu->irq_lines, ~BIT(irq), __ATOMIC_RELEASE);
    if (!!(old & BIT(irq)) != level)
        pcpu_kick(vcpu->hartid);
}

int vcpu_hsm_start(struct vcpu *vcpu, u64 addr, u64 opaque)
{
    enum vcpu_state expected = VCPU_STOPPED;

    vcpu->start_addr = addr;
    vcpu->start_opaque = opaque;
    if (!__atomic_compare_exchange_n(&vcpu->state, &expected, VCPU_START_PENDING, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return -EALREADY;
    pcpu_kick(vcpu->hartid);
    return 0;
}

void vcpu_force_stop(struct vcpu *vcpu)
{
    __atomic_store_n(&vcpu->state, VCPU_STOPPED, __ATOMIC_RELEASE);
    vcpu->blocked = false;
    vcpu->timer_deadline = ~0UL;
    __atomic_store_n(&vcpu->irq_lines, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&vcpu->irq_edges, 0, __ATOMIC_RELAXED);
}

void vcpu_hsm_stop(struct vcpu *vcpu)
{
    vcpu_force_stop(vcpu);
    sched_timer_changed();
}

void vcpu_hsm_suspend(struct vcpu *vcpu, bool retentive, u64 addr, u64 opaque)
{
    vcpu->resume_reset = !retentive;
    vcpu->start_addr = addr;
    vcpu->start_opaque = opaque;
    vcpu->blocked = true;
    __atomic_store_n(&vcpu->state, VCPU_SUSPENDED, __ATOMIC_RELEASE);
}

enum vcpu_state vcpu_hsm_status(const struct vcpu *vcpu)
{
    return __atomic_load_n(&vcpu->state, __ATOMIC_ACQUIRE);
}

bool vcpu_runnable(const struct vcpu *vcpu)
{
    return vcpu_hsm_status(vcpu) == VCPU_STARTED && !vcpu->blocked;
}

void vcpu_set_timer(struct vcpu *vcpu, u64 deadline)
{
    if (arch_vcpu_set_timer(vcpu, deadline))
        return; /* the hardware compares for us (Sstc) */
    vcpu->timer_deadline = deadline;
    vcpu_set_irq_line(vcpu, VCPU_IRQ_TIMER, deadline <= time_now());
    if (deadline <= time_now())
        vcpu->timer_deadline = ~0UL;
    sched_timer_changed();
}
