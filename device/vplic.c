/*
 * Virtual PLIC device (see vplic.h): register decoding, locking, and the side effects of
 * the state machine (vplic_state.c) on vCPU interrupt lines and on the physical PLIC.
 */
#include <arch/plic.h>
#include <device/mmio.h>
#include <device/vplic.h>
#include <device/vplic_state.h>
#include <kernel/errno.h>
#include <kernel/irq_route.h>
#include <kernel/log.h>
#include <kernel/page_alloc.h>
#include <kernel/spinlock.h>
#include <vmm/vm.h>

#define VPLIC_PENDING_BASE   0x1000
#define VPLIC_ENABLE_BASE    0x2000
#define VPLIC_ENABLE_STRIDE  0x80
#define VPLIC_CONTEXT_BASE   0x200000
#define VPLIC_CONTEXT_STRIDE 0x1000
#define VPLIC_THRESHOLD      0x0
#define VPLIC_CLAIM          0x4
#define VPLIC_REG_BYTES      4
#define CONTEXTS_PER_HART    2 /* M-level context 2*i, S-level context 2*i+1 */
#define INERT_CONTEXT        (~0UL)

/* decode() takes the register of a context as offset % stride. */
_Static_assert(VPLIC_CONTEXT_BASE % VPLIC_CONTEXT_STRIDE == 0, "contexts start on a stride");

struct vplic {
    spinlock_t lock;
    struct vm *vm;
    struct vplic_state state;
};

enum vplic_reg {
    REG_PRIORITY,
    REG_PENDING,
    REG_ENABLE,
    REG_THRESHOLD,
    REG_CLAIM,
};

/* A decoded register: index is the source (priority) or the word (pending, enable);
 * target is the vCPU of an S-level context or INERT_CONTEXT for an M-level one. */
struct vplic_reg_ref {
    enum vplic_reg reg;
    u32 index;
    u64 target;
};

static u64 nr_contexts(const struct vplic *v)
{
    return (u64)CONTEXTS_PER_HART * v->state.nr_targets;
}

static u64 context_target(u64 ctx)
{
    return ctx % CONTEXTS_PER_HART ? ctx / CONTEXTS_PER_HART : INERT_CONTEXT;
}

/* Inlined, so that the decoded register stays in registers.  The context registers come
 * first: claim and complete are the accesses of every interrupt a guest handles. */
static inline __attribute__((always_inline)) int decode(const struct vplic *v, u64 offset,
                                                        unsigned width, struct vplic_reg_ref *r)
{
    if (width != VPLIC_REG_BYTES || !IS_ALIGNED(offset, VPLIC_REG_BYTES))
        return -EINVAL;
    if (offset >= VPLIC_CONTEXT_BASE) {
        u64 ctx = (offset - VPLIC_CONTEXT_BASE) / VPLIC_CONTEXT_STRIDE;
        u64 reg = offset % VPLIC_CONTEXT_STRIDE;
        if (ctx >= nr_contexts(v) || (reg != VPLIC_THRESHOLD && reg != VPLIC_CLAIM))
            return -EINVAL;
        *r = (struct vplic_reg_ref){reg == VPLIC_CLAIM ? REG_CLAIM : REG_THRESHOLD, 0,
                                    context_target(ctx)};
        return 0;
    }
    if (offset < VPLIC_PENDING_BASE) {
        *r = (struct vplic_reg_ref){REG_PRIORITY, offset / VPLIC_REG_BYTES, INERT_CONTEXT};
        return r->index <= v->state.nr_sources ? 0 : -EINVAL;
    }
    if (offset < VPLIC_ENABLE_BASE) {
        u64 word = (offset - VPLIC_PENDING_BASE) / VPLIC_REG_BYTES;
        *r = (struct vplic_reg_ref){REG_PENDING, word, INERT_CONTEXT};
        return word < v->state.nr_words ? 0 : -EINVAL;
    }
    u64 ctx = (offset - VPLIC_ENABLE_BASE) / VPLIC_ENABLE_STRIDE;
    u64 word = (offset - VPLIC_ENABLE_BASE) % VPLIC_ENABLE_STRIDE / VPLIC_REG_BYTES;
    if (ctx >= nr_contexts(v) || word >= v->state.nr_words)
        return -EINVAL;
    *r = (struct vplic_reg_ref){REG_ENABLE, word, context_target(ctx)};
    return 0;
}

