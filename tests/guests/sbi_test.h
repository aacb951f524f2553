/*
 * Helpers shared by the SBI, MMIO and containment test guests (sbi_*.c, mmio_*.c,
 * contain_*.c): CSR access, time, SBI function wrappers, trap-frame helpers, and a
 * mailbox that runs functions on secondary harts.
 *
 * Secondary harts: a test points secondary_fn at hart_worker (or at a function that
 * calls it), starts harts with sbi_hart_start(h, guest_secondary_entry, opaque), and then
 * uses hart_post()/hart_wait_done() to run functions there.  A worker records how it was
 * entered (a0, a1, sstatus, satp) in its mailbox and idles in WFI with sie.SSIE set and
 * sstatus.SIE clear.  hart_post() wakes it with an SBI IPI, which the worker consumes
 * (clears sip.SSIP) before it runs the function: a function that suspends the hart finds
 * no stale IPI pending.
 */
#ifndef SBI_TEST_H
#define SBI_TEST_H

#include "lib/guest.h"

/* Timebase of QEMU's virt machine: rdtime counts at 10 MHz. */
#define TIMEBASE_HZ     10000000UL
#define MS_TO_TICKS(ms) ((u64)(ms) * (TIMEBASE_HZ / 1000))
#define US_TO_TICKS(us) ((u64)(us) * (TIMEBASE_HZ / 1000000))
/* How long a test waits for something that should happen at once. */
#define WAIT_MS 1000

/* Harts a test guest supports: guest.ld reserves this many stacks. */
#define MAX_GUEST_HARTS 8

#define CSR_READ(csr)                                                                              \
    ({                                                                                             \
        unsigned long __v;                                                                         \
        __asm__ volatile("csrr %0, " #csr : "=r"(__v)::"memory");                                  \
        __v;                                                                                       \
    })
#define CSR_WRITE(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"r"((unsigned long)(v)) : "memory")
#define CSR_SET(csr, v)   __asm__ volatile("csrs " #csr ", %0" ::"r"((unsigned long)(v)) : "memory")
#define CSR_CLEAR(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"r"((unsigned long)(v)) : "memory")

/* scause values */
#define SCAUSE_INTERRUPT        (1UL << 63)
#define IRQ_SUPERVISOR_SOFT     1
#define IRQ_SUPERVISOR_TIMER    5
#define SCAUSE_SSI              (SCAUSE_INTERRUPT | IRQ_SUPERVISOR_SOFT)
#define SCAUSE_STI              (SCAUSE_INTERRUPT | IRQ_SUPERVISOR_TIMER)
#define EXC_INST_ACCESS_FAULT   1
#define EXC_ILLEGAL_INSTRUCTION 2
#define EXC_LOAD_ACCESS_FAULT   5
#define EXC_STORE_ACCESS_FAULT  7

/* sip/sie bits */
#define SIP_SSIP CSR_SIE_SSIE
#define SIP_STIP CSR_SIE_STIE

/* Register numbers in struct trap_frame */
#define REG_RA 1
#define REG_A0 10

/* SBI function ids and values the tests use */
#define SBI_BASE_GET_SPEC_VERSION     0
#define SBI_BASE_GET_IMPL_ID          1
#define SBI_BASE_GET_IMPL_VERSION     2
#define SBI_BASE_PROBE_EXT            3
#define SBI_BASE_GET_MVENDORID        4
#define SBI_BASE_GET_MARCHID          5
#define SBI_BASE_GET_MIMPID           6
#define SBI_TIME_SET_TIMER            0
#define SBI_IPI_SEND_IPI              0
#define SBI_RFENCE_FENCE_I            0
#define SBI_RFENCE_SFENCE_VMA         1
#define SBI_RFENCE_SFENCE_VMA_ASID    2
#define SBI_RFENCE_HFENCE_FIRST       3
#define SBI_RFENCE_HFENCE_LAST        6
#define SBI_HSM_HART_START            0
#define SBI_HSM_HART_STOP             1
#define SBI_HSM_HART_GET_STATUS       2
#define SBI_HSM_HART_SUSPEND          3
#define SBI_HSM_SUSPEND_RETENTIVE     0x00000000UL
#define SBI_HSM_SUSPEND_NON_RETENTIVE 0x80000000UL
#define SBI_DBCN_WRITE                0
#define SBI_DBCN_READ                 1
#define SBI_DBCN_WRITE_BYTE           2
#define SBI_SRST_RESET                0

/* SBI HSM states */
#define HSM_STARTED   0
#define HSM_STOPPED   1
#define HSM_SUSPENDED 4

/* hart_mask_base value meaning "every hart" */
#define SBI_HART_MASK_ALL (~0UL)

static inline void cpu_relax(void)
{
    __asm__ volatile("nop" ::: "memory");
}

/* Waits until cond holds or ms milliseconds passed; evaluates to whether cond held. */
#define WAIT_UNTIL(cond, ms)                                                                       \
    ({                                                                                             \
        u64 __deadline = read_time() + MS_TO_TICKS(ms);                                            \
        bool __ok;                                                                                 \
        while (!(__ok = (cond)) && read_time() < __deadline)                                       \
            cpu_relax();                                                                           \
        __ok;                                                                                      \
    })

static inline void delay_ms(u64 ms)
{
    u64 end = read_time() + MS_TO_TICKS(ms);

    while (read_time() < end)
        cpu_relax();
}

/* The hart id of the calling hart, kept in tp (set_this_hart() at each hart's entry). */
static inline u32 this_hart(void)
{
    unsigned long tp;
    __asm__ volatile("mv %0, tp" : "=r"(tp));
    return (u32)tp;
}

static inline void set_this_hart(unsigned long hartid)
{
    __asm__ volatile("mv tp, %0" ::"r"(hartid));
}

static inline void local_irq_enable(void)
{
    CSR_SET(sstatus, SSTATUS_SIE);
}

static inline void local_irq_disable(void)
{
    CSR_CLEAR(sstatus, SSTATUS_SIE);
}

/* Length of the instruction at pc: 2 for compressed, else 4. */
static inline u64 insn_length(u64 pc)
{
    return (*(const volatile u16 *)pc & 3) == 3 ? 4 : 2;
}

/* Steps a trap frame past the instruction that trapped. */
static inline void skip_insn(struct trap_frame *frame)
{
    frame->sepc += insn_length(frame->sepc);
}

/* SBI wrappers */
static inline struct sbiret sbi_probe(unsigned long eid)
{
    return sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, eid, 0, 0, 0, 0, 0);
}

