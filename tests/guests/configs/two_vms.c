/*
 * Two test guests side by side: VM 0 on hart 0 and VM 1 on hart 1, each with 32 MiB at
 * 0x90000000 of its own guest-physical space.  Used by the containment tests: VM 1
 * misbehaves, VM 0 watches and must keep running.
 */
#include "test_layout.h"
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
        .name = "hostile",
        .os = VM_OS_BARE_METAL,
        .kernel = VM_BLOB(vm1),
        .kernel_ipa = TEST_RAM_BASE,
        .harts = BIT(1),
        .master = 1,
        .mem = {{.ipa = TEST_RAM_BASE, .size = TEST_RAM_SIZE}},
        .nr_mem = 1,
    },
};
const u32 vm_static_config_count = ARRAY_SIZE(vm_static_configs);
