/*
 * Instructions a guest must not have, and privileged instructions in odd states:
 *   - from VS and VU: every H-extension instruction (hfence.vvma/gvma, hinval.vvma/gvma,
 *     hlv, hlvx, hsv of every width) with random operands, mret and dret: an illegal
 *     instruction with stval = the instruction;
 *   - from VU: sret, sfence.vma and wfi: the same (a VU wfi must not block the vCPU);
 *   - sret from VS to wild addresses, back into VS and down into VU: an instruction access
 *     fault there, with stval = the address;
 *   - wfi in VS with interrupts globally off: it returns once the enabled timer fires (and
 *     no trap is taken), at once when an enabled interrupt is already pending.
 */
#include "hostile/attack.h"

#define VS_ROUNDS     3000
#define VU_ROUNDS     1000
#define SRET_TARGETS  5000
#define WFI_ROUNDS    100
#define WFI_DELAY_US  200
#define WFI_LIMIT_MS  50 /* a wfi that waits this long has lost its wake-up */
#define VU_WFI_NET_MS 1  /* a VU wfi that blocks is woken by a timer this often */

static void mret(u64 a, u64 b)
{
    (void)a;
    (void)b;
    probe_mret();
}

static void dret(u64 a, u64 b)
{
    (void)a;
    (void)b;
    probe_dret();
}

#define ONE_ARG(name)                                                                              \
    static void name(u64 a, u64 b)                                                                 \
    {                                                                                              \
        (void)b;                                                                                   \
        probe_##name(a);                                                                           \
    }
ONE_ARG(hlv_b)
ONE_ARG(hlv_bu)
ONE_ARG(hlv_h)
ONE_ARG(hlv_hu)
ONE_ARG(hlv_w)
ONE_ARG(hlv_wu)
ONE_ARG(hlv_d)
ONE_ARG(hlvx_hu)
ONE_ARG(hlvx_wu)

struct bad_insn {
    const char *name;
    void (*fn)(u64 a, u64 b);
    /* stval is the instruction.  QEMU 10 raises mret's illegal-instruction exception
     * (in hardware, no hypervisor involved) with the previous instruction's bits. */
    bool exact_tval;
};

static const struct bad_insn bad_insns[] = {
    {"hfence.vvma", probe_hfence_vvma, true},
    {"hfence.gvma", probe_hfence_gvma, true},
    {"hinval.vvma", probe_hinval_vvma, true},
    {"hinval.gvma", probe_hinval_gvma, true},
    {"hlv.b", hlv_b, true},
    {"hlv.bu", hlv_bu, true},
    {"hlv.h", hlv_h, true},
    {"hlv.hu", hlv_hu, true},
    {"hlv.w", hlv_w, true},
    {"hlv.wu", hlv_wu, true},
    {"hlv.d", hlv_d, true},
    {"hlvx.hu", hlvx_hu, true},
    {"hlvx.wu", hlvx_wu, true},
    {"hsv.b", probe_hsv_b, true},
    {"hsv.h", probe_hsv_h, true},
    {"hsv.w", probe_hsv_w, true},
    {"hsv.d", probe_hsv_d, true},
    {"mret", mret, false},
    {"dret", dret, true},
};

static void bad_insn_round(enum attack_kind kind)
{
    for (u32 i = 0; i < ARRAY_SIZE(bad_insns); i++) {
        const struct bad_insn *insn = &bad_insns[i];
        u64 a = rnd_value(), b = rnd_value();
        insn->fn(a, b);
        bool ok = insn->exact_tval ? took_illegal() : took_any(EXC_ILLEGAL_INSTRUCTION);
        tally(kind, ok, "%s (0x%lx, 0x%lx)", insn->name, a, b);
    }
}

/* In VU: the supervisor instructions too.  A wfi that blocked the vCPU would be woken by
 * the periodic timer attack_insn() arms, and count as a mismatch. */
