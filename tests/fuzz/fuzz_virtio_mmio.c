// FUZZ_SOURCES: device/virtio/virtio_mmio.c device/virtio/virtqueue.c
/* The virtio-mmio transport (device/virtio/virtio_mmio.c) driven by a hostile guest: any
 * register access in any order, rings anywhere, with an echo device behind it that copies
 * each request's readable bytes into its writable ones.
 *
 * Whatever the guest does, virtio_mmio.h's rules hold:
 *   - an access is accepted exactly when the register map allows it (aligned 32-bit
 *     accesses to a register readable or writable that way; config space accesses of 1, 2, 4
 *     or 8 bytes, naturally aligned, inside config_size);
 *   - the identification registers read their fixed values, DeviceFeatures the offer;
 *   - the status only ever holds driver bits and NEEDS_RESET, FEATURES_OK only with
 *     ACKNOWLEDGE, DRIVER and an acceptable feature set (a subset of the offer with
 *     VERSION_1), DRIVER_OK only with FEATURES_OK;
 *   - a queue is live only when ready, after FEATURES_OK, with at most QueueNumMax entries;
 *   - the device is notified only while live and only for a ready queue, and the interrupt
 *     is raised only while InterruptStatus has a bit set.
 *
 * Input: the device's shape (queue sizes, config size, feature bits), then operations until
 * the input ends (see run_op()). */
#include <device/virtio/virtio_mmio.h>
#include <device/virtio/virtio_spec.h>
#include <kernel/errno.h>
#include <string.h>

#include "lib/fuzz.h"
#include "lib/fuzz_input.h"
#include "lib/fuzz_ring.h"

#define QUEUES         2
#define CONFIG_MAX     24
#define ECHO_DEVICE_ID 0x3f /* not a real device type: the transport does not care */
#define ECHO_SEGS      8
#define ECHO_MAX       0x1000 /* bytes copied per request */
#define POPS_MAX       64     /* requests served per notification */
#define OPS            8
#define DRIVER_BITS                                                                                \
    (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |                \
     VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FAILED)
#define VERSION_1_BIT VIRTIO_FEATURE(VIRTIO_F_VERSION_1)
#define NO_SHM        0xffffffffU
#define INT_BITS      (VIRTIO_INT_USED | VIRTIO_INT_CONFIG)
#define TRANSPORT_FEATURES                                                                         \
    (VERSION_1_BIT | VIRTIO_FEATURE(VIRTIO_F_INDIRECT_DESC) | VIRTIO_FEATURE(VIRTIO_F_EVENT_IDX) | \
     VIRTIO_FEATURE(VIRTIO_F_RING_RESET))

/* The register map (virtio 1.2 §4.2.2): offset, readable, writable.  QueueReset is there
 * only with VIRTIO_F_RING_RESET. */
#define REG_QUEUE_RESET 0x0c0
static const struct {
    u32 offset;
    bool read, write;
} regs[] = {
    {0x000, true, false}, {0x004, true, false}, {0x008, true, false}, {0x00c, true, false},
    {0x010, true, false}, {0x014, false, true}, {0x020, false, true}, {0x024, false, true},
    {0x030, false, true}, {0x034, true, false}, {0x038, false, true}, {0x044, true, true},
    {0x050, false, true}, {0x060, true, false}, {0x064, false, true}, {0x070, true, true},
    {0x080, false, true}, {0x084, false, true}, {0x090, false, true}, {0x094, false, true},
    {0x0a0, false, true}, {0x0a4, false, true}, {0x0ac, false, true}, {0x0b0, true, false},
    {0x0b4, true, false}, {0x0b8, true, false}, {0x0bc, true, false}, {0x0c0, true, true},
    {0x0fc, true, false},
};
enum {
    MAGIC = 0x000,
    VERSION = 0x004,
    DEVICE_ID = 0x008,
    VENDOR_ID = 0x00c,
    FEATURES = 0x010,
    QUEUE_NUM_MAX = 0x034,
    STATUS = 0x070,
    INT_STATUS = 0x060
};

static struct virtio_dev dev;
static struct virtio_queue queues[QUEUES];
static struct guest_mem mem;
static u8 config[CONFIG_MAX];
static u8 echo_buf[ECHO_MAX];
static struct vq_seg echo_segs[ECHO_SEGS];
static u16 driver_idx;
static u64 offer; /* the device's features and the transport's */

/* ---------------------------------------------------------------- the echo device */

static int echo_config_read(struct virtio_dev *d, u32 offset, unsigned width, u64 *value)
{
    FUZZ_CHECK(d == &dev && offset + width <= dev.config_size);
    *value = 0;
    memcpy(value, config + offset, width);
    return 0;
}

