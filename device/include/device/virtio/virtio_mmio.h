/*
 * The virtio-mmio version 2 transport (virtio 1.2 §4.2): the register file of one device as
 * a state machine that knows nothing of the device type.  A device type (console, net, blk)
 * embeds a struct virtio_dev, fills its description and ops, calls virtio_dev_init() and
 * routes the guest's accesses to its MMIO window into virtio_mmio_read()/virtio_mmio_write().
 *
 * Registers: only aligned 32-bit accesses, except the device config space at 0x100, which
 * takes naturally aligned accesses of 1, 2, 4 or 8 bytes inside config_size and is served by
 * the device's callbacks.  Reading a write-only register, writing a read-only one, any other
 * width or offset returns -EINVAL (the MMIO layer turns it into an access fault).  Protocol
 * mistakes of the driver are not faults: writes to the queue registers while the queue is
 * ready, or to the driver features after FEATURES_OK, are ignored.
 *
 * Features: the transport offers VERSION_1, INDIRECT_DESC, EVENT_IDX and RING_RESET on top of
 * the device's own bits.  FEATURES_OK sticks only when the driver's features (both 32-bit
 * words, selected by DriverFeaturesSel) are a subset of the offer and include VERSION_1.
 *
 * Status: writing 0 resets the device (transport state, every queue, then ops->reset);
 * other writes can only add driver bits (ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK,
 * FAILED).  FEATURES_OK needs ACKNOWLEDGE and DRIVER; DRIVER_OK needs FEATURES_OK.  When
 * DRIVER_OK is set every ready queue is notified once, for the buffers the driver made
 * available before.
 *
 * Queues: QueueReady=1 latches QueueNum and the three ring addresses into the virtqueue
 * (FEATURES_OK first; the size must be at most QueueNumMax).  QueueReady=0 stops the queue;
 * QueueReset=1 (VIRTIO_F_RING_RESET negotiated) also clears its registers.  A device with
 * in-flight requests drops them in ops->queue_reset.  There are no shared memory regions
 * (SHMLen and SHMBase read all ones).
 *
 * Errors: a ring the driver cannot configure, or a queue that broke (virtqueue.h), puts the
 * device in NEEDS_RESET: the error is logged, the status gains NEEDS_RESET, a configuration
 * change interrupt is sent if DRIVER_OK is set, and the device takes no more notifications
 * until the driver resets it.  The VM and the hypervisor go on.  A driver that breaks its
 * rings and resets the device in a loop would flood the log: each device logs its first
 * VIRTIO_FAIL_LOG_LIMIT errors (the last of them says so) and counts the others, and
 * virtio_dev_reset() (the VM stopped or restarts) logs that count and starts over.
 *
 * Interrupts: InterruptStatus bit 0 (used buffers) and bit 1 (configuration change).
 * raise_irq is called when a bit is set while none was pending, and again after an
 * InterruptACK that leaves bits set, which is a level-triggered line on an edge-triggered
 * interrupt controller.
 *
 * Not thread-safe: the caller serialises all calls for one device (the device's lock), and
 * the callbacks run under it.
 */
#ifndef DEVICE_VIRTIO_VIRTIO_MMIO_H
#define DEVICE_VIRTIO_VIRTIO_MMIO_H

#include <device/virtio/virtqueue.h>
#include <kernel/types.h>

#define VIRTIO_MMIO_MAGIC      0x74726976 /* "virt" */
#define VIRTIO_MMIO_VERSION    2
#define VIRTIO_MMIO_VENDOR_ID  0x50594853 /* "SHYP" */
#define VIRTIO_MMIO_CONFIG     0x100      /* offset of the device config space */
#define VIRTIO_MMIO_SIZE       0x1000     /* one device's window */
#define VIRTIO_MMIO_CONFIG_MAX (VIRTIO_MMIO_SIZE - VIRTIO_MMIO_CONFIG)

#define VIRTIO_INT_USED   0x1
#define VIRTIO_INT_CONFIG 0x2

/* Errors of one device logged in full between two virtio_dev_reset() (above). */
#define VIRTIO_FAIL_LOG_LIMIT 8

