/*
 * SBI TIME extension and the guest timer (SBI 2.0 chapter 6): set_timer arms the
 * supervisor timer interrupt for an absolute time and clears a pending one; a deadline
 * in the past makes it pending at once.  With Sstc the guest may also write stimecmp
 * itself; without Sstc that CSR does not exist and traps as an illegal instruction (the
 * case table runs this guest both ways and expects the matching line).
 */
#include "sbi_test.h"

/* Deadlines far enough ahead not to fire during a check. */
#define FAR_FUTURE_MS 10000
/* How late a timer interrupt may arrive (QEMU on a loaded host is slow). */
#define MAX_LATENCY_MS 100
/* A cancelled timer must stay quiet at least this long past its old deadline. */
#define QUIET_MS       20
#define SHORT_MS       1
#define PERIODIC_SHOTS 5
#define NO_DEADLINE    (~0UL)

static volatile u32 timer_irqs;
static volatile u64 timer_irq_time;
static volatile u32 illegal_traps;
static volatile bool expect_illegal;

/* Counts timer interrupts and masks the next one (sie.STIE) until the test re-arms. */
static bool time_trap(struct trap_frame *frame)
{
    if (frame->scause == SCAUSE_STI) {
        timer_irq_time = read_time();
        timer_irqs++;
        CSR_CLEAR(sie, CSR_SIE_STIE);
        return true;
    }
    if (frame->scause == EXC_ILLEGAL_INSTRUCTION && expect_illegal) {
        illegal_traps++;
        skip_insn(frame);
        return true;
    }
    return false;
}

static bool timer_pending(void)
{
    return (CSR_READ(sip) & SIP_STIP) != 0;
}

/* Unmasks the timer interrupt and waits for the next one; true if it arrived. */
static bool wait_timer_irq(u32 wait_ms)
{
    u32 before = timer_irqs;
    bool arrived;

    CSR_SET(sie, CSR_SIE_STIE);
    local_irq_enable();
    arrived = WAIT_UNTIL(timer_irqs != before, wait_ms);
    local_irq_disable();
    CSR_CLEAR(sie, CSR_SIE_STIE);
    return arrived;
}

/* Checks that an interrupt for `deadline` arrived, not early and not too late. */
static void check_arrival(bool arrived, u64 deadline, const char *name)
{
    u64 at = timer_irq_time;
    long late_us = (long)(at - deadline) / (long)US_TO_TICKS(1);

    if (arrived)
        guest_printf("time: %s: %ld us after the deadline\n", name, late_us);
    check(arrived && at >= deadline && at - deadline <= MS_TO_TICKS(MAX_LATENCY_MS), name,
          "arrived %d, %ld us after the deadline", arrived, late_us);
}

static void check_counter(void)
{
    u64 t0 = read_time();
    delay_ms(SHORT_MS);
    u64 t1 = read_time();
    CHECK(t1 - t0 >= MS_TO_TICKS(SHORT_MS), "time-counter-advances");
}

static void check_pending_bit(void)
{
    struct sbiret r = sbi_set_timer(read_time() + MS_TO_TICKS(FAR_FUTURE_MS));
    CHECK_EQ(r.error, SBI_SUCCESS, "time-set-timer-ok");
    CHECK(!timer_pending(), "time-future-not-pending");

    sbi_set_timer(0);
    CHECK(timer_pending(), "time-zero-pending-on-return");
    sbi_set_timer(NO_DEADLINE);
    CHECK(!timer_pending(), "time-far-future-clears");

    sbi_set_timer(read_time() - 1);
    CHECK(timer_pending(), "time-past-pending-on-return");
    sbi_set_timer(read_time() + MS_TO_TICKS(FAR_FUTURE_MS));
    CHECK(!timer_pending(), "time-rearm-clears");
    sbi_set_timer(NO_DEADLINE);
}

