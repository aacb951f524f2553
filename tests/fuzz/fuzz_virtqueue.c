// FUZZ_SOURCES: device/virtio/virtqueue.c
/* The split-virtqueue walker (device/virtio/virtqueue.c) against a hostile driver.
 *
 * The driver is the fuzz input: it writes descriptors (into the queue's table or into
 * indirect tables), offers heads, scribbles over guest RAM and reconfigures the queue, while
 * the device pops, pushes, copies and decides notifications.  Whatever the rings say:
 *   - every walk ends (libFuzzer's -timeout catches one that does not);
 *   - a popped chain has at most max_segs segments, readable before writable, each inside
 *     guest RAM, adding up to its lengths and to at most VQ_MAX_CHAIN_BYTES;
 *   - a pop only reads guest RAM; a push or a notification change writes only the used ring;
 *     a chain copy writes only the chain's writable buffers, and both copies move exactly
 *     the bytes the segments hold;
 *   - the first bad ring breaks the queue for good (every later pop and push is BROKEN);
 *   - a push succeeds exactly for an id below the queue size while chains are in flight;
 *   - guest memory is never asked for an empty or wrapping range.
 *
 * Input: operations until the input ends (see run_op()). */
#include <device/virtio/virtqueue.h>
#include <string.h>

#include "lib/fuzz.h"
#include "lib/fuzz_input.h"
#include "lib/fuzz_ring.h"

#define SIZE_SHIFTS   16 /* queue sizes 1 << 0 .. 1 << 15 */
#define DEFAULT_SHIFT 3
#define CHAINS        8 /* popped chains kept for push and copies */
#define SEGS_MAX      16
#define COPY_MAX      0x2000
#define OPS           8
#define COMPARE_CHUNK 256 /* FUZZ_RAM_SIZE is a multiple */

struct chain_slot {
    struct vq_chain chain;
    struct vq_seg segs[SEGS_MAX];
    bool used;
};

static u8 before[FUZZ_RAM_SIZE]; /* guest RAM before a device operation */
static struct guest_mem mem;
static struct virtqueue vq;
static struct chain_slot slots[CHAINS];
static u32 size, inflight;
static u64 used_gpa;
static u16 driver_idx;
static u8 copy_buf[COPY_MAX], expect_buf[COPY_MAX];

/* ---------------------------------------------------------------- writes by the device */

struct range {
    u64 off, len;
};

/* Guest RAM changed only inside the allowed ranges (offsets into RAM). */
static void check_writes(const struct range *allowed, u32 n)
{
    for (u64 i = 0; i < FUZZ_RAM_SIZE; i++) {
        if (i % COMPARE_CHUNK == 0 && !memcmp(fuzz_ram + i, before + i, COMPARE_CHUNK)) {
            i += COMPARE_CHUNK - 1;
            continue;
        }
        if (fuzz_ram[i] == before[i])
            continue;
        bool ok = false;
        for (u32 k = 0; k < n && !ok; k++)
            ok = i >= allowed[k].off && i - allowed[k].off < allowed[k].len;
        if (!ok)
            FUZZ_FAIL("the device wrote guest RAM at 0x%llx, outside the used ring and the "
                      "writable buffers",
                      (unsigned long long)(FUZZ_RAM_BASE + i));
    }
}

static struct range used_ring(void)
{
    return (struct range){used_gpa - FUZZ_RAM_BASE, vq.ready ? VRING_USED_SIZE(size) : 0};
}

/* ---------------------------------------------------------------- the driver */

static void configure(struct fuzz_input *in)
{
    size = 1U << (fuzz_below(in, SIZE_SHIFTS) ^ DEFAULT_SHIFT);
    if (fuzz_below(in, 8) == 0)
        size = fuzz_u32(in);
    u64 desc = fuzz_ring_addr(in, FUZZ_DESC_OFF), avail = fuzz_ring_addr(in, FUZZ_AVAIL_OFF);
    used_gpa = fuzz_ring_addr(in, FUZZ_USED_OFF);
    u32 flags = fuzz_u8(in) & (VQ_F_EVENT_IDX | VQ_F_INDIRECT);

    int err = vq_configure(&vq, &mem, size, desc, avail, used_gpa, flags);
    FUZZ_CHECK(err == 0 || err == VQ_ERR_SIZE || err == VQ_ERR_RING_ALIGN ||
               err == VQ_ERR_RING_RANGE);
    FUZZ_CHECK(vq.ready == (err == 0));
    memset(slots, 0, sizeof(slots));
    inflight = 0;
    driver_idx = 0;
}

/* ---------------------------------------------------------------- the device */

static void check_chain(const struct vq_chain *c)
{
    u64 readable = 0, writable = 0;

    FUZZ_CHECK(c->head < size);
    FUZZ_CHECK(c->nr_readable + c->nr_writable <= c->max_segs);
    for (u32 i = 0; i < c->nr_readable + c->nr_writable; i++) {
        FUZZ_CHECK(c->segs[i].len > 0 && fuzz_ram_holds(c->segs[i].base, c->segs[i].len));
        if (i < c->nr_readable)
            readable += c->segs[i].len;
        else
            writable += c->segs[i].len;
    }
    FUZZ_CHECK(readable == c->readable_len && writable == c->writable_len);
    FUZZ_CHECK(readable + writable <= VQ_MAX_CHAIN_BYTES);
}

