// GUEST_EMBEDS: hc_child
/*
 * Lifecycle soak (VM 0 of configs/hc_mvm.c): SOAK_CYCLES times create -> load -> boot ->
 * (the child powers itself off) -> remove a small child VM on hart 1.  Every
 * REBOOT_EVERY-th child instead reboots itself in a loop and is removed while it does, so
 * removal races guest-initiated reboots.  After every cycle the hypervisor's accounting
 * (SYSTEM_GET_INFO) must be back where it started: free pages, VM ids in use (the child
 * always gets id 1) and owned interrupts.
 *
 * A notification ring is registered and never read: it fills up, and every later message
 * must be dropped and counted, never block the hypervisor or overwrite an unread slot.
 */
#include "hc_test.h"

GUEST_EMBED(hc_child);

#ifndef SOAK_CYCLES
#define SOAK_CYCLES 1000
#endif
#define REBOOT_EVERY          10
#define REPORT_EVERY          100
#define CHILD_SIZE            ((u64)(hc_child_image_end - hc_child_image_start))
#define CHILD_HART            1
#define CHILD_RAM             MIB(4) /* the smallest RAM with room for the device tree above the image */
#define SBI_CALLS_PER_REBOOT  2      /* its line and the reset */
#define REBOOTS_BEFORE_REMOVE 3
#define RING_BYTES            4096
#define EVENTS_PER_CYCLE      4 /* created, booted, powered off or rebooted..., removed */

static struct shyper_vm_spec spec;
static u8 ring_mem[RING_BYTES] __aligned(RING_BYTES);
static struct shyper_msg_ring *const ring = (struct shyper_msg_ring *)ring_mem;

struct soak_stats {
    u32 cycles, bad_id, not_stopped, leaked, reboot_cycles;
};

static u64 sbi_exits(u32 id)
{
    struct shyper_vm_stats stats;

    return hc_vm_stats(id, &stats) ? 0 : stats.exits[SHYPER_EXIT_SBI];
}

/* One create -> load -> boot -> stop or reboots -> remove; false if a call failed. */
static bool cycle(u32 n, struct soak_stats *st, const struct shyper_system_info *start)
{
    struct shyper_system_info now;
    struct shyper_vm_info info;
    bool reboots = n % REBOOT_EVERY == REBOOT_EVERY - 1;
    struct sbiret r = hc_create(&spec);
    u32 id = (u32)r.value;

    if (r.error ||
        !load_child(id, hc_child_image_start, CHILD_SIZE, CHILD_SIZE,
                    reboots ? CHILD_REBOOT : CHILD_POWER_OFF) ||
        hc_vmm(SHYPER_VMM_BOOT, id))
        return false;
    st->bad_id += id != 1;
    if (reboots) {
        st->reboot_cycles++;
        st->not_stopped += !WAIT_UNTIL(
            sbi_exits(id) >= SBI_CALLS_PER_REBOOT * REBOOTS_BEFORE_REMOVE, STATE_WAIT_MS);
    } else {
        st->not_stopped += !wait_state(id, SHYPER_VM_STOPPED, &info) ||
                           strcmp(info.stop_reason, "powered off by the guest");
    }
    if (hc_vmm(SHYPER_VMM_REMOVE, id) || hc_system_info(&now))
        return false;
    st->leaked += now.free_pages != start->free_pages || now.vmid_mask != start->vmid_mask ||
                  now.irq_owned != start->irq_owned || now.nr_vms != start->nr_vms;
    st->cycles++;
    return true;
}

int main(unsigned long hartid, unsigned long dtb)
{
    struct shyper_system_info start, end;
    struct soak_stats st = {0};
    u64 t0 = read_time();

    (void)hartid;
    (void)dtb;
    CHECK_EQ(hc_system_info(&start), SBI_SUCCESS, "soak-sysinfo");
    struct sbiret r = hc(SHYPER_GROUP_NOTIFY, SHYPER_NOTIFY_REGISTER, (unsigned long)ring_mem,
                         RING_BYTES, 0, 0, 0);
    CHECK_EQ(r.error, SBI_SUCCESS, "soak-ring-registered");
    u32 slots = (u32)r.value;
    child_spec(&spec, "soak", BIT(CHILD_HART), CHILD_RAM, CHILD_SIZE);
    for (u32 n = 0; n < SOAK_CYCLES && cycle(n, &st, &start); n++) {
        if ((n + 1) % REPORT_EVERY == 0)
            guest_printf("soak: %u cycles, %lu pages free\n", n + 1, free_pages());
    }
    u64 ms = (read_time() - t0) / MS_TO_TICKS(1);
    guest_printf("soak: %u cycles (%u with reboot loops) in %lu ms\n", st.cycles, st.reboot_cycles,
                 ms);
    CHECK_EQ(st.cycles, SOAK_CYCLES, "soak-every-cycle-completed");
    CHECK_EQ(st.bad_id, 0, "soak-child-always-gets-id-1");
    CHECK_EQ(st.not_stopped, 0, "soak-every-child-ran");
    CHECK_EQ(st.leaked, 0, "soak-accounting-back-after-every-cycle");
    CHECK(!hc_system_info(&end) && end.free_pages == start.free_pages && end.nr_vms == 1 &&
              end.vmid_mask == 1 && end.irq_owned == start.irq_owned,
          "soak-nothing-leaked");

    const struct shyper_msg *first = &ring->slots[0];
    CHECK(ring->head == slots - 1 && ring->tail == 0, "soak-ring-full-not-overrun");
    CHECK(first->type == SHYPER_MSG_VM_STATE && first->arg[0] == 1 &&
              first->arg[1] == SHYPER_VM_CONFIGURED && first->arg[2] == SHYPER_VM_EVENT_CREATED,
          "soak-ring-first-message-kept");
    check(ring->dropped >= EVENTS_PER_CYCLE * SOAK_CYCLES - (slots - 1), "soak-ring-drops-counted",
          "dropped %u", ring->dropped);
    guest_printf("soak: ring dropped %u messages\n", ring->dropped);
    return 0;
}
