/*
 * Paired virtio consoles between VMs (EMU_DEV_VIRTIO_CONSOLE): a console device
 * (console_port.h) in a VM, whose transmitted bytes go to the receive queue of its peer,
 * the console device of another VM named by the config: cfg = [peer VM id, peer device
 * base address].  The peer takes them only when its own config names this device back, so
 * a pair is two devices naming each other (the MVM's console for VM n and VM n's console).
 *
 * A transmit notification is served after the transport returns from the register write
 * and the device lock is released (virtio_emu.h's post_unlock hook): under tx_lock,
 * repeatedly take one chain under the sender's lock, release it, and deliver the bytes
 * under the links lock and the peer's lock.  At most CONSOLE_BURST chains per write, so
 * that a guest feeding its transmitq from other harts cannot keep this hart in the
 * hypervisor; what is left waits for the driver's next notification
 * (virtio_emu_resume_at_next_add()).
 *
 * Bytes are dropped, and the sender never waits, when the peer is absent, belongs to a VM
 * that is not running, or does not name the sender back (tx_lost; logged once until a
 * delivery succeeds again).  A running peer without receive buffers keeps up to
 * VCON_PENDING_SIZE bytes (console_port.h: the oldest are dropped beyond that).
 */
#include <device/mmio.h>
#include <device/virtio/console_port.h>
#include <device/virtio/virtio_emu.h>
#include <device/virtio/virtio_spec.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page_alloc.h>
#include <vmm/vm.h>

#define VCON_CFG_PEER_VM   0
#define VCON_CFG_PEER_BASE 1
#define VCON_CFG_LEN       2
#define VCON_PENDING_SIZE  KIB(64)

struct vcon {
    struct virtio_emu emu;
    struct console_port port; /* under emu.lock */
    u32 peer_vm;
    gpaddr_t peer_base;
    bool overflowing;   /* pending bytes were dropped since the ring last emptied (logged) */
    u64 dropped_before; /* port.rx_dropped when that began */
    spinlock_t tx_lock; /* serialises transmission: tx_buf, tx_lost, lost_why */
    u64 tx_lost;
    const char *lost_why; /* why the last bytes were dropped, or NULL */
    u8 tx_buf[CONSOLE_TX_CHUNK];
};

#define VCON_STATE_BYTES ALIGN_UP(sizeof(struct vcon), PAGE_SIZE)
#define VCON_PAGES       ((VCON_STATE_BYTES + VCON_PENDING_SIZE) / PAGE_SIZE)

static struct vcon *vcon_of_vdev(struct virtio_dev *vdev)
{
    return container_of(vdev, struct vcon, emu.vdev);
}

/* ---------------------------------------------------------------- receiving */

/* Why peer does not take bytes from vc (NULL: it does).  Under the links lock. */
static const char *refusal(const struct vcon *vc, const struct virtio_emu *peer)
{
    if (!peer)
        return "no console there";
    if (READ_ONCE(peer->vm->state) != VM_STATE_RUNNING)
        return "its VM is not running";
    const struct vcon *pc = container_of(peer, struct vcon, emu);
    if (pc->peer_vm != vc->emu.vm_id || pc->peer_base != vc->emu.base)
        return "it is paired with another console";
    return NULL;
}

/* Puts len bytes into pc's receive queue.  Under the links lock and pc's lock. */
static void receive(struct vcon *pc, const u8 *buf, u32 len)
{
    u64 dropped = pc->port.rx_dropped;

    console_port_receive(&pc->emu.vdev, &pc->port, buf, len);
    if (pc->port.rx_dropped == dropped || pc->overflowing)
        return;
    log_warn("vm%u: %s: no receive buffers: dropping the oldest pending bytes", pc->emu.vm_id,
             pc->emu.vdev.name);
    pc->overflowing = true;
    pc->dropped_before = dropped;
}

/* The pending ring emptied (why) after bytes were dropped: says how many.  Under vc's lock. */
static void overflow_over(struct vcon *vc, const char *why)
{
    if (!vc->overflowing)
        return;
    log_info("vm%u: %s: %s; %lu bytes were dropped", vc->emu.vm_id, vc->emu.vdev.name, why,
             vc->port.rx_dropped - vc->dropped_before);
    vc->overflowing = false;
}

