/*
 * Benchmark guest (tests/bench/run_bench.py): cost of a trapped vPLIC register read
 * (configs/single.c: a vPLIC at TEST_VPLIC_BASE).  Reads the threshold of hart 0's S-level
 * context -- a register the vPLIC decodes last -- in a loop, against the same loop without
 * the load (the trapped load never retires in the guest: the hypervisor emulates it and
 * steps over it).  Prints
 *   BENCH vplic_mmio_read <n> instructions   hypervisor instructions, stage-2 fault to sret
 */
#include "../bench/bench_guest.h"
#include "test_layout.h"

#define ITERATIONS           10000
#define VPLIC_THRESHOLD_BASE 0x200000UL
#define VPLIC_CONTEXT_STRIDE 0x1000UL
#define S_CONTEXT_HART0      1
#define THRESHOLD_VALUE      3 /* any non-zero value the read can be checked against */
#define VPLIC_THRESHOLD                                                                            \
    (TEST_VPLIC_BASE + VPLIC_THRESHOLD_BASE + VPLIC_CONTEXT_STRIDE * S_CONTEXT_HART0)

int main(unsigned long hartid, unsigned long dtb)
{
    volatile u32 *threshold = (volatile u32 *)VPLIC_THRESHOLD;

    (void)dtb;
    CHECK_EQ(hartid, 0, "bench-on-hart0");
    /* The loop discards what it reads: check once that the register really is emulated. */
    *threshold = THRESHOLD_VALUE;
    CHECK_EQ(*threshold, THRESHOLD_VALUE, "bench-threshold-readback");

    u64 base = BENCH_LOAD_LOOP("", ITERATIONS, threshold);
    u64 op = BENCH_LOAD_LOOP("lw t0, 0(%[p])", ITERATIONS, threshold);
    bench_report("vplic_mmio_read", op, base, ITERATIONS, BENCH_LOAD_LOOP_INSNS);
    return 0;
}
