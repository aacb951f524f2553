/*
 * Mediated virtio-blk in the hypervisor (device/virtio/virtio_blk_mediated.c, the MEDIATED
 * hypercalls), with VM 0 of configs/mediated_mvm.c playing both sides on one hart: the
 * driver of disks 0 and 1 (split rings built here, kicks by MMIO) and the daemon (the
 * notification ring, request slots in its RAM, MEDIATED_ATTACH/COMPLETE/DETACH).  Every
 * step is synchronous: a kick posts its requests before the MMIO write returns, a
 * COMPLETE returns them to the ring before the hypercall returns.
 *
 *   - without a daemon: READ/WRITE answered IOERR at once, GET_ID, an unknown type
 *     (UNSUPP), a chain without a status byte;
 *   - ATTACH and COMPLETE refusing bad arguments;
 *   - attached: the capacity shrinks to the disk's size (configuration change), a WRITE's
 *     data in its slot and its message, a READ's data from the slot, a short READ (IOERR), FLUSH,
 *     requests outside the disk and for a disk the daemon does not serve (IOERR at once),
 *     three requests on two slots (the third waits for a free slot), results for ids that
 *     are not in flight, no kicks wanted while requests are in flight (a request added
 *     meanwhile goes with the next result, whose interrupt waits for the last one);
 *   - a device reset with a request in flight (its result is discarded), DETACH with a
 *     request in flight (IOERR), requests after DETACH, and a new ATTACH.
 */
#include "hc_test.h"
#include "mediated_layout.h"

#define RING_BYTES 4096
#define QSIZE      16
#define SECTOR     512
#define NR_SLOTS   2
#define SLOT_SIZE  SHYPER_MEDIATED_SLOT_SIZE
#define DISK0_SIZE 48 /* sectors: smaller than the configured 64 */
#define NOT_RAM    0x1000UL

/* virtio-mmio registers (virtio 1.2 4.2.2) and constants (5.2) */
#define MMIO_MAGIC       0x000
#define MMIO_DEVICE_ID   0x008
#define MMIO_DEV_FEAT    0x010
#define MMIO_DEV_FSEL    0x014
#define MMIO_DRV_FEAT    0x020
#define MMIO_DRV_FSEL    0x024
#define MMIO_QUEUE_SEL   0x030
#define MMIO_QUEUE_NUM   0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_NOTIFY      0x050
#define MMIO_INT_STATUS  0x060
#define MMIO_INT_ACK     0x064
#define MMIO_STATUS      0x070
#define MMIO_DESC_LO     0x080
#define MMIO_DESC_HI     0x084
#define MMIO_DRIVER_LO   0x090
#define MMIO_DRIVER_HI   0x094
#define MMIO_DEVICE_LO   0x0a0
#define MMIO_DEVICE_HI   0x0a4
#define MMIO_CONFIG_GEN  0x0fc
#define MMIO_CONFIG      0x100
#define STATUS_DRIVER_OK 0xf /* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */
#define STATUS_FEAT_OK   0xb
#define INT_USED         1
#define INT_CONFIG       2
#define USED_NO_NOTIFY   1
#define F_SEG_MAX        (1u << 2)
#define F_SIZE_MAX       (1u << 1)
#define F_BLK_SIZE       (1u << 6)
#define F_FLUSH          (1u << 9)
#define DESC_NEXT        1
#define DESC_WRITE       2
#define T_IN             0
#define T_OUT            1
#define T_FLUSH          4
#define T_GET_ID         8
#define S_OK             0
#define S_IOERR          1
#define S_UNSUPP         2
#define NO_STATUS        0xee /* a status byte the device has not written */

struct desc {
    u64 addr;
    u32 len;
    u16 flags, next;
};

/* One disk's driver: its queue and the buffers of QSIZE / 3 requests of three
 * descriptors each. */
struct disk {
    unsigned long base;
    struct desc desc[QSIZE] __aligned(16);
    struct {
        u16 flags, idx, ring[QSIZE], used_event;
    } avail __aligned(2);
    struct {
        u16 flags, idx;
        struct {
            u32 id, len;
        } ring[QSIZE];
        u16 avail_event;
    } used __aligned(4);
    u16 last_used;
    struct {
        u32 type, reserved;
        u64 sector;
    } hdr[QSIZE / 3];
    u8 status[QSIZE / 3];
    u8 data[QSIZE / 3][4096];
};

