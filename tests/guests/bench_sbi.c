/*
 * Benchmark guest (tests/bench/run_bench.py): cost of an SBI round trip.  Prints
 *   BENCH null_sbi_call <n> instructions   BASE get_spec_version, ecall to sret
 *   BENCH set_timer <n> instructions       TIME set_timer with a deadline far away
 * Also runs without a hypervisor, directly on OpenSBI, for the native figures.
 */
#include "../bench/bench_guest.h"

#define ITERATIONS                10000
#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_TIME_SET_TIMER        0
/* Never fires: the benchmark must not take timer interrupts. */
#define FAR_DEADLINE (~0UL)

static void bench_call(const char *name, unsigned long eid, unsigned long fid, unsigned long arg)
{
    u64 base = BENCH_SBI_LOOP("nop", ITERATIONS, eid, fid, arg);
    u64 op = BENCH_SBI_LOOP("ecall", ITERATIONS, eid, fid, arg);

    bench_report(name, op, base, ITERATIONS, BENCH_SBI_LOOP_INSNS + 1);
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)hartid;
    (void)dtb;
    /* The loops discard results: check once that the calls really succeed. */
    struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_SUCCESS, "bench-base-call");
    r = sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, FAR_DEADLINE, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, SBI_SUCCESS, "bench-set-timer-call");

    bench_call("null_sbi_call", SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION, 0);
    bench_call("set_timer", SBI_EXT_TIME, SBI_TIME_SET_TIMER, FAR_DEADLINE);
    return 0;
}
