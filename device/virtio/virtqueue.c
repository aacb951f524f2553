/* Device side of a split virtqueue (see virtqueue.h). */
#include <device/virtio/virtio_spec.h>
#include <device/virtio/virtqueue.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "rings are read in host order");
_Static_assert(sizeof(struct vring_desc) == 16, "descriptor layout");
_Static_assert(sizeof(struct vring_used_elem) == 8, "used element layout");

static const char *const vq_messages[] = {
    [-VQ_ERR_SIZE] = "queue size not a power of two in 1..32768",
    [-VQ_ERR_RING_ALIGN] = "misaligned ring",
    [-VQ_ERR_RING_RANGE] = "ring outside guest RAM",
    [-VQ_ERR_AVAIL_IDX] = "avail.idx more than the queue size ahead",
    [-VQ_ERR_DESC_INDEX] = "descriptor index out of range",
    [-VQ_ERR_LOOP] = "descriptor loop",
    [-VQ_ERR_BUF_RANGE] = "buffer outside guest RAM",
    [-VQ_ERR_CHAIN_LEN] = "chain too long in bytes",
    [-VQ_ERR_INDIRECT_SIZE] = "bad indirect table size",
    [-VQ_ERR_INDIRECT_NESTED] = "nested indirect table",
    [-VQ_ERR_INDIRECT_NEXT] = "indirect descriptor with NEXT",
    [-VQ_ERR_INDIRECT_FEATURE] = "indirect descriptor not negotiated",
    [-VQ_ERR_ORDER] = "readable buffer after a writable one",
    [-VQ_ERR_SEGS] = "too many buffers in a chain",
    [-VQ_ERR_NOT_READY] = "queue not ready",
    [-VQ_ERR_BROKEN] = "queue broken",
    [-VQ_ERR_USED_ID] = "used id not in flight",
};

const char *vq_strerror(int err)
{
    if (err < 0 && (u32)-err < ARRAY_SIZE(vq_messages) && vq_messages[-err])
        return vq_messages[-err];
    return err == 0 ? "no error" : "unknown error";
}

void vq_reset(struct virtqueue *vq)
{
    memset(vq, 0, sizeof(*vq));
}

/* Host address of a guest range, or NULL when any of it is outside RAM or it wraps. */
static void *map_range(const struct guest_mem *mem, u64 gpa, u64 len)
{
    if (len == 0 || gpa > UINT64_MAX - (len - 1))
        return NULL;
    return mem->map(mem->ctx, gpa, len);
}

bool vq_size_valid(u32 size)
{
    return size != 0 && size <= VIRTIO_QUEUE_SIZE_MAX && (size & (size - 1)) == 0;
}

int vq_configure(struct virtqueue *vq, const struct guest_mem *mem, u32 size, u64 desc, u64 avail,
                 u64 used, u32 flags)
{
    struct virtqueue q = {.mem = mem, .size = size, .flags = flags, .ready = true};

    vq_reset(vq);
    if (!vq_size_valid(size))
        return VQ_ERR_SIZE;
    if (!IS_ALIGNED(desc, VRING_DESC_ALIGN) || !IS_ALIGNED(avail, VRING_AVAIL_ALIGN) ||
        !IS_ALIGNED(used, VRING_USED_ALIGN))
        return VQ_ERR_RING_ALIGN;
    q.desc = map_range(mem, desc, VRING_DESC_SIZE(size));
    q.avail = map_range(mem, avail, VRING_AVAIL_SIZE(size));
    q.used = map_range(mem, used, VRING_USED_SIZE(size));
    if (!q.desc || !q.avail || !q.used)
        return VQ_ERR_RING_RANGE;
    *vq = q;
    return 0;
}

/* ---------------------------------------------------------------- ring fields */

static u16 *used_event(const struct virtqueue *vq)
{
    return &vq->avail->ring[vq->size];
}

static u16 *avail_event(const struct virtqueue *vq)
{
    return (u16 *)&vq->used->ring[vq->size];
}

