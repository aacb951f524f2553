/*
 * The hostile VM as the MVM creates it (hostile_mvm.c) and as the hostile guest knows it
 * (hostile_vm.c): harts, guest-physical layout, and the parameters the MVM writes into
 * the guest's image before it boots.
 *
 * The MVM finds HOSTILE_MAGIC in the image and rewrites the words after it with
 * CONFIG_LOAD, so the hypervisor's copy of the image carries them.
 */
#ifndef HOSTILE_LAYOUT_H
#define HOSTILE_LAYOUT_H

#include <kernel/types.h>

#define HOSTILE_MAGIC 0x656c69747368796fUL /* "oyshtile" */

/* Two vCPUs on harts 2 and 3 (the MVM has hart 1, the neighbour hart 0; hart 4 idles). */
#define HOSTILE_HARTS  (BIT(2) | BIT(3))
#define HOSTILE_MASTER 2
#define HOSTILE_VCPUS  2

/* RAM: the image at RAM0; RAM1 apart from it, so that the gap has boundaries too. */
#define HOSTILE_RAM0_BASE 0x90000000UL
#define HOSTILE_RAM0_SIZE MIB(8)
#define HOSTILE_RAM1_BASE 0xd0000000UL
#define HOSTILE_RAM1_SIZE MIB(2)
/* Its vPLIC where QEMU virt has the physical one, larger than the physical one: the
 * guest-physical window 0x0c000000..0x10000000 is vPLIC, then nothing. */
#define HOSTILE_VPLIC_BASE    0x0c000000UL
#define HOSTILE_VPLIC_SIZE    0x600000UL
#define HOSTILE_VPLIC_SOURCES 127 /* the vPLIC's default */
/* Two virtio-mmio devices (one 4 KiB window each, where QEMU virt has its slots): a
 * virtio-net port of the switch, and a virtio console paired with a console the MVM does
 * not have (what it transmits is dropped). */
#define HOSTILE_VIRTIO_SIZE 0x1000UL
#define HOSTILE_VNET_BASE   0x10001000UL
#define HOSTILE_VNET_IRQ    1
#define HOSTILE_VNET_MAC                                                                           \
    {                                                                                              \
        0x02, 0x00, 0x00, 0x00, 0x00, 0x42                                                         \
    }
#define HOSTILE_VCON_BASE      0x10002000UL
#define HOSTILE_VCON_IRQ       2
#define HOSTILE_VCON_PEER_VM   0
#define HOSTILE_VCON_PEER_BASE 0x10003000UL

/* The machine's RAM ends here (the case runs QEMU with -m 1G): the attack sweeps the
 * host-physical RAM below it. */
#define HOSTILE_HOST_RAM_END 0xc0000000UL

/* What one boot of the hostile guest does. */
enum hostile_mode {
    HOSTILE_ATTACK = 0,        /* the 10^6-operation run; powers itself off */
    HOSTILE_STOP_HANDLER = 1,  /* a fault whose trap handler is unmapped */
    HOSTILE_STOP_FP_MMIO = 2,  /* an FP load from the vPLIC: cannot be emulated */
    HOSTILE_STOP_AMO_MMIO = 3, /* an AMO on the vPLIC: cannot be emulated */
    HOSTILE_STOP_PTW_MMIO = 4, /* its page-table walk reads the vPLIC */
    HOSTILE_MODES,
};

struct hostile_params {
    u64 magic;
    u64 mode;  /* enum hostile_mode */
    u64 seed;  /* of the guest's xorshift generator */
    u64 scale; /* percent of the default number of operations (100) */
    u64 vm_id; /* the id CONFIG_CREATE gave the VM */
};

#endif
