/*
 * A virtio-mmio device of a VM: the transport (virtio_mmio.h) wired to the VM's table of
 * emulated devices (mmio.h).  A device type (console, net, mediated blk) embeds a
 * struct virtio_emu, describes its struct virtio_dev (name, device_id, features, queues,
 * config_size, ops) and calls virtio_emu_attach() from its emu_dev_type_desc.create.
 *
 * What the wiring supplies:
 *   - guest memory: the owning VM's RAM (vm_gpa_to_hva), for the virtqueues;
 *   - the interrupt: an edge on the VM's vPLIC, source cfg->irq (required);
 *   - the device lock (emu->lock): every guest access to the window, every reset and every
 *     call of the transport's callbacks (ops->notify, ...) runs under it;
 *   - resets: when the VM stops or restarts, the device is reset as if its driver wrote 0
 *     to Status (so a peer finds it not live and drops what it would deliver);
 *   - the registry: a device can find another VM's device by (VM id, base address) to
 *     deliver data to it (console pairs, the network switch).
 *
 * Locking across devices.  Data that moves between two devices is copied out of the
 * sender's ring under the sender's lock, which is then released, and delivered under the
 * receiver's lock inside virtio_emu_links_lock(): the order is
 *     (a device type's own locks) -> links lock -> one device lock,
 * and no code holds two device locks at once.  A device found through the registry stays
 * valid while the links lock is held: unregistering (the VM's removal) takes it too.
 *
 * Work after the lock.  The transport calls the device under its lock, where it must not
 * take another device's lock; a transmit notification therefore only asks for the work
 * (virtio_emu_request_post_unlock()), and the device's post_unlock hook does it once the
 * guest's register write has released the device lock.  The hook runs on the writing
 * vCPU's hart with no lock held and may take, in the order above, its own locks, its device
 * lock (to take data from its rings, released again) and the links lock with one other
 * device's lock.  Requests made before the hook runs are merged into one call, which
 * another vCPU's write may make instead (whichever write takes the request first); two
 * vCPUs may run the hook at once, so it serialises itself (e.g. a transmit lock, which
 * keeps the data in order).
 */
#ifndef DEVICE_VIRTIO_VIRTIO_EMU_H
#define DEVICE_VIRTIO_VIRTIO_EMU_H

#include <config/vm_config.h>
#include <device/mmio.h>
#include <device/virtio/virtio_mmio.h>
#include <kernel/spinlock.h>
#include <kernel/types.h>

struct vm;

struct virtio_emu {
    struct virtio_dev vdev; /* described by the device type before virtio_emu_attach() */
    spinlock_t lock;        /* the device lock (above) */
    struct guest_mem mem;   /* the owning VM's RAM */
    struct vm *vm;
    u32 vm_id;
    gpaddr_t base; /* the window's guest-physical address (registry key with vm_id) */
    u32 irq;
    /* Frees the device type's state (the VM is being destroyed; unregistered already). */
    void (*destroy)(struct virtio_emu *emu);
    /* Optional, set by the device type before virtio_emu_attach(): the work after the lock
     * (above), called when a guest write asked for it. */
    void (*post_unlock)(struct virtio_emu *emu);
    u32 post_unlock_due; /* a request is pending (atomic) */
};

/*
 * Wires emu into dev (a device being created from cfg): checks the window (exactly
 * VIRTIO_MMIO_SIZE, page aligned) and the interrupt (non-zero, within the VM's vPLIC;
 * the vPLIC must come earlier in the VM's device list), initialises the transport
 * (virtio_dev_init) and registers the device.  destroy is required.  0, or -EINVAL (logged)
 * or -ENOSPC, and then nothing is registered and the caller frees emu.
 */
int virtio_emu_attach(struct mmio_dev *dev, struct virtio_emu *emu,
                      const struct vm_emu_dev_config *cfg, void (*destroy)(struct virtio_emu *));

/* Under the device lock, while the transport serves a guest write (e.g. in ops->notify):
 * asks for emu->post_unlock once the write has released the lock (above). */
void virtio_emu_request_post_unlock(struct virtio_emu *emu);

/* From a post_unlock hook that stops with buffers of queue q perhaps left (a bounded
 * burst): under the device lock, asks the driver to notify at its next addition
 * (vq_notify_next_add()), at which the hook takes the rest.  True when buffers were left. */
bool virtio_emu_resume_at_next_add(struct virtio_emu *emu, u32 q);

/* The device of the VM with id vm_id whose window starts at base, when it is a virtio
 * device of type device_id (VIRTIO_ID_*); else NULL.  Only under virtio_emu_links_lock(). */
struct virtio_emu *virtio_emu_find(u32 vm_id, gpaddr_t base, u32 device_id);
/* Calls fn(emu, arg) for every registered device of type device_id, under the links lock
 * (which the caller must hold). */
void virtio_emu_for_each(u32 device_id, void (*fn)(struct virtio_emu *emu, void *arg), void *arg);

void virtio_emu_links_lock(void);
void virtio_emu_links_unlock(void);

#endif
