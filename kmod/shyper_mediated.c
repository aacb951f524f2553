// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon behind mediated disks (docs/mediated-blk.md).  One file of /dev/shyper at a
 * time attaches (SHYPER_IOC_MEDIATED_ATTACH): the module allocates the request slots, each
 * SHYPER_MEDIATED_SLOT_SIZE bytes of physically contiguous, zeroed kernel memory, and
 * registers them with MEDIATED_ATTACH; the daemon mmap()s them as one buffer, slot i at
 * offset i * SHYPER_MEDIATED_SLOT_SIZE.  Requests arrive through read() of that file;
 * results go back with SHYPER_IOC_MEDIATED_COMPLETE.  When the file is released (the
 * daemon exited or crashed; its mappings are gone by then) the module detaches it
 * (MEDIATED_DETACH: the guests' requests in flight fail) and frees the slots.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <shyper/ioctl.h>

#include "shyper.h"
#include "shyper_hypercall.h"

/* Slots the module gives the daemon: requests in flight at once, over all guests. */
#define SHYPER_MED_SLOTS      16
#define SHYPER_MED_SLOT_ORDER get_order(SHYPER_MEDIATED_SLOT_SIZE)

static_assert(SHYPER_MED_SLOTS <= SHYPER_MEDIATED_MAX_SLOTS);
/* A slot is a whole power-of-two number of pages (one compound page each). */
static_assert(SHYPER_MEDIATED_SLOT_SIZE >= PAGE_SIZE &&
              !(SHYPER_MEDIATED_SLOT_SIZE & (SHYPER_MEDIATED_SLOT_SIZE - 1)));

void shyper_mediated_init(struct shyper_dev *sd)
{
    mutex_init(&sd->med_lock);
}

static void free_slots(struct shyper_dev *sd)
{
    for (u32 i = 0; i < sd->med_nr_slots; i++)
        __free_pages(sd->med_slots[i], SHYPER_MED_SLOT_ORDER);
    sd->med_nr_slots = 0;
}

/* Each slot is physically contiguous (the hypervisor copies to and from it as one range)
 * and one compound page, a large folio, whose pages the daemon maps one by one.  Being
 * large lets the daemon's O_DIRECT I/O pin them on gup's fast path (an order-0 page that
 * belongs to no file is sent to the slow path, a page table walk each, for fear of
 * secretmem) and hand them to the block layer as one segment per slot. */
static int alloc_slots(struct shyper_dev *sd)
{
    for (u32 i = 0; i < SHYPER_MED_SLOTS; i++) {
        sd->med_slots[i] = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_COMP, SHYPER_MED_SLOT_ORDER);
        if (!sd->med_slots[i]) {
            free_slots(sd);
            return -ENOMEM;
        }
        sd->med_nr_slots = i + 1;
    }
    return 0;
}

/* Registers the slots and the disks of req with the hypervisor. */
static int attach_call(struct shyper_dev *sd, const struct shyper_ioc_mediated_attach *req)
{
    struct shyper_mediated_attach *a = kzalloc(sizeof(*a), GFP_KERNEL);
    int err;

    if (!a)
        return -ENOMEM;
    a->nr_slots = sd->med_nr_slots;
    a->nr_disks = req->nr_disks;
    for (u32 i = 0; i < sd->med_nr_slots; i++)
        a->slot_ipa[i] = page_to_phys(sd->med_slots[i]);
    memcpy(a->disk_sectors, req->disk_sectors, sizeof(a->disk_sectors));
    err = shyper_hc_mediated_attach(virt_to_phys(a), sizeof(*a));
    kfree(a);
    return err;
}

