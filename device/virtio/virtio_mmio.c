/* The virtio-mmio version 2 register file (see virtio_mmio.h). */
#include <device/virtio/virtio_mmio.h>
#include <device/virtio/virtio_spec.h>
#include <kernel/errno.h>
#include <kernel/log.h>

/* Control registers (virtio 1.2 §4.2.2). */
#define REG_MAGIC             0x000
#define REG_VERSION           0x004
#define REG_DEVICE_ID         0x008
#define REG_VENDOR_ID         0x00c
#define REG_DEVICE_FEATURES   0x010
#define REG_DEVICE_FEAT_SEL   0x014
#define REG_DRIVER_FEATURES   0x020
#define REG_DRIVER_FEAT_SEL   0x024
#define REG_QUEUE_SEL         0x030
#define REG_QUEUE_NUM_MAX     0x034
#define REG_QUEUE_NUM         0x038
#define REG_QUEUE_READY       0x044
#define REG_QUEUE_NOTIFY      0x050
#define REG_INTERRUPT_STATUS  0x060
#define REG_INTERRUPT_ACK     0x064
#define REG_STATUS            0x070
#define REG_QUEUE_DESC_LOW    0x080
#define REG_QUEUE_DESC_HIGH   0x084
#define REG_QUEUE_DRIVER_LOW  0x090
#define REG_QUEUE_DRIVER_HIGH 0x094
#define REG_QUEUE_DEVICE_LOW  0x0a0
#define REG_QUEUE_DEVICE_HIGH 0x0a4
#define REG_SHM_SEL           0x0ac
#define REG_SHM_LEN_LOW       0x0b0
#define REG_SHM_LEN_HIGH      0x0b4
#define REG_SHM_BASE_LOW      0x0b8
#define REG_SHM_BASE_HIGH     0x0bc
#define REG_QUEUE_RESET       0x0c0
#define REG_CONFIG_GENERATION 0x0fc

#define REG_WIDTH       4
#define WORD_BITS       32
#define FEATURE_WORDS   2
#define NO_SHM_REGION   0xffffffffU /* SHMLen and SHMBase of a region that does not exist */
#define NOTIFY_QUEUE    0xffff      /* QueueNotify carries the queue index (no NOTIFICATION_DATA) */
#define QUEUE_READY_BIT 0x1         /* QueueReady */
#define QUEUE_RESET_BIT 0x1         /* QueueReset */

#define TRANSPORT_FEATURES                                                                         \
    (VIRTIO_FEATURE(VIRTIO_F_VERSION_1) | VIRTIO_FEATURE(VIRTIO_F_INDIRECT_DESC) |                 \
     VIRTIO_FEATURE(VIRTIO_F_EVENT_IDX) | VIRTIO_FEATURE(VIRTIO_F_RING_RESET))
#define DRIVER_STATUS_BITS                                                                         \
    (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |                \
     VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FAILED)

/* ---------------------------------------------------------------- state */

static void clear_queue(struct virtio_queue *q)
{
    q->num = 0;
    q->desc = q->driver = q->device = 0;
    q->ready = false;
    vq_reset(&q->vq);
}

static void reset_transport(struct virtio_dev *dev)
{
    for (u32 i = 0; i < dev->nr_queues; i++)
        clear_queue(&dev->queues[i]);
    dev->driver_features = 0;
    dev->driver_features_unknown = false;
    dev->device_features_sel = dev->driver_features_sel = 0;
    dev->queue_sel = 0;
    dev->status = 0;
    dev->interrupt_status = 0;
}

int virtio_dev_init(struct virtio_dev *dev)
{
    if (!dev->nr_queues || !dev->queues || !dev->ops || !dev->ops->notify || !dev->mem ||
        !dev->raise_irq || dev->config_size > VIRTIO_MMIO_CONFIG_MAX ||
        (dev->config_size && !dev->ops->config_read) ||
        (dev->features & ~VIRTIO_DEVICE_FEATURE_MASK))
        return -EINVAL;
    for (u32 i = 0; i < dev->nr_queues; i++)
        if (!vq_size_valid(dev->queues[i].num_max))
            return -EINVAL;
    dev->offered = dev->features | TRANSPORT_FEATURES;
    dev->config_generation = 0;
    dev->failures = 0;
    reset_transport(dev);
    return 0;
}

bool virtio_dev_live(const struct virtio_dev *dev)
{
    return (dev->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET |
                           VIRTIO_STATUS_FAILED)) == VIRTIO_STATUS_DRIVER_OK;
}

bool virtio_dev_has_feature(const struct virtio_dev *dev, u32 bit)
{
    return (dev->status & VIRTIO_STATUS_FEATURES_OK) && bit < FEATURE_WORDS * WORD_BITS &&
           (dev->driver_features & VIRTIO_FEATURE(bit));
}

