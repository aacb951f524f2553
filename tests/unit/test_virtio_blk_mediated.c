// UNIT_SOURCES: device/virtio/virtio_blk.c device/virtio/mediated_slots.c device/virtio/virtqueue.c
/* The pure parts of mediated virtio-blk: parsing a request chain (device/virtio/virtio_blk.c)
 * however the driver splits it into buffers, against the device's limits and capacity, and
 * the request slots shared with the MVM daemon (device/virtio/mediated_slots.c): ids that
 * never repeat, orphans of reset devices, a table reset by a new daemon.  Chains are built
 * directly as popped segments over host buffers standing for guest memory. */
#include <device/virtio/mediated_slots.h>
#include <device/virtio/virtio_blk.h>
#include <stdlib.h>
#include <string.h>

#include "unit_test.h"

#define SECTOR    512
#define CAPACITY  1000 /* sectors */
#define MAX_DATA  (256 * 1024)
#define MAX_SEGS  16
#define GUEST_MEM (2 * MAX_DATA)

static const struct blk_limits limits = {.capacity = CAPACITY, .max_data = MAX_DATA};

/* A chain under construction: readable then writable buffers carved out of mem. */
struct chain_builder {
    u8 mem[GUEST_MEM];
    u64 used;
    struct vq_seg segs[MAX_SEGS];
    struct vq_chain chain;
};

static void builder_init(struct chain_builder *b)
{
    memset(b, 0, sizeof(*b));
    b->chain.segs = b->segs;
    b->chain.max_segs = MAX_SEGS;
}

/* Appends a buffer of len bytes, readable (copied from data, if any) or writable. */
static u8 *add(struct chain_builder *b, bool writable, const void *data, u32 len)
{
    struct vq_chain *c = &b->chain;
    u8 *base = b->mem + b->used;

    if (data)
        memcpy(base, data, len);
    b->used += len;
    b->segs[c->nr_readable + c->nr_writable] = (struct vq_seg){.base = base, .len = len};
    if (writable) {
        c->nr_writable++;
        c->writable_len += len;
    } else {
        c->nr_readable++;
        c->readable_len += len;
    }
    return base;
}

static void header(u8 out[VIRTIO_BLK_HDR_SIZE], u32 type, u64 sector)
{
    memset(out, 0, VIRTIO_BLK_HDR_SIZE);
    memcpy(out, &type, sizeof(type));
    memcpy(out + 8, &sector, sizeof(sector));
}

/* A request laid out as Linux does: header, data, status, one buffer each. */
static u8 *simple(struct chain_builder *b, u32 type, u64 sector, u32 data_len)
{
    u8 hdr[VIRTIO_BLK_HDR_SIZE];

    builder_init(b);
    header(hdr, type, sector);
    add(b, false, hdr, sizeof(hdr));
    if (data_len)
        add(b, type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID, NULL, data_len);
    return add(b, true, NULL, 1);
}

static enum blk_parse parse(struct chain_builder *b, struct blk_req *req)
{
    return blk_req_parse(&b->chain, &limits, req);
}

/* ---------------------------------------------------------------- parsing */

TEST(blk_parse_read_and_write)
{
    static struct chain_builder b;
    struct blk_req req;
    u8 *status = simple(&b, VIRTIO_BLK_T_IN, 7, 4096);

    EXPECT_EQ(parse(&b, &req), BLK_PARSE_OK);
    EXPECT_EQ(req.type, VIRTIO_BLK_T_IN);
    EXPECT_EQ(req.sector, 7);
    EXPECT_EQ(req.data_len, 4096);
    EXPECT_TRUE(req.status == status);

    status = simple(&b, VIRTIO_BLK_T_OUT, CAPACITY - 8, 4096);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_OK); /* the last 8 sectors exactly */
    EXPECT_EQ(req.type, VIRTIO_BLK_T_OUT);
    EXPECT_EQ(req.sector, CAPACITY - 8);
    EXPECT_EQ(req.data_len, 4096);
    EXPECT_TRUE(req.status == status);

    simple(&b, VIRTIO_BLK_T_IN, 0, MAX_DATA);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_OK);
    EXPECT_EQ(req.data_len, MAX_DATA);
}

