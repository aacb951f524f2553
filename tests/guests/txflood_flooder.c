/*
 * The virtio-net transmit flood, the hostile side (VM 1 of configs/tx_flood.c).  Its
 * vCPU 1, alone on hart 1, recycles the transmit queue for TXFLOOD_FLOOD_MS: every frame
 * the device returns in the used ring goes straight back into the avail ring (the same
 * small valid frame, to a MAC address no port has), so the queue never runs dry.  Its
 * vCPU 0, on hart 0 which it time-shares with the watcher (txflood_watch.c), kicks the
 * queue meanwhile.  This attacks the transmit path's bound (virtio_net.c, transmit():
 * NET_TX_BURST frames per notification): without it, one kick keeps hart 0 in the
 * hypervisor for as long as vCPU 1 refills, and the watcher is never scheduled.
 *
 * Pass: the device stayed usable (no NEEDS_RESET), more frames went through than a few
 * bursts' worth, and after vCPU 1 stopped, one more kick lets the device take the whole
 * backlog (used.idx catches up with avail.idx): what a burst left waits for the next
 * notification and is not stalled.  That the watcher kept running is its own check.
 */
#include "sbi_test.h"
#include "tx_flood.h"
#include "virtio_driver.h"
#include <string.h>

#define TX_QUEUE      1
#define QUEUE_SIZE    256 /* the device's QueueNumMax */
#define NET_HDR_BYTES 12
#define ETH_ZLEN      60
#define ETH_ALEN      6
#define FRAME_BYTES   (NET_HDR_BYTES + ETH_ZLEN)
#define RING_ALIGN    4096
#define FLOOD_HART    1
#define NET_TX_BURST  512 /* virtio_net.c */
#define MIN_BURSTS    4   /* a flood that did not even reach this many bursts proves nothing */
#define DRAIN_MS      1000
#define SHIFT_32      32

struct desc {
    u64 addr;
    u32 len;
    u16 flags;
    u16 next;
};

struct avail_ring {
    u16 flags;
    u16 idx;
    u16 ring[QUEUE_SIZE];
};

struct used_elem {
    u32 id;
    u32 len;
};

struct used_ring {
    u16 flags;
    u16 idx;
    struct used_elem ring[QUEUE_SIZE];
};

static volatile struct desc table[QUEUE_SIZE] __attribute__((aligned(RING_ALIGN)));
static volatile struct avail_ring avail __attribute__((aligned(RING_ALIGN)));
static volatile struct used_ring used __attribute__((aligned(RING_ALIGN)));
/* The frame every descriptor names: a zero virtio-net header, then Ethernet to an address
 * no port has (the switch floods it to no other port) from the device's own. */
static u8 frame[FRAME_BYTES] __attribute__((aligned(8)));
static volatile u32 flood_over;
static volatile u64 recycled;

static void wr(u64 reg, u32 value)
{
    *(volatile u32 *)(TXFLOOD_VNET_BASE + reg) = value;
}

static u32 rd(u64 reg)
{
    return *(volatile u32 *)(TXFLOOD_VNET_BASE + reg);
}

static void fence(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Reset, VERSION_1 only, the transmit queue full of the frame (avail.idx = QUEUE_SIZE). */
static void bring_up(void)
{
    static const u8 dest[ETH_ALEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
    static const u8 src[ETH_ALEN] = {TXFLOOD_VNET_MAC};
    u64 t = (u64)table, a = (u64)&avail, u = (u64)&used;

    memcpy(frame + NET_HDR_BYTES, dest, ETH_ALEN);
    memcpy(frame + NET_HDR_BYTES + ETH_ALEN, src, ETH_ALEN);
    for (u32 i = 0; i < QUEUE_SIZE; i++) {
        table[i] = (struct desc){(u64)frame, FRAME_BYTES, 0, 0};
        avail.ring[i] = (u16)i;
    }
    avail.flags = 0;
    avail.idx = QUEUE_SIZE;
    fence();
    wr(REG_STATUS, 0);
    wr(REG_STATUS, S_ACK);
    wr(REG_STATUS, S_ACK | S_DRIVER);
    wr(REG_DRV_SEL, 0);
    wr(REG_DRV_FEAT, 0);
    wr(REG_DRV_SEL, 1);
    wr(REG_DRV_FEAT, F_VERSION_1);
    wr(REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
    wr(REG_QUEUE_SEL, TX_QUEUE);
    wr(REG_QUEUE_NUM, QUEUE_SIZE);
    wr(REG_DESC_LO, (u32)t);
    wr(REG_DESC_HI, (u32)(t >> SHIFT_32));
    wr(REG_AVAIL_LO, (u32)a);
    wr(REG_AVAIL_HI, (u32)(a >> SHIFT_32));
    wr(REG_USED_LO, (u32)u);
    wr(REG_USED_HI, (u32)(u >> SHIFT_32));
    wr(REG_QUEUE_READY, 1);
    wr(REG_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

/* vCPU 1: every used descriptor straight back into the avail ring, for TXFLOOD_FLOOD_MS. */
static void flood(unsigned long hartid, unsigned long opaque)
{
    u64 end = read_time() + MS_TO_TICKS(TXFLOOD_FLOOD_MS), n = 0;
    u16 seen = 0, added = QUEUE_SIZE;

    (void)opaque;
    set_this_hart(hartid);
    while (read_time() < end) {
        u16 idx = __atomic_load_n(&used.idx, __ATOMIC_ACQUIRE);
        for (; seen != idx; seen++, added++, n++)
            avail.ring[added % QUEUE_SIZE] = (u16)used.ring[seen % QUEUE_SIZE].id;
        __atomic_store_n(&avail.idx, added, __ATOMIC_RELEASE);
    }
    recycled = n;
    __atomic_store_n(&flood_over, 1, __ATOMIC_RELEASE);
    sbi_hart_stop();
}

int main(unsigned long hartid, unsigned long dtb)
{
    u64 kicks = 0, start;

    (void)dtb;
    set_this_hart(hartid);
    bring_up();
    secondary_fn = flood;
    start = read_time();
    CHECK_EQ(sbi_hart_start(FLOOD_HART, (unsigned long)guest_secondary_entry, 0).error, SBI_SUCCESS,
             "txflood-refiller-started");
    while (!__atomic_load_n(&flood_over, __ATOMIC_ACQUIRE)) {
        wr(REG_NOTIFY, TX_QUEUE);
        kicks++;
    }
    u64 flood_ms = (read_time() - start) / MS_TO_TICKS(1);
    /* The backlog vCPU 1 left: one more notification takes it all (it is below a burst). */
    wr(REG_NOTIFY, TX_QUEUE);
    kicks++;
    bool drained = WAIT_UNTIL(used.idx == avail.idx, DRAIN_MS);
    u64 frames = recycled + QUEUE_SIZE;

    guest_printf("tx-flood: %lu frames in %lu ms, %lu kicks\n", frames, flood_ms, kicks);
    CHECK(!(rd(REG_STATUS) & S_NEEDS_RESET), "txflood-device-usable");
    check(frames >= MIN_BURSTS * NET_TX_BURST, "txflood-flood-ran", "%lu frames", frames);
    check(drained, "txflood-backlog-consumed", "used.idx %u, avail.idx %u", used.idx, avail.idx);
    return 0;
}
