// FUZZ_SOURCES: device/vplic_state.c device/vplic.c
/* The virtual PLIC (device/vplic.c on device/vplic_state.c) under fuzzed sequences of guest
 * register accesses, emulated and passthrough interrupts and resets.
 *
 * A reference model written from device/vplic.h and device/vplic_state.h runs alongside:
 * every access must be accepted or refused as the register map says, every read must return
 * the model's value, every vCPU's external line must follow "has a claimable source".  The
 * physical PLIC is a model too, and it guards what the guest must never do to it: enable or
 * complete a source the VM does not own, enable on a hart that is not the VM's, complete a
 * source the PLIC has not delivered (or on another hart), or keep a source claimed or
 * enabled after a reset or the VM's removal.
 *
 * Input: the vPLIC's config (vCPUs, sources, size, passthrough sources), then operations
 * until the input ends (see run_op()). */
#include <arch/plic.h>
#include <device/mmio.h>
#include <device/vplic.h>
#include <device/vplic_state.h>
#include <kernel/errno.h>
#include <kernel/irq_route.h>
#include <kernel/page_alloc.h>
#include <stdlib.h>
#include <string.h>
#include <vmm/vm.h>

#include "lib/fuzz.h"
#include "lib/fuzz_input.h"

extern const struct emu_dev_type_desc vplic_dev_type;

/* The register map of vplic.h. */
#define PENDING_BASE   0x1000
#define ENABLE_BASE    0x2000
#define ENABLE_STRIDE  0x80
#define CONTEXT_BASE   0x200000
#define CONTEXT_STRIDE 0x1000
#define CLAIM_REG      4
#define REG_BYTES      4
#define WORD_BITS      32
#define PRIORITY_MASK  7
#define QUEUE_MAX      16
#define SOURCES        (VPLIC_MAX_SOURCES + 1)
#define NO_HART        (-1)
#define VPLIC_BASE     0x0c000000UL
#define FIRST_HART     2 /* vCPU i runs on hart FIRST_HART + i: never equal to i */
#define HARTS          (FIRST_HART + MAX_HARTS)
#define OWNED_MAX      8 /* passthrough sources of this VM */
#define FOREIGN_MAX    4 /* sources another VM owns */
#define OPS            6

/* ---------------------------------------------------------------- host stand-ins */

static struct vm vm, other_vm;
static struct mmio_dev dev;
static struct vm *owner[IRQ_ROUTE_MAX];
static bool phys_enabled[IRQ_ROUTE_MAX][HARTS];
static s32 phys_claimed[IRQ_ROUTE_MAX]; /* hart the PLIC delivered the source to, or NO_HART */

static bool vm_hart(u32 hartid)
{
    for (u32 i = 0; i < vm.nr_vcpus; i++)
        if (vm.vcpus[i].hartid == hartid)
            return true;
    return false;
}

void vcpu_set_irq_line(struct vcpu *vcpu, enum vcpu_irq irq, bool level)
{
    if (level)
        vcpu->irq_lines |= BIT(irq);
    else
        vcpu->irq_lines &= ~BIT(irq);
}

void plic_set_enabled(u32 irq, u32 hartid, bool enabled)
{
    if (irq >= IRQ_ROUTE_MAX || owner[irq] != &vm || !vm_hart(hartid))
        FUZZ_FAIL("the guest %sabled physical source %u on hart %u", enabled ? "en" : "dis", irq,
                  hartid);
    phys_enabled[irq][hartid] = enabled;
}

void plic_complete(u32 irq, u32 hartid)
{
    if (irq >= IRQ_ROUTE_MAX || owner[irq] != &vm || phys_claimed[irq] != (s32)hartid)
        FUZZ_FAIL("physical source %u completed on hart %u, delivered to hart %d", irq, hartid,
                  irq < IRQ_ROUTE_MAX ? phys_claimed[irq] : NO_HART);
    FUZZ_CHECK(phys_enabled[irq][hartid]); /* the PLIC ignores completes of disabled sources */
    phys_claimed[irq] = NO_HART;
}

struct vm *irq_route_owner(u32 irq)
{
    return irq < IRQ_ROUTE_MAX ? owner[irq] : NULL;
}

paddr_t page_alloc_zeroed(u64 nr, u64 align)
{
    void *p = aligned_alloc(align, nr * PAGE_SIZE);

    if (p)
        memset(p, 0, nr * PAGE_SIZE);
    return (paddr_t)(uintptr_t)p;
}

void page_free(paddr_t pa, u64 nr)
{
    (void)nr;
    free((void *)(uintptr_t)pa);
}

/* ---------------------------------------------------------------- the model */

