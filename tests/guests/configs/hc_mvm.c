/*
 * A management-hypercall test guest as VM 0 (the MVM) on hart 0 only, so that the VMs it
 * creates get the other harts: 32 MiB at TEST_RAM_BASE, a vPLIC and the shyper device that
 * names its notification interrupt (TEST_SHYPER_IRQ).  Run with -smp 2 or more.
 */
#include "test_layout.h"
#include <config/vm_config.h>

VM_IMAGE(vm0, VM0_IMAGE);

const struct vm_config vm_static_configs[] = {
    {
        .name = "mvm",
        .os = VM_OS_BARE_METAL,
        .kernel = VM_BLOB(vm0),
        .kernel_ipa = TEST_RAM_BASE,
        .harts = BIT(0),
        .mem = {{.ipa = TEST_RAM_BASE, .size = TEST_RAM_SIZE}},
        .nr_mem = 1,
        .emu = {{.name = "plic",
                 .type = EMU_DEV_PLIC,
                 .base = TEST_VPLIC_BASE,
                 .size = TEST_VPLIC_SIZE},
                {.name = "shyper", .type = EMU_DEV_SHYPER, .irq = TEST_SHYPER_IRQ}},
        .nr_emu = 2,
    },
};
const u32 vm_static_config_count = ARRAY_SIZE(vm_static_configs);
