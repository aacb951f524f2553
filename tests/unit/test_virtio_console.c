// UNIT_SOURCES: device/virtio/console_port.c device/virtio/byte_ring.c device/virtio/virtio_mmio.c device/virtio/virtqueue.c
/* The pending byte ring (device/virtio/byte_ring.c) against a reference model, and the
 * virtio console device (device/virtio/console_port.c) on the real transport: two test
 * guests, each with its own RAM and a driver that builds its rings byte by byte, honours
 * the device's notification suppression like Linux, and whose transmitted bytes the test
 * hands to the other guest as device/virtio/virtio_console.c does. */
#include <device/virtio/byte_ring.h>
#include <device/virtio/console_port.h>
#include <kernel/errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit_test.h"
#include "virtio_driver_defs.h"

/* ================================================================ byte ring */

TEST(ring_init_sizes)
{
    u8 buf[16];
    struct byte_ring r;

    EXPECT_TRUE(byte_ring_init(&r, buf, 16));
    EXPECT_TRUE(byte_ring_init(&r, buf, 1));
    EXPECT_TRUE(!byte_ring_init(&r, buf, 0));
    EXPECT_TRUE(!byte_ring_init(&r, buf, 12));
    EXPECT_TRUE(!byte_ring_init(&r, NULL, 16));
    /* an unusable ring keeps nothing and says so */
    EXPECT_EQ(byte_ring_put(&r, (const u8 *)"abc", 3), 3);
    EXPECT_EQ(byte_ring_len(&r), 0);
}

/* Takes everything out of the ring through peek/consume. */
static size_t drain(struct byte_ring *r, u8 *out, size_t cap)
{
    size_t got = 0;
    const u8 *data;
    u32 len;

    while ((len = byte_ring_peek(r, &data)) && got < cap) {
        len = (u32)MIN((size_t)len, cap - got);
        memcpy(out + got, data, len);
        byte_ring_consume(r, len);
        got += len;
    }
    return got;
}

TEST(ring_fifo_across_the_end)
{
    u8 buf[8], out[16];
    struct byte_ring r;
    const u8 *data;

    byte_ring_init(&r, buf, sizeof(buf));
    EXPECT_EQ(byte_ring_peek(&r, &data), 0);
    EXPECT_EQ(byte_ring_put(&r, (const u8 *)"abcdef", 6), 0);
    EXPECT_EQ(drain(&r, out, 4), 4);
    EXPECT_TRUE(!memcmp(out, "abcd", 4));
    EXPECT_EQ(byte_ring_put(&r, (const u8 *)"ghijkl", 6), 0); /* wraps: "ef" + "ghijkl" */
    EXPECT_EQ(byte_ring_len(&r), 8);
    EXPECT_EQ(byte_ring_peek(&r, &data), 4); /* contiguous up to the end of the storage */
    EXPECT_TRUE(!memcmp(data, "efgh", 4));
    EXPECT_EQ(drain(&r, out, sizeof(out)), 8);
    EXPECT_TRUE(!memcmp(out, "efghijkl", 8));
    EXPECT_EQ(byte_ring_len(&r), 0);
}

TEST(ring_full_drops_oldest)
{
    u8 buf[8], out[16];
    struct byte_ring r;

    byte_ring_init(&r, buf, sizeof(buf));
    EXPECT_EQ(byte_ring_put(&r, (const u8 *)"012345", 6), 0);
    EXPECT_EQ(byte_ring_put(&r, (const u8 *)"6789", 4), 2); /* "01" go */
    EXPECT_EQ(drain(&r, out, sizeof(out)), 8);
    EXPECT_TRUE(!memcmp(out, "23456789", 8));

    /* more than the ring at once: only its last 8 bytes stay, the old content goes too */
    EXPECT_EQ(byte_ring_put(&r, (const u8 *)"xyz", 3), 0);
    EXPECT_EQ(byte_ring_put(&r, (const u8 *)"ABCDEFGHIJKL", 12), 4 + 3);
    EXPECT_EQ(drain(&r, out, sizeof(out)), 8);
    EXPECT_TRUE(!memcmp(out, "EFGHIJKL", 8));

    EXPECT_EQ(byte_ring_put(&r, (const u8 *)"abc", 3), 0);
    EXPECT_EQ(byte_ring_clear(&r), 3);
    EXPECT_EQ(byte_ring_len(&r), 0);
}

