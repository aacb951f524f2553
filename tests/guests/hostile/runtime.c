/* The hostile guest's runtime: random numbers, traps, tally, VU-mode (see attack.h). */
#include "hostile/attack.h"
#include <kernel/log.h>

#define MISSES_KEPT    12
#define MISS_TEXT      200
#define PERCENT        100
#define XORSHIFT_MUL   0x2545f4914f6cdd1dUL
#define SEED_FALLBACK  0x9e3779b97f4a7c15UL
#define VALUE_CHOICES  16
#define SMALL_VALUES   64
#define INSN_LOW_BITS  3 /* bits [1:0] == 3: a 32-bit instruction */
#define INSN_HALF_BITS 16

/* Found by the MVM through the magic and rewritten before the VM boots. */
struct hostile_params params = {.magic = HOSTILE_MAGIC, .scale = PERCENT};

volatile struct trap_seen seen;
struct trap_seen judged;
volatile u32 timer_irqs, soft_irqs;
volatile u64 timer_rearm;

static u64 rng_state;
static void (*landing)(void);

static const char *const kind_names[ATTACK_KINDS] = {
    [ATTACK_MEM] = "mem",       [ATTACK_VPLIC] = "vplic",     [ATTACK_CSR_VS] = "csr-vs",
    [ATTACK_CSR_VU] = "csr-vu", [ATTACK_INSN_VS] = "insn-vs", [ATTACK_INSN_VU] = "insn-vu",
    [ATTACK_SRET] = "sret",     [ATTACK_WFI] = "wfi",         [ATTACK_SBI] = "sbi",
    [ATTACK_HC] = "hypercall",  [ATTACK_HSM] = "hsm",         [ATTACK_VIRTIO] = "virtio",
};

static struct {
    u64 ops[ATTACK_KINDS], misses[ATTACK_KINDS];
    char kept[MISSES_KEPT][MISS_TEXT];
    u32 nr_kept, printed;
} t;

void user_return(void);

u64 scaled(u64 n)
{
    u64 v = n * params.scale / PERCENT;

    return v ? v : 1;
}

/* ------------------------------------------------------------ random numbers */

void rng_seed(u64 seed)
{
    rng_state = seed ? seed : SEED_FALLBACK;
}

u64 rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * XORSHIFT_MUL;
}

u64 rnd_below(u64 n)
{
    return rnd() % n;
}

u64 rnd_value(void)
{
    static const u64 edges[] = {
        HOSTILE_RAM0_BASE, RAM0_END,        RAM0_END - 1,         HOSTILE_RAM1_BASE, RAM1_END,
        HOST_RAM,          HYP_IMAGE,       HOSTILE_VPLIC_BASE,   VPLIC_END,         GPA_LIMIT,
        GPA_LIMIT - 1,     0x7fffffffUL,    0x80000000UL,         0xffffffffUL,      0x100000000UL,
        1UL << 63,         (1UL << 63) - 1, 0x8000000000000001UL,
    };

    switch (rnd_below(VALUE_CHOICES)) {
    case 0:
        return 0;
    case 1:
        return ~0UL;
    case 2:
    case 3:
        return rnd_below(SMALL_VALUES);
    case 4:
        return -rnd_below(SMALL_VALUES);
    case 5:
    case 6:
        return edges[rnd_below(ARRAY_SIZE(edges))];
    case 7:
        return edges[rnd_below(ARRAY_SIZE(edges))] + rnd_below(SMALL_VALUES) - SMALL_VALUES / 2;
    case 8:
        return rnd() & 0xffffffffUL;
    case 9:
        return BIT(rnd_below(64));
    default:
        return rnd();
    }
}

bool is_own(u64 addr, u64 len)
{
    return ranges_overlap(addr, len, HOSTILE_RAM0_BASE, HOSTILE_RAM0_SIZE) ||
           ranges_overlap(addr, len, HOSTILE_RAM1_BASE, HOSTILE_RAM1_SIZE) ||
           ranges_overlap(addr, len, HOSTILE_VPLIC_BASE, HOSTILE_VPLIC_SIZE) ||
           ranges_overlap(addr, len, HOSTILE_VNET_BASE, HOSTILE_VIRTIO_SIZE) ||
           ranges_overlap(addr, len, HOSTILE_VCON_BASE, HOSTILE_VIRTIO_SIZE) || addr + len < addr;
}

