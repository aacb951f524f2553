/*
 * Shyper hypercall ABI, shared by the hypervisor, the MVM kernel module (kmod/) and the
 * CLI (cli/).  See docs/hypercall-abi.md.
 *
 * Calling convention: an SBI call from VS-mode.  a7 = SHYPER_EID(group) (the SBI
 * firmware-specific extension space), a6 = function, a0..a5 = arguments.  Returns
 * a0 = SBI error code (0 or SBI_ERR_*), a1 = value.
 *
 * Pointers are guest-physical addresses in the caller's RAM; the hypervisor checks every
 * [address, address + length) against the caller's memory (SBI_ERR_INVALID_ADDRESS).
 * Every function except SYSTEM_GET_VERSION and VMM_GET_MY_ID is refused with
 * SBI_ERR_DENIED unless the caller is VM 0 (the management VM).
 *
 * All structures have fixed layouts: little-endian, naturally aligned, no pointers.
 */
#ifndef SHYPER_HYPERCALL_H
#define SHYPER_HYPERCALL_H

#ifdef __KERNEL__
#include <linux/types.h>
typedef __u8 shyper_u8;
typedef __u32 shyper_u32;
typedef __u64 shyper_u64;
#else
#include <stdint.h>
typedef uint8_t shyper_u8;
typedef uint32_t shyper_u32;
typedef uint64_t shyper_u64;
#endif

#define SHYPER_ABI_VERSION 0x00010002 /* major << 16 | minor */

#define SHYPER_EID_BASE   0x0A000000UL
#define SHYPER_EID(group) (SHYPER_EID_BASE | ((unsigned long)(group) << 8))
#define SHYPER_EID_MIN    SHYPER_EID(SHYPER_GROUP_SYSTEM)
#define SHYPER_EID_MAX    SHYPER_EID(SHYPER_GROUP_NOTIFY)

enum shyper_group {
    SHYPER_GROUP_SYSTEM = 0,
    SHYPER_GROUP_VMM = 1,
    SHYPER_GROUP_CONFIG = 2,
    SHYPER_GROUP_MEDIATED = 3,
    SHYPER_GROUP_NOTIFY = 4,
};

/* SYSTEM group */
enum shyper_system_fn {
    SHYPER_SYSTEM_GET_VERSION = 0, /* -> SHYPER_ABI_VERSION (any VM) */
    SHYPER_SYSTEM_GET_INFO = 1,    /* a0 = ipa of struct shyper_system_info, a1 = its size */
    SHYPER_SYSTEM_SHUTDOWN = 2,    /* powers the machine off */
    SHYPER_SYSTEM_REBOOT = 3,      /* resets the machine */
};

/* VMM group */
enum shyper_vmm_fn {
    SHYPER_VMM_GET_MY_ID = 0, /* -> the caller's VM id (any VM) */
    /* a0 = ipa of struct shyper_vm_info[], a1 = array bytes -> count; an array too small
     * for every VM: SBI_ERR_INVALID_PARAM with a1 = the count (nothing written) */
    SHYPER_VMM_LIST = 1,
    SHYPER_VMM_GET_INFO = 2, /* a0 = vm id, a1 = ipa of struct shyper_vm_info, a2 = its size */
    /* a0 = vm id: CONFIGURED or STOPPED -> RUNNING (from STOPPED with RAM cleared and the
     * images restored); SBI_ERR_DENIED while the images are not completely loaded */
    SHYPER_VMM_BOOT = 3,
    SHYPER_VMM_SHUTDOWN = 4,  /* a0 = vm id: RUNNING -> STOPPED (forced) */
    SHYPER_VMM_REBOOT = 5,    /* a0 = vm id: stop, restore images, boot */
    SHYPER_VMM_REMOVE = 6,    /* a0 = vm id: stop and free everything (not VM 0) */
    SHYPER_VMM_GET_STATS = 7, /* a0 = vm id, a1 = ipa of struct shyper_vm_stats, a2 = size */
};