struct virtqueue *virtio_dev_queue(struct virtio_dev *dev, u32 q)
{
    if (!virtio_dev_live(dev) || q >= dev->nr_queues || !dev->queues[q].vq.ready)
        return NULL;
    return &dev->queues[q].vq;
}

static void raise_interrupt(struct virtio_dev *dev, u32 bits)
{
    u32 before = dev->interrupt_status;

    dev->interrupt_status |= bits;
    if (!before)
        dev->raise_irq(dev);
}

void virtio_dev_notify_used(struct virtio_dev *dev, u32 q)
{
    if (q < dev->nr_queues && vq_need_notify(&dev->queues[q].vq))
        raise_interrupt(dev, VIRTIO_INT_USED);
}

void virtio_dev_config_changed(struct virtio_dev *dev)
{
    dev->config_generation++;
    if (dev->status & VIRTIO_STATUS_DRIVER_OK)
        raise_interrupt(dev, VIRTIO_INT_CONFIG);
}

/* One more error: logged while the device is within its limit (virtio_mmio.h). */
static void log_failure(struct virtio_dev *dev, u32 q, const char *why)
{
    u64 n = ++dev->failures;

    if (n < VIRTIO_FAIL_LOG_LIMIT)
        log_warn("virtio %s: queue %u: %s; device needs reset", dev->name, q, why);
    else if (n == VIRTIO_FAIL_LOG_LIMIT)
        log_warn("virtio %s: queue %u: %s; device needs reset (error %u: further ones are "
                 "counted, not logged)",
                 dev->name, q, why, VIRTIO_FAIL_LOG_LIMIT);
}

void virtio_dev_fail(struct virtio_dev *dev, u32 q, const char *why)
{
    if (dev->status & VIRTIO_STATUS_NEEDS_RESET)
        return;
    log_failure(dev, q, why);
    dev->status |= VIRTIO_STATUS_NEEDS_RESET;
    if (dev->status & VIRTIO_STATUS_DRIVER_OK)
        raise_interrupt(dev, VIRTIO_INT_CONFIG);
}

/* ---------------------------------------------------------------- queues */

static struct virtio_queue *selected_queue(struct virtio_dev *dev)
{
    return dev->queue_sel < dev->nr_queues ? &dev->queues[dev->queue_sel] : NULL;
}

static void notify_queue(struct virtio_dev *dev, u32 q)
{
    struct virtqueue *vq = virtio_dev_queue(dev, q);

    if (!vq)
        return;
    dev->ops->notify(dev, q);
    if (vq_error(vq))
        virtio_dev_fail(dev, q, vq_strerror(vq_error(vq)));
}

/* Stops queue q: no more ring accesses, the device forgets what it took from it. */
static void stop_queue(struct virtio_dev *dev, u32 q)
{
    vq_reset(&dev->queues[q].vq);
    if (dev->ops->queue_reset)
        dev->ops->queue_reset(dev, q);
}

static void enable_queue(struct virtio_dev *dev, u32 q)
{
    struct virtio_queue *vq = &dev->queues[q];
    u32 flags = 0;
    int err;

    if (!(dev->status & VIRTIO_STATUS_FEATURES_OK)) {
        virtio_dev_fail(dev, q, "queue enabled before FEATURES_OK");
        return;
    }
    if (vq->num > vq->num_max) {
        virtio_dev_fail(dev, q, "queue size above QueueNumMax");
        return;
    }
    if (virtio_dev_has_feature(dev, VIRTIO_F_EVENT_IDX))
        flags |= VQ_F_EVENT_IDX;
    if (virtio_dev_has_feature(dev, VIRTIO_F_INDIRECT_DESC))
        flags |= VQ_F_INDIRECT;
    err = vq_configure(&vq->vq, dev->mem, vq->num, vq->desc, vq->driver, vq->device, flags);
    if (err)
        virtio_dev_fail(dev, q, vq_strerror(err));
}

static void write_queue_ready(struct virtio_dev *dev, struct virtio_queue *q, u32 value)
{
    bool ready = value & QUEUE_READY_BIT;

    if (ready == q->ready)
        return;
    q->ready = ready;
    if (ready)
        enable_queue(dev, dev->queue_sel);
    else
        stop_queue(dev, dev->queue_sel);
}

static void write_queue_reset(struct virtio_dev *dev, struct virtio_queue *q, u32 value)
{
    if (!(value & QUEUE_RESET_BIT))
        return;
    clear_queue(q);
    stop_queue(dev, dev->queue_sel);
}

static void set_low(u64 *reg, u32 value)
{
    *reg = (*reg & ~(u64)UINT32_MAX) | value;
}

