// UNIT_SOURCES: device/virtio/virtio_mmio.c device/virtio/virtqueue.c
/* The virtio-mmio v2 register file (device/virtio/virtio_mmio.c) driven the way a guest
 * driver does it, with a test device that records what the transport asks of it.  Offsets,
 * status bits and feature bits are the spec's, spelled out in virtio_driver_defs.h. */
#include <device/virtio/virtio_mmio.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <stdlib.h>
#include <string.h>

#include "unit_test.h"
#include "virtio_driver_defs.h"

#define TEST_DEVICE_ID 3
#define DEV_FEATURE_A  (1ULL << 0)
#define DEV_FEATURE_B  (1ULL << 5)
#define DEV_FEATURE_HI (1ULL << 50)
#define NR_QUEUES      2
#define CONFIG_BYTES   12

#define RAM_BASE  0x80000000ULL
#define RAM_SIZE  0x10000ULL
#define DESC_GPA  (RAM_BASE + 0x0000)
#define AVAIL_GPA (RAM_BASE + 0x1000)
#define USED_GPA  (RAM_BASE + 0x2000)
#define BUF_GPA   (RAM_BASE + 0x4000)
#define QSIZE     8

/* ---------------------------------------------------------------- test device */

struct test_dev {
    struct virtio_dev vdev;
    struct virtio_queue queues[NR_QUEUES];
    u8 config[CONFIG_BYTES];
    u32 notified[NR_QUEUES];
    u32 queue_resets[NR_QUEUES];
    u32 resets;
    u32 irqs;
    int last_pop; /* what the device's vq_pop() returned in its last notify */
};

static struct test_dev td;
static u8 *ram;

static void *ram_map(void *ctx, u64 gpa, u64 len)
{
    (void)ctx;
    if (!range_within(gpa, len, RAM_BASE, RAM_SIZE))
        return NULL;
    return ram + (gpa - RAM_BASE);
}

static const struct guest_mem gmem = {.ctx = NULL, .map = ram_map};

static int td_config_read(struct virtio_dev *dev, u32 offset, unsigned width, u64 *value)
{
    struct test_dev *t = container_of(dev, struct test_dev, vdev);

    *value = 0;
    memcpy(value, t->config + offset, width);
    return 0;
}

static int td_config_write(struct virtio_dev *dev, u32 offset, unsigned width, u64 value)
{
    struct test_dev *t = container_of(dev, struct test_dev, vdev);

    memcpy(t->config + offset, &value, width);
    return 0;
}

/* Takes one chain and gives it back, as a device's queue handler would. */
static void td_notify(struct virtio_dev *dev, u32 q)
{
    struct test_dev *t = container_of(dev, struct test_dev, vdev);
    struct vq_seg segs[4];
    struct vq_chain chain = {.segs = segs, .max_segs = ARRAY_SIZE(segs)};
    struct virtqueue *vq = virtio_dev_queue(dev, q);

    t->notified[q]++;
    t->last_pop = vq_pop(vq, &chain);
    if (t->last_pop > 0) {
        vq_push(vq, chain.head, 0);
        virtio_dev_notify_used(dev, q);
    }
}

static void td_queue_reset(struct virtio_dev *dev, u32 q)
{
    container_of(dev, struct test_dev, vdev)->queue_resets[q]++;
}

static void td_reset(struct virtio_dev *dev)
{
    container_of(dev, struct test_dev, vdev)->resets++;
}

static void td_raise_irq(struct virtio_dev *dev)
{
    container_of(dev, struct test_dev, vdev)->irqs++;
}

static const struct virtio_dev_ops td_ops = {
    .config_read = td_config_read,
    .config_write = td_config_write,
    .notify = td_notify,
    .queue_reset = td_queue_reset,
    .reset = td_reset,
};

static void setup(void)
{
    ram = calloc(1, RAM_SIZE);
    memset(&td, 0, sizeof(td));
    td.queues[0].num_max = QSIZE;
    td.queues[1].num_max = 2 * QSIZE;
    td.vdev = (struct virtio_dev){
        .name = "test",
        .device_id = TEST_DEVICE_ID,
        .features = DEV_FEATURE_A | DEV_FEATURE_B | DEV_FEATURE_HI,
        .config_size = CONFIG_BYTES,
        .nr_queues = NR_QUEUES,
        .queues = td.queues,
        .ops = &td_ops,
        .mem = &gmem,
        .raise_irq = td_raise_irq,
    };
    for (u32 i = 0; i < CONFIG_BYTES; i++)
        td.config[i] = (u8)(0x10 + i);
    EXPECT_EQ(virtio_dev_init(&td.vdev), 0);
}

