/*
 * The VM's two virtio-mmio devices (virtio-net and a console, hostile/layout.h) driven by a
 * hostile driver.  Each round resets a device, negotiates (with or without indirect
 * descriptors), configures its transmit queue and offers one chain, well formed or not:
 *   - a descriptor loop, a next index or a head outside the table, avail.idx far ahead;
 *   - a buffer outside RAM, wrapping around, or with a huge length; 9 descriptors naming
 *     all of RAM0 (more than the 64 MiB a chain may describe);
 *   - a readable buffer after a writable one;
 *   - indirect tables without the feature, outside RAM, of a size that is not whole
 *     descriptors, nested, or with NEXT;
 *   - rings outside RAM or misaligned, a queue size above QueueNumMax or not a power of 2.
 * A well-formed chain must come back in the used ring with the device still usable; any
 * malformed one must put the device in NEEDS_RESET with a configuration-change interrupt
 * (virtio_mmio.h) and nothing else: no fault, no VM stop.  Between rounds, random accesses
 * anywhere in the window, of any width, must fault exactly where the register map says.
 */
#include "hostile/attack.h"
#include "virtio_driver.h"

#define ROUNDS          1000
#define FUZZ_PER_ROUND  16
#define REG_MAGIC       0x000
#define REG_VERSION     0x004
#define REG_DEVICE_ID   0x008
#define REG_DEV_FEAT    0x010
#define MAGIC           0x74726976 /* "virt" */
#define VERSION         2
#define ID_NET          1
#define ID_CONSOLE      3
#define NET_CONFIG_SIZE 12
#define D_NEXT          1
#define D_WRITE         2
#define D_INDIRECT      4
#define DESC_BYTES      16
#define TX_QUEUE        1
#define MIN_QUEUE       16 /* room for the 9-descriptor chain */
#define INDEX_SPAN      0x10000
#define REG_QUEUE_RESET 0x0c0 /* its access depends on a feature the fuzzing may negotiate */
#define FRAME_BYTES     72    /* a 12-byte virtio-net header and a 60-byte frame */
#define HUGE_CHAIN      9     /* RAM0 (8 MiB) nine times: more than 64 MiB */
#define WORD            4
#define LOW32           0xffffffffUL
#define SMALL_STEP      64

/* The rings and buffers, in RAM1 (nothing else uses it). */
#define RING_DESC     (HOSTILE_RAM1_BASE)
#define RING_AVAIL    (HOSTILE_RAM1_BASE + KIB(32))
#define RING_USED     (HOSTILE_RAM1_BASE + KIB(64))
#define RING_INDIRECT (HOSTILE_RAM1_BASE + KIB(96))
#define RING_BUFFER   (HOSTILE_RAM1_BASE + KIB(128))

struct desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};

struct device {
    const char *name;
    u64 base;
    u32 id, num_max, config_size;
};

enum chain_kind {
    GOOD,
    GOOD_INDIRECT,
    LOOP,
    NEXT_OUTSIDE,
    HEAD_OUTSIDE,
    AVAIL_AHEAD,
    BUF_WILD,
    BUF_WRAPS,
    BUF_HUGE,
    CHAIN_TOO_LONG,
    WRITABLE_FIRST,
    INDIRECT_UNNEGOTIATED,
    INDIRECT_WILD,
    INDIRECT_PARTIAL,
    INDIRECT_NESTED,
    INDIRECT_WITH_NEXT,
    RING_WILD,
    RING_MISALIGNED,
    NUM_ABOVE_MAX,
    NUM_NOT_POWER_OF_2,
    CHAIN_KINDS,
};

static const struct device devices[] = {
    {"net", HOSTILE_VNET_BASE, ID_NET, 256, NET_CONFIG_SIZE},
    {"console", HOSTILE_VCON_BASE, ID_CONSOLE, 64, 0},
};

static volatile struct desc *const table = (volatile struct desc *)RING_DESC;
static volatile u16 *const avail = (volatile u16 *)RING_AVAIL; /* flags, idx, ring[] */
static volatile u16 *const used = (volatile u16 *)RING_USED;   /* flags, idx, (id, len)[] */
static volatile struct desc *const indirect = (volatile struct desc *)RING_INDIRECT;

/* ------------------------------------------------------------ registers */

