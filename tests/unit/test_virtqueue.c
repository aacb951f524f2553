// UNIT_SOURCES: device/virtio/virtqueue.c
/* The split-virtqueue walker (device/virtio/virtqueue.c) against rings a test driver builds
 * in a host buffer standing for guest RAM: good rings, hostile rings, notification
 * decisions and a fixed-seed fuzz run.  Ring layouts and flags are the spec's, written here
 * byte by byte rather than through the header's structures. */
#include <device/virtio/virtqueue.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_test.h"

/* virtio 1.2 §2.7 */
#define F_NEXT         1
#define F_WRITE        2
#define F_INDIRECT     4
#define NO_INTERRUPT   1
#define NO_NOTIFY      1
#define DESC_BYTES     16
#define USED_ELEM      8
#define RING_HDR       4 /* flags, idx */
#define MAX_QUEUE_SIZE 32768

#define RAM_BASE  0x80000000ULL
#define RAM_SIZE  0x100000ULL
#define RAM_END   (RAM_BASE + RAM_SIZE)
#define DESC_GPA  (RAM_BASE + 0x0000)
#define AVAIL_GPA (RAM_BASE + 0x1000)
#define USED_GPA  (RAM_BASE + 0x2000)
#define TABLE_GPA (RAM_BASE + 0x8000) /* indirect tables */
#define BUF_GPA   (RAM_BASE + 0x10000)
#define MAX_SEGS  8
#define QSIZE     8

/* ---------------------------------------------------------------- guest RAM and driver */

struct fake_ram {
    u8 *mem;
    u64 base, size;
    u64 maps;        /* map calls */
    bool asked_wrap; /* a map call for a range that wraps */
};

static struct fake_ram ram;
static struct guest_mem gmem;
static struct virtqueue vq;
static struct vq_seg segs[MAX_SEGS];
static struct vq_chain chain;
static u32 qsize;
static u16 drv_avail; /* the driver's avail.idx */

static void *ram_map(void *ctx, u64 gpa, u64 len)
{
    struct fake_ram *r = ctx;

    r->maps++;
    if (len == 0 || gpa + len - 1 < gpa)
        r->asked_wrap = true;
    if (!range_within(gpa, len, r->base, r->size))
        return NULL;
    return r->mem + (gpa - r->base);
}

static void ram_init(u64 size)
{
    ram = (struct fake_ram){.mem = calloc(1, size), .base = RAM_BASE, .size = size};
    gmem = (struct guest_mem){.ctx = &ram, .map = ram_map};
}

static void put(u64 gpa, const void *v, size_t n)
{
    memcpy(ram.mem + (gpa - RAM_BASE), v, n);
}

static void put16(u64 gpa, u16 v)
{
    put(gpa, &v, sizeof(v));
}

static u16 get16(u64 gpa)
{
    u16 v;

    memcpy(&v, ram.mem + (gpa - RAM_BASE), sizeof(v));
    return v;
}

static u32 get32(u64 gpa)
{
    u32 v;

    memcpy(&v, ram.mem + (gpa - RAM_BASE), sizeof(v));
    return v;
}

static void set_desc(u64 table, u32 i, u64 addr, u32 len, u16 flags, u16 next)
{
    u64 d = table + (u64)i * DESC_BYTES;

    put(d, &addr, 8);
    put(d + 8, &len, 4);
    put16(d + 12, flags);
    put16(d + 14, next);
}

static void offer(u16 head)
{
    put16(AVAIL_GPA + RING_HDR + 2 * (drv_avail % qsize), head);
    drv_avail++;
    put16(AVAIL_GPA + 2, drv_avail);
}

static u16 used_idx(void)
{
    return get16(USED_GPA + 2);
}

static u32 used_id(u32 i)
{
    return get32(USED_GPA + RING_HDR + USED_ELEM * (i % qsize));
}

static u32 used_len(u32 i)
{
    return get32(USED_GPA + RING_HDR + USED_ELEM * (i % qsize) + 4);
}

static u64 used_event_gpa(void)
{
    return AVAIL_GPA + RING_HDR + 2 * qsize;
}

static u64 avail_event_gpa(void)
{
    return USED_GPA + RING_HDR + USED_ELEM * qsize;
}

static u8 *host(u64 gpa)
{
    return ram.mem + (gpa - RAM_BASE);
}

/* A fresh RAM and a ready queue of `size` entries at the standard places. */
static void setup(u32 size, u32 flags)
{
    ram_init(RAM_SIZE);
    qsize = size;
    drv_avail = 0;
    chain = (struct vq_chain){.segs = segs, .max_segs = MAX_SEGS};
    EXPECT_EQ(vq_configure(&vq, &gmem, size, DESC_GPA, AVAIL_GPA, USED_GPA, flags), 0);
}

static void teardown(void)
{
    free(ram.mem);
}