static void teardown(void)
{
    free(ram);
}

/* ---------------------------------------------------------------- driver side */

static u32 rd(u64 offset)
{
    u64 v = 0xdeadbeef;

    EXPECT_EQ(virtio_mmio_read(&td.vdev, offset, 4, &v), 0);
    return (u32)v;
}

static void wr(u64 offset, u32 value)
{
    EXPECT_EQ(virtio_mmio_write(&td.vdev, offset, 4, value), 0);
}

static u64 device_features(void)
{
    u64 hi;

    wr(DEVICE_FEAT_SEL, 1);
    hi = rd(DEVICE_FEATURES);
    wr(DEVICE_FEAT_SEL, 0);
    return hi << 32 | rd(DEVICE_FEATURES);
}

static void write_driver_features(u64 features)
{
    wr(DRIVER_FEAT_SEL, 1);
    wr(DRIVER_FEATURES, (u32)(features >> 32));
    wr(DRIVER_FEAT_SEL, 0);
    wr(DRIVER_FEATURES, (u32)features);
}

/* ACKNOWLEDGE, DRIVER, features, FEATURES_OK; returns the status read back. */
static u32 negotiate(u64 features)
{
    wr(STATUS, 0);
    wr(STATUS, S_ACK);
    wr(STATUS, S_ACK | S_DRIVER);
    write_driver_features(features);
    wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    return rd(STATUS);
}

static void setup_queue(u32 q, u32 num, u64 desc, u64 avail, u64 used)
{
    wr(QUEUE_SEL, q);
    EXPECT_EQ(rd(QUEUE_READY), 0);
    wr(QUEUE_NUM, num);
    wr(QUEUE_DESC_LOW, (u32)desc);
    wr(QUEUE_DESC_HIGH, (u32)(desc >> 32));
    wr(QUEUE_DRIVER_LOW, (u32)avail);
    wr(QUEUE_DRIVER_HIGH, (u32)(avail >> 32));
    wr(QUEUE_DEVICE_LOW, (u32)used);
    wr(QUEUE_DEVICE_HIGH, (u32)(used >> 32));
    wr(QUEUE_READY, 1);
}

/* A negotiated device with queue 0 ready and DRIVER_OK. */
static void bring_up(u64 features)
{
    EXPECT_EQ(negotiate(features), S_ACK | S_DRIVER | S_FEATURES_OK);
    setup_queue(0, QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA);
    wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    EXPECT_TRUE(virtio_dev_live(&td.vdev));
}

static void put16(u64 gpa, u16 v)
{
    memcpy(ram + (gpa - RAM_BASE), &v, sizeof(v));
}

static u16 get16(u64 gpa)
{
    u16 v;

    memcpy(&v, ram + (gpa - RAM_BASE), sizeof(v));
    return v;
}

