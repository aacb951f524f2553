// UNIT_SOURCES: device/vplic_state.c device/vplic.c
/* The virtual PLIC through its MMIO interface (device/vplic.c on the state machine of
 * device/vplic_state.c), with host stand-ins that record what it does to vCPU interrupt
 * lines and to the physical PLIC. */
#include <arch/plic.h>
#include <device/mmio.h>
#include <device/vplic.h>
#include <device/vplic_state.h>
#include <kernel/errno.h>
#include <kernel/irq_route.h>
#include <kernel/page_alloc.h>
#include <stdlib.h>
#include <vmm/vm.h>

#include "unit_test.h"

extern const struct emu_dev_type_desc vplic_dev_type;

#define PLIC_BASE         0x0c000000UL
#define PLIC_SIZE         0x600000UL
#define PRIORITY(irq)     (4UL * (irq))
#define PENDING(word)     (0x1000UL + 4 * (word))
#define ENABLE(ctx, word) (0x2000UL + 0x80 * (ctx) + 4 * (word))
#define THRESHOLD(ctx)    (0x200000UL + 0x1000 * (ctx))
#define CLAIM(ctx)        (THRESHOLD(ctx) + 4)
#define S_CTX(vcpu)       (2 * (vcpu) + 1)
#define M_CTX(vcpu)       (2 * (vcpu))
#define HART_OF(vcpu)     (5 - (vcpu)) /* physical harts differ from vCPU ids on purpose */
#define MAX_EVENTS        64

/* ---------------------------------------------------------------- host stand-ins */

enum event_kind { EV_ENABLE, EV_DISABLE, EV_COMPLETE };

struct plic_event {
    enum event_kind kind;
    u32 irq, hartid;
};

static struct vm vm;
static struct mmio_dev dev;
static struct vm *owner[IRQ_ROUTE_MAX];
static struct plic_event events[MAX_EVENTS];
static int nr_events;

void vcpu_set_irq_line(struct vcpu *vcpu, enum vcpu_irq irq, bool level)
{
    if (level)
        vcpu->irq_lines |= BIT(irq);
    else
        vcpu->irq_lines &= ~BIT(irq);
}

static void record(enum event_kind kind, u32 irq, u32 hartid)
{
    if (nr_events < MAX_EVENTS)
        events[nr_events++] = (struct plic_event){kind, irq, hartid};
}

void plic_set_enabled(u32 irq, u32 hartid, bool enabled)
{
    record(enabled ? EV_ENABLE : EV_DISABLE, irq, hartid);
}

void plic_complete(u32 irq, u32 hartid)
{
    record(EV_COMPLETE, irq, hartid);
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

/* ---------------------------------------------------------------- helpers */

static int create(u64 size, const u64 *nr_sources)
{
    struct vm_emu_dev_config cfg = {
        .name = "plic", .type = EMU_DEV_PLIC, .base = PLIC_BASE, .size = size};

    if (nr_sources) {
        cfg.cfg[0] = *nr_sources;
        cfg.nr_cfg = 1;
    }
    memset(&dev, 0, sizeof(dev));
    dev.name = cfg.name;
    dev.base = cfg.base;
    dev.size = cfg.size;
    dev.vm = &vm;
    return vplic_dev_type.create(&dev, &cfg);
}

/* A VM with nr_vcpus vCPUs and a default vPLIC (127 sources). */
static void setup(u32 nr_vcpus)
{
    memset(&vm, 0, sizeof(vm));
    memset(owner, 0, sizeof(owner));
    nr_events = 0;
    vm.nr_vcpus = nr_vcpus;
    for (u32 i = 0; i < nr_vcpus; i++) {
        vm.vcpus[i].vm = &vm;
        vm.vcpus[i].id = i;
        vm.vcpus[i].hartid = HART_OF(i);
    }
    EXPECT_EQ(create(PLIC_SIZE, NULL), 0);
    EXPECT_TRUE(vm.vplic != NULL);
}

static void teardown(void)
{
    dev.ops->destroy(&dev);
    EXPECT_TRUE(vm.vplic == NULL);
}

static u32 rd(u64 offset)
{
    u64 value = ~0UL;

    EXPECT_EQ(dev.ops->read(&dev, &vm.vcpus[0], offset, 4, &value), 0);
    return (u32)value;
}

static void wr(u64 offset, u32 value)
{
    EXPECT_EQ(dev.ops->write(&dev, &vm.vcpus[0], offset, 4, value), 0);
}

static bool line(u32 vcpu)
{
    return (vm.vcpus[vcpu].irq_lines & BIT(VCPU_IRQ_EXT)) != 0;
}

/* Source irq at priority prio, enabled for vCPU vcpu's S context (other bits of its word
 * are kept). */
static void route(u32 vcpu, u32 irq, u32 prio)
{
    wr(PRIORITY(irq), prio);
    wr(ENABLE(S_CTX(vcpu), irq / 32), rd(ENABLE(S_CTX(vcpu), irq / 32)) | 1U << (irq % 32));
}

static bool pending(u32 irq)
{
    return (rd(PENDING(irq / 32)) >> (irq % 32)) & 1;
}

static int count_events(enum event_kind kind, u32 irq, u32 hartid)
{
    int n = 0;

    for (int i = 0; i < nr_events; i++)
        if (events[i].kind == kind && events[i].irq == irq && events[i].hartid == hartid)
            n++;
    return n;
}

/* ---------------------------------------------------------------- claim order */

TEST(vplic_claim_highest_priority_first_ties_to_lowest_id)
{
    setup(1);
    route(0, 3, 2);
    route(0, 9, 5);
    route(0, 40, 5);
    route(0, 7, 1);
    vplic_raise(vm.vplic, 3);
    vplic_raise(vm.vplic, 40);
    vplic_raise(vm.vplic, 9);
    vplic_raise(vm.vplic, 7);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 9);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 40);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 3);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 7);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 0);
    teardown();
}