/* Every vCPU's external interrupt line follows "it has a claimable source". */
static void update_lines(struct vplic *v)
{
    for (u32 t = 0; t < v->state.nr_targets; t++)
        vcpu_set_irq_line(&v->vm->vcpus[t], VCPU_IRQ_EXT, vplic_state_claimable(&v->state, t));
}

static bool is_passthrough(const struct vplic *v, u32 irq)
{
    return irq_route_owner(irq) == v->vm;
}

/* Whether the physical PLIC has irq enabled on hartid: the mirror of the guest's enables. */
static bool physically_enabled(const struct vplic *v, u32 irq, u32 hartid)
{
    if (!is_passthrough(v, irq))
        return false;
    for (u32 t = 0; t < v->state.nr_targets; t++)
        if (v->vm->vcpus[t].hartid == hartid && vplic_state_enabled(&v->state, t, irq))
            return true;
    return false;
}

/* The physical PLIC ignores a completion for a source the context has disabled; like
 * Linux's plic_irq_eoi(), enable it around the write. */
static void complete_physical(const struct vplic *v, u32 irq, u32 hartid)
{
    bool enabled = physically_enabled(v, irq, hartid);

    if (!enabled)
        plic_set_enabled(irq, hartid, true);
    plic_complete(irq, hartid);
    if (!enabled)
        plic_set_enabled(irq, hartid, false);
}

/* The guest changed enable bits of target: passthrough sources follow on its hart. */
static void mirror_enables(const struct vplic *v, u32 target, u32 word, u32 changed)
{
    u32 hartid = v->vm->vcpus[target].hartid;

    for (u32 bit = 0; bit < VPLIC_WORD_BITS; bit++) {
        u32 irq = word * VPLIC_WORD_BITS + bit;
        if ((changed & (1U << bit)) && is_passthrough(v, irq))
            plic_set_enabled(irq, hartid, vplic_state_enabled(&v->state, target, irq));
    }
}

/* Hands back to the physical PLIC everything the guest holds or enabled. */
static void release_hardware(const struct vplic *v)
{
    for (u32 irq = 1; irq <= v->state.nr_sources; irq++) {
        s32 hart = vplic_state_hw_owed(&v->state, irq);
        if (hart != VPLIC_NO_HART)
            complete_physical(v, irq, (u32)hart);
        if (!is_passthrough(v, irq))
            continue;
        for (u32 t = 0; t < v->state.nr_targets; t++)
            if (vplic_state_enabled(&v->state, t, irq))
                plic_set_enabled(irq, v->vm->vcpus[t].hartid, false);
    }
}

/* A read of the claim register.  Out of line, and tail-called: the lock and the side
 * effects of a claim would otherwise burden every register read with saved registers. */
static __attribute__((noinline)) int read_claim(struct vplic *v, u32 target, u64 *value)
{
    spin_lock(&v->lock);
    u32 irq = vplic_state_claim(&v->state, target);
    if (irq)
        update_lines(v);
    spin_unlock(&v->lock);
    *value = irq;
    return 0;
}

/* Reads a register other than an S-level claim.  Without the lock: every one of them is
 * one aligned load of a value that writers change with one store, so a concurrent write is
 * seen either before or after, as on the hardware PLIC. */
static u32 read_plain(const struct vplic *v, const struct vplic_reg_ref *r)
{
    const struct vplic_state *s = &v->state;

    if (r->reg == REG_PRIORITY)
        return vplic_state_priority(s, r->index);
    if (r->reg == REG_PENDING)
        return vplic_state_pending_word(s, r->index);
    if (r->target == INERT_CONTEXT)
        return 0;
    if (r->reg == REG_THRESHOLD)
        return vplic_state_threshold(s, r->target);
    return vplic_state_enable_word(s, (u32)r->target, r->index);
}

static void write_reg(struct vplic *v, const struct vplic_reg_ref *r, u32 value)
{
    struct vplic_state *s = &v->state;
    u32 target = (u32)r->target;
    s32 hart;

    if (r->reg == REG_PENDING || (r->reg != REG_PRIORITY && r->target == INERT_CONTEXT))
        return; /* read-only, or an inert M-level context */
    if (r->reg == REG_PRIORITY) {
        vplic_state_set_priority(s, r->index, value);
    } else if (r->reg == REG_ENABLE) {
        u32 changed = vplic_state_set_enable_word(s, target, r->index, value);
        mirror_enables(v, target, r->index, changed);
    } else if (r->reg == REG_THRESHOLD) {
        vplic_state_set_threshold(s, target, value);
    } else if (vplic_state_complete(s, target, value, &hart) && hart != VPLIC_NO_HART) {
        complete_physical(v, value, (u32)hart);
    }
    update_lines(v);
}