static inline struct sbiret sbi_set_timer(u64 deadline)
{
    return sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, deadline, 0, 0, 0, 0, 0);
}

static inline struct sbiret sbi_send_ipi(unsigned long mask, unsigned long base)
{
    return sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, mask, base, 0, 0, 0, 0);
}

static inline struct sbiret sbi_hart_start(unsigned long hartid, unsigned long addr,
                                           unsigned long opaque)
{
    return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, addr, opaque, 0, 0, 0);
}

static inline struct sbiret sbi_hart_status(unsigned long hartid)
{
    return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid, 0, 0, 0, 0, 0);
}

static inline struct sbiret sbi_hart_suspend(unsigned long type, unsigned long addr,
                                             unsigned long opaque)
{
    return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, type, addr, opaque, 0, 0, 0);
}

static inline void sbi_hart_stop(void)
{
    sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0, 0, 0, 0);
}

/* Number of vCPUs the VM has: get_status answers INVALID_PARAM past the last one. */
static inline u32 count_harts(void)
{
    u32 n = 0;

    while (n < MAX_GUEST_HARTS && sbi_hart_status(n).error == SBI_SUCCESS)
        n++;
    return n;
}

/* Secondary-hart mailbox (see the comment at the top). */
struct hart_mailbox {
    void (*fn)(unsigned long arg);
    unsigned long arg;
    u32 posted, done;
    u32 entries; /* how many times the hart entered at guest_secondary_entry */
    unsigned long entry_a0, entry_a1, entry_sstatus, entry_satp;
};

static struct hart_mailbox mailboxes[MAX_GUEST_HARTS] __unused;

static inline bool hart_done(u32 hart)
{
    struct hart_mailbox *mb = &mailboxes[hart];
    return __atomic_load_n(&mb->done, __ATOMIC_ACQUIRE) == READ_ONCE(mb->posted);
}

static inline u32 hart_entries(u32 hart)
{
    return __atomic_load_n(&mailboxes[hart].entries, __ATOMIC_ACQUIRE);
}

/* Queues fn(arg) on hart `hart` and wakes it; the previous function must be done. */
static inline void hart_post(u32 hart, void (*fn)(unsigned long), unsigned long arg)
{
    struct hart_mailbox *mb = &mailboxes[hart];

    mb->fn = fn;
    mb->arg = arg;
    __atomic_store_n(&mb->posted, mb->posted + 1, __ATOMIC_RELEASE);
    sbi_send_ipi(1, hart);
}

/* Waits for the function posted last on `hart`; false after WAIT_MS. */
static inline bool hart_wait_done(u32 hart)
{
    return WAIT_UNTIL(hart_done(hart), WAIT_MS);
}

/* Runs fn(arg) on `hart` and waits for it to finish. */
static inline bool hart_run(u32 hart, void (*fn)(unsigned long), unsigned long arg)
{
    hart_post(hart, fn, arg);
    return hart_wait_done(hart);
}

/* Body of a secondary hart: records how it was entered, then serves its mailbox. */
static inline void __noreturn hart_worker(unsigned long hartid, unsigned long opaque)
{
    struct hart_mailbox *mb = &mailboxes[hartid];

    set_this_hart(hartid);
    mb->entry_a0 = hartid;
    mb->entry_a1 = opaque;
    mb->entry_sstatus = CSR_READ(sstatus);
    mb->entry_satp = CSR_READ(satp);
    /* Whatever was posted before (a call that stopped or suspended the hart) is over. */
    __atomic_store_n(&mb->done, READ_ONCE(mb->posted), __ATOMIC_RELEASE);
    __atomic_fetch_add(&mb->entries, 1, __ATOMIC_RELEASE);
    CSR_SET(sie, CSR_SIE_SSIE);
    for (;;) {
        while (!(CSR_READ(sip) & SIP_SSIP))
            __asm__ volatile("wfi" ::: "memory");
        CSR_CLEAR(sip, SIP_SSIP);
        /* Every post is followed by an IPI: a post made before this one is visible now. */
        if (__atomic_load_n(&mb->posted, __ATOMIC_ACQUIRE) == mb->done)
            continue;
        mb->fn(mb->arg);
        __atomic_store_n(&mb->done, mb->done + 1, __ATOMIC_RELEASE);
    }
}

/* Starts every secondary hart (1..n-1) as a worker; true when all of them run. */
static inline bool start_workers(u32 n, unsigned long opaque)
{
    bool ok = true;

    for (u32 h = 1; h < n; h++) {
        u32 before = hart_entries(h);
        ok &= sbi_hart_start(h, (unsigned long)guest_secondary_entry, opaque).error == SBI_SUCCESS;
        ok &= WAIT_UNTIL(hart_entries(h) != before, WAIT_MS);
    }
    return ok;
}

#endif
