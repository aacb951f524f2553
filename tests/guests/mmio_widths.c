/*
 * MMIO emulation of every load and store form against the scratch device (a register
 * file: a read returns the bytes last written, little-endian).  32-bit forms sb sh sw sd,
 * lb lbu lh lhu lw lwu ld with positive and negative offsets and any destination; the
 * compressed forms c.lw c.ld c.sw c.sd (3-bit registers) and c.lwsp c.ldsp c.swsp c.sdsp
 * (sp pointing into the device).  Loads sign- or zero-extend as the ISA says, narrow
 * stores leave neighbouring bytes alone, a load into x0 is discarded, and misaligned
 * accesses or accesses past the device raise an access fault in the guest (scause 5 or 7,
 * stval = the address) instead of stopping the VM.  The Zcb forms (c.lbu, c.lh, c.sb...)
 * are not tested: binutils 2.40 cannot assemble them.
 */
#include "sbi_test.h"
#include "test_layout.h"

#define DEV TEST_SCRATCH_BASE
/* Offsets from TEST_SCRATCH_DOORBELL on are not plain registers. */
#define REGS_END      TEST_SCRATCH_DOORBELL
#define NEG_PATTERN   0xf1e2d3c4b5a69788UL /* every byte has its top bit set */
#define POS_PATTERN   0x0123456776543210UL /* no byte has its top bit set */
#define WIDE_VALUE    0x1234567890abcdefUL
#define ALL_ONES      (~0UL)
#define STRESS_ROUNDS 256
#define MID_OFFSET    0x800 /* base for the negative and large immediates */

/* Plain (uncompressed) loads and stores: mmio_<insn>(addr[, value]). */
#define DEFINE_LOAD(insn)                                                                          \
    static u64 mmio_##insn(u64 addr)                                                               \
    {                                                                                              \
        u64 v;                                                                                     \
        __asm__ volatile(".option push\n.option norvc\n" #insn " %0, 0(%1)\n.option pop"           \
                         : "=r"(v)                                                                 \
                         : "r"(addr)                                                               \
                         : "memory");                                                              \
        return v;                                                                                  \
    }
#define DEFINE_STORE(insn)                                                                         \
    static void mmio_##insn(u64 addr, u64 v)                                                       \
    {                                                                                              \
        __asm__ volatile(".option push\n.option norvc\n" #insn " %1, 0(%0)\n.option pop"           \
                         :                                                                         \
                         : "r"(addr), "r"(v)                                                       \
                         : "memory");                                                              \
    }
DEFINE_LOAD(lb)
DEFINE_LOAD(lbu)
DEFINE_LOAD(lh)
DEFINE_LOAD(lhu)
DEFINE_LOAD(lw)
DEFINE_LOAD(lwu)
DEFINE_LOAD(ld)
DEFINE_STORE(sb)
DEFINE_STORE(sh)
DEFINE_STORE(sw)
DEFINE_STORE(sd)

static volatile bool faults_expected;
static volatile u32 faults;
static volatile u64 fault_cause, fault_addr;

/* While faults are expected: record access faults and step over the instruction. */
static bool mmio_trap(struct trap_frame *frame)
{
    if (!faults_expected ||
        (frame->scause != EXC_LOAD_ACCESS_FAULT && frame->scause != EXC_STORE_ACCESS_FAULT))
        return false;
    faults++;
    fault_cause = frame->scause;
    fault_addr = CSR_READ(stval);
    skip_insn(frame);
    return true;
}

static s64 sext(u64 v, unsigned bits)
{
    unsigned shift = 64 - bits;
    return (s64)(v << shift) >> shift;
}

static u64 zext(u64 v, unsigned bits)
{
    return bits == 64 ? v : v & ((1UL << bits) - 1);
}

/* Every load width at every aligned offset of a doubleword holding `pattern`. */
static void check_loads(u64 pattern, const char *name)
{
    u64 addr = DEV + 8;
    u32 bad = 0;

    mmio_sd(addr, pattern);
    bad += mmio_ld(addr) != pattern;
    for (unsigned off = 0; off < 8; off += 4) {
        u64 part = pattern >> (8 * off);
        bad += mmio_lw(addr + off) != (u64)sext(part, 32);
        bad += mmio_lwu(addr + off) != zext(part, 32);
    }
    for (unsigned off = 0; off < 8; off += 2) {
        u64 part = pattern >> (8 * off);
        bad += mmio_lh(addr + off) != (u64)sext(part, 16);
        bad += mmio_lhu(addr + off) != zext(part, 16);
    }
    for (unsigned off = 0; off < 8; off++) {
        u64 part = pattern >> (8 * off);
        bad += mmio_lb(addr + off) != (u64)sext(part, 8);
        bad += mmio_lbu(addr + off) != zext(part, 8);
    }
    check(bad == 0, name, "%u loads returned a wrong value", bad);
}

