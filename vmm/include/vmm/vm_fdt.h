/*
 * The device tree a VM boots with (its guest-physical address goes to vCPU 0 in a1).
 * docs/device-tree.md describes the trees; in short:
 *
 * VM_FDT_FROM_HOST (the MVM): a copy of the host tree that keeps what the VM owns.
 *   - /cpus: the host's cpu nodes of the VM's harts, renumbered (vCPU i -> cpu@i, reg = i),
 *     with every property and the phandles of cpu and interrupt controller kept;
 *     the other harts' nodes and /cpus/cpu-map are removed.
 *   - Removed: memory nodes, /reserved-memory, /poweroff, /reboot, /platform-bus, /fw-cfg,
 *     /flash, /pmu, clint and pci, and every other node with a reg property directly
 *     under / or /soc, except passed-through devices (below) and the PLIC; the host's
 *     PLIC nodes wherever they are (the vPLIC takes the place and phandle of the PLIC).
 * VM_FDT_GENERATED (guest VMs, test guests): a new tree with root (#address-cells = 2,
 *   #size-cells = 2, compatible "riscv-virtio"), /cpus (timebase-frequency from the host,
 *   cpu@i with device_type, compatible, mmu-type, riscv,isa-base and riscv,cbop-block-size
 *   of the host hart and an interrupt-controller child) and /soc (simple-bus).
 *
 * Both modes then add:
 *   - riscv,isa and riscv,isa-extensions of each cpu: the host hart's, without the
 *     extensions a VM does not get (h, sstc unless has_sstc, AIA, vector, ... see the
 *     table in vm_fdt.c);
 *   - one memory@<ipa> node per RAM region;
 *   - /soc/plic@<base>, when the VM has an EMU_DEV_PLIC device: the vPLIC, with the host
 *     PLIC's phandle (a new one if the host has none), riscv,ndev = plic_ndev, and
 *     interrupts-extended = <&intc_i 11 &intc_i 9> for each vCPU i in order, so context
 *     2i is vCPU i's (inert) M-level context and 2i+1 its S-level one, as the vPLIC decodes;
 *   - passed-through devices: each node under / or /soc of the host whose reg ranges all lie
 *     in passthrough regions, copied with its subnodes, reg translated to guest-physical
 *     addresses (node renamed to match) and interrupt-parent set to the PLIC;
 *   - /soc/virtio_mmio@<base> per emulated virtio device (compatible "virtio,mmio"), and
 *     for an EMU_DEV_SHYPER device /shyper (/soc/shyper@<base> if it has registers),
 *     compatible "shyper,hypervisor", which names the MVM's notification IRQ; both with
 *     interrupts = <irq> and interrupt-parent = the PLIC;
 *   - /chosen: bootargs (cmdline), linux,initrd-start/-end as 64-bit values when there is
 *     an initrd, stdout-path when the host's console UART is passed through.
 * New phandles start above the host tree's highest one, so none collides.
 */
#ifndef VMM_VM_FDT_H
#define VMM_VM_FDT_H

#include <config/vm_config.h>
#include <kernel/pcpu_layout.h>
#include <kernel/types.h>

struct vm;

/* Buffer a VM's device tree is built in; the result is packed to its real size. */
#define VM_FDT_MAX_SIZE KIB(64)
/* Where the tree goes when the config gives no dtb_ipa: the start of the last 2 MiB of the
 * first RAM region (as QEMU places it), above the kernel and its early allocations. */
#define VM_FDT_DEFAULT_OFFSET_FROM_END MIB(2)

enum vm_fdt_mode {
    VM_FDT_GENERATED = 0,
    VM_FDT_FROM_HOST = 1,
};

struct vm_fdt_params {
    enum vm_fdt_mode mode;
    const void *host_fdt; /* host tree: CPU properties and timebase (both modes) */
    u32 nr_vcpus;
    u32 vcpu_hart[MAX_HARTS]; /* physical hart (host cpu reg) of vCPU i; all different */
    const struct vm_mem_region_config *mem;
    u32 nr_mem;
    const struct vm_pt_region_config *pt; /* passthrough regions: host pa -> guest ipa */
    u32 nr_pt;
    const struct vm_emu_dev_config *emu; /* PLIC, virtio and shyper devices get nodes */
    u32 nr_emu;
    u32 plic_ndev;       /* sources of the vPLIC (riscv,ndev) */
    const char *cmdline; /* NULL: no bootargs */
    gpaddr_t initrd_start;
    u64 initrd_size; /* 0: no initrd */
    bool has_sstc;   /* the VM's harts have Sstc (vstimecmp) */
};

/*
 * Builds the VM's device tree into buf (8-byte aligned, size bytes, apart from the host
 * tree) and packs it (fdt_totalsize(buf) is its size).  Pure: uses nothing but p.  Returns
 * 0, -ENOSPC when buf is too small, -ENOENT when a vCPU's hart or its interrupt controller
 * is not in the host tree, -EINVAL for invalid parameters or host tree.
 */
int vm_fdt_build(const struct vm_fdt_params *p, void *buf, u32 size);

/*
 * Builds vm's tree from its config and the platform (VM_FDT_FROM_HOST for VM 0 running
 * Linux, VM_FDT_GENERATED otherwise) straight into its RAM at config dtb_ipa, or at the
 * default place, and records the address in vm->dtb_ipa.  Run after the images are
 * loaded (at creation and on every reboot); logs and returns a negative errno on error.
 */
int vm_fdt_install(struct vm *vm);

#endif
