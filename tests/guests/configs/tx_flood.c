/*
 * The virtio-net transmit flood: VM 0, the watcher (txflood_watch.c), has one vCPU on
 * hart 0; VM 1, the flooder (txflood_flooder.c), has vCPU 0 on hart 0 too (the two
 * time-share it) and vCPU 1 alone on hart 1, a vPLIC and a virtio-net port of the switch,
 * the only one (its frames go nowhere).  Run with -smp 2.
 */
#include "tx_flood.h"
#include <config/vm_config.h>

VM_IMAGE(vm0, VM0_IMAGE);
VM_IMAGE(vm1, VM1_IMAGE);

const struct vm_config vm_static_configs[] = {
    {
        .name = "watcher",
        .os = VM_OS_BARE_METAL,
        .kernel = VM_BLOB(vm0),
        .kernel_ipa = TEST_RAM_BASE,
        .harts = BIT(0),
        .mem = {{.ipa = TEST_RAM_BASE, .size = TEST_RAM_SIZE}},
        .nr_mem = 1,
    },
    {
        .name = "flooder",
        .os = VM_OS_BARE_METAL,
        .kernel = VM_BLOB(vm1),
        .kernel_ipa = TEST_RAM_BASE,
        .harts = BIT(0) | BIT(1),
        .master = 0,
        .mem = {{.ipa = TEST_RAM_BASE, .size = TEST_RAM_SIZE}},
        .nr_mem = 1,
        .emu = {{.name = "plic",
                 .type = EMU_DEV_PLIC,
                 .base = TEST_VPLIC_BASE,
                 .size = TEST_VPLIC_SIZE},
                {.name = "net",
                 .type = EMU_DEV_VIRTIO_NET,
                 .base = TXFLOOD_VNET_BASE,
                 .size = TXFLOOD_VNET_SIZE,
                 .irq = TXFLOOD_VNET_IRQ,
                 .cfg = {TXFLOOD_VNET_MAC},
                 .nr_cfg = TXFLOOD_MAC_BYTES}},
        .nr_emu = 2,
    },
};
const u32 vm_static_config_count = ARRAY_SIZE(vm_static_configs);