static u32 rd(const struct device *d, u64 reg)
{
    u32 v = (u32)probe_lwu(d->base + reg);

    tally(ATTACK_VIRTIO, took_none(), "%s: read of 0x%lx", d->name, reg);
    return v;
}

static void wr(const struct device *d, u64 reg, u32 value)
{
    probe_sw(d->base + reg, value);
    tally(ATTACK_VIRTIO, took_none(), "%s: write of 0x%x to 0x%lx", d->name, value, reg);
}

static bool readable(u64 reg)
{
    static const u16 regs[] = {0x000, 0x004, 0x008, 0x00c, 0x010, 0x034, 0x044,
                               0x060, 0x070, 0x0b0, 0x0b4, 0x0b8, 0x0bc, 0x0fc};
    for (u32 i = 0; i < ARRAY_SIZE(regs); i++)
        if (regs[i] == reg)
            return true;
    return false;
}

static bool writable(u64 reg)
{
    static const u16 regs[] = {0x014, 0x020, 0x024, 0x030, 0x038, 0x044, 0x050, 0x064,
                               0x070, 0x080, 0x084, 0x090, 0x094, 0x0a0, 0x0a4, 0x0ac};
    for (u32 i = 0; i < ARRAY_SIZE(regs); i++)
        if (regs[i] == reg)
            return true;
    return false;
}

/* Whether an access is one the register map takes (QueueReset is never negotiated here;
 * the config space is read-only). */
static bool access_ok(const struct device *d, u64 off, u32 width, bool write)
{
    if (off < REG_CONFIG)
        return width == WORD && IS_ALIGNED(off, WORD) && (write ? writable(off) : readable(off));
    off -= REG_CONFIG;
    return !write && IS_ALIGNED(off, width) && off < d->config_size &&
           width <= d->config_size - off;
}

/* A random access anywhere in the window: faults exactly where the map says. */
static void fuzz_access(const struct device *d)
{
    static u64 (*const loads[])(u64) = {probe_lbu, probe_lhu, probe_lwu, probe_ld};
    static void (*const stores[])(u64, u64) = {probe_sb, probe_sh, probe_sw, probe_sd};
    u32 log2 = rnd_below(3) ? 2 : (u32)rnd_below(4), width = 1U << log2;
    u64 off = rnd_below(2) ? rnd_below(REG_CONFIG) : rnd_below(HOSTILE_VIRTIO_SIZE);
    bool write = rnd_below(2);

    if (rnd_below(4))
        off = ALIGN_DOWN(off, width);
    if (off + width > HOSTILE_VIRTIO_SIZE)
        off = HOSTILE_VIRTIO_SIZE - width;
    if (ranges_overlap(off, width, REG_QUEUE_RESET, WORD))
        off = REG_CONFIG; /* not QueueReset (above) */
    u64 addr = d->base + off;
    if (write)
        stores[log2](addr, rnd_value());
    else
        loads[log2](addr);
    bool ok = access_ok(d, off, width, write)
                  ? took_none()
                  : took(write ? EXC_STORE_ACCESS_FAULT : EXC_LOAD_ACCESS_FAULT, addr);
    tally(ATTACK_VIRTIO, ok, "%s: %u-byte %s at 0x%lx", d->name, width, write ? "write" : "read",
          off);
}

/* ------------------------------------------------------------ rings */

static void set_desc(u32 i, u64 addr, u32 len, u16 flags, u16 next)
{
    table[i] = (struct desc){addr, len, flags, next};
}

static u64 wild_buffer(void)
{
    u64 addr;

    do {
        addr = rnd_value();
    } while (in_ram(addr, 1));
    return addr;
}

