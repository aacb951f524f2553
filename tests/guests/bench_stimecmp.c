/*
 * Benchmark guest (tests/bench/run_bench.py): VM exits caused by a guest writing the
 * Sstc `stimecmp` CSR itself.  It writes STIMECMP_WRITES times; tests/bench/bench.mk
 * also builds it with STIMECMP_WRITES=0 as the baseline.  Both builds make the same SBI
 * calls, so the difference of the exit counters the hypervisor logs when the VM powers
 * off ("vm0 (...) exits: sbi=... vinst=...") is what the writes cost: 0 with Sstc.
 * Prints
 *   stimecmp: W writes, T ticks (nop loop: B ticks), K trapped
 * where K counts writes that trapped to the guest as illegal instructions (the
 * hypervisor did not give it Sstc); they are skipped so the count stays meaningful.
 */
#include "../bench/bench_guest.h"

#ifndef STIMECMP_WRITES
#define STIMECMP_WRITES 1000
#endif

#define CSR_STIMECMP     "0x14d"
#define EXC_ILLEGAL_INSN 2
#define INSN_LEN         4
#define DEADLINE_DELTA   10000000UL /* 1 s at 10 MHz: never reached during the benchmark */

static volatile u64 trapped;

static bool skip_trapped_write(struct trap_frame *frame)
{
    if (frame->scause != EXC_ILLEGAL_INSN)
        return false;
    trapped++;
    frame->sepc += INSN_LEN;
    return true;
}

/* Ticks for n iterations of `insn` (with %[v] = value) in a counted loop; n may be 0. */
#define TIMED_LOOP(insn, n, value)                                                                 \
    ({                                                                                             \
        u64 __start, __end, __left = (n);                                                          \
        __asm__ volatile("rdtime %[start]\n"                                                       \
                         "beqz %[left], 2f\n"                                                      \
                         "1: " insn "\n"                                                           \
                         "addi %[left], %[left], -1\n"                                             \
                         "bnez %[left], 1b\n"                                                      \
                         "2: rdtime %[end]\n"                                                      \
                         : [start] "=&r"(__start), [end] "=&r"(__end), [left] "+r"(__left)         \
                         : [v] "r"(value)                                                          \
                         : "memory");                                                              \
        __end - __start;                                                                           \
    })

int main(unsigned long hartid, unsigned long dtb)
{
    (void)hartid;
    (void)dtb;
    u64 deadline = read_time() + DEADLINE_DELTA;

    set_trap_hook(skip_trapped_write);
    u64 nops = TIMED_LOOP("nop", STIMECMP_WRITES, deadline);
    u64 writes = TIMED_LOOP("csrw " CSR_STIMECMP ", %[v]", STIMECMP_WRITES, deadline);
    set_trap_hook(NULL);
    guest_printf("stimecmp: %u writes, %lu ticks (nop loop: %lu ticks), %lu trapped\n",
                 STIMECMP_WRITES, writes, nops, trapped);
    return 0;
}
