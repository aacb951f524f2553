/*
 * Containment, the misbehaving side (VM 1 of configs/two_vms.c, paired with
 * contain_watcher.c as VM 0).  Loads, stores and instruction fetches outside the VM's
 * RAM -- the host's firmware and hypervisor, the real PLIC, UART and CLINT, the address
 * just past its RAM, 4 GiB, the top of the 41-bit guest-physical space and beyond --
 * each raise an access fault in its own trap handler (scause 5, 7 or 1, stval = the
 * address); hypervisor-only CSRs and instructions raise illegal instruction; SBI calls
 * cannot reach the other VM's hart or memory.  Finally it points stvec at unmapped memory
 * and faults: the hypervisor must stop this VM (log "vm1 (hostile) stopped: ...") while
 * VM 0 keeps running.  This guest prints PASS lines but, being stopped, no RESULT line.
 */
#include "sbi_test.h"
#include "test_layout.h"

#define RAM_END     (TEST_RAM_BASE + TEST_RAM_SIZE)
#define GPA_BITS    41 /* Sv39x4 */
#define FAULT_STORM 1000
/* What a stray store writes. */
#define POISON 0xdeadbeefdeadbeefUL

/* Addresses outside this VM's RAM, each for a load, a store and (fetchable ones) a fetch. */
static const struct {
    u64 addr;
    bool fetch;
} bad_addrs[] = {
    {0x0, true},
    {0x02000000UL, false}, /* the host's CLINT */
    {0x0c000000UL, false}, /* the host's PLIC */
    {0x10000000UL, false}, /* the host's UART, given to no VM here */
    {0x80000000UL, true},  /* host RAM: the firmware */
    {0x80200000UL, true},  /* host RAM: the hypervisor */
    {TEST_RAM_BASE - 8, false},
    {RAM_END, true}, /* just past this VM's RAM */
    {0xa0000000UL, false},
    {0x100000000UL, true}, /* 4 GiB */
    {(1UL << GPA_BITS) - 8, true},
    {1UL << GPA_BITS, true}, /* past what stage 2 can translate */
    {1UL << 63, false},
    {~7UL, false},
};

extern char guest_trap_vector[];

static volatile bool faults_expected;
static volatile u32 faults;
static volatile u64 fault_cause, fault_addr;

/* While faults are expected: record access faults and illegal instructions, then resume
 * after the access (a faulting fetch returns to ra, the caller of fetch_from()). */
static bool hostile_trap(struct trap_frame *frame)
{
    if (!faults_expected)
        return false;
    switch (frame->scause) {
    case EXC_INST_ACCESS_FAULT:
        frame->sepc = frame->x[REG_RA];
        break;
    case EXC_LOAD_ACCESS_FAULT:
    case EXC_STORE_ACCESS_FAULT:
    case EXC_ILLEGAL_INSTRUCTION:
        skip_insn(frame);
        break;
    default:
        return false;
    }
    faults++;
    fault_cause = frame->scause;
    fault_addr = CSR_READ(stval);
    return true;
}

static void load_from(u64 addr)
{
    u64 v;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(addr) : "memory");
}

static void store_to(u64 addr)
{
    __asm__ volatile("sd %0, 0(%1)" ::"r"(POISON), "r"(addr) : "memory");
}

static void fetch_from(u64 addr)
{
    __asm__ volatile("jalr ra, 0(%0)" ::"r"(addr) : "ra", "memory");
}

/* True when exactly one fault with this cause and stval happened since the last call. */
static bool took_fault(u64 cause, u64 addr)
{
    bool ok = faults == 1 && fault_cause == cause && fault_addr == addr;
    if (!ok)
        guest_printf("hostile: at 0x%lx: %u faults, scause %lu stval 0x%lx (want %lu)\n", addr,
                     faults, fault_cause, fault_addr, cause);
    faults = 0;
    return ok;
}