TEST(vplic_threshold_is_strictly_greater)
{
    setup(1);
    route(0, 12, 3);
    wr(THRESHOLD(S_CTX(0)), 3);
    vplic_raise(vm.vplic, 12);
    EXPECT_TRUE(!line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 0);
    EXPECT_TRUE(pending(12));
    wr(THRESHOLD(S_CTX(0)), 2);
    EXPECT_TRUE(line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 12);
    teardown();
}

TEST(vplic_priority_zero_never_interrupts)
{
    setup(1);
    route(0, 5, 0);
    vplic_raise(vm.vplic, 5);
    EXPECT_TRUE(!line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 0);
    teardown();
}

TEST(vplic_enables_are_per_context)
{
    setup(2);
    route(1, 20, 1);
    vplic_raise(vm.vplic, 20);
    EXPECT_TRUE(!line(0));
    EXPECT_TRUE(line(1));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 0);
    EXPECT_EQ(rd(CLAIM(S_CTX(1))), 20);
    EXPECT_TRUE(!line(1));
    EXPECT_EQ(rd(ENABLE(S_CTX(0), 0)), 0);
    EXPECT_EQ(rd(ENABLE(S_CTX(1), 0)), 1U << 20);
    teardown();
}

TEST(vplic_thresholds_are_per_context)
{
    setup(2);
    route(0, 33, 2);
    route(1, 33, 2);
    wr(THRESHOLD(S_CTX(0)), 2);
    vplic_raise(vm.vplic, 33);
    EXPECT_TRUE(!line(0));
    EXPECT_TRUE(line(1));
    EXPECT_EQ(rd(THRESHOLD(S_CTX(0))), 2);
    EXPECT_EQ(rd(THRESHOLD(S_CTX(1))), 0);
    teardown();
}

/* ---------------------------------------------------------------- claim and complete */

TEST(vplic_claim_clears_pending_and_lowers_the_line)
{
    setup(1);
    route(0, 10, 1);
    vplic_raise(vm.vplic, 10);
    EXPECT_TRUE(pending(10));
    EXPECT_TRUE(line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 10);
    EXPECT_TRUE(!pending(10));
    EXPECT_TRUE(!line(0));
    teardown();
}

TEST(vplic_in_service_source_is_not_claimable_until_complete)
{
    setup(1);
    route(0, 10, 1);
    vplic_raise(vm.vplic, 10);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 10);
    vplic_raise(vm.vplic, 10);
    EXPECT_TRUE(!line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 0);
    wr(CLAIM(S_CTX(0)), 10);
    EXPECT_TRUE(line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 10);
    wr(CLAIM(S_CTX(0)), 10);
    EXPECT_TRUE(!line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 0);
    teardown();
}

