/* Round-robin vCPU scheduler (see sched.h). */
#include <arch/hooks.h>
#include <kernel/pcpu.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <vmm/vcpu.h>

#define NO_DEADLINE (~0UL)

void sched_add_vcpu(struct pcpu *pcpu, struct vcpu *vcpu)
{
    struct vcpu **link = &pcpu->runq;

    while (*link)
        link = &(*link)->rq_next;
    vcpu->rq_next = NULL;
    *link = vcpu;
}

void sched_remove_vcpu(struct pcpu *pcpu, struct vcpu *vcpu)
{
    for (struct vcpu **link = &pcpu->runq; *link; link = &(*link)->rq_next) {
        if (*link == vcpu) {
            *link = vcpu->rq_next;
            break;
        }
    }
    if (pcpu->current == vcpu) {
        arch_vcpu_switch(vcpu, NULL);
        pcpu->current = NULL;
    }
}

/* Brings pending HSM transitions and wake-ups up to date; true if vcpu can run now. */
static bool refresh(struct vcpu *vcpu)
{
    enum vcpu_state state = __atomic_load_n(&vcpu->state, __ATOMIC_ACQUIRE);

    if (state == VCPU_START_PENDING) {
        arch_vcpu_reset(vcpu, vcpu->start_addr, vcpu->id, vcpu->start_opaque);
        vcpu->blocked = false;
        __atomic_store_n(&vcpu->state, VCPU_STARTED, __ATOMIC_RELEASE);
        return true;
    }
    if (state != VCPU_STARTED && state != VCPU_SUSPENDED)
        return false;
    if (vcpu->blocked) {
        if (!arch_vcpu_irq_pending(vcpu))
            return false;
        vcpu->blocked = false;
    }
    if (state == VCPU_SUSPENDED) {
        if (vcpu->resume_reset)
            arch_vcpu_reset(vcpu, vcpu->start_addr, vcpu->id, vcpu->start_opaque);
        __atomic_store_n(&vcpu->state, VCPU_STARTED, __ATOMIC_RELEASE);
    }
    return true;
}

static u32 count_runnable(struct pcpu *pcpu)
{
    u32 n = 0;

    for (struct vcpu *v = pcpu->runq; v; v = v->rq_next)
        n += refresh(v);
    return n;
}

/* The next runnable vCPU after `from` in queue order (wrapping), or NULL. */
static struct vcpu *next_runnable(struct pcpu *pcpu, struct vcpu *from)
{
    struct vcpu *v = from && from->rq_next ? from->rq_next : pcpu->runq;

    for (struct vcpu *start = v; v;) {
        if (refresh(v))
            return v;
        v = v->rq_next ? v->rq_next : pcpu->runq;
        if (v == start)
            break;
    }
    return NULL;
}

static struct vcpu *pick(struct pcpu *pcpu)
{
    struct vcpu *cur = pcpu->current;

    /* Fast path: the only vCPU of this hart keeps running, without a slice (one left
     * over from a vCPU removed meanwhile would fire the timer again and again). */
    if (cur && !cur->rq_next && pcpu->runq == cur) {
        pcpu->slice_end = 0;
        return refresh(cur) ? cur : NULL;
    }
    u32 runnable = count_runnable(pcpu);
    bool slice_over = pcpu->slice_end && time_now() >= pcpu->slice_end;
    struct vcpu *next;

    if (cur && refresh(cur) && !(slice_over && runnable > 1))
        next = cur;
    else
        next = next_runnable(pcpu, cur);
    /* A new slice when the vCPU changes, the slice ended, or a second vCPU became
     * runnable beside one that was running alone (unsliced). */
    if (next != cur || slice_over || (runnable > 1 && !pcpu->slice_end))
        pcpu->slice_end = runnable > 1 ? time_now() + time_us_to_ticks(SCHED_SLICE_US) : 0;
    return next;
}

static u64 earliest_deadline(struct pcpu *pcpu)
{
    u64 deadline = pcpu->slice_end ? pcpu->slice_end : NO_DEADLINE;
    u64 now = time_now();

    for (struct vcpu *v = pcpu->runq; v; v = v->rq_next) {
        u64 d = arch_vcpu_timer_deadline(v);
        /* A vCPU's own (Sstc) timer needs no help from the host timer while it is loaded,
         * nor once it has passed: the interrupt is pending in its saved state, which
         * refresh() sees.  Arming the host timer in the past would keep interrupting the
         * loaded vCPU before it ran a single instruction, until its slice ended. */
        if (v->timer_deadline == NO_DEADLINE && (v == pcpu->current || d <= now))
            continue;
        if (v->state == VCPU_STARTED || v->state == VCPU_SUSPENDED)
            deadline = MIN(deadline, d);
    }
    return deadline;
}

void sched_timer_changed(void)
{
    struct pcpu *pcpu = this_pcpu();
    u64 deadline = earliest_deadline(pcpu);

    if (deadline != pcpu->timer_deadline) {
        pcpu->timer_deadline = deadline;
        arch_timer_set(deadline);
    }
}

void sched_timer_expired(void)
{
    struct pcpu *pcpu = this_pcpu();
    u64 now = time_now();

    for (struct vcpu *v = pcpu->runq; v; v = v->rq_next) {
        if (v->timer_deadline <= now) {
            v->timer_deadline = NO_DEADLINE;
            vcpu_set_irq_line(v, VCPU_IRQ_TIMER, true);
        }
    }
    pcpu->timer_deadline = 0; /* force reprogramming: the interrupt stays pending until then */
    sched_timer_changed();
}

/* Not inlined: its register saves would otherwise burden the fast path. */
static __attribute__((noinline)) struct vcpu *resume_slow(struct pcpu *pcpu)
{
    struct vcpu *next;

    while (!(next = pick(pcpu))) {
        sched_timer_changed();
        /* Look again before sleeping: a deadline that passed after pick() looked and
         * before sched_timer_changed() read the time was left out of the host timer (it
         * is pending already), and nothing else would wake this hart for it. */
        if ((next = pick(pcpu)))
            break;
        arch_idle();
    }
    if (next != pcpu->current) {
        arch_vcpu_switch(pcpu->current, next);
        pcpu->current = next;
        sched_timer_changed();
    } else if (pcpu->slice_end) {
        sched_timer_changed();
    }
    arch_vcpu_prepare_entry(next);
    return next;
}

struct vcpu *sched_resume(void)
{
    struct pcpu *pcpu = this_pcpu();
    struct vcpu *cur = pcpu->current;

    if (cur && sched_current_continues(pcpu, cur)) {
        arch_vcpu_prepare_entry(cur);
        return cur;
    }
    return resume_slow(pcpu);
}

void sched_run(void)
{
    arch_guest_enter(&sched_resume()->arch.regs);
}

void sched_block_current(void)
{
    this_pcpu()->current->blocked = true;
}