static int echo_config_write(struct virtio_dev *d, u32 offset, unsigned width, u64 value)
{
    FUZZ_CHECK(d == &dev && offset + width <= dev.config_size);
    memcpy(config + offset, &value, width);
    return 0;
}

/* Serves queue q: each request's readable bytes come back in its writable ones. */
static void echo_notify(struct virtio_dev *d, u32 q)
{
    struct virtqueue *vq = virtio_dev_queue(d, q);
    struct vq_chain c = {.segs = echo_segs, .max_segs = ECHO_SEGS};

    FUZZ_CHECK(d == &dev && virtio_dev_live(d) && q < QUEUES && vq);
    for (u32 n = 0; n < POPS_MAX && vq_pop(vq, &c) > 0; n++) {
        u64 len = vq_chain_read(&c, 0, echo_buf, MIN(c.readable_len, ECHO_MAX));
        u64 written = vq_chain_write(&c, 0, echo_buf, len);
        FUZZ_CHECK(vq_push(vq, c.head, (u32)written) == 0);
    }
    virtio_dev_notify_used(d, q);
}

static void echo_reset(struct virtio_dev *d)
{
    FUZZ_CHECK(d == &dev && dev.status == 0);
}

static void echo_raise_irq(struct virtio_dev *d)
{
    FUZZ_CHECK(d == &dev && (dev.interrupt_status & INT_BITS));
}

static const struct virtio_dev_ops echo_ops = {
    .config_read = echo_config_read,
    .config_write = echo_config_write,
    .notify = echo_notify,
    .reset = echo_reset,
};

/* ---------------------------------------------------------------- the rules */

static bool ring_reset_negotiated(void)
{
    return (dev.status & VIRTIO_STATUS_FEATURES_OK) &&
           (dev.driver_features & VIRTIO_FEATURE(VIRTIO_F_RING_RESET));
}

static bool access_allowed(u64 offset, unsigned width, bool write)
{
    if (offset >= VIRTIO_MMIO_CONFIG) {
        u64 off = offset - VIRTIO_MMIO_CONFIG;
        return (width == 1 || width == 2 || width == 4 || width == 8) && off % width == 0 &&
               off + width <= dev.config_size;
    }
    if (width != sizeof(u32) || offset % sizeof(u32))
        return false;
    for (u32 i = 0; i < ARRAY_SIZE(regs); i++)
        if (regs[i].offset == offset)
            return (write ? regs[i].write : regs[i].read) &&
                   (offset != REG_QUEUE_RESET || ring_reset_negotiated());
    return false;
}

/* What the identification and feature registers must read. */
static bool fixed_read(u64 offset, u64 *want)
{
    switch (offset) {
    case MAGIC:
        *want = VIRTIO_MMIO_MAGIC;
        return true;
    case VERSION:
        *want = VIRTIO_MMIO_VERSION;
        return true;
    case DEVICE_ID:
        *want = ECHO_DEVICE_ID;
        return true;
    case VENDOR_ID:
        *want = VIRTIO_MMIO_VENDOR_ID;
        return true;
    case FEATURES:
        *want = dev.device_features_sel < 2 ? (u32)(offer >> (32 * dev.device_features_sel)) : 0;
        return true;
    case QUEUE_NUM_MAX:
        *want = dev.queue_sel < QUEUES ? queues[dev.queue_sel].num_max : 0;
        return true;
    case STATUS:
        *want = dev.status;
        return true;
    case 0x0b0:
    case 0x0b4:
    case 0x0b8:
    case 0x0bc:
        *want = NO_SHM;
        return true;
    default:
        return false;
    }
}

static void check_state(void)
{
    u32 s = dev.status;

    FUZZ_CHECK(!(s & ~(DRIVER_BITS | VIRTIO_STATUS_NEEDS_RESET)));
    FUZZ_CHECK(!(dev.interrupt_status & ~INT_BITS));
    if (s & VIRTIO_STATUS_FEATURES_OK) {
        FUZZ_CHECK((s & VIRTIO_STATUS_ACKNOWLEDGE) && (s & VIRTIO_STATUS_DRIVER));
        FUZZ_CHECK(!(dev.driver_features & ~offer) && !dev.driver_features_unknown);
        FUZZ_CHECK(dev.driver_features & VERSION_1_BIT);
    }
    FUZZ_CHECK(!(s & VIRTIO_STATUS_DRIVER_OK) || (s & VIRTIO_STATUS_FEATURES_OK));
    for (u32 q = 0; q < QUEUES; q++) {
        const struct virtio_queue *vq = &queues[q];
        if (vq->vq.ready)
            FUZZ_CHECK(vq->ready && (s & VIRTIO_STATUS_FEATURES_OK) && vq->num <= vq->num_max &&
                       vq->vq.size == vq->num);
        FUZZ_CHECK((virtio_dev_queue(&dev, q) != NULL) == (virtio_dev_live(&dev) && vq->vq.ready));
    }
}

