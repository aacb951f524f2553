/*
 * The virtual PLIC as a guest sees it (configs/single.c: a vPLIC at TEST_VPLIC_BASE and a
 * scratch device whose doorbell raises TEST_SCRATCH_IRQ).  The guest programs priority,
 * enable and threshold, rings the doorbell and takes the external interrupt in its trap
 * handler, which claims and completes it.  Checks: delivery and claim of the right source,
 * threshold masking (priority <= threshold is not delivered; lowering the threshold
 * delivers), two doorbells rung back to back with interrupts off both delivered, claim
 * reads 0 when nothing is pending, inert M-level contexts, and access faults (not a
 * hypervisor crash) for accesses of the wrong width or outside the VM's contexts.  With a
 * second hart, the source enabled only on vCPU 1's context interrupts hart 1, not hart 0.
 *
 * Each hart keeps its hart id in tp so that the trap handler knows its context.
 */
#include "lib/guest.h"
#include "test_layout.h"

#define PLIC_PRIORITY(irq)    (TEST_VPLIC_BASE + 4 * (irq))
#define PLIC_PENDING(irq)     (TEST_VPLIC_BASE + 0x1000 + 4 * ((irq) / 32))
#define PLIC_ENABLE(ctx, irq) (TEST_VPLIC_BASE + 0x2000 + 0x80 * (ctx) + 4 * ((irq) / 32))
#define PLIC_THRESHOLD(ctx)   (TEST_VPLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)       (PLIC_THRESHOLD(ctx) + 4)
#define S_CONTEXT(hart)       (2 * (hart) + 1)
#define M_CONTEXT(hart)       (2 * (hart))
#define IRQ                   TEST_SCRATCH_IRQ
#define IRQ_BIT               (1U << (IRQ % 32))
#define DOORBELL              (TEST_SCRATCH_BASE + TEST_SCRATCH_DOORBELL)

#define SCAUSE_SEI              ((1UL << 63) | 9)
#define EXC_LOAD_ACCESS         5
#define EXC_STORE_ACCESS        7
#define REG_TP                  4
#define INSN_LEN(low_half)      (((low_half)&3) == 3 ? 4 : 2)
#define MAX_HARTS_TESTED        8
#define SBI_HSM_HART_START      0
#define SBI_HSM_HART_GET_STATUS 2
#define TICKS_PER_MS            10000UL /* QEMU virt's 10 MHz timebase */
#define WAIT_MS                 500
#define QUIET_MS                20

struct hart_irqs {
    volatile u32 count;    /* external interrupts taken */
    volatile u32 last;     /* what the last claim returned */
    volatile u32 spurious; /* interrupts whose claim returned 0 */
};

static struct hart_irqs irqs[MAX_HARTS_TESTED];
static volatile bool expect_fault, hart1_ready;
static volatile u64 fault_cause, fault_tval;

static u32 rd32(u64 addr)
{
    return *(volatile u32 *)addr;
}

static void wr32(u64 addr, u32 value)
{
    *(volatile u32 *)addr = value;
}

static void set_tp(unsigned long hartid)
{
    __asm__ volatile("mv tp, %0" ::"r"(hartid));
}

static void interrupts_on(void)
{
    __asm__ volatile("csrs sie, %0" ::"r"(CSR_SIE_SEIE));
    __asm__ volatile("csrs sstatus, %0" ::"r"(SSTATUS_SIE));
}

static void interrupts_off(void)
{
    __asm__ volatile("csrc sstatus, %0" ::"r"(SSTATUS_SIE));
}

static void take_external(u64 hart)
{
    u32 ctx = S_CONTEXT(hart), irq = rd32(PLIC_CLAIM(ctx));

    irqs[hart].last = irq;
    irqs[hart].count++;
    if (irq) {
        wr32(PLIC_CLAIM(ctx), irq);
        return;
    }
    /* The line was up with nothing to claim: stop listening rather than loop. */
    irqs[hart].spurious++;
    __asm__ volatile("csrc sie, %0" ::"r"(CSR_SIE_SEIE));
}

