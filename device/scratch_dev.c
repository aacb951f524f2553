/*
 * Scratch device (EMU_DEV_SCRATCH): byte-addressable registers.  A read returns what was
 * last written at that offset, in little-endian order; the MMIO tests use it to check every
 * access width and sign extension through the trap-and-emulate path.
 *
 * Offsets from SCRATCH_DOORBELL (0xF00) to the end of the page are the doorbell instead:
 * any write raises the device's configured interrupt in the VM's vPLIC (one edge per
 * write), reads return 0.  Without an interrupt or a vPLIC a doorbell write faults.
 */
#include <device/mmio.h>
#include <device/vplic.h>
#include <kernel/errno.h>
#include <kernel/page_alloc.h>
#include <string.h>
#include <vmm/vm.h>

#define SCRATCH_DOORBELL 0xF00

struct scratch {
    u8 regs[SCRATCH_DOORBELL];
    u32 irq;
};
_Static_assert(sizeof(struct scratch) <= PAGE_SIZE, "the scratch state fits in a page");

static int scratch_read(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width,
                        u64 *value)
{
    struct scratch *sc = dev->priv;

    (void)vcpu;
    *value = 0;
    if (offset < SCRATCH_DOORBELL)
        memcpy(value, sc->regs + offset, width);
    return 0;
}

static int scratch_write(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width,
                         u64 value)
{
    struct scratch *sc = dev->priv;

    (void)vcpu;
    if (offset < SCRATCH_DOORBELL) {
        memcpy(sc->regs + offset, &value, width);
        return 0;
    }
    if (!sc->irq || !dev->vm->vplic)
        return -EINVAL;
    vplic_raise(dev->vm->vplic, sc->irq);
    return 0;
}

static void scratch_destroy(struct mmio_dev *dev)
{
    page_free((paddr_t)dev->priv, 1);
}

static const struct mmio_ops scratch_ops = {
    .read = scratch_read,
    .write = scratch_write,
    .destroy = scratch_destroy,
};

static int scratch_create(struct mmio_dev *dev, const struct vm_emu_dev_config *cfg)
{
    struct scratch *sc;

    if (dev->size > PAGE_SIZE)
        return -EINVAL;
    sc = (struct scratch *)page_alloc_zeroed(1, PAGE_SIZE);
    if (!sc)
        return -ENOMEM;
    sc->irq = cfg->irq;
    dev->priv = sc;
    dev->ops = &scratch_ops;
    return 0;
}

const struct emu_dev_type_desc scratch_dev_type = {
    .type = EMU_DEV_SCRATCH,
    .name = "scratch",
    .create = scratch_create,
};
