/*
 * Scratch device (EMU_DEV_SCRATCH): a page of byte-addressable registers.  A read returns
 * what was last written at that offset, in little-endian order; the MMIO tests use it to
 * check every access width and sign extension through the trap-and-emulate path.
 */
#include <device/mmio.h>
#include <kernel/errno.h>
#include <kernel/page_alloc.h>
#include <string.h>

static int scratch_read(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width,
                        u64 *value)
{
    (void)vcpu;
    *value = 0;
    memcpy(value, (u8 *)dev->priv + offset, width);
    return 0;
}

static int scratch_write(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width,
                         u64 value)
{
    (void)vcpu;
    memcpy((u8 *)dev->priv + offset, &value, width);
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
    (void)cfg;
    if (dev->size > PAGE_SIZE)
        return -EINVAL;
    dev->priv = (void *)page_alloc_zeroed(1, PAGE_SIZE);
    if (!dev->priv)
        return -ENOMEM;
    dev->ops = &scratch_ops;
    return 0;
}

const struct emu_dev_type_desc scratch_dev_type = {
    .type = EMU_DEV_SCRATCH,
    .name = "scratch",
    .create = scratch_create,
};
