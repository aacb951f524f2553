/*
 * A test guest as VM 0 with os = VM_OS_LINUX, so that it boots with the device tree the
 * MVM gets (derived from the host's, vm_fdt.h), on every hart, with RAM at TEST_RAM_BASE,
 * identity-mapped like the MVM's, a vPLIC and QEMU virt's UART passed through (the tree's
 * stdout-path then names it).
 */
#include "test_layout.h"
#include <config/vm_config.h>

#define QEMU_VIRT_UART 0x10000000UL

VM_IMAGE(vm0, VM0_IMAGE);

const struct vm_config vm_static_configs[] = {
    {
        .name = "mvm-tree",
        .os = VM_OS_LINUX,
        .kernel = VM_BLOB(vm0),
        .kernel_ipa = TEST_RAM_BASE,
        .harts = VM_HARTS_ALL,
        .mem = {{.ipa = TEST_RAM_BASE, .size = TEST_RAM_SIZE, .identity = true}},
        .nr_mem = 1,
        .emu = {{.name = "plic",
                 .type = EMU_DEV_PLIC,
                 .base = TEST_VPLIC_BASE,
                 .size = TEST_VPLIC_SIZE}},
        .nr_emu = 1,
        .pt = {{.ipa = QEMU_VIRT_UART, .pa = QEMU_VIRT_UART, .size = PAGE_SIZE}},
        .nr_pt = 1,
    },
};
const u32 vm_static_config_count = ARRAY_SIZE(vm_static_configs);
