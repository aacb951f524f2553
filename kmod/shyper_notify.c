// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications from the hypervisor: a one-page message ring registered with
 * SHYPER_NOTIFY_REGISTER (protocol in include/shyper/hypercall.h) and the interrupt of the
 * "shyper,hypervisor" node, raised after every message.  The interrupt only wakes the
 * readers; read() takes whole messages off the ring and poll() reports them.  Nothing is
 * signalled to any process.  Mediated-disk requests (SHYPER_MSG_BLK_REQ) are read only
 * through the daemon's file (shyper_mediated.c), before the other messages; any reader
 * that empties the ring keeps them aside for it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/barrier.h>
#include <linux/device.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/uaccess.h>

#include "shyper.h"
#include "shyper_hypercall.h"

/* One page: a power of two of at least 4 KiB, as NOTIFY_REGISTER wants. */
#define SHYPER_RING_SIZE PAGE_SIZE
/* Messages one read() takes at most (copied out of a buffer on the stack). */
#define SHYPER_READ_BATCH 16

static irqreturn_t shyper_notify_irq(int irq, void *data)
{
    struct shyper_dev *sd = data;

    wake_up_interruptible(&sd->readers);
    return IRQ_HANDLED;
}

/* The ring holds nr_slots messages in its page. */
static bool ring_fits(u32 nr_slots)
{
    return nr_slots > 1 &&
           struct_size_t(struct shyper_msg_ring, slots, nr_slots) <= SHYPER_RING_SIZE;
}

int shyper_notify_init(struct shyper_dev *sd, int irq)
{
    unsigned long nr_slots;
    int err;

    spin_lock_init(&sd->ring_lock);
    init_waitqueue_head(&sd->readers);
    INIT_KFIFO(sd->blk_reqs);
    INIT_KFIFO(sd->other_msgs);
    sd->ring = (struct shyper_msg_ring *)get_zeroed_page(GFP_KERNEL);
    if (!sd->ring)
        return -ENOMEM;
    err = request_irq(irq, shyper_notify_irq, 0, KBUILD_MODNAME, sd);
    if (err) {
        dev_err(sd->dev, "cannot request notification interrupt %d: %d\n", irq, err);
        goto free_ring;
    }
    sd->irq = irq;
    err = shyper_hc_notify_register(virt_to_phys(sd->ring), SHYPER_RING_SIZE, &nr_slots);
    if (err) {
        dev_err(sd->dev, "the hypervisor refused the message ring: %d\n", err);
        goto free_irq;
    }
    if (!ring_fits(nr_slots)) {
        dev_err(sd->dev, "the hypervisor gave the ring %lu slots; a page holds fewer\n", nr_slots);
        err = -EPROTO;
        goto unregister;
    }
    sd->nr_slots = nr_slots;
    sd->tail = 0;
    sd->dropped_seen = 0;
    return 0;

unregister:
    shyper_hc_notify_register(0, 0, NULL);
free_irq:
    free_irq(irq, sd);
free_ring:
    free_page((unsigned long)sd->ring);
    sd->ring = NULL;
    return err;
}

void shyper_notify_exit(struct shyper_dev *sd)
{
    /* The hypervisor must stop writing the page before it is freed. */
    int err = shyper_hc_notify_register(0, 0, NULL);

    free_irq(sd->irq, sd);
    if (err) {
        /* Leaking the page is safer than letting the hypervisor write into reused memory. */
        dev_err(sd->dev, "cannot unregister the message ring (%d); its page is kept\n", err);
        return;
    }
    free_page((unsigned long)sd->ring);
    sd->ring = NULL;
}

static bool ring_pending(struct shyper_dev *sd)
{
    u32 head = READ_ONCE(sd->ring->head);

    return head != READ_ONCE(sd->tail) && head < sd->nr_slots;
}

/* Whether a read() of file would find a message. */
static bool msgs_pending(struct shyper_dev *sd, struct file *file)
{
    return ring_pending(sd) || !kfifo_is_empty(&sd->other_msgs) ||
           (file == READ_ONCE(sd->blk_reader) && !kfifo_is_empty(&sd->blk_reqs));
}