TEST(vplic_two_raises_back_to_back_give_two_claims)
{
    setup(1);
    route(0, 21, 1);
    vplic_raise(vm.vplic, 21);
    vplic_raise(vm.vplic, 21);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 21);
    wr(CLAIM(S_CTX(0)), 21);
    EXPECT_TRUE(line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 21);
    wr(CLAIM(S_CTX(0)), 21);
    EXPECT_TRUE(!line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 0);
    teardown();
}

TEST(vplic_two_sources_back_to_back_keep_the_line_up_after_the_first_claim)
{
    setup(1);
    route(0, 4, 1);
    route(0, 7, 1);
    vplic_raise(vm.vplic, 4);
    vplic_raise(vm.vplic, 7);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 4);
    EXPECT_TRUE(line(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 7);
    EXPECT_TRUE(!line(0));
    teardown();
}

TEST(vplic_edge_queue_is_bounded)
{
    int claims = 0;

    setup(1);
    route(0, 30, 1);
    for (int i = 0; i < 10 * VPLIC_EDGE_QUEUE_MAX; i++)
        vplic_raise(vm.vplic, 30);
    for (u32 irq; (irq = rd(CLAIM(S_CTX(0)))) != 0; claims++)
        wr(CLAIM(S_CTX(0)), irq);
    EXPECT_EQ(claims, VPLIC_EDGE_QUEUE_MAX + 1);
    teardown();
}

TEST(vplic_complete_is_ignored_unless_claimed_and_enabled)
{
    setup(2);
    route(0, 8, 1);
    vplic_raise(vm.vplic, 8);
    vplic_raise(vm.vplic, 8);
    wr(CLAIM(S_CTX(0)), 8); /* not in service yet: ignored */
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 8);
    wr(CLAIM(S_CTX(1)), 8); /* not enabled for vCPU 1's context: ignored */
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 0);
    wr(CLAIM(S_CTX(0)), 8);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 8);
    teardown();
}

/* ---------------------------------------------------------------- line recomputation */

TEST(vplic_line_follows_enable_threshold_and_priority_writes)
{
    setup(1);
    wr(PRIORITY(50), 4);
    vplic_raise(vm.vplic, 50);
    EXPECT_TRUE(!line(0));
    wr(ENABLE(S_CTX(0), 1), 1U << (50 - 32));
    EXPECT_TRUE(line(0));
    wr(ENABLE(S_CTX(0), 1), 0);
    EXPECT_TRUE(!line(0));
    wr(ENABLE(S_CTX(0), 1), 1U << (50 - 32));
    wr(THRESHOLD(S_CTX(0)), 4);
    EXPECT_TRUE(!line(0));
    wr(THRESHOLD(S_CTX(0)), 0);
    EXPECT_TRUE(line(0));
    wr(PRIORITY(50), 0);
    EXPECT_TRUE(!line(0));
    wr(PRIORITY(50), 1);
    EXPECT_TRUE(line(0));
    teardown();
}

TEST(vplic_raise_asserts_only_the_enabled_vcpus)
{
    setup(3);
    route(0, 60, 1);
    route(2, 60, 1);
    vplic_raise(vm.vplic, 60);
    EXPECT_TRUE(line(0));
    EXPECT_TRUE(!line(1));
    EXPECT_TRUE(line(2));
    EXPECT_EQ(rd(CLAIM(S_CTX(2))), 60);
    EXPECT_TRUE(!line(0));
    EXPECT_TRUE(!line(2));
    teardown();
}

/* ---------------------------------------------------------------- register map */

TEST(vplic_priority_is_three_bit_warl_and_source_zero_reads_zero)
{
    setup(1);
    wr(PRIORITY(3), 0xff);
    EXPECT_EQ(rd(PRIORITY(3)), 7);
    wr(PRIORITY(0), 5);
    EXPECT_EQ(rd(PRIORITY(0)), 0);
    wr(THRESHOLD(S_CTX(0)), 0x1f);
    EXPECT_EQ(rd(THRESHOLD(S_CTX(0))), 7);
    teardown();
}

TEST(vplic_enable_bits_of_absent_sources_read_zero)
{
    setup(1);
    wr(ENABLE(S_CTX(0), 0), ~0U);
    EXPECT_EQ(rd(ENABLE(S_CTX(0), 0)), ~1U);
    wr(ENABLE(S_CTX(0), 3), ~0U);
    EXPECT_EQ(rd(ENABLE(S_CTX(0), 3)), ~0U); /* sources 96..127 */
    teardown();
}

