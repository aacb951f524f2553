/*
 * The device side of a split virtqueue (virtio 1.2 §2.7), over guest memory reached only
 * through a caller-supplied map function, so that the host unit tests run it as is.
 *
 * Everything in guest memory is hostile: each descriptor is read once into a local copy and
 * checked before use, every buffer and ring must lie inside guest RAM, chains are bounded
 * (length, segment count, total bytes) and a chain longer than its table is a loop.  The first
 * malformed ring breaks the queue: vq_pop()/vq_push() then return VQ_ERR_BROKEN and
 * vq_error() tells what broke it (the transport then sets NEEDS_RESET; see virtio_mmio.h).
 *
 * Memory ordering against the driver on another hart: avail.idx is read with acquire before
 * its ring entries and descriptors; used entries and buffer data are published with a
 * release store of used.idx; the notification decisions put a full fence between the index
 * the device wrote and the field of the driver it reads next (the spec's "suitable memory
 * barrier").  These are compiler atomics, so they are fences on the hypervisor's harts and
 * on the host alike.
 *
 * Not thread-safe: one caller at a time per queue (the device's lock).  Host pointers
 * returned by map are kept while the queue is configured: guest RAM must not move meanwhile.
 */
#ifndef DEVICE_VIRTIO_VIRTQUEUE_H
#define DEVICE_VIRTIO_VIRTQUEUE_H

#include <kernel/types.h>

/* Guest memory as the device sees it (in the hypervisor: vm_gpa_to_hva on the owning VM). */
struct guest_mem {
    void *ctx;
    /* Host address of [gpa, gpa + len), len > 0, when all of it is guest RAM; else NULL. */
    void *(*map)(void *ctx, u64 gpa, u64 len);
};

/* Ring layout (little-endian; the hypervisor and the test hosts are little-endian). */
#define VRING_DESC_F_NEXT          1
#define VRING_DESC_F_WRITE         2
#define VRING_DESC_F_INDIRECT      4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY     1

#define VRING_DESC_ALIGN  16
#define VRING_AVAIL_ALIGN 2
#define VRING_USED_ALIGN  4

struct vring_desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};

struct vring_avail {
    u16 flags;
    u16 idx;
    u16 ring[]; /* queue size entries, then used_event */
};

struct vring_used_elem {
    u32 id;
    u32 len;
};

struct vring_used {
    u16 flags;
    u16 idx;
    struct vring_used_elem ring[]; /* queue size entries, then avail_event */
};

/* Byte sizes of the three parts, event fields included (§2.7 table). */
#define VRING_DESC_SIZE(n)  (sizeof(struct vring_desc) * (u64)(n))
#define VRING_AVAIL_SIZE(n) (sizeof(struct vring_avail) + sizeof(u16) * ((u64)(n) + 1))
#define VRING_USED_SIZE(n)                                                                         \
    (sizeof(struct vring_used) + sizeof(struct vring_used_elem) * (u64)(n) + sizeof(u16))

/* Upper bound of the bytes one chain may describe; devices advertise limits inside it. */
#define VQ_MAX_CHAIN_BYTES MIB(64)

/* vq_configure() flags, from the negotiated features. */
#define VQ_F_EVENT_IDX 0x1
#define VQ_F_INDIRECT  0x2

/* Errors (negative).  Those of vq_pop() break the queue, except NOT_READY and BROKEN. */
enum vq_err {
    VQ_ERR_SIZE = -1,              /* queue size 0, above 32768 or not a power of two */
    VQ_ERR_RING_ALIGN = -2,        /* a ring address is not aligned as the spec requires */
    VQ_ERR_RING_RANGE = -3,        /* a ring is not inside guest RAM */
    VQ_ERR_AVAIL_IDX = -4,         /* avail.idx is more than the queue size ahead */
    VQ_ERR_DESC_INDEX = -5,        /* a head or next index outside its table */
    VQ_ERR_LOOP = -6,              /* a chain longer than its table revisits a descriptor */
    VQ_ERR_BUF_RANGE = -7,         /* a buffer or indirect table outside RAM, or wrapping */
    VQ_ERR_CHAIN_LEN = -8,         /* the buffers add up to more than VQ_MAX_CHAIN_BYTES */
    VQ_ERR_INDIRECT_SIZE = -9,     /* indirect table empty, not whole descriptors, too long */
    VQ_ERR_INDIRECT_NESTED = -10,  /* an INDIRECT descriptor inside an indirect table */
    VQ_ERR_INDIRECT_NEXT = -11,    /* INDIRECT together with NEXT */
    VQ_ERR_INDIRECT_FEATURE = -12, /* INDIRECT without VIRTIO_F_INDIRECT_DESC negotiated */
    VQ_ERR_ORDER = -13,            /* a device-readable buffer after a device-writable one */
    VQ_ERR_SEGS = -14,             /* more buffers than the caller's segment array holds */
    VQ_ERR_NOT_READY = -15,        /* the queue is not configured */
    VQ_ERR_BROKEN = -16,           /* an earlier error broke the queue */
    VQ_ERR_USED_ID = -17,          /* vq_push() of an id that is not in flight (device bug) */
};