static void pop(struct fuzz_input *in)
{
    struct chain_slot *s = &slots[fuzz_below(in, CHAINS)];
    int error_before = vq_error(&vq);

    memset(s, 0, sizeof(*s));
    s->chain = (struct vq_chain){.segs = s->segs, .max_segs = 1 + fuzz_below(in, SEGS_MAX)};
    memcpy(before, fuzz_ram, FUZZ_RAM_SIZE);
    int r = vq_pop(&vq, &s->chain);
    check_writes(NULL, 0);
    if (!vq.ready) {
        FUZZ_CHECK(r == VQ_ERR_NOT_READY);
    } else if (error_before) {
        FUZZ_CHECK(r == VQ_ERR_BROKEN && vq_error(&vq) == error_before);
    } else if (r < 0) {
        FUZZ_CHECK(r <= VQ_ERR_AVAIL_IDX && r >= VQ_ERR_SEGS); /* the errors of a bad ring */
        FUZZ_CHECK(vq_error(&vq) == r);
    } else if (r == 1) {
        check_chain(&s->chain);
        s->used = true;
        inflight++;
    } else {
        FUZZ_CHECK(r == 0);
    }
}

static void push(struct fuzz_input *in)
{
    struct chain_slot *s = &slots[fuzz_below(in, CHAINS)];
    u16 head = s->used && fuzz_below(in, 4) ? s->chain.head : fuzz_u16(in);
    u32 len = fuzz_bool(in) ? fuzz_u32(in) : (u32)s->chain.writable_len;
    struct range allowed = used_ring();
    int error_before = vq_error(&vq);

    memcpy(before, fuzz_ram, FUZZ_RAM_SIZE);
    int r = vq_push(&vq, head, len);
    check_writes(&allowed, 1);
    if (!vq.ready)
        FUZZ_CHECK(r == VQ_ERR_NOT_READY);
    else if (error_before)
        FUZZ_CHECK(r == VQ_ERR_BROKEN);
    else
        FUZZ_CHECK(r == (head < size && inflight > 0 ? 0 : VQ_ERR_USED_ID));
    if (r == 0) {
        inflight--;
        s->used = false;
    }
}

/* The bytes [offset, offset + len) of the chain's readable or writable run, as the segments
 * hold them, into out; returns how many there are. */
static u64 expected_copy(const struct vq_chain *c, bool writable, u64 offset, u64 len, u8 *out)
{
    u32 first = writable ? c->nr_readable : 0;
    u32 end = first + (writable ? c->nr_writable : c->nr_readable);
    u64 pos = 0, n = 0;

    for (u32 i = first; i < end && n < len; pos += c->segs[i].len, i++) {
        if (pos + c->segs[i].len <= offset)
            continue;
        u64 start = offset > pos ? offset - pos : 0;
        u64 take = MIN(c->segs[i].len - start, len - n);
        memcpy(out + n, c->segs[i].base + start, take);
        n += take;
    }
    return n;
}

static void copy(struct fuzz_input *in)
{
    struct chain_slot *s = &slots[fuzz_below(in, CHAINS)];
    bool write = fuzz_bool(in);
    u64 offset = fuzz_below(in, 4) ? fuzz_u16(in) % COPY_MAX : fuzz_u64(in);
    u64 len = fuzz_u16(in) % (COPY_MAX + 1);

    if (!s->used)
        return;
    if (!write) {
        u64 want = expected_copy(&s->chain, false, offset, len, expect_buf);
        memset(copy_buf, 0, sizeof(copy_buf));
        FUZZ_CHECK(vq_chain_read(&s->chain, offset, copy_buf, len) == want);
        FUZZ_CHECK(!memcmp(copy_buf, expect_buf, want));
        return;
    }
    struct range allowed[SEGS_MAX];
    u32 n = 0;
    for (u32 i = s->chain.nr_readable; i < s->chain.nr_readable + s->chain.nr_writable; i++)
        allowed[n++] =
            (struct range){(u64)(s->chain.segs[i].base - fuzz_ram), s->chain.segs[i].len};
    fuzz_bytes(in, copy_buf, len);
    memcpy(before, fuzz_ram, FUZZ_RAM_SIZE);
    u64 done = vq_chain_write(&s->chain, offset, copy_buf, len);
    check_writes(allowed, n);
    FUZZ_CHECK(done == expected_copy(&s->chain, true, offset, len, expect_buf));
    FUZZ_CHECK(!memcmp(copy_buf, expect_buf, done)); /* what landed is what was written */
}

static void notify(struct fuzz_input *in)
{
    struct range allowed = used_ring();

    memcpy(before, fuzz_ram, FUZZ_RAM_SIZE);
    switch (fuzz_below(in, 3)) {
    case 0:
        vq_need_notify(&vq);
        check_writes(NULL, 0);
        break;
    case 1:
        vq_disable_notify(&vq);
        check_writes(&allowed, 1);
        break;
    default:
        vq_enable_notify(&vq);
        check_writes(&allowed, 1);
        break;
    }
}

/* One operation of the driver (descriptor, offer, scribble, reconfigure) or of the device
 * (pop, push, copy, notification). */
static void run_op(struct fuzz_input *in)
{
    switch (fuzz_below(in, OPS)) {
    case 0:
        fuzz_ring_write_desc(in);
        break;
    case 1:
        fuzz_ring_offer(in, size, &driver_idx);
        break;
    case 2:
        if (fuzz_below(in, 4) == 0)
            fuzz_ring_scribble(in);
        else
            configure(in);
        break;
    case 3:
    case 4:
        pop(in);
        break;
    case 5:
        push(in);
        break;
    case 6:
        copy(in);
        break;
    default:
        notify(in);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size_in)
{
    struct fuzz_input in;

    fuzz_ram_reset();
    mem = (struct guest_mem){.ctx = NULL, .map = fuzz_ram_map};
    fuzz_input_init(&in, data, size_in);
    configure(&in);
    while (fuzz_remaining(&in))
        run_op(&in);
    return 0;
}