TEST(vplic_pending_is_read_only)
{
    setup(1);
    wr(PENDING(0), ~0U);
    EXPECT_EQ(rd(PENDING(0)), 0);
    teardown();
}

TEST(vplic_m_contexts_are_inert)
{
    setup(2);
    route(0, 11, 1);
    vplic_raise(vm.vplic, 11);
    wr(ENABLE(M_CTX(0), 0), ~0U);
    wr(ENABLE(M_CTX(1), 0), ~0U);
    EXPECT_EQ(rd(ENABLE(M_CTX(0), 0)), 0);
    EXPECT_EQ(rd(ENABLE(M_CTX(1), 0)), 0);
    wr(THRESHOLD(M_CTX(0)), 7);
    EXPECT_EQ(rd(THRESHOLD(M_CTX(0))), 0);
    EXPECT_EQ(rd(THRESHOLD(S_CTX(0))), 0);
    EXPECT_EQ(rd(CLAIM(M_CTX(0))), 0);
    wr(CLAIM(M_CTX(0)), 11);
    EXPECT_TRUE(line(0));
    EXPECT_TRUE(!line(1));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 11);
    teardown();
}

TEST(vplic_bad_widths_and_offsets_are_refused)
{
    static const u64 bad_offsets[] = {
        PRIORITY(1) + 2,     /* misaligned */
        PRIORITY(128),       /* beyond the 127 sources */
        PENDING(4),          /* pending word of sources 128.. */
        ENABLE(S_CTX(0), 4), /* enable word of sources 128.. */
        ENABLE(S_CTX(1), 0), /* context of a vCPU the VM does not have */
        ENABLE(M_CTX(1), 0), THRESHOLD(S_CTX(1)),
        CLAIM(S_CTX(1)),     THRESHOLD(S_CTX(0)) + 8, /* reserved word of a context */
        PLIC_SIZE - 4,
    };
    static const unsigned bad_widths[] = {1, 2, 8};
    u64 value;

    setup(1);
    for (u32 i = 0; i < ARRAY_SIZE(bad_offsets); i++) {
        EXPECT_EQ(dev.ops->read(&dev, &vm.vcpus[0], bad_offsets[i], 4, &value), -EINVAL);
        EXPECT_EQ(dev.ops->write(&dev, &vm.vcpus[0], bad_offsets[i], 4, 1), -EINVAL);
    }
    for (u32 i = 0; i < ARRAY_SIZE(bad_widths); i++) {
        EXPECT_EQ(dev.ops->read(&dev, &vm.vcpus[0], PRIORITY(2), bad_widths[i], &value), -EINVAL);
        EXPECT_EQ(dev.ops->write(&dev, &vm.vcpus[0], CLAIM(S_CTX(0)), bad_widths[i], 0), -EINVAL);
    }
    EXPECT_EQ(rd(PRIORITY(2)), 0);
    teardown();
}

TEST(vplic_configured_source_count)
{
    u64 sources = 40;

    setup(1);
    teardown();
    EXPECT_EQ(create(PLIC_SIZE, &sources), 0);
    EXPECT_EQ(vplic_nr_sources(vm.vplic), 40);
    wr(ENABLE(S_CTX(0), 1), ~0U);
    EXPECT_EQ(rd(ENABLE(S_CTX(0), 1)), 0x1ff); /* sources 32..40 */
    EXPECT_EQ(rd(PRIORITY(40)), 0);
    u64 value;
    EXPECT_EQ(dev.ops->read(&dev, &vm.vcpus[0], PRIORITY(41), 4, &value), -EINVAL);
    teardown();
}

TEST(vplic_creation_is_checked)
{
    u64 too_many = VPLIC_MAX_SOURCES + 1, none = 0;

    setup(2);
    struct mmio_dev first = dev;
    EXPECT_EQ(create(PLIC_SIZE, NULL), -EEXIST);
    dev = first;
    teardown();
    EXPECT_EQ(create(THRESHOLD(S_CTX(1)), NULL), -EINVAL); /* misses vCPU 1's context */
    EXPECT_EQ(create(PLIC_SIZE, &too_many), -EINVAL);
    EXPECT_EQ(create(PLIC_SIZE, &none), -EINVAL);
    EXPECT_TRUE(vm.vplic == NULL);
}

/* ---------------------------------------------------------------- passthrough */