static void set_desc(u32 i, u64 addr, u32 len, u16 flags, u16 next)
{
    u8 *d = ram + (DESC_GPA - RAM_BASE) + 16 * i;

    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

/* The driver makes `head` available in queue 0 (size QSIZE) and kicks. */
static void offer_and_kick(u16 head)
{
    u16 idx = get16(AVAIL_GPA + 2);

    put16(AVAIL_GPA + 4 + 2 * (idx % QSIZE), head);
    put16(AVAIL_GPA + 2, idx + 1);
    wr(QUEUE_NOTIFY, 0);
}

/* ---------------------------------------------------------------- identity and features */

TEST(mmio_identity_registers)
{
    setup();
    EXPECT_EQ(rd(MAGIC), 0x74726976);
    EXPECT_EQ(rd(VERSION), 2);
    EXPECT_EQ(rd(DEVICE_ID), TEST_DEVICE_ID);
    EXPECT_EQ(rd(VENDOR_ID), VIRTIO_MMIO_VENDOR_ID);
    EXPECT_EQ(rd(STATUS), 0);
    EXPECT_EQ(rd(CONFIG_GENERATION), 0);
    teardown();
}

TEST(mmio_device_features_by_select)
{
    setup();
    EXPECT_EQ(device_features(), DEV_FEATURE_A | DEV_FEATURE_B | DEV_FEATURE_HI | F_INDIRECT |
                                     F_EVENT_IDX | F_VERSION_1 | F_RING_RESET);
    wr(DEVICE_FEAT_SEL, 2);
    EXPECT_EQ(rd(DEVICE_FEATURES), 0);
    teardown();
}

/* The original wrote the select into the feature field, ORing high words into the low half. */
TEST(mmio_driver_features_by_select)
{
    setup();
    EXPECT_EQ(negotiate(F_VERSION_1 | F_EVENT_IDX | DEV_FEATURE_B),
              S_ACK | S_DRIVER | S_FEATURES_OK);
    EXPECT_TRUE(virtio_dev_has_feature(&td.vdev, 32));
    EXPECT_TRUE(virtio_dev_has_feature(&td.vdev, 29));
    EXPECT_TRUE(virtio_dev_has_feature(&td.vdev, 5));
    EXPECT_TRUE(!virtio_dev_has_feature(&td.vdev, 0)); /* bit 0 of the high word is bit 32 */
    EXPECT_TRUE(!virtio_dev_has_feature(&td.vdev, 28));
    EXPECT_TRUE(!virtio_dev_has_feature(&td.vdev, 50));

    /* words written in the other order, and a rewrite of one word replaces it */
    wr(STATUS, 0);
    wr(STATUS, S_ACK | S_DRIVER);
    wr(DRIVER_FEAT_SEL, 0);
    wr(DRIVER_FEATURES, (u32)(DEV_FEATURE_A | F_INDIRECT));
    wr(DRIVER_FEATURES, (u32)DEV_FEATURE_A);
    wr(DRIVER_FEAT_SEL, 1);
    wr(DRIVER_FEATURES, (u32)((F_VERSION_1 | DEV_FEATURE_HI) >> 32));
    wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    EXPECT_EQ(rd(STATUS), S_ACK | S_DRIVER | S_FEATURES_OK);
    EXPECT_TRUE(virtio_dev_has_feature(&td.vdev, 0));
    EXPECT_TRUE(virtio_dev_has_feature(&td.vdev, 50));
    EXPECT_TRUE(!virtio_dev_has_feature(&td.vdev, 28));
    teardown();
}

TEST(mmio_features_ok_rejected)
{
    setup();
    /* without VERSION_1 */
    EXPECT_EQ(negotiate(DEV_FEATURE_A), S_ACK | S_DRIVER);
    EXPECT_TRUE(!virtio_dev_has_feature(&td.vdev, 0));
    /* a bit the device does not offer */
    EXPECT_EQ(negotiate(F_VERSION_1 | (1ULL << 7)), S_ACK | S_DRIVER);
    /* a transport bit the transport does not implement (RING_PACKED) */
    EXPECT_EQ(negotiate(F_VERSION_1 | (1ULL << 34)), S_ACK | S_DRIVER);
    /* bits in a third feature word */
    wr(STATUS, 0);
    wr(STATUS, S_ACK | S_DRIVER);
    write_driver_features(F_VERSION_1);
    wr(DRIVER_FEAT_SEL, 2);
    wr(DRIVER_FEATURES, 1);
    wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    EXPECT_EQ(rd(STATUS), S_ACK | S_DRIVER);
    /* FEATURES_OK before DRIVER */
    wr(STATUS, 0);
    wr(STATUS, S_ACK);
    write_driver_features(F_VERSION_1);
    wr(STATUS, S_ACK | S_FEATURES_OK);
    EXPECT_EQ(rd(STATUS), S_ACK);
    /* DRIVER_OK without FEATURES_OK */
    wr(STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
    EXPECT_EQ(rd(STATUS), S_ACK | S_DRIVER);
    EXPECT_TRUE(!virtio_dev_live(&td.vdev));
    teardown();
}

TEST(mmio_features_frozen_after_features_ok)
{
    setup();
    EXPECT_EQ(negotiate(F_VERSION_1), S_ACK | S_DRIVER | S_FEATURES_OK);
    wr(DRIVER_FEAT_SEL, 0);
    wr(DRIVER_FEATURES, (u32)DEV_FEATURE_A);
    EXPECT_TRUE(!virtio_dev_has_feature(&td.vdev, 0));
    teardown();
}

TEST(mmio_status_bits_only_added_by_the_driver)
{
    setup();
    bring_up(F_VERSION_1);
    wr(STATUS, S_ACK); /* clearing is not possible except by reset */
    EXPECT_EQ(rd(STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    wr(STATUS, S_ACK | S_NEEDS_RESET); /* NEEDS_RESET is the device's */
    EXPECT_EQ(rd(STATUS) & S_NEEDS_RESET, 0);
    wr(STATUS, rd(STATUS) | S_FAILED);
    EXPECT_TRUE(rd(STATUS) & S_FAILED);
    EXPECT_TRUE(!virtio_dev_live(&td.vdev));
    teardown();
}

/* ---------------------------------------------------------------- queues */

TEST(mmio_queue_setup_latches_on_ready)
{
    const u64 high_used = RAM_BASE + 0x3000;

    setup();
    EXPECT_EQ(negotiate(F_VERSION_1 | F_EVENT_IDX | F_INDIRECT), S_ACK | S_DRIVER | S_FEATURES_OK);
    wr(QUEUE_SEL, 0);
    EXPECT_EQ(rd(QUEUE_NUM_MAX), QSIZE);
    wr(QUEUE_SEL, 1);
    EXPECT_EQ(rd(QUEUE_NUM_MAX), 2 * QSIZE);
    setup_queue(0, QSIZE, DESC_GPA, AVAIL_GPA, high_used);
    EXPECT_EQ(rd(QUEUE_READY), 1);
    EXPECT_TRUE(td.queues[0].vq.ready);
    EXPECT_EQ(td.queues[0].vq.size, QSIZE);
    EXPECT_TRUE(td.queues[0].vq.desc == (void *)(ram + (DESC_GPA - RAM_BASE)));
    EXPECT_TRUE(td.queues[0].vq.avail == (void *)(ram + (AVAIL_GPA - RAM_BASE)));
    EXPECT_TRUE(td.queues[0].vq.used == (void *)(ram + (high_used - RAM_BASE)));
    EXPECT_EQ(td.queues[0].vq.flags, VQ_F_EVENT_IDX | VQ_F_INDIRECT);
    /* writes while ready are ignored */
    wr(QUEUE_NUM, 2);
    wr(QUEUE_DESC_LOW, 0);
    EXPECT_EQ(td.queues[0].num, QSIZE);
    EXPECT_EQ(td.queues[0].desc, DESC_GPA);
    EXPECT_TRUE(!td.queues[1].vq.ready);
    EXPECT_EQ(rd(STATUS) & S_NEEDS_RESET, 0);
    teardown();
}

TEST(mmio_queue_ready_zero_stops_the_queue)
{
    setup();
    bring_up(F_VERSION_1);
    wr(QUEUE_SEL, 0);
    wr(QUEUE_READY, 0);
    EXPECT_EQ(rd(QUEUE_READY), 0);
    EXPECT_TRUE(!td.queues[0].vq.ready);
    EXPECT_EQ(td.queue_resets[0], 1);
    set_desc(0, BUF_GPA, 4, 0, 0);
    offer_and_kick(0);
    EXPECT_EQ(td.notified[0], 1); /* only the DRIVER_OK kick of bring_up */
    /* it can be set up again */
    wr(QUEUE_READY, 1);
    EXPECT_TRUE(td.queues[0].vq.ready);
    teardown();
}

TEST(mmio_queue_registers_of_missing_queue)
{
    setup();
    EXPECT_EQ(negotiate(F_VERSION_1), S_ACK | S_DRIVER | S_FEATURES_OK);
    wr(QUEUE_SEL, NR_QUEUES);
    EXPECT_EQ(rd(QUEUE_NUM_MAX), 0);
    EXPECT_EQ(rd(QUEUE_READY), 0);
    wr(QUEUE_NUM, QSIZE);
    wr(QUEUE_READY, 1);
    EXPECT_EQ(rd(QUEUE_READY), 0);
    wr(QUEUE_NOTIFY, NR_QUEUES);
    EXPECT_EQ(rd(STATUS), S_ACK | S_DRIVER | S_FEATURES_OK);
    teardown();
}

TEST(mmio_bad_queue_configuration_needs_reset)
{
    setup();
    /* larger than QueueNumMax */
    EXPECT_EQ(negotiate(F_VERSION_1), S_ACK | S_DRIVER | S_FEATURES_OK);
    setup_queue(0, 2 * QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA);
    EXPECT_TRUE(rd(STATUS) & S_NEEDS_RESET);
    EXPECT_TRUE(!td.queues[0].vq.ready);
    EXPECT_EQ(td.irqs, 0); /* no interrupt before DRIVER_OK */
    /* not a power of two */
    EXPECT_EQ(negotiate(F_VERSION_1), S_ACK | S_DRIVER | S_FEATURES_OK);
    setup_queue(1, 6, DESC_GPA, AVAIL_GPA, USED_GPA);
    EXPECT_TRUE(rd(STATUS) & S_NEEDS_RESET);
    /* misaligned used ring */
    EXPECT_EQ(negotiate(F_VERSION_1), S_ACK | S_DRIVER | S_FEATURES_OK);
    setup_queue(0, QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA + 2);
    EXPECT_TRUE(rd(STATUS) & S_NEEDS_RESET);
    /* outside guest RAM */
    EXPECT_EQ(negotiate(F_VERSION_1), S_ACK | S_DRIVER | S_FEATURES_OK);
    setup_queue(0, QSIZE, RAM_BASE + RAM_SIZE, AVAIL_GPA, USED_GPA);
    EXPECT_TRUE(rd(STATUS) & S_NEEDS_RESET);
    /* before FEATURES_OK */
    wr(STATUS, 0);
    wr(STATUS, S_ACK | S_DRIVER);
    setup_queue(0, QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA);
    EXPECT_TRUE(rd(STATUS) & S_NEEDS_RESET);
    EXPECT_TRUE(!td.queues[0].vq.ready);
    teardown();
}

TEST(mmio_queue_reset_needs_ring_reset)
{
    u64 v;

    setup();
    bring_up(F_VERSION_1);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, QUEUE_RESET, 4, &v), -EINVAL);
    EXPECT_EQ(virtio_mmio_write(&td.vdev, QUEUE_RESET, 4, 1), -EINVAL);
    EXPECT_TRUE(td.queues[0].vq.ready);

    bring_up(F_VERSION_1 | F_RING_RESET);
    wr(QUEUE_SEL, 0);
    EXPECT_EQ(rd(QUEUE_RESET), 0);
    wr(QUEUE_RESET, 1);
    EXPECT_EQ(rd(QUEUE_RESET), 0); /* complete at once */
    EXPECT_EQ(rd(QUEUE_READY), 0);
    EXPECT_TRUE(!td.queues[0].vq.ready);
    EXPECT_EQ(td.queues[0].num, 0);
    EXPECT_EQ(td.queues[0].desc, 0);
    EXPECT_EQ(td.queue_resets[0], 1);
    /* re-enabled with a new ring */
    setup_queue(0, QSIZE / 2, DESC_GPA + 0x800, AVAIL_GPA + 0x800, USED_GPA + 0x800);
    EXPECT_TRUE(td.queues[0].vq.ready);
    EXPECT_EQ(td.queues[0].vq.size, QSIZE / 2);
    teardown();
}

/* ---------------------------------------------------------------- notify and interrupts */

TEST(mmio_notify_reaches_the_device_and_interrupts)
{
    setup();
    bring_up(F_VERSION_1);
    EXPECT_EQ(td.notified[0], 1); /* DRIVER_OK kicks the ready queue */
    EXPECT_EQ(td.last_pop, 0);
    set_desc(0, BUF_GPA, 4, 0, 0);
    offer_and_kick(0);
    EXPECT_EQ(td.notified[0], 2);
    EXPECT_EQ(td.last_pop, 1);
    EXPECT_EQ(get16(USED_GPA + 2), 1);
    EXPECT_EQ(rd(INTERRUPT_STATUS), INT_USED);
    EXPECT_EQ(td.irqs, 1);
    /* a second used buffer while the first is not acknowledged: no new edge */
    offer_and_kick(0);
    EXPECT_EQ(td.irqs, 1);
    wr(INTERRUPT_ACK, INT_USED);
    EXPECT_EQ(rd(INTERRUPT_STATUS), 0);
    EXPECT_EQ(td.irqs, 1);
    /* queue 1 is not ready: its notify is ignored */
    wr(QUEUE_NOTIFY, 1);
    EXPECT_EQ(td.notified[1], 0);
    teardown();
}

TEST(mmio_notify_before_driver_ok_waits_for_it)
{
    setup();
    EXPECT_EQ(negotiate(F_VERSION_1), S_ACK | S_DRIVER | S_FEATURES_OK);
    setup_queue(0, QSIZE, DESC_GPA, AVAIL_GPA, USED_GPA);
    set_desc(0, BUF_GPA, 4, 0, 0);
    offer_and_kick(0);
    EXPECT_EQ(td.notified[0], 0);
    wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    EXPECT_EQ(td.notified[0], 1);
    EXPECT_EQ(td.last_pop, 1);
    EXPECT_EQ(get16(USED_GPA + 2), 1);
    EXPECT_EQ(td.notified[1], 0); /* not ready */
    teardown();
}

TEST(mmio_no_interrupt_flag_suppresses_used_interrupt)
{
    setup();
    bring_up(F_VERSION_1);
    put16(AVAIL_GPA, NO_INTERRUPT);
    set_desc(0, BUF_GPA, 4, 0, 0);
    offer_and_kick(0);
    EXPECT_EQ(get16(USED_GPA + 2), 1);
    EXPECT_EQ(rd(INTERRUPT_STATUS), 0);
    EXPECT_EQ(td.irqs, 0);
    teardown();
}

TEST(mmio_ack_leaving_bits_raises_again)
{
    setup();
    bring_up(F_VERSION_1);
    set_desc(0, BUF_GPA, 4, 0, 0);
    offer_and_kick(0);
    virtio_dev_config_changed(&td.vdev);
    EXPECT_EQ(rd(INTERRUPT_STATUS), INT_USED | INT_CONFIG);
    EXPECT_EQ(td.irqs, 1);
    wr(INTERRUPT_ACK, INT_USED); /* the config change is still pending: a level line */
    EXPECT_EQ(rd(INTERRUPT_STATUS), INT_CONFIG);
    EXPECT_EQ(td.irqs, 2);
    wr(INTERRUPT_ACK, INT_CONFIG);
    EXPECT_EQ(td.irqs, 2);
    teardown();
}

TEST(mmio_broken_ring_needs_reset_and_reset_recovers)
{
    u32 resets;

    setup();
    bring_up(F_VERSION_1);
    set_desc(0, BUF_GPA, 0, D_NEXT, 0); /* loops on itself */
    offer_and_kick(0);
    EXPECT_EQ(td.last_pop, VQ_ERR_LOOP);
    EXPECT_TRUE(rd(STATUS) & S_NEEDS_RESET);
    EXPECT_EQ(rd(INTERRUPT_STATUS), INT_CONFIG);
    EXPECT_EQ(td.irqs, 1);
    EXPECT_TRUE(!virtio_dev_live(&td.vdev));
    EXPECT_TRUE(virtio_dev_queue(&td.vdev, 0) == NULL);
    /* the device stops: further kicks are not delivered */
    offer_and_kick(0);
    EXPECT_EQ(td.notified[0], 2);
    /* the driver rewrites the status: NEEDS_RESET stays */
    wr(STATUS, rd(STATUS));
    EXPECT_TRUE(rd(STATUS) & S_NEEDS_RESET);

    /* reset clears everything */
    resets = td.resets;
    wr(STATUS, 0);
    EXPECT_EQ(rd(STATUS), 0);
    EXPECT_EQ(rd(INTERRUPT_STATUS), 0);
    EXPECT_EQ(td.resets, resets + 1);
    EXPECT_TRUE(!td.queues[0].vq.ready);
    EXPECT_EQ(vq_error(&td.queues[0].vq), 0);
    EXPECT_EQ(td.queues[0].num, 0);
    EXPECT_EQ(td.queues[0].desc, 0);
    EXPECT_EQ(td.vdev.driver_features, 0);
    wr(QUEUE_SEL, 0);
    EXPECT_EQ(rd(QUEUE_READY), 0);

    /* and the device works again with a good ring */
    memset(ram, 0, RAM_SIZE);
    bring_up(F_VERSION_1);
    set_desc(0, BUF_GPA, 4, 0, 0);
    offer_and_kick(0);
    EXPECT_EQ(td.last_pop, 1);
    EXPECT_EQ(get16(USED_GPA + 2), 1);
    teardown();
}

/* The driver breaks its ring (a descriptor loop) and resets the device once per round. */
static void break_ring_rounds(u32 rounds)
{
    for (u32 i = 0; i < rounds; i++) {
        memset(ram, 0, RAM_SIZE);
        bring_up(F_VERSION_1);
        set_desc(0, BUF_GPA, 0, D_NEXT, 0);
        offer_and_kick(0);
        EXPECT_TRUE(rd(STATUS) & S_NEEDS_RESET);
        EXPECT_EQ(rd(INTERRUPT_STATUS), INT_CONFIG);
        wr(STATUS, 0);
    }
}

/* A hostile driver breaking its ring in a loop: NEEDS_RESET and the configuration interrupt
 * every time, but only VIRTIO_FAIL_LOG_LIMIT warnings until the hypervisor resets the
 * device, which reports the rest and starts counting again. */
TEST(mmio_ring_errors_logged_within_a_limit)
{
    const u32 rounds = 1000;
    char summary[UNIT_LOG_LINE_MAX];
    unsigned long warnings;

    setup();
    warnings = unit_log_lines[LOG_WARN];
    break_ring_rounds(1);
    EXPECT_EQ(unit_log_lines[LOG_WARN] - warnings, 1);
    EXPECT_STR_EQ(unit_log_last, "virtio test: queue 0: descriptor loop; device needs reset");
    break_ring_rounds(rounds - 1);
    EXPECT_EQ(td.irqs, rounds);
    EXPECT_EQ(unit_log_lines[LOG_WARN] - warnings, VIRTIO_FAIL_LOG_LIMIT);
    EXPECT_STR_CONTAINS(unit_log_last, "virtio test: queue 0: descriptor loop; device needs reset");
    EXPECT_STR_CONTAINS(unit_log_last, "further ones are counted, not logged");

    virtio_dev_reset(&td.vdev); /* the VM stopped */
    EXPECT_EQ(unit_log_lines[LOG_WARN] - warnings, VIRTIO_FAIL_LOG_LIMIT + 1);
    snprintf(summary, sizeof(summary), "virtio test: needed reset %u times, %u of them not logged",
             rounds, rounds - VIRTIO_FAIL_LOG_LIMIT);
    EXPECT_STR_EQ(unit_log_last, summary);

    break_ring_rounds(1); /* the next run of the VM gets its own warnings */
    EXPECT_EQ(unit_log_lines[LOG_WARN] - warnings, VIRTIO_FAIL_LOG_LIMIT + 2);
    EXPECT_STR_EQ(unit_log_last, "virtio test: queue 0: descriptor loop; device needs reset");
    virtio_dev_reset(&td.vdev); /* nothing went unlogged: nothing to report */
    EXPECT_EQ(unit_log_lines[LOG_WARN] - warnings, VIRTIO_FAIL_LOG_LIMIT + 2);
    teardown();
}

TEST(mmio_config_space_through_the_device)
{
    u64 v;

    setup();
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + 0, 1, &v), 0);
    EXPECT_EQ(v, 0x10);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + 2, 2, &v), 0);
    EXPECT_EQ(v, 0x1312);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + 4, 4, &v), 0);
    EXPECT_EQ(v, 0x17161514);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + 8, 4, &v), 0);
    EXPECT_EQ(v, 0x1b1a1918);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + 0, 8, &v), 0);
    EXPECT_EQ(v, 0x1716151413121110ULL);
    EXPECT_EQ(virtio_mmio_write(&td.vdev, CONFIG + 3, 1, 0xaa), 0);
    EXPECT_EQ(td.config[3], 0xaa);
    /* outside the config size, misaligned, odd widths */
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + 8, 8, &v), -EINVAL);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + CONFIG_BYTES, 1, &v), -EINVAL);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + 0xe00, 4, &v), -EINVAL);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + 1, 2, &v), -EINVAL);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, CONFIG + 0, 3, &v), -EINVAL);
    EXPECT_EQ(virtio_mmio_write(&td.vdev, CONFIG + 12, 1, 0), -EINVAL);
    teardown();
}

