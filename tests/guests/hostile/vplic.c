/*
 * The vPLIC under random accesses: any offset of its window (priorities past the last
 * source, pending words, enables and thresholds of contexts of harts the VM does not
 * have), any width and alignment, reads and writes of random values.  A model written
 * from device/include/device/vplic.h predicts each outcome: an access fault with stval =
 * the address, or the value read.  Nothing raises an interrupt in this VM, so claims read
 * 0 and completes are ignored.  Finally every register is read back against the model.
 */
#include "hostile/attack.h"

#define RANDOM_ACCESSES 200000
#define PENDING_BASE    0x1000
#define ENABLE_BASE     0x2000
#define ENABLE_STRIDE   0x80
#define CONTEXT_BASE    0x200000
#define CONTEXT_STRIDE  0x1000
#define CLAIM           4
#define REG_BYTES       4
#define WORD_BITS       32
#define NR_CONTEXTS     (2 * HOSTILE_VCPUS) /* M-level 2i (inert), S-level 2i+1 */
#define NR_WORDS        (HOSTILE_VPLIC_SOURCES / WORD_BITS + 1)
#define PRIORITY_MASK   7
#define ENABLE_CONTEXTS ((CONTEXT_BASE - ENABLE_BASE) / ENABLE_STRIDE)
#define WINDOW_CONTEXTS ((HOSTILE_VPLIC_SIZE - CONTEXT_BASE) / CONTEXT_STRIDE)
#define NEAR_CONTEXTS   8 /* most random contexts are the first few */
#define PERCENT         100
#define ODD_WIDTH_PCT   25
#define MISALIGNED_PCT  15

static struct {
    u32 priority[HOSTILE_VPLIC_SOURCES + 1];
    u32 enable[NR_CONTEXTS][NR_WORDS];
    u32 threshold[NR_CONTEXTS];
} model;

enum reg_kind { REG_NONE, REG_PRIORITY, REG_PENDING, REG_ENABLE, REG_THRESHOLD, REG_CLAIM };

struct reg_ref {
    enum reg_kind kind;
    u32 index; /* source or word */
    u32 ctx;
};

/* Decodes a 4-byte aligned offset as vplic.h describes; REG_NONE: an access fault. */
static struct reg_ref decode(u64 off)
{
    if (off < PENDING_BASE) {
        u32 irq = (u32)(off / REG_BYTES);
        return irq <= HOSTILE_VPLIC_SOURCES ? (struct reg_ref){REG_PRIORITY, irq, 0}
                                            : (struct reg_ref){REG_NONE, 0, 0};
    }
    if (off < ENABLE_BASE) {
        u32 word = (u32)((off - PENDING_BASE) / REG_BYTES);
        return word < NR_WORDS ? (struct reg_ref){REG_PENDING, word, 0}
                               : (struct reg_ref){REG_NONE, 0, 0};
    }
    if (off < CONTEXT_BASE) {
        u64 ctx = (off - ENABLE_BASE) / ENABLE_STRIDE;
        u32 word = (u32)((off - ENABLE_BASE) % ENABLE_STRIDE / REG_BYTES);
        return ctx < NR_CONTEXTS && word < NR_WORDS ? (struct reg_ref){REG_ENABLE, word, (u32)ctx}
                                                    : (struct reg_ref){REG_NONE, 0, 0};
    }
    if (off >= HOSTILE_VPLIC_SIZE)
        return (struct reg_ref){REG_NONE, 0, 0};
    u64 ctx = (off - CONTEXT_BASE) / CONTEXT_STRIDE, reg = (off - CONTEXT_BASE) % CONTEXT_STRIDE;
    if (ctx >= NR_CONTEXTS || (reg != 0 && reg != CLAIM))
        return (struct reg_ref){REG_NONE, 0, 0};
    return (struct reg_ref){reg ? REG_CLAIM : REG_THRESHOLD, 0, (u32)ctx};
}

static bool inert(const struct reg_ref *r)
{
    return r->ctx % 2 == 0;
}

static u32 model_read(const struct reg_ref *r)
{
    switch (r->kind) {
    case REG_PRIORITY:
        return model.priority[r->index];
    case REG_ENABLE:
        return model.enable[r->ctx][r->index];
    case REG_THRESHOLD:
        return model.threshold[r->ctx];
    default:
        return 0; /* pending and claim: nothing is ever raised */
    }
}

static void model_write(const struct reg_ref *r, u32 value)
{
    if (r->kind == REG_PRIORITY && r->index)
        model.priority[r->index] = value & PRIORITY_MASK;
    if (inert(r))
        return;
    if (r->kind == REG_ENABLE)
        model.enable[r->ctx][r->index] = r->index ? value : value & ~1U; /* no source 0 */
    else if (r->kind == REG_THRESHOLD)
        model.threshold[r->ctx] = value & PRIORITY_MASK;
}

