/* A guest VM's configuration as read from the JSON file given to `shyper vm config`.
 *
 * The JSON format is Rust-Shyper's (its user guide's vm1_config_riscv.json is accepted as is),
 * with comments allowed and stricter, better-explained checks.  Every field, with its JSON path:
 *
 *   name                      string, 1..VM_NAME_SIZE-1 bytes of printable ASCII
 *   type                      "VM_T_LINUX" | "VM_T_BARE_METAL_APP" (or Rust-Shyper's spelling
 *                             "VM_T_BARE_MATEL_APP")
 *   cmdline                   string, at most VM_CMDLINE_SIZE-1 bytes
 *   image.kernel_filename     path in the MVM, required
 *   image.kernel_load_ipa     inside a memory region; 2 MiB-aligned for a Linux VM
 *   image.kernel_entry_point  optional (default: kernel_load_ipa); inside a memory region
 *   image.device_tree_filename    optional, "" = none: an overlay applied to the generated DTB
 *   image.device_tree_load_ipa    inside a memory region, 8-byte aligned
 *   image.ramdisk_filename, image.ramdisk_load_ipa   optional; load IPA 0 = no ramdisk
 *   memory.region[]           1..VM_MEM_REGION_MAX {ipa_start, length}: 4 KiB-aligned, non-empty,
 *                             inside the guest-physical space, not overlapping
 *   cpu.num                   1..popcount(allocate_bitmap)
 *   cpu.allocate_bitmap       physical harts, "0b0110"; only the lowest cpu.num set bits are used
 *   cpu.master                the hart that boots first; one of the harts used
 *   emulated_device.emulated_device_list[]   at most VM_EMU_DEV_MAX
 *                             {name, base_ipa, length, irq_id, cfg_list, type}
 *   passthrough_device.passthrough_device_list[]   at most VM_PT_DEV_MAX
 *                             {name, base_pa, base_ipa, length, irq_list}; 4 KiB-aligned
 *   dtb_device.dtb_device_list[]   at most VM_DTB_DEV_MAX; accepted, but unused on riscv64
 *
 * Numbers: addresses and lengths are hex strings ("0x80000000", or "0") or JSON integers;
 * bitmaps are "0b..." or "0x..." strings or JSON integers; everything else (irq_id, cpu.num,
 * cfg_list items, ...) is a JSON integer or a hex, binary or decimal string.  See
 * config_number.h.  Unknown keys are reported as warnings and ignored, as are Rust-Shyper's
 * redundant counts ("num", "cfg_num", "irq_num") when they disagree with the lists.
 */
#ifndef SHYPER_CLI_VM_CONFIG_H
#define SHYPER_CLI_VM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_diag.h"

/* Sizes of strings include the terminating NUL. */
#define VM_NAME_SIZE    32 /* VM and device names: at most 31 bytes */
#define VM_CMDLINE_SIZE 1024
#define VM_PATH_SIZE    256 /* file names in the MVM */

#define VM_NUM_MAX         8 /* VM ids 0..7; 0 is the MVM */
#define VM_HART_MAX        8 /* harts 0..7: bits of cpu.allocate_bitmap */
#define VM_MEM_REGION_MAX  8
#define VM_EMU_DEV_MAX     16
#define VM_EMU_CFG_MAX     16
#define VM_PT_DEV_MAX      128
#define VM_PT_IRQ_MAX      64 /* passthrough IRQs of all devices together */
#define VM_DTB_DEV_MAX     16
#define VM_DTB_DEV_IRQ_MAX 8

#define VM_PAGE_SIZE          UINT64_C(0x1000)
#define VM_IPA_BITS           41 /* Sv39x4 stage-2 translation */
#define VM_IPA_LIMIT          (UINT64_C(1) << VM_IPA_BITS)
#define VM_LINUX_KERNEL_ALIGN UINT64_C(0x200000) /* riscv64 Linux boots from a 2 MiB boundary */
#define VM_DTB_ALIGN          8
#define VM_IRQ_MIN            1 /* PLIC source 0 does not exist */
#define VM_IRQ_MAX            1023

#define VM_MAC_LEN         6
#define VM_BLK_CFG_LEN     2 /* start sector, sector count */
#define VM_CONSOLE_CFG_LEN 2 /* peer VM id, peer console base IPA */

enum vm_type {
    VM_TYPE_LINUX = 0,
    VM_TYPE_BARE_METAL = 1,
};

/* Values shared with the hypervisor (Rust-Shyper's EmuDeviceType). */
enum emu_device_type {
    EMU_DEVICE_T_CONSOLE = 0,
    EMU_DEVICE_T_GICD = 1,
    EMU_DEVICE_T_GPPT = 2,
    EMU_DEVICE_T_VIRTIO_BLK = 3,
    EMU_DEVICE_T_VIRTIO_NET = 4,
    EMU_DEVICE_T_VIRTIO_CONSOLE = 5,
    EMU_DEVICE_T_SHYPER = 6,
    EMU_DEVICE_T_VIRTIO_BLK_MEDIATED = 7,
    EMU_DEVICE_T_IOMMU = 8,
    EMU_DEVICE_T_SRE = 9,
    EMU_DEVICE_T_SGIR = 10,
    EMU_DEVICE_T_GICR = 11,
    EMU_DEVICE_T_META = 12,
    EMU_DEVICE_T_PLIC = 13,
    EMU_DEVICE_T_APLIC = 14,
};

