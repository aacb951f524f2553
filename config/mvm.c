/*
 * Default configuration: VM 0 is the management VM on hart 0 with identity-mapped RAM
 * (its passthrough devices DMA to guest-physical addresses).  VM0_IMAGE selects the
 * image it runs.
 */
#include <config/vm_config.h>

#ifndef VM0_IMAGE
#error "VM0_IMAGE must name the image VM 0 runs"
#endif

#define MVM_RAM_BASE 0x90000000UL
#define MVM_RAM_SIZE MIB(512)

VM_IMAGE(vm0, VM0_IMAGE);

const struct vm_config vm_static_configs[] = {
    {
        .name = "mvm",
        .os = VM_OS_LINUX,
        .kernel = VM_BLOB(vm0),
        .kernel_ipa = MVM_RAM_BASE,
        .harts = BIT(0),
        .master = 0,
        .mem = {{.ipa = MVM_RAM_BASE, .size = MVM_RAM_SIZE, .identity = true}},
        .nr_mem = 1,
    },
};
const u32 vm_static_config_count = ARRAY_SIZE(vm_static_configs);
