/*
 * SBI HSM extension (SBI 2.0 chapter 9) with 1..n vCPUs: status of every hart, start with
 * the register state the spec gives (a0 = hartid, a1 = opaque, sstatus.SIE = 0, satp = 0),
 * the error codes of start, stop and restart, retentive suspend woken by an IPI or a
 * timer, non-retentive suspend resuming at its address, and reserved suspend types.
 * The last check suspends hart 0 non-retentively; it resumes in hart0_resumed().
 */
#include "sbi_test.h"
#include "test_layout.h"

#define START_OPAQUE(hart, round) (0x5354415254000000UL | ((u64)(hart) << 8) | (round))
#define RESUME_OPAQUE(hart)       (0x524553554d450000UL | (hart))
#define HART0_RESUME_OPAQUE       0x4841525430UL
#define HART_ID_INVALID_FAR       1000
/* How long a suspended or stopped hart must stay so without an interrupt. */
#define STAY_MS       5
#define TIMER_WAKE_MS 2
#define NO_DEADLINE   (~0UL)

/* Per-hart results the workers leave for hart 0. */
static volatile long suspend_error[MAX_GUEST_HARTS];
static volatile u32 suspend_returns[MAX_GUEST_HARTS];
static volatile bool stop_returned[MAX_GUEST_HARTS];
static u32 nr_harts;

static unsigned long entry_addr(void)
{
    return (unsigned long)guest_secondary_entry;
}

static long status_of(u32 hart)
{
    struct sbiret r = sbi_hart_status(hart);
    return r.error ? r.error : r.value;
}

static bool status_becomes(u32 hart, long status)
{
    return WAIT_UNTIL(status_of(hart) == status, WAIT_MS);
}

/* The start state the spec promises: a0 = hartid, a1 = opaque, SIE = 0, satp = 0. */
static void check_entry_state(u32 hart, unsigned long opaque, const char *name)
{
    const struct hart_mailbox *mb = &mailboxes[hart];

    check(mb->entry_a0 == hart && mb->entry_a1 == opaque && !(mb->entry_sstatus & SSTATUS_SIE) &&
              mb->entry_satp == 0,
          name, "hart %u: a0 %lu a1 0x%lx (want 0x%lx) sstatus 0x%lx satp 0x%lx", hart,
          mb->entry_a0, mb->entry_a1, opaque, mb->entry_sstatus, mb->entry_satp);
}

static void check_discovery(void)
{
    nr_harts = count_harts();
    guest_printf("hsm: %u vCPU(s)\n", nr_harts);
    CHECK(nr_harts >= 1, "hsm-count");
    CHECK_EQ(sbi_hart_status(nr_harts).error, SBI_ERR_INVALID_PARAM, "hsm-status-past-end");
    CHECK_EQ(sbi_hart_status(HART_ID_INVALID_FAR).error, SBI_ERR_INVALID_PARAM,
             "hsm-status-far-invalid");
    CHECK_EQ(sbi_hart_status(~0UL).error, SBI_ERR_INVALID_PARAM, "hsm-status-minus-one-invalid");
    CHECK_EQ(status_of(0), HSM_STARTED, "hsm-hart0-started");
    u32 stopped = 0;
    for (u32 h = 1; h < nr_harts; h++)
        stopped += status_of(h) == HSM_STOPPED;
    CHECK_EQ(stopped, nr_harts - 1, "hsm-secondaries-stopped");
}

static void check_start_errors(void)
{
    CHECK_EQ(sbi_hart_start(nr_harts, entry_addr(), 0).error, SBI_ERR_INVALID_PARAM,
             "hsm-start-past-end");
    CHECK_EQ(sbi_hart_start(~0UL, entry_addr(), 0).error, SBI_ERR_INVALID_PARAM,
             "hsm-start-minus-one");
    CHECK_EQ(sbi_hart_start(0, entry_addr(), 0).error, SBI_ERR_ALREADY_AVAILABLE,
             "hsm-start-self-already-available");
    if (nr_harts < 2)
        return;
    /* Hart 1 is stopped: only the address is wrong. */
    static const unsigned long bad[] = {
        0,
        TEST_RAM_BASE - 4,
        TEST_RAM_BASE + TEST_RAM_SIZE,
        TEST_SCRATCH_BASE,
        0x80200000UL, /* where the hypervisor itself lives in host-physical memory */
        1UL << 41,
    };
    u32 good = 0;
    for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
        long err = sbi_hart_start(1, bad[i], 0).error;
        if (err == SBI_ERR_INVALID_ADDRESS)
            good++;
        else
            guest_printf("hsm: start at 0x%lx returned %ld\n", bad[i], err);
    }
    CHECK_EQ(good, ARRAY_SIZE(bad), "hsm-start-invalid-address");
    delay_ms(STAY_MS);
    CHECK_EQ(status_of(1), HSM_STOPPED, "hsm-invalid-start-stays-stopped");
    CHECK_EQ(hart_entries(1), 0, "hsm-invalid-start-never-ran");
}

