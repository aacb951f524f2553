/* Mediated virtio-blk: a guest's device and the MVM daemon's service (virtio_blk_mediated.h). */
#include <arch/hooks.h>
#include <device/mmio.h>
#include <device/virtio/mediated_slots.h>
#include <device/virtio/virtio_blk.h>
#include <device/virtio/virtio_blk_mediated.h>
#include <device/virtio/virtio_emu.h>
#include <device/virtio/virtio_spec.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page_alloc.h>
#include <string.h>
#include <vmm/vm.h>
#include <vmm/vm_notify.h>

#define BLK_QUEUE_SIZE 128
/* Limits the driver is given so that one request's data fits in a slot: seg_max segments
 * of at most size_max bytes (Linux: max_segments, max_segment_size). */
#define BLK_SIZE_MAX PAGE_SIZE
#define BLK_SEG_MAX  (SHYPER_MEDIATED_SLOT_SIZE / BLK_SIZE_MAX)
/* Buffers of one chain: the data segments, the header and the status byte, with room for
 * a driver that splits the header. */
#define BLK_MAX_SEGS (BLK_SEG_MAX + 4)
#define BLK_FEATURES                                                                               \
    (VIRTIO_FEATURE(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_FEATURE(VIRTIO_BLK_F_SEG_MAX) |                \
     VIRTIO_FEATURE(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_FEATURE(VIRTIO_BLK_F_FLUSH))

/* Results a device with more requests at the daemon may hold back before it interrupts
 * the driver anyway: one per slot of the module's buffer (kmod/shyper_mediated.c). */
#define BLK_NOTIFY_BATCH 16

/* cfg[] of the device */
#define BLK_CFG_DISK    0
#define BLK_CFG_SECTORS 1
#define BLK_NR_CFG      2

_Static_assert(SHYPER_MEDIATED_SLOT_SIZE % BLK_SIZE_MAX == 0, "a slot is whole segments");
_Static_assert(SHYPER_BLK_OK == VIRTIO_BLK_S_OK && SHYPER_BLK_IOERR == VIRTIO_BLK_S_IOERR &&
                   SHYPER_BLK_UNSUPP == VIRTIO_BLK_S_UNSUPP,
               "the daemon's results are virtio-blk status bytes");
_Static_assert(SHYPER_BLK_READ == VIRTIO_BLK_T_IN && SHYPER_BLK_WRITE == VIRTIO_BLK_T_OUT &&
                   SHYPER_BLK_FLUSH == VIRTIO_BLK_T_FLUSH,
               "the daemon's request types are virtio-blk's");

/* A request taken off a ring: in flight in the slot of the same index (inflight[]), or
 * answered at once (blk_dev.local).  Touched only under its device's lock. */
struct blk_request {
    struct vq_chain chain;
    struct vq_seg segs[BLK_MAX_SEGS];
    u8 *data; /* the slot */
    u8 *status;
    u32 type;
    u32 len;
};

struct blk_dev {
    struct virtio_emu emu;
    struct virtio_queue queue;
    struct virtio_blk_config config; /* what the driver reads */
    u32 disk;                        /* cfg[0]: index in the daemon's list */
    u64 cfg_sectors;                 /* cfg[1]: the largest capacity it may have */
    bool starved;                    /* no free slot: stopped taking requests (med.lock too) */
    bool warned;                     /* told the log that its requests fail */
    struct blk_request local;
};
_Static_assert(sizeof(struct blk_dev) <= PAGE_SIZE, "a device fits in a page");

static struct {
    spinlock_t lock;
    bool attached; /* a daemon is attached: requests take slots */
    struct mediated_slots slots;
    u8 *slot_data[MEDIATED_SLOTS_MAX];
    u64 disk_sectors[SHYPER_MEDIATED_MAX_DISKS];
    u32 nr_disks;
    u32 nr_starved; /* devices with starved set */
} med = {.lock = SPINLOCK_INIT};

static struct blk_request inflight[MEDIATED_SLOTS_MAX];

static const struct virtio_dev_ops blk_ops;

static struct blk_dev *to_blk(struct virtio_dev *vdev)
{
    return container_of(vdev, struct blk_dev, emu.vdev);
}

/* The device behind a registry entry, if it is one of ours. */
static struct blk_dev *emu_blk(struct virtio_emu *emu)
{
    return emu->vdev.ops == &blk_ops ? container_of(emu, struct blk_dev, emu) : NULL;
}

/* Under med.lock. */
static void set_starved(struct blk_dev *b, bool starved)
{
    if (b->starved == starved)
        return;
    b->starved = starved;
    if (starved)
        med.nr_starved++;
    else
        med.nr_starved--;
}

/* Under med.lock: the size of b's disk, 0 when the daemon does not serve it. */
static u64 disk_sectors(const struct blk_dev *b)
{
    return med.attached && b->disk < med.nr_disks ? med.disk_sectors[b->disk] : 0;
}

/* ---------------------------------------------------------------- requests */

static void answer(struct virtqueue *vq, const struct blk_request *rq, u8 status, u32 data_len)
{
    WRITE_ONCE(*rq->status, status);
    vq_push(vq, rq->chain.head, data_len + 1);
}

static void answer_get_id(struct blk_dev *b, struct virtqueue *vq, struct blk_request *rq, u64 room)
{
    char id[VIRTIO_BLK_ID_BYTES] = {0};
    u32 len = (u32)MIN(room, sizeof(id));

    snprintf(id, sizeof(id), "shyper-vm%u-d%u", b->emu.vm_id, b->disk);
    vq_chain_write(&rq->chain, 0, id, len);
    answer(vq, rq, VIRTIO_BLK_S_OK, len);
}

/* Logs once, until a request reaches the daemon again, why b's requests fail. */
static void warn_failing(struct blk_dev *b, const char *why)
{
    if (b->warned)
        return;
    b->warned = true;
    log_warn("vm%u: %s: %s mediated disk %u: its requests fail", b->emu.vm_id, b->emu.vdev.name,
             why, b->disk);
}

/* Posts rq (in slot id) to the daemon; false when the message ring cannot take it. */
static bool post(struct blk_dev *b, const struct blk_request *rq, u64 id, u64 sector)
{
    struct shyper_blk_req req = {
        .type = SHYPER_MSG_BLK_REQ,
        .disk = b->disk,
        .id = id,
        .sector = rq->type == VIRTIO_BLK_T_FLUSH ? 0 : sector,
        .op = rq->type,
        .len = rq->len,
    };
    struct shyper_msg msg;

    memcpy(&msg, &req, sizeof(msg));
    return vm_notify_post(&msg);
}

/* Serves the chain in rq.  slot >= 0: a slot (request id) is reserved for it, which means
 * the daemon serves the disk.  Returns true when the request went to the daemon and keeps
 * the slot. */
static bool start_request(struct blk_dev *b, struct virtqueue *vq, struct blk_request *rq, int slot,
                          u64 id)
{
    struct blk_limits lim = {.capacity = b->config.capacity, .max_data = SHYPER_MEDIATED_SLOT_SIZE};
    struct blk_req req;

    switch (blk_req_parse(&rq->chain, &lim, &req)) {
    case BLK_PARSE_NO_STATUS:
        vq_push(vq, rq->chain.head, 0);
        return false;
    case BLK_PARSE_IOERR:
        rq->status = req.status;
        answer(vq, rq, VIRTIO_BLK_S_IOERR, 0);
        return false;
    case BLK_PARSE_UNSUPP:
        rq->status = req.status;
        answer(vq, rq, VIRTIO_BLK_S_UNSUPP, 0);
        return false;
    case BLK_PARSE_OK:
        break;
    }
    rq->status = req.status;
    rq->type = req.type;
    if (req.type == VIRTIO_BLK_T_GET_ID) {
        answer_get_id(b, vq, rq, req.data_len);
        return false;
    }
    if (slot < 0) {
        warn_failing(b, "no daemon serves");
        answer(vq, rq, VIRTIO_BLK_S_IOERR, 0);
        return false;
    }
    rq->len = req.type == VIRTIO_BLK_T_FLUSH ? 0 : (u32)req.data_len;
    if (req.type == VIRTIO_BLK_T_OUT)
        vq_chain_read(&rq->chain, VIRTIO_BLK_HDR_SIZE, rq->data, rq->len);
    if (!post(b, rq, id, req.sector)) {
        warn_failing(b, "the MVM's message ring is full or gone for");
        answer(vq, rq, VIRTIO_BLK_S_IOERR, 0);
        return false;
    }
    b->warned = false;
    return true;
}

static void release_slot(int slot)
{
    if (slot < 0)
        return;
    spin_lock(&med.lock);
    mediated_slots_free(&med.slots, (u32)slot);
    spin_unlock(&med.lock);
}

/* Takes the next request off the ring and serves it.  False when there was none, or when
 * no slot is free for it (the device is then starved). */
static bool take_request(struct blk_dev *b, struct virtqueue *vq)
{
    struct blk_request *rq = &b->local;
    int slot = -1;
    u64 id = 0;

    spin_lock(&med.lock);
    if (disk_sectors(b)) {
        slot = mediated_slots_alloc(&med.slots, b, &id);
        if (slot < 0) {
            set_starved(b, true);
            spin_unlock(&med.lock);
            return false;
        }
        rq = &inflight[slot];
        rq->data = med.slot_data[slot];
    }
    spin_unlock(&med.lock);
    rq->chain.segs = rq->segs;
    rq->chain.max_segs = BLK_MAX_SEGS;
    if (vq_pop(vq, &rq->chain) <= 0) {
        release_slot(slot);
        return false;
    }
    if (!start_request(b, vq, rq, slot, id))
        release_slot(slot);
    return true;
}

/* Interrupts the driver for the chains returned since the last decision, unless more of
 * its requests are with the daemon and fewer than BLK_NOTIFY_BATCH chains wait: the
 * driver then hears of them together with the next results. */
static void notify_driver(struct blk_dev *b, struct virtqueue *vq)
{
    if (vq->inflight && (u16)(vq->used_idx - vq->signalled_used) < BLK_NOTIFY_BATCH)
        return;
    virtio_dev_notify_used(&b->emu.vdev, 0);
}

/*
 * Takes requests until the ring is empty or no slot is free; under the device lock.
 * While requests of the device are with the daemon, the driver's notifications stay off:
 * each result brings the device back here (blk_mediated_complete), and it takes what the
 * driver added meanwhile.  Only an idle device asks for a notification at the next request.
 */
static void serve(struct blk_dev *b)
{
    struct virtio_dev *vdev = &b->emu.vdev;
    struct virtqueue *vq = virtio_dev_queue(vdev, 0);

    if (!vq)
        return;
    do {
        vq_disable_notify(vq);
        while (take_request(b, vq))
            ;
    } while (!b->starved && !vq_error(vq) && !vq->inflight && vq_enable_notify(vq));
    if (vq_error(vq))
        virtio_dev_fail(vdev, 0, vq_strerror(vq_error(vq)));
    notify_driver(b, vq);
}

/* The daemon's result for the request in rq; under the device lock.  The caller serves the
 * device again once it has finished all it has (serve() decides the interrupt). */
static void finish(struct blk_dev *b, struct blk_request *rq, u32 status, u32 bytes)
{
    struct virtqueue *vq = virtio_dev_queue(&b->emu.vdev, 0);
    bool zeros = status & SHYPER_BLK_DONE_ZEROS;
    u32 len = 0;

    if (!vq)
        return; /* broken ring: the driver has to reset the device */
    status &= ~(u32)SHYPER_BLK_DONE_ZEROS;
    if (rq->type != VIRTIO_BLK_T_IN && zeros)
        status = SHYPER_BLK_IOERR; /* only a READ has data */
    if (rq->type == VIRTIO_BLK_T_IN && status == SHYPER_BLK_OK) {
        if (bytes != rq->len)
            status = SHYPER_BLK_IOERR;
        else if (zeros)
            len = (u32)vq_chain_zero(&rq->chain, 0, rq->len, arch_mem_zero);
        else
            len = (u32)vq_chain_write(&rq->chain, 0, rq->data, rq->len);
    }
    answer(vq, rq, (u8)status, len);
}

/* Forgets b's requests in flight (their slots become orphans). */
static void drop_requests(struct blk_dev *b)
{
    spin_lock(&med.lock);
    mediated_slots_orphan(&med.slots, b);
    set_starved(b, false);
    spin_unlock(&med.lock);
}

/* ---------------------------------------------------------------- virtio callbacks */

static int blk_config_read(struct virtio_dev *vdev, u32 offset, unsigned width, u64 *value)
{
    *value = 0;
    memcpy(value, (const u8 *)&to_blk(vdev)->config + offset, width);
    return 0;
}

static void blk_notify(struct virtio_dev *vdev, u32 q)
{
    (void)q;
    serve(to_blk(vdev));
}

static void blk_queue_reset(struct virtio_dev *vdev, u32 q)
{
    (void)q;
    drop_requests(to_blk(vdev));
}

static void blk_reset(struct virtio_dev *vdev)
{
    drop_requests(to_blk(vdev));
}

static const struct virtio_dev_ops blk_ops = {
    .config_read = blk_config_read,
    .notify = blk_notify,
    .queue_reset = blk_queue_reset,
    .reset = blk_reset,
};

/* ---------------------------------------------------------------- the daemon's calls */

/* Every starved device takes requests again; under the links lock. */
static void resume_one(struct virtio_emu *emu, void *arg)
{
    struct blk_dev *b = emu_blk(emu);

    (void)arg;
    if (!b)
        return;
    spin_lock(&emu->lock);
    if (b->starved) {
        spin_lock(&med.lock);
        set_starved(b, false);
        spin_unlock(&med.lock);
        serve(b);
    }
    spin_unlock(&emu->lock);
}

static void resume_starved(void)
{
    spin_lock(&med.lock);
    bool any = med.nr_starved;
    spin_unlock(&med.lock);
    if (any)
        virtio_emu_for_each(VIRTIO_ID_BLOCK, resume_one, NULL);
}

struct find_arg {
    const void *dev;
    bool found;
};

static void find_one(struct virtio_emu *emu, void *arg)
{
    struct find_arg *f = arg;

    if (emu_blk(emu) == f->dev)
        f->found = true;
}

/* True when dev (compared, never dereferenced) is a registered device; under the links
 * lock, which then keeps it alive. */
static bool registered(const void *dev)
{
    struct find_arg f = {.dev = dev};

    virtio_emu_for_each(VIRTIO_ID_BLOCK, find_one, &f);
    return f.found;
}

/* Under med.lock: the owner of slot while it holds request id, NULL for an orphan. */
static struct blk_dev *owner_of(int slot)
{
    return (struct blk_dev *)med.slots.slot[slot].owner;
}

/* Frees the slot of request id, if it still holds it. */
static void release_id(u64 id)
{
    spin_lock(&med.lock);
    int slot = mediated_slots_find(&med.slots, id);
    if (slot >= 0)
        mediated_slots_free(&med.slots, (u32)slot);
    spin_unlock(&med.lock);
}

/* Under the links lock.  *done_by: the device the result went to, else NULL. */
static int complete_locked(u64 id, u32 status, u32 bytes, struct blk_dev **done_by)
{
    struct blk_dev *b;
    int slot;

    *done_by = NULL;
    spin_lock(&med.lock);
    slot = mediated_slots_find(&med.slots, id);
    b = slot >= 0 ? owner_of(slot) : NULL;
    spin_unlock(&med.lock);
    if (slot < 0)
        return -EINVAL;
    if (b && registered(b)) {
        spin_lock(&b->emu.lock);
        spin_lock(&med.lock);
        /* It may have become an orphan while the device lock was taken. */
        bool mine = mediated_slots_find(&med.slots, id) == slot && owner_of(slot) == b;
        spin_unlock(&med.lock);
        if (mine) {
            finish(b, &inflight[slot], status, bytes);
            *done_by = b;
        }
        release_id(id);
        spin_unlock(&b->emu.lock);
    } else {
        release_id(id);
    }
    return 0;
}

static bool result_ok(const struct shyper_blk_done *d)
{
    return (d->status == SHYPER_BLK_OK || d->status == (SHYPER_BLK_OK | SHYPER_BLK_DONE_ZEROS) ||
            d->status == SHYPER_BLK_IOERR || d->status == SHYPER_BLK_UNSUPP) &&
           d->bytes <= SHYPER_MEDIATED_SLOT_SIZE;
}

/* Adds b to the n devices of list (room for one more) unless it is there. */
static u32 add_device(struct blk_dev *list[], u32 n, struct blk_dev *b)
{
    for (u32 i = 0; i < n; i++)
        if (list[i] == b)
            return n;
    list[n] = b;
    return n + 1;
}

u32 blk_mediated_complete(const struct shyper_blk_done *done, u32 n, u32 *delivered)
{
    struct blk_dev *touched[BLK_COMPLETE_MAX];
    u32 nr_touched = 0, refused = 0;

    *delivered = 0;
    virtio_emu_links_lock();
    for (u32 i = 0; i < MIN(n, (u32)BLK_COMPLETE_MAX); i++) {
        struct blk_dev *b;

        if (!result_ok(&done[i]) ||
            complete_locked(done[i].id, done[i].status, done[i].bytes, &b) < 0) {
            refused++;
        } else if (b) {
            nr_touched = add_device(touched, nr_touched, b);
            (*delivered)++;
        }
    }
    /* Each device takes the requests its driver added meanwhile, and decides once on an
     * interrupt for the whole batch. */
    for (u32 i = 0; i < nr_touched; i++) {
        spin_lock(&touched[i]->emu.lock);
        serve(touched[i]);
        spin_unlock(&touched[i]->emu.lock);
    }
    resume_starved();
    virtio_emu_links_unlock();
    return refused + (n - MIN(n, (u32)BLK_COMPLETE_MAX));
}

/* Fails every request of one device that the daemon had; under the links lock. */
static void fail_one(struct virtio_emu *emu, void *arg)
{
    struct blk_dev *b = emu_blk(emu);

    (void)arg;
    if (!b)
        return;
    spin_lock(&emu->lock);
    for (u32 i = 0; i < MEDIATED_SLOTS_MAX; i++) {
        spin_lock(&med.lock);
        bool mine = i < med.slots.nr && med.slots.slot[i].state == MEDIATED_SLOT_BUSY &&
                    owner_of((int)i) == b;
        spin_unlock(&med.lock);
        if (mine)
            finish(b, &inflight[i], SHYPER_BLK_IOERR, 0);
    }
    serve(b); /* what the driver added meanwhile fails at once; notifications back on */
    spin_unlock(&emu->lock);
}

/* Under the links lock. */
static void detach_locked(void)
{
    spin_lock(&med.lock);
    bool was_attached = med.attached;
    med.attached = false; /* from now on no request takes a slot */
    spin_unlock(&med.lock);
    if (!was_attached)
        return;
    virtio_emu_for_each(VIRTIO_ID_BLOCK, fail_one, NULL);
    spin_lock(&med.lock);
    mediated_slots_reset(&med.slots, 0);
    memset(med.slot_data, 0, sizeof(med.slot_data));
    med.nr_disks = 0;
    spin_unlock(&med.lock);
    log_info("mediated disks: the daemon detached; their requests fail until it attaches again");
}

void blk_mediated_detach(void)
{
    virtio_emu_links_lock();
    detach_locked();
    resume_starved();
    virtio_emu_links_unlock();
}

/* The capacity b's driver sees: its configured one, or its disk's size if smaller. */
static u64 capacity_of(const struct blk_dev *b)
{
    spin_lock(&med.lock);
    u64 sectors = disk_sectors(b);
    spin_unlock(&med.lock);
    return sectors ? MIN(sectors, b->cfg_sectors) : b->cfg_sectors;
}

static void update_capacity(struct virtio_emu *emu, void *arg)
{
    struct blk_dev *b = emu_blk(emu);

    (void)arg;
    if (!b)
        return;
    spin_lock(&emu->lock);
    u64 capacity = capacity_of(b);
    if (capacity != b->config.capacity) {
        log_info("vm%u: %s: capacity %lu sectors (the size of mediated disk %u)", b->emu.vm_id,
                 emu->vdev.name, capacity, b->disk);
        b->config.capacity = capacity;
        virtio_dev_config_changed(&emu->vdev);
    }
    spin_unlock(&emu->lock);
}

void blk_mediated_attach(u8 *const slots[], u32 nr_slots, const u64 disk_sectors[], u32 nr_disks)
{
    virtio_emu_links_lock();
    detach_locked();
    spin_lock(&med.lock);
    for (u32 i = 0; i < nr_slots; i++)
        med.slot_data[i] = slots[i];
    med.nr_disks = nr_disks;
    for (u32 i = 0; i < nr_disks; i++)
        med.disk_sectors[i] = disk_sectors[i];
    mediated_slots_reset(&med.slots, nr_slots);
    med.attached = true;
    spin_unlock(&med.lock);
    virtio_emu_for_each(VIRTIO_ID_BLOCK, update_capacity, NULL);
    virtio_emu_links_unlock();
    log_info("mediated disks: the daemon attached with %u disks and %u request slots", nr_disks,
             nr_slots);
}

/* ---------------------------------------------------------------- device type */

static void blk_destroy(struct virtio_emu *emu)
{
    struct blk_dev *b = container_of(emu, struct blk_dev, emu);

    drop_requests(b);
    page_free((paddr_t)b, 1);
}

static bool cfg_ok(struct mmio_dev *dev, const struct vm_emu_dev_config *cfg)
{
    if (cfg->nr_cfg != BLK_NR_CFG || cfg->cfg[BLK_CFG_DISK] >= SHYPER_MEDIATED_MAX_DISKS ||
        !cfg->cfg[BLK_CFG_SECTORS]) {
        log_error("vm%u: %s: cfg must be [mediated disk index 0..%u, capacity in sectors > 0]",
                  dev->vm->id, dev->name, SHYPER_MEDIATED_MAX_DISKS - 1);
        return false;
    }
    return true;
}

struct disk_user {
    u32 disk;
    u32 vm_id; /* the VM whose device has it, if found */
    bool found;
};

static void find_disk_user(struct virtio_emu *emu, void *arg)
{
    struct disk_user *u = arg;
    struct blk_dev *b = emu_blk(emu);

    if (b && b->disk == u->disk) {
        u->found = true;
        u->vm_id = emu->vm_id;
    }
}

/* A disk belongs to one device: two guests writing one file system would corrupt it. */
static bool disk_free(struct mmio_dev *dev, u32 disk)
{
    struct disk_user u = {.disk = disk};

    virtio_emu_links_lock();
    virtio_emu_for_each(VIRTIO_ID_BLOCK, find_disk_user, &u);
    virtio_emu_links_unlock();
    if (u.found)
        log_error("vm%u: %s: mediated disk %u is already vm%u's", dev->vm->id, dev->name, disk,
                  u.vm_id);
    return !u.found;
}

static int blk_create(struct mmio_dev *dev, const struct vm_emu_dev_config *cfg)
{
    struct blk_dev *b;

    if (!cfg_ok(dev, cfg) || !disk_free(dev, (u32)cfg->cfg[BLK_CFG_DISK]))
        return -EINVAL;
    b = (struct blk_dev *)page_alloc_zeroed(1, PAGE_SIZE);
    if (!b)
        return -ENOMEM;
    b->disk = (u32)cfg->cfg[BLK_CFG_DISK];
    b->cfg_sectors = cfg->cfg[BLK_CFG_SECTORS];
    b->config = (struct virtio_blk_config){
        .capacity = capacity_of(b),
        .size_max = BLK_SIZE_MAX,
        .seg_max = BLK_SEG_MAX,
        .blk_size = VIRTIO_BLK_SECTOR_SIZE,
        .num_queues = 1,
    };
    b->queue.num_max = BLK_QUEUE_SIZE;
    b->emu.vdev = (struct virtio_dev){
        .device_id = VIRTIO_ID_BLOCK,
        .features = BLK_FEATURES,
        .config_size = VIRTIO_BLK_CONFIG_SIZE,
        .nr_queues = 1,
        .queues = &b->queue,
        .ops = &blk_ops,
    };
    int err = virtio_emu_attach(dev, &b->emu, cfg, blk_destroy);
    if (err)
        page_free((paddr_t)b, 1);
    return err;
}

const struct emu_dev_type_desc virtio_blk_mediated_dev_type = {
    .type = EMU_DEV_VIRTIO_BLK_MEDIATED,
    .name = "virtio-blk-mediated",
    .create = blk_create,
};