/* Random puts and takes against a plain array that keeps the last `size` bytes. */
TEST(ring_matches_model)
{
    enum { SIZE = 64, ROUNDS = 20000, MAX_PUT = 100 };
    u8 buf[SIZE], model[SIZE], in[MAX_PUT], out[SIZE];
    u32 model_len = 0;
    u64 dropped = 0, model_dropped = 0;
    struct byte_ring r;

    srand(5);
    byte_ring_init(&r, buf, SIZE);
    for (int round = 0; round < ROUNDS && !unit_current_failed; round++) {
        if (rand() % 2) {
            u32 n = (u32)(rand() % MAX_PUT);
            for (u32 i = 0; i < n; i++)
                in[i] = (u8)rand();
            dropped += byte_ring_put(&r, in, n);
            for (u32 i = 0; i < n; i++) {
                if (model_len == SIZE) {
                    memmove(model, model + 1, SIZE - 1);
                    model_len--;
                    model_dropped++;
                }
                model[model_len++] = in[i];
            }
        } else {
            u32 n = (u32)(rand() % (SIZE + 1));
            size_t got = drain(&r, out, n);
            EXPECT_EQ(got, MIN(n, model_len));
            EXPECT_TRUE(!memcmp(out, model, got));
            memmove(model, model + got, model_len - got);
            model_len -= (u32)got;
        }
        EXPECT_EQ(byte_ring_len(&r), model_len);
        EXPECT_EQ(dropped, model_dropped);
    }
}

/* ================================================================ console device */

#define ID_CONSOLE 3

#define RX 0
#define TX 1

/* Each guest's RAM: rings, then receive buffers, then transmit buffers. */
#define RAM_BASE    0x80000000ULL
#define RAM_SIZE    0x10000ULL
#define QSIZE       8
#define RING_DESC   0x0000 /* + 0x1000 * queue */
#define RING_AVAIL  0x0400
#define RING_USED   0x0800
#define RX_BUFS     0x2000 /* QSIZE slots of RX_SLOT bytes */
#define RX_SLOT     0x400
#define TX_BUFS     0x8000 /* QSIZE slots of TX_SLOT bytes, or one chain of up to 32 KiB */
#define TX_SLOT     0x1000
#define PENDING_MAX 4096
#define RECV_MAX    (1 << 20)

struct guest {
    const char *name;
    u8 *ram;
    struct guest_mem mem;
    struct virtio_dev vdev;
    struct console_port port;
    u8 pending[PENDING_MAX];
    bool tx_kicked; /* the device's notify of the transmitq (the wiring transmits then) */
    u32 irqs;
    /* driver state */
    u64 features;
    u32 rx_buf_len; /* bytes per receive buffer the driver posts */
    u16 avail_idx[2], used_seen[2];
    u32 kicks[2];
    u8 *received; /* what the driver read from its receive buffers */
    size_t received_len;
};

static void *ram_map(void *ctx, u64 gpa, u64 len)
{
    struct guest *g = ctx;

    return range_within(gpa, len, RAM_BASE, RAM_SIZE) ? g->ram + (gpa - RAM_BASE) : NULL;
}

static struct guest *guest_of(struct virtio_dev *dev)
{
    return container_of(dev, struct guest, vdev);
}

static void g_notify(struct virtio_dev *dev, u32 q)
{
    if (q == CONSOLE_TX_QUEUE)
        guest_of(dev)->tx_kicked = true;
    else
        console_port_rx_notify(dev, &guest_of(dev)->port);
}

static void g_reset(struct virtio_dev *dev)
{
    console_port_reset(&guest_of(dev)->port);
}