struct virtio_dev;

/* What a device type provides.  notify is required. */
struct virtio_dev_ops {
    /* Config space access at `offset` (width 1/2/4/8, aligned, inside config_size); 0 or
     * -EINVAL.  config_read is required when config_size > 0; without config_write the space
     * is read-only (writes fault). */
    int (*config_read)(struct virtio_dev *dev, u32 offset, unsigned width, u64 *value);
    int (*config_write)(struct virtio_dev *dev, u32 offset, unsigned width, u64 value);
    /* The driver made buffers available in queue q (ready, device live). */
    void (*notify)(struct virtio_dev *dev, u32 q);
    /* Queue q was stopped or reset: forget requests taken from it (optional). */
    void (*queue_reset)(struct virtio_dev *dev, u32 q);
    /* The driver reset the device: forget everything in flight (optional: nothing is kept
     * between two calls of the device's code). */
    void (*reset)(struct virtio_dev *dev);
};

/* One queue: the device sets num_max; the rest is transport state. */
struct virtio_queue {
    u32 num_max; /* power of two, at most 32768 */
    u32 num;
    u64 desc, driver, device; /* ring addresses as written by the driver */
    bool ready;               /* the QueueReady register */
    struct virtqueue vq;
};

struct virtio_dev {
    /* Set by the device type before virtio_dev_init(). */
    const char *name;
    u32 device_id;
    u64 features; /* the device type's own bits (VIRTIO_DEVICE_FEATURE_MASK) */
    u32 config_size;
    u32 nr_queues;
    struct virtio_queue *queues;
    const struct virtio_dev_ops *ops;
    const struct guest_mem *mem;
    /* Set by whoever wires the device to the VM: asserts its interrupt (edge). */
    void (*raise_irq)(struct virtio_dev *dev);

    /* Transport state. */
    u64 offered;                  /* features offered: device's plus the transport's */
    u64 driver_features;          /* written by the driver */
    bool driver_features_unknown; /* the driver set bits above 63 */
    u32 device_features_sel, driver_features_sel;
    u32 queue_sel;
    u32 status;
    u32 interrupt_status;
    u32 config_generation;
    u64 failures; /* errors (NEEDS_RESET) since init or virtio_dev_reset(): the log limit */
};

/* Checks the description (-EINVAL: no queue, a bad num_max, a config space larger than the
 * window, missing ops or callbacks, device features in the transport's range) and resets
 * the transport state. */
int virtio_dev_init(struct virtio_dev *dev);

/* Resets the device from the hypervisor's side (the VM stopped): the same as the driver
 * writing 0 to Status, and the error log's count is logged if errors went unlogged, then
 * cleared. */
void virtio_dev_reset(struct virtio_dev *dev);

/* A guest access at `offset` into the device's window. */
int virtio_mmio_read(struct virtio_dev *dev, u64 offset, unsigned width, u64 *value);
int virtio_mmio_write(struct virtio_dev *dev, u64 offset, unsigned width, u64 value);

/* True when the driver set DRIVER_OK and the device needs no reset: it may use its queues. */
bool virtio_dev_live(const struct virtio_dev *dev);
/* True when feature `bit` was negotiated (FEATURES_OK set). */
bool virtio_dev_has_feature(const struct virtio_dev *dev, u32 bit);
/* Queue q when the device is live and the queue ready, else NULL. */
struct virtqueue *virtio_dev_queue(struct virtio_dev *dev, u32 q);

/* After vq_push() on queue q: interrupts the driver if the ring asks for it. */
void virtio_dev_notify_used(struct virtio_dev *dev, u32 q);
/* The device changed its config space: new generation, configuration change interrupt. */
void virtio_dev_config_changed(struct virtio_dev *dev);
/* Queue q is unusable (`why`, e.g. vq_strerror(vq_error(vq))): NEEDS_RESET as described
 * above, logged once (within the device's log limit); nothing when NEEDS_RESET is set. */
void virtio_dev_fail(struct virtio_dev *dev, u32 q, const char *why);

#endif