TEST(mmio_read_only_config_space)
{
    static const struct virtio_dev_ops ro_ops = {
        .config_read = td_config_read, .notify = td_notify, .reset = td_reset};

    setup();
    td.vdev.ops = &ro_ops;
    EXPECT_EQ(virtio_dev_init(&td.vdev), 0);
    EXPECT_EQ(virtio_mmio_write(&td.vdev, CONFIG + 0, 1, 0xaa), -EINVAL);
    EXPECT_EQ(td.config[0], 0x10);
    teardown();
}

/* A device with nothing in flight between calls has no reset callback. */
TEST(mmio_reset_callback_is_optional)
{
    static const struct virtio_dev_ops no_reset_ops = {.config_read = td_config_read,
                                                       .notify = td_notify};

    setup();
    td.vdev.ops = &no_reset_ops;
    EXPECT_EQ(virtio_dev_init(&td.vdev), 0);
    bring_up(F_VERSION_1);
    wr(STATUS, 0);
    EXPECT_EQ(rd(STATUS), 0);
    EXPECT_TRUE(!td.queues[0].vq.ready);
    bring_up(F_VERSION_1);
    virtio_dev_reset(&td.vdev);
    EXPECT_EQ(rd(STATUS), 0);
    teardown();
}

TEST(mmio_config_generation_and_interrupt)
{
    setup();
    virtio_dev_config_changed(&td.vdev); /* before DRIVER_OK: no interrupt */
    EXPECT_EQ(rd(CONFIG_GENERATION), 1);
    EXPECT_EQ(td.irqs, 0);
    bring_up(F_VERSION_1);
    virtio_dev_config_changed(&td.vdev);
    EXPECT_EQ(rd(CONFIG_GENERATION), 2);
    EXPECT_EQ(rd(INTERRUPT_STATUS), INT_CONFIG);
    EXPECT_EQ(td.irqs, 1);
    teardown();
}