static void check_start_all(void)
{
    u32 started = 0, correct = 0;

    for (u32 h = 1; h < nr_harts; h++) {
        struct sbiret r = sbi_hart_start(h, entry_addr(), START_OPAQUE(h, 0));
        if (r.error == SBI_SUCCESS && WAIT_UNTIL(hart_entries(h) == 1, WAIT_MS))
            started++;
        const struct hart_mailbox *mb = &mailboxes[h];
        correct += mb->entry_a0 == h && mb->entry_a1 == START_OPAQUE(h, 0) &&
                   !(mb->entry_sstatus & SSTATUS_SIE) && mb->entry_satp == 0;
    }
    CHECK_EQ(started, nr_harts - 1, "hsm-start-secondaries");
    CHECK_EQ(correct, nr_harts - 1, "hsm-start-register-state");
    u32 running = 0, already = 0;
    for (u32 h = 1; h < nr_harts; h++) {
        running += status_of(h) == HSM_STARTED;
        already += sbi_hart_start(h, entry_addr(), 0).error == SBI_ERR_ALREADY_AVAILABLE;
    }
    CHECK_EQ(running, nr_harts - 1, "hsm-secondaries-started");
    CHECK_EQ(already, nr_harts - 1, "hsm-start-started-already-available");
}

static void worker_stop(unsigned long arg)
{
    (void)arg;
    sbi_hart_stop();
    stop_returned[this_hart()] = true;
}

static void check_stop_restart(u32 hart)
{
    u32 entries = hart_entries(hart);

    hart_post(hart, worker_stop, 0);
    CHECK(status_becomes(hart, HSM_STOPPED), "hsm-stop-status-stopped");
    delay_ms(STAY_MS);
    CHECK(status_of(hart) == HSM_STOPPED && !stop_returned[hart], "hsm-stop-does-not-return");

    struct sbiret r = sbi_hart_start(hart, entry_addr(), START_OPAQUE(hart, 1));
    CHECK_EQ(r.error, SBI_SUCCESS, "hsm-restart-ok");
    CHECK(WAIT_UNTIL(hart_entries(hart) == entries + 1, WAIT_MS), "hsm-restart-runs");
    check_entry_state(hart, START_OPAQUE(hart, 1), "hsm-restart-register-state");
    CHECK_EQ(status_of(hart), HSM_STARTED, "hsm-restart-status-started");
}

/* Retentive suspend with sie.SSIE set: an IPI resumes it after the call. */
static void worker_suspend_retentive(unsigned long arg)
{
    u32 hart = this_hart();

    (void)arg;
    suspend_error[hart] = sbi_hart_suspend(SBI_HSM_SUSPEND_RETENTIVE, 0, 0).error;
    suspend_returns[hart]++;
    CSR_CLEAR(sip, SIP_SSIP);
}

static void check_suspend_retentive(u32 hart)
{
    hart_post(hart, worker_suspend_retentive, 0);
    CHECK(status_becomes(hart, HSM_SUSPENDED), "hsm-retentive-status-suspended");
    delay_ms(STAY_MS);
    CHECK(status_of(hart) == HSM_SUSPENDED && suspend_returns[hart] == 0,
          "hsm-retentive-stays-suspended");
    CHECK_EQ(sbi_hart_start(hart, entry_addr(), 0).error, SBI_ERR_ALREADY_AVAILABLE,
             "hsm-start-suspended-already-available");
    sbi_send_ipi(1, hart);
    CHECK(hart_wait_done(hart), "hsm-retentive-ipi-wakes");
    CHECK_EQ(suspend_error[hart], SBI_SUCCESS, "hsm-retentive-returns-success");
    CHECK_EQ(suspend_returns[hart], 1, "hsm-retentive-returns-once");
    CHECK_EQ(status_of(hart), HSM_STARTED, "hsm-retentive-status-started");
}

/* Non-retentive suspend: resumes at guest_secondary_entry, never after the call. */
static void worker_suspend_non_retentive(unsigned long arg)
{
    u32 hart = this_hart();

    suspend_error[hart] = sbi_hart_suspend(SBI_HSM_SUSPEND_NON_RETENTIVE, entry_addr(), arg).error;
    suspend_returns[hart]++;
}

