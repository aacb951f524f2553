/*
 * virtio-net device (EMU_DEV_VIRTIO_NET, cfg = the 6 bytes of its MAC address): one port of
 * the inter-VM Ethernet switch (net_switch.h); docs/virtio.md, "virtio-net and the switch".
 *
 * Two queues, receive (0) and transmit (1), of NET_QUEUE_SIZE entries.  Features: MAC,
 * STATUS (the link is always up) and MTU (1500); no checksum or segmentation offloads, no
 * mergeable receive buffers, no control queue.  Every buffer chain starts with the 12-byte
 * struct virtio_net_hdr (VERSION_1 layout); the transmitted header is ignored, a received
 * one says "no offload, one buffer".
 *
 * Transmit.  A kick of the transmit queue only asks for the transmit path (under the device
 * lock); the frames are switched after the guest's register write released the device lock
 * (virtio_emu.h's post_unlock hook), one at a time, under the device's tx_lock so that two
 * vCPUs kicking keep them in order:
 *   1. under the device lock: pop a chain, copy its frame into the bounce buffer, return
 *      the chain (frames that are too short or too long are returned and dropped);
 *   2. under the links lock: the switch's decision, then each destination under its own
 *      device lock: pop a receive chain, write header and frame, return it, interrupt.
 * A destination whose driver is not running, whose queue is not ready or has no free
 * buffer drops the frame; the sender never waits for a receiver.  At most NET_TX_BURST
 * frames per notification; the rest waits for the driver's next one.
 */
#include <device/mmio.h>
#include <device/virtio/net_switch.h>
#include <device/virtio/virtio_emu.h>
#include <device/virtio/virtio_spec.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page_alloc.h>
#include <kernel/time.h>
#include <string.h>
#include <vmm/vm.h>

#define NET_QUEUE_RX   0
#define NET_QUEUE_TX   1
#define NET_NR_QUEUES  2
#define NET_QUEUE_SIZE 256
/* Room for any well-formed chain: a whole descriptor table, then a whole indirect one. */
#define NET_MAX_SEGS (2 * NET_QUEUE_SIZE)
/* Frames switched per transmit notification: twice a full queue, so that only a guest
 * refilling its queue from other harts meanwhile reaches it (see transmit()). */
#define NET_TX_BURST (2 * NET_QUEUE_SIZE)

/* Device feature bits and status (virtio 1.2 §5.1.3, §5.1.4). */
#define VIRTIO_NET_F_MTU     3
#define VIRTIO_NET_F_MAC     5
#define VIRTIO_NET_F_STATUS  16
#define VIRTIO_NET_S_LINK_UP 1
#define NET_FEATURES                                                                               \
    (VIRTIO_FEATURE(VIRTIO_NET_F_MTU) | VIRTIO_FEATURE(VIRTIO_NET_F_MAC) |                         \
     VIRTIO_FEATURE(VIRTIO_NET_F_STATUS))

/* Learned addresses expire after this long without a frame from them. */
#define NET_AGEING_SECONDS 300

struct virtio_net_config {
    u8 mac[ETH_ALEN];
    u16 status;
    u16 max_virtqueue_pairs;
    u16 mtu;
} __packed;

struct virtio_net_hdr {
    u8 flags;
    u8 gso_type;
    u16 hdr_len;
    u16 gso_size;
    u16 csum_start;
    u16 csum_offset;
    u16 num_buffers;
} __packed;

_Static_assert(sizeof(struct virtio_net_config) == 12, "virtio-net config layout");
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr_v1 layout");

#define NET_HDR_LEN sizeof(struct virtio_net_hdr)

struct virtio_net {
    struct virtio_emu emu;
    struct virtio_queue queues[NET_NR_QUEUES];
    struct virtio_net_config config;
    u32 port;           /* in the switch */
    spinlock_t tx_lock; /* the transmit path, frame, frame_len, bad_frames, tx_paused */
    /* The frame being switched; any longer than NET_FRAME_MAX is not copied and has
     * frame_len NET_FRAME_MAX + 1 (the switch drops it by its length). */
    u32 frame_len;
    u8 frame[NET_FRAME_MAX];
    u32 bad_frames; /* frames the switch dropped as malformed (the first is logged) */
    u32 tx_paused;  /* transmissions cut at NET_TX_BURST (the first is logged) */
    struct vq_seg segs[NET_MAX_SEGS]; /* under the device lock */
};

#define NET_PAGES (ALIGN_UP(sizeof(struct virtio_net), PAGE_SIZE) / PAGE_SIZE)

/* The switch, under virtio_emu_links_lock() (initialised by the first device). */
static struct net_switch net_switch;
static bool net_switch_ready;

static const struct virtio_net_hdr rx_hdr = {.num_buffers = 1};