TEST(blk_parse_any_split)
{
    static struct chain_builder b;
    u8 hdr[VIRTIO_BLK_HDR_SIZE];
    struct blk_req req;

    /* Header in three pieces, data in two, the status byte at the end of the last data
     * buffer. */
    builder_init(&b);
    header(hdr, VIRTIO_BLK_T_IN, 42);
    add(&b, false, hdr, 3);
    add(&b, false, hdr + 3, 9);
    add(&b, false, hdr + 12, 4);
    add(&b, true, NULL, 1000);
    u8 *last = add(&b, true, NULL, 3096 + 1);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_OK);
    EXPECT_EQ(req.sector, 42);
    EXPECT_EQ(req.data_len, 4096);
    EXPECT_TRUE(req.status == last + 3096);

    /* OUT with the header and the data in one buffer. */
    builder_init(&b);
    u8 both[VIRTIO_BLK_HDR_SIZE + 1024];
    header(both, VIRTIO_BLK_T_OUT, 5);
    add(&b, false, both, sizeof(both));
    u8 *status = add(&b, true, NULL, 1);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_OK);
    EXPECT_EQ(req.data_len, 1024);
    EXPECT_TRUE(req.status == status);
}

TEST(blk_parse_bad_lengths)
{
    static struct chain_builder b;
    struct blk_req req;

    simple(&b, VIRTIO_BLK_T_IN, 0, 1000); /* not whole sectors */
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
    EXPECT_TRUE(req.status != NULL);
    simple(&b, VIRTIO_BLK_T_OUT, 0, 0); /* no data */
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
    simple(&b, VIRTIO_BLK_T_IN, 0, MAX_DATA + SECTOR); /* more than a slot */
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);

    /* OUT with writable data, IN with readable data after the header. */
    u8 hdr[VIRTIO_BLK_HDR_SIZE];
    builder_init(&b);
    header(hdr, VIRTIO_BLK_T_OUT, 0);
    add(&b, false, hdr, sizeof(hdr));
    add(&b, false, NULL, SECTOR);
    add(&b, true, NULL, SECTOR + 1);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
    builder_init(&b);
    header(hdr, VIRTIO_BLK_T_IN, 0);
    add(&b, false, hdr, sizeof(hdr));
    add(&b, false, NULL, SECTOR);
    add(&b, true, NULL, SECTOR + 1);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
}

TEST(blk_parse_outside_the_disk)
{
    static struct chain_builder b;
    struct blk_req req;

    simple(&b, VIRTIO_BLK_T_IN, CAPACITY - 7, 4096); /* one sector past the end */
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
    simple(&b, VIRTIO_BLK_T_OUT, CAPACITY, SECTOR);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
    simple(&b, VIRTIO_BLK_T_IN, UINT64_MAX, SECTOR); /* sector + count wraps */
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
    simple(&b, VIRTIO_BLK_T_IN, UINT64_MAX - 7, 4096);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
}

TEST(blk_parse_header_and_status)
{
    static struct chain_builder b;
    struct blk_req req;
    u8 hdr[VIRTIO_BLK_HDR_SIZE];

    /* No writable byte: nowhere to put a status. */
    builder_init(&b);
    header(hdr, VIRTIO_BLK_T_OUT, 0);
    add(&b, false, hdr, sizeof(hdr));
    add(&b, false, NULL, SECTOR);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_NO_STATUS);
    EXPECT_TRUE(req.status == NULL);

    /* A header of 15 bytes. */
    builder_init(&b);
    add(&b, false, hdr, sizeof(hdr) - 1);
    u8 *status = add(&b, true, NULL, 1);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
    EXPECT_TRUE(req.status == status);

    /* Only writable buffers. */
    builder_init(&b);
    add(&b, true, NULL, 64);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);
}

TEST(blk_parse_flush_get_id_unknown)
{
    static struct chain_builder b;
    struct blk_req req;

    u8 *status = simple(&b, VIRTIO_BLK_T_FLUSH, 12345678, 0); /* the sector is ignored */
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_OK);
    EXPECT_EQ(req.type, VIRTIO_BLK_T_FLUSH);
    EXPECT_TRUE(req.status == status);
    simple(&b, VIRTIO_BLK_T_FLUSH, 0, SECTOR); /* FLUSH carries no data */
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_IOERR);

    simple(&b, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_OK);
    EXPECT_EQ(req.type, VIRTIO_BLK_T_GET_ID);
    EXPECT_EQ(req.data_len, VIRTIO_BLK_ID_BYTES);

    status = simple(&b, 11 /* DISCARD, not offered */, 0, 0);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_UNSUPP);
    EXPECT_TRUE(req.status == status);
    simple(&b, 0xdeadbeef, 0, 0);
    EXPECT_EQ(parse(&b, &req), BLK_PARSE_UNSUPP);
}