static struct disk disks[2];
static u8 ring_mem[RING_BYTES] __aligned(RING_BYTES);
static struct shyper_msg_ring *const ring = (struct shyper_msg_ring *)ring_mem;
static u8 slots[NR_SLOTS][SLOT_SIZE] __aligned(4096);
static struct shyper_mediated_attach attach;
static struct shyper_blk_done done[4];

static u32 rd(struct disk *d, u32 off)
{
    return *(volatile u32 *)(d->base + off);
}

static void wr(struct disk *d, u32 off, u32 value)
{
    *(volatile u32 *)(d->base + off) = value;
}

static void set_addr(struct disk *d, u32 lo, void *p)
{
    wr(d, lo, (u32)(unsigned long)p);
    wr(d, lo + 4, (u32)((unsigned long)p >> 32));
}

/* Brings disk n up as a driver does; true when the device took it. */
static bool driver_init(u32 n)
{
    struct disk *d = &disks[n];

    memset(d, 0, sizeof(*d));
    d->base = TEST_BLK_BASE(n);
    wr(d, MMIO_STATUS, 0);
    wr(d, MMIO_STATUS, 1);
    wr(d, MMIO_STATUS, 3);
    wr(d, MMIO_DRV_FSEL, 0);
    wr(d, MMIO_DRV_FEAT, F_SEG_MAX | F_SIZE_MAX | F_BLK_SIZE | F_FLUSH);
    wr(d, MMIO_DRV_FSEL, 1);
    wr(d, MMIO_DRV_FEAT, 1); /* VERSION_1 */
    wr(d, MMIO_STATUS, STATUS_FEAT_OK);
    wr(d, MMIO_QUEUE_SEL, 0);
    wr(d, MMIO_QUEUE_NUM, QSIZE);
    set_addr(d, MMIO_DESC_LO, d->desc);
    set_addr(d, MMIO_DRIVER_LO, &d->avail);
    set_addr(d, MMIO_DEVICE_LO, &d->used);
    wr(d, MMIO_QUEUE_READY, 1);
    wr(d, MMIO_STATUS, STATUS_DRIVER_OK);
    return rd(d, MMIO_STATUS) == STATUS_DRIVER_OK;
}

static u64 capacity(u32 n)
{
    return rd(&disks[n], MMIO_CONFIG) | (u64)rd(&disks[n], MMIO_CONFIG + 4) << 32;
}

/* Makes request r (0..QSIZE/3-1) of disk n available: header, data of len bytes (none when
 * len is 0), status byte; without a kick. */
static void add(u32 n, u32 r, u32 type, u64 sector, u32 len)
{
    struct disk *d = &disks[n];
    u32 h = 3 * r, i = h;

    d->hdr[r].type = type;
    d->hdr[r].sector = sector;
    d->status[r] = NO_STATUS;
    d->desc[i] = (struct desc){(unsigned long)&d->hdr[r], sizeof(d->hdr[r]), DESC_NEXT, i + 1};
    if (len) {
        i++;
        d->desc[i] = (struct desc){(unsigned long)d->data[r], len,
                                   DESC_NEXT | (type == T_OUT ? 0 : DESC_WRITE), i + 1};
    }
    i++;
    d->desc[i] = (struct desc){(unsigned long)&d->status[r], 1, DESC_WRITE, 0};
    d->avail.ring[d->avail.idx % QSIZE] = h;
    __atomic_store_n(&d->avail.idx, d->avail.idx + 1, __ATOMIC_RELEASE);
}

static void kick(u32 n)
{
    wr(&disks[n], MMIO_NOTIFY, 0);
}

/* Requests of disk n the device returned since the last call. */
static u32 used(u32 n)
{
    struct disk *d = &disks[n];
    u16 idx = __atomic_load_n(&d->used.idx, __ATOMIC_ACQUIRE);
    u32 count = (u16)(idx - d->last_used);

    d->last_used = idx;
    return count;
}

/* Whether disk n's device wants kicks (used.flags lacks NO_NOTIFY). */
static bool wants_kicks(u32 n)
{
    return !(__atomic_load_n(&disks[n].used.flags, __ATOMIC_ACQUIRE) & USED_NO_NOTIFY);
}

/* The used length of the last returned request of disk n. */
static u32 last_used_len(u32 n)
{
    struct disk *d = &disks[n];
    return d->used.ring[(u16)(d->last_used - 1) % QSIZE].len;
}