/* Under ring_lock: keeps msg for the readers it is meant for. */
static void sort_msg(struct shyper_dev *sd, const struct shyper_msg *msg)
{
    bool kept;

    if (msg->type == SHYPER_MSG_BLK_REQ)
        kept = !sd->blk_reader || kfifo_put(&sd->blk_reqs, *msg); /* no daemon: stale */
    else
        kept = kfifo_put(&sd->other_msgs, *msg);
    if (!kept)
        sd->lost++;
}

/* Under ring_lock: takes every message off the ring into the fifos. */
static void drain_ring(struct shyper_dev *sd)
{
    u32 head = READ_ONCE(sd->ring->head), dropped;

    if (head >= sd->nr_slots) {
        dev_err_ratelimited(sd->dev, "ring head %u out of range; messages ignored\n", head);
        return;
    }
    virt_rmb(); /* the slots were written before head */
    while (sd->tail != head) {
        sort_msg(sd, &sd->ring->slots[sd->tail]);
        sd->tail = (sd->tail + 1) % sd->nr_slots;
    }
    virt_mb(); /* the slots are read before the hypervisor may reuse them */
    WRITE_ONCE(sd->ring->tail, sd->tail);
    dropped = READ_ONCE(sd->ring->dropped);
    if (dropped != sd->dropped_seen) {
        dev_warn_ratelimited(sd->dev, "%u notifications dropped: the ring was full\n",
                             dropped - sd->dropped_seen);
        sd->dropped_seen = dropped;
    }
}

/* Takes up to max messages for file into out; returns how many.  The daemon's requests
 * come first. */
static size_t take_msgs(struct shyper_dev *sd, struct file *file, struct shyper_msg *out,
                        size_t max)
{
    size_t n = 0;
    u32 lost;

    bool for_daemon;

    spin_lock(&sd->ring_lock);
    drain_ring(sd);
    if (file == sd->blk_reader)
        n = kfifo_out(&sd->blk_reqs, out, max);
    n += kfifo_out(&sd->other_msgs, out + n, max - n);
    for_daemon = file != sd->blk_reader && !kfifo_is_empty(&sd->blk_reqs);
    lost = sd->lost;
    sd->lost = 0;
    spin_unlock(&sd->ring_lock);
    if (for_daemon)
        wake_up_interruptible(&sd->readers); /* requests kept aside for the daemon */
    if (lost)
        dev_warn_ratelimited(sd->dev, "%u notifications lost: no reader took them\n", lost);
    return n;
}

void shyper_notify_set_blk_reader(struct shyper_dev *sd, struct file *file)
{
    spin_lock(&sd->ring_lock);
    if (!file)
        drain_ring(sd); /* with the old reader gone, its requests are dropped */
    WRITE_ONCE(sd->blk_reader, file);
    kfifo_reset(&sd->blk_reqs);
    spin_unlock(&sd->ring_lock);
}

ssize_t shyper_notify_read(struct shyper_dev *sd, struct file *file, char __user *buf, size_t count)
{
    struct shyper_msg msgs[SHYPER_READ_BATCH];
    size_t max = min_t(size_t, count / sizeof(msgs[0]), SHYPER_READ_BATCH);
    size_t n;

    if (!max)
        return -EINVAL;
    while (!(n = take_msgs(sd, file, msgs, max))) {
        int err;

        if (file->f_flags & O_NONBLOCK)
            return -EAGAIN;
        err = wait_event_interruptible(sd->readers, msgs_pending(sd, file));
        if (err)
            return err;
    }
    return copy_to_user(buf, msgs, n * sizeof(msgs[0])) ? -EFAULT : n * sizeof(msgs[0]);
}

__poll_t shyper_notify_poll(struct shyper_dev *sd, struct file *file, poll_table *wait)
{
    poll_wait(file, &sd->readers, wait);
    return msgs_pending(sd, file) ? EPOLLIN | EPOLLRDNORM : 0;
}