/* The next pop fails with err, breaks the queue, and nothing reaches the used ring. */
static void expect_broken(int err)
{
    EXPECT_EQ(vq_pop(&vq, &chain), err);
    EXPECT_EQ(vq_error(&vq), err);
    EXPECT_EQ(vq_pop(&vq, &chain), VQ_ERR_BROKEN);
    EXPECT_EQ(vq_push(&vq, 0, 0), VQ_ERR_BROKEN);
    EXPECT_EQ(used_idx(), 0);
    EXPECT_TRUE(!vq_need_notify(&vq));
    EXPECT_TRUE(!ram.asked_wrap);
}

/* ---------------------------------------------------------------- configuration */

TEST(vq_configure_accepts_every_power_of_two_size)
{
    ram_init(RAM_SIZE);
    for (u32 size = 1; size <= MAX_QUEUE_SIZE; size *= 2) {
        /* desc 512 KiB, avail 64 KiB and used 256 KiB at the largest size */
        EXPECT_EQ(
            vq_configure(&vq, &gmem, size, RAM_BASE, RAM_BASE + 0x80000, RAM_BASE + 0xa0000, 0), 0);
        EXPECT_TRUE(vq.ready);
        EXPECT_EQ(vq.size, size);
    }
    /* rings up to the end of RAM (6 + 8 * 4 = 38 bytes of used ring, 4-aligned) */
    EXPECT_EQ(vq_configure(&vq, &gmem, 4, RAM_END - 64, AVAIL_GPA, USED_GPA, 0), 0);
    EXPECT_EQ(vq_configure(&vq, &gmem, 4, DESC_GPA, RAM_END - 14, USED_GPA, 0), 0);
    EXPECT_EQ(vq_configure(&vq, &gmem, 4, DESC_GPA, AVAIL_GPA, RAM_END - 40, 0), 0);
    teardown();
}

TEST(vq_configure_rejects_bad_sizes)
{
    static const u32 bad[] = {0, 3, 384, 65536, 0x80000000};

    ram_init(RAM_SIZE);
    for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
        EXPECT_EQ(vq_configure(&vq, &gmem, bad[i], DESC_GPA, AVAIL_GPA, USED_GPA, 0), VQ_ERR_SIZE);
        EXPECT_TRUE(!vq.ready);
        EXPECT_EQ(vq_pop(&vq, &chain), VQ_ERR_NOT_READY);
    }
    teardown();
}

TEST(vq_configure_rejects_unaligned_rings)
{
    ram_init(RAM_SIZE);
    EXPECT_EQ(vq_configure(&vq, &gmem, 8, DESC_GPA + 8, AVAIL_GPA, USED_GPA, 0), VQ_ERR_RING_ALIGN);
    EXPECT_EQ(vq_configure(&vq, &gmem, 8, DESC_GPA, AVAIL_GPA + 1, USED_GPA, 0), VQ_ERR_RING_ALIGN);
    EXPECT_EQ(vq_configure(&vq, &gmem, 8, DESC_GPA, AVAIL_GPA, USED_GPA + 2, 0), VQ_ERR_RING_ALIGN);
    EXPECT_TRUE(!vq.ready);
    /* the spec's minimum alignments are enough */
    EXPECT_EQ(vq_configure(&vq, &gmem, 8, DESC_GPA + 16, AVAIL_GPA + 2, USED_GPA + 4, 0), 0);
    teardown();
}

TEST(vq_configure_rejects_rings_outside_ram)
{
    ram_init(RAM_SIZE);
    EXPECT_EQ(vq_configure(&vq, &gmem, 8, RAM_BASE - 0x1000, AVAIL_GPA, USED_GPA, 0),
              VQ_ERR_RING_RANGE);
    /* the used ring (6 + 8 * 8 bytes) runs 2 bytes past the end of RAM */
    EXPECT_EQ(vq_configure(&vq, &gmem, 8, DESC_GPA, AVAIL_GPA, RAM_END - 68, 0), VQ_ERR_RING_RANGE);
    /* an avail ring at the top of the address space wraps */
    EXPECT_EQ(vq_configure(&vq, &gmem, 8, DESC_GPA, 0xfffffffffffffff0ULL, USED_GPA, 0),
              VQ_ERR_RING_RANGE);
    EXPECT_TRUE(!vq.ready);
    EXPECT_TRUE(!ram.asked_wrap);
    teardown();
}

/* ---------------------------------------------------------------- good rings */