enum dtb_device_type {
    DTB_DEVICE_T_CONSOLE = 0,
    DTB_DEVICE_T_GICD = 1,
    DTB_DEVICE_T_GICC = 2,
    DTB_DEVICE_T_GICR = 3,
    DTB_DEVICE_T_PLIC = 4,
    DTB_DEVICE_T_APLIC = 5,
};

struct vm_image_spec {
    char kernel_filename[VM_PATH_SIZE];
    uint64_t kernel_load_ipa;
    uint64_t kernel_entry_point;
    char device_tree_filename[VM_PATH_SIZE]; /* "" = none */
    uint64_t device_tree_load_ipa;
    char ramdisk_filename[VM_PATH_SIZE];
    uint64_t ramdisk_load_ipa; /* 0 = no ramdisk */
};

struct vm_mem_region {
    uint64_t ipa_start;
    uint64_t length;
};

struct vm_cpu_spec {
    uint32_t num;
    uint32_t allocate_bitmap; /* as written; vm_cpu_harts() gives the harts actually used */
    uint32_t master;
};

struct vm_emu_device {
    char name[VM_NAME_SIZE];
    enum emu_device_type type;
    uint64_t base_ipa;
    uint64_t length;
    uint32_t irq_id; /* 0 = none; ignored for interrupt controllers */
    uint32_t cfg_count;
    uint64_t cfg_list[VM_EMU_CFG_MAX];
};

struct vm_pt_region {
    char name[VM_NAME_SIZE];
    uint64_t base_pa;
    uint64_t base_ipa;
    uint64_t length;
    uint32_t irq_first; /* this device's IRQs: irqs[irq_first, irq_first + irq_count) */
    uint32_t irq_count;
};

/* Passthrough IRQs are handed to the hypervisor as one list, as in Rust-Shyper. */
struct vm_passthrough_spec {
    uint32_t region_count;
    struct vm_pt_region regions[VM_PT_DEV_MAX];
    uint32_t irq_count;
    uint32_t irqs[VM_PT_IRQ_MAX];
};

struct vm_dtb_device {
    char name[VM_NAME_SIZE];
    enum dtb_device_type type;
    uint32_t irq_count;
    uint32_t irqs[VM_DTB_DEV_IRQ_MAX];
    uint64_t addr_region_ipa;
    uint64_t addr_region_length;
};

struct vm_config_spec {
    char name[VM_NAME_SIZE];
    enum vm_type type;
    char cmdline[VM_CMDLINE_SIZE];
    struct vm_image_spec image;
    uint32_t mem_region_count;
    struct vm_mem_region mem_regions[VM_MEM_REGION_MAX];
    struct vm_cpu_spec cpu;
    uint32_t emu_device_count;
    struct vm_emu_device emu_devices[VM_EMU_DEV_MAX];
    struct vm_passthrough_spec passthrough;
    uint32_t dtb_device_count;
    struct vm_dtb_device dtb_devices[VM_DTB_DEV_MAX];
};

/* What the checks need to know about the machine the VM is for. */
struct vm_machine {
    uint32_t hart_count;     /* physical harts 0..hart_count-1 exist; at most VM_HART_MAX */
    uint32_t reserved_harts; /* harts owned exclusively by other VMs (the MVM's hart 0) */
};

/* The machine assumed when nothing better is known: VM_HART_MAX harts, hart 0 kept by the MVM. */
#define VM_MACHINE_DEFAULT                                                                         \
    {                                                                                              \
        .hart_count = VM_HART_MAX, .reserved_harts = UINT32_C(1) << 0                              \
    }

/* Read the JSON text[0, len) into *cfg: syntax, field types, number formats and per-field limits.
 * Returns false if an error was reported; *cfg is then only partly filled. */
bool vm_config_parse(const char *text, size_t len, struct vm_config_spec *cfg,
                     struct config_diag *diag);

/* Check a parsed configuration as a whole: addresses, overlaps, harts, IRQs, device settings. */
void vm_config_check(const struct vm_config_spec *cfg, const struct vm_machine *machine,
                     struct config_diag *diag);

/* Parse, then (if that succeeded) check.  Returns true when no error was reported. */
bool vm_config_load(const char *text, size_t len, const struct vm_machine *machine,
                    struct vm_config_spec *cfg, struct config_diag *diag);

/* The harts the VM runs on: the lowest cpu->num set bits of cpu->allocate_bitmap. */
uint32_t vm_cpu_harts(const struct vm_cpu_spec *cpu);

/* Names used in the JSON files.  The lookups return false for unknown names. */
const char *vm_type_name(enum vm_type type);
const char *emu_device_type_name(enum emu_device_type type);
const char *dtb_device_type_name(enum dtb_device_type type);
bool vm_type_from_name(const char *name, enum vm_type *type); /* also "VM_T_BARE_MATEL_APP" */
bool emu_device_type_from_name(const char *name, enum emu_device_type *type);
bool dtb_device_type_from_name(const char *name, enum dtb_device_type *type);

#endif
