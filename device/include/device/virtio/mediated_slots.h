/*
 * The request slots of mediated virtio-blk (docs/mediated-blk.md): which slots of the MVM
 * daemon's buffer hold a request in flight, for which device, under which request id.
 * Pure bookkeeping, no locking (the caller's lock), so the host unit tests run it as is.
 *
 * A slot is FREE, BUSY (a device's request the daemon is serving) or ORPHAN (the device
 * dropped the request, e.g. it was reset, but the daemon may still be writing into the
 * slot: it stays taken until the daemon's result arrives, which is then discarded).
 *
 * Request ids are seq << 8 | slot with a sequence number that never repeats (it is not
 * reset with the table), so a result for an old request never matches a new one.
 */
#ifndef DEVICE_VIRTIO_MEDIATED_SLOTS_H
#define DEVICE_VIRTIO_MEDIATED_SLOTS_H

#include <kernel/types.h>
#include <shyper/hypercall.h>

#define MEDIATED_SLOTS_MAX SHYPER_MEDIATED_MAX_SLOTS

enum mediated_slot_state {
    MEDIATED_SLOT_FREE,
    MEDIATED_SLOT_BUSY,
    MEDIATED_SLOT_ORPHAN,
};

struct mediated_slot {
    enum mediated_slot_state state;
    u64 id;
    const void *owner; /* the device of a BUSY slot */
};

struct mediated_slots {
    u32 nr; /* slots of the current buffer; 0 while no daemon is attached */
    u32 nr_free;
    u64 seq; /* sequence number of the last request id handed out */
    struct mediated_slot slot[MEDIATED_SLOTS_MAX];
};

/* Every slot free, nr of them (at most MEDIATED_SLOTS_MAX; 0: none).  The sequence goes on. */
void mediated_slots_reset(struct mediated_slots *s, u32 nr);

/* Takes a free slot for owner's new request: the slot index, with its id in *id; -1 when
 * every slot is taken (or there are none). */
int mediated_slots_alloc(struct mediated_slots *s, const void *owner, u64 *id);

/* The slot of request id while it is BUSY or ORPHAN, else -1. */
int mediated_slots_find(const struct mediated_slots *s, u64 id);

/* The slot is free again. */
void mediated_slots_free(struct mediated_slots *s, u32 slot);

/* Every BUSY slot of owner becomes ORPHAN; returns how many. */
u32 mediated_slots_orphan(struct mediated_slots *s, const void *owner);

#endif
