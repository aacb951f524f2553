/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Shyper MVM module (shyper.ko): /dev/shyper for the `shyper` CLI, on the device-tree
 * node "shyper,hypervisor" the hypervisor gives the management VM.  The user interface is
 * include/shyper/ioctl.h; this header is the state its files share.
 *
 *   shyper_main.c    platform driver, misc device, module init/exit
 *   shyper_ioctl.c   the ioctls, one hypercall each
 *   shyper_notify.c  the hypervisor's message ring, its interrupt, read() and poll()
 *   shyper_mediated.c  the buffer and the calls of the mediated-disk daemon
 */
#ifndef SHYPER_KMOD_SHYPER_H
#define SHYPER_KMOD_SHYPER_H

#include <linux/fs.h>
#include <linux/kfifo.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <shyper/hypercall.h>

struct shyper_dev {
    struct device *dev;
    struct miscdevice misc;

    /* Notifications (shyper_notify.c).  tail is the module's copy of ring->tail. */
    struct shyper_msg_ring *ring;
    u32 nr_slots;
    u32 tail;
    u32 dropped_seen; /* ring->dropped when last reported */
    spinlock_t ring_lock;
    wait_queue_head_t readers;
    int irq;
    /* Messages taken off the ring but not read yet (under ring_lock): mediated-disk
     * requests go to blk_reader only (the daemon's file; none: they are dropped), the
     * others to any reader. */
    struct file *blk_reader;
    DECLARE_KFIFO(blk_reqs, struct shyper_msg, 2 * SHYPER_MEDIATED_MAX_SLOTS);
    DECLARE_KFIFO(other_msgs, struct shyper_msg, 256);
    u32 lost; /* messages dropped because a fifo was full */

    /* The mediated-disk daemon (shyper_mediated.c), under med_lock. */
    struct mutex med_lock;
    struct file *daemon; /* the file that attached, NULL when none */
    struct page *med_slots[SHYPER_MEDIATED_MAX_SLOTS];
    u32 med_nr_slots;
    struct shyper_blk_done med_done[SHYPER_MEDIATED_MAX_SLOTS]; /* COMPLETE's buffer */

    /* VM_LOAD's bounce buffer (shyper_ioctl.c), one loader at a time. */
    void *bounce;
    struct mutex bounce_lock;
};

/* Allocates and registers the ring and requests irq; undone by shyper_notify_exit(). */
int shyper_notify_init(struct shyper_dev *sd, int irq);
void shyper_notify_exit(struct shyper_dev *sd);
/* read() of /dev/shyper: whole struct shyper_msg records. */
ssize_t shyper_notify_read(struct shyper_dev *sd, struct file *file, char __user *buf,
                           size_t count);
__poll_t shyper_notify_poll(struct shyper_dev *sd, struct file *file, poll_table *wait);
/* Mediated-disk requests go to file (the daemon's) from now on; NULL: they are dropped,
 * also those taken off the ring already. */
void shyper_notify_set_blk_reader(struct shyper_dev *sd, struct file *file);

void shyper_mediated_init(struct shyper_dev *sd);
/* SHYPER_IOC_MEDIATED_ATTACH and _COMPLETE on file. */
long shyper_mediated_ioctl(struct shyper_dev *sd, struct file *file, unsigned int cmd,
                           void __user *arg);
/* mmap() of the daemon's buffer. */
int shyper_mediated_mmap(struct shyper_dev *sd, struct file *file, struct vm_area_struct *vma);
/* file is closed: if it is the daemon's, detach it. */
void shyper_mediated_release(struct shyper_dev *sd, struct file *file);

/* Allocates the bounce buffer; undone by shyper_ioctl_exit(). */
int shyper_ioctl_init(struct shyper_dev *sd);
void shyper_ioctl_exit(struct shyper_dev *sd);
long shyper_ioctl(struct shyper_dev *sd, unsigned int cmd, unsigned long arg);

#endif