static void check_sign_extension(void)
{
    u64 addr = DEV + 16;

    mmio_sd(addr, 0);
    mmio_sb(addr, 0x80);
    CHECK_EQ(mmio_lb(addr), -128, "mmio-lb-0x80-is-minus-128");
    CHECK_EQ(mmio_lbu(addr), 128, "mmio-lbu-0x80-is-128");
    mmio_sh(addr, 0x8000);
    CHECK_EQ(mmio_lh(addr), -32768, "mmio-lh-0x8000-sign-extends");
    CHECK_EQ(mmio_lhu(addr), 0x8000, "mmio-lhu-0x8000-zero-extends");
    mmio_sw(addr, 0x80000000UL);
    CHECK_EQ(mmio_lw(addr), 0xffffffff80000000UL, "mmio-lw-0x80000000-sign-extends");
    CHECK_EQ(mmio_lwu(addr), 0x80000000UL, "mmio-lwu-0x80000000-zero-extends");
}

/* Narrow stores write only their bytes, whatever the register's upper bits hold. */
static void check_stores(void)
{
    u64 addr = DEV + 24;

    mmio_sd(addr, ALL_ONES);
    mmio_sb(addr + 1, WIDE_VALUE);
    CHECK_EQ(mmio_ld(addr), 0xffffffffffffefffUL, "mmio-sb-one-byte");
    mmio_sd(addr, ALL_ONES);
    mmio_sh(addr + 2, WIDE_VALUE);
    CHECK_EQ(mmio_ld(addr), 0xffffffffcdefffffUL, "mmio-sh-two-bytes");
    mmio_sd(addr, ALL_ONES);
    mmio_sw(addr + 4, WIDE_VALUE);
    CHECK_EQ(mmio_ld(addr), 0x90abcdefffffffffUL, "mmio-sw-four-bytes");

    for (unsigned off = 0; off < 8; off++)
        mmio_sb(addr + off, POS_PATTERN >> (8 * off));
    CHECK_EQ(mmio_ld(addr), POS_PATTERN, "mmio-sb-compose");
    for (unsigned off = 0; off < 8; off += 2)
        mmio_sh(addr + off, NEG_PATTERN >> (8 * off));
    CHECK_EQ(mmio_ld(addr), NEG_PATTERN, "mmio-sh-compose");
    mmio_sw(addr, POS_PATTERN);
    mmio_sw(addr + 4, POS_PATTERN >> 32);
    CHECK_EQ(mmio_ld(addr), POS_PATTERN, "mmio-sw-compose");
}

/* Immediates at both ends of their range, and unusual destination registers. */
static void check_offsets_and_registers(void)
{
    u64 mid = DEV + MID_OFFSET, v;
    register u64 t6 __asm__("t6");
    register u64 s11 __asm__("s11");

    mmio_sd(DEV, POS_PATTERN);
    __asm__ volatile(".option push\n.option norvc\nld %0, -2048(%1)\n.option pop"
                     : "=r"(v)
                     : "r"(mid)
                     : "memory");
    CHECK_EQ(v, POS_PATTERN, "mmio-ld-offset-minus-2048");

    mmio_sd(DEV + REGS_END - 8, NEG_PATTERN);
    __asm__ volatile(".option push\n.option norvc\nlw %0, %2(%1)\n.option pop"
                     : "=r"(v)
                     : "r"(mid), "i"(REGS_END - 8 - MID_OFFSET)
                     : "memory");
    CHECK_EQ(v, (u64)sext(NEG_PATTERN, 32), "mmio-lw-large-offset");

    __asm__ volatile("ld %0, 0(%1)" : "=r"(t6) : "r"(DEV) : "memory");
    CHECK_EQ(t6, POS_PATTERN, "mmio-ld-into-t6");
    __asm__ volatile("lh %0, 0(%1)" : "=r"(s11) : "r"(DEV + REGS_END - 2) : "memory");
    CHECK_EQ(s11, (u64)sext(NEG_PATTERN >> 48, 16), "mmio-lh-into-s11");

    t6 = WIDE_VALUE;
    __asm__ volatile("sd %0, 0(%1)" ::"r"(t6), "r"(DEV + 40) : "memory");
    CHECK_EQ(mmio_ld(DEV + 40), WIDE_VALUE, "mmio-sd-from-t6");
}