static void g_raise_irq(struct virtio_dev *dev)
{
    guest_of(dev)->irqs++;
}

static const struct virtio_dev_ops g_ops = {.notify = g_notify, .reset = g_reset};

static struct guest *guest_new(const char *name, u32 pending_size)
{
    struct guest *g = calloc(1, sizeof(*g));

    g->name = name;
    g->ram = calloc(1, RAM_SIZE);
    g->received = malloc(RECV_MAX);
    g->mem = (struct guest_mem){.ctx = g, .map = ram_map};
    g->rx_buf_len = RX_SLOT;
    EXPECT_TRUE(console_port_describe(&g->port, &g->vdev, g->pending, pending_size));
    g->vdev.name = name;
    g->vdev.ops = &g_ops;
    g->vdev.mem = &g->mem;
    g->vdev.raise_irq = g_raise_irq;
    EXPECT_EQ(virtio_dev_init(&g->vdev), 0);
    return g;
}

static void guest_free(struct guest *g)
{
    free(g->received);
    free(g->ram);
    free(g);
}

/* ---------------------------------------------------------------- driver side */

static u32 rd(struct guest *g, u64 offset)
{
    u64 v = 0;

    EXPECT_EQ(virtio_mmio_read(&g->vdev, offset, 4, &v), 0);
    return (u32)v;
}

static void wr(struct guest *g, u64 offset, u32 value)
{
    EXPECT_EQ(virtio_mmio_write(&g->vdev, offset, 4, value), 0);
}

static u16 get16(struct guest *g, u64 off)
{
    u16 v;

    memcpy(&v, g->ram + off, 2);
    return v;
}

static void put16(struct guest *g, u64 off, u16 v)
{
    memcpy(g->ram + off, &v, 2);
}

static u32 get32(struct guest *g, u64 off)
{
    u32 v;

    memcpy(&v, g->ram + off, 4);
    return v;
}

static u64 ring(u32 q, u64 part)
{
    return 0x1000 * q + part;
}