static struct virtio_net *to_net(struct virtio_dev *vdev)
{
    return container_of(vdev, struct virtio_net, emu.vdev);
}

static const char *net_name(const struct virtio_net *net)
{
    return net->emu.vdev.name;
}

/* ---------------------------------------------------------------- receive */

/* Delivers the frame into one receive chain of net, or drops it. */
static void receive(struct virtio_net *net, const u8 *frame, u32 len)
{
    struct virtio_dev *vdev = &net->emu.vdev;
    struct vq_chain chain = {.segs = net->segs, .max_segs = NET_MAX_SEGS};
    struct virtqueue *vq;
    u32 written = 0;
    int r;

    spin_lock(&net->emu.lock);
    vq = virtio_dev_queue(vdev, NET_QUEUE_RX);
    r = vq ? vq_pop(vq, &chain) : 0;
    if (r < 0)
        virtio_dev_fail(vdev, NET_QUEUE_RX, vq_strerror(r));
    if (r > 0) {
        /* A chain too small for the frame goes back empty: the driver drops it. */
        if (chain.writable_len >= NET_HDR_LEN + len) {
            vq_chain_write(&chain, 0, &rx_hdr, NET_HDR_LEN);
            vq_chain_write(&chain, NET_HDR_LEN, frame, len);
            written = NET_HDR_LEN + len;
        }
        vq_push(vq, chain.head, written);
        virtio_dev_notify_used(vdev, NET_QUEUE_RX);
    }
    spin_unlock(&net->emu.lock);
}

struct delivery {
    u64 ports;
    const u8 *frame;
    u32 len;
};

static void deliver(struct virtio_emu *emu, void *arg)
{
    const struct delivery *d = arg;
    struct virtio_net *net = to_net(&emu->vdev);

    if (d->ports & BIT(net->port))
        receive(net, d->frame, d->len);
}

/* ---------------------------------------------------------------- transmit */

/* Copies the next frame of the transmit queue into net->frame and returns its chain.
 * False when the queue is empty or unusable. */
static bool take_frame(struct virtio_net *net)
{
    struct virtio_dev *vdev = &net->emu.vdev;
    struct vq_chain chain = {.segs = net->segs, .max_segs = NET_MAX_SEGS};
    struct virtqueue *vq;
    int r = 0;

    spin_lock(&net->emu.lock);
    vq = virtio_dev_queue(vdev, NET_QUEUE_TX);
    if (vq) {
        vq_disable_notify(vq);
        r = vq_pop(vq, &chain);
        if (r == 0 && vq_enable_notify(vq)) /* a frame came as notifications came back */
            r = vq_pop(vq, &chain);
    }
    if (r < 0)
        virtio_dev_fail(vdev, NET_QUEUE_TX, vq_strerror(r));
    if (r > 0) {
        u64 len = chain.readable_len > NET_HDR_LEN ? chain.readable_len - NET_HDR_LEN : 0;
        net->frame_len = (u32)MIN(len, NET_FRAME_MAX + 1);
        vq_chain_read(&chain, NET_HDR_LEN, net->frame, MIN(len, NET_FRAME_MAX));
        vq_push(vq, chain.head, 0);
        virtio_dev_notify_used(vdev, NET_QUEUE_TX);
    }
    spin_unlock(&net->emu.lock);
    return r > 0;
}

/* Forwards net->frame to the ports the switch picks. */
static void switch_frame(struct virtio_net *net)
{
    struct delivery d = {.frame = net->frame, .len = net->frame_len};
    int err;

    virtio_emu_links_lock();
    err = net_switch_forward(&net_switch, net->port, net->frame, net->frame_len, time_now(),
                             &d.ports);
    if (d.ports)
        virtio_emu_for_each(VIRTIO_ID_NET, deliver, &d);
    virtio_emu_links_unlock();
    if (err && !net->bad_frames++)
        log_warn("vm%u: %s: transmitted frame dropped: %s (further ones silently)", net->emu.vm_id,
                 net_name(net), net_switch_strerror(err));
}

/* After NET_TX_BURST frames: the rest, if any, waits for the driver's next notification. */
static void pause_transmit(struct virtio_net *net)
{
    if (virtio_emu_resume_at_next_add(&net->emu, NET_QUEUE_TX) && !net->tx_paused++)
        log_info("vm%u: %s: more than %u frames in one notification: the rest waits for the "
                 "driver's next one (further pauses counted silently)",
                 net->emu.vm_id, net_name(net), NET_TX_BURST);
}

/* The post_unlock hook: the transmit queue was notified.  At most NET_TX_BURST frames, so
 * that a guest feeding its queue from other harts cannot keep this hart in the hypervisor
 * (and a vCPU of another VM sharing it off its hart). */