static void set_high(u64 *reg, u32 value)
{
    *reg = (*reg & UINT32_MAX) | (u64)value << WORD_BITS;
}

/* QueueNum and the ring addresses: ignored while the queue is ready. */
static void write_queue_setup(struct virtio_queue *q, u64 offset, u32 value)
{
    if (q->ready)
        return;
    switch (offset) {
    case REG_QUEUE_NUM:
        q->num = value;
        break;
    case REG_QUEUE_DESC_LOW:
        set_low(&q->desc, value);
        break;
    case REG_QUEUE_DESC_HIGH:
        set_high(&q->desc, value);
        break;
    case REG_QUEUE_DRIVER_LOW:
        set_low(&q->driver, value);
        break;
    case REG_QUEUE_DRIVER_HIGH:
        set_high(&q->driver, value);
        break;
    case REG_QUEUE_DEVICE_LOW:
        set_low(&q->device, value);
        break;
    case REG_QUEUE_DEVICE_HIGH:
        set_high(&q->device, value);
        break;
    }
}

/* ---------------------------------------------------------------- status and features */

static bool features_acceptable(const struct virtio_dev *dev)
{
    return !dev->driver_features_unknown && !(dev->driver_features & ~dev->offered) &&
           (dev->driver_features & VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
}

/* The driver's reset (Status 0), and the first part of the hypervisor's. */
static void reset_device(struct virtio_dev *dev)
{
    reset_transport(dev);
    if (dev->ops->reset)
        dev->ops->reset(dev);
}

void virtio_dev_reset(struct virtio_dev *dev)
{
    if (dev->failures > VIRTIO_FAIL_LOG_LIMIT)
        log_warn("virtio %s: needed reset %lu times, %lu of them not logged", dev->name,
                 dev->failures, dev->failures - VIRTIO_FAIL_LOG_LIMIT);
    dev->failures = 0;
    reset_device(dev);
}

static void write_status(struct virtio_dev *dev, u32 value)
{
    u32 added, status;

    if (value == 0) {
        reset_device(dev);
        return;
    }
    added = value & DRIVER_STATUS_BITS & ~dev->status;
    status = dev->status | added;
    if ((added & VIRTIO_STATUS_FEATURES_OK) &&
        (!(status & VIRTIO_STATUS_ACKNOWLEDGE) || !(status & VIRTIO_STATUS_DRIVER) ||
         !features_acceptable(dev)))
        status &= ~VIRTIO_STATUS_FEATURES_OK;
    if ((added & VIRTIO_STATUS_DRIVER_OK) && !(status & VIRTIO_STATUS_FEATURES_OK))
        status &= ~VIRTIO_STATUS_DRIVER_OK;
    dev->status = status;
    if ((added & status & VIRTIO_STATUS_DRIVER_OK))
        for (u32 q = 0; q < dev->nr_queues; q++)
            notify_queue(dev, q);
}

static void write_driver_features(struct virtio_dev *dev, u32 value)
{
    u32 sel = dev->driver_features_sel;

    if (dev->status & VIRTIO_STATUS_FEATURES_OK)
        return;
    if (sel >= FEATURE_WORDS) {
        if (value)
            dev->driver_features_unknown = true;
        return;
    }
    if (sel == 0)
        set_low(&dev->driver_features, value);
    else
        set_high(&dev->driver_features, value);
}

static u32 device_features_word(const struct virtio_dev *dev)
{
    if (dev->device_features_sel >= FEATURE_WORDS)
        return 0;
    return (u32)(dev->offered >> (WORD_BITS * dev->device_features_sel));
}

static void write_interrupt_ack(struct virtio_dev *dev, u32 value)
{
    dev->interrupt_status &= ~value;
    if (dev->interrupt_status)
        dev->raise_irq(dev);
}

static bool ring_reset_negotiated(const struct virtio_dev *dev)
{
    return virtio_dev_has_feature(dev, VIRTIO_F_RING_RESET);
}

/* ---------------------------------------------------------------- config space */

static bool config_access_ok(const struct virtio_dev *dev, u64 offset, unsigned width)
{
    return (width == 1 || width == 2 || width == 4 || width == 8) && IS_ALIGNED(offset, width) &&
           offset < dev->config_size && width <= dev->config_size - offset;
}

static int config_read(struct virtio_dev *dev, u64 offset, unsigned width, u64 *value)
{
    if (!config_access_ok(dev, offset, width))
        return -EINVAL;
    return dev->ops->config_read(dev, offset, width, value);
}

static int config_write(struct virtio_dev *dev, u64 offset, unsigned width, u64 value)
{
    if (!config_access_ok(dev, offset, width) || !dev->ops->config_write)
        return -EINVAL;
    return dev->ops->config_write(dev, offset, width, value);
}

/* ---------------------------------------------------------------- register access */

static int read_queue_reg(struct virtio_dev *dev, u64 offset, u32 *value)
{
    struct virtio_queue *q = selected_queue(dev);

    switch (offset) {
    case REG_QUEUE_NUM_MAX:
        *value = q ? q->num_max : 0;
        return 0;
    case REG_QUEUE_READY:
        *value = q && q->ready;
        return 0;
    case REG_QUEUE_RESET:
        if (!ring_reset_negotiated(dev))
            return -EINVAL;
        *value = 0; /* resets complete at once */
        return 0;
    default:
        return -EINVAL;
    }
}

static int read_reg(struct virtio_dev *dev, u64 offset, u32 *value)
{
    switch (offset) {
    case REG_MAGIC:
        *value = VIRTIO_MMIO_MAGIC;
        return 0;
    case REG_VERSION:
        *value = VIRTIO_MMIO_VERSION;
        return 0;
    case REG_DEVICE_ID:
        *value = dev->device_id;
        return 0;
    case REG_VENDOR_ID:
        *value = VIRTIO_MMIO_VENDOR_ID;
        return 0;
    case REG_DEVICE_FEATURES:
        *value = device_features_word(dev);
        return 0;
    case REG_INTERRUPT_STATUS:
        *value = dev->interrupt_status;
        return 0;
    case REG_STATUS:
        *value = dev->status;
        return 0;
    case REG_SHM_LEN_LOW:
    case REG_SHM_LEN_HIGH:
    case REG_SHM_BASE_LOW:
    case REG_SHM_BASE_HIGH:
        *value = NO_SHM_REGION;
        return 0;
    case REG_CONFIG_GENERATION:
        *value = dev->config_generation;
        return 0;
    default:
        return read_queue_reg(dev, offset, value);
    }
}

static int write_queue_reg(struct virtio_dev *dev, u64 offset, u32 value)
{
    struct virtio_queue *q = selected_queue(dev);

    switch (offset) {
    case REG_QUEUE_NUM:
    case REG_QUEUE_DESC_LOW:
    case REG_QUEUE_DESC_HIGH:
    case REG_QUEUE_DRIVER_LOW:
    case REG_QUEUE_DRIVER_HIGH:
    case REG_QUEUE_DEVICE_LOW:
    case REG_QUEUE_DEVICE_HIGH:
        if (q)
            write_queue_setup(q, offset, value);
        return 0;
    case REG_QUEUE_READY:
        if (q)
            write_queue_ready(dev, q, value);
        return 0;
    case REG_QUEUE_RESET:
        if (!ring_reset_negotiated(dev))
            return -EINVAL;
        if (q)
            write_queue_reset(dev, q, value);
        return 0;
    default:
        return -EINVAL;
    }
}

static int write_reg(struct virtio_dev *dev, u64 offset, u32 value)
{
    switch (offset) {
    case REG_DEVICE_FEAT_SEL:
        dev->device_features_sel = value;
        return 0;
    case REG_DRIVER_FEATURES:
        write_driver_features(dev, value);
        return 0;
    case REG_DRIVER_FEAT_SEL:
        dev->driver_features_sel = value;
        return 0;
    case REG_QUEUE_SEL:
        dev->queue_sel = value;
        return 0;
    case REG_QUEUE_NOTIFY:
        notify_queue(dev, value & NOTIFY_QUEUE);
        return 0;
    case REG_INTERRUPT_ACK:
        write_interrupt_ack(dev, value);
        return 0;
    case REG_STATUS:
        write_status(dev, value);
        return 0;
    case REG_SHM_SEL: /* no shared memory regions: every selection reads as absent */
        return 0;
    default:
        return write_queue_reg(dev, offset, value);
    }
}

int virtio_mmio_read(struct virtio_dev *dev, u64 offset, unsigned width, u64 *value)
{
    u32 word;
    int err;

    if (offset >= VIRTIO_MMIO_CONFIG)
        return config_read(dev, offset - VIRTIO_MMIO_CONFIG, width, value);
    if (width != REG_WIDTH || !IS_ALIGNED(offset, REG_WIDTH))
        return -EINVAL;
    err = read_reg(dev, offset, &word);
    if (!err)
        *value = word;
    return err;
}

int virtio_mmio_write(struct virtio_dev *dev, u64 offset, unsigned width, u64 value)
{
    if (offset >= VIRTIO_MMIO_CONFIG)
        return config_write(dev, offset - VIRTIO_MMIO_CONFIG, width, value);
    if (width != REG_WIDTH || !IS_ALIGNED(offset, REG_WIDTH))
        return -EINVAL;
    return write_reg(dev, offset, (u32)value);
}