/* Delivers len bytes from vc's transmitq to its peer.  Under vc->tx_lock. */
static void deliver(struct vcon *vc, const u8 *buf, u32 len)
{
    virtio_emu_links_lock();
    struct virtio_emu *peer = virtio_emu_find(vc->peer_vm, vc->peer_base, VIRTIO_ID_CONSOLE);
    const char *why = refusal(vc, peer);
    if (!why) {
        spin_lock(&peer->lock);
        receive(container_of(peer, struct vcon, emu), buf, len);
        spin_unlock(&peer->lock);
    }
    virtio_emu_links_unlock();

    if (why) {
        if (why != vc->lost_why)
            log_warn("vm%u: %s: dropping output (%lu bytes so far): peer vm%u console at 0x%lx: "
                     "%s",
                     vc->emu.vm_id, vc->emu.vdev.name, vc->tx_lost, vc->peer_vm, vc->peer_base,
                     why);
        vc->tx_lost += len;
    }
    vc->lost_why = why;
}

/* ---------------------------------------------------------------- transmitting */

/* The post_unlock hook: the transmitq was notified. */
static void transmit(struct virtio_emu *emu)
{
    struct vcon *vc = container_of(emu, struct vcon, emu);
    u32 chains;

    spin_lock(&vc->tx_lock);
    for (chains = 0; chains < CONSOLE_BURST; chains++) {
        spin_lock(&vc->emu.lock);
        int n = console_port_transmit(&vc->emu.vdev, &vc->port, vc->tx_buf, sizeof(vc->tx_buf));
        spin_unlock(&vc->emu.lock);
        if (n == CONSOLE_TX_NONE)
            break;
        if (n > 0)
            deliver(vc, vc->tx_buf, (u32)n);
    }
    if (chains == CONSOLE_BURST)
        virtio_emu_resume_at_next_add(&vc->emu, CONSOLE_TX_QUEUE);
    spin_unlock(&vc->tx_lock);
}

/* ---------------------------------------------------------------- transport callbacks */

static void vcon_notify(struct virtio_dev *vdev, u32 q)
{
    struct vcon *vc = vcon_of_vdev(vdev);

    if (q == CONSOLE_TX_QUEUE) {
        virtio_emu_request_post_unlock(&vc->emu);
        return;
    }
    console_port_rx_notify(vdev, &vc->port);
    if (!byte_ring_len(&vc->port.pending))
        overflow_over(vc, "receive buffers are back");
}

static void vcon_reset(struct virtio_dev *vdev)
{
    struct vcon *vc = vcon_of_vdev(vdev);

    console_port_reset(&vc->port);
    overflow_over(vc, "reset");
}

static const struct virtio_dev_ops vcon_virtio_ops = {
    .notify = vcon_notify,
    .reset = vcon_reset,
};

/* ---------------------------------------------------------------- creation */

static void vcon_free(struct virtio_emu *emu)
{
    page_free((paddr_t)container_of(emu, struct vcon, emu), VCON_PAGES);
}

static int vcon_create(struct mmio_dev *dev, const struct vm_emu_dev_config *cfg)
{
    u32 vm_id = dev->vm->id;

    if (cfg->nr_cfg != VCON_CFG_LEN || cfg->cfg[VCON_CFG_PEER_VM] >= MAX_VMS ||
        !IS_ALIGNED(cfg->cfg[VCON_CFG_PEER_BASE], PAGE_SIZE)) {
        log_error("vm%u: %s: cfg must be [peer VM id (0..%u), peer console base address]", vm_id,
                  dev->name, MAX_VMS - 1);
        return -EINVAL;
    }
    paddr_t pa = page_alloc_zeroed(VCON_PAGES, PAGE_SIZE);
    if (!pa)
        return -ENOMEM;
    struct vcon *vc = (struct vcon *)pa;
    vc->emu.vdev.ops = &vcon_virtio_ops;
    vc->emu.post_unlock = transmit;
    vc->peer_vm = (u32)cfg->cfg[VCON_CFG_PEER_VM];
    vc->peer_base = cfg->cfg[VCON_CFG_PEER_BASE];
    spin_lock_init(&vc->tx_lock);
    int err = console_port_describe(&vc->port, &vc->emu.vdev, (u8 *)pa + VCON_STATE_BYTES,
                                    VCON_PENDING_SIZE)
                  ? virtio_emu_attach(dev, &vc->emu, cfg, vcon_free)
                  : -EINVAL;
    if (err)
        page_free(pa, VCON_PAGES);
    return err;
}

const struct emu_dev_type_desc virtio_console_dev_type = {
    .type = EMU_DEV_VIRTIO_CONSOLE,
    .name = "virtio-console",
    .create = vcon_create,
};
