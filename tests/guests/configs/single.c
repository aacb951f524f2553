/*
 * One test guest as VM 0 on every hart the machine has (so SBI tests scale with -smp),
 * 32 MiB of RAM at 0x90000000, a scratch MMIO device for the MMIO tests (its doorbell
 * raises TEST_SCRATCH_IRQ) and a vPLIC.
 */
#include "test_layout.h"
#include <config/vm_config.h>

VM_IMAGE(vm0, VM0_IMAGE);

const struct vm_config vm_static_configs[] = {
    {
        .name = "test",
        .os = VM_OS_BARE_METAL,
        .kernel = VM_BLOB(vm0),
        .kernel_ipa = TEST_RAM_BASE,
        .harts = VM_HARTS_ALL,
        .mem = {{.ipa = TEST_RAM_BASE, .size = TEST_RAM_SIZE}},
        .nr_mem = 1,
        .emu = {{.name = "scratch",
                 .type = EMU_DEV_SCRATCH,
                 .base = TEST_SCRATCH_BASE,
                 .size = TEST_SCRATCH_SIZE,
                 .irq = TEST_SCRATCH_IRQ},
                {.name = "plic",
                 .type = EMU_DEV_PLIC,
                 .base = TEST_VPLIC_BASE,
                 .size = TEST_VPLIC_SIZE}},
        .nr_emu = 2,
    },
};
const u32 vm_static_config_count = ARRAY_SIZE(vm_static_configs);