TEST(vq_pop_single_readable_buffer)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 3, BUF_GPA, 100, 0, 0);
    EXPECT_EQ(vq_pop(&vq, &chain), 0); /* nothing offered yet */
    offer(3);
    EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(chain.head, 3);
    EXPECT_EQ(chain.nr_readable, 1);
    EXPECT_EQ(chain.nr_writable, 0);
    EXPECT_EQ(chain.readable_len, 100);
    EXPECT_TRUE(segs[0].base == host(BUF_GPA));
    EXPECT_EQ(segs[0].len, 100);
    EXPECT_EQ(vq_pop(&vq, &chain), 0);

    EXPECT_EQ(vq_push(&vq, 3, 0), 0);
    EXPECT_EQ(used_idx(), 1);
    EXPECT_EQ(used_id(0), 3);
    EXPECT_EQ(used_len(0), 0);
    teardown();
}

static u64 zeroed; /* bytes zero_bytes() cleared */

static void zero_bytes(void *p, u64 n)
{
    memset(p, 0, n);
    zeroed += n;
}

TEST(vq_pop_chain_readable_then_writable)
{
    static const char header[] = "0123456789abcdef";
    u8 data[600], back[16];

    setup(QSIZE, 0);
    put(BUF_GPA, header, 16);
    set_desc(DESC_GPA, 1, BUF_GPA, 16, F_NEXT, 5);
    set_desc(DESC_GPA, 5, BUF_GPA + 0x1000, 512, F_NEXT | F_WRITE, 2);
    set_desc(DESC_GPA, 2, BUF_GPA + 0x2000, 1, F_WRITE, 7); /* next ignored without NEXT */
    offer(1);
    EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(chain.head, 1);
    EXPECT_EQ(chain.nr_readable, 1);
    EXPECT_EQ(chain.nr_writable, 2);
    EXPECT_EQ(chain.readable_len, 16);
    EXPECT_EQ(chain.writable_len, 513);

    EXPECT_EQ(vq_chain_read(&chain, 4, back, sizeof(back)), 12);
    EXPECT_TRUE(memcmp(back, "456789abcdef", 12) == 0);
    EXPECT_EQ(vq_chain_read(&chain, 16, back, sizeof(back)), 0);

    for (u32 i = 0; i < sizeof(data); i++)
        data[i] = (u8)i;
    EXPECT_EQ(vq_chain_write(&chain, 0, data, sizeof(data)), 513);
    EXPECT_TRUE(memcmp(host(BUF_GPA + 0x1000), data, 512) == 0);
    EXPECT_EQ(*host(BUF_GPA + 0x2000), data[512]);
    /* a write starting inside the second writable segment */
    EXPECT_EQ(vq_chain_write(&chain, 512, "Z", 1), 1);
    EXPECT_EQ(*host(BUF_GPA + 0x2000), 'Z');
    /* clearing across both writable segments, with the clearer the caller gives */
    EXPECT_EQ(vq_chain_zero(&chain, 500, 100, zero_bytes), 13);
    EXPECT_EQ(*host(BUF_GPA + 0x1000 + 499), data[499]);
    EXPECT_EQ(*host(BUF_GPA + 0x1000 + 500), 0);
    EXPECT_EQ(*host(BUF_GPA + 0x1000 + 511), 0);
    EXPECT_EQ(*host(BUF_GPA + 0x2000), 0);
    EXPECT_EQ(zeroed, 13);
    EXPECT_EQ(vq_chain_zero(&chain, 513, 1, zero_bytes), 0);
    EXPECT_EQ(vq_push(&vq, 1, 513), 0);
    EXPECT_EQ(used_len(0), 513);
    teardown();
}

TEST(vq_pop_skips_zero_length_buffers)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, RAM_END + 0x1000, 0, F_NEXT, 1); /* never mapped */
    set_desc(DESC_GPA, 1, BUF_GPA, 8, F_WRITE, 0);
    offer(0);
    EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(chain.nr_readable, 0);
    EXPECT_EQ(chain.nr_writable, 1);
    EXPECT_EQ(chain.writable_len, 8);
    teardown();
}

TEST(vq_pop_indirect_table)
{
    setup(QSIZE, VQ_F_INDIRECT);
    /* WRITE on the descriptor that refers to the table is ignored (§2.7.5.3.2) */
    set_desc(DESC_GPA, 6, TABLE_GPA, 3 * DESC_BYTES, F_INDIRECT | F_WRITE, 0);
    set_desc(TABLE_GPA, 0, BUF_GPA, 10, F_NEXT, 2);
    set_desc(TABLE_GPA, 2, BUF_GPA + 0x100, 20, F_NEXT | F_WRITE, 1);
    set_desc(TABLE_GPA, 1, BUF_GPA + 0x200, 30, F_WRITE, 0);
    offer(6);
    EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(chain.head, 6);
    EXPECT_EQ(chain.nr_readable, 1);
    EXPECT_EQ(chain.nr_writable, 2);
    EXPECT_TRUE(segs[0].base == host(BUF_GPA) && segs[0].len == 10);
    EXPECT_TRUE(segs[1].base == host(BUF_GPA + 0x100) && segs[1].len == 20);
    EXPECT_TRUE(segs[2].base == host(BUF_GPA + 0x200) && segs[2].len == 30);
    EXPECT_EQ(vq_push(&vq, 6, 50), 0);
    EXPECT_EQ(used_id(0), 6);
    teardown();
}

