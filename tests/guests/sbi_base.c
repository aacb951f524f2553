/*
 * SBI BASE extension as a guest sees it (SBI 2.0 chapter 4): spec version, implementation
 * id and version, extension probing, machine ids, unknown functions and extensions, and
 * the calling convention (every register but a0/a1 survives an ecall).
 */
#include "sbi_test.h"

#define SBI_SPEC_VERSION_2_0 (2L << 24)
/* Shyper's SBI implementation id ("SH"; the spec assigns none to Shyper). */
#define SHYPER_SBI_IMPL_ID             0x5348
#define SBI_EXT_PMU                    0x504D55
#define SBI_EXT_LEGACY_SET_TIMER       0x00
#define SBI_EXT_LEGACY_PUTCHAR         0x01
#define SBI_EXT_LEGACY_GETCHAR         0x02
#define SBI_EXT_LEGACY_CLEAR_IPI       0x03
#define SBI_EXT_LEGACY_SFENCE_VMA_ASID 0x07
#define SBI_EXT_LEGACY_SHUTDOWN        0x08
#define SBI_EXT_LEGACY_RESERVED        0x09
#define EID_UNKNOWN                    0x0BADC0DEUL
#define EID_VENDOR_UNKNOWN             0x09000123UL
#define BASE_FID_UNKNOWN               7
#define BASE_FID_FAR                   0x1000
#define NR_REGS                        32
#define REG_SP                         2
#define REG_A1                         11
#define REG_A6                         16
#define REG_A7                         17

/* The value ecall_snapshot() puts in register n before the ecall. */
#define REG_SENTINEL(n) (0x5eed0000UL + (n))

/*
 * Fills every register but zero, sp and a0 with REG_SENTINEL(n), except a6 = fid and
 * a7 = eid, sets a0 = arg, makes the ecall and stores x0..x31 as the ecall left them
 * into regs[].
 */
void ecall_snapshot(unsigned long eid, unsigned long fid, unsigned long arg, u64 *regs);
__asm__(".pushsection .text\n"
        ".balign 4\n"
        ".globl ecall_snapshot\n"
        "ecall_snapshot:\n"
        "    addi sp, sp, -144\n"
        /* ra, gp, tp and s0..s11 at 0..112; regs at 120; scratch at 128 */
        "    sd ra, 0(sp)\n"
        "    sd gp, 8(sp)\n"
        "    sd tp, 16(sp)\n"
        "    sd s0, 24(sp)\n"
        "    sd s1, 32(sp)\n"
        "    sd s2, 40(sp)\n"
        "    sd s3, 48(sp)\n"
        "    sd s4, 56(sp)\n"
        "    sd s5, 64(sp)\n"
        "    sd s6, 72(sp)\n"
        "    sd s7, 80(sp)\n"
        "    sd s8, 88(sp)\n"
        "    sd s9, 96(sp)\n"
        "    sd s10, 104(sp)\n"
        "    sd s11, 112(sp)\n"
        "    sd a3, 120(sp)\n"
        "    mv a7, a0\n"
        "    mv a6, a1\n"
        "    mv a0, a2\n"
        "    .irp n, 1,3,4,5,6,7,8,9,11,12,13,14,15,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
        "    li x\\n, 0x5eed0000 + \\n\n"
        "    .endr\n"
        "    ecall\n"
        "    sd x31, 128(sp)\n"
        "    ld x31, 120(sp)\n"
        "    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
        "28,29,30\n"
        "    sd x\\n, (\\n * 8)(x31)\n"
        "    .endr\n"
        "    ld t0, 128(sp)\n"
        "    sd t0, (31 * 8)(x31)\n"
        "    ld ra, 0(sp)\n"
        "    ld gp, 8(sp)\n"
        "    ld tp, 16(sp)\n"
        "    ld s0, 24(sp)\n"
        "    ld s1, 32(sp)\n"
        "    ld s2, 40(sp)\n"
        "    ld s3, 48(sp)\n"
        "    ld s4, 56(sp)\n"
        "    ld s5, 64(sp)\n"
        "    ld s6, 72(sp)\n"
        "    ld s7, 80(sp)\n"
        "    ld s8, 88(sp)\n"
        "    ld s9, 96(sp)\n"
        "    ld s10, 104(sp)\n"
        "    ld s11, 112(sp)\n"
        "    addi sp, sp, 144\n"
        "    ret\n"
        ".popsection\n");

