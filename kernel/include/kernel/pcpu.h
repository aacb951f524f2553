/*
 * Per-hart (physical CPU) state.  tp always points at the running hart's struct pcpu
 * while in HS-mode.  Cross-hart work is sent as calls queued on the target's FIFO and
 * signalled with an IPI (pcpu_call()).
 */
#ifndef KERNEL_PCPU_H
#define KERNEL_PCPU_H

#include <arch/regs.h>
#include <kernel/pcpu_layout.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>

#define PCPU_CALL_QUEUE 32

struct vcpu;

typedef void (*pcpu_call_fn)(void *arg);

struct pcpu_call {
    pcpu_call_fn fn;
    void *arg;
    u32 *done; /* incremented after fn ran, when the caller waits */
};

struct pcpu {
    struct arch_pcpu arch; /* must stay first: trap entry uses it through tp */
    u32 hartid;
    bool online;
    struct vcpu *current; /* vCPU whose state is loaded on this hart, or NULL */
    struct vcpu *runq;    /* vCPUs bound to this hart, linked by vcpu->rq_next */
    u64 slice_end;        /* time at which the running vCPU is preempted (0: none) */
    u64 timer_deadline;   /* host timer currently programmed (~0: none) */
    spinlock_t call_lock;
    struct pcpu_call calls[PCPU_CALL_QUEUE];
    u32 call_head, call_tail;
    bool need_resched; /* set by calls that changed which vCPU should run */
};

extern struct pcpu pcpus[MAX_HARTS];

static inline struct pcpu *this_pcpu(void)
{
    struct pcpu *p;
    __asm__("mv %0, tp" : "=r"(p));
    return p;
}

static inline u32 this_hartid(void)
{
    return this_pcpu()->hartid;
}

/* Runs fn(arg) on hart `hartid` (directly when it is this hart), waiting first for the
 * hart to come online.  With wait, returns after it ran there. */
void pcpu_call(u32 hartid, pcpu_call_fn fn, void *arg, bool wait);
/* Makes hart `hartid` leave its guest and re-evaluate what it runs (no-op locally). */
void pcpu_kick(u32 hartid);
/* Runs the calls queued for this hart; called on an IPI. */
void pcpu_process_calls(void);

#endif