static void transmit(struct virtio_emu *emu)
{
    struct virtio_net *net = container_of(emu, struct virtio_net, emu);
    u32 sent = 0;

    spin_lock(&net->tx_lock);
    while (sent < NET_TX_BURST && take_frame(net)) {
        switch_frame(net);
        sent++;
    }
    if (sent == NET_TX_BURST)
        pause_transmit(net);
    spin_unlock(&net->tx_lock);
}

/* ---------------------------------------------------------------- transport callbacks */

static int net_config_read(struct virtio_dev *vdev, u32 offset, unsigned width, u64 *value)
{
    *value = 0;
    memcpy(value, (const u8 *)&to_net(vdev)->config + offset, width);
    return 0;
}

static void net_notify(struct virtio_dev *vdev, u32 q)
{
    struct virtio_net *net = to_net(vdev);

    if (q == NET_QUEUE_TX)
        virtio_emu_request_post_unlock(&net->emu);
    else /* receive buffers are taken when frames arrive: no kick needed */
        vq_disable_notify(virtio_dev_queue(vdev, q));
}

static const struct virtio_dev_ops net_ops = {
    .config_read = net_config_read,
    .notify = net_notify,
};

/* ---------------------------------------------------------------- creation */

static void remove_port(struct virtio_net *net)
{
    virtio_emu_links_lock();
    net_switch_remove_port(&net_switch, net->port);
    virtio_emu_links_unlock();
}

static void net_destroy(struct virtio_emu *emu)
{
    struct virtio_net *net = container_of(emu, struct virtio_net, emu);

    remove_port(net);
    page_free((paddr_t)net, NET_PAGES);
}

static int add_port(struct virtio_net *net)
{
    int port;

    virtio_emu_links_lock();
    if (!net_switch_ready) {
        net_switch_init(&net_switch, NET_AGEING_SECONDS * time_freq());
        net_switch_ready = true;
    }
    port = net_switch_add_port(&net_switch, net->config.mac);
    virtio_emu_links_unlock();
    if (port < 0)
        return port;
    net->port = (u32)port;
    return 0;
}

/* The MAC address from cfg: 6 values, each a byte, unicast and not zero. */
static bool mac_from_cfg(const struct vm_emu_dev_config *cfg, u8 *mac)
{
    if (cfg->nr_cfg != ETH_ALEN)
        return false;
    for (u32 i = 0; i < ETH_ALEN; i++) {
        if (cfg->cfg[i] > UINT8_MAX)
            return false;
        mac[i] = (u8)cfg->cfg[i];
    }
    return net_mac_valid(mac);
}

static void describe(struct virtio_net *net)
{
    struct virtio_dev *vdev = &net->emu.vdev;

    net->config.status = VIRTIO_NET_S_LINK_UP;
    net->config.max_virtqueue_pairs = 1;
    net->config.mtu = NET_MTU;
    for (u32 q = 0; q < NET_NR_QUEUES; q++)
        net->queues[q].num_max = NET_QUEUE_SIZE;
    vdev->device_id = VIRTIO_ID_NET;
    vdev->features = NET_FEATURES;
    vdev->config_size = sizeof(net->config);
    vdev->nr_queues = NET_NR_QUEUES;
    vdev->queues = net->queues;
    vdev->ops = &net_ops;
    net->emu.post_unlock = transmit;
    spin_lock_init(&net->tx_lock);
}

static int net_create(struct mmio_dev *dev, const struct vm_emu_dev_config *cfg)
{
    struct virtio_net *net;
    u8 mac[ETH_ALEN];
    int err;

    if (!mac_from_cfg(cfg, mac)) {
        log_error("vm%u: %s: cfg must be the 6 bytes of a unicast MAC address", dev->vm->id,
                  dev->name);
        return -EINVAL;
    }
    net = (struct virtio_net *)page_alloc_zeroed(NET_PAGES, PAGE_SIZE);
    if (!net)
        return -ENOMEM;
    memcpy(net->config.mac, mac, ETH_ALEN);
    describe(net);
    err = add_port(net);
    if (err) {
        log_error("vm%u: %s: %02x:%02x:%02x:%02x:%02x:%02x: %s", dev->vm->id, dev->name, mac[0],
                  mac[1], mac[2], mac[3], mac[4], mac[5],
                  err == -EEXIST ? "another VM's NIC has this address" : "the switch is full");
        page_free((paddr_t)net, NET_PAGES);
        return err;
    }
    err = virtio_emu_attach(dev, &net->emu, cfg, net_destroy);
    if (err) {
        remove_port(net);
        page_free((paddr_t)net, NET_PAGES);
    }
    return err;
}

const struct emu_dev_type_desc virtio_net_dev_type = {
    .type = EMU_DEV_VIRTIO_NET,
    .name = "virtio-net",
    .create = net_create,
};
