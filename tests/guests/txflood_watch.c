/*
 * The virtio-net transmit flood, the well-behaved side (VM 0 of configs/tx_flood.c).  Its
 * one vCPU time-shares hart 0 with the vCPU of the flooder (txflood_flooder.c) that
 * kicks a transmit queue the flooder's other vCPU refills from hart 1.  It takes a timer
 * tick every TICK_MS, idle in WFI between ticks, until the flooder powered itself off.
 *
 * Pass: the flooder powered off by itself, and no gap between two ticks was longer than
 * STARVE_MS: far more than the scheduler's slices (10 ms) and far less than the flood
 * (TXFLOOD_FLOOD_MS), which is how long hart 0 stays in the hypervisor when one
 * transmit notification is not bounded (virtio_net.c, NET_TX_BURST).  Not a jitter
 * measurement (jitter_neighbour.c): only that the watcher is not starved.
 */
#include "hc_test.h"
#include "tx_flood.h"

#define TICK_MS          2
#define STARVE_MS        250
#define POLL_MS          20
#define FLOODER_LIMIT_MS 20000 /* the flooder boots, floods and powers off within this */
#define FLOODER_DONE     "powered off by the guest"
#define NO_DEADLINE      (~0UL)

static volatile u32 ticks;
static volatile u64 last, max_gap;

static bool on_tick(struct trap_frame *frame)
{
    u64 now = read_time();

    if (frame->scause != SCAUSE_STI)
        return false;
    max_gap = MAX(max_gap, now - last);
    last = now;
    ticks++;
    sbi_set_timer(now + MS_TO_TICKS(TICK_MS));
    return true;
}

/* Whether the flooder has stopped; its state in info. */
static bool flooder_stopped(struct shyper_vm_info *info)
{
    return !hc_vm_info(TXFLOOD_FLOODER_ID, info) && info->state == SHYPER_VM_STOPPED;
}

int main(unsigned long hartid, unsigned long dtb)
{
    struct shyper_vm_info info;
    u64 start, end, next_poll;
    bool stopped = false;

    (void)dtb;
    set_this_hart(hartid);
    set_trap_hook(on_tick);
    start = last = read_time();
    end = start + MS_TO_TICKS(FLOODER_LIMIT_MS);
    next_poll = start + MS_TO_TICKS(POLL_MS);
    sbi_set_timer(start + MS_TO_TICKS(TICK_MS));
    CSR_SET(sie, CSR_SIE_STIE);
    local_irq_enable();
    while (!stopped && read_time() < end) {
        __asm__ volatile("wfi");
        if (read_time() >= next_poll) {
            stopped = flooder_stopped(&info);
            next_poll = read_time() + MS_TO_TICKS(POLL_MS);
        }
    }
    local_irq_disable();
    CSR_CLEAR(sie, CSR_SIE_STIE);
    sbi_set_timer(NO_DEADLINE);

    u64 watched_ms = (read_time() - start) / MS_TO_TICKS(1), gap_ms = max_gap / MS_TO_TICKS(1);
    guest_printf("txflood watch: %u ticks in %lu ms, longest gap %lu ms\n", ticks, watched_ms,
                 gap_ms);
    check(stopped && !strcmp(info.stop_reason, FLOODER_DONE), "txflood-flooder-powered-off",
          "stopped %d, reason \"%s\"", stopped, stopped ? info.stop_reason : "");
    check(gap_ms <= STARVE_MS, "txflood-watcher-not-starved", "longest gap %lu ms, limit %u ms",
          gap_ms, STARVE_MS);
    return 0;
}
