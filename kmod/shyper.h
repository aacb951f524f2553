/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Shyper MVM module (shyper.ko): /dev/shyper for the `shyper` CLI, on the device-tree
 * node "shyper,hypervisor" the hypervisor gives the management VM.  The user interface is
 * include/shyper/ioctl.h; this header is the state its files share.
 *
 *   shyper_main.c    platform driver, misc device, module init/exit
 *   shyper_ioctl.c   the ioctls, one hypercall each
 *   shyper_notify.c  the hypervisor's message ring, its interrupt, read() and poll()
 */
#ifndef SHYPER_KMOD_SHYPER_H
#define SHYPER_KMOD_SHYPER_H

#include <linux/fs.h>
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

    /* VM_LOAD's bounce buffer (shyper_ioctl.c), one loader at a time. */
    void *bounce;
    struct mutex bounce_lock;
};

/* Allocates and registers the ring and requests irq; undone by shyper_notify_exit(). */
int shyper_notify_init(struct shyper_dev *sd, int irq);
void shyper_notify_exit(struct shyper_dev *sd);
/* read() of /dev/shyper: whole struct shyper_msg records. */
ssize_t shyper_notify_read(struct shyper_dev *sd, char __user *buf, size_t count, bool nonblock);
__poll_t shyper_notify_poll(struct shyper_dev *sd, struct file *file, poll_table *wait);

/* Allocates the bounce buffer; undone by shyper_ioctl_exit(). */
int shyper_ioctl_init(struct shyper_dev *sd);
void shyper_ioctl_exit(struct shyper_dev *sd);
long shyper_ioctl(struct shyper_dev *sd, unsigned int cmd, unsigned long arg);

#endif
