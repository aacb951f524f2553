/* Table of emulated device types and device creation (see mmio.h). */
#include <device/mmio.h>
#include <kernel/errno.h>

extern const struct emu_dev_type_desc scratch_dev_type;
extern const struct emu_dev_type_desc vplic_dev_type;
extern const struct emu_dev_type_desc shyper_dev_type; /* vmm/vm_notify.c */
extern const struct emu_dev_type_desc virtio_net_dev_type;
extern const struct emu_dev_type_desc virtio_console_dev_type;
extern const struct emu_dev_type_desc virtio_blk_mediated_dev_type;

static const struct emu_dev_type_desc *const device_types[] = {
    &scratch_dev_type,    &vplic_dev_type,          &shyper_dev_type,
    &virtio_net_dev_type, &virtio_console_dev_type, &virtio_blk_mediated_dev_type,
};

int emu_dev_create(struct vm *vm, struct mmio_dev *dev, const struct vm_emu_dev_config *cfg)
{
    for (u32 i = 0; i < ARRAY_SIZE(device_types); i++) {
        if (device_types[i]->type != cfg->type)
            continue;
        dev->name = cfg->name ? cfg->name : device_types[i]->name;
        dev->base = cfg->base;
        dev->size = cfg->size;
        dev->vm = vm;
        dev->ops = NULL;
        dev->priv = NULL;
        return device_types[i]->create(dev, cfg);
    }
    return -ENOSYS;
}
