/*
 * The timer-jitter neighbour (jitter_neighbour.c, VM 1 of configs/hostile.c) and what an
 * MVM watching it needs (hostile_mvm.c, jitter_idle.c): its id, how it reports, and
 * waiting in WFI between polls so that the MVM's own hart stays quiet.
 */
#ifndef JITTER_H
#define JITTER_H

#include "hc_test.h"

#define NEIGHBOUR_ID   1
#define POLL_MS        10
#define NEIGHBOUR_DONE "powered off by the guest"

/* Sleeps about ms milliseconds in WFI (the timer wakes it; no interrupt is taken). */
static inline void sleep_ms(u64 ms)
{
    u64 end = read_time() + MS_TO_TICKS(ms);

    CSR_SET(sie, CSR_SIE_STIE);
    sbi_set_timer(end);
    while (read_time() < end)
        __asm__ volatile("wfi");
    sbi_set_timer(~0UL);
    CSR_CLEAR(sie, CSR_SIE_STIE);
}

/* Waits, polling every POLL_MS, until VM id is in `state` or ms passed. */
static inline bool sleep_until_state(u32 id, u32 state, u64 ms, struct shyper_vm_info *info)
{
    u64 end = read_time() + MS_TO_TICKS(ms);

    while (hc_vm_info(id, info) || info->state != state) {
        if (read_time() >= end)
            return false;
        sleep_ms(POLL_MS);
    }
    return true;
}

/*
 * The neighbour finished its measurement and powered itself off, all checks passed; and
 * nothing reached its vCPU but what it caused itself (SBI calls, WFI exits): no IPI,
 * external interrupt, MMIO, fault, virtual instruction or other exit.
 */
static inline void check_neighbour_done(u64 ms)
{
    static const u32 foreign[] = {SHYPER_EXIT_MMIO,        SHYPER_EXIT_VIRTUAL_INST,
                                  SHYPER_EXIT_GUEST_FAULT, SHYPER_EXIT_IRQ_TIMER,
                                  SHYPER_EXIT_IRQ_IPI,     SHYPER_EXIT_IRQ_EXT,
                                  SHYPER_EXIT_OTHER};
    struct shyper_vm_info info;
    struct shyper_vm_stats st;
    u64 others = 0;

    CHECK(sleep_until_state(NEIGHBOUR_ID, SHYPER_VM_STOPPED, ms, &info), "neighbour-finished");
    check(!strcmp(info.stop_reason, NEIGHBOUR_DONE), "neighbour-powered-off-cleanly",
          "reason \"%s\"", info.stop_reason);
    bool read = !hc_vm_stats(NEIGHBOUR_ID, &st);
    for (u32 i = 0; read && i < ARRAY_SIZE(foreign); i++)
        others += st.exits[foreign[i]];
    if (read)
        guest_printf("neighbour exits: sbi %lu wfi %lu, others %lu\n", st.exits[SHYPER_EXIT_SBI],
                     st.exits[SHYPER_EXIT_WFI], others);
    check(read && !others, "neighbour-undisturbed", "%lu exits it did not cause", others);
}

#endif