static void check_version_and_ids(void)
{
    struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_SUCCESS, "base-spec-version-ok");
    CHECK_EQ(r.value, SBI_SPEC_VERSION_2_0, "base-spec-version-2.0");

    r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_SUCCESS, "base-impl-id-ok");
    CHECK_EQ(r.value, SHYPER_SBI_IMPL_ID, "base-impl-id-shyper");

    r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_SUCCESS, "base-impl-version-ok");
    CHECK(r.value > 0, "base-impl-version-nonzero");

    /* A virtual machine has no vendor, architecture or implementation id: 0 is legal. */
    static const struct {
        unsigned long fid;
        const char *name;
    } ids[] = {
        {SBI_BASE_GET_MVENDORID, "base-mvendorid"},
        {SBI_BASE_GET_MARCHID, "base-marchid"},
        {SBI_BASE_GET_MIMPID, "base-mimpid"},
    };
    for (u32 i = 0; i < ARRAY_SIZE(ids); i++) {
        r = sbi_call(SBI_EXT_BASE, ids[i].fid, 0, 0, 0, 0, 0, 0);
        check(r.error == SBI_SUCCESS && r.value == 0, ids[i].name, "error %ld value 0x%lx", r.error,
              r.value);
    }
}

static void check_probe(void)
{
    static const struct {
        unsigned long eid;
        bool present;
        const char *name;
    } exts[] = {
        {SBI_EXT_BASE, true, "base-probe-base"},
        {SBI_EXT_TIME, true, "base-probe-time"},
        {SBI_EXT_IPI, true, "base-probe-ipi"},
        {SBI_EXT_RFENCE, true, "base-probe-rfence"},
        {SBI_EXT_HSM, true, "base-probe-hsm"},
        {SBI_EXT_SRST, true, "base-probe-srst"},
        {SBI_EXT_DBCN, true, "base-probe-dbcn"},
        {SBI_EXT_LEGACY_SET_TIMER, true, "base-probe-legacy-set-timer"},
        {SBI_EXT_LEGACY_PUTCHAR, true, "base-probe-legacy-putchar"},
        {SBI_EXT_LEGACY_GETCHAR, true, "base-probe-legacy-getchar"},
        {SBI_EXT_LEGACY_SHUTDOWN, true, "base-probe-legacy-shutdown"},
        {SBI_EXT_PMU, false, "base-probe-pmu-absent"},
        {SBI_EXT_LEGACY_CLEAR_IPI, false, "base-probe-legacy-clear-ipi-absent"},
        {SBI_EXT_LEGACY_SFENCE_VMA_ASID, false, "base-probe-legacy-sfence-absent"},
        {SBI_EXT_LEGACY_RESERVED, false, "base-probe-legacy-reserved-absent"},
        {EID_UNKNOWN, false, "base-probe-unknown-absent"},
        {EID_VENDOR_UNKNOWN, false, "base-probe-vendor-absent"},
    };
    for (u32 i = 0; i < ARRAY_SIZE(exts); i++) {
        struct sbiret r = sbi_probe(exts[i].eid);
        check(r.error == SBI_SUCCESS && (r.value != 0) == exts[i].present, exts[i].name,
              "probe(0x%lx): error %ld value %ld", exts[i].eid, r.error, r.value);
    }
}

static void check_not_supported(void)
{
    struct sbiret r = sbi_call(SBI_EXT_BASE, BASE_FID_UNKNOWN, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_ERR_NOT_SUPPORTED, "base-unknown-fid");
    r = sbi_call(SBI_EXT_BASE, BASE_FID_FAR, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_ERR_NOT_SUPPORTED, "base-unknown-fid-far");
    r = sbi_call(EID_UNKNOWN, 0, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_ERR_NOT_SUPPORTED, "base-unknown-eid");
    r = sbi_call(SBI_EXT_PMU, 0, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_ERR_NOT_SUPPORTED, "base-pmu-not-supported");
    r = sbi_call(SBI_EXT_LEGACY_CLEAR_IPI, 0, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_ERR_NOT_SUPPORTED, "base-legacy-clear-ipi-not-supported");
}

/* Every register but a0 and a1 (legacy calls: but a0) must survive the call. */
static void check_preserved(unsigned long eid, unsigned long fid, unsigned long arg, bool legacy,
                            const char *name)
{
    u64 regs[NR_REGS];
    u32 bad = 0, first_bad = 0;

    ecall_snapshot(eid, fid, arg, regs);
    for (u32 n = 1; n < NR_REGS; n++) {
        u64 want;
        if (n == REG_SP || n == REG_A0 || (n == REG_A1 && !legacy))
            continue;
        want = n == REG_A6 ? fid : n == REG_A7 ? eid : REG_SENTINEL(n);
        if (regs[n] != want && !bad++)
            first_bad = n;
    }
    check(bad == 0, name, "%u registers changed, first x%u = 0x%lx", bad, first_bad,
          regs[first_bad]);
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    check_version_and_ids();
    check_probe();
    check_not_supported();
    check_preserved(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, false, "base-regs-preserved");
    check_preserved(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_HSM, false,
                    "base-regs-preserved-probe");
    check_preserved(EID_UNKNOWN, 0, 0, false, "base-regs-preserved-unknown-eid");
    check_preserved(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0, false, "base-regs-preserved-hsm");
    check_preserved(SBI_EXT_TIME, SBI_TIME_SET_TIMER, ~0UL, false, "base-regs-preserved-time");
    check_preserved(SBI_EXT_LEGACY_SET_TIMER, 0, ~0UL, true, "base-regs-preserved-legacy");
    return 0;
}