/* A short description of a vq_err ("descriptor loop", ...). */
const char *vq_strerror(int err);

struct virtqueue {
    const struct guest_mem *mem;
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    u32 size;
    u32 flags; /* VQ_F_* */
    bool ready;
    int error;          /* the vq_err that broke the queue, or 0 */
    u16 last_avail;     /* next avail ring entry the device takes */
    u16 shadow_avail;   /* avail.idx as last read */
    u16 used_idx;       /* used.idx as last written */
    u16 signalled_used; /* used_idx when vq_need_notify() last decided */
    u32 inflight;       /* chains popped and not pushed yet */
};

/* One guest buffer of a chain, mapped. */
struct vq_seg {
    u8 *base;
    u32 len;
};

/* A popped chain: segs[0..nr_readable) are device-readable, the next nr_writable are
 * device-writable.  The caller sets segs and max_segs before vq_pop(). */
struct vq_chain {
    struct vq_seg *segs;
    u32 max_segs;
    u16 head; /* the id to give back with vq_push() */
    u32 nr_readable, nr_writable;
    u64 readable_len, writable_len;
};

/* True for the sizes a split virtqueue can have: a power of two in 1..32768. */
bool vq_size_valid(u32 size);

/* Not ready, nothing broken (the state after a device or queue reset). */
void vq_reset(struct virtqueue *vq);

/* Checks and maps the rings (size entries; desc, avail and used are guest addresses) and
 * makes the queue ready with all indices at 0.  On error the queue is left reset. */
int vq_configure(struct virtqueue *vq, const struct guest_mem *mem, u32 size, u64 desc, u64 avail,
                 u64 used, u32 flags);

/* 0 while the queue is usable, else the vq_err that broke it. */
static inline int vq_error(const struct virtqueue *vq)
{
    return vq->error;
}

/* Takes the next available chain into *chain: 1 when one was taken, 0 when none is
 * available, or a negative vq_err.  Zero-length buffers are skipped. */
int vq_pop(struct virtqueue *vq, struct vq_chain *chain);

/* Returns chain `head` to the driver with `len` bytes written into its writable buffers. */
int vq_push(struct virtqueue *vq, u16 head, u32 len);

/* After one or more vq_push(): true when the driver wants a used-buffer notification
 * (EVENT_IDX: used_event crossed since the last decision; else avail.flags lacks
 * NO_INTERRUPT).  False when nothing was pushed since the last call. */
bool vq_need_notify(struct virtqueue *vq);

/* Available-buffer notifications from the driver.  disable suppresses them (NO_NOTIFY
 * without EVENT_IDX; with it, avail_event simply stays behind); enable asks for one at the
 * next buffer and returns true when buffers are already available, so a device loops:
 *     do { vq_disable_notify(vq); while (vq_pop(vq, &c) > 0) ...; } while (vq_enable_notify(vq));
 */
void vq_disable_notify(struct virtqueue *vq);
bool vq_enable_notify(struct virtqueue *vq);

/* For a device that stops with buffers still available, to bound the time a guest can keep
 * a hart in the hypervisor by adding buffers from other harts: asks for a notification at
 * the driver's next addition (EVENT_IDX: avail_event = avail.idx, not the device's own
 * position, which the driver has already passed), at which the device takes the backlog.
 * True when buffers are waiting (a backlog was left), false when the queue is empty or
 * unusable. */
bool vq_notify_next_add(struct virtqueue *vq);

/* Copies between a chain and a host buffer, starting `offset` bytes into the chain's
 * readable (read) or writable (write) bytes; returns the number of bytes copied, which is
 * smaller than len when the chain ends first. */
u64 vq_chain_read(const struct vq_chain *chain, u64 offset, void *dst, u64 len);
u64 vq_chain_write(const struct vq_chain *chain, u64 offset, const void *src, u64 len);
/* Clears len of the chain's writable bytes from `offset` with zero(p, n) on each piece of
 * a buffer; returns the number of bytes cleared (smaller when the chain ends first). */
u64 vq_chain_zero(const struct vq_chain *chain, u64 offset, u64 len, void (*zero)(void *p, u64 n));

#endif