/* CONFIG group */
enum shyper_config_fn {
    /* a0 = ipa of struct shyper_vm_spec, a1 = its size -> new vm id (CONFIGURED) */
    SHYPER_CONFIG_CREATE = 0,
    /* a0 = vm id, a1 = enum shyper_image, a2 = byte offset in the image, a3 = ipa of the
     * data in the caller's RAM, a4 = length -> bytes of the image loaded so far.  Copies
     * into the VM's RAM at the image's load address + offset and into the hypervisor's
     * copy of the image (restored at every reboot).  Chunks leave no gap: offset <= the
     * bytes loaded so far; offset + length <= the image size given at CREATE. */
    SHYPER_CONFIG_LOAD = 1,
};

enum shyper_image {
    SHYPER_IMAGE_KERNEL = 0,
    SHYPER_IMAGE_INITRD = 1,
};

/*
 * MEDIATED group: the MVM's daemon serves the guests' mediated virtio-blk disks
 * (docs/mediated-blk.md).  The hypervisor posts each request as a SHYPER_MSG_BLK_REQ
 * message; its data travels through a slot of a buffer in the MVM's RAM that the daemon
 * registered with ATTACH.
 */
enum shyper_mediated_fn {
    /* a0 = ipa of struct shyper_mediated_attach, a1 = its size -> nr_slots.  Requests go to
     * the daemon from now on.  Replaces an earlier attachment, whose requests fail. */
    SHYPER_MEDIATED_ATTACH = 0,
    /* a0 = ipa of struct shyper_blk_done[n], a1 = n * its size (1 <= n <=
     * SHYPER_MEDIATED_MAX_SLOTS) -> how many results reached their guest (the others were
     * for requests the guest dropped meanwhile, e.g. by a reset); a guest gets at most one
     * interrupt per call.  An entry naming no request in flight, or with a bad status or
     * byte count, is skipped and the call returns SBI_ERR_INVALID_PARAM after the others. */
    SHYPER_MEDIATED_COMPLETE = 1,
    /* The daemon is gone: the requests in flight fail (IOERR), the buffer is forgotten and
     * new requests fail at once until the next ATTACH. */
    SHYPER_MEDIATED_DETACH = 2,
};

/* NOTIFY group: hypervisor -> MVM messages */
enum shyper_notify_fn {
    /* a0 = ipa of a struct shyper_msg_ring (8-byte aligned), a1 = its size (a power of two,
     * 4 KiB to 1 MiB) -> nr_slots.  a1 = 0 unregisters the ring (before its memory is
     * freed). */
    SHYPER_NOTIFY_REGISTER = 0,
};

/* ------------------------------------------------------------------ structures */

#define SHYPER_NAME_MAX    32
#define SHYPER_REASON_MAX  96
#define SHYPER_CMDLINE_MAX 1024
#define SHYPER_MAX_MEM     8
#define SHYPER_MAX_DEVS    16
#define SHYPER_MAX_PT      16
#define SHYPER_MAX_PT_IRQS 64
#define SHYPER_DEV_CFG_MAX 16

enum shyper_vm_state {
    SHYPER_VM_CONFIGURED = 0,
    SHYPER_VM_RUNNING = 1,
    SHYPER_VM_STOPPED = 2,
    SHYPER_VM_REMOVED = 3, /* only in SHYPER_MSG_VM_STATE: the VM no longer exists */
};

/* What changed a VM's state (arg2 of SHYPER_MSG_VM_STATE). */
enum shyper_vm_event {
    SHYPER_VM_EVENT_CREATED = 0,     /* CONFIG_CREATE */
    SHYPER_VM_EVENT_BOOTED = 1,      /* VMM_BOOT, or a static VM at machine start */
    SHYPER_VM_EVENT_POWERED_OFF = 2, /* the guest shut itself down (SBI SRST) */
    SHYPER_VM_EVENT_FAULTED = 3,     /* the hypervisor stopped it; stop_reason says why */
    SHYPER_VM_EVENT_SHUT_DOWN = 4,   /* VMM_SHUTDOWN */
    SHYPER_VM_EVENT_REBOOTED = 5,    /* VMM_REBOOT or the guest's SBI SRST reboot */
    SHYPER_VM_EVENT_REMOVED = 6,     /* VMM_REMOVE */
};