/* Takes the next request message off the ring into *req; false when there is none. */
static bool next_request(struct shyper_blk_req *req)
{
    u32 head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);

    while (ring->tail != head) {
        struct shyper_msg m = ring->slots[ring->tail];
        __atomic_store_n(&ring->tail, (ring->tail + 1) % ring->nr_slots, __ATOMIC_RELEASE);
        if (m.type == SHYPER_MSG_BLK_REQ) {
            memcpy(req, &m, sizeof(*req));
            return true;
        }
    }
    return false;
}

static struct sbiret med(unsigned long fn, unsigned long a0, unsigned long a1)
{
    return hc(SHYPER_GROUP_MEDIATED, fn, a0, a1, 0, 0, 0);
}

/* MEDIATED_COMPLETE of one result. */
static struct sbiret complete1(u64 id, u32 status, u32 bytes)
{
    done[0] = (struct shyper_blk_done){.id = id, .status = status, .bytes = bytes};
    return med(SHYPER_MEDIATED_COMPLETE, (unsigned long)done, sizeof(done[0]));
}

static long do_attach(u32 nr_slots, u32 nr_disks)
{
    attach.nr_slots = nr_slots;
    attach.nr_disks = nr_disks;
    for (u32 i = 0; i < NR_SLOTS; i++)
        attach.slot_ipa[i] = (unsigned long)slots[i];
    attach.disk_sectors[0] = DISK0_SIZE;
    attach.disk_sectors[1] = 0;
    return med(SHYPER_MEDIATED_ATTACH, (unsigned long)&attach, sizeof(attach)).error;
}

/* ------------------------------------------------------------ without a daemon */

static void check_without_daemon(void)
{
    struct shyper_blk_req req;

    add(0, 0, T_OUT, 0, SECTOR);
    kick(0);
    CHECK(used(0) == 1 && disks[0].status[0] == S_IOERR && !next_request(&req),
          "med-no-daemon-ioerr");
    add(0, 0, T_GET_ID, 0, 20);
    kick(0);
    CHECK(used(0) == 1 && disks[0].status[0] == S_OK && last_used_len(0) == 21 &&
              !memcmp(disks[0].data[0], "shyper-vm0-d0", 14),
          "med-get-id");
    add(0, 0, 11 /* DISCARD */, 0, 0);
    kick(0);
    CHECK(used(0) == 1 && disks[0].status[0] == S_UNSUPP, "med-unknown-type-unsupp");
    /* A header only, nothing writable: returned with 0 bytes, the queue goes on. */
    struct disk *d = &disks[0];
    d->desc[0] = (struct desc){(unsigned long)&d->hdr[0], sizeof(d->hdr[0]), 0, 0};
    d->avail.ring[d->avail.idx % QSIZE] = 0;
    __atomic_store_n(&d->avail.idx, d->avail.idx + 1, __ATOMIC_RELEASE);
    kick(0);
    CHECK(used(0) == 1 && last_used_len(0) == 0, "med-no-status-byte");
    CHECK_EQ(capacity(0), TEST_BLK0_SECTORS, "med-capacity-configured");
}

/* ------------------------------------------------------------ hypercall arguments */