/* ---------------------------------------------------------------- illegal accesses */

TEST(mmio_wrong_widths_and_offsets_fault)
{
    static const u64 holes[] = {0x018, 0x028, 0x03c, 0x040, 0x048, 0x0c4, 0x0f8};
    static const unsigned widths[] = {1, 2, 8};
    u64 v;

    setup();
    for (u32 i = 0; i < ARRAY_SIZE(widths); i++) {
        EXPECT_EQ(virtio_mmio_read(&td.vdev, MAGIC, widths[i], &v), -EINVAL);
        EXPECT_EQ(virtio_mmio_write(&td.vdev, STATUS, widths[i], S_ACK), -EINVAL);
    }
    EXPECT_EQ(rd(STATUS), 0);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, MAGIC + 2, 4, &v), -EINVAL);
    for (u32 i = 0; i < ARRAY_SIZE(holes); i++) {
        EXPECT_EQ(virtio_mmio_read(&td.vdev, holes[i], 4, &v), -EINVAL);
        EXPECT_EQ(virtio_mmio_write(&td.vdev, holes[i], 4, 0), -EINVAL);
    }
    /* read-only registers are not writable, write-only ones not readable */
    EXPECT_EQ(virtio_mmio_write(&td.vdev, MAGIC, 4, 0), -EINVAL);
    EXPECT_EQ(virtio_mmio_write(&td.vdev, QUEUE_NUM_MAX, 4, 0), -EINVAL);
    EXPECT_EQ(virtio_mmio_write(&td.vdev, INTERRUPT_STATUS, 4, 0), -EINVAL);
    EXPECT_EQ(virtio_mmio_write(&td.vdev, CONFIG_GENERATION, 4, 0), -EINVAL);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, QUEUE_NUM, 4, &v), -EINVAL);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, QUEUE_NOTIFY, 4, &v), -EINVAL);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, DRIVER_FEATURES, 4, &v), -EINVAL);
    EXPECT_EQ(virtio_mmio_read(&td.vdev, QUEUE_DESC_LOW, 4, &v), -EINVAL);
    teardown();
}