TEST(vq_pop_direct_descriptors_then_indirect)
{
    setup(QSIZE, VQ_F_INDIRECT);
    set_desc(DESC_GPA, 0, BUF_GPA, 12, F_NEXT, 4);
    set_desc(DESC_GPA, 4, TABLE_GPA, 2 * DESC_BYTES, F_INDIRECT, 0);
    set_desc(TABLE_GPA, 0, BUF_GPA + 0x100, 100, F_NEXT | F_WRITE, 1);
    set_desc(TABLE_GPA, 1, BUF_GPA + 0x200, 1, F_WRITE, 0);
    offer(0);
    EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(chain.nr_readable, 1);
    EXPECT_EQ(chain.nr_writable, 2);
    EXPECT_EQ(chain.readable_len, 12);
    EXPECT_EQ(chain.writable_len, 101);
    teardown();
}

/* 70000 buffers in batches of a full ring: avail.idx and used.idx wrap at 65536. */
TEST(vq_indices_wrap_around_16_bits)
{
    const u32 total = 70000, size = 4;
    bool ok = true;

    setup(size, 0);
    for (u32 i = 0; i < size; i++)
        set_desc(DESC_GPA, i, BUF_GPA + 0x100 * i, i + 1, F_WRITE, 0);
    for (u32 n = 0; n < total; n += size) {
        for (u32 i = 0; i < size; i++)
            offer((u16)((n / size + i) % size));
        for (u32 i = 0; i < size; i++) {
            u16 want = (u16)((n / size + i) % size);

            ok &= vq_pop(&vq, &chain) == 1 && chain.head == want && chain.writable_len == want + 1u;
            ok &= vq_push(&vq, chain.head, want) == 0;
        }
        ok &= vq_pop(&vq, &chain) == 0;
    }
    EXPECT_TRUE(ok);
    EXPECT_EQ(used_idx(), (u16)total);
    EXPECT_EQ(used_id(total - 1), (total / size - 1 + size - 1) % size);
    EXPECT_EQ(vq_error(&vq), 0);
    teardown();
}

TEST(vq_full_ring_is_not_an_index_jump)
{
    setup(QSIZE, 0);
    for (u32 i = 0; i < QSIZE; i++) {
        set_desc(DESC_GPA, i, BUF_GPA, 4, 0, 0);
        offer((u16)i);
    }
    for (u32 i = 0; i < QSIZE; i++)
        EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(vq_pop(&vq, &chain), 0);
    teardown();
}

TEST(vq_push_only_ids_in_flight)
{
    setup(QSIZE, 0);
    EXPECT_EQ(vq_push(&vq, 0, 0), VQ_ERR_USED_ID); /* nothing popped */
    set_desc(DESC_GPA, 0, BUF_GPA, 4, 0, 0);
    offer(0);
    EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(vq_push(&vq, QSIZE, 0), VQ_ERR_USED_ID);
    EXPECT_EQ(used_idx(), 0);
    EXPECT_EQ(vq_error(&vq), 0); /* a device mistake does not break the queue */
    EXPECT_EQ(vq_push(&vq, 0, 0), 0);
    EXPECT_EQ(vq_push(&vq, 0, 0), VQ_ERR_USED_ID);
    vq_reset(&vq);
    EXPECT_EQ(vq_pop(&vq, &chain), VQ_ERR_NOT_READY);
    EXPECT_EQ(vq_push(&vq, 0, 0), VQ_ERR_NOT_READY);
    teardown();
}

/* ---------------------------------------------------------------- hostile rings */

TEST(vq_hostile_direct_loop)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, BUF_GPA, 4, F_NEXT, 1);
    set_desc(DESC_GPA, 1, BUF_GPA, 4, F_NEXT, 0);
    offer(0);
    expect_broken(VQ_ERR_LOOP);
    teardown();
}

TEST(vq_hostile_self_loop_of_empty_buffers)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 2, BUF_GPA, 0, F_NEXT, 2);
    offer(2);
    expect_broken(VQ_ERR_LOOP);
    teardown();
}

TEST(vq_hostile_loop_inside_indirect_table)
{
    setup(QSIZE, VQ_F_INDIRECT);
    set_desc(DESC_GPA, 0, TABLE_GPA, 2 * DESC_BYTES, F_INDIRECT, 0);
    set_desc(TABLE_GPA, 0, BUF_GPA, 4, F_NEXT, 1);
    set_desc(TABLE_GPA, 1, BUF_GPA, 4, F_NEXT, 0);
    offer(0);
    expect_broken(VQ_ERR_LOOP);
    teardown();
}