static void check_arguments(void)
{
    const unsigned long at = (unsigned long)&attach, d = (unsigned long)done;

    CHECK_EQ(sbi_probe(SHYPER_EID(SHYPER_GROUP_MEDIATED)).value, 1, "med-group-present");
    CHECK_EQ(med(SHYPER_MEDIATED_DETACH, 0, 0).error, SBI_SUCCESS, "med-detach-nothing");
    CHECK_EQ(med(SHYPER_MEDIATED_ATTACH, at, sizeof(attach) - 8).error, SBI_ERR_INVALID_PARAM,
             "med-attach-wrong-size");
    CHECK_EQ(med(SHYPER_MEDIATED_ATTACH, NOT_RAM, sizeof(attach)).error, SBI_ERR_INVALID_ADDRESS,
             "med-attach-outside-ram");
    CHECK_EQ(do_attach(0, 1), SBI_ERR_INVALID_PARAM, "med-attach-no-slots");
    CHECK_EQ(do_attach(SHYPER_MEDIATED_MAX_SLOTS + 1, 1), SBI_ERR_INVALID_PARAM,
             "med-attach-too-many-slots");
    CHECK_EQ(do_attach(NR_SLOTS, SHYPER_MEDIATED_MAX_DISKS + 1), SBI_ERR_INVALID_PARAM,
             "med-attach-too-many-disks");
    attach = (struct shyper_mediated_attach){.nr_slots = 1, .slot_ipa = {(unsigned long)slots + 8}};
    CHECK_EQ(med(SHYPER_MEDIATED_ATTACH, at, sizeof(attach)).error, SBI_ERR_INVALID_PARAM,
             "med-attach-slot-misaligned");
    attach.slot_ipa[0] = TEST_RAM_BASE + TEST_RAM_SIZE - SLOT_SIZE / 2;
    CHECK_EQ(med(SHYPER_MEDIATED_ATTACH, at, sizeof(attach)).error, SBI_ERR_INVALID_ADDRESS,
             "med-attach-slot-past-ram");
    attach = (struct shyper_mediated_attach){
        .nr_slots = 2, .slot_ipa = {(unsigned long)slots, (unsigned long)slots + 4096}};
    CHECK_EQ(med(SHYPER_MEDIATED_ATTACH, at, sizeof(attach)).error, SBI_ERR_INVALID_PARAM,
             "med-attach-slots-overlap");
    CHECK_EQ(complete1(0x100, SHYPER_BLK_OK, 0).error, SBI_ERR_INVALID_PARAM,
             "med-complete-nothing-in-flight");
    CHECK_EQ(med(SHYPER_MEDIATED_COMPLETE, d, 0).error, SBI_ERR_INVALID_PARAM,
             "med-complete-empty");
    CHECK_EQ(med(SHYPER_MEDIATED_COMPLETE, d, 24).error, SBI_ERR_INVALID_PARAM,
             "med-complete-partial-entry");
    CHECK_EQ(med(SHYPER_MEDIATED_COMPLETE, d, 16 * (SHYPER_MEDIATED_MAX_SLOTS + 1)).error,
             SBI_ERR_INVALID_PARAM, "med-complete-too-many");
    CHECK_EQ(med(SHYPER_MEDIATED_COMPLETE, NOT_RAM, 16).error, SBI_ERR_INVALID_ADDRESS,
             "med-complete-outside-ram");
}

/* ------------------------------------------------------------ attached */