TEST(mmio_no_shared_memory_regions)
{
    setup();
    wr(SHM_SEL, 0);
    EXPECT_EQ(rd(SHM_LEN_LOW), 0xffffffff);
    EXPECT_EQ(rd(SHM_BASE_HIGH), 0xffffffff);
    teardown();
}

TEST(mmio_init_rejects_bad_descriptions)
{
    setup();
    td.queues[1].num_max = 12;
    EXPECT_EQ(virtio_dev_init(&td.vdev), -EINVAL);
    td.queues[1].num_max = 65536;
    EXPECT_EQ(virtio_dev_init(&td.vdev), -EINVAL);
    td.queues[1].num_max = QSIZE;
    td.vdev.features |= 1ULL << 34; /* RING_PACKED belongs to the transport */
    EXPECT_EQ(virtio_dev_init(&td.vdev), -EINVAL);
    td.vdev.features &= ~(1ULL << 34);
    td.vdev.config_size = VIRTIO_MMIO_CONFIG_MAX + 1;
    EXPECT_EQ(virtio_dev_init(&td.vdev), -EINVAL);
    td.vdev.config_size = CONFIG_BYTES;
    td.vdev.raise_irq = NULL;
    EXPECT_EQ(virtio_dev_init(&td.vdev), -EINVAL);
    td.vdev.raise_irq = td_raise_irq;
    td.vdev.nr_queues = 0;
    EXPECT_EQ(virtio_dev_init(&td.vdev), -EINVAL);
    td.vdev.nr_queues = NR_QUEUES;
    EXPECT_EQ(virtio_dev_init(&td.vdev), 0);
    teardown();
}
