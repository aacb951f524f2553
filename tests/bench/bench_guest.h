/*
 * Helpers for the benchmark guests (tests/guests/bench_*.c), run by tests/bench/run_bench.py
 * under QEMU `-icount shift=0,sleep=off`: one instruction is one nanosecond of virtual time
 * and the virt `time` counter runs at 10 MHz, so one tick is exactly 100 instructions.
 *
 * A benchmark times n iterations of a loop with the operation and n iterations of the
 * same loop with the operation replaced by a baseline that retires as many guest
 * instructions: the difference, divided by n, is the instructions executed outside the
 * guest from the trap to the return.  An ecall retires (it is counted), so its baseline is
 * a `nop`; a load that faults into the hypervisor does not (the hypervisor emulates it and
 * steps over it), so its baseline is the loop without it.  Results are printed as
 * "BENCH <name> <value> <unit>".
 */
#ifndef BENCH_GUEST_H
#define BENCH_GUEST_H

#include "lib/guest.h"

#define BENCH_INSNS_PER_TICK 100
#define BENCH_TICKS_PER_MS   10000

/*
 * Ticks taken by n (> 0) iterations of: a7 = eid, a6 = fid, a0 = arg, `insn`.  The loop
 * runs BENCH_SBI_LOOP_INSNS instructions per iteration besides `insn`, which is one
 * instruction (an ecall, or a nop for the baseline).
 */
#define BENCH_SBI_LOOP_INSNS 5
#define BENCH_SBI_LOOP(insn, n, eid, fid, arg)                                                     \
    ({                                                                                             \
        u64 __start, __end, __left = (n);                                                          \
        __asm__ volatile("rdtime %[start]\n"                                                       \
                         "1: mv a7, %[e]\n"                                                        \
                         "mv a6, %[f]\n"                                                           \
                         "mv a0, %[a]\n" insn "\n"                                                 \
                         "addi %[left], %[left], -1\n"                                             \
                         "bnez %[left], 1b\n"                                                      \
                         "rdtime %[end]\n"                                                         \
                         : [start] "=&r"(__start), [end] "=&r"(__end), [left] "+r"(__left)         \
                         : [e] "r"(eid), [f] "r"(fid), [a] "r"(arg)                                \
                         : "a0", "a1", "a6", "a7", "memory");                                      \
        __end - __start;                                                                           \
    })

/*
 * Ticks taken by n (> 0) iterations of `insn`: a load through %[p] = ptr into t0, or
 * nothing for the baseline.  BENCH_LOAD_LOOP_INSNS instructions per iteration besides
 * `insn`.
 */
#define BENCH_LOAD_LOOP_INSNS 2
#define BENCH_LOAD_LOOP(insn, n, ptr)                                                              \
    ({                                                                                             \
        u64 __start, __end, __left = (n);                                                          \
        __asm__ volatile("rdtime %[start]\n"                                                       \
                         "1: " insn "\n"                                                           \
                         "addi %[left], %[left], -1\n"                                             \
                         "bnez %[left], 1b\n"                                                      \
                         "rdtime %[end]\n"                                                         \
                         : [start] "=&r"(__start), [end] "=&r"(__end), [left] "+r"(__left)         \
                         : [p] "r"(ptr)                                                            \
                         : "t0", "memory");                                                        \
        __end - __start;                                                                           \
    })

/* Instructions per iteration, in hundredths, of a loop that took `ticks` for n iterations. */
static inline u64 bench_centi_insns(u64 ticks, u64 n)
{
    return ticks * BENCH_INSNS_PER_TICK * 100 / n;
}

/*
 * Prints "calibration <name>: X.XX instructions/iteration (expected E)" for the baseline
 * loop, where E = base_insns (its instructions per iteration), which run_bench.py checks
 * to make sure icount really ran at one instruction per nanosecond, and
 * "BENCH <name> <cost> instructions" with the extra instructions one operation costs
 * (rounded to the nearest integer).
 */
static inline void bench_report(const char *name, u64 op_ticks, u64 base_ticks, u64 n,
                                unsigned base_insns)
{
    u64 base = bench_centi_insns(base_ticks, n), op = bench_centi_insns(op_ticks, n);
    u64 extra = op > base ? op - base : 0;

    guest_printf("calibration %s: %lu.%02lu instructions/iteration (expected %u)\n", name,
                 base / 100, base % 100, base_insns);
    guest_printf("BENCH %s %lu instructions\n", name, (extra + 50) / 100);
}

#endif