static void check_read_write(void)
{
    struct shyper_blk_req req;
    u8 gen = (u8)rd(&disks[0], MMIO_CONFIG_GEN);

    CHECK_EQ(do_attach(NR_SLOTS, 1), SBI_SUCCESS, "med-attach");
    CHECK(capacity(0) == DISK0_SIZE && (u8)rd(&disks[0], MMIO_CONFIG_GEN) != gen &&
              (rd(&disks[0], MMIO_INT_STATUS) & INT_CONFIG),
          "med-capacity-of-the-disk");
    wr(&disks[0], MMIO_INT_ACK, INT_CONFIG);

    for (u32 i = 0; i < 1024; i++)
        disks[0].data[0][i] = (u8)(i * 7 + 1);
    add(0, 0, T_OUT, 3, 1024);
    kick(0);
    bool posted = next_request(&req);
    u32 s = SHYPER_BLK_REQ_SLOT(req.id);
    CHECK(posted && req.disk == 0 && req.op == SHYPER_BLK_WRITE && req.sector == 3 &&
              req.len == 1024 && s < NR_SLOTS && !memcmp(slots[s], disks[0].data[0], 1024) &&
              used(0) == 0,
          "med-write-posted-with-data");
    struct sbiret r = complete1(req.id, SHYPER_BLK_OK, 0);
    CHECK(r.error == SBI_SUCCESS && r.value == 1 && used(0) == 1 && last_used_len(0) == 1 &&
              disks[0].status[0] == S_OK,
          "med-write-completed");
    CHECK_EQ(complete1(req.id, SHYPER_BLK_OK, 0).error, SBI_ERR_INVALID_PARAM,
             "med-complete-twice-refused");

    add(0, 1, T_IN, 5, 2048);
    kick(0);
    posted = next_request(&req);
    s = SHYPER_BLK_REQ_SLOT(req.id);
    CHECK(posted && req.op == SHYPER_BLK_READ && req.sector == 5 && req.len == 2048,
          "med-read-posted");
    for (u32 i = 0; i < 2048; i++)
        slots[s][i] = (u8)(i * 3 + 5);
    r = complete1(req.id, SHYPER_BLK_OK, 2048);
    CHECK(r.value == 1 && used(0) == 1 && last_used_len(0) == 2049 && disks[0].status[1] == S_OK &&
              !memcmp(disks[0].data[1], slots[s], 2048),
          "med-read-data-delivered");

    add(0, 1, T_IN, 5, 2048);
    kick(0);
    next_request(&req);
    r = complete1(req.id, SHYPER_BLK_OK, 1024);
    CHECK(r.value == 1 && used(0) == 1 && disks[0].status[1] == S_IOERR, "med-short-read-ioerr");

    /* A READ of a hole: the slot is not looked at, the guest's buffer is cleared. */
    add(0, 1, T_IN, 5, 2048);
    kick(0);
    next_request(&req);
    memset(slots[SHYPER_BLK_REQ_SLOT(req.id)], 0x5a, 2048);
    memset(disks[0].data[1], 0xa5, 4096);
    r = complete1(req.id, SHYPER_BLK_OK | SHYPER_BLK_DONE_ZEROS, 2048);
    bool cleared = true;
    for (u32 i = 0; i < 4096; i++)
        cleared &= disks[0].data[1][i] == (i < 2048 ? 0 : 0xa5);
    CHECK(r.value == 1 && used(0) == 1 && last_used_len(0) == 2049 && disks[0].status[1] == S_OK &&
              cleared,
          "med-read-zeros-cleared");
    add(0, 0, T_OUT, 3, 1024);
    kick(0);
    next_request(&req);
    r = complete1(req.id, SHYPER_BLK_OK | SHYPER_BLK_DONE_ZEROS, 0);
    CHECK(r.value == 1 && used(0) == 1 && disks[0].status[0] == S_IOERR, "med-write-zeros-ioerr");
    CHECK_EQ(complete1(req.id + 1, SHYPER_BLK_IOERR | SHYPER_BLK_DONE_ZEROS, 0).error,
             SBI_ERR_INVALID_PARAM, "med-failed-zeros-refused");
    CHECK_EQ(complete1(req.id + 1, 9, 0).error, SBI_ERR_INVALID_PARAM, "med-bad-status-refused");

    add(0, 2, T_FLUSH, 0, 0);
    kick(0);
    posted = next_request(&req);
    CHECK(posted && req.op == SHYPER_BLK_FLUSH && req.len == 0 &&
              complete1(req.id, SHYPER_BLK_OK, 0).value == 1 && used(0) == 1 &&
              disks[0].status[2] == S_OK,
          "med-flush");

    add(0, 0, T_OUT, DISK0_SIZE - 1, 1024); /* the last sector and one past it */
    kick(0);
    CHECK(used(0) == 1 && disks[0].status[0] == S_IOERR && !next_request(&req),
          "med-outside-the-disk");
    CHECK(driver_init(1), "med-disk1-driver");
    add(1, 0, T_IN, 0, SECTOR);
    kick(1);
    CHECK(used(1) == 1 && disks[1].status[0] == S_IOERR && !next_request(&req),
          "med-disk-not-served");
}

/* Three requests, two slots: the third waits for a result. */
static void check_slots_run_out(void)
{
    struct shyper_blk_req req[3];

    for (u32 i = 0; i < 3; i++)
        add(0, i, T_OUT, 8 * i, 4096);
    kick(0);
    bool two = next_request(&req[0]) && next_request(&req[1]) && !next_request(&req[2]);
    CHECK(two && used(0) == 0, "med-two-slots-two-requests");
    CHECK_EQ(complete1(req[0].id, SHYPER_BLK_OK, 0).value, 1, "med-first-result");
    CHECK(next_request(&req[2]) && req[2].sector == 16 && used(0) == 1,
          "med-third-request-takes-the-free-slot");
    done[0] = (struct shyper_blk_done){.id = req[1].id, .status = SHYPER_BLK_OK};
    done[1] = (struct shyper_blk_done){.id = req[2].id, .status = SHYPER_BLK_IOERR};
    struct sbiret r = med(SHYPER_MEDIATED_COMPLETE, (unsigned long)done, 2 * sizeof(done[0]));
    CHECK(r.error == SBI_SUCCESS && r.value == 2 && used(0) == 2 && disks[0].status[1] == S_OK &&
              disks[0].status[2] == S_IOERR,
          "med-batch-of-results");
}

/* While a request is with the daemon the device wants no kicks (used.flags NO_NOTIFY):
 * what the driver adds meanwhile is taken with the result, whose interrupt waits for the
 * last request in flight; an idle device asks for kicks again. */
