/*
 * Containment, the well-behaved side (VM 0 of configs/two_vms.c, paired with
 * contain_hostile.c as VM 1 on the other hart).  It sees only its own vCPU, cannot reach
 * the other VM's hart through SBI, and keeps taking its timer interrupts for WATCH_MS
 * while VM 1 faults and is stopped; then it checks it is still alive and powers the
 * machine off.  The case table checks that VM 1 was stopped before this guest finished.
 */
#include "sbi_test.h"

/* Long enough for VM 1 to run all its checks and be stopped meanwhile. */
#define WATCH_MS       500
#define TICK_MS        5
#define EXPECTED_TICKS (WATCH_MS / TICK_MS)
#define NO_DEADLINE    (~0UL)

static volatile u32 ticks;

/* A periodic tick: every timer interrupt arms the next one. */
static bool watcher_trap(struct trap_frame *frame)
{
    if (frame->scause != SCAUSE_STI)
        return false;
    ticks++;
    sbi_set_timer(read_time() + MS_TO_TICKS(TICK_MS));
    return true;
}

static void check_isolation(void)
{
    CHECK_EQ(count_harts(), 1, "watch-sees-one-vcpu");
    CHECK_EQ(sbi_hart_start(1, (unsigned long)guest_secondary_entry, 0).error,
             SBI_ERR_INVALID_PARAM, "watch-cannot-start-other-hart");
    CHECK_EQ(sbi_send_ipi(BIT(1), 0).error, SBI_ERR_INVALID_PARAM, "watch-cannot-ipi-other-hart");
}

static void watch(void)
{
    u64 start = read_time(), end = start + MS_TO_TICKS(WATCH_MS);

    sbi_set_timer(start + MS_TO_TICKS(TICK_MS));
    CSR_SET(sie, CSR_SIE_STIE);
    local_irq_enable();
    while (read_time() < end)
        __asm__ volatile("wfi");
    local_irq_disable();
    CSR_CLEAR(sie, CSR_SIE_STIE);
    sbi_set_timer(NO_DEADLINE);
    guest_printf("watch: %u timer ticks in %u ms\n", ticks, WATCH_MS);
    /* Ticks may come late on a loaded host, but most of them must come. */
    CHECK(ticks >= EXPECTED_TICKS / 2 && ticks <= EXPECTED_TICKS, "watch-ticks-kept-coming");
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    set_trap_hook(watcher_trap);
    check_isolation();
    watch();
    CHECK_EQ(sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0).error, SBI_SUCCESS,
             "watch-still-alive");
    return 0;
}