/* Fills the table for `kind` and returns the head. */
static u16 build_chain(enum chain_kind kind, u32 num)
{
    u16 head = (u16)rnd_below(num - 1), other = (u16)(head + 1);
    u64 buf = RING_BUFFER + ALIGN_DOWN(rnd_below(KIB(64)), SMALL_STEP);

    set_desc(head, buf, FRAME_BYTES, 0, 0);
    switch (kind) {
    case LOOP:
        set_desc(head, buf, FRAME_BYTES, D_NEXT, other);
        set_desc(other, buf, FRAME_BYTES, D_NEXT, head);
        break;
    case NEXT_OUTSIDE:
        set_desc(head, buf, FRAME_BYTES, D_NEXT, (u16)(num + rnd_below(INDEX_SPAN - num)));
        break;
    case HEAD_OUTSIDE:
        head = (u16)(num + rnd_below(INDEX_SPAN - num));
        break;
    case BUF_WILD:
        set_desc(head, wild_buffer(), 1 + (u32)rnd_below(PAGE_SIZE), 0, 0);
        break;
    case BUF_WRAPS:
        set_desc(head, ~0UL - rnd_below(PAGE_SIZE), PAGE_SIZE + (u32)rnd_below(PAGE_SIZE), 0, 0);
        break;
    case BUF_HUGE:
        set_desc(head, buf, (u32)(LOW32 - rnd_below(PAGE_SIZE)), 0, 0);
        break;
    case CHAIN_TOO_LONG:
        for (u32 i = 0; i < HUGE_CHAIN; i++)
            set_desc(i, HOSTILE_RAM0_BASE, (u32)HOSTILE_RAM0_SIZE, i + 1 < HUGE_CHAIN ? D_NEXT : 0,
                     (u16)(i + 1));
        head = 0;
        break;
    case WRITABLE_FIRST:
        set_desc(head, buf, FRAME_BYTES, D_WRITE | D_NEXT, other);
        set_desc(other, buf, FRAME_BYTES, 0, 0);
        break;
    case GOOD_INDIRECT:
    case INDIRECT_UNNEGOTIATED:
        indirect[0] = (struct desc){buf, FRAME_BYTES, 0, 0};
        set_desc(head, RING_INDIRECT, DESC_BYTES, D_INDIRECT, 0);
        break;
    case INDIRECT_WILD:
        set_desc(head, wild_buffer() & ~(u64)(DESC_BYTES - 1), DESC_BYTES, D_INDIRECT, 0);
        break;
    case INDIRECT_PARTIAL:
        set_desc(head, RING_INDIRECT,
                 1 + (u32)rnd_below(DESC_BYTES - 1) + (rnd_below(2) ? DESC_BYTES : 0), D_INDIRECT,
                 0);
        break;
    case INDIRECT_NESTED:
        indirect[0] = (struct desc){RING_INDIRECT, DESC_BYTES, D_INDIRECT, 0};
        set_desc(head, RING_INDIRECT, DESC_BYTES, D_INDIRECT, 0);
        break;
    case INDIRECT_WITH_NEXT:
        indirect[0] = (struct desc){buf, FRAME_BYTES, 0, 0};
        set_desc(head, RING_INDIRECT, DESC_BYTES, D_INDIRECT | D_NEXT, other);
        set_desc(other, buf, FRAME_BYTES, 0, 0);
        break;
    default:
        break;
    }
    return head;
}

/* ------------------------------------------------------------ one round */

static bool needs_indirect(enum chain_kind kind)
{
    return kind == GOOD_INDIRECT || kind == INDIRECT_WILD || kind == INDIRECT_PARTIAL ||
           kind == INDIRECT_NESTED || kind == INDIRECT_WITH_NEXT;
}

static u32 queue_size(const struct device *d, enum chain_kind kind)
{
    if (kind == NUM_ABOVE_MAX)
        return d->num_max << (1 + rnd_below(4));
    if (kind == NUM_NOT_POWER_OF_2)
        return MIN_QUEUE + 1 + 2 * (u32)rnd_below(d->num_max / 2 - MIN_QUEUE);
    return d->num_max >> rnd_below(__builtin_ctz(d->num_max / MIN_QUEUE) + 1);
}

/* Ring addresses: good ones, or for the ring kinds one outside RAM or misaligned. */
static void set_rings(const struct device *d, enum chain_kind kind)
{
    u64 desc = RING_DESC, drv = RING_AVAIL, dev = RING_USED;

    if (kind == RING_WILD) {
        u64 *victim = (u64 *[]){&desc, &drv, &dev}[rnd_below(3)];
        *victim = ALIGN_DOWN(wild_buffer(), DESC_BYTES);
    } else if (kind == RING_MISALIGNED) {
        u64 *victim = (u64 *[]){&desc, &dev}[rnd_below(2)];
        *victim += 2; /* descriptors need 16, the used ring 4 */
    }
    wr(d, REG_DESC_LO, (u32)desc);
    wr(d, REG_DESC_HI, (u32)(desc >> 32));
    wr(d, REG_AVAIL_LO, (u32)drv);
    wr(d, REG_AVAIL_HI, (u32)(drv >> 32));
    wr(d, REG_USED_LO, (u32)dev);
    wr(d, REG_USED_HI, (u32)(dev >> 32));
}