static void check_interrupts(void)
{
    u64 deadline = read_time() + MS_TO_TICKS(SHORT_MS);
    sbi_set_timer(deadline);
    check_arrival(wait_timer_irq(WAIT_MS), deadline, "time-interrupt");
    CHECK(timer_pending(), "time-pending-until-rearmed");
    sbi_set_timer(NO_DEADLINE);
    CHECK(!timer_pending(), "time-cleared-by-rearm");

    u32 good = 0;
    for (u32 i = 0; i < PERIODIC_SHOTS; i++) {
        deadline = read_time() + MS_TO_TICKS(SHORT_MS);
        sbi_set_timer(deadline);
        bool arrived = wait_timer_irq(WAIT_MS);
        good += arrived && timer_irq_time >= deadline &&
                timer_irq_time - deadline <= MS_TO_TICKS(MAX_LATENCY_MS);
    }
    sbi_set_timer(NO_DEADLINE);
    CHECK_EQ(good, PERIODIC_SHOTS, "time-periodic");

    /* A later set_timer replaces the earlier deadline, in either direction. */
    sbi_set_timer(read_time() + MS_TO_TICKS(FAR_FUTURE_MS));
    deadline = read_time() + MS_TO_TICKS(SHORT_MS);
    sbi_set_timer(deadline);
    check_arrival(wait_timer_irq(WAIT_MS), deadline, "time-rearm-earlier");

    sbi_set_timer(read_time() + MS_TO_TICKS(SHORT_MS));
    sbi_set_timer(read_time() + MS_TO_TICKS(FAR_FUTURE_MS));
    CHECK(!wait_timer_irq(SHORT_MS + QUIET_MS), "time-rearm-later-cancels");
    sbi_set_timer(NO_DEADLINE);
}

/* WFI with sstatus.SIE off still wakes for an enabled, pending timer interrupt. */
static void check_wfi_wakeup(void)
{
    u64 deadline = read_time() + MS_TO_TICKS(2 * SHORT_MS);
    u64 give_up = read_time() + MS_TO_TICKS(WAIT_MS);

    sbi_set_timer(deadline);
    CSR_SET(sie, CSR_SIE_STIE);
    while (!timer_pending() && read_time() < give_up)
        __asm__ volatile("wfi");
    u64 woke = read_time();
    CSR_CLEAR(sie, CSR_SIE_STIE);
    check(timer_pending() && woke >= deadline, "time-wfi-wakeup", "pending %d, woke %ld us early",
          timer_pending(), woke < deadline ? (long)(deadline - woke) / (long)US_TO_TICKS(1) : 0L);
    sbi_set_timer(NO_DEADLINE);
}

/* The guest's own stimecmp (Sstc): works like set_timer, with no SBI call. */
static void check_stimecmp(void)
{
    expect_illegal = true;
    CSR_WRITE(stimecmp, NO_DEADLINE);
    expect_illegal = false;
    if (illegal_traps) {
        CHECK_EQ(illegal_traps, 1, "time-stimecmp-absent-without-sstc");
        return;
    }
    CHECK_EQ(CSR_READ(stimecmp), NO_DEADLINE, "time-stimecmp-readback");
    CHECK(!timer_pending(), "time-stimecmp-far-not-pending");
    CSR_WRITE(stimecmp, 0);
    CHECK(timer_pending(), "time-stimecmp-zero-pending");
    CSR_WRITE(stimecmp, NO_DEADLINE);
    CHECK(!timer_pending(), "time-stimecmp-far-clears");

    u64 deadline = read_time() + MS_TO_TICKS(SHORT_MS);
    CSR_WRITE(stimecmp, deadline);
    check_arrival(wait_timer_irq(WAIT_MS), deadline, "time-stimecmp-interrupt");
    CSR_WRITE(stimecmp, NO_DEADLINE);

    /* set_timer and stimecmp are the same timer. */
    sbi_set_timer(0);
    CHECK(timer_pending(), "time-stimecmp-set-timer-zero");
    CSR_WRITE(stimecmp, NO_DEADLINE);
    CHECK(!timer_pending(), "time-stimecmp-clears-set-timer");
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    set_trap_hook(time_trap);
    check_counter();
    check_pending_bit();
    check_interrupts();
    check_wfi_wakeup();
    check_stimecmp();
    return 0;
}