static void set_desc(struct guest *g, u32 q, u32 i, u64 off, u32 len, u16 flags, u16 next)
{
    u8 *d = g->ram + ring(q, RING_DESC) + 16 * i;
    u64 addr = RAM_BASE + off;

    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

/* The driver's reset: status 0 and fresh rings. */
static void drv_reset(struct guest *g)
{
    wr(g, STATUS, 0);
    memset(g->ram, 0, RX_BUFS);
    memset(g->avail_idx, 0, sizeof(g->avail_idx));
    memset(g->used_seen, 0, sizeof(g->used_seen));
}

/* After drv_reset(): negotiates `features`, sets up both queues, posts `rx_bufs` receive
 * buffers before DRIVER_OK (their kick comes before DRIVER_OK, so the device ignores it)
 * and sets DRIVER_OK. */
static void drv_init(struct guest *g, u64 features, u32 rx_bufs);

static void drv_bring_up(struct guest *g, u64 features, u32 rx_bufs)
{
    drv_reset(g);
    drv_init(g, features, rx_bufs);
}

/* Publishes avail.idx = new for queue q and kicks if the device asks for it (§2.7.10). */
static void drv_publish(struct guest *g, u32 q, u16 new)
{
    u16 old = g->avail_idx[q];
    bool kick;

    put16(g, ring(q, RING_AVAIL) + 2, new);
    g->avail_idx[q] = new;
    if (g->features & F_EVENT_IDX) {
        u16 event = get16(g, ring(q, RING_USED) + 4 + 8 * QSIZE);
        kick = (u16)(new - event - 1) < (u16)(new - old);
    } else {
        kick = !(get16(g, ring(q, RING_USED)) & NO_NOTIFY);
    }
    if (kick) {
        g->kicks[q]++;
        wr(g, QUEUE_NOTIFY, q);
    }
}

/* Makes n receive buffers available (slots recycled in order, as the device uses them). */
static void drv_post_rx(struct guest *g, u32 n)
{
    u16 idx = g->avail_idx[RX];

    EXPECT_TRUE((u16)(idx + n - g->used_seen[RX]) <= QSIZE);
    for (u32 i = 0; i < n; i++, idx++) {
        u32 slot = idx % QSIZE;
        set_desc(g, RX, slot, RX_BUFS + slot * RX_SLOT, g->rx_buf_len, D_WRITE, 0);
        put16(g, ring(RX, RING_AVAIL) + 4 + 2 * slot, (u16)slot);
    }
    drv_publish(g, RX, idx);
}

static void drv_init(struct guest *g, u64 features, u32 rx_bufs)
{
    g->features = features;
    wr(g, STATUS, S_ACK | S_DRIVER);
    wr(g, DRIVER_FEAT_SEL, 1);
    wr(g, DRIVER_FEATURES, (u32)(features >> 32));
    wr(g, DRIVER_FEAT_SEL, 0);
    wr(g, DRIVER_FEATURES, (u32)features);
    wr(g, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    EXPECT_EQ(rd(g, STATUS), S_ACK | S_DRIVER | S_FEATURES_OK);
    for (u32 q = 0; q < 2; q++) {
        wr(g, QUEUE_SEL, q);
        wr(g, QUEUE_NUM, QSIZE);
        wr(g, QUEUE_DESC_LOW, (u32)(RAM_BASE + ring(q, RING_DESC)));
        wr(g, QUEUE_DRIVER_LOW, (u32)(RAM_BASE + ring(q, RING_AVAIL)));
        wr(g, QUEUE_DEVICE_LOW, (u32)(RAM_BASE + ring(q, RING_USED)));
        wr(g, QUEUE_READY, 1);
    }
    if (rx_bufs)
        drv_post_rx(g, rx_bufs);
    wr(g, STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    EXPECT_TRUE(virtio_dev_live(&g->vdev));
}

/* Reads the used receive buffers into g->received; returns how many there were. */
static u32 drv_read_rx(struct guest *g)
{
    u16 used = get16(g, ring(RX, RING_USED) + 2);
    u32 n = 0;

    for (; g->used_seen[RX] != used; g->used_seen[RX]++, n++) {
        u64 elem = ring(RX, RING_USED) + 4 + 8 * (g->used_seen[RX] % QSIZE);
        u32 id = get32(g, elem), len = get32(g, elem + 4);
        EXPECT_TRUE(id < QSIZE && len <= g->rx_buf_len);
        if (id >= QSIZE || len > g->rx_buf_len || g->received_len + len > RECV_MAX)
            break;
        memcpy(g->received + g->received_len, g->ram + RX_BUFS + id * RX_SLOT, len);
        g->received_len += len;
    }
    return n;
}

/* Reads what arrived and gives the buffers back, as Linux's virtio_console does. */
static void drv_recycle_rx(struct guest *g)
{
    u32 n = drv_read_rx(g);

    if (n)
        drv_post_rx(g, n);
}

/* Makes one transmit chain of `len` bytes available, split over nsegs descriptors (nsegs > 1
 * only with no other chain outstanding). */
static void drv_send_segs(struct guest *g, const void *data, u32 len, u32 nsegs)
{
    u16 idx = g->avail_idx[TX];
    u32 head = nsegs > 1 ? 0 : idx % QSIZE;
    u64 buf = TX_BUFS + (nsegs > 1 ? 0 : head * TX_SLOT);
    u32 done = 0;

    memcpy(g->ram + buf, data, len);
    for (u32 i = 0; i < nsegs; i++) {
        u32 part = i + 1 < nsegs ? len / nsegs : len - done;
        set_desc(g, TX, head + i, buf + done, part, i + 1 < nsegs ? D_NEXT : 0,
                 (u16)(head + i + 1));
        done += part;
    }
    put16(g, ring(TX, RING_AVAIL) + 4 + 2 * (idx % QSIZE), (u16)head);
    drv_publish(g, TX, idx + 1);
}

static void drv_send(struct guest *g, const char *text)
{
    drv_send_segs(g, text, (u32)strlen(text), 1);
}

/* The transmit chains the device gave back (each with length 0). */
static u32 drv_tx_done(struct guest *g)
{
    u16 used = get16(g, ring(TX, RING_USED) + 2);
    u32 n = 0;

    for (; g->used_seen[TX] != used; g->used_seen[TX]++, n++)
        EXPECT_EQ(get32(g, ring(TX, RING_USED) + 4 + 8 * (g->used_seen[TX] % QSIZE) + 4), 0);
    return n;
}

/* ---------------------------------------------------------------- the wiring's part */

/* What virtio_console.c does after a write that notified the transmitq: take the chains
 * and hand their bytes to the peer (NULL: an absent peer). */
static void pump(struct guest *from, struct guest *to)
{
    u8 buf[CONSOLE_TX_CHUNK];
    int n;

    if (!from->tx_kicked)
        return;
    from->tx_kicked = false;
    while ((n = console_port_transmit(&from->vdev, &from->port, buf, sizeof(buf))) !=
           CONSOLE_TX_NONE)
        if (to)
            console_port_receive(&to->vdev, &to->port, buf, (u32)n);
}

static bool received_is(struct guest *g, const char *text)
{
    return g->received_len == strlen(text) && !memcmp(g->received, text, g->received_len);
}

/* ---------------------------------------------------------------- tests */

TEST(console_identity)
{
    struct guest *g = guest_new("a", PENDING_MAX);
    u64 v;

    EXPECT_EQ(rd(g, DEVICE_ID), ID_CONSOLE);
    wr(g, DEVICE_FEAT_SEL, 0);
    EXPECT_EQ(rd(g, DEVICE_FEATURES), (u32)(F_INDIRECT | F_EVENT_IDX)); /* no console bits */
    wr(g, DEVICE_FEAT_SEL, 1);
    EXPECT_EQ(rd(g, DEVICE_FEATURES), (u32)((F_VERSION_1 | F_RING_RESET) >> 32));
    for (u32 q = 0; q < 3; q++) {
        wr(g, QUEUE_SEL, q);
        EXPECT_EQ(rd(g, QUEUE_NUM_MAX), q < 2 ? CONSOLE_QUEUE_SIZE : 0);
    }
    EXPECT_EQ(virtio_mmio_read(&g->vdev, CONFIG, 1, &v), -EINVAL); /* no config space */
    EXPECT_TRUE(!console_port_describe(&g->port, &g->vdev, g->pending, 100));
    guest_free(g);
}

static void pair_delivers(u64 features)
{
    struct guest *a = guest_new("a", PENDING_MAX), *b = guest_new("b", PENDING_MAX);

    drv_bring_up(a, features, QSIZE);
    drv_bring_up(b, features, QSIZE);
    drv_send(a, "uname -r\n");
    EXPECT_EQ(a->kicks[TX], 1);
    pump(a, b);
    EXPECT_EQ(drv_tx_done(a), 1);
    EXPECT_EQ(drv_read_rx(b), 1);
    EXPECT_TRUE(received_is(b, "uname -r\n"));
    EXPECT_TRUE(b->irqs > 0);

    /* and back, twice: the transmitq asks for a kick again once it is drained */
    drv_send(b, "6.12.0\n");
    pump(b, a);
    drv_send(b, "~ # ");
    pump(b, a);
    EXPECT_EQ(b->kicks[TX], 2);
    EXPECT_EQ(drv_read_rx(a), 2);
    EXPECT_TRUE(received_is(a, "6.12.0\n~ # "));
    EXPECT_EQ(a->port.tx_bytes, 9);
    EXPECT_EQ(b->port.rx_bytes, 9);
    EXPECT_EQ(a->port.rx_dropped + b->port.rx_dropped, 0);
    guest_free(a);
    guest_free(b);
}

TEST(console_pair_delivers_event_idx)
{
    pair_delivers(F_VERSION_1 | F_EVENT_IDX);
}

TEST(console_pair_delivers_no_event_idx)
{
    pair_delivers(F_VERSION_1);
}

/* Bytes for a live driver without buffers wait; its kick when it adds some brings them. */
static void pending_until_buffers(u64 features)
{
    struct guest *a = guest_new("a", PENDING_MAX), *b = guest_new("b", PENDING_MAX);

    a->rx_buf_len = 4;
    drv_bring_up(a, features, 0);
    drv_bring_up(b, features, 0);
    drv_send(b, "GVM ");
    pump(b, a);
    drv_send(b, "guest-os-1 up\n");
    pump(b, a);
    EXPECT_EQ(drv_tx_done(b), 2); /* the sender never waits for the receiver */
    EXPECT_EQ(byte_ring_len(&a->port.pending), 18);
    EXPECT_EQ(a->received_len, 0);

    drv_post_rx(a, 4); /* 16 of the 18 bytes fit */
    EXPECT_EQ(a->kicks[RX], 1);
    EXPECT_EQ(drv_read_rx(a), 4);
    EXPECT_TRUE(received_is(a, "GVM guest-os-1 u"));
    EXPECT_EQ(byte_ring_len(&a->port.pending), 2);
    drv_post_rx(a, 4);
    EXPECT_EQ(a->kicks[RX], 2);
    EXPECT_EQ(byte_ring_len(&a->port.pending), 0);

    /* 3 buffers are left: 12 of the next 20 bytes fit, 8 wait for the next buffers */
    drv_send(b, "0123456789abcdefghij");
    pump(b, a);
    EXPECT_EQ(byte_ring_len(&a->port.pending), 8);
    EXPECT_EQ(drv_read_rx(a), 4);
    drv_post_rx(a, 4);
    EXPECT_EQ(a->kicks[RX], 3);
    EXPECT_EQ(drv_read_rx(a), 2);
    EXPECT_TRUE(received_is(a, "GVM guest-os-1 up\n0123456789abcdefghij"));
    EXPECT_EQ(a->port.rx_dropped, 0);
    EXPECT_EQ(a->port.rx_bytes, 38);
    guest_free(a);
    guest_free(b);
}

TEST(console_pending_until_buffers_event_idx)
{
    pending_until_buffers(F_VERSION_1 | F_EVENT_IDX);
}

TEST(console_pending_until_buffers_no_event_idx)
{
    pending_until_buffers(F_VERSION_1);
}

/* Bytes that come before the driver is live wait for DRIVER_OK, where they fill the
 * buffers made available before it. */
TEST(console_pending_until_live)
{
    struct guest *a = guest_new("a", PENDING_MAX), *b = guest_new("b", PENDING_MAX);

    drv_bring_up(b, F_VERSION_1 | F_EVENT_IDX, QSIZE);
    drv_reset(a);
    drv_send(b, "early\n");
    pump(b, a);
    EXPECT_EQ(byte_ring_len(&a->port.pending), 6);
    drv_init(a, F_VERSION_1 | F_EVENT_IDX, QSIZE);
    drv_read_rx(a);
    EXPECT_TRUE(received_is(a, "early\n"));
    guest_free(a);
    guest_free(b);
}

TEST(console_pending_full_drops_oldest)
{
    struct guest *a = guest_new("a", 64), *b = guest_new("b", PENDING_MAX);
    char line[32];

    drv_bring_up(a, F_VERSION_1 | F_EVENT_IDX, 0);
    drv_bring_up(b, F_VERSION_1 | F_EVENT_IDX, QSIZE);
    for (int i = 0; i < 10; i++) {
        snprintf(line, sizeof(line), "line %d\n", i); /* 7 bytes each: 70 in all */
        drv_send(b, line);
        pump(b, a);
        drv_tx_done(b);
    }
    EXPECT_EQ(a->port.rx_dropped, 6);
    drv_post_rx(a, QSIZE);
    drv_read_rx(a);
    EXPECT_TRUE(received_is(a, "\nline 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\n"
                               "line 8\nline 9\n"));
    guest_free(a);
    guest_free(b);
}

/* A reset (the driver's, or the hypervisor's when the VM stops) forgets pending bytes. */
TEST(console_reset_drops_pending)
{
    struct guest *a = guest_new("a", PENDING_MAX), *b = guest_new("b", PENDING_MAX);

    drv_bring_up(a, F_VERSION_1, 0);
    drv_bring_up(b, F_VERSION_1, QSIZE);
    drv_send(b, "stale");
    pump(b, a);
    virtio_dev_reset(&a->vdev);
    EXPECT_EQ(a->port.rx_dropped, 5);
    drv_bring_up(a, F_VERSION_1, QSIZE);
    drv_send(b, "fresh");
    pump(b, a);
    drv_read_rx(a);
    EXPECT_TRUE(received_is(a, "fresh"));
    guest_free(a);
    guest_free(b);
}

/* A chain of several buffers is sent whole; one longer than the caller's buffer is cut. */
TEST(console_transmit_chains)
{
    struct guest *a = guest_new("a", PENDING_MAX), *b = guest_new("b", PENDING_MAX);
    static u8 big[3 * CONSOLE_TX_CHUNK];
    u8 buf[CONSOLE_TX_CHUNK];

    drv_bring_up(a, F_VERSION_1 | F_EVENT_IDX, QSIZE);
    drv_bring_up(b, F_VERSION_1 | F_EVENT_IDX, QSIZE);
    drv_send_segs(a, "hello, world\n", 13, 3);
    pump(a, b);
    drv_read_rx(b);
    EXPECT_TRUE(received_is(b, "hello, world\n"));
    EXPECT_EQ(drv_tx_done(a), 1);

    for (u32 i = 0; i < sizeof(big); i++)
        big[i] = (u8)(i * 7);
    drv_send_segs(a, big, sizeof(big), 2);
    EXPECT_EQ(console_port_transmit(&a->vdev, &a->port, buf, sizeof(buf)), CONSOLE_TX_CHUNK);
    EXPECT_TRUE(!memcmp(buf, big, sizeof(buf)));
    EXPECT_EQ(a->port.tx_cut, sizeof(big) - CONSOLE_TX_CHUNK);
    EXPECT_EQ(console_port_transmit(&a->vdev, &a->port, buf, sizeof(buf)), CONSOLE_TX_NONE);
    EXPECT_EQ(drv_tx_done(a), 1);

    /* several chains queued before the device looks: taken in order */
    a->tx_kicked = false;
    drv_send(a, "one ");
    drv_send(a, "two ");
    drv_send(a, "three");
    pump(a, b);
    drv_recycle_rx(b);
    EXPECT_TRUE(received_is(b, "hello, world\none two three"));
    EXPECT_EQ(drv_tx_done(a), 3);
    guest_free(a);
    guest_free(b);
}

/* Output to an absent peer is simply gone: the sender gets its buffers back. */
TEST(console_absent_peer)
{
    struct guest *a = guest_new("a", PENDING_MAX);

    drv_bring_up(a, F_VERSION_1 | F_EVENT_IDX, QSIZE);
    for (int i = 0; i < 3 * QSIZE; i++) {
        drv_send(a, "nobody listens\n");
        pump(a, NULL);
        EXPECT_EQ(drv_tx_done(a), 1);
    }
    EXPECT_EQ(a->kicks[TX], 3 * QSIZE);
    guest_free(a);
}

/* Hostile rings: a receive chain that loops, a transmit buffer outside RAM.  The device
 * needs a reset, tells the driver, and takes nothing more from that guest. */
TEST(console_hostile_rings)
{
    struct guest *a = guest_new("a", PENDING_MAX), *b = guest_new("b", PENDING_MAX);
    u64 v;

    drv_bring_up(a, F_VERSION_1, 0);
    drv_bring_up(b, F_VERSION_1, QSIZE);
    set_desc(a, RX, 0, RX_BUFS, 16, D_WRITE | D_NEXT, 0); /* next = itself */
    put16(a, ring(RX, RING_AVAIL) + 4, 0);
    drv_publish(a, RX, 1);
    drv_send(b, "to a broken ring");
    pump(b, a);
    EXPECT_EQ(drv_tx_done(b), 1);
    EXPECT_TRUE(rd(a, STATUS) & S_NEEDS_RESET);
    EXPECT_TRUE(rd(a, INTERRUPT_STATUS) & INT_CONFIG);
    EXPECT_EQ(get16(a, ring(RX, RING_USED) + 2), 0);
    drv_send(b, "more");
    pump(b, a); /* kept until a's driver resets it, then dropped */
    EXPECT_EQ(byte_ring_len(&a->port.pending), 20);
    drv_bring_up(a, F_VERSION_1, QSIZE);
    EXPECT_EQ(a->port.rx_dropped, 20);
    EXPECT_TRUE(!(rd(a, STATUS) & S_NEEDS_RESET));

    set_desc(b, TX, 0, RAM_SIZE - 4, 16, 0, 0); /* runs past the end of RAM */
    put16(b, ring(TX, RING_AVAIL) + 4 + 2 * (b->avail_idx[TX] % QSIZE), 0);
    drv_publish(b, TX, b->avail_idx[TX] + 1);
    u8 buf[CONSOLE_TX_CHUNK];
    EXPECT_EQ(console_port_transmit(&b->vdev, &b->port, buf, sizeof(buf)), CONSOLE_TX_NONE);
    EXPECT_TRUE(rd(b, STATUS) & S_NEEDS_RESET);
    EXPECT_EQ(console_port_transmit(&b->vdev, &b->port, buf, sizeof(buf)), CONSOLE_TX_NONE);
    EXPECT_EQ(a->received_len, 0);
    EXPECT_EQ(virtio_mmio_read(&a->vdev, CONFIG, 4, &v), -EINVAL);
    guest_free(a);
    guest_free(b);
}

/* Both directions at once, random message sizes, small receive buffers recycled after
 * every step: everything arrives in order and nothing is dropped. */
TEST(console_stream_both_ways)
{
    enum { TOTAL = 200000, MAX_MSG = 700 };
    struct guest *g[2] = {guest_new("a", PENDING_MAX), guest_new("b", PENDING_MAX)};
    static u8 sent[2][TOTAL + MAX_MSG];
    size_t sent_len[2] = {0, 0};

    srand(11);
    for (int i = 0; i < 2; i++) {
        g[i]->rx_buf_len = 64;
        drv_bring_up(g[i], F_VERSION_1 | (i ? 0 : F_EVENT_IDX), QSIZE);
    }
    while ((sent_len[0] < TOTAL || sent_len[1] < TOTAL) && !unit_current_failed) {
        int from = rand() % 2;
        if (sent_len[from] >= TOTAL)
            from ^= 1;
        u32 len = 1 + (u32)(rand() % MAX_MSG);
        u8 *msg = sent[from] + sent_len[from];
        for (u32 i = 0; i < len; i++)
            msg[i] = (u8)rand();
        sent_len[from] += len;
        drv_send_segs(g[from], msg, len, 1);
        pump(g[from], g[from ^ 1]);
        drv_tx_done(g[from]);
        for (u32 k = 0; k < 1 + len / (64 * QSIZE); k++) /* the reader keeps up */
            drv_recycle_rx(g[from ^ 1]);
    }
    for (int i = 0; i < 2; i++) {
        drv_recycle_rx(g[i]);
        EXPECT_EQ(g[i]->received_len, sent_len[i ^ 1]);
        EXPECT_TRUE(!memcmp(g[i]->received, sent[i ^ 1], sent_len[i ^ 1]));
        EXPECT_EQ(g[i]->port.rx_dropped, 0);
        EXPECT_EQ(byte_ring_len(&g[i]->port.pending), 0);
        guest_free(g[i]);
    }
}