/* lw x0 discards the value (and must not fault); sd x0 stores zero. */
static void check_x0(void)
{
    u64 before, after;

    mmio_sd(DEV + 48, NEG_PATTERN);
    __asm__ volatile("mv t0, %2\n"
                     "mv t1, %2\n"
                     "lw zero, 0(%3)\n"
                     "ld zero, 0(%3)\n"
                     "mv %0, t0\n"
                     "mv %1, t1\n"
                     : "=r"(before), "=r"(after)
                     : "r"(WIDE_VALUE), "r"(DEV + 48)
                     : "t0", "t1", "memory");
    CHECK(faults == 0 && before == WIDE_VALUE && after == WIDE_VALUE, "mmio-load-to-x0");
    __asm__ volatile("sd zero, 0(%0)" ::"r"(DEV + 48) : "memory");
    CHECK_EQ(mmio_ld(DEV + 48), 0, "mmio-store-from-x0");
}

/* c.sw c.lw c.sd c.ld: s0/s1 as base, a0..a5 as data. */
static void check_compressed(void)
{
    register u64 s0 __asm__("s0") = DEV + 64;
    register u64 s1 __asm__("s1") = DEV + 128;
    register u64 a0 __asm__("a0") = NEG_PATTERN;
    register u64 a1 __asm__("a1");
    register u64 a2 __asm__("a2");
    register u64 a3 __asm__("a3");
    register u64 a4 __asm__("a4");
    register u64 a5 __asm__("a5");

    __asm__ volatile(".option push\n.option rvc\n"
                     "c.sd a0, 8(s0)\n"
                     "c.ld a1, 8(s0)\n"
                     "c.lw a2, 12(s0)\n"
                     "c.sw a0, 120(s1)\n"
                     "c.lw a3, 120(s1)\n"
                     "c.sd a0, 248(s1)\n"
                     "c.ld a4, 248(s1)\n"
                     "c.lw a5, 0(s0)\n"
                     ".option pop"
                     : "=&r"(a1), "=&r"(a2), "=&r"(a3), "=&r"(a4), "=&r"(a5)
                     : "r"(s0), "r"(s1), "r"(a0)
                     : "memory");
    /* Register variables live in their register only in the asm: copy before any call. */
    u64 got[] = {a1, a2, a3, a4, a5};
    CHECK_EQ(got[0], NEG_PATTERN, "mmio-c.sd-c.ld");
    CHECK_EQ(got[1], (u64)sext(NEG_PATTERN >> 32, 32), "mmio-c.lw-sign-extends");
    CHECK_EQ(got[2], (u64)sext(NEG_PATTERN, 32), "mmio-c.sw-c.lw");
    CHECK_EQ(got[3], NEG_PATTERN, "mmio-c.sd-c.ld-max-offset");
    CHECK_EQ(got[4], 0, "mmio-c.lw-unwritten-reads-zero");
}

/* c.sdsp c.ldsp c.swsp c.lwsp with sp in the device (interrupts are off meanwhile). */
static void check_compressed_sp(void)
{
    u64 r1, r2, r3, r4;

    __asm__ volatile(".option push\n.option rvc\n"
                     "mv t0, sp\n"
                     "mv sp, %[dev]\n"
                     "c.sdsp %[v], 240(sp)\n"
                     "c.ldsp %[r1], 240(sp)\n"
                     "c.lwsp %[r2], 244(sp)\n"
                     "c.swsp %[v], 252(sp)\n"
                     "c.lwsp %[r3], 252(sp)\n"
                     "c.sdsp %[w], 504(sp)\n"
                     "c.ldsp %[r4], 504(sp)\n"
                     "mv sp, t0\n"
                     ".option pop"
                     : [r1] "=&r"(r1), [r2] "=&r"(r2), [r3] "=&r"(r3), [r4] "=&r"(r4)
                     : [dev] "r"(DEV), [v] "r"(NEG_PATTERN), [w] "r"(WIDE_VALUE)
                     : "t0", "memory");
    CHECK_EQ(r1, NEG_PATTERN, "mmio-c.sdsp-c.ldsp");
    CHECK_EQ(r2, (u64)sext(NEG_PATTERN >> 32, 32), "mmio-c.lwsp-sign-extends");
    CHECK_EQ(r3, (u64)sext(NEG_PATTERN, 32), "mmio-c.swsp-c.lwsp");
    CHECK_EQ(r4, WIDE_VALUE, "mmio-c.sdsp-c.ldsp-max-offset");
    CHECK_EQ(mmio_ld(DEV + 240), NEG_PATTERN, "mmio-c.sdsp-visible-to-ld");
}