/* Whole sectors, a status byte, or anything. */
static u32 random_len(void)
{
    switch (rand() % 4) {
    case 0:
        return SECTOR * (1 + rand() % 16);
    case 1:
        return 1;
    case 2:
        return 1 + rand() % (MAX_DATA / 4);
    default:
        return 1 + rand() % (2 * SECTOR);
    }
}

/* Random layouts: whatever parses OK is within the limits, and the status byte is the
 * chain's last writable byte. */
TEST(blk_parse_random_chains)
{
    static struct chain_builder b;
    static const u32 types[] = {VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH,
                                VIRTIO_BLK_T_GET_ID, 3};
    struct blk_req req;
    u32 ok = 0;

    srand(5);
    for (int round = 0; round < 20000; round++) {
        u8 hdr[VIRTIO_BLK_HDR_SIZE];
        u32 nr = 1 + rand() % (MAX_SEGS - 1), nr_readable = rand() % (nr + 1);
        u64 sector = rand() % 2 ? (u64)(rand() % (CAPACITY + 16)) : UINT64_MAX - rand() % 64;

        builder_init(&b);
        header(hdr, types[rand() % 5], sector);
        for (u32 i = 0; i < nr; i++) {
            u32 len = random_len();
            if (i == 0 && rand() % 4)
                len = sizeof(hdr);
            if (b.used + len > GUEST_MEM)
                break;
            add(&b, i >= nr_readable, i == 0 ? hdr : NULL, i == 0 ? MIN(len, sizeof(hdr)) : len);
        }
        enum blk_parse r = parse(&b, &req);
        const struct vq_chain *c = &b.chain;
        if (r == BLK_PARSE_NO_STATUS) {
            EXPECT_EQ(c->nr_writable, 0);
            continue;
        }
        const struct vq_seg *last = &c->segs[c->nr_readable + c->nr_writable - 1];
        EXPECT_TRUE(req.status == last->base + last->len - 1);
        if (r != BLK_PARSE_OK || (req.type != VIRTIO_BLK_T_IN && req.type != VIRTIO_BLK_T_OUT))
            continue;
        ok++;
        EXPECT_TRUE(req.data_len > 0 && req.data_len % SECTOR == 0 && req.data_len <= MAX_DATA);
        EXPECT_TRUE(req.sector + req.data_len / SECTOR <= CAPACITY && req.sector < CAPACITY);
        EXPECT_EQ(req.data_len, req.type == VIRTIO_BLK_T_IN
                                    ? c->writable_len - 1
                                    : c->readable_len - VIRTIO_BLK_HDR_SIZE);
    }
    EXPECT_TRUE(ok > 0);
}

/* ---------------------------------------------------------------- slots */

static int owner_a, owner_b;

TEST(mediated_slots_alloc_find_free)
{
    static struct mediated_slots s;
    u64 ids[4];

    mediated_slots_reset(&s, 4);
    for (int i = 0; i < 4; i++) {
        int slot = mediated_slots_alloc(&s, &owner_a, &ids[i]);
        EXPECT_TRUE(slot >= 0 && slot < 4);
        EXPECT_EQ(SHYPER_BLK_REQ_SLOT(ids[i]), slot);
        EXPECT_TRUE(ids[i] != 0);
        EXPECT_EQ(mediated_slots_find(&s, ids[i]), slot);
        for (int j = 0; j < i; j++)
            EXPECT_TRUE(ids[i] != ids[j]);
    }
    u64 id;
    EXPECT_EQ(mediated_slots_alloc(&s, &owner_a, &id), -1); /* all four taken */
    EXPECT_EQ(s.nr_free, 0);

    int slot = mediated_slots_find(&s, ids[2]);
    mediated_slots_free(&s, (u32)slot);
    mediated_slots_free(&s, (u32)slot); /* twice: counted once */
    EXPECT_EQ(s.nr_free, 1);
    EXPECT_EQ(mediated_slots_find(&s, ids[2]), -1);
    EXPECT_EQ(mediated_slots_alloc(&s, &owner_b, &id), slot);
    EXPECT_TRUE(id != ids[2]); /* same slot, new id: the old result cannot match */
    EXPECT_EQ(mediated_slots_find(&s, ids[2]), -1);
    EXPECT_EQ(mediated_slots_find(&s, id), slot);
    EXPECT_TRUE(s.slot[slot].owner == &owner_b);
}