static void check_memory(void)
{
    u32 loads = 0, stores = 0, fetches = 0, nr_fetch = 0;

    faults = 0;
    for (u32 i = 0; i < ARRAY_SIZE(bad_addrs); i++) {
        u64 addr = bad_addrs[i].addr;
        load_from(addr);
        loads += took_fault(EXC_LOAD_ACCESS_FAULT, addr);
        store_to(addr);
        stores += took_fault(EXC_STORE_ACCESS_FAULT, addr);
        if (!bad_addrs[i].fetch)
            continue;
        nr_fetch++;
        fetch_from(addr);
        fetches += took_fault(EXC_INST_ACCESS_FAULT, addr);
    }
    CHECK_EQ(loads, ARRAY_SIZE(bad_addrs), "hostile-load-faults");
    CHECK_EQ(stores, ARRAY_SIZE(bad_addrs), "hostile-store-faults");
    CHECK_EQ(fetches, nr_fetch, "hostile-fetch-faults");

    for (u32 i = 0; i < FAULT_STORM; i++)
        store_to(0x80200000UL + 8 * i);
    CHECK_EQ(faults, FAULT_STORM, "hostile-fault-storm");
    faults = 0;
}

/* One illegal instruction must have trapped since the last call. */
static bool took_illegal(const char *what)
{
    bool ok = faults == 1 && fault_cause == EXC_ILLEGAL_INSTRUCTION;
    if (!ok)
        guest_printf("hostile: %s: %u faults, scause %lu\n", what, faults, fault_cause);
    faults = 0;
    return ok;
}

#define TRY_INSN(insn)                                                                             \
    do {                                                                                           \
        __asm__ volatile(".option push\n.option arch, +h\n" insn "\n.option pop" ::                \
                             : "memory", "t0");                                                    \
        good += took_illegal(insn);                                                                \
        tried++;                                                                                   \
    } while (0)

/* Hypervisor CSRs and instructions and M-mode CSRs: illegal instruction in the guest. */
static void check_privileged(void)
{
    u32 good = 0, tried = 0;

    TRY_INSN("csrr t0, hgatp");
    TRY_INSN("csrr t0, hstatus");
    TRY_INSN("csrw hvip, zero");
    TRY_INSN("csrr t0, vsatp");
    TRY_INSN("csrr t0, mstatus");
    TRY_INSN("csrr t0, mepc");
    TRY_INSN("hfence.gvma");
    TRY_INSN("hfence.vvma");
    TRY_INSN("hlv.d t0, (sp)");
    CHECK_EQ(good, tried, "hostile-privileged-illegal");
}

static void check_sbi_boundaries(void)
{
    CHECK_EQ(count_harts(), 1, "hostile-sees-one-vcpu");
    CHECK_EQ(sbi_hart_start(1, (unsigned long)guest_secondary_entry, 0).error,
             SBI_ERR_INVALID_PARAM, "hostile-cannot-start-other-hart");
    CHECK_EQ(sbi_send_ipi(BIT(1), 0).error, SBI_ERR_INVALID_PARAM, "hostile-cannot-ipi-other-hart");
    CHECK_EQ(sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, BIT(1), 0, 0, 0, 0, 0).error,
             SBI_ERR_INVALID_PARAM, "hostile-cannot-fence-other-hart");
    CHECK_EQ(sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 64, 0x80200000UL, 0, 0, 0, 0).error,
             SBI_ERR_INVALID_PARAM, "hostile-dbcn-cannot-read-hypervisor");
    CHECK_EQ(sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, 64, 0x80200000UL, 0, 0, 0, 0).error,
             SBI_ERR_INVALID_PARAM, "hostile-dbcn-cannot-write-hypervisor");
}

/* With stvec at unmapped memory the fault cannot be delivered: the VM must be stopped. */
static void __noreturn crash(void)
{
    guest_printf("hostile: faulting with stvec at 0x0\n");
    CSR_WRITE(stvec, 0);
    load_from(0x80200000UL);
    CSR_WRITE(stvec, guest_trap_vector);
    check(false, "hostile-stopped", "the VM survived a fault it could not take");
    test_finish();
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    set_trap_hook(hostile_trap);
    faults_expected = true;
    check_memory();
    check_privileged();
    faults_expected = false;
    check_sbi_boundaries();
    crash();
}