TEST(vq_hostile_next_out_of_range)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, BUF_GPA, 4, F_NEXT, QSIZE);
    offer(0);
    expect_broken(VQ_ERR_DESC_INDEX);
    teardown();
}

TEST(vq_hostile_head_out_of_range)
{
    setup(QSIZE, 0);
    offer(QSIZE);
    expect_broken(VQ_ERR_DESC_INDEX);
    teardown();
}

TEST(vq_hostile_next_outside_indirect_table)
{
    setup(QSIZE, VQ_F_INDIRECT);
    /* next = 2 is inside the queue but outside this 2-entry table */
    set_desc(DESC_GPA, 0, TABLE_GPA, 2 * DESC_BYTES, F_INDIRECT, 0);
    set_desc(TABLE_GPA, 0, BUF_GPA, 4, F_NEXT, 2);
    offer(0);
    expect_broken(VQ_ERR_DESC_INDEX);
    teardown();
}

TEST(vq_hostile_buffer_outside_ram)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, RAM_END - 10, 20, 0, 0);
    offer(0);
    expect_broken(VQ_ERR_BUF_RANGE);
    teardown();

    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, RAM_BASE - 4, 8, F_WRITE, 0);
    offer(0);
    expect_broken(VQ_ERR_BUF_RANGE);
    teardown();
}

TEST(vq_hostile_buffer_wraps_address_space)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, 0xffffffffffffff00ULL, 0x200, F_WRITE, 0);
    offer(0);
    expect_broken(VQ_ERR_BUF_RANGE);
    teardown();
}

TEST(vq_hostile_indirect_table_outside_ram)
{
    setup(QSIZE, VQ_F_INDIRECT);
    set_desc(DESC_GPA, 0, RAM_END - DESC_BYTES, 2 * DESC_BYTES, F_INDIRECT, 0);
    offer(0);
    expect_broken(VQ_ERR_BUF_RANGE);
    teardown();

    setup(QSIZE, VQ_F_INDIRECT);
    set_desc(DESC_GPA, 0, 0xfffffffffffffff0ULL, 2 * DESC_BYTES, F_INDIRECT, 0);
    offer(0);
    expect_broken(VQ_ERR_BUF_RANGE);
    teardown();
}

/* 129 buffers of 512 KiB, each inside RAM, add up to more than 64 MiB. */
TEST(vq_hostile_lengths_sum_past_limit)
{
    struct vq_seg many[256];
    const u32 size = 256, buf = 0x80000;

    setup(size, 0);
    chain.segs = many;
    chain.max_segs = ARRAY_SIZE(many);
    for (u32 i = 0; i < 129; i++)
        set_desc(DESC_GPA, i, BUF_GPA, buf, i < 128 ? F_NEXT : 0, (u16)(i + 1));
    offer(0);
    expect_broken(VQ_ERR_CHAIN_LEN);
    teardown();

    /* exactly the limit is fine */
    setup(size, 0);
    chain.segs = many;
    chain.max_segs = ARRAY_SIZE(many);
    for (u32 i = 0; i < 128; i++)
        set_desc(DESC_GPA, i, BUF_GPA, buf, i < 127 ? F_NEXT : 0, (u16)(i + 1));
    offer(0);
    EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(chain.readable_len, 128ULL * buf);
    teardown();
}

TEST(vq_hostile_single_absurd_length)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, BUF_GPA, 0xffffffff, F_WRITE, 0);
    offer(0);
    expect_broken(VQ_ERR_CHAIN_LEN);
    teardown();
}

TEST(vq_hostile_avail_idx_jump)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, BUF_GPA, 4, 0, 0);
    put16(AVAIL_GPA + 2, QSIZE + 1);
    expect_broken(VQ_ERR_AVAIL_IDX);
    teardown();

    /* going backwards is a jump of almost 65536 */
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, BUF_GPA, 4, 0, 0);
    offer(0);
    EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(vq_push(&vq, 0, 0), 0);
    put16(AVAIL_GPA + 2, 0);
    EXPECT_EQ(vq_pop(&vq, &chain), VQ_ERR_AVAIL_IDX);
    EXPECT_EQ(vq_error(&vq), VQ_ERR_AVAIL_IDX);
    teardown();
}

TEST(vq_hostile_nested_indirect)
{
    setup(QSIZE, VQ_F_INDIRECT);
    set_desc(DESC_GPA, 0, TABLE_GPA, DESC_BYTES, F_INDIRECT, 0);
    set_desc(TABLE_GPA, 0, TABLE_GPA + 0x100, DESC_BYTES, F_INDIRECT, 0);
    set_desc(TABLE_GPA + 0x100, 0, BUF_GPA, 4, 0, 0);
    offer(0);
    expect_broken(VQ_ERR_INDIRECT_NESTED);
    teardown();
}

