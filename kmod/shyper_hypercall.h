/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypercalls of the Shyper MVM module: thin wrappers around sbi_ecall() for the calls of
 * include/shyper/hypercall.h the module makes, returning 0 or a negative errno.
 *
 * Every address argument is a physical address of kernel memory the module owns and that
 * is physically contiguous (kmalloc, __get_free_pages; never the stack, which may be
 * vmalloc'ed).  The hypervisor wants guest-physical addresses; the MVM's RAM is
 * identity-mapped, so the guest-physical address is what virt_to_phys() returns.
 */
#ifndef SHYPER_KMOD_HYPERCALL_H
#define SHYPER_KMOD_HYPERCALL_H

#include <asm/sbi.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <shyper/hypercall.h>

/* The errno for an SBI error code (docs/management.md lists the mapping). */
static inline int shyper_errno(long sbi_error)
{
    switch (sbi_error) {
    case SBI_ERR_DENIED:
        return -EPERM;
    case SBI_ERR_INVALID_PARAM:
        return -EINVAL;
    case SBI_ERR_INVALID_ADDRESS:
        return -EFAULT;
    case SBI_ERR_NOT_SUPPORTED:
        return -EOPNOTSUPP;
    case SBI_ERR_ALREADY_AVAILABLE:
    case SBI_ERR_ALREADY_STARTED:
        return -EALREADY;
    case SBI_ERR_ALREADY_STOPPED:
        return -EBUSY;
    default:
        return -EIO;
    }
}

/* One call: a0..a4 in, *value (if not NULL) = a1 out on success. */
static inline int shyper_call(enum shyper_group group, unsigned int fn, unsigned long a0,
                              unsigned long a1, unsigned long a2, unsigned long a3,
                              unsigned long a4, unsigned long *value)
{
    struct sbiret ret = sbi_ecall(SHYPER_EID(group), fn, a0, a1, a2, a3, a4, 0);

    if (ret.error)
        return shyper_errno(ret.error);
    if (value)
        *value = ret.value;
    return 0;
}

static inline int shyper_hc_version(unsigned long *version)
{
    return shyper_call(SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_GET_VERSION, 0, 0, 0, 0, 0, version);
}

static inline int shyper_hc_system_info(phys_addr_t info, size_t size)
{
    return shyper_call(SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_GET_INFO, info, size, 0, 0, 0, NULL);
}

/* *count = how many VMs exist. */
static inline int shyper_hc_vm_list(phys_addr_t vms, size_t bytes, unsigned long *count)
{
    return shyper_call(SHYPER_GROUP_VMM, SHYPER_VMM_LIST, vms, bytes, 0, 0, 0, count);
}

static inline int shyper_hc_vm_info(u32 id, phys_addr_t info, size_t size)
{
    return shyper_call(SHYPER_GROUP_VMM, SHYPER_VMM_GET_INFO, id, info, size, 0, 0, NULL);
}

static inline int shyper_hc_vm_stats(u32 id, phys_addr_t stats, size_t size)
{
    return shyper_call(SHYPER_GROUP_VMM, SHYPER_VMM_GET_STATS, id, stats, size, 0, 0, NULL);
}

/* fn: SHYPER_VMM_BOOT, _SHUTDOWN, _REBOOT or _REMOVE. */
static inline int shyper_hc_vm_op(enum shyper_vmm_fn fn, u32 id)
{
    return shyper_call(SHYPER_GROUP_VMM, fn, id, 0, 0, 0, 0, NULL);
}

static inline int shyper_hc_vm_create(phys_addr_t spec, size_t size, unsigned long *id)
{
    return shyper_call(SHYPER_GROUP_CONFIG, SHYPER_CONFIG_CREATE, spec, size, 0, 0, 0, id);
}

/* *loaded = bytes of the image loaded so far. */
static inline int shyper_hc_vm_load(u32 id, u32 image, u64 offset, phys_addr_t data, size_t len,
                                    unsigned long *loaded)
{
    return shyper_call(SHYPER_GROUP_CONFIG, SHYPER_CONFIG_LOAD, id, image, offset, data, len,
                       loaded);
}

/* size 0 unregisters the ring. */
static inline int shyper_hc_notify_register(phys_addr_t ring, size_t size, unsigned long *slots)
{
    return shyper_call(SHYPER_GROUP_NOTIFY, SHYPER_NOTIFY_REGISTER, ring, size, 0, 0, 0, slots);
}

/* a0 = struct shyper_mediated_attach. */
static inline int shyper_hc_mediated_attach(phys_addr_t attach, size_t size)
{
    return shyper_call(SHYPER_GROUP_MEDIATED, SHYPER_MEDIATED_ATTACH, attach, size, 0, 0, 0, NULL);
}

/* *delivered = how many results reached their guest. */
static inline int shyper_hc_mediated_complete(phys_addr_t done, size_t bytes,
                                              unsigned long *delivered)
{
    return shyper_call(SHYPER_GROUP_MEDIATED, SHYPER_MEDIATED_COMPLETE, done, bytes, 0, 0, 0,
                       delivered);
}

static inline int shyper_hc_mediated_detach(void)
{
    return shyper_call(SHYPER_GROUP_MEDIATED, SHYPER_MEDIATED_DETACH, 0, 0, 0, 0, 0, NULL);
}

#endif
