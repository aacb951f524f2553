/*
 * Every one of the 4096 CSR numbers, read (csrrs rd, csr, zero) and written with a random
 * value (csrrw), from VS-mode and from VU-mode.  What is certain is checked exactly:
 *   - a CSR above the current privilege (hypervisor, VS and machine CSRs from VS; any
 *     supervisor CSR from VU) and any write to a read-only CSR (0xC00-0xFFF) raise an
 *     illegal-instruction exception with stval = the instruction, whether the hardware
 *     raises it or the hypervisor turns a virtual-instruction exception into it;
 *   - the CSRs a VS guest is promised (supervisor CSRs of the privileged spec, Sstc's
 *     stimecmp, the FP CSRs, cycle/time/instret) work; hpmcounters do not (the hypervisor
 *     does not give them);
 * other numbers may or may not exist on the CPU: either outcome passes, and the count of
 * those that exist is printed.  A CSR that was written is restored at once, and between
 * the two a null SBI call makes the hypervisor save and restore the odd state.  Values
 * that would lose the guest its own footing are tamed first: sstatus keeps SIE clear
 * and its FP state, satp's mode is Bare or an unsupported one (the write is ignored).
 */
#include "hostile/attack.h"

#define NR_CSRS         4096
#define VS_ROUNDS       12
#define VU_ROUNDS       6
#define CSR_PRIV(csr)   (((csr) >> 8) & 3)
#define CSR_RO(csr)     (((csr) >> 10) == 3)
#define PRIV_U          0
#define PRIV_S          1
#define CSR_SSTATUS     0x100
#define CSR_SATP        0x180
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE  0UL
#define SATP_MODE_RSVD  1UL /* reserved: the write is ignored */
#define SSTATUS_SIE_BIT (1UL << 1)
#define HPM_FIRST       0xc03
#define HPM_LAST        0xc1f
#define HPMH_FIRST      0xc80 /* RV32-only halves */
#define HPMH_LAST       0xc9f

enum expect { MUST_WORK, MUST_TRAP, EITHER };

/* Promised to a VS guest by the privileged spec, Sstc and F/D; the FP and counter ones
 * to VU as well (the hypervisor sets scounteren for them). */
static const u16 vs_csrs[] = {0x001, 0x002, 0x003, 0x100, 0x104, 0x105, 0x106, 0x10a, 0x140,
                              0x141, 0x142, 0x143, 0x144, 0x14d, 0x180, 0xc00, 0xc01, 0xc02};
static const u16 vu_csrs[] = {0x001, 0x002, 0x003, 0xc00, 0xc01, 0xc02};

static u32 mode_priv;
static bool count_extras;
static u32 extra_readable;

static bool listed(const u16 *list, u32 n, u32 csr)
{
    for (u32 i = 0; i < n; i++)
        if (list[i] == csr)
            return true;
    return false;
}

static enum expect expect_for(u32 csr, bool write)
{
    if (CSR_PRIV(csr) > mode_priv || (write && CSR_RO(csr)))
        return MUST_TRAP;
    if ((csr >= HPM_FIRST && csr <= HPM_LAST) || (csr >= HPMH_FIRST && csr <= HPMH_LAST))
        return MUST_TRAP;
    if (mode_priv == PRIV_S ? listed(vs_csrs, ARRAY_SIZE(vs_csrs), csr)
                            : listed(vu_csrs, ARRAY_SIZE(vu_csrs), csr))
        return MUST_WORK;
    return EITHER;
}

static csr_fn entry(const char *table, u32 csr)
{
    return (csr_fn)(table + (u64)csr * CSR_ENTRY_BYTES);
}

/* A random value the CSR can take without taking the guest's footing with it. */
static u64 tame(u32 csr, u64 value, u64 old)
{
    if (csr == CSR_SSTATUS)
        return (value & ~(SSTATUS_SIE_BIT | SSTATUS_FS)) | (old & SSTATUS_FS);
    if (csr == CSR_SATP) {
        u64 mode = rnd_below(2) ? SATP_MODE_BARE : SATP_MODE_RSVD;
        return (value & ((1UL << SATP_MODE_SHIFT) - 1)) | mode << SATP_MODE_SHIFT;
    }
    return value;
}

/* Judges one access: the outcome matches `want`; returns whether it worked. */
static bool judge(enum attack_kind kind, u32 csr, bool write, enum expect want)
{
    bool trapped = seen.count != 0;
    bool ok = trapped ? took_illegal() : took_none();

    if (want == MUST_WORK)
        ok = ok && !trapped;
    else if (want == MUST_TRAP)
        ok = ok && trapped;
    tally(kind, ok, "%s of csr 0x%03x in %s", write ? "write" : "read", csr,
          mode_priv == PRIV_S ? "VS" : "VU");
    return !trapped;
}

static void one_csr(enum attack_kind kind, u32 csr, bool nudge)
{
    u64 old = entry(csr_read_table, csr)(0, 0);
    bool readable = judge(kind, csr, false, expect_for(csr, false));

    if (readable && expect_for(csr, false) == EITHER && count_extras)
        extra_readable++;
    entry(csr_swap_table, csr)(0, tame(csr, rnd_value(), old));
    if (!judge(kind, csr, true, expect_for(csr, true)))
        return;
    if (nudge)
        sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0);
    entry(csr_swap_table, csr)(0, old);
    seen.count = 0;
}

static void all_csrs(enum attack_kind kind, u32 rounds, bool nudge)
{
    for (u32 r = 0; r < rounds; r++) {
        count_extras = r == 0;
        for (u32 csr = 0; csr < NR_CSRS; csr++)
            one_csr(kind, csr, nudge);
    }
}

static void vu_rounds(void)
{
    all_csrs(ATTACK_CSR_VU, VU_ROUNDS, false);
}

void attack_csr(void)
{
    mode_priv = PRIV_S;
    all_csrs(ATTACK_CSR_VS, VS_ROUNDS, true);
    guest_printf("hostile: %u CSRs beyond the promised ones are readable from VS\n",
                 extra_readable);
    extra_readable = 0;
    mode_priv = PRIV_U;
    user_run(vu_rounds);
    guest_printf("hostile: %u CSRs beyond the promised ones are readable from VU\n",
                 extra_readable);
}
