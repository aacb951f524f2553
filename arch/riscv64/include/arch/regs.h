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

/* The part of the per-hart structure the trap entry uses; first member of struct pcpu. */
struct arch_pcpu {
    u64 scratch;                   /* trap entry saves t0 here */
    struct guest_regs *guest_regs; /* frame of the vCPU running on this hart; NULL in HS */
    u64 stack_top;                 /* hypervisor stack used while handling a guest trap */
};

#endif
#endif