TEST(vq_hostile_indirect_with_next)
{
    setup(QSIZE, VQ_F_INDIRECT);
    set_desc(DESC_GPA, 0, TABLE_GPA, DESC_BYTES, F_INDIRECT | F_NEXT, 1);
    set_desc(DESC_GPA, 1, BUF_GPA, 4, 0, 0);
    set_desc(TABLE_GPA, 0, BUF_GPA, 4, 0, 0);
    offer(0);
    expect_broken(VQ_ERR_INDIRECT_NEXT);
    teardown();
}

TEST(vq_hostile_indirect_table_sizes)
{
    /* empty, not whole descriptors, more entries than the queue */
    static const u32 lens[] = {0, 24, (QSIZE + 1) * DESC_BYTES};

    for (u32 i = 0; i < ARRAY_SIZE(lens); i++) {
        setup(QSIZE, VQ_F_INDIRECT);
        set_desc(DESC_GPA, 0, TABLE_GPA, lens[i], F_INDIRECT, 0);
        set_desc(TABLE_GPA, 0, BUF_GPA, 4, 0, 0);
        offer(0);
        expect_broken(VQ_ERR_INDIRECT_SIZE);
        teardown();
    }
}

TEST(vq_hostile_indirect_not_negotiated)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, TABLE_GPA, DESC_BYTES, F_INDIRECT, 0);
    set_desc(TABLE_GPA, 0, BUF_GPA, 4, 0, 0);
    offer(0);
    expect_broken(VQ_ERR_INDIRECT_FEATURE);
    teardown();
}

TEST(vq_hostile_readable_after_writable)
{
    setup(QSIZE, 0);
    set_desc(DESC_GPA, 0, BUF_GPA, 4, F_WRITE | F_NEXT, 1);
    set_desc(DESC_GPA, 1, BUF_GPA, 4, 0, 0);
    offer(0);
    expect_broken(VQ_ERR_ORDER);
    teardown();
}

TEST(vq_hostile_more_segments_than_the_device_takes)
{
    setup(QSIZE, 0);
    chain.max_segs = 2;
    for (u32 i = 0; i < 3; i++)
        set_desc(DESC_GPA, i, BUF_GPA, 4, i < 2 ? F_NEXT : 0, (u16)(i + 1));
    offer(0);
    expect_broken(VQ_ERR_SEGS);
    teardown();
}

TEST(vq_errors_have_distinct_messages)
{
    for (int a = VQ_ERR_USED_ID; a < 0; a++) {
        EXPECT_TRUE(strcmp(vq_strerror(a), "unknown error") != 0);
        for (int b = a + 1; b < 0; b++)
            EXPECT_TRUE(strcmp(vq_strerror(a), vq_strerror(b)) != 0);
    }
    EXPECT_STR_EQ(vq_strerror(VQ_ERR_LOOP), "descriptor loop");
}

/* ---------------------------------------------------------------- notifications */

static void pop_push_one(u16 head)
{
    set_desc(DESC_GPA, head, BUF_GPA, 4, 0, 0);
    offer(head);
    EXPECT_EQ(vq_pop(&vq, &chain), 1);
    EXPECT_EQ(vq_push(&vq, head, 0), 0);
}

TEST(vq_notify_without_event_idx_follows_no_interrupt)
{
    setup(QSIZE, 0);
    EXPECT_TRUE(!vq_need_notify(&vq)); /* nothing used */
    pop_push_one(0);
    EXPECT_TRUE(vq_need_notify(&vq));
    EXPECT_TRUE(!vq_need_notify(&vq)); /* already decided for that buffer */
    put16(AVAIL_GPA, NO_INTERRUPT);
    pop_push_one(1);
    EXPECT_TRUE(!vq_need_notify(&vq));
    put16(AVAIL_GPA, 0);
    pop_push_one(2);
    EXPECT_TRUE(vq_need_notify(&vq));
    teardown();
}

TEST(vq_notify_with_event_idx_follows_used_event)
{
    setup(QSIZE, VQ_F_EVENT_IDX);
    put16(AVAIL_GPA, NO_INTERRUPT); /* ignored with EVENT_IDX */
    put16(used_event_gpa(), 0);
    pop_push_one(0); /* used.idx 0 -> 1 crosses 0 */
    EXPECT_TRUE(vq_need_notify(&vq));
    pop_push_one(1); /* 1 -> 2 does not */
    EXPECT_TRUE(!vq_need_notify(&vq));
    put16(used_event_gpa(), 3);
    pop_push_one(2);
    pop_push_one(3); /* batch 2 -> 4 crosses 3 */
    EXPECT_TRUE(vq_need_notify(&vq));
    put16(used_event_gpa(), 10);
    pop_push_one(4);
    EXPECT_TRUE(!vq_need_notify(&vq));
    teardown();
}