/* Each access must fault exactly once with the given cause and address. */
static void expect_fault(u64 cause, u64 addr, const char *name)
{
    bool ok = faults == 1 && fault_cause == cause && fault_addr == addr;
    check(ok, name, "%u faults, scause %lu stval 0x%lx (want %lu at 0x%lx)", faults, fault_cause,
          fault_addr, cause, addr);
    faults = 0;
}

static void check_faults(void)
{
    mmio_sd(DEV, NEG_PATTERN);
    mmio_sd(DEV + 8, NEG_PATTERN);
    faults = 0;
    faults_expected = true;
    mmio_lw(DEV + 2);
    expect_fault(EXC_LOAD_ACCESS_FAULT, DEV + 2, "mmio-misaligned-lw-faults");
    mmio_ld(DEV + 4);
    expect_fault(EXC_LOAD_ACCESS_FAULT, DEV + 4, "mmio-misaligned-ld-faults");
    mmio_lh(DEV + 1);
    expect_fault(EXC_LOAD_ACCESS_FAULT, DEV + 1, "mmio-misaligned-lh-faults");
    mmio_sw(DEV + 1, 0);
    expect_fault(EXC_STORE_ACCESS_FAULT, DEV + 1, "mmio-misaligned-sw-faults");
    mmio_sh(DEV + 3, 0);
    expect_fault(EXC_STORE_ACCESS_FAULT, DEV + 3, "mmio-misaligned-sh-faults");
    mmio_sd(DEV + 12, 0);
    expect_fault(EXC_STORE_ACCESS_FAULT, DEV + 12, "mmio-misaligned-sd-faults");

    register u64 s0 __asm__("s0") = DEV + 2;
    register u64 a0 __asm__("a0");
    __asm__ volatile(".option push\n.option rvc\nc.lw a0, 0(s0)\n.option pop"
                     : "=r"(a0)
                     : "r"(s0)
                     : "memory");
    expect_fault(EXC_LOAD_ACCESS_FAULT, DEV + 2, "mmio-misaligned-c.lw-faults");

    mmio_lw(DEV + TEST_SCRATCH_SIZE);
    expect_fault(EXC_LOAD_ACCESS_FAULT, DEV + TEST_SCRATCH_SIZE, "mmio-load-past-device-faults");
    mmio_sd(DEV + TEST_SCRATCH_SIZE, 0);
    expect_fault(EXC_STORE_ACCESS_FAULT, DEV + TEST_SCRATCH_SIZE, "mmio-store-past-device-faults");
    mmio_lb(DEV - 1);
    expect_fault(EXC_LOAD_ACCESS_FAULT, DEV - 1, "mmio-load-before-device-faults");
    faults_expected = false;
    CHECK(mmio_ld(DEV) == NEG_PATTERN && mmio_ld(DEV + 8) == NEG_PATTERN,
          "mmio-faulting-stores-write-nothing");
}

/* Many accesses in a row through the trap-and-emulate path. */
static void check_stress(void)
{
    u32 bad = 0;

    for (u32 i = 0; i < STRESS_ROUNDS; i++) {
        u64 addr = DEV + (i * 4) % REGS_END;
        mmio_sw(addr, i * 0x01010101U);
        bad += mmio_lwu(addr) != (u64)(u32)(i * 0x01010101U);
    }
    CHECK_EQ(bad, 0, "mmio-stress");
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    set_trap_hook(mmio_trap);
    check_loads(NEG_PATTERN, "mmio-loads-negative-bytes");
    check_loads(POS_PATTERN, "mmio-loads-positive-bytes");
    check_sign_extension();
    check_stores();
    check_offsets_and_registers();
    check_x0();
    check_compressed();
    check_compressed_sp();
    check_faults();
    check_stress();
    return 0;
}