static struct {
    u32 nr_sources, nr_targets;
    u8 priority[SOURCES], queued[SOURCES];
    bool pending[SOURCES], in_service[SOURCES], hw[SOURCES];
    bool enabled[MAX_HARTS][SOURCES];
    u8 threshold[MAX_HARTS];
} m;

static bool valid_source(u64 irq)
{
    return irq >= 1 && irq <= m.nr_sources;
}

static u32 nr_words(void)
{
    return m.nr_sources / WORD_BITS + 1;
}

static u32 model_best(u32 t)
{
    u32 best = 0, best_priority = m.threshold[t];

    for (u32 irq = 1; irq <= m.nr_sources; irq++)
        if (m.pending[irq] && m.enabled[t][irq] && !m.in_service[irq] &&
            m.priority[irq] > best_priority) {
            best = irq;
            best_priority = m.priority[irq];
        }
    return best;
}

static void model_raise(u32 irq)
{
    if (!valid_source(irq))
        return;
    if (!m.pending[irq] && !m.in_service[irq])
        m.pending[irq] = true;
    else if (m.queued[irq] < QUEUE_MAX)
        m.queued[irq]++;
}

static u32 model_word(const bool *bits, u32 word)
{
    u32 v = 0;

    for (u32 b = 0; b < WORD_BITS; b++)
        if (valid_source(word * WORD_BITS + b) && bits[word * WORD_BITS + b])
            v |= 1U << b;
    return v;
}

/* ---------------------------------------------------------------- register accesses */

enum reg { PRIORITY, PENDING, ENABLE, THRESHOLD, CLAIM, NONE };

struct access {
    enum reg reg;
    u32 index;  /* source or word */
    s32 target; /* vCPU of an S-level context, -1 for an M-level one */
};

/* What the register map says about offset (width 4, aligned). */
static struct access decode(u64 off)
{
    u32 contexts = 2 * m.nr_targets;
    struct access a = {NONE, 0, -1};

    if (off < PENDING_BASE) {
        if (off / REG_BYTES <= m.nr_sources)
            a = (struct access){PRIORITY, (u32)(off / REG_BYTES), -1};
    } else if (off < ENABLE_BASE) {
        if ((off - PENDING_BASE) / REG_BYTES < nr_words())
            a = (struct access){PENDING, (u32)((off - PENDING_BASE) / REG_BYTES), -1};
    } else if (off < CONTEXT_BASE) {
        u64 ctx = (off - ENABLE_BASE) / ENABLE_STRIDE;
        u64 word = (off - ENABLE_BASE) % ENABLE_STRIDE / REG_BYTES;
        if (ctx < contexts && word < nr_words())
            a = (struct access){ENABLE, (u32)word, ctx % 2 ? (s32)(ctx / 2) : -1};
    } else {
        u64 ctx = (off - CONTEXT_BASE) / CONTEXT_STRIDE,
            reg = (off - CONTEXT_BASE) % CONTEXT_STRIDE;
        if (ctx < contexts && (reg == 0 || reg == CLAIM_REG))
            a = (struct access){reg ? CLAIM : THRESHOLD, 0, ctx % 2 ? (s32)(ctx / 2) : -1};
    }
    return a;
}

static u32 model_read(const struct access *a)
{
    if (a->reg == PRIORITY)
        return m.priority[a->index];
    if (a->reg == PENDING)
        return model_word(m.pending, a->index);
    if (a->target < 0)
        return 0;
    if (a->reg == ENABLE)
        return model_word(m.enabled[a->target], a->index);
    if (a->reg == THRESHOLD)
        return m.threshold[a->target];
    u32 irq = model_best((u32)a->target);
    m.pending[irq] = false;
    m.in_service[irq] = irq != 0;
    return irq;
}

static void model_complete(u32 t, u64 value)
{
    if (!valid_source(value) || !m.enabled[t][value] || !m.in_service[value])
        return;
    m.in_service[value] = false;
    m.hw[value] = false; /* the device checked the physical complete against phys_claimed */
    if (m.queued[value]) {
        m.queued[value]--;
        m.pending[value] = true;
    }
}

static void model_write(const struct access *a, u32 value)
{
    if (a->reg == PRIORITY) {
        if (valid_source(a->index))
            m.priority[a->index] = value & PRIORITY_MASK;
    } else if (a->reg == PENDING || a->target < 0) {
        return;
    } else if (a->reg == ENABLE) {
        for (u32 b = 0; b < WORD_BITS; b++)
            if (valid_source(a->index * WORD_BITS + b))
                m.enabled[a->target][a->index * WORD_BITS + b] = (value >> b) & 1;
    } else if (a->reg == THRESHOLD) {
        m.threshold[a->target] = value & PRIORITY_MASK;
    } else {
        model_complete((u32)a->target, value);
    }
}