TEST(vq_notify_with_event_idx_across_index_wrap)
{
    const u32 size = 4;

    setup(size, VQ_F_EVENT_IDX);
    put16(used_event_gpa(), 0x8000);
    for (u32 i = 0; i < 0xfffe; i++) {
        set_desc(DESC_GPA, i % size, BUF_GPA, 4, 0, 0);
        offer((u16)(i % size));
        vq_pop(&vq, &chain);
        vq_push(&vq, chain.head, 0);
    }
    EXPECT_EQ(used_idx(), 0xfffe);
    EXPECT_TRUE(vq_need_notify(&vq)); /* 0 -> 0xfffe crossed 0x8000 */

    put16(used_event_gpa(), 0xffff);
    pop_push_one(2);
    pop_push_one(3);
    pop_push_one(0); /* 0xfffe -> 0x0001 crosses 0xffff */
    EXPECT_EQ(used_idx(), 1);
    EXPECT_TRUE(vq_need_notify(&vq));

    put16(used_event_gpa(), 0xfffd); /* already passed: no interrupt until it comes round */
    pop_push_one(1);
    pop_push_one(2);
    EXPECT_TRUE(!vq_need_notify(&vq));
    put16(used_event_gpa(), 0x0003); /* 3 -> 4 writes entry 3 */
    pop_push_one(3);
    EXPECT_TRUE(vq_need_notify(&vq));
    teardown();
}

TEST(vq_driver_notifications_without_event_idx)
{
    setup(QSIZE, 0);
    vq_disable_notify(&vq);
    EXPECT_EQ(get16(USED_GPA), NO_NOTIFY);
    EXPECT_TRUE(!vq_enable_notify(&vq)); /* nothing available */
    EXPECT_EQ(get16(USED_GPA), 0);
    set_desc(DESC_GPA, 0, BUF_GPA, 4, 0, 0);
    offer(0);
    EXPECT_TRUE(vq_enable_notify(&vq)); /* arrived meanwhile: process it */
    teardown();
}

TEST(vq_driver_notifications_with_event_idx)
{
    setup(QSIZE, VQ_F_EVENT_IDX);
    for (u16 i = 0; i < 3; i++)
        pop_push_one(i);
    vq_disable_notify(&vq);
    EXPECT_EQ(get16(USED_GPA), 0); /* flags stay 0 with EVENT_IDX */
    EXPECT_TRUE(!vq_enable_notify(&vq));
    EXPECT_EQ(get16(avail_event_gpa()), 3); /* notify when entry 3 is made available */
    teardown();
}

/* A device that stops with chains left asks for a notification at the next addition:
 * avail_event is the driver's index, which a Linux-style driver's next addition crosses. */
TEST(vq_notify_next_add_with_backlog)
{
    setup(QSIZE, VQ_F_EVENT_IDX);
    for (u16 i = 0; i < 3; i++) {
        set_desc(DESC_GPA, i, BUF_GPA, 4, 0, 0);
        offer(i);
    }
    EXPECT_EQ(vq_pop(&vq, &chain), 1);    /* one taken, two left */
    EXPECT_TRUE(vq_notify_next_add(&vq)); /* a backlog was left */
    u16 event = get16(avail_event_gpa());
    EXPECT_EQ(event, 3);
    /* the driver's next addition, 3 -> 4, crosses it (the spec's vring_need_event) */
    EXPECT_TRUE((u16)(4 - event - 1) < (u16)(4 - 3));
    /* what vq_enable_notify() asks for instead, the device's position, it does not */
    EXPECT_TRUE(vq_enable_notify(&vq));
    event = get16(avail_event_gpa());
    EXPECT_TRUE(!((u16)(4 - event - 1) < (u16)(4 - 3)));
    teardown();

    setup(QSIZE, 0);
    vq_disable_notify(&vq);
    EXPECT_TRUE(!vq_notify_next_add(&vq)); /* nothing left */
    EXPECT_EQ(get16(USED_GPA), 0);         /* without EVENT_IDX: notifications on */
    set_desc(DESC_GPA, 0, BUF_GPA, 4, 0, 0);
    offer(0);
    EXPECT_TRUE(vq_notify_next_add(&vq));
    teardown();
}

/* ---------------------------------------------------------------- fuzz */

#define FUZZ_RAM      0x4000
#define FUZZ_ROUNDS   10000
#define FUZZ_SEED     0x5eed1234abcdULL
#define FUZZ_SEGS     16
#define FUZZ_DEADLINE 20 /* seconds: a walk that never ends kills the test */

static u64 rng_state;

static u64 rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* An address that is usually in RAM, sometimes just outside, sometimes anywhere. */
static u64 fuzz_addr(void)
{
    switch (rng() % 8) {
    case 0:
        return rng();
    case 1:
        return RAM_BASE + FUZZ_RAM - rng() % 64;
    default:
        return RAM_BASE + rng() % FUZZ_RAM;
    }
}