static bool on_trap(struct trap_frame *frame)
{
    u64 hart = frame->x[REG_TP];

    if (frame->scause == SCAUSE_SEI && hart < MAX_HARTS_TESTED) {
        take_external(hart);
        return true;
    }
    if (expect_fault && (frame->scause == EXC_LOAD_ACCESS || frame->scause == EXC_STORE_ACCESS)) {
        __asm__ volatile("csrr %0, stval" : "=r"(fault_tval));
        fault_cause = frame->scause;
        expect_fault = false;
        frame->sepc += INSN_LEN(*(volatile u16 *)frame->sepc);
        return true;
    }
    return false;
}

/* Waits until hart has taken `count` interrupts; false after WAIT_MS. */
static bool wait_count(u32 hart, u32 count)
{
    u64 end = read_time() + WAIT_MS * TICKS_PER_MS;

    while (irqs[hart].count < count)
        if (read_time() > end)
            return false;
    return true;
}

static void quiet_period(void)
{
    u64 end = read_time() + QUIET_MS * TICKS_PER_MS;

    while (read_time() < end)
        ;
}

static bool pending(void)
{
    return (rd32(PLIC_PENDING(IRQ)) & IRQ_BIT) != 0;
}

static u32 harts_present(void)
{
    u32 n = 0;

    while (n < MAX_HARTS_TESTED &&
           sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, n, 0, 0, 0, 0, 0).error == SBI_SUCCESS)
        n++;
    return n;
}

static void test_delivery(void)
{
    CHECK_EQ(rd32(PLIC_CLAIM(S_CONTEXT(0))), 0, "vplic-claim-empty");
    wr32(PLIC_PRIORITY(IRQ), 1);
    wr32(PLIC_ENABLE(S_CONTEXT(0), IRQ), IRQ_BIT);
    wr32(PLIC_THRESHOLD(S_CONTEXT(0)), 0);
    CHECK_EQ(rd32(PLIC_PRIORITY(IRQ)), 1, "vplic-priority-readback");
    CHECK_EQ(rd32(PLIC_ENABLE(S_CONTEXT(0), IRQ)), IRQ_BIT, "vplic-enable-readback");
    interrupts_on();
    wr32(DOORBELL, 1);
    CHECK(wait_count(0, 1), "vplic-doorbell-interrupts");
    CHECK_EQ(irqs[0].last, IRQ, "vplic-claim-returns-source");
    CHECK(!pending(), "vplic-claim-cleared-pending");
    CHECK_EQ(rd32(PLIC_CLAIM(S_CONTEXT(0))), 0, "vplic-claim-empty-after-complete");
}

static void test_threshold(void)
{
    u32 before = irqs[0].count;

    wr32(PLIC_PRIORITY(IRQ), 2);
    wr32(PLIC_THRESHOLD(S_CONTEXT(0)), 2);
    wr32(DOORBELL, 1);
    quiet_period();
    CHECK_EQ(irqs[0].count, before, "vplic-threshold-masks-equal-priority");
    CHECK(pending(), "vplic-masked-source-stays-pending");
    wr32(PLIC_THRESHOLD(S_CONTEXT(0)), 1);
    CHECK(wait_count(0, before + 1), "vplic-lower-threshold-delivers");
    CHECK_EQ(irqs[0].last, IRQ, "vplic-lower-threshold-claims-source");
    wr32(PLIC_THRESHOLD(S_CONTEXT(0)), 0);
}

static void test_back_to_back(void)
{
    u32 before = irqs[0].count;

    interrupts_off();
    wr32(DOORBELL, 1);
    wr32(DOORBELL, 1);
    quiet_period();
    CHECK_EQ(irqs[0].count, before, "vplic-masked-by-sstatus-sie");
    interrupts_on();
    CHECK(wait_count(0, before + 2), "vplic-back-to-back-both-delivered");
    quiet_period();
    CHECK_EQ(irqs[0].count, before + 2, "vplic-back-to-back-exactly-two");
    CHECK_EQ(rd32(PLIC_CLAIM(S_CONTEXT(0))), 0, "vplic-claim-empty-after-back-to-back");
}