/* ---------------------------------------------------------------- operations */

static const unsigned widths[] = {REG_BYTES, REG_BYTES, REG_BYTES, 1, 2, 8};

/* An offset inside the device: mostly a register of the map, sometimes anything. */
static u64 pick_offset(struct fuzz_input *in)
{
    u32 contexts = 2 * m.nr_targets + 2; /* and two past the last */
    u64 off;

    switch (fuzz_below(in, 6)) {
    case 0:
        off = REG_BYTES * (u64)fuzz_below(in, SOURCES + 2);
        break;
    case 1:
        off = PENDING_BASE + REG_BYTES * (u64)fuzz_below(in, WORD_BITS + 2);
        break;
    case 2:
        off = ENABLE_BASE + ENABLE_STRIDE * (u64)fuzz_below(in, contexts);
        off += REG_BYTES * (u64)fuzz_below(in, WORD_BITS + 1);
        break;
    case 3:
    case 4:
        off = CONTEXT_BASE + CONTEXT_STRIDE * (u64)fuzz_below(in, contexts);
        off += CLAIM_REG * fuzz_below(in, 3); /* threshold, claim, or between them */
        break;
    default:
        off = fuzz_u32(in);
        break;
    }
    return (off + (fuzz_below(in, 16) == 0 ? fuzz_below(in, REG_BYTES) : 0)) % dev.size;
}

static void mmio(struct fuzz_input *in, bool write)
{
    u64 off = pick_offset(in);
    unsigned width = widths[fuzz_below(in, ARRAY_SIZE(widths))];
    u64 value = fuzz_bool(in) ? fuzz_u64(in) : fuzz_below(in, SOURCES + 1);
    struct access a =
        width == REG_BYTES && off % REG_BYTES == 0 ? decode(off) : (struct access){NONE, 0, -1};
    struct vcpu *vcpu = &vm.vcpus[fuzz_below(in, vm.nr_vcpus)];
    u64 got = ~0ULL;

    int err = write ? dev.ops->write(&dev, vcpu, off, width, value)
                    : dev.ops->read(&dev, vcpu, off, width, &got);
    if ((err == 0) != (a.reg != NONE))
        FUZZ_FAIL("%s of %u bytes at 0x%lx: %d, the register map says %s", write ? "write" : "read",
                  width, off, err, a.reg == NONE ? "refused" : "accepted");
    FUZZ_CHECK(err == 0 || err == -EINVAL);
    if (err)
        return;
    if (write) {
        model_write(&a, (u32)value);
        return;
    }
    u32 want = model_read(&a);
    if (got != want)
        FUZZ_FAIL("read at 0x%lx: 0x%lx, the model says 0x%x", off, got, want);
}

/* The physical PLIC delivers an owned source to a hart where the guest enabled it. */
static void deliver(struct fuzz_input *in)
{
    u32 irq = fuzz_below(in, IRQ_ROUTE_MAX), hart = fuzz_below(in, HARTS);

    if (owner[irq] != &vm || phys_claimed[irq] != NO_HART || !phys_enabled[irq][hart])
        return;
    phys_claimed[irq] = (s32)hart;
    vplic_passthrough_raise(vm.vplic, irq, hart);
    if (valid_source(irq))
        m.pending[irq] = m.hw[irq] = true;
}

static void reset(void)
{
    vplic_reset(vm.vplic);
    u32 sources = m.nr_sources, targets = m.nr_targets;
    memset(&m, 0, sizeof(m));
    m.nr_sources = sources;
    m.nr_targets = targets;
}

/* One operation: MMIO read, MMIO write, emulated interrupt, passthrough delivery, reset. */
static void run_op(struct fuzz_input *in)
{
    switch (fuzz_below(in, OPS)) {
    case 0:
        mmio(in, false);
        break;
    case 1:
    case 2:
        mmio(in, true);
        break;
    case 3: {
        u32 irq = fuzz_below(in, SOURCES + 1);
        vplic_raise(vm.vplic, irq);
        model_raise(irq);
        break;
    }
    case 4:
        deliver(in);
        break;
    default:
        if (fuzz_below(in, 8) == 0)
            reset();
        break;
    }
}

/* ---------------------------------------------------------------- invariants */

static void check_lines(void)
{
    for (u32 t = 0; t < vm.nr_vcpus; t++) {
        bool line = vm.vcpus[t].irq_lines & BIT(VCPU_IRQ_EXT);
        if (line != (model_best(t) != 0))
            FUZZ_FAIL("vCPU %u's line is %d, the model's best source %u", t, line, model_best(t));
    }
}

