/*
 * Benchmark guest (tests/bench/run_bench.py): virtual time from machine reset to the
 * guest's first instructions.  `time` counts from reset at 10 MHz and the hypervisor
 * gives guests no time offset, so the first read in main() is the time the guest got
 * control (crt0 before it runs a few dozen instructions: < 0.01 ms).  Prints
 *   BENCH reset_to_guest_ms <ms> ms
 * Also runs without a hypervisor, directly on OpenSBI, for the native floor.
 */
#include "../bench/bench_guest.h"

#define TICKS_PER_CENTI_MS (BENCH_TICKS_PER_MS / 100)

int main(unsigned long hartid, unsigned long dtb)
{
    u64 entry = read_time();

    (void)hartid;
    (void)dtb;
    u64 centi_ms = entry / TICKS_PER_CENTI_MS;
    guest_printf("BENCH reset_to_guest_ms %lu.%02lu ms\n", centi_ms / 100, centi_ms % 100);
    return 0;
}