static u32 fuzz_len(u32 size)
{
    switch (rng() % 16) {
    case 0:
        return 0;
    case 1:
        return (u32)rng() | 1u << 31;
    case 2:
        return (u32)(rng() % (size + 2)) * DESC_BYTES; /* table-sized */
    default:
        return (u32)(rng() % 512);
    }
}

/* NEXT and WRITE at random, INDIRECT now and then. */
static u16 fuzz_flags(void)
{
    return (u16)((rng() % 4) | (rng() % 8 ? 0 : F_INDIRECT));
}

static void fuzz_fill(u32 size)
{
    for (u32 i = 0; i < FUZZ_RAM; i += 8) {
        u64 v = rng();

        memcpy(ram.mem + i, &v, 8);
    }
    /* many plausible descriptors: in-range addresses, small next indices */
    for (u32 i = 0; i + DESC_BYTES <= FUZZ_RAM; i += DESC_BYTES) {
        if (rng() % 4 == 0)
            continue;
        set_desc(RAM_BASE + i, 0, fuzz_addr(), fuzz_len(size), fuzz_flags(),
                 (u16)(rng() % (size + 2)));
    }
}

static bool seg_in_ram(const struct vq_seg *s)
{
    return s->base >= ram.mem && s->base + s->len <= ram.mem + FUZZ_RAM && s->len > 0;
}

/* One configured queue over random memory: pop until empty or broken, use what it gives. */
static bool fuzz_round(void)
{
    static u8 scratch[VQ_MAX_CHAIN_BYTES / 4096];
    struct vq_seg fsegs[FUZZ_SEGS];
    u32 size = 1u << (rng() % 7);
    u64 desc = RAM_BASE + ALIGN_DOWN(rng() % FUZZ_RAM, 16);
    u64 avail = RAM_BASE + ALIGN_DOWN(rng() % FUZZ_RAM, 2);
    u64 used = RAM_BASE + ALIGN_DOWN(rng() % FUZZ_RAM, 4);
    bool ok = true;

    fuzz_fill(size);
    if (vq_configure(&vq, &gmem, size, desc, avail, used, (u32)(rng() % 4)))
        return !vq.ready;
    /* mostly a sane avail.idx and plausible heads, so that chains get walked */
    for (u32 i = 0; i < size; i++)
        if (rng() % 8)
            put16(avail + RING_HDR + 2 * i, (u16)(rng() % (size + 1)));
    if (rng() % 8)
        put16(avail + 2, (u16)(rng() % (size + 2)));
    chain = (struct vq_chain){.segs = fsegs, .max_segs = 1 + rng() % FUZZ_SEGS};
    for (u32 pops = 0; pops < 2 * size + 2; pops++) {
        u64 maps = ram.maps;
        int r = vq_pop(&vq, &chain);

        /* a chain maps at most one buffer per descriptor plus one indirect table */
        ok &= ram.maps - maps <= 2u * size + 1;
        if (r <= 0) {
            ok &= r == 0 || (r == vq_error(&vq) && r != VQ_ERR_BROKEN && r != VQ_ERR_NOT_READY);
            break;
        }
        ok &= chain.nr_readable + chain.nr_writable <= chain.max_segs;
        ok &= chain.readable_len + chain.writable_len <= VQ_MAX_CHAIN_BYTES;
        for (u32 i = 0; i < chain.nr_readable + chain.nr_writable; i++)
            ok &= seg_in_ram(&chain.segs[i]);
        /* touch every byte: ASan reports any access outside the RAM allocation */
        vq_chain_read(&chain, 0, scratch, MIN(chain.readable_len, sizeof(scratch)));
        vq_chain_write(&chain, 0, scratch, MIN(chain.writable_len, sizeof(scratch)));
        if (rng() % 2)
            ok &= vq_push(&vq, chain.head, (u32)chain.writable_len) == 0;
        vq_need_notify(&vq);
    }
    return ok;
}

TEST(vq_fuzz_random_rings_stay_inside_guest_memory)
{
    bool ok = true;
    int broken = 0, popped = 0;

    rng_state = FUZZ_SEED;
    ram_init(FUZZ_RAM); /* exactly sized: ASan catches any byte beyond */
    alarm(FUZZ_DEADLINE);
    for (u32 round = 0; round < FUZZ_ROUNDS; round++) {
        ok &= fuzz_round();
        broken += vq_error(&vq) != 0;
        popped += vq.last_avail; /* chains taken this round */
    }
    alarm(0);
    EXPECT_TRUE(ok);
    EXPECT_TRUE(!ram.asked_wrap);
    /* the generator reaches both outcomes often */
    EXPECT_TRUE(broken > FUZZ_ROUNDS / 10);
    EXPECT_TRUE(popped > FUZZ_ROUNDS / 10);
    teardown();
}