static u16 load16(const u16 *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void store16(u16 *p, u16 v)
{
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static void full_fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* ---------------------------------------------------------------- chain walk */

/* The table being walked: the queue's descriptor table or one indirect table. */
struct desc_table {
    const struct vring_desc *desc;
    u32 entries;
    bool indirect;
};

static int break_queue(struct virtqueue *vq, int err)
{
    vq->error = err;
    return err;
}

/* One guest buffer into the chain (zero-length ones are skipped). */
static int add_segment(const struct virtqueue *vq, struct vq_chain *c, const struct vring_desc *d)
{
    bool writable = d->flags & VRING_DESC_F_WRITE;
    u32 nr = c->nr_readable + c->nr_writable;
    void *base;

    if (d->len == 0)
        return 0;
    if (!writable && c->nr_writable)
        return VQ_ERR_ORDER;
    if (c->readable_len + c->writable_len + d->len > VQ_MAX_CHAIN_BYTES)
        return VQ_ERR_CHAIN_LEN;
    if (nr == c->max_segs)
        return VQ_ERR_SEGS;
    base = map_range(vq->mem, d->addr, d->len);
    if (!base)
        return VQ_ERR_BUF_RANGE;
    c->segs[nr] = (struct vq_seg){.base = base, .len = d->len};
    if (writable) {
        c->nr_writable++;
        c->writable_len += d->len;
    } else {
        c->nr_readable++;
        c->readable_len += d->len;
    }
    return 0;
}

/* Switches the walk to the indirect table descriptor d refers to. */
static int enter_indirect(const struct virtqueue *vq, const struct vring_desc *d,
                          struct desc_table *t)
{
    if (t->indirect)
        return VQ_ERR_INDIRECT_NESTED;
    if (!(vq->flags & VQ_F_INDIRECT))
        return VQ_ERR_INDIRECT_FEATURE;
    if (d->flags & VRING_DESC_F_NEXT)
        return VQ_ERR_INDIRECT_NEXT;
    if (d->len == 0 || d->len % sizeof(struct vring_desc) ||
        d->len / sizeof(struct vring_desc) > vq->size)
        return VQ_ERR_INDIRECT_SIZE;
    t->desc = map_range(vq->mem, d->addr, d->len);
    if (!t->desc)
        return VQ_ERR_BUF_RANGE;
    t->entries = d->len / sizeof(struct vring_desc);
    t->indirect = true;
    return 0;
}

/*
 * Walks the chain at `head`: zero or more descriptors of the queue's table, optionally
 * ending in one that refers to an indirect table, walked from its entry 0.  A table of n
 * entries holds no chain longer than n without revisiting an entry, so the walk is bounded
 * by the queue size plus the indirect table's length.
 */
static int walk_chain(const struct virtqueue *vq, u16 head, struct vq_chain *c)
{
    struct desc_table t = {.desc = vq->desc, .entries = vq->size, .indirect = false};
    u32 idx = head, count = 0;
    struct vring_desc d;
    int err;

    c->head = head;
    c->nr_readable = c->nr_writable = 0;
    c->readable_len = c->writable_len = 0;
    for (;;) {
        if (idx >= t.entries)
            return VQ_ERR_DESC_INDEX;
        if (++count > t.entries)
            return VQ_ERR_LOOP;
        memcpy(&d, &t.desc[idx], sizeof(d)); /* one fetch: the guest may rewrite it */
        if (d.flags & VRING_DESC_F_INDIRECT) {
            err = enter_indirect(vq, &d, &t);
            if (err)
                return err;
            idx = 0;
            count = 0;
            continue;
        }
        err = add_segment(vq, c, &d);
        if (err)
            return err;
        if (!(d.flags & VRING_DESC_F_NEXT))
            return 0;
        idx = d.next;
    }
}

int vq_pop(struct virtqueue *vq, struct vq_chain *chain)
{
    u16 head;
    int err;

    if (!vq->ready)
        return VQ_ERR_NOT_READY;
    if (vq->error)
        return VQ_ERR_BROKEN;
    if (vq->last_avail == vq->shadow_avail) {
        /* Acquire: ring entries and descriptors are read after the index. */
        u16 idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);

        if ((u16)(idx - vq->last_avail) > vq->size)
            return break_queue(vq, VQ_ERR_AVAIL_IDX);
        vq->shadow_avail = idx;
        if (idx == vq->last_avail)
            return 0;
    }
    head = load16(&vq->avail->ring[vq->last_avail & (vq->size - 1)]);
    err = walk_chain(vq, head, chain);
    if (err)
        return break_queue(vq, err);
    vq->last_avail++;
    vq->inflight++;
    return 1;
}

int vq_push(struct virtqueue *vq, u16 head, u32 len)
{
    struct vring_used_elem *elem;

    if (!vq->ready)
        return VQ_ERR_NOT_READY;
    if (vq->error)
        return VQ_ERR_BROKEN;
    if (head >= vq->size || vq->inflight == 0)
        return VQ_ERR_USED_ID;
    elem = &vq->used->ring[vq->used_idx & (vq->size - 1)];
    __atomic_store_n(&elem->id, head, __ATOMIC_RELAXED);
    __atomic_store_n(&elem->len, len, __ATOMIC_RELAXED);
    vq->used_idx++;
    /* Release: the element and the data written to the buffers before the index. */
    __atomic_store_n(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
    vq->inflight--;
    return 0;
}

/* ---------------------------------------------------------------- notifications */

/* The spec's vring_need_event(): did the index move from old to new past event? */
static bool crossed(u16 event, u16 new_idx, u16 old_idx)
{
    return (u16)(new_idx - event - 1) < (u16)(new_idx - old_idx);
}

bool vq_need_notify(struct virtqueue *vq)
{
    u16 old_idx = vq->signalled_used;

    if (!vq->ready || vq->error)
        return false;
    vq->signalled_used = vq->used_idx;
    /* used.idx is visible before the driver's suppression fields are read. */
    full_fence();
    if (vq->flags & VQ_F_EVENT_IDX)
        return crossed(load16(used_event(vq)), vq->used_idx, old_idx);
    return vq->used_idx != old_idx && !(load16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
}

void vq_disable_notify(struct virtqueue *vq)
{
    if (vq->ready && !vq->error && !(vq->flags & VQ_F_EVENT_IDX))
        store16(&vq->used->flags, VRING_USED_F_NO_NOTIFY);
}

bool vq_enable_notify(struct virtqueue *vq)
{
    if (!vq->ready || vq->error)
        return false;
    if (vq->flags & VQ_F_EVENT_IDX)
        store16(avail_event(vq), vq->last_avail);
    else
        store16(&vq->used->flags, 0);
    /* The request is visible before avail.idx is read again. */
    full_fence();
    return load16(&vq->avail->idx) != vq->last_avail;
}

bool vq_notify_next_add(struct virtqueue *vq)
{
    if (!vq->ready || vq->error)
        return false;
    if (!(vq->flags & VQ_F_EVENT_IDX)) {
        store16(&vq->used->flags, 0);
        full_fence();
        return load16(&vq->avail->idx) != vq->last_avail;
    }
    /* A driver that added meanwhile may have read the old avail_event: ask again for its
     * new index.  A well-formed driver only moves avail.idx forward, by at most the queue's
     * size past what the device took, so at most size + 1 rounds (a driver that does more
     * loses its notification, and the next pop reports a malformed ring if it is one). */
    u16 idx = load16(&vq->avail->idx);
    for (u32 round = 0; round <= vq->size; round++) {
        store16(avail_event(vq), idx);
        full_fence();
        u16 now = load16(&vq->avail->idx);
        if (now == idx)
            break;
        idx = now;
    }
    return idx != vq->last_avail;
}

/* ---------------------------------------------------------------- copies */

/* The segment of segs[0..nr) that holds byte *offset, with *offset made relative to it
 * (nr when the run is shorter). */
static u32 seek(const struct vq_seg *segs, u32 nr, u64 *offset)
{
    u32 i = 0;

    while (i < nr && *offset >= segs[i].len)
        *offset -= segs[i++].len;
    return i;
}

u64 vq_chain_read(const struct vq_chain *chain, u64 offset, void *dst, u64 len)
{
    const struct vq_seg *segs = chain->segs;
    u32 nr = chain->nr_readable;
    u64 done = 0;

    for (u32 i = seek(segs, nr, &offset); i < nr && done < len; i++, offset = 0) {
        u64 n = MIN(segs[i].len - offset, len - done);

        memcpy((u8 *)dst + done, segs[i].base + offset, n);
        done += n;
    }
    return done;
}

u64 vq_chain_write(const struct vq_chain *chain, u64 offset, const void *src, u64 len)
{
    const struct vq_seg *segs = chain->segs + chain->nr_readable;
    u32 nr = chain->nr_writable;
    u64 done = 0;

    for (u32 i = seek(segs, nr, &offset); i < nr && done < len; i++, offset = 0) {
        u64 n = MIN(segs[i].len - offset, len - done);

        memcpy(segs[i].base + offset, (const u8 *)src + done, n);
        done += n;
    }
    return done;
}

u64 vq_chain_zero(const struct vq_chain *chain, u64 offset, u64 len, void (*zero)(void *p, u64 n))
{
    const struct vq_seg *segs = chain->segs + chain->nr_readable;
    u32 nr = chain->nr_writable;
    u64 done = 0;

    for (u32 i = seek(segs, nr, &offset); i < nr && done < len; i++, offset = 0) {
        u64 n = MIN(segs[i].len - offset, len - done);

        zero(segs[i].base + offset, n);
        done += n;
    }
    return done;
}
