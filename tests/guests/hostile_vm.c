// GUEST_SOURCES: hostile/runtime.c hostile/probes.S hostile/mem.c hostile/vplic.c
// GUEST_SOURCES: hostile/csr.c hostile/insn.c hostile/sbi.c hostile/hsm.c hostile/virtio.c
// GUEST_SOURCES: hostile/stops.c
/*
 * The hostile guest (created at run time by hostile_mvm.c; no case of its own).  Its
 * parameters (hostile/layout.h) say what this boot does:
 *   - HOSTILE_ATTACK: over a million operations a guest must not be able to do harm
 *     with (tests/guests/hostile/: memory outside its RAM, the vPLIC, every CSR, H and
 *     privileged instructions from VS and VU, random SBI and hypercalls, HSM abuse, its virtio
 *     devices driven with malformed rings), each
 *     with its outcome predicted exactly; one PASS line per kind of attack, the count of
 *     operations, then it powers itself off;
 *   - HOSTILE_STOP_*: one violation the hypervisor stops the VM for.
 */
#include "hostile/attack.h"

#define MILLION    1000000UL
#define FULL_SCALE 100 /* percent */

static void attack(void)
{
    u64 start = read_time();

    guest_printf("hostile: vm%lu, seed 0x%lx, %lu%% of the operations\n", params.vm_id, params.seed,
                 params.scale);
    attack_hsm();
    attack_sbi();
    tally_flush();
    attack_mem();
    tally_flush();
    attack_vplic();
    tally_flush();
    attack_csr();
    tally_flush();
    attack_insn();
    tally_flush();
    attack_virtio();
    u64 total = tally_report();
    u64 ms = (read_time() - start) / MS_TO_TICKS(1);
    guest_printf("hostile: %lu operations in %lu ms\n", total, ms);
    if (params.scale >= FULL_SCALE)
        check(total >= MILLION, "hostile-a-million-operations", "%lu", total);
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    rng_seed(params.seed);
    traps_init();
    switch (params.mode) {
    case HOSTILE_ATTACK:
        attack();
        return 0;
    case HOSTILE_STOP_HANDLER:
        stop_handler();
    case HOSTILE_STOP_FP_MMIO:
        stop_fp_mmio();
    case HOSTILE_STOP_AMO_MMIO:
        stop_amo_mmio();
    case HOSTILE_STOP_PTW_MMIO:
        stop_ptw_mmio();
    default:
        check(false, "hostile-mode", "unknown mode %lu", params.mode);
        return 0;
    }
}
