/* The names of VM and device types as they are written in configuration files. */
#include <string.h>

#include "vm_config.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const emu_device_names[] = {
    [EMU_DEVICE_T_CONSOLE] = "EMU_DEVICE_T_CONSOLE",
    [EMU_DEVICE_T_GICD] = "EMU_DEVICE_T_GICD",
    [EMU_DEVICE_T_GPPT] = "EMU_DEVICE_T_GPPT",
    [EMU_DEVICE_T_VIRTIO_BLK] = "EMU_DEVICE_T_VIRTIO_BLK",
    [EMU_DEVICE_T_VIRTIO_NET] = "EMU_DEVICE_T_VIRTIO_NET",
    [EMU_DEVICE_T_VIRTIO_CONSOLE] = "EMU_DEVICE_T_VIRTIO_CONSOLE",
    [EMU_DEVICE_T_SHYPER] = "EMU_DEVICE_T_SHYPER",
    [EMU_DEVICE_T_VIRTIO_BLK_MEDIATED] = "EMU_DEVICE_T_VIRTIO_BLK_MEDIATED",
    [EMU_DEVICE_T_IOMMU] = "EMU_DEVICE_T_IOMMU",
    [EMU_DEVICE_T_SRE] = "EMU_DEVICE_T_SRE",
    [EMU_DEVICE_T_SGIR] = "EMU_DEVICE_T_SGIR",
    [EMU_DEVICE_T_GICR] = "EMU_DEVICE_T_GICR",
    [EMU_DEVICE_T_META] = "EMU_DEVICE_T_META",
    [EMU_DEVICE_T_PLIC] = "EMU_DEVICE_T_PLIC",
    [EMU_DEVICE_T_APLIC] = "EMU_DEVICE_T_APLIC",
};

static const char *const dtb_device_names[] = {
    [DTB_DEVICE_T_CONSOLE] = "DTB_DEVICE_T_CONSOLE", [DTB_DEVICE_T_GICD] = "DTB_DEVICE_T_GICD",
    [DTB_DEVICE_T_GICC] = "DTB_DEVICE_T_GICC",       [DTB_DEVICE_T_GICR] = "DTB_DEVICE_T_GICR",
    [DTB_DEVICE_T_PLIC] = "DTB_DEVICE_T_PLIC",       [DTB_DEVICE_T_APLIC] = "DTB_DEVICE_T_APLIC",
};

static const char *const vm_type_names[] = {
    [VM_TYPE_LINUX] = "VM_T_LINUX",
    [VM_TYPE_BARE_METAL] = "VM_T_BARE_METAL_APP",
};

/* Rust-Shyper's spelling, still accepted in files. */
static const char vm_type_bare_metal_alias[] = "VM_T_BARE_MATEL_APP";

static const char *name_at(const char *const names[], size_t count, unsigned index)
{
    return index < count ? names[index] : "(unknown)";
}

static bool index_of(const char *const names[], size_t count, const char *name, unsigned *index)
{
    for (unsigned i = 0; i < count; i++) {
        if (strcmp(names[i], name) == 0) {
            *index = i;
            return true;
        }
    }
    return false;
}

const char *vm_type_name(enum vm_type type)
{
    return name_at(vm_type_names, ARRAY_LEN(vm_type_names), type);
}

const char *emu_device_type_name(enum emu_device_type type)
{
    return name_at(emu_device_names, ARRAY_LEN(emu_device_names), type);
}

const char *dtb_device_type_name(enum dtb_device_type type)
{
    return name_at(dtb_device_names, ARRAY_LEN(dtb_device_names), type);
}

bool vm_type_from_name(const char *name, enum vm_type *type)
{
    unsigned i;
    if (strcmp(name, vm_type_bare_metal_alias) == 0) {
        *type = VM_TYPE_BARE_METAL;
        return true;
    }
    if (!index_of(vm_type_names, ARRAY_LEN(vm_type_names), name, &i))
        return false;
    *type = (enum vm_type)i;
    return true;
}

bool emu_device_type_from_name(const char *name, enum emu_device_type *type)
{
    unsigned i;
    if (!index_of(emu_device_names, ARRAY_LEN(emu_device_names), name, &i))
        return false;
    *type = (enum emu_device_type)i;
    return true;
}

bool dtb_device_type_from_name(const char *name, enum dtb_device_type *type)
{
    unsigned i;
    if (!index_of(dtb_device_names, ARRAY_LEN(dtb_device_names), name, &i))
        return false;
    *type = (enum dtb_device_type)i;
    return true;
}