static void check_busy_device(void)
{
    struct shyper_blk_req req[2];

    wr(&disks[0], MMIO_INT_ACK, INT_USED);
    add(0, 0, T_IN, 0, SECTOR);
    kick(0);
    CHECK(next_request(&req[0]) && !wants_kicks(0), "med-busy-device-wants-no-kick");
    add(0, 1, T_IN, 1, SECTOR);
    CHECK(!next_request(&req[1]), "med-no-kick-no-request");
    CHECK(complete1(req[0].id, SHYPER_BLK_OK, SECTOR).value == 1 && next_request(&req[1]) &&
              req[1].sector == 1 && used(0) == 1,
          "med-result-takes-the-next-request");
    CHECK(!(rd(&disks[0], MMIO_INT_STATUS) & INT_USED), "med-interrupt-waits-while-busy");
    CHECK(complete1(req[1].id, SHYPER_BLK_OK, SECTOR).value == 1 && used(0) == 1 &&
              (rd(&disks[0], MMIO_INT_STATUS) & INT_USED) && wants_kicks(0),
          "med-idle-device-interrupts-and-wants-kicks");
    wr(&disks[0], MMIO_INT_ACK, INT_USED);
}

static void check_reset_and_detach(void)
{
    struct shyper_blk_req req;

    add(0, 0, T_IN, 0, SECTOR);
    kick(0);
    next_request(&req);
    wr(&disks[0], MMIO_STATUS, 0); /* the driver resets the device */
    struct sbiret r = complete1(req.id, SHYPER_BLK_OK, SECTOR);
    CHECK(r.error == SBI_SUCCESS && r.value == 0 && disks[0].status[0] == NO_STATUS,
          "med-result-after-reset-discarded");
    CHECK(driver_init(0), "med-driver-again");

    add(0, 0, T_OUT, 0, SECTOR);
    kick(0);
    CHECK(next_request(&req), "med-request-before-detach");
    CHECK_EQ(med(SHYPER_MEDIATED_DETACH, 0, 0).error, SBI_SUCCESS, "med-detach");
    CHECK(used(0) == 1 && disks[0].status[0] == S_IOERR, "med-detach-fails-in-flight");
    CHECK_EQ(complete1(req.id, SHYPER_BLK_OK, 0).error, SBI_ERR_INVALID_PARAM,
             "med-result-after-detach-refused");
    add(0, 0, T_OUT, 0, SECTOR);
    kick(0);
    CHECK(used(0) == 1 && disks[0].status[0] == S_IOERR && !next_request(&req),
          "med-after-detach-ioerr");

    CHECK_EQ(do_attach(NR_SLOTS, 1), SBI_SUCCESS, "med-attach-again");
    add(0, 0, T_OUT, 1, SECTOR);
    kick(0);
    CHECK(next_request(&req) && complete1(req.id, SHYPER_BLK_OK, 0).value == 1 && used(0) == 1 &&
              disks[0].status[0] == S_OK,
          "med-served-again");
    CHECK_EQ(med(SHYPER_MEDIATED_DETACH, 0, 0).error, SBI_SUCCESS, "med-detach-at-the-end");
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)hartid;
    (void)dtb;
    struct sbiret r =
        hc(SHYPER_GROUP_NOTIFY, SHYPER_NOTIFY_REGISTER, (unsigned long)ring, RING_BYTES, 0, 0, 0);
    CHECK_EQ(r.error, SBI_SUCCESS, "med-ring-registered");
    CHECK(driver_init(0) && rd(&disks[0], MMIO_MAGIC) == 0x74726976 &&
              rd(&disks[0], MMIO_DEVICE_ID) == 2,
          "med-disk0-driver");
    wr(&disks[0], MMIO_DEV_FSEL, 0);
    CHECK((rd(&disks[0], MMIO_DEV_FEAT) & (F_SEG_MAX | F_SIZE_MAX | F_BLK_SIZE | F_FLUSH)) ==
              (F_SEG_MAX | F_SIZE_MAX | F_BLK_SIZE | F_FLUSH),
          "med-features");
    CHECK(rd(&disks[0], MMIO_CONFIG + 8) == 4096 && rd(&disks[0], MMIO_CONFIG + 12) == 64 &&
              rd(&disks[0], MMIO_CONFIG + 20) == SECTOR,
          "med-limits");
    check_without_daemon();
    check_arguments();
    check_read_write();
    check_slots_run_out();
    check_busy_device();
    check_reset_and_detach();
    return 0;
}
