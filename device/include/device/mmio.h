/*
 * Emulated MMIO devices.  A guest load/store that faults in stage 2 inside a device's
 * range is decoded (arch/riscv64/mmio_exit.c) and handed to the device's ops with the
 * offset into the device and the access width (1, 2, 4 or 8 bytes).
 */
#ifndef DEVICE_MMIO_H
#define DEVICE_MMIO_H

#include <config/vm_config.h>
#include <kernel/types.h>

struct vcpu;
struct vm;
struct mmio_dev;

struct mmio_ops {
    /* Return 0, or a negative errno: the access then faults in the guest. */
    int (*read)(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width, u64 *value);
    int (*write)(struct mmio_dev *dev, struct vcpu *vcpu, u64 offset, unsigned width, u64 value);
    /* Back to the power-on state: the VM was stopped and its vCPUs no longer run, or it is
     * about to be restarted or destroyed (optional). */
    void (*reset)(struct mmio_dev *dev);
    /* Frees the device's private state when its VM is destroyed (optional).  Devices are
     * destroyed in the reverse order of their creation. */
    void (*destroy)(struct mmio_dev *dev);
};

struct mmio_dev {
    const char *name;
    gpaddr_t base;
    u64 size;
    const struct mmio_ops *ops;
    void *priv;
    struct vm *vm;
};

/* One entry per emulated device type, in device/emu_dev.c's table. */
struct emu_dev_type_desc {
    enum emu_dev_type type;
    const char *name;
    /* Fills dev->ops and dev->priv from the config; base/size/name/vm are already set. */
    int (*create)(struct mmio_dev *dev, const struct vm_emu_dev_config *cfg);
};

/* Creates the device described by cfg in vm (dispatching on cfg->type). */
int emu_dev_create(struct vm *vm, struct mmio_dev *dev, const struct vm_emu_dev_config *cfg);

#endif
