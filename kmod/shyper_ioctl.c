// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/shyper (include/shyper/ioctl.h), one hypercall each.  What user
 * space passes is copied into kmalloc'ed (physically contiguous) kernel buffers of a
 * bounded size; the hypervisor gets their physical addresses (see shyper_hypercall.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <shyper/ioctl.h>

#include "shyper.h"
#include "shyper_hypercall.h"

/* VM_LOAD copies user data through one buffer of this size (one hypercall per chunk). */
#define SHYPER_LOAD_CHUNK SZ_256K
#define SHYPER_LOAD_ORDER get_order(SHYPER_LOAD_CHUNK)

int shyper_ioctl_init(struct shyper_dev *sd)
{
    mutex_init(&sd->bounce_lock);
    sd->bounce = (void *)__get_free_pages(GFP_KERNEL, SHYPER_LOAD_ORDER);
    return sd->bounce ? 0 : -ENOMEM;
}

void shyper_ioctl_exit(struct shyper_dev *sd)
{
    free_pages((unsigned long)sd->bounce, SHYPER_LOAD_ORDER);
    sd->bounce = NULL;
}

static int ioc_system_info(void __user *arg)
{
    struct shyper_system_info *info = kzalloc(sizeof(*info), GFP_KERNEL);
    int err;

    if (!info)
        return -ENOMEM;
    err = shyper_hc_system_info(virt_to_phys(info), sizeof(*info));
    if (!err && copy_to_user(arg, info, sizeof(*info)))
        err = -EFAULT;
    kfree(info);
    return err;
}

static int ioc_vm_list(void __user *arg)
{
    const size_t bytes = SHYPER_IOC_LIST_MAX * sizeof(struct shyper_vm_info);
    struct shyper_ioc_vm_list req;
    struct shyper_vm_info *vms;
    unsigned long count;
    int err;

    if (copy_from_user(&req, arg, sizeof(req)))
        return -EFAULT;
    /* Always the whole bounded array, so that count is every VM whatever the capacity. */
    vms = kzalloc(bytes, GFP_KERNEL);
    if (!vms)
        return -ENOMEM;
    err = shyper_hc_vm_list(virt_to_phys(vms), bytes, &count);
    if (!err) {
        size_t filled = min3((size_t)count, (size_t)req.capacity, (size_t)SHYPER_IOC_LIST_MAX);

        req.count = count;
        if (copy_to_user(u64_to_user_ptr(req.vms), vms, filled * sizeof(*vms)) ||
            copy_to_user(arg, &req, sizeof(req)))
            err = -EFAULT;
    }
    kfree(vms);
    return err;
}

static int ioc_vm_info(void __user *arg)
{
    struct shyper_vm_info *info = kzalloc(sizeof(*info), GFP_KERNEL);
    int err = 0;

    if (!info)
        return -ENOMEM;
    if (copy_from_user(info, arg, sizeof(*info)))
        err = -EFAULT;
    if (!err)
        err = shyper_hc_vm_info(info->id, virt_to_phys(info), sizeof(*info));
    if (!err && copy_to_user(arg, info, sizeof(*info)))
        err = -EFAULT;
    kfree(info);
    return err;
}

static int ioc_vm_stats(void __user *arg)
{
    struct shyper_ioc_vm_stats *req = kzalloc(sizeof(*req), GFP_KERNEL);
    int err = 0;

    if (!req)
        return -ENOMEM;
    if (copy_from_user(req, arg, sizeof(*req)))
        err = -EFAULT;
    if (!err)
        err = shyper_hc_vm_stats(req->id, virt_to_phys(&req->stats), sizeof(req->stats));
    if (!err && copy_to_user(arg, req, sizeof(*req)))
        err = -EFAULT;
    kfree(req);
    return err;
}

static int ioc_vm_op(enum shyper_vmm_fn fn, unsigned long id)
{
    return id > U32_MAX ? -EINVAL : shyper_hc_vm_op(fn, id);
}

static int ioc_vm_create(void __user *arg)
{
    struct shyper_ioc_vm_create req;
    struct shyper_vm_spec *spec;
    unsigned long id;
    int err = 0;

    if (copy_from_user(&req, arg, sizeof(req)))
        return -EFAULT;
    spec = kmalloc(sizeof(*spec), GFP_KERNEL);
    if (!spec)
        return -ENOMEM;
    if (copy_from_user(spec, u64_to_user_ptr(req.spec), sizeof(*spec)))
        err = -EFAULT;
    if (!err)
        err = shyper_hc_vm_create(virt_to_phys(spec), sizeof(*spec), &id);
    kfree(spec);
    if (err)
        return err;
    req.id = id;
    /* The VM exists now: the caller learns its id or has to find it in the list. */
    return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

/* Loads req's data chunk by chunk through the bounce buffer; req->loaded is set. */
static int load_chunks(struct shyper_dev *sd, struct shyper_ioc_vm_load *req)
{
    const u8 __user *data = u64_to_user_ptr(req->data);
    unsigned long loaded = 0;
    u64 done;
    int err = 0;

    if (mutex_lock_interruptible(&sd->bounce_lock))
        return -EINTR;
    for (done = 0; !err && done < req->length; done += SHYPER_LOAD_CHUNK) {
        size_t chunk = min_t(u64, req->length - done, SHYPER_LOAD_CHUNK);

        if (fatal_signal_pending(current))
            err = -EINTR;
        else if (copy_from_user(sd->bounce, data + done, chunk))
            err = -EFAULT;
        else
            err = shyper_hc_vm_load(req->id, req->image, req->offset + done,
                                    virt_to_phys(sd->bounce), chunk, &loaded);
        cond_resched();
    }
    mutex_unlock(&sd->bounce_lock);
    req->loaded = loaded;
    return err;
}

static int ioc_vm_load(struct shyper_dev *sd, void __user *arg)
{
    struct shyper_ioc_vm_load req;
    int err;

    if (copy_from_user(&req, arg, sizeof(req)))
        return -EFAULT;
    if (!req.length || req.offset + req.length < req.offset)
        return -EINVAL;
    err = load_chunks(sd, &req);
    if (!err && copy_to_user(arg, &req, sizeof(req)))
        err = -EFAULT;
    return err;
}

long shyper_ioctl(struct shyper_dev *sd, unsigned int cmd, unsigned long arg)
{
    void __user *uarg = (void __user *)arg;

    switch (cmd) {
    case SHYPER_IOC_SYSTEM_INFO:
        return ioc_system_info(uarg);
    case SHYPER_IOC_VM_LIST:
        return ioc_vm_list(uarg);
    case SHYPER_IOC_VM_INFO:
        return ioc_vm_info(uarg);
    case SHYPER_IOC_VM_STATS:
        return ioc_vm_stats(uarg);
    case SHYPER_IOC_VM_BOOT:
        return ioc_vm_op(SHYPER_VMM_BOOT, arg);
    case SHYPER_IOC_VM_SHUTDOWN:
        return ioc_vm_op(SHYPER_VMM_SHUTDOWN, arg);
    case SHYPER_IOC_VM_REBOOT:
        return ioc_vm_op(SHYPER_VMM_REBOOT, arg);
    case SHYPER_IOC_VM_REMOVE:
        return ioc_vm_op(SHYPER_VMM_REMOVE, arg);
    case SHYPER_IOC_VM_CREATE:
        return ioc_vm_create(uarg);
    case SHYPER_IOC_VM_LOAD:
        return ioc_vm_load(sd, uarg);
    default:
        return -ENOTTY;
    }
}