TEST(mediated_slots_ids_that_do_not_match)
{
    static struct mediated_slots s;
    u64 id;

    mediated_slots_reset(&s, 2);
    int slot = mediated_slots_alloc(&s, &owner_a, &id);
    EXPECT_EQ(mediated_slots_find(&s, 0), -1);
    EXPECT_EQ(mediated_slots_find(&s, id + 1), -1);              /* a free slot */
    EXPECT_EQ(mediated_slots_find(&s, id + (1 << 8)), -1);       /* the right slot, later id */
    EXPECT_EQ(mediated_slots_find(&s, (id & ~0xffull) | 7), -1); /* beyond nr */
    EXPECT_EQ(mediated_slots_find(&s, (id & ~0xffull) | 0xff), -1);
    mediated_slots_free(&s, 200); /* out of range: ignored */
    EXPECT_EQ(mediated_slots_find(&s, id), slot);
}

TEST(mediated_slots_orphans)
{
    static struct mediated_slots s;
    u64 a1, a2, b1;

    mediated_slots_reset(&s, 3);
    int s_a1 = mediated_slots_alloc(&s, &owner_a, &a1);
    int s_b1 = mediated_slots_alloc(&s, &owner_b, &b1);
    int s_a2 = mediated_slots_alloc(&s, &owner_a, &a2);
    EXPECT_EQ(mediated_slots_orphan(&s, &owner_a), 2);
    EXPECT_EQ(s.slot[s_a1].state, MEDIATED_SLOT_ORPHAN);
    EXPECT_EQ(s.slot[s_a2].state, MEDIATED_SLOT_ORPHAN);
    EXPECT_TRUE(s.slot[s_a1].owner == NULL);
    EXPECT_EQ(s.slot[s_b1].state, MEDIATED_SLOT_BUSY); /* another device's request stays */
    EXPECT_EQ(mediated_slots_orphan(&s, &owner_a), 0);

    /* Orphans keep their slot (the daemon may still write into it) until their result. */
    u64 id;
    EXPECT_EQ(mediated_slots_alloc(&s, &owner_b, &id), -1);
    EXPECT_EQ(mediated_slots_find(&s, a1), s_a1);
    mediated_slots_free(&s, (u32)s_a1);
    EXPECT_EQ(mediated_slots_alloc(&s, &owner_b, &id), s_a1);
}

TEST(mediated_slots_reset_by_a_new_daemon)
{
    static struct mediated_slots s;
    u64 old[3], id;

    mediated_slots_reset(&s, 3);
    for (int i = 0; i < 3; i++)
        mediated_slots_alloc(&s, &owner_a, &old[i]);
    mediated_slots_reset(&s, 0); /* detached: no slot at all */
    EXPECT_EQ(mediated_slots_alloc(&s, &owner_a, &id), -1);
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(mediated_slots_find(&s, old[i]), -1);

    mediated_slots_reset(&s, 3);
    for (int i = 0; i < 3; i++) {
        EXPECT_TRUE(mediated_slots_alloc(&s, &owner_a, &id) >= 0);
        for (int j = 0; j < 3; j++)
            EXPECT_TRUE(id != old[j]); /* the sequence goes on */
    }
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(mediated_slots_find(&s, old[i]), -1);

    mediated_slots_reset(&s, MEDIATED_SLOTS_MAX + 5); /* clamped */
    EXPECT_EQ(s.nr, MEDIATED_SLOTS_MAX);
    for (int i = 0; i < MEDIATED_SLOTS_MAX; i++)
        EXPECT_TRUE(mediated_slots_alloc(&s, &owner_b, &id) >= 0);
    EXPECT_EQ(mediated_slots_alloc(&s, &owner_b, &id), -1);
}
