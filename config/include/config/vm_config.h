/*
 * VM configuration: what a VM is made of.  Static VMs (VM0, the MVM, and the VMs of
 * test configurations) are C designated initialisers in config/ or tests/guests/configs/;
 * run-time GVMs get the same structure filled from hypercalls.
 *
 * Numbering of device types follows Rust-Shyper so that its JSON configs keep working.
 */
#ifndef CONFIG_VM_CONFIG_H
#define CONFIG_VM_CONFIG_H

#include <kernel/types.h>

#define VM_NAME_MAX        32 /* bytes, including the terminating NUL */
#define VM_MAX_MEM_REGIONS 8
#define VM_MAX_EMU_DEVS    16
#define VM_MAX_PT_REGIONS  16
#define VM_MAX_PT_IRQS     64
#define VM_EMU_CFG_MAX     16
#define VM_CMDLINE_MAX     1024

/* config.harts: every hart the platform has (for test VMs that scale with -smp). */
#define VM_HARTS_ALL (~0UL)

enum vm_os_type {
    VM_OS_LINUX = 0,
    VM_OS_BARE_METAL = 1,
};

enum emu_dev_type {
    EMU_DEV_VIRTIO_BLK = 3,
    EMU_DEV_VIRTIO_NET = 4,
    EMU_DEV_VIRTIO_CONSOLE = 5,
    EMU_DEV_SHYPER = 6,
    EMU_DEV_VIRTIO_BLK_MEDIATED = 7,
    EMU_DEV_PLIC = 13,
    /* Shyper-only: a register file used by the bare-metal MMIO tests. */
    EMU_DEV_SCRATCH = 100,
};

struct vm_mem_region_config {
    gpaddr_t ipa;
    u64 size;
    bool identity; /* host-physical == guest-physical (DMA by passthrough devices) */
};

struct vm_emu_dev_config {
    const char *name;
    enum emu_dev_type type;
    gpaddr_t base;
    u64 size;
    u32 irq; /* 0: none */
    u64 cfg[VM_EMU_CFG_MAX];
    u32 nr_cfg;
};

struct vm_pt_region_config {
    gpaddr_t ipa;
    paddr_t pa;
    u64 size;
};

/* An image embedded in the hypervisor: [start, end). */
struct vm_blob {
    const u8 *start;
    const u8 *end;
};

static inline u64 vm_blob_size(const struct vm_blob *b)
{
    return (u64)(b->end - b->start);
}

struct vm_config {
    const char *name;
    enum vm_os_type os;
    const char *cmdline;

    struct vm_blob kernel;
    gpaddr_t kernel_ipa; /* load address and entry point */
    struct vm_blob initrd;
    gpaddr_t initrd_ipa;
    gpaddr_t dtb_ipa; /* 0: top of the first memory region */

    u64 harts;  /* bitmap of physical harts; vCPU i runs on the i-th (master first) */
    u32 master; /* physical hart of vCPU 0 */

    struct vm_mem_region_config mem[VM_MAX_MEM_REGIONS];
    u32 nr_mem;
    struct vm_emu_dev_config emu[VM_MAX_EMU_DEVS];
    u32 nr_emu;
    struct vm_pt_region_config pt[VM_MAX_PT_REGIONS];
    u32 nr_pt;
    u32 pt_irqs[VM_MAX_PT_IRQS];
    u32 nr_pt_irqs;
};

/* Provided by the configuration linked into the image (a file in config/). */
extern const struct vm_config vm_static_configs[];
extern const u32 vm_static_config_count;

/*
 * VM_IMAGE(name, "file") embeds a file into the hypervisor image (page aligned) and
 * VM_BLOB(name) refers to it from a struct vm_config.
 */
#define VM_IMAGE(name, path)                                                                       \
    __asm__(".pushsection .rodata.vm_image." #name ", \"a\"\n"                                     \
            ".balign 4096\n"                                                                       \
            "_vm_image_" #name "_start:\n"                                                         \
            ".incbin \"" path "\"\n"                                                               \
            "_vm_image_" #name "_end:\n"                                                           \
            ".popsection\n");                                                                      \
    extern const u8 _vm_image_##name##_start[], _vm_image_##name##_end[]

#define VM_BLOB(name)                                                                              \
    {                                                                                              \
        .start = _vm_image_##name##_start, .end = _vm_image_##name##_end                           \
    }

#endif