static void vu_supervisor_insns(void)
{
    probe_sret();
    tally(ATTACK_INSN_VU, took_illegal(), "sret in VU");
    probe_sfence_vma();
    tally(ATTACK_INSN_VU, took_illegal(), "sfence.vma in VU");
    probe_wfi();
    tally(ATTACK_INSN_VU, took_illegal(), "wfi in VU");
}

static void vu_rounds(void)
{
    for (u64 r = 0; r < scaled(VU_ROUNDS); r++) {
        bad_insn_round(ATTACK_INSN_VU);
        vu_supervisor_insns();
    }
}

/* A wild target for sret: outside RAM and devices, 2-byte aligned. */
static u64 wild_target(void)
{
    u64 addr;

    do {
        addr = ALIGN_DOWN(rnd_value(), 2);
    } while (is_own(addr, INSN_BYTES));
    return addr;
}

static void sret_wild(void)
{
    for (u64 n = scaled(SRET_TARGETS); n; n--) {
        u64 target = wild_target(), to_vs = rnd_below(2);
        set_landing(probe_sret_landing);
        probe_sret_to(target, to_vs);
        tally(ATTACK_SRET, took(EXC_INST_ACCESS_FAULT, target), "sret to 0x%lx in %s", target,
              to_vs ? "VS" : "VU");
    }
    set_landing(NULL);
}

/* wfi in VS with sstatus.SIE clear: it must return after the timer deadline, no trap. */
static void wfi_masked(void)
{
    u64 before = timer_irqs;

    CSR_SET(sie, CSR_SIE_STIE);
    for (u64 n = scaled(WFI_ROUNDS); n; n--) {
        u64 deadline = read_time() + US_TO_TICKS(WFI_DELAY_US);
        sbi_set_timer(deadline);
        while (read_time() < deadline && read_time() < deadline + MS_TO_TICKS(WFI_LIMIT_MS))
            probe_wfi();
        u64 now = read_time();
        bool ok = took_none() && now >= deadline && now < deadline + MS_TO_TICKS(WFI_LIMIT_MS);
        tally(ATTACK_WFI, ok, "masked wfi: woke %ld ticks after the deadline",
              (long)(now - deadline));
        sbi_set_timer(NO_DEADLINE);
    }
    CSR_CLEAR(sie, CSR_SIE_STIE);
    tally(ATTACK_WFI, timer_irqs == before, "masked wfi: %u timer interrupts taken",
          timer_irqs - (u32)before);
}

/* wfi with a software interrupt already pending and enabled (SIE clear): at once. */
static void wfi_pending(void)
{
    CSR_SET(sie, CSR_SIE_SSIE);
    for (u64 n = scaled(WFI_ROUNDS); n; n--) {
        CSR_SET(sip, SIP_SSIP);
        u64 start = read_time();
        probe_wfi();
        u64 took_ticks = read_time() - start;
        tally(ATTACK_WFI, took_none() && took_ticks < MS_TO_TICKS(WFI_LIMIT_MS),
              "wfi with a pending interrupt took %lu ticks", took_ticks);
        CSR_CLEAR(sip, SIP_SSIP);
    }
    CSR_CLEAR(sie, CSR_SIE_SSIE);
}

void attack_insn(void)
{
    for (u64 r = 0; r < scaled(VS_ROUNDS); r++)
        bad_insn_round(ATTACK_INSN_VS);
    timer_rearm = MS_TO_TICKS(VU_WFI_NET_MS);
    CSR_SET(sie, CSR_SIE_STIE);
    sbi_set_timer(read_time() + timer_rearm);
    user_run(vu_rounds);
    timer_rearm = 0;
    sbi_set_timer(NO_DEADLINE);
    CSR_CLEAR(sie, CSR_SIE_STIE);
    sret_wild();
    local_irq_disable(); /* whatever an sret left: the wfi checks need SIE clear */
    wfi_masked();
    wfi_pending();
}