static void test_m_context_inert(void)
{
    wr32(PLIC_ENABLE(M_CONTEXT(0), IRQ), IRQ_BIT);
    CHECK_EQ(rd32(PLIC_ENABLE(M_CONTEXT(0), IRQ)), 0, "vplic-m-context-enable-inert");
    wr32(PLIC_THRESHOLD(M_CONTEXT(0)), 3);
    CHECK_EQ(rd32(PLIC_THRESHOLD(M_CONTEXT(0))), 0, "vplic-m-context-threshold-inert");
}

/* One access that must fault with `cause` at `addr`. */
#define EXPECT_FAULT(access, addr, cause, name)                                                    \
    do {                                                                                           \
        fault_cause = 0;                                                                           \
        expect_fault = true;                                                                       \
        access;                                                                                    \
        CHECK_EQ(fault_cause, cause, name);                                                        \
        CHECK_EQ(fault_tval, addr, name "-stval");                                                 \
    } while (0)

static void test_access_faults(u32 harts)
{
    u64 prio = PLIC_PRIORITY(IRQ), thr = PLIC_THRESHOLD(S_CONTEXT(0));
    u64 foreign = PLIC_THRESHOLD(S_CONTEXT(harts)); /* a context the VM has no vCPU for */
    u32 priority = rd32(prio);

    EXPECT_FAULT((void)*(volatile u16 *)prio, prio, EXC_LOAD_ACCESS, "vplic-16bit-load-faults");
    EXPECT_FAULT(*(volatile u16 *)thr = 1, thr, EXC_STORE_ACCESS, "vplic-16bit-store-faults");
    EXPECT_FAULT((void)*(volatile u8 *)prio, prio, EXC_LOAD_ACCESS, "vplic-8bit-load-faults");
    EXPECT_FAULT((void)*(volatile u64 *)TEST_VPLIC_BASE, TEST_VPLIC_BASE, EXC_LOAD_ACCESS,
                 "vplic-64bit-load-faults");
    EXPECT_FAULT((void)rd32(foreign), foreign, EXC_LOAD_ACCESS, "vplic-foreign-context-faults");
    CHECK_EQ(rd32(prio), priority, "vplic-still-works-after-faults");
}

static void secondary(unsigned long hartid, unsigned long opaque)
{
    (void)opaque;
    set_tp(hartid);
    interrupts_on();
    hart1_ready = true;
    for (;;)
        __asm__ volatile("wfi");
}

static void test_second_hart(void)
{
    u64 end = read_time() + WAIT_MS * TICKS_PER_MS;
    u32 before = irqs[0].count;

    secondary_fn = secondary;
    struct sbiret r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, 1,
                               (unsigned long)guest_secondary_entry, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_SUCCESS, "vplic-smp-start-hart1");
    while (!hart1_ready && read_time() < end)
        ;
    CHECK(hart1_ready, "vplic-smp-hart1-ready");
    wr32(PLIC_ENABLE(S_CONTEXT(0), IRQ), 0);
    wr32(PLIC_PRIORITY(IRQ), 1);
    wr32(PLIC_ENABLE(S_CONTEXT(1), IRQ), IRQ_BIT);
    wr32(DOORBELL, 1);
    CHECK(wait_count(1, 1), "vplic-smp-hart1-interrupted");
    CHECK_EQ(irqs[1].last, IRQ, "vplic-smp-hart1-claims-source");
    CHECK_EQ(irqs[0].count, before, "vplic-smp-hart0-not-interrupted");
    CHECK_EQ(irqs[1].spurious, 0, "vplic-smp-no-spurious-on-hart1");
}

int main(unsigned long hartid, unsigned long dtb)
{
    u32 harts = harts_present();

    (void)dtb;
    set_tp(hartid);
    set_trap_hook(on_trap);
    guest_printf("vplic: %u hart(s)\n", harts);
    test_delivery();
    test_threshold();
    test_back_to_back();
    test_m_context_inert();
    test_access_faults(harts);
    if (harts > 1)
        test_second_hart();
    CHECK_EQ(irqs[0].spurious, 0, "vplic-no-spurious-interrupts");
    return 0;
}
