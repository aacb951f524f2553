/*
 * VM 0, the management VM (MVM): Linux on hart 0 with the machine's UART, RTC and the
 * QEMU virtio-mmio slots (disk, NIC) passed through, a virtual PLIC, the shyper device
 * (the hypervisor's notification interrupt, no registers) and one virtio console per
 * guest VM 1..4 (its /dev/hvc1../dev/hvc4).  Its RAM is identity-mapped because the
 * passed-through devices DMA to the addresses its drivers give them (there is no IOMMU).
 * VM0_IMAGE (a build variable) selects the kernel.
 */
#include <config/vm_config.h>

#ifndef VM0_IMAGE
#error "VM0_IMAGE must name the image VM 0 runs"
#endif

#define MVM_RAM_BASE 0x90000000UL
#define MVM_RAM_SIZE MIB(512)

/* QEMU virt devices (hw/riscv/virt.c) */
#define VIRT_PLIC_BASE    0x0c000000UL
#define VIRT_PLIC_SIZE    0x600000UL
#define VIRT_RTC_BASE     0x101000UL
#define VIRT_UART_BASE    0x10000000UL
#define VIRT_VIRTIO_BASE  0x10001000UL
#define VIRT_VIRTIO_SLOTS 8
#define VIRT_MMIO_PAGE    0x1000UL
#define VIRT_UART_IRQ     10
#define VIRT_RTC_IRQ      11
/* The hypervisor's notification interrupt (vm_notify.h), a source of the vPLIC only;
 * 69 as in Rust-Shyper. */
#define MVM_SHYPER_IRQ 69
/* The MVM's end of the console pair of VM n (1..4): at 0x4000n000 with interrupt 45 + n,
 * paired with VM n's console at GVM_CONSOLE_BASE (cli/examples/vm*.json).  Listed in
 * this order, they are the MVM's /dev/hvc1../dev/hvc4 (hvc0 is the SBI console). */
#define MVM_CONSOLE_BASE(n) (0x40000000UL + (n)*VIRT_MMIO_PAGE)
#define MVM_CONSOLE_IRQ(n)  (45 + (n))
#define GVM_CONSOLE_BASE    0x40001000UL
#define MVM_CONSOLE(n)                                                                             \
    {                                                                                              \
        .name = "virtio_console@4000" #n "000", .type = EMU_DEV_VIRTIO_CONSOLE,                    \
        .base = MVM_CONSOLE_BASE(n), .size = VIRT_MMIO_PAGE, .irq = MVM_CONSOLE_IRQ(n),            \
        .cfg = {(n), GVM_CONSOLE_BASE}, .nr_cfg = 2                                                \
    }

VM_IMAGE(vm0, VM0_IMAGE);

const struct vm_config vm_static_configs[] = {
    {
        .name = "mvm",
        .os = VM_OS_LINUX,
        .cmdline = "earlycon=sbi console=ttyS0 root=/dev/vda rw",
        .kernel = VM_BLOB(vm0),
        .kernel_ipa = MVM_RAM_BASE,
        .harts = BIT(0),
        .master = 0,
        .mem = {{.ipa = MVM_RAM_BASE, .size = MVM_RAM_SIZE, .identity = true}},
        .nr_mem = 1,
        .emu =
            {{.name = "plic", .type = EMU_DEV_PLIC, .base = VIRT_PLIC_BASE, .size = VIRT_PLIC_SIZE},
             {.name = "shyper", .type = EMU_DEV_SHYPER, .irq = MVM_SHYPER_IRQ},
             MVM_CONSOLE(1),
             MVM_CONSOLE(2),
             MVM_CONSOLE(3),
             MVM_CONSOLE(4),
             /* The MVM's port on the inter-VM switch (10.0.0.1), with Rust-Shyper's MAC. */
             {.name = "virtio_net@40008000",
              .type = EMU_DEV_VIRTIO_NET,
              .base = 0x40008000,
              .size = 0x1000,
              .irq = 50,
              .cfg = {0x74, 0x56, 0xaa, 0x0f, 0x47, 0xd0},
              .nr_cfg = 6}},
        .nr_emu = 7,
        .pt = {{.ipa = VIRT_UART_BASE, .pa = VIRT_UART_BASE, .size = VIRT_MMIO_PAGE},
               {.ipa = VIRT_RTC_BASE, .pa = VIRT_RTC_BASE, .size = VIRT_MMIO_PAGE},
               {.ipa = VIRT_VIRTIO_BASE,
                .pa = VIRT_VIRTIO_BASE,
                .size = VIRT_VIRTIO_SLOTS * VIRT_MMIO_PAGE}},
        .nr_pt = 3,
        .pt_irqs = {1, 2, 3, 4, 5, 6, 7, 8, VIRT_UART_IRQ, VIRT_RTC_IRQ},
        .nr_pt_irqs = 10,
    },
};
const u32 vm_static_config_count = ARRAY_SIZE(vm_static_configs);
