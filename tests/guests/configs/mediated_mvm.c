/*
 * The mediated virtio-blk test (tests/guests/hc_mediated.c): VM 0 on hart 0 is both the
 * daemon (it registers a notification ring and attaches request slots) and the driver of
 * two mediated disks of its own, so the whole path runs in one guest: a vPLIC, the shyper
 * device, disk 0 (64 sectors) and disk 1 (1000 sectors).
 */
#include "mediated_layout.h"
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
                {.name = "shyper", .type = EMU_DEV_SHYPER, .irq = TEST_SHYPER_IRQ},
                {.name = "blk0",
                 .type = EMU_DEV_VIRTIO_BLK_MEDIATED,
                 .base = TEST_BLK_BASE(0),
                 .size = TEST_BLK_SIZE,
                 .irq = TEST_BLK_IRQ(0),
                 .cfg = {0, TEST_BLK0_SECTORS},
                 .nr_cfg = 2},
                {.name = "blk1",
                 .type = EMU_DEV_VIRTIO_BLK_MEDIATED,
                 .base = TEST_BLK_BASE(1),
                 .size = TEST_BLK_SIZE,
                 .irq = TEST_BLK_IRQ(1),
                 .cfg = {1, TEST_BLK1_SECTORS},
                 .nr_cfg = 2}},
        .nr_emu = 4,
    },
};
const u32 vm_static_config_count = ARRAY_SIZE(vm_static_configs);
