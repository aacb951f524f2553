/* A virtio-mmio device of a VM: transport, lock, interrupt and registry (virtio_emu.h). */
#include <device/virtio/virtio_emu.h>
#include <device/vplic.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <vmm/vm.h>

#define VIRTIO_EMU_MAX (MAX_VMS * VM_MAX_EMU_DEVS)

static struct {
    spinlock_t lock;
    struct virtio_emu *devs[VIRTIO_EMU_MAX];
} registry = {.lock = SPINLOCK_INIT};

void virtio_emu_links_lock(void)
{
    spin_lock(&registry.lock);
}

void virtio_emu_links_unlock(void)
{
    spin_unlock(&registry.lock);
}

struct virtio_emu *virtio_emu_find(u32 vm_id, gpaddr_t base, u32 device_id)
{
    for (u32 i = 0; i < VIRTIO_EMU_MAX; i++) {
        struct virtio_emu *emu = registry.devs[i];
        if (emu && emu->vm_id == vm_id && emu->base == base && emu->vdev.device_id == device_id)
            return emu;
    }
    return NULL;
}

void virtio_emu_for_each(u32 device_id, void (*fn)(struct virtio_emu *emu, void *arg), void *arg)
{
    for (u32 i = 0; i < VIRTIO_EMU_MAX; i++) {
        struct virtio_emu *emu = registry.devs[i];
        if (emu && emu->vdev.device_id == device_id)
            fn(emu, arg);
    }
}

static int registry_add(struct virtio_emu *emu)
{
    int err = -ENOSPC;

    virtio_emu_links_lock();
    for (u32 i = 0; i < VIRTIO_EMU_MAX; i++) {
        if (!registry.devs[i]) {
            registry.devs[i] = emu;
            err = 0;
            break;
        }
    }
    virtio_emu_links_unlock();
    return err;
}

static void registry_remove(struct virtio_emu *emu)
{
    virtio_emu_links_lock();
    for (u32 i = 0; i < VIRTIO_EMU_MAX; i++)
        if (registry.devs[i] == emu)
            registry.devs[i] = NULL;
    virtio_emu_links_unlock();
}

/* ---------------------------------------------------------------- wiring */

static void *map_guest(void *ctx, u64 gpa, u64 len)
{
    return vm_gpa_to_hva(ctx, gpa, len);
}

static void raise_irq(struct virtio_dev *vdev)
{
    struct virtio_emu *emu = container_of(vdev, struct virtio_emu, vdev);

    vplic_raise(emu->vm->vplic, emu->irq);
}

static int emu_read(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width, u64 *value)
{
    struct virtio_emu *emu = dev->priv;
    (void)vcpu;

    spin_lock(&emu->lock);
    int err = virtio_mmio_read(&emu->vdev, offset, width, value);
    spin_unlock(&emu->lock);
    return err;
}

void virtio_emu_request_post_unlock(struct virtio_emu *emu)
{
    __atomic_store_n(&emu->post_unlock_due, 1, __ATOMIC_RELEASE);
}

bool virtio_emu_resume_at_next_add(struct virtio_emu *emu, u32 q)
{
    struct virtqueue *vq;
    bool left = false;

    spin_lock(&emu->lock);
    vq = virtio_dev_queue(&emu->vdev, q);
    if (vq)
        left = vq_notify_next_add(vq);
    spin_unlock(&emu->lock);
    return left;
}

/* Takes a pending request: the plain load keeps the common write free of an atomic swap. */
static bool take_post_unlock(struct virtio_emu *emu)
{
    return __atomic_load_n(&emu->post_unlock_due, __ATOMIC_RELAXED) &&
           __atomic_exchange_n(&emu->post_unlock_due, 0, __ATOMIC_ACQ_REL);
}

static int emu_write(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width, u64 value)
{
    struct virtio_emu *emu = dev->priv;
    (void)vcpu;

    spin_lock(&emu->lock);
    int err = virtio_mmio_write(&emu->vdev, offset, width, value);
    spin_unlock(&emu->lock);
    if (emu->post_unlock && take_post_unlock(emu))
        emu->post_unlock(emu);
    return err;
}

static void emu_reset(struct mmio_dev *dev)
{
    struct virtio_emu *emu = dev->priv;

    spin_lock(&emu->lock);
    virtio_dev_reset(&emu->vdev);
    spin_unlock(&emu->lock);
}

static void emu_destroy(struct mmio_dev *dev)
{
    struct virtio_emu *emu = dev->priv;

    registry_remove(emu);
    dev->priv = NULL;
    emu->destroy(emu);
}

static const struct mmio_ops virtio_emu_ops = {
    .read = emu_read,
    .write = emu_write,
    .reset = emu_reset,
    .destroy = emu_destroy,
};

int virtio_emu_attach(struct mmio_dev *dev, struct virtio_emu *emu,
                      const struct vm_emu_dev_config *cfg, void (*destroy)(struct virtio_emu *))
{
    struct vm *vm = dev->vm;

    if (dev->size != VIRTIO_MMIO_SIZE || !IS_ALIGNED(dev->base, PAGE_SIZE)) {
        log_error("vm%u: %s: a virtio-mmio window is 0x%x bytes at a page boundary", vm->id,
                  dev->name, VIRTIO_MMIO_SIZE);
        return -EINVAL;
    }
    if (!vm->vplic || !cfg->irq || cfg->irq > vplic_nr_sources(vm->vplic)) {
        log_error("vm%u: %s: interrupt %u is not a source of the VM's PLIC (listed first)", vm->id,
                  dev->name, cfg->irq);
        return -EINVAL;
    }
    if (!destroy)
        return -EINVAL;
    spin_lock_init(&emu->lock);
    emu->mem = (struct guest_mem){.ctx = vm, .map = map_guest};
    emu->vm = vm;
    emu->vm_id = vm->id;
    emu->base = dev->base;
    emu->irq = cfg->irq;
    emu->destroy = destroy;
    emu->post_unlock_due = 0;
    emu->vdev.name = dev->name;
    emu->vdev.mem = &emu->mem;
    emu->vdev.raise_irq = raise_irq;
    int err = virtio_dev_init(&emu->vdev);
    if (err) {
        log_error("vm%u: %s: bad virtio device description", vm->id, dev->name);
        return err;
    }
    err = registry_add(emu);
    if (err)
        return err;
    dev->priv = emu;
    dev->ops = &virtio_emu_ops;
    return 0;
}
