/*
 * The MVM side of the denial test (VM 0 of configs/two_vms.c): it watches VM 1
 * (hc_denied) through VMM_GET_INFO until that guest has powered itself off, reads its
 * exit counters, then removes the static VM 1 and sees its pages come back.
 */
#include "hc_test.h"

#define GUEST_ID      1
#define RUN_WAIT_MS   5000
#define MIN_SBI_CALLS 20 /* hc_denied makes at least this many */

int main(unsigned long hartid, unsigned long dtb)
{
    struct shyper_vm_info info, list[MAX_GUEST_HARTS];
    struct shyper_vm_stats stats;

    (void)hartid;
    (void)dtb;
    CHECK(WAIT_UNTIL(!hc_vm_info(GUEST_ID, &info) && info.state == SHYPER_VM_STOPPED, RUN_WAIT_MS),
          "observe-guest-stopped");
    check(!strcmp(info.stop_reason, "powered off by the guest"), "observe-guest-powered-off",
          "reason \"%s\"", info.stop_reason);
    CHECK(!hc_vm_stats(GUEST_ID, &stats) && stats.exits[SHYPER_EXIT_SBI] >= MIN_SBI_CALLS,
          "observe-guest-sbi-exits");
    struct sbiret r =
        hc(SHYPER_GROUP_VMM, SHYPER_VMM_LIST, (unsigned long)list, sizeof(list), 0, 0, 0);
    CHECK(r.error == SBI_SUCCESS && r.value == 2 && list[1].id == GUEST_ID, "observe-list-two");
    u64 before = free_pages();
    CHECK_EQ(hc_vmm(SHYPER_VMM_REMOVE, GUEST_ID), SBI_SUCCESS, "observe-remove-static-vm");
    CHECK(free_pages() >= before + (info.mem_bytes >> 12), "observe-remove-frees-its-ram");
    r = hc(SHYPER_GROUP_VMM, SHYPER_VMM_LIST, (unsigned long)list, sizeof(list), 0, 0, 0);
    CHECK(r.error == SBI_SUCCESS && r.value == 1 && list[0].id == 0, "observe-list-one");
    return 0;
}
