/*
 * Guest register frame saved by the trap entry (trap.S) and restored on guest entry.
 * The offsets below are used by assembly; regs_check.c asserts they match the struct.
 */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#define REGS_X(n)    ((n)*8)
#define REGS_SEPC    256
#define REGS_SSTATUS 264
#define REGS_HSTATUS 272
#define REGS_SIZE    280

/* Per-hart fields the trap entry reads through tp (struct arch_pcpu). */
#define ARCH_PCPU_SCRATCH    0
#define ARCH_PCPU_GUEST_REGS 8
#define ARCH_PCPU_STACK_TOP  16

/* What arch_guest_trap_fast() did with an exit; trap.S acts on it. */
#define FAST_EXIT_RESUME  0 /* handled: resume the same frame directly */
#define FAST_EXIT_DEFER   1 /* not handled: the general path handles it */
#define FAST_EXIT_HANDLED 2 /* handled, but resume through the general path */

#ifndef __ASSEMBLY__
#include <kernel/types.h>

/* Register numbers of the ABI names used by the SBI and MMIO code. */
enum {
    REG_RA = 1,
    REG_SP = 2,
    REG_GP = 3,
    REG_TP = 4,
    REG_A0 = 10,
    REG_A1,
    REG_A2,
    REG_A3,
    REG_A4,
    REG_A5,
    REG_A6,
    REG_A7,
};

struct guest_regs {
    u64 x[32]; /* x[0] is never read as a source; writes to it are discarded */
    u64 sepc;
    u64 sstatus;
    u64 hstatus;
};

/* The registers the frame holds only on the general path: gp and the callee-saved s0, s1,
 * s2-s11, which the hypervisor's C code preserves (trap.S). */
#define REGS_PRESERVED_MASK (BIT(REG_GP) | BIT(8) | BIT(9) | (0x3ffUL << 18))

/*
 * Entered from trap.S for every trap from a guest.  trap.S first saves the registers the
 * C code may clobber (REGS_PRESERVED_MASK lists the others), sepc and sstatus into the
 * frame of the running vCPU and calls arch_guest_trap_fast(), which must neither use the
 * frame's gp, s0-s11 and hstatus (not saved yet) nor switch or reset vCPUs.  It returns
 * the frame and a FAST_EXIT_* value.  For FAST_EXIT_RESUME trap.S restores what it saved
 * but sstatus and enters the frame again: the fast path must not have changed the frame's
 * sstatus either.  Otherwise trap.S saves the rest of the frame and calls
 * arch_guest_trap(), the general path, which handles the exit if the fast path did not
 * (FAST_EXIT_DEFER), runs the scheduler and returns the frame to enter, restored whole.
 * Returned in a0/a1 like any two-word structure; aligned to its size only because GCC 12
 * then no longer reserves an unused stack slot in functions that tail-call others
 * returning it (arch_guest_trap_fast()).
 */
struct __attribute__((aligned(16))) fast_exit {
    struct guest_regs *regs;
    unsigned long what;
};
struct fast_exit arch_guest_trap_fast(struct guest_regs *regs);
struct guest_regs *arch_guest_trap(struct guest_regs *regs, unsigned long fast);

/* The part of the per-hart structure the trap entry uses; first member of struct pcpu. */
struct arch_pcpu {
    u64 scratch;                   /* trap entry saves t0 here */
    struct guest_regs *guest_regs; /* frame of the vCPU running on this hart; NULL in HS */
    u64 stack_top;                 /* hypervisor stack used while handling a guest trap */
};

#endif
#endif
