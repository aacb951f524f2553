/* Per-hart data and cross-hart calls (see pcpu.h). */
#include <arch/sbi.h>
#include <kernel/panic.h>
#include <kernel/pcpu.h>

struct pcpu pcpus[MAX_HARTS];

void pcpu_call(u32 hartid, pcpu_call_fn fn, void *arg, bool wait)
{
    struct pcpu *target = &pcpus[hartid];
    u32 done = 0;

    if (hartid == this_hartid()) {
        fn(arg);
        return;
    }
    BUG_ON(hartid >= MAX_HARTS);
    /* A hart that is still coming up gets its calls once it is online. */
    while (!__atomic_load_n(&target->online, __ATOMIC_ACQUIRE))
        pcpu_process_calls();
    for (;;) {
        spin_lock(&target->call_lock);
        if (target->call_tail - target->call_head < PCPU_CALL_QUEUE)
            break;
        spin_unlock(&target->call_lock);
        pcpu_process_calls(); /* the target may be waiting on us */
    }
    target->calls[target->call_tail % PCPU_CALL_QUEUE] =
        (struct pcpu_call){.fn = fn, .arg = arg, .done = wait ? &done : NULL};
    target->call_tail++;
    spin_unlock(&target->call_lock);
    sbi_send_ipi(1UL << hartid, 0);
    /* Keep serving our own queue while waiting, so two harts calling each other progress. */
    while (wait && !__atomic_load_n(&done, __ATOMIC_ACQUIRE))
        pcpu_process_calls();
}

void pcpu_kick(u32 hartid)
{
    if (hartid != this_hartid())
        sbi_send_ipi(1UL << hartid, 0);
}

void pcpu_process_calls(void)
{
    struct pcpu *p = this_pcpu();

    for (;;) {
        spin_lock(&p->call_lock);
        if (p->call_head == p->call_tail) {
            spin_unlock(&p->call_lock);
            return;
        }
        struct pcpu_call call = p->calls[p->call_head % PCPU_CALL_QUEUE];
        p->call_head++;
        spin_unlock(&p->call_lock);
        call.fn(call.arg);
        if (call.done)
            __atomic_store_n(call.done, 1, __ATOMIC_RELEASE);
    }
}