static int vplic_read(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width,
                      u64 *value)
{
    struct vplic *v = dev->priv;
    struct vplic_reg_ref r;

    (void)vcpu;
    if (decode(v, offset, width, &r))
        return -EINVAL;
    if (r.reg == REG_CLAIM && r.target != INERT_CONTEXT)
        return read_claim(v, (u32)r.target, value);
    *value = read_plain(v, &r);
    return 0;
}

static int vplic_write(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width,
                       u64 value)
{
    struct vplic *v = dev->priv;
    struct vplic_reg_ref r;

    (void)vcpu;
    if (decode(v, offset, width, &r))
        return -EINVAL;
    spin_lock(&v->lock);
    write_reg(v, &r, (u32)value);
    spin_unlock(&v->lock);
    return 0;
}

void vplic_raise(struct vplic *v, u32 irq)
{
    spin_lock(&v->lock);
    vplic_state_raise(&v->state, irq);
    update_lines(v);
    spin_unlock(&v->lock);
}

void vplic_passthrough_raise(struct vplic *v, u32 irq, u32 hartid)
{
    spin_lock(&v->lock);
    vplic_state_raise_hw(&v->state, irq, hartid);
    update_lines(v);
    spin_unlock(&v->lock);
}

void vplic_reset(struct vplic *v)
{
    spin_lock(&v->lock);
    release_hardware(v);
    vplic_state_init(&v->state, v->state.nr_sources, v->state.nr_targets);
    update_lines(v);
    spin_unlock(&v->lock);
}

u32 vplic_nr_sources(const struct vplic *v)
{
    return v->state.nr_sources;
}

static u64 vplic_pages(void)
{
    return ALIGN_UP(sizeof(struct vplic), PAGE_SIZE) >> PAGE_SHIFT;
}

static void vplic_destroy(struct mmio_dev *dev)
{
    struct vplic *v = dev->priv;

    v->vm->vplic = NULL;
    spin_lock(&v->lock);
    release_hardware(v);
    spin_unlock(&v->lock);
    page_free((paddr_t)v, vplic_pages());
}

static const struct mmio_ops vplic_ops = {
    .read = vplic_read,
    .write = vplic_write,
    .destroy = vplic_destroy,
};

static int vplic_create(struct mmio_dev *dev, const struct vm_emu_dev_config *cfg)
{
    struct vm *vm = dev->vm;
    u64 nr_sources = cfg->nr_cfg ? cfg->cfg[0] : VPLIC_DEFAULT_SOURCES;
    u64 span = VPLIC_CONTEXT_BASE + (u64)VPLIC_CONTEXT_STRIDE * CONTEXTS_PER_HART * vm->nr_vcpus;

    if (vm->vplic) {
        log_error("vm%u: %s: the VM already has a vPLIC", vm->id, dev->name);
        return -EEXIST;
    }
    if (!nr_sources || nr_sources > VPLIC_MAX_SOURCES || vm->nr_vcpus > VPLIC_MAX_TARGETS) {
        log_error("vm%u: %s: %lu sources (1..%u) for %u vCPUs", vm->id, dev->name, nr_sources,
                  VPLIC_MAX_SOURCES, vm->nr_vcpus);
        return -EINVAL;
    }
    if (dev->size < span) {
        log_error("vm%u: %s: size 0x%lx does not cover %u contexts (0x%lx)", vm->id, dev->name,
                  dev->size, CONTEXTS_PER_HART * vm->nr_vcpus, span);
        return -EINVAL;
    }
    struct vplic *v = (struct vplic *)page_alloc_zeroed(vplic_pages(), PAGE_SIZE);
    if (!v)
        return -ENOMEM;
    spin_lock_init(&v->lock);
    v->vm = vm;
    vplic_state_init(&v->state, (u32)nr_sources, vm->nr_vcpus);
    dev->ops = &vplic_ops;
    dev->priv = v;
    vm->vplic = v;
    return 0;
}

const struct emu_dev_type_desc vplic_dev_type = {
    .type = EMU_DEV_PLIC,
    .name = "vplic",
    .create = vplic_create,
};