/* A 4-byte access the model says is a register: the outcome is exact. */
static void reg_access(u64 off, bool write, bool compressed)
{
    u64 addr = HOSTILE_VPLIC_BASE + off;
    struct reg_ref r = decode(off);
    u32 value = (u32)rnd(), got = 0;

    if (write) {
        compressed ? probe_c_sw(addr, value) : probe_sw(addr, value);
    } else {
        got = (u32)(compressed ? probe_c_lw(addr) : probe_lwu(addr));
    }
    u64 fault = write ? EXC_STORE_ACCESS_FAULT : EXC_LOAD_ACCESS_FAULT;
    if (r.kind == REG_NONE) {
        bool ok = took(fault, addr);
        tally(ATTACK_VPLIC, ok, "%s of offset 0x%lx (a fault)", write ? "write" : "read", off);
        return;
    }
    bool trapped = !took_none();
    if (write) {
        model_write(&r, value);
        tally(ATTACK_VPLIC, !trapped, "write of offset 0x%lx", off);
        return;
    }
    u32 want = model_read(&r);
    tally(ATTACK_VPLIC, !trapped && got == want, "read of offset 0x%lx: 0x%x, model 0x%x%s", off,
          got, want, trapped ? " (trapped)" : "");
}

/* Any other width, or a misaligned address: an access fault at that address. */
static void odd_access(u64 off, u32 width, bool write)
{
    static u64 (*const loads[])(u64) = {probe_lbu, probe_lhu, probe_lwu, probe_ld};
    static void (*const stores[])(u64, u64) = {probe_sb, probe_sh, probe_sw, probe_sd};
    u32 log2 = (u32)__builtin_ctz(width);
    u64 addr = HOSTILE_VPLIC_BASE + off;

    if (write)
        stores[log2](addr, rnd());
    else
        loads[log2](addr);
    bool ok = took(write ? EXC_STORE_ACCESS_FAULT : EXC_LOAD_ACCESS_FAULT, addr);
    tally(ATTACK_VPLIC, ok, "%u-byte %s at offset 0x%lx", width, write ? "write" : "read", off);
}

static u64 random_offset(void)
{
    u64 ctx;

    switch (rnd_below(5)) {
    case 0:
        return rnd_below(PENDING_BASE);
    case 1:
        return PENDING_BASE + rnd_below(ENABLE_BASE - PENDING_BASE);
    case 2:
        ctx = rnd_below(2) ? rnd_below(NEAR_CONTEXTS) : rnd_below(ENABLE_CONTEXTS);
        return ENABLE_BASE + ctx * ENABLE_STRIDE + rnd_below(ENABLE_STRIDE);
    case 3:
        ctx = rnd_below(2) ? rnd_below(NEAR_CONTEXTS) : rnd_below(WINDOW_CONTEXTS);
        return CONTEXT_BASE + ctx * CONTEXT_STRIDE +
               (rnd_below(2) ? rnd_below(2) * CLAIM : rnd_below(CONTEXT_STRIDE));
    default:
        return HOSTILE_VPLIC_SIZE - PAGE_SIZE + rnd_below(2 * PAGE_SIZE);
    }
}

static void random_accesses(void)
{
    for (u64 n = scaled(RANDOM_ACCESSES); n; n--) {
        u64 off = random_offset();
        bool write = rnd_below(2);
        u32 width = rnd_below(PERCENT) < ODD_WIDTH_PCT ? 1U << rnd_below(4) : REG_BYTES;
        if (rnd_below(PERCENT) >= MISALIGNED_PCT)
            off = ALIGN_DOWN(off, width);
        if (off + width > HOSTILE_VPLIC_SIZE)
            off = ALIGN_DOWN(off, width); /* past the end: a fault anyway, but aligned */
        if (width == REG_BYTES && IS_ALIGNED(off, REG_BYTES) && off + width <= HOSTILE_VPLIC_SIZE)
            reg_access(off, write, rnd_below(4) == 0);
        else
            odd_access(off, width, write);
    }
}

/* Every register the VM has, read back: the model and the device agree. */
static void read_back(void)
{
    for (u64 irq = 0; irq <= HOSTILE_VPLIC_SOURCES; irq++)
        reg_access(irq * REG_BYTES, false, false);
    for (u64 ctx = 0; ctx < NR_CONTEXTS; ctx++) {
        for (u64 w = 0; w < NR_WORDS; w++)
            reg_access(ENABLE_BASE + ctx * ENABLE_STRIDE + w * REG_BYTES, false, false);
        reg_access(CONTEXT_BASE + ctx * CONTEXT_STRIDE, false, false);
        reg_access(CONTEXT_BASE + ctx * CONTEXT_STRIDE + CLAIM, false, false);
    }
}

void attack_vplic(void)
{
    random_accesses();
    read_back();
}