bool in_ram(u64 addr, u64 len)
{
    return range_within(addr, len, HOSTILE_RAM0_BASE, HOSTILE_RAM0_SIZE) ||
           range_within(addr, len, HOSTILE_RAM1_BASE, HOSTILE_RAM1_SIZE);
}

/* ------------------------------------------------------------ traps */

static bool on_interrupt(u64 cause)
{
    switch (cause) {
    case SCAUSE_STI:
        sbi_set_timer(timer_rearm ? read_time() + timer_rearm : NO_DEADLINE);
        timer_irqs++;
        return true;
    case SCAUSE_SSI:
        CSR_CLEAR(sip, SIP_SSIP);
        soft_irqs++;
        return true;
    default:
        return false; /* an external interrupt: nothing here raises one */
    }
}

static bool hostile_trap(struct trap_frame *frame)
{
    u64 cause = frame->scause;

    if ((cause & SCAUSE_INTERRUPT) && on_interrupt(cause))
        return true;
    if (cause == EXC_ECALL_U) {
        /* user_exit: back to VS-mode at user_return */
        frame->sepc = (u64)user_return;
        CSR_SET(sstatus, SSTATUS_SPP);
        return true;
    }
    seen.count++;
    seen.cause = cause;
    seen.tval = CSR_READ(stval);
    seen.epc = frame->sepc;
    if (cause & SCAUSE_INTERRUPT)
        return true; /* counted as a mismatch by whoever checks next */
    if (cause != EXC_INST_ACCESS_FAULT && cause != EXC_INST_PAGE_FAULT) {
        skip_insn(frame);
    } else if (landing) {
        frame->sepc = (u64)landing;
        landing = NULL;
        CSR_SET(sstatus, SSTATUS_SPP);
    } else {
        frame->sepc = frame->x[REG_RA];
    }
    return true;
}

void traps_init(void)
{
    set_trap_hook(hostile_trap);
}

void set_landing(void (*pc)(void))
{
    landing = pc;
}

/* Moves the record to `judged` (for messages) and clears it. */
static void judge_seen(void)
{
    judged = (struct trap_seen){seen.count, seen.cause, seen.tval, seen.epc};
    seen.count = 0;
}

bool took(u64 cause, u64 tval)
{
    judge_seen();
    return judged.count == 1 && judged.cause == cause && judged.tval == tval;
}

bool took_any(u64 cause)
{
    judge_seen();
    return judged.count == 1 && judged.cause == cause;
}

bool took_illegal(void)
{
    u64 pc = seen.epc;
    u32 insn = *(const volatile u16 *)pc;

    if ((insn & INSN_LOW_BITS) == INSN_LOW_BITS)
        insn |= (u32) * (const volatile u16 *)(pc + 2) << INSN_HALF_BITS;
    return took(EXC_ILLEGAL_INSTRUCTION, insn);
}

bool took_none(void)
{
    judge_seen();
    return judged.count == 0;
}

/* ------------------------------------------------------------ tally */

void tally(enum attack_kind kind, bool ok, const char *fmt, ...)
{
    va_list ap;

    t.ops[kind]++;
    if (ok)
        return;
    t.misses[kind]++;
    if (t.nr_kept == MISSES_KEPT)
        return;
    char *text = t.kept[t.nr_kept++];
    size_t n = (size_t)snprintf(text, MISS_TEXT, "%s: ", kind_names[kind]);
    va_start(ap, fmt);
    n += (size_t)vsnprintf(text + n, MISS_TEXT - n, fmt, ap);
    va_end(ap);
    if (n < MISS_TEXT)
        snprintf(text + n, MISS_TEXT - n, " [%u traps: scause %lu stval 0x%lx]", judged.count,
                 judged.cause, judged.tval);
}

void tally_flush(void)
{
    for (; t.printed < t.nr_kept; t.printed++)
        guest_printf("hostile: mismatch: %s\n", t.kept[t.printed]);
}

u64 tally_report(void)
{
    u64 total = 0;
    char name[32];

    tally_flush();
    for (u32 k = 0; k < ATTACK_KINDS; k++) {
        snprintf(name, sizeof(name), "hostile-%s", kind_names[k]);
        check(t.ops[k] && !t.misses[k], name, "%lu of %lu operations did not get what they should",
              t.misses[k], t.ops[k]);
        guest_printf("hostile: %-9s %8lu operations, %lu mismatches\n", kind_names[k], t.ops[k],
                     t.misses[k]);
        total += t.ops[k];
    }
    return total;
}
