/*
 * The hostile-guest cases: VM 0 is an MVM on hart 1 (32 MiB at TEST_RAM_BASE, a vPLIC,
 * the shyper device) that creates the hostile VMs on harts 2 and 3 (hostile/layout.h)
 * and watches VM 1, the jitter neighbour, alone on hart 0.  Run with -icount and -smp 5:
 * hart 4 stays idle (see cases.py).
 *
 * Hart 0 for the neighbour: under -icount QEMU runs every hart on one thread, in hart
 * order, and a hart whose timer fires waits until the harts before it in that order used
 * their time slice (up to 25 ms when the next QEMU timer is its 100 ms kick).  The first
 * hart runs as soon as its timer fired, so its lateness is what the hypervisor costs it
 * (docs/security.md).
 */
#include "test_layout.h"
#include <config/vm_config.h>

VM_IMAGE(vm0, VM0_IMAGE);
VM_IMAGE(vm1, VM1_IMAGE);

const struct vm_config vm_static_configs[] = {
    {
        .name = "mvm",
        .os = VM_OS_BARE_METAL,
        .kernel = VM_BLOB(vm0),
        .kernel_ipa = TEST_RAM_BASE,
        .harts = BIT(1),
        .master = 1,
        .mem = {{.ipa = TEST_RAM_BASE, .size = TEST_RAM_SIZE}},
        .nr_mem = 1,
        .emu = {{.name = "plic",
                 .type = EMU_DEV_PLIC,
                 .base = TEST_VPLIC_BASE,
                 .size = TEST_VPLIC_SIZE},
                {.name = "shyper", .type = EMU_DEV_SHYPER, .irq = TEST_SHYPER_IRQ}},
        .nr_emu = 2,
    },
    {
        .name = "neighbour",
        .os = VM_OS_BARE_METAL,
        .kernel = VM_BLOB(vm1),
        .kernel_ipa = TEST_RAM_BASE,
        .harts = BIT(0),
        .mem = {{.ipa = TEST_RAM_BASE, .size = TEST_RAM_SIZE}},
        .nr_mem = 1,
    },
};
const u32 vm_static_config_count = ARRAY_SIZE(vm_static_configs);