/* The physical PLIC mirrors the guest: a source is enabled on a hart exactly when the guest
 * enabled it for the vCPU there, and claimed exactly while the guest owes a complete. */
static void check_physical(void)
{
    for (u32 irq = 1; irq < IRQ_ROUTE_MAX; irq++) {
        if (owner[irq] != &vm)
            continue;
        for (u32 t = 0; t < vm.nr_vcpus; t++)
            if (phys_enabled[irq][vm.vcpus[t].hartid] != (valid_source(irq) && m.enabled[t][irq]))
                FUZZ_FAIL("physical source %u on hart %u: enabled %d, the guest says %d", irq,
                          vm.vcpus[t].hartid, phys_enabled[irq][vm.vcpus[t].hartid],
                          valid_source(irq) && m.enabled[t][irq]);
        bool owed = valid_source(irq) && m.hw[irq];
        if ((phys_claimed[irq] != NO_HART) != owed)
            FUZZ_FAIL("physical source %u: claimed on %d, owed a complete %d", irq,
                      phys_claimed[irq], owed);
    }
}

/* ---------------------------------------------------------------- setup */

static void claim_sources(struct fuzz_input *in, u32 n, struct vm *who)
{
    for (u32 i = 0; i < n; i++) {
        u32 irq = fuzz_below(in, 2) ? 1 + fuzz_below(in, 64) : fuzz_below(in, IRQ_ROUTE_MAX);
        if (!owner[irq])
            owner[irq] = who;
    }
}

/* The VM, its vCPUs and the device as vm.c creates them; returns create()'s result. */
static int create(struct fuzz_input *in)
{
    struct vm_emu_dev_config cfg = {.name = "plic", .type = EMU_DEV_PLIC, .base = VPLIC_BASE};
    u64 span;

    memset(&vm, 0, sizeof(vm));
    memset(owner, 0, sizeof(owner));
    memset(phys_enabled, 0, sizeof(phys_enabled));
    for (u32 i = 0; i < IRQ_ROUTE_MAX; i++)
        phys_claimed[i] = NO_HART;
    vm.nr_vcpus = 1 + fuzz_below(in, MAX_HARTS);
    for (u32 i = 0; i < vm.nr_vcpus; i++)
        vm.vcpus[i] = (struct vcpu){.vm = &vm, .id = i, .hartid = FIRST_HART + i};
    switch (fuzz_below(in, 4)) {
    case 0:
        break; /* no cfg: VPLIC_DEFAULT_SOURCES */
    case 1:
        cfg.nr_cfg = 1;
        cfg.cfg[0] = fuzz_u64(in);
        break;
    default:
        cfg.nr_cfg = 1;
        cfg.cfg[0] = 1 + fuzz_below(in, VPLIC_MAX_SOURCES);
        break;
    }
    span = CONTEXT_BASE + CONTEXT_STRIDE * 2 * (u64)vm.nr_vcpus;
    cfg.size = fuzz_below(in, 8) ? span + PAGE_SIZE * fuzz_below(in, 4) : span - fuzz_below(in, 2);
    claim_sources(in, fuzz_below(in, OWNED_MAX + 1), &vm);
    claim_sources(in, fuzz_below(in, FOREIGN_MAX + 1), &other_vm);

    memset(&m, 0, sizeof(m));
    m.nr_sources = cfg.nr_cfg ? (u32)MIN(cfg.cfg[0], UINT32_MAX) : VPLIC_DEFAULT_SOURCES;
    m.nr_targets = vm.nr_vcpus;
    dev = (struct mmio_dev){.name = cfg.name, .base = cfg.base, .size = cfg.size, .vm = &vm};
    int err = vplic_dev_type.create(&dev, &cfg);
    bool valid = cfg.nr_cfg == 0 || (cfg.cfg[0] >= 1 && cfg.cfg[0] <= VPLIC_MAX_SOURCES);
    FUZZ_CHECK(err == (valid && cfg.size >= span ? 0 : -EINVAL));
    FUZZ_CHECK(!err == (vm.vplic != NULL));
    FUZZ_CHECK(err || vplic_nr_sources(vm.vplic) == m.nr_sources);
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in;

    fuzz_input_init(&in, data, size);
    if (create(&in))
        return 0;
    while (fuzz_remaining(&in)) {
        run_op(&in);
        check_lines();
        check_physical();
    }
    dev.ops->destroy(&dev);
    FUZZ_CHECK(vm.vplic == NULL);
    memset(&m, 0, sizeof(m)); /* removed: nothing enabled, nothing owed */
    m.nr_sources = VPLIC_MAX_SOURCES;
    check_physical();
    return 0;
}