struct shyper_system_info {
    shyper_u32 abi_version;
    shyper_u32 nr_harts;
    shyper_u64 hart_mask;
    shyper_u64 total_pages; /* 4 KiB pages of RAM the hypervisor manages */
    shyper_u64 free_pages;
    shyper_u32 nr_vms;
    shyper_u32 max_vms;
    shyper_u64 vmid_mask; /* VM ids in use */
    shyper_u64 irq_owned; /* how many physical interrupt sources VMs own */
};

struct shyper_vm_info {
    shyper_u32 id;
    shyper_u32 state; /* enum shyper_vm_state */
    shyper_u32 os;    /* 0 Linux, 1 bare metal */
    shyper_u32 nr_vcpus;
    shyper_u64 hart_mask;
    shyper_u64 mem_bytes;
    shyper_u32 nr_devices;
    shyper_u32 reserved;
    char name[SHYPER_NAME_MAX];
    char stop_reason[SHYPER_REASON_MAX];
};

/* Exit counters by cause, summed over the VM's vCPUs. */
enum shyper_exit {
    SHYPER_EXIT_SBI,
    SHYPER_EXIT_MMIO,
    SHYPER_EXIT_WFI,
    SHYPER_EXIT_VIRTUAL_INST,
    SHYPER_EXIT_GUEST_FAULT,
    SHYPER_EXIT_IRQ_TIMER,
    SHYPER_EXIT_IRQ_IPI,
    SHYPER_EXIT_IRQ_EXT,
    SHYPER_EXIT_OTHER,
    SHYPER_EXITS,
};

struct shyper_vm_stats {
    shyper_u64 exits[SHYPER_EXITS];
};

struct shyper_mem_region {
    shyper_u64 ipa;
    shyper_u64 size;
};

struct shyper_dev_spec {
    char name[SHYPER_NAME_MAX];
    shyper_u32 type; /* the EMU_DEV_* numbers (Rust-Shyper's EmuDeviceType) */
    shyper_u32 irq;
    shyper_u64 base;
    shyper_u64 size;
    shyper_u32 nr_cfg;
    shyper_u32 reserved;
    shyper_u64 cfg[SHYPER_DEV_CFG_MAX];
};

struct shyper_pt_region {
    shyper_u64 ipa;
    shyper_u64 pa;
    shyper_u64 size;
};

/* A VM as the CLI sends it (validated again by the hypervisor). */
struct shyper_vm_spec {
    char name[SHYPER_NAME_MAX];
    char cmdline[SHYPER_CMDLINE_MAX];
    shyper_u32 os;
    shyper_u32 master;     /* physical hart of vCPU 0 */
    shyper_u64 hart_mask;  /* physical harts, one vCPU on each */
    shyper_u64 kernel_ipa; /* load address and entry point */
    shyper_u64 kernel_size;
    shyper_u64 initrd_ipa;
    shyper_u64 initrd_size; /* 0: none */
    shyper_u64 dtb_ipa;     /* 0: default placement */
    shyper_u32 nr_mem;
    shyper_u32 nr_devs;
    shyper_u32 nr_pt;
    shyper_u32 nr_pt_irqs;
    struct shyper_mem_region mem[SHYPER_MAX_MEM];
    struct shyper_dev_spec devs[SHYPER_MAX_DEVS];
    struct shyper_pt_region pt[SHYPER_MAX_PT];
    shyper_u32 pt_irqs[SHYPER_MAX_PT_IRQS];
};

/*
 * Message ring the MVM registers (NOTIFY_REGISTER).  The hypervisor writes the message at
 * slots[head], then (after a fence) advances head, and raises the notification interrupt
 * named in the MVM's device tree; the MVM reads slots[tail] and advances tail.  head and
 * tail are slot indices in [0, nr_slots) that wrap to 0: the ring is empty when
 * head == tail and full when (head + 1) % nr_slots == tail.  A message that finds the ring
 * full (or tail out of range) is dropped and counted in `dropped`; the hypervisor never
 * waits for the MVM.  nr_slots, dropped and head are written only by the hypervisor.
 */