static int ioc_attach(struct shyper_dev *sd, struct file *file, void __user *arg)
{
    struct shyper_ioc_mediated_attach req;
    int err;

    if (copy_from_user(&req, arg, sizeof(req)))
        return -EFAULT;
    if (req.nr_disks > SHYPER_MEDIATED_MAX_DISKS)
        return -EINVAL;
    if (sd->daemon)
        return sd->daemon == file ? -EALREADY : -EBUSY;
    err = alloc_slots(sd);
    if (err)
        return err;
    /* Requests may come as soon as the hypervisor has the slots. */
    shyper_notify_set_blk_reader(sd, file);
    err = attach_call(sd, &req);
    if (err) {
        shyper_notify_set_blk_reader(sd, NULL);
        free_slots(sd);
        return err;
    }
    sd->daemon = file;
    dev_info(sd->dev, "mediated-disk daemon attached: %u disks, %u request slots\n", req.nr_disks,
             sd->med_nr_slots);
    req.nr_slots = sd->med_nr_slots;
    req.buffer_size = (u64)sd->med_nr_slots * SHYPER_MEDIATED_SLOT_SIZE;
    return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

static int ioc_complete(struct shyper_dev *sd, struct file *file, void __user *arg)
{
    struct shyper_ioc_mediated_complete req;
    unsigned long delivered = 0;
    int err;

    if (copy_from_user(&req, arg, sizeof(req)))
        return -EFAULT;
    if (file != sd->daemon)
        return -EPERM;
    if (!req.count || req.count > ARRAY_SIZE(sd->med_done))
        return -EINVAL;
    if (copy_from_user(sd->med_done, u64_to_user_ptr(req.done),
                       req.count * sizeof(sd->med_done[0])))
        return -EFAULT;
    err = shyper_hc_mediated_complete(virt_to_phys(sd->med_done),
                                      req.count * sizeof(sd->med_done[0]), &delivered);
    req.delivered = delivered;
    if (copy_to_user(arg, &req, sizeof(req)))
        return -EFAULT;
    return err;
}

long shyper_mediated_ioctl(struct shyper_dev *sd, struct file *file, unsigned int cmd,
                           void __user *arg)
{
    long err;

    if (mutex_lock_interruptible(&sd->med_lock))
        return -EINTR;
    err =
        cmd == SHYPER_IOC_MEDIATED_ATTACH ? ioc_attach(sd, file, arg) : ioc_complete(sd, file, arg);
    mutex_unlock(&sd->med_lock);
    return err;
}

static int map_slots(struct shyper_dev *sd, struct vm_area_struct *vma)
{
    unsigned long size = vma->vm_end - vma->vm_start;

    if (vma->vm_pgoff || size > (u64)sd->med_nr_slots * SHYPER_MEDIATED_SLOT_SIZE)
        return -EINVAL;
    for (unsigned long off = 0; off < size; off += PAGE_SIZE) {
        struct page *page = sd->med_slots[off / SHYPER_MEDIATED_SLOT_SIZE] +
                            (off % SHYPER_MEDIATED_SLOT_SIZE) / PAGE_SIZE;
        int err = vm_insert_page(vma, vma->vm_start + off, page);
        if (err)
            return err;
    }
    return 0;
}

int shyper_mediated_mmap(struct shyper_dev *sd, struct file *file, struct vm_area_struct *vma)
{
    int err;

    mutex_lock(&sd->med_lock);
    err = file == sd->daemon ? map_slots(sd, vma) : -EPERM;
    mutex_unlock(&sd->med_lock);
    return err;
}

void shyper_mediated_release(struct shyper_dev *sd, struct file *file)
{
    int err;

    mutex_lock(&sd->med_lock);
    if (file != sd->daemon) {
        mutex_unlock(&sd->med_lock);
        return;
    }
    /* The hypervisor fails the requests in flight and forgets the slots... */
    err = shyper_hc_mediated_detach();
    /* ...so no request of this daemon is left in the ring after this. */
    shyper_notify_set_blk_reader(sd, NULL);
    sd->daemon = NULL;
    if (err) {
        /* Leaking the slots is safer than letting the hypervisor write into reused memory. */
        dev_err(sd->dev, "cannot detach the mediated-disk daemon (%d); its buffer is kept\n", err);
        sd->med_nr_slots = 0;
    } else {
        free_slots(sd);
        dev_info(sd->dev, "mediated-disk daemon detached: the guests' disk requests fail\n");
    }
    mutex_unlock(&sd->med_lock);
}
