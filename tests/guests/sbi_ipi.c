/*
 * SBI IPI extension (SBI 2.0 chapter 7) with 1..n vCPUs: send_ipi to self, to each
 * other hart, to masks and to all harts (hart_mask_base = -1) raises exactly one
 * supervisor software interrupt on each target and none elsewhere; masks naming harts
 * the VM does not have return SBI_ERR_INVALID_PARAM and deliver nothing; the guest clears
 * sip.SSIP itself and it stays clear.
 */
#include "sbi_test.h"

#define BURST 20
/* How long a hart that was not targeted is watched for a stray interrupt. */
#define STRAY_MS 5

static volatile u32 ipi_count[MAX_GUEST_HARTS];
static volatile u32 ssip_stuck; /* interrupts after which sip.SSIP did not clear */
static volatile bool reply_to_hart0[MAX_GUEST_HARTS];
static volatile bool ready[MAX_GUEST_HARTS];
static u32 nr_harts;

static bool ipi_trap(struct trap_frame *frame)
{
    u32 hart = this_hart();

    if (frame->scause != SCAUSE_SSI)
        return false;
    CSR_CLEAR(sip, SIP_SSIP);
    if (CSR_READ(sip) & SIP_SSIP)
        ssip_stuck++;
    __atomic_fetch_add(&ipi_count[hart], 1, __ATOMIC_RELEASE);
    if (reply_to_hart0[hart]) {
        reply_to_hart0[hart] = false;
        sbi_send_ipi(1, 0);
    }
    return true;
}

static void enable_ipis(void)
{
    CSR_SET(sie, CSR_SIE_SSIE);
    local_irq_enable();
}

static void __noreturn ipi_secondary(unsigned long hartid, unsigned long opaque)
{
    (void)opaque;
    set_this_hart(hartid);
    enable_ipis();
    ready[hartid] = true;
    for (;;)
        __asm__ volatile("wfi");
}

static void snapshot(u32 *counts)
{
    for (u32 h = 0; h < nr_harts; h++)
        counts[h] = __atomic_load_n(&ipi_count[h], __ATOMIC_ACQUIRE);
}

static bool counts_are(const u32 *before, u64 targets, u32 per_target)
{
    for (u32 h = 0; h < nr_harts; h++) {
        u32 want = before[h] + ((targets & BIT(h)) ? per_target : 0);
        if (__atomic_load_n(&ipi_count[h], __ATOMIC_ACQUIRE) != want)
            return false;
    }
    return true;
}

/* Sends an IPI and checks that exactly `targets` got one each, and nobody else. */
static void check_send(unsigned long mask, unsigned long base, u64 targets, const char *name)
{
    u32 before[MAX_GUEST_HARTS];

    snapshot(before);
    struct sbiret r = sbi_send_ipi(mask, base);
    bool delivered = WAIT_UNTIL(counts_are(before, targets, 1), WAIT_MS);
    delay_ms(STRAY_MS);
    check(r.error == SBI_SUCCESS && delivered && counts_are(before, targets, 1), name,
          "mask 0x%lx base %ld: error %ld, delivered %d", mask, (long)base, r.error, delivered);
}

/* A mask naming a hart the VM does not have: INVALID_PARAM and no IPI at all. */
static void check_invalid(unsigned long mask, unsigned long base, const char *name)
{
    u32 before[MAX_GUEST_HARTS];

    snapshot(before);
    struct sbiret r = sbi_send_ipi(mask, base);
    delay_ms(STRAY_MS);
    check(r.error == SBI_ERR_INVALID_PARAM && counts_are(before, 0, 0), name,
          "mask 0x%lx base %ld: error %ld", mask, (long)base, r.error);
}

static void check_targets(void)
{
    u64 all = BIT(nr_harts) - 1;

    check_send(1, 0, BIT(0), "ipi-self");
    for (u32 h = 1; h < nr_harts; h++)
        check_send(1, h, BIT(h), "ipi-one-hart");
    check_send(all, 0, all, "ipi-mask-all");
    check_send(0, SBI_HART_MASK_ALL, all, "ipi-base-minus-one");
    check_send(~0UL, SBI_HART_MASK_ALL, all, "ipi-base-minus-one-ignores-mask");
    if (nr_harts > 1)
        check_send(all >> 1, 1, all & ~BIT(0), "ipi-mask-with-base");
    check_send(1, nr_harts - 1, BIT(nr_harts - 1), "ipi-last-hart");
    check_send(0, 0, 0, "ipi-empty-mask");
}

static void check_invalid_masks(void)
{
    check_invalid(BIT(nr_harts), 0, "ipi-invalid-hart-past-end");
    check_invalid(1, nr_harts, "ipi-invalid-base-past-end");
    check_invalid(~0UL, 0, "ipi-invalid-mask-all-bits");
    check_invalid(BIT(63) | 1, 1, "ipi-invalid-mask-bit-63");
    check_invalid(BIT(0) | BIT(nr_harts), 0, "ipi-invalid-mixed-mask");
}

static void check_burst(void)
{
    u32 target = nr_harts - 1, before = ipi_count[target], delivered = 0;

    for (u32 i = 0; i < BURST; i++) {
        sbi_send_ipi(1, target);
        delivered += WAIT_UNTIL(ipi_count[target] == before + i + 1, WAIT_MS);
    }
    CHECK_EQ(delivered, BURST, "ipi-burst");
}

/* Each secondary in turn answers an IPI with one to hart 0 (IPIs in flight together
 * may merge into one interrupt, so one at a time). */
static void check_from_secondaries(void)
{
    u32 answered = 0;

    for (u32 h = 1; h < nr_harts; h++) {
        u32 before = ipi_count[0];
        reply_to_hart0[h] = true;
        sbi_send_ipi(1, h);
        answered += WAIT_UNTIL(ipi_count[0] == before + 1, WAIT_MS);
    }
    CHECK_EQ(answered, nr_harts - 1, "ipi-from-secondaries");
}

/* With interrupts masked the IPI stays pending in sip.SSIP until the guest clears it. */
static void check_masked_pending(void)
{
    u32 before = ipi_count[0];

    local_irq_disable();
    sbi_send_ipi(1, 0);
    CHECK(CSR_READ(sip) & SIP_SSIP, "ipi-self-pending-on-return");
    CSR_CLEAR(sip, SIP_SSIP);
    CHECK(!(CSR_READ(sip) & SIP_SSIP), "ipi-ssip-clears");
    sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0);
    CHECK(!(CSR_READ(sip) & SIP_SSIP), "ipi-ssip-stays-clear");
    local_irq_enable();
    delay_ms(STRAY_MS);
    CHECK_EQ(ipi_count[0], before, "ipi-cleared-not-delivered");
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    set_trap_hook(ipi_trap);
    secondary_fn = ipi_secondary;
    nr_harts = count_harts();
    guest_printf("ipi: %u vCPU(s)\n", nr_harts);

    u32 started = 0;
    for (u32 h = 1; h < nr_harts; h++)
        started +=
            sbi_hart_start(h, (unsigned long)guest_secondary_entry, 0).error == SBI_SUCCESS &&
            WAIT_UNTIL(ready[h], WAIT_MS);
    CHECK_EQ(started, nr_harts - 1, "ipi-secondaries-started");
    enable_ipis();

    check_targets();
    check_invalid_masks();
    check_burst();
    check_from_secondaries();
    check_masked_pending();
    CHECK_EQ(ssip_stuck, 0, "ipi-handler-clears-ssip");
    local_irq_disable();
    return 0;
}