static void check_suspend_non_retentive(u32 hart)
{
    u32 entries = hart_entries(hart);

    suspend_returns[hart] = 0;
    hart_post(hart, worker_suspend_non_retentive, RESUME_OPAQUE(hart));
    CHECK(status_becomes(hart, HSM_SUSPENDED), "hsm-non-retentive-status-suspended");
    delay_ms(STAY_MS);
    CHECK(status_of(hart) == HSM_SUSPENDED && hart_entries(hart) == entries,
          "hsm-non-retentive-stays-suspended");
    sbi_send_ipi(1, hart);
    CHECK(WAIT_UNTIL(hart_entries(hart) == entries + 1, WAIT_MS), "hsm-non-retentive-resumes");
    check_entry_state(hart, RESUME_OPAQUE(hart), "hsm-non-retentive-register-state");
    CHECK_EQ(suspend_returns[hart], 0, "hsm-non-retentive-does-not-return");
    CHECK_EQ(status_of(hart), HSM_STARTED, "hsm-non-retentive-status-started");
}

static void check_suspend_types(void)
{
    static const unsigned long invalid[] = {
        0x00000001, 0x0fffffff, /* reserved */
        0x10000000, 0x7fffffff, /* platform-specific retentive: none implemented */
        0x80000001, 0x8fffffff, /* reserved */
        0x90000000, 0xffffffff, /* platform-specific non-retentive: none implemented */
    };
    u32 good = 0;

    for (u32 i = 0; i < ARRAY_SIZE(invalid); i++) {
        long err = sbi_hart_suspend(invalid[i], entry_addr(), 0).error;
        if (err == SBI_ERR_INVALID_PARAM)
            good++;
        else
            guest_printf("hsm: suspend type 0x%lx returned %ld\n", invalid[i], err);
    }
    CHECK_EQ(good, ARRAY_SIZE(invalid), "hsm-suspend-reserved-types-invalid");
    CHECK_EQ(
        sbi_hart_suspend(SBI_HSM_SUSPEND_NON_RETENTIVE, TEST_RAM_BASE + TEST_RAM_SIZE, 0).error,
        SBI_ERR_INVALID_ADDRESS, "hsm-suspend-invalid-resume-address");
}

/* Hart 0 sleeps in a retentive suspend until its own timer fires. */
static void check_suspend_timer_wake(void)
{
    u64 deadline = read_time() + MS_TO_TICKS(TIMER_WAKE_MS);

    CSR_SET(sie, CSR_SIE_STIE);
    sbi_set_timer(deadline);
    struct sbiret r = sbi_hart_suspend(SBI_HSM_SUSPEND_RETENTIVE, 0, 0);
    u64 woke = read_time();
    sbi_set_timer(NO_DEADLINE);
    CSR_CLEAR(sie, CSR_SIE_STIE);
    CHECK_EQ(r.error, SBI_SUCCESS, "hsm-suspend-timer-returns-success");
    CHECK(woke >= deadline, "hsm-suspend-timer-not-early");
}

static void __noreturn hart0_resumed(unsigned long opaque)
{
    set_this_hart(0);
    CHECK_EQ(opaque, HART0_RESUME_OPAQUE, "hsm-hart0-resume-opaque");
    CHECK(!(CSR_READ(sstatus) & SSTATUS_SIE), "hsm-hart0-resume-sie-clear");
    CHECK_EQ(status_of(0), HSM_STARTED, "hsm-hart0-resume-status-started");
    sbi_set_timer(NO_DEADLINE);
    test_finish();
}

/* Hart 0 suspends non-retentively, woken by its timer; the test ends in hart0_resumed(). */
static void suspend_hart0_non_retentive(void)
{
    CSR_SET(sie, CSR_SIE_STIE);
    sbi_set_timer(read_time() + MS_TO_TICKS(TIMER_WAKE_MS));
    struct sbiret r =
        sbi_hart_suspend(SBI_HSM_SUSPEND_NON_RETENTIVE, entry_addr(), HART0_RESUME_OPAQUE);
    check(false, "hsm-hart0-non-retentive", "suspend returned error %ld", r.error);
}

static void hsm_entry(unsigned long hartid, unsigned long opaque)
{
    if (hartid == 0)
        hart0_resumed(opaque);
    hart_worker(hartid, opaque);
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    secondary_fn = hsm_entry;
    check_discovery();
    check_start_errors();
    check_start_all();
    for (u32 h = 1; h < nr_harts; h++) {
        check_stop_restart(h);
        check_suspend_retentive(h);
        check_suspend_non_retentive(h);
    }
    check_suspend_types();
    check_suspend_timer_wake();
    suspend_hart0_non_retentive();
    return 0;
}