enum shyper_msg_type {
    /* arg0 = vm id, arg1 = new enum shyper_vm_state, arg2 = enum shyper_vm_event */
    SHYPER_MSG_VM_STATE = 1,
    /* a mediated disk request: the message is a struct shyper_blk_req */
    SHYPER_MSG_BLK_REQ = 2,
};

struct shyper_msg {
    shyper_u32 type;
    shyper_u32 reserved;
    shyper_u64 arg[3];
};

struct shyper_msg_ring {
    shyper_u32 nr_slots; /* set by the hypervisor at registration */
    shyper_u32 dropped;
    shyper_u32 head; /* written by the hypervisor */
    shyper_u32 tail; /* written by the MVM */
    struct shyper_msg slots[];
};

/* ------------------------------------------------------------------ mediated disks */

#define SHYPER_MEDIATED_SLOT_SIZE (256 * 1024) /* bytes of data one request carries at most */
#define SHYPER_MEDIATED_MAX_SLOTS 32
#define SHYPER_MEDIATED_MAX_DISKS 16
#define SHYPER_BLK_SECTOR_SIZE    512

/* MEDIATED_ATTACH: the daemon's buffer and disks. */
struct shyper_mediated_attach {
    shyper_u32 nr_slots; /* 1..SHYPER_MEDIATED_MAX_SLOTS */
    shyper_u32 nr_disks; /* 0..SHYPER_MEDIATED_MAX_DISKS */
    /* slot i: SHYPER_MEDIATED_SLOT_SIZE bytes of the MVM's RAM, page aligned, no overlap */
    shyper_u64 slot_ipa[SHYPER_MEDIATED_MAX_SLOTS];
    /* mediated disk i's size in 512-byte sectors; 0: not served (its requests fail) */
    shyper_u64 disk_sectors[SHYPER_MEDIATED_MAX_DISKS];
};

/* Request types: virtio-blk's VIRTIO_BLK_T_* (GET_ID is answered by the hypervisor). */
enum shyper_blk_op {
    SHYPER_BLK_READ = 0,  /* disk -> slot, len bytes */
    SHYPER_BLK_WRITE = 1, /* slot -> disk, len bytes */
    SHYPER_BLK_FLUSH = 4, /* make earlier writes durable; no data */
};

/* Results: virtio-blk's VIRTIO_BLK_S_*. */
enum shyper_blk_status {
    SHYPER_BLK_OK = 0,
    SHYPER_BLK_IOERR = 1,
    SHYPER_BLK_UNSUPP = 2,
};

/* A struct shyper_msg of type SHYPER_MSG_BLK_REQ.  The data of READ and WRITE is in slot
 * SHYPER_BLK_REQ_SLOT(id) of the buffer.  Every request gets exactly one result, given
 * back with MEDIATED_COMPLETE, unless the daemon detaches first. */
struct shyper_blk_req {
    shyper_u32 type; /* SHYPER_MSG_BLK_REQ */
    shyper_u32 disk; /* mediated disk index */
    shyper_u64 id;   /* unique among all requests since the hypervisor started */
    shyper_u64 sector;
    shyper_u32 op;  /* enum shyper_blk_op */
    shyper_u32 len; /* bytes: a multiple of 512, at most SHYPER_MEDIATED_SLOT_SIZE; 0 for FLUSH */
};

_Static_assert(sizeof(struct shyper_blk_req) == sizeof(struct shyper_msg),
               "a request is one message");

#define SHYPER_BLK_REQ_SLOT(id) ((shyper_u32)((id)&0xff))

/* Or'ed into shyper_blk_done.status of a successful READ (ABI 1.2): the data is all zeros
 * (a hole of a sparse image).  The slot was not written; the hypervisor clears the guest's
 * buffers itself, and bytes is len as for any READ. */
#define SHYPER_BLK_DONE_ZEROS     0x100
#define SHYPER_ABI_BLK_DONE_ZEROS 0x00010002 /* the first ABI version that takes it */

/* MEDIATED_COMPLETE: the result of one request. */
struct shyper_blk_done {
    shyper_u64 id;
    shyper_u32 status; /* enum shyper_blk_status, SHYPER_BLK_DONE_ZEROS with OK for a READ */
    shyper_u32 bytes;  /* READ: bytes of data (anything but len is an error); else 0 */
};

#endif
