/*
 * Mediated virtio-blk (EMU_DEV_VIRTIO_BLK_MEDIATED, docs/mediated-blk.md): a guest's disk
 * is a file or partition in the MVM, served by the MVM's daemon (`shyper system daemon`).
 *
 * Device config: cfg[0] = the mediated disk index (the daemon's list), cfg[1] = the
 * capacity in 512-byte sectors, an upper bound: once the daemon reports the disk's real
 * size, the guest sees the smaller of the two.  A disk belongs to one device of one VM at
 * a time (creating a second device for it fails).
 *
 * Requests.  READ, WRITE and FLUSH of a device go to the daemon: each takes a slot of the
 * buffer the daemon attached (the data of a WRITE is copied into it from the guest first)
 * and is posted to the MVM as a SHYPER_MSG_BLK_REQ message (vm_notify.h); the daemon's
 * result (MEDIATED_COMPLETE) copies a READ's data to the guest, writes the status byte and
 * returns the chain.  As many requests are in flight as there are slots (shared by every
 * device); a device that finds none free stops taking requests from its ring until a result
 * frees one.  GET_ID is answered at once ("shyper-vm<id>-d<disk>").  Without a daemon, for
 * a disk the daemon does not serve, or when the message ring is full, requests fail at
 * once with IOERR.  A device reset (the driver's, or the VM stopping) drops its requests:
 * their slots stay taken until the daemon's result arrives, which is discarded.
 *
 * Locking: the virtio_emu order, (this file's lock) nested inside a device lock:
 *     links lock -> device lock -> mediated lock
 * Management calls are serialised (hypercall.h), so attach, complete and detach never
 * run concurrently with each other; guests' notifications and resets may.
 */
#ifndef DEVICE_VIRTIO_VIRTIO_BLK_MEDIATED_H
#define DEVICE_VIRTIO_VIRTIO_BLK_MEDIATED_H

#include <kernel/types.h>
#include <shyper/hypercall.h>

/* The daemon's buffer (nr_slots host pointers to SHYPER_MEDIATED_SLOT_SIZE bytes of the
 * MVM's RAM, checked by the caller) and the sizes of its nr_disks disks (0: not served).
 * Detaches an earlier daemon first.  Devices whose disk got smaller than their configured
 * capacity announce the new capacity (configuration change interrupt). */
void blk_mediated_attach(u8 *const slots[], u32 nr_slots, const u64 disk_sectors[], u32 nr_disks);

/* Most results blk_mediated_complete() takes at once. */
#define BLK_COMPLETE_MAX SHYPER_MEDIATED_MAX_SLOTS

/* The daemon's results done[0, n): each frees its request's slot and, unless the guest
 * dropped the request meanwhile, goes to the guest, which gets at most one interrupt per
 * device for the batch; *delivered counts those.  Returns how many were refused: a bad
 * status or byte count, no such request in flight, or beyond BLK_COMPLETE_MAX. */
u32 blk_mediated_complete(const struct shyper_blk_done *done, u32 n, u32 *delivered);

/* The daemon is gone: every request in flight fails with IOERR and the buffer is no
 * longer used (its memory may be freed when this returns). */
void blk_mediated_detach(void);

#endif