/* ---------------------------------------------------------------- the guest */

static u64 pick_offset(struct fuzz_input *in)
{
    switch (fuzz_below(in, 4)) {
    case 0:
    case 1:
        return regs[fuzz_below(in, ARRAY_SIZE(regs))].offset;
    case 2:
        return VIRTIO_MMIO_CONFIG + fuzz_below(in, CONFIG_MAX + 8);
    default:
        return fuzz_u16(in) % VIRTIO_MMIO_SIZE;
    }
}

/* Values that matter: small numbers (status bits, selectors, sizes), single bits (feature
 * bits), the low word of a ring address in RAM, anything. */
static u64 pick_value(struct fuzz_input *in)
{
    static const u64 ring_offs[] = {FUZZ_DESC_OFF, FUZZ_AVAIL_OFF, FUZZ_USED_OFF};

    switch (fuzz_below(in, 5)) {
    case 0:
    case 1:
        return fuzz_below(in, 16);
    case 2:
        return 1ULL << fuzz_below(in, 32);
    case 3:
        return (u32)(FUZZ_RAM_BASE + ring_offs[fuzz_below(in, ARRAY_SIZE(ring_offs))]);
    default:
        return fuzz_u64(in);
    }
}

static void mmio(struct fuzz_input *in, bool write)
{
    static const unsigned widths[] = {4, 4, 4, 1, 2, 8};
    u64 offset = pick_offset(in);
    unsigned width = widths[fuzz_below(in, ARRAY_SIZE(widths))];
    u64 value = write ? pick_value(in) : 0, want;
    bool allowed = access_allowed(offset, width, write);
    u64 got = ~0ULL;

    int err = write ? virtio_mmio_write(&dev, offset, width, value)
                    : virtio_mmio_read(&dev, offset, width, &got);
    if ((err == 0) != allowed)
        FUZZ_FAIL("%s of %u bytes at 0x%lx: %d, the register map says %s", write ? "write" : "read",
                  width, offset, err, allowed ? "allowed" : "refused");
    FUZZ_CHECK(err == 0 || err == -EINVAL);
    if (!err && !write && fixed_read(offset, &want) && got != want)
        FUZZ_FAIL("read at 0x%lx: 0x%lx, expected 0x%lx", offset, got, want);
    if (!err && !write && offset == INT_STATUS)
        FUZZ_CHECK(got == dev.interrupt_status);
}

/* One operation: register read or write, descriptor, offer, RAM scribble, config change. */
static void run_op(struct fuzz_input *in)
{
    u32 sel = dev.queue_sel < QUEUES ? dev.queue_sel : 0;

    switch (fuzz_below(in, OPS)) {
    case 0:
        mmio(in, false);
        break;
    case 1:
    case 2:
    case 3:
        mmio(in, true);
        break;
    case 4:
        fuzz_ring_write_desc(in);
        break;
    case 5:
        fuzz_ring_offer(in, queues[sel].num, &driver_idx);
        break;
    case 6:
        fuzz_ring_scribble(in);
        break;
    default:
        virtio_dev_config_changed(&dev);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in;

    fuzz_input_init(&in, data, size);
    fuzz_ram_reset();
    memset(queues, 0, sizeof(queues));
    memset(config, 0, sizeof(config));
    mem = (struct guest_mem){.ctx = NULL, .map = fuzz_ram_map};
    driver_idx = 0;
    for (u32 q = 0; q < QUEUES; q++)
        queues[q].num_max = 1U << (3 + q + fuzz_below(&in, 8)); /* 8.. and 16.. entries */
    u32 config_size = fuzz_below(&in, CONFIG_MAX + 1);
    u64 features = fuzz_u64(&in) & VIRTIO_DEVICE_FEATURE_MASK;
    offer = features | TRANSPORT_FEATURES;
    dev = (struct virtio_dev){
        .name = "echo",
        .device_id = ECHO_DEVICE_ID,
        .features = features,
        .config_size = config_size,
        .nr_queues = QUEUES,
        .queues = queues,
        .ops = &echo_ops,
        .mem = &mem,
        .raise_irq = echo_raise_irq,
    };
    FUZZ_CHECK(virtio_dev_init(&dev) == 0);
    while (fuzz_remaining(&in)) {
        run_op(&in);
        check_state();
    }
    return 0;
}
