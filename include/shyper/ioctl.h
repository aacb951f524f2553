/*
 * /dev/shyper: the interface of the MVM kernel module (kmod/) to user space (cli/).
 * See docs/management.md.
 *
 * Every ioctl maps to exactly one hypercall of include/shyper/hypercall.h; its number is
 * the hypercall's (group << 4 | function).  The module copies user data into kernel
 * memory it owns and passes that memory's physical address; it never hands the
 * hypervisor a user pointer.  Errors: the ioctl fails with errno set from the SBI error
 * (SBI_ERR_DENIED -> EPERM, INVALID_PARAM -> EINVAL, INVALID_ADDRESS -> EFAULT,
 * NOT_SUPPORTED -> EOPNOTSUPP, ALREADY_AVAILABLE/ALREADY_STARTED -> EALREADY,
 * ALREADY_STOPPED -> EBUSY, any other -> EIO).
 *
 * read() returns whole struct shyper_msg records (hypercall.h) as the hypervisor posts
 * them: it blocks until at least one is there (EAGAIN with O_NONBLOCK) and needs a buffer
 * of at least one record (EINVAL otherwise).  poll() reports POLLIN while messages wait.
 * With several readers, each message goes to one of them, except mediated-disk requests
 * (SHYPER_MSG_BLK_REQ), which only the daemon's file reads, before any other message.
 *
 * The mediated-disk daemon (docs/mediated-blk.md): one open file at a time attaches with
 * SHYPER_IOC_MEDIATED_ATTACH (EBUSY while another one is attached); it then mmap()s
 * buffer_size bytes at offset 0 (MAP_SHARED, the file opened O_RDWR): slot i of the
 * requests is at i * SHYPER_MEDIATED_SLOT_SIZE.  It reads the requests, serves them and
 * returns their results with SHYPER_IOC_MEDIATED_COMPLETE.  Closing the file detaches it:
 * the guests' requests in flight fail, and new ones fail until a daemon attaches again.
 */
#ifndef SHYPER_IOCTL_H
#define SHYPER_IOCTL_H

#include <linux/ioctl.h>
#include <shyper/hypercall.h>

#define SHYPER_DEVICE            "/dev/shyper"
#define SHYPER_IOC_MAGIC         0xB9 /* unused in Documentation/userspace-api/ioctl/ioctl-number.rst */
#define SHYPER_IOC_NR(group, fn) (((group) << 4) | (fn))

/* Most VMs VM_LIST reports: one per bit of shyper_system_info.vmid_mask. */
#define SHYPER_IOC_LIST_MAX 64

struct shyper_ioc_vm_list {
    shyper_u64 vms;      /* in: user address of struct shyper_vm_info[capacity] */
    shyper_u32 capacity; /* in: entries there; at most SHYPER_IOC_LIST_MAX are used */
    shyper_u32 count;    /* out: VMs that exist (entries filled: min(count, capacity)) */
};

struct shyper_ioc_vm_stats {
    shyper_u32 id; /* in */
    shyper_u32 reserved;
    struct shyper_vm_stats stats; /* out */
};

struct shyper_ioc_vm_create {
    shyper_u64 spec; /* in: user address of a struct shyper_vm_spec */
    shyper_u32 id;   /* out: the new VM's id */
    shyper_u32 reserved;
};

/* The module loads the data in chunks of at most 256 KiB (one hypercall each). */
struct shyper_ioc_vm_load {
    shyper_u32 id;     /* in: the VM */
    shyper_u32 image;  /* in: enum shyper_image */
    shyper_u64 offset; /* in: where data goes in the image (no gap after what is loaded) */
    shyper_u64 data;   /* in: user address of the bytes */
    shyper_u64 length; /* in: how many */
    shyper_u64 loaded; /* out: bytes of the image loaded so far */
};

struct shyper_ioc_mediated_attach {
    shyper_u32 nr_disks;    /* in: entries of disk_sectors that are used */
    shyper_u32 nr_slots;    /* out: request slots of SHYPER_MEDIATED_SLOT_SIZE bytes */
    shyper_u64 buffer_size; /* out: bytes to mmap() at offset 0 */
    /* in: mediated disk i's size in 512-byte sectors; 0: not served (its requests fail) */
    shyper_u64 disk_sectors[SHYPER_MEDIATED_MAX_DISKS];
};

struct shyper_ioc_mediated_complete {
    shyper_u64 done;      /* in: user address of struct shyper_blk_done[count] */
    shyper_u32 count;     /* in: 1..SHYPER_MEDIATED_MAX_SLOTS */
    shyper_u32 delivered; /* out: results that reached their guest */
};

/* SYSTEM_GET_INFO */
#define SHYPER_IOC_SYSTEM_INFO                                                                     \
    _IOR(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_GET_INFO),             \
         struct shyper_system_info)
/* VMM_LIST */
#define SHYPER_IOC_VM_LIST                                                                         \
    _IOWR(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_VMM, SHYPER_VMM_LIST),                      \
          struct shyper_ioc_vm_list)
/* VMM_GET_INFO: id in, the whole record out */
#define SHYPER_IOC_VM_INFO                                                                         \
    _IOWR(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_VMM, SHYPER_VMM_GET_INFO),                  \
          struct shyper_vm_info)
/* VMM_BOOT, VMM_SHUTDOWN, VMM_REBOOT, VMM_REMOVE: the argument is the VM id itself */
#define SHYPER_IOC_VM_BOOT _IO(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_VMM, SHYPER_VMM_BOOT))
#define SHYPER_IOC_VM_SHUTDOWN                                                                     \
    _IO(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_VMM, SHYPER_VMM_SHUTDOWN))
#define SHYPER_IOC_VM_REBOOT                                                                       \
    _IO(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_VMM, SHYPER_VMM_REBOOT))
#define SHYPER_IOC_VM_REMOVE                                                                       \
    _IO(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_VMM, SHYPER_VMM_REMOVE))
/* VMM_GET_STATS */
#define SHYPER_IOC_VM_STATS                                                                        \
    _IOWR(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_VMM, SHYPER_VMM_GET_STATS),                 \
          struct shyper_ioc_vm_stats)
/* CONFIG_CREATE */
#define SHYPER_IOC_VM_CREATE                                                                       \
    _IOWR(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_CONFIG, SHYPER_CONFIG_CREATE),              \
          struct shyper_ioc_vm_create)
/* CONFIG_LOAD, once per chunk */
#define SHYPER_IOC_VM_LOAD                                                                         \
    _IOWR(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_CONFIG, SHYPER_CONFIG_LOAD),                \
          struct shyper_ioc_vm_load)

/* MEDIATED_ATTACH: the calling file becomes the mediated-disk daemon */
#define SHYPER_IOC_MEDIATED_ATTACH                                                                 \
    _IOWR(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_MEDIATED, SHYPER_MEDIATED_ATTACH),          \
          struct shyper_ioc_mediated_attach)
/* MEDIATED_COMPLETE, the daemon's file only (EPERM otherwise).  EINVAL when an entry named
 * no request in flight; the others were delivered. */
#define SHYPER_IOC_MEDIATED_COMPLETE                                                               \
    _IOWR(SHYPER_IOC_MAGIC, SHYPER_IOC_NR(SHYPER_GROUP_MEDIATED, SHYPER_MEDIATED_COMPLETE),        \
          struct shyper_ioc_mediated_complete)

#endif