/* Reset, features, the transmit queue: returns whether indirect was negotiated. */
static bool bring_up(const struct device *d, enum chain_kind kind, u32 num)
{
    bool with_indirect = needs_indirect(kind) || (kind != INDIRECT_UNNEGOTIATED && rnd_below(2));

    wr(d, REG_STATUS, 0);
    tally(ATTACK_VIRTIO, rd(d, REG_STATUS) == 0, "%s: status after reset", d->name);
    wr(d, REG_STATUS, S_ACK);
    wr(d, REG_STATUS, S_ACK | S_DRIVER);
    wr(d, REG_DEV_SEL, 1);
    tally(ATTACK_VIRTIO, rd(d, REG_DEV_FEAT) & F_VERSION_1, "%s: VERSION_1 offered", d->name);
    wr(d, REG_DRV_SEL, 0);
    wr(d, REG_DRV_FEAT, with_indirect ? F_INDIRECT : 0);
    wr(d, REG_DRV_SEL, 1);
    wr(d, REG_DRV_FEAT, F_VERSION_1);
    wr(d, REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    tally(ATTACK_VIRTIO, rd(d, REG_STATUS) & S_FEATURES_OK, "%s: FEATURES_OK", d->name);
    wr(d, REG_QUEUE_SEL, TX_QUEUE);
    tally(ATTACK_VIRTIO, rd(d, REG_QUEUE_MAX) == d->num_max, "%s: QueueNumMax", d->name);
    for (u32 i = 0; i < 2; i++)
        avail[i] = used[i] = 0;
    set_rings(d, kind);
    wr(d, REG_QUEUE_NUM, num);
    wr(d, REG_QUEUE_READY, 1);
    wr(d, REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    return with_indirect;
}

static void round_of(const struct device *d, enum chain_kind kind)
{
    u32 num = queue_size(d, kind);
    bool ring_ok = kind < RING_WILD;

    bring_up(d, kind, num);
    u16 head = ring_ok ? build_chain(kind, num) : 0;
    avail[2] = head; /* ring[0] */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    avail[1] = kind == AVAIL_AHEAD ? (u16)(num + 1 + rnd_below(INDEX_SPAN - num - 1)) : 1;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    wr(d, REG_NOTIFY, TX_QUEUE);

    u32 status = rd(d, REG_STATUS), pending = rd(d, REG_INT_STATUS);
    bool good = kind == GOOD || kind == GOOD_INDIRECT;
    /* A ring refused at QueueReady, before DRIVER_OK, raises no interrupt (virtio_mmio.h). */
    bool ok =
        good ? !(status & S_NEEDS_RESET) && used[1] == 1 && used[2] == head && (pending & INT_USED)
             : (status & S_NEEDS_RESET) && (!ring_ok || (pending & INT_CONFIG));
    tally(ATTACK_VIRTIO, ok,
          "%s: chain kind %u (queue of %u, head %u): status 0x%x, "
          "interrupt 0x%x, used.idx %u",
          d->name, kind, num, head, status, pending, used[1]);
    wr(d, REG_INT_ACK, pending);
}

/* The identification registers read the same after all of it. */
static void identity(const struct device *d)
{
    tally(ATTACK_VIRTIO,
          rd(d, REG_MAGIC) == MAGIC && rd(d, REG_VERSION) == VERSION &&
              rd(d, REG_DEVICE_ID) == d->id,
          "%s: identification registers", d->name);
}

void attack_virtio(void)
{
    for (u64 n = scaled(ROUNDS); n; n--) {
        for (u32 i = 0; i < ARRAY_SIZE(devices); i++) {
            const struct device *d = &devices[i];
            round_of(d, (enum chain_kind)rnd_below(CHAIN_KINDS));
            for (u32 f = 0; f < FUZZ_PER_ROUND; f++)
                fuzz_access(d);
        }
    }
    for (u32 i = 0; i < ARRAY_SIZE(devices); i++) {
        wr(&devices[i], REG_STATUS, 0);
        identity(&devices[i]);
    }
}