TEST(vplic_passthrough_enable_is_mirrored_on_the_vcpus_hart)
{
    setup(2);
    owner[10] = &vm;
    route(1, 10, 1);
    EXPECT_EQ(count_events(EV_ENABLE, 10, HART_OF(1)), 1);
    EXPECT_EQ(nr_events, 1);
    route(0, 12, 1); /* emulated: the physical PLIC is not touched */
    EXPECT_EQ(nr_events, 1);
    wr(ENABLE(S_CTX(1), 0), 0);
    EXPECT_EQ(count_events(EV_DISABLE, 10, HART_OF(1)), 1);
    EXPECT_EQ(nr_events, 2);
    teardown();
}

TEST(vplic_passthrough_is_completed_physically_only_at_guest_complete)
{
    setup(2);
    owner[10] = &vm;
    route(1, 10, 1);
    nr_events = 0;
    vplic_passthrough_raise(vm.vplic, 10, HART_OF(0)); /* claimed physically on hart of vCPU 0 */
    EXPECT_TRUE(line(1));
    EXPECT_EQ(nr_events, 0);
    EXPECT_EQ(rd(CLAIM(S_CTX(1))), 10);
    EXPECT_EQ(nr_events, 0);
    wr(CLAIM(S_CTX(1)), 10);
    EXPECT_EQ(count_events(EV_COMPLETE, 10, HART_OF(0)), 1);
    /* that hart had the source disabled: enabled around the completion */
    EXPECT_EQ(nr_events, 3);
    EXPECT_TRUE(events[0].kind == EV_ENABLE && events[1].kind == EV_COMPLETE &&
                events[2].kind == EV_DISABLE);
    teardown();
}

TEST(vplic_passthrough_complete_on_an_enabled_hart_is_a_plain_complete)
{
    setup(1);
    owner[10] = &vm;
    route(0, 10, 1);
    vplic_passthrough_raise(vm.vplic, 10, HART_OF(0));
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 10);
    nr_events = 0;
    wr(CLAIM(S_CTX(0)), 10);
    EXPECT_EQ(nr_events, 1);
    EXPECT_EQ(count_events(EV_COMPLETE, 10, HART_OF(0)), 1);
    wr(CLAIM(S_CTX(0)), 10); /* a second complete does nothing */
    EXPECT_EQ(nr_events, 1);
    teardown();
}

TEST(vplic_emulated_complete_does_not_touch_the_physical_plic)
{
    setup(1);
    route(0, 10, 1);
    vplic_raise(vm.vplic, 10);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 10);
    wr(CLAIM(S_CTX(0)), 10);
    EXPECT_EQ(nr_events, 0);
    teardown();
}

TEST(vplic_reset_hands_back_held_and_enabled_passthrough_sources)
{
    setup(1);
    owner[10] = &vm;
    owner[11] = &vm;
    route(0, 10, 1);
    route(0, 11, 1);
    route(0, 12, 1);
    vplic_passthrough_raise(vm.vplic, 10, HART_OF(0));
    vplic_raise(vm.vplic, 12);
    EXPECT_EQ(rd(CLAIM(S_CTX(0))), 10);
    nr_events = 0;
    vplic_reset(vm.vplic);
    EXPECT_EQ(count_events(EV_COMPLETE, 10, HART_OF(0)), 1);
    EXPECT_EQ(count_events(EV_DISABLE, 10, HART_OF(0)), 1);
    EXPECT_EQ(count_events(EV_DISABLE, 11, HART_OF(0)), 1);
    EXPECT_EQ(nr_events, 3);
    EXPECT_TRUE(!line(0));
    EXPECT_EQ(rd(ENABLE(S_CTX(0), 0)), 0);
    EXPECT_EQ(rd(PRIORITY(12)), 0);
    EXPECT_EQ(rd(PENDING(0)), 0);
    wr(CLAIM(S_CTX(0)), 10); /* the old claim no longer completes anything */
    EXPECT_EQ(nr_events, 3);
    teardown();
}

TEST(vplic_destroy_disables_passthrough_sources)
{
    setup(2);
    owner[9] = &vm;
    route(0, 9, 1);
    route(1, 9, 1);
    nr_events = 0;
    teardown();
    EXPECT_EQ(count_events(EV_DISABLE, 9, HART_OF(0)), 1);
    EXPECT_EQ(count_events(EV_DISABLE, 9, HART_OF(1)), 1);
    EXPECT_EQ(nr_events, 2);
}
