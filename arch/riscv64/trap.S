/*
 * Trap entry and guest entry.
 *
 * sscratch always holds this hart's struct pcpu.  arch_pcpu.guest_regs is non-NULL
 * exactly while a guest runs, so one vector serves both cases:
 *   - from a guest: save the registers the C code may clobber, sepc and sstatus into its
 *     vCPU frame, switch to the hart's hypervisor stack and call arch_guest_trap_fast()
 *     (regs.h).  The C code preserves s0-s11 by the ABI and never uses gp, and the fast
 *     path leaves sstatus and hstatus as the trap set them, so when it handled the exit
 *     (FAST_EXIT_RESUME) these are still in place and are neither saved nor restored.
 *     Otherwise they are saved too, arch_guest_trap() runs with the whole frame, and the
 *     frame it returns is restored whole;
 *   - from HS-mode itself (a hypervisor bug): save a frame on the current stack and
 *     call arch_hs_trap(), which reports and panics.
 */
#include <arch/regs.h>

.if FAST_EXIT_RESUME != 0
.error "trap_entry tests FAST_EXIT_RESUME with beqz"
.endif

/* Every register the C calling convention lets a callee clobber, and sp (x4/tp and x5/t0
 * are saved by hand: the entry borrows them). */
.macro SAVE_CALLER_SAVED base
    sd      ra, REGS_X(1)(\base)
    sd      sp, REGS_X(2)(\base)
    sd      t1, REGS_X(6)(\base)
    sd      t2, REGS_X(7)(\base)
    sd      a0, REGS_X(10)(\base)
    sd      a1, REGS_X(11)(\base)
    sd      a2, REGS_X(12)(\base)
    sd      a3, REGS_X(13)(\base)
    sd      a4, REGS_X(14)(\base)
    sd      a5, REGS_X(15)(\base)
    sd      a6, REGS_X(16)(\base)
    sd      a7, REGS_X(17)(\base)
    sd      t3, REGS_X(28)(\base)
    sd      t4, REGS_X(29)(\base)
    sd      t5, REGS_X(30)(\base)
    sd      t6, REGS_X(31)(\base)
.endm

/* The registers the hypervisor's C code preserves: s0-s11, and gp, which it never uses
 * (there is no __global_pointer$ to relax accesses against). */
.macro SAVE_PRESERVED base
    sd      gp, REGS_X(3)(\base)
    sd      s0, REGS_X(8)(\base)
    sd      s1, REGS_X(9)(\base)
    sd      s2, REGS_X(18)(\base)
    sd      s3, REGS_X(19)(\base)
    sd      s4, REGS_X(20)(\base)
    sd      s5, REGS_X(21)(\base)
    sd      s6, REGS_X(22)(\base)
    sd      s7, REGS_X(23)(\base)
    sd      s8, REGS_X(24)(\base)
    sd      s9, REGS_X(25)(\base)
    sd      s10, REGS_X(26)(\base)
    sd      s11, REGS_X(27)(\base)
.endm

    .section .text.trap, "ax"
    .balign 4
    .global trap_entry
trap_entry:
    csrrw   tp, sscratch, tp
    sd      t0, ARCH_PCPU_SCRATCH(tp)
    ld      t0, ARCH_PCPU_GUEST_REGS(tp)
    beqz    t0, hs_trap

    SAVE_CALLER_SAVED t0
    ld      t1, ARCH_PCPU_SCRATCH(tp)
    sd      t1, REGS_X(5)(t0)
    csrrw   t1, sscratch, tp
    sd      t1, REGS_X(4)(t0)
    csrr    t1, sepc
    sd      t1, REGS_SEPC(t0)
    csrr    t1, sstatus
    sd      t1, REGS_SSTATUS(t0)
    sd      zero, ARCH_PCPU_GUEST_REGS(tp)
    ld      sp, ARCH_PCPU_STACK_TOP(tp)
    mv      a0, t0
    call    arch_guest_trap_fast    /* a0 = the frame, a1 = what it did */
    beqz    a1, guest_return        /* FAST_EXIT_RESUME: gp, s0-s11 hold the guest's values */
    SAVE_PRESERVED a0
    .option push
    .option arch, +h
    csrr    t1, hstatus             /* as the trap left it: the fast path does not change it */
    .option pop
    sd      t1, REGS_HSTATUS(a0)
    call    arch_guest_trap
    /* fall through: a0 = frame to resume */

/* void arch_guest_enter(struct guest_regs *regs) __noreturn;  tp = this hart's pcpu */
    .global arch_guest_enter
arch_guest_enter:
    ld      t0, REGS_SSTATUS(a0)
    csrw    sstatus, t0
    ld      t0, REGS_HSTATUS(a0)
    .option push
    .option arch, +h
    csrw    hstatus, t0
    .option pop
    ld      gp, REGS_X(3)(a0)
    ld      s0, REGS_X(8)(a0)
    ld      s1, REGS_X(9)(a0)
    ld      s2, REGS_X(18)(a0)
    ld      s3, REGS_X(19)(a0)
    ld      s4, REGS_X(20)(a0)
    ld      s5, REGS_X(21)(a0)
    ld      s6, REGS_X(22)(a0)
    ld      s7, REGS_X(23)(a0)
    ld      s8, REGS_X(24)(a0)
    ld      s9, REGS_X(25)(a0)
    ld      s10, REGS_X(26)(a0)
    ld      s11, REGS_X(27)(a0)
    /* fall through */

/* Enters frame a0 whose gp, s0-s11, sstatus and hstatus are already in place. */
guest_return:
    sd      a0, ARCH_PCPU_GUEST_REGS(tp)
    ld      t0, REGS_SEPC(a0)
    csrw    sepc, t0
    ld      ra, REGS_X(1)(a0)
    ld      sp, REGS_X(2)(a0)
    ld      tp, REGS_X(4)(a0)
    ld      t0, REGS_X(5)(a0)
    ld      t1, REGS_X(6)(a0)
    ld      t2, REGS_X(7)(a0)
    ld      a1, REGS_X(11)(a0)
    ld      a2, REGS_X(12)(a0)
    ld      a3, REGS_X(13)(a0)
    ld      a4, REGS_X(14)(a0)
    ld      a5, REGS_X(15)(a0)
    ld      a6, REGS_X(16)(a0)
    ld      a7, REGS_X(17)(a0)
    ld      t3, REGS_X(28)(a0)
    ld      t4, REGS_X(29)(a0)
    ld      t5, REGS_X(30)(a0)
    ld      t6, REGS_X(31)(a0)
    ld      a0, REGS_X(10)(a0)
    sret

hs_trap:
    ld      t0, ARCH_PCPU_SCRATCH(tp)
    addi    sp, sp, -REGS_SIZE
    SAVE_CALLER_SAVED sp
    SAVE_PRESERVED sp
    sd      t0, REGS_X(5)(sp)
    sd      tp, REGS_X(4)(sp)
    addi    t0, sp, REGS_SIZE
    sd      t0, REGS_X(2)(sp)
    csrr    t0, sepc
    sd      t0, REGS_SEPC(sp)
    csrr    t0, sstatus
    sd      t0, REGS_SSTATUS(sp)
    mv      a0, sp
    call    arch_hs_trap            /* returns only after a fixup set sepc */
    ld      ra, REGS_X(1)(sp)
    ld      gp, REGS_X(3)(sp)
    ld      t0, REGS_X(5)(sp)
    ld      t1, REGS_X(6)(sp)
    ld      t2, REGS_X(7)(sp)
    ld      s0, REGS_X(8)(sp)
    ld      s1, REGS_X(9)(sp)
    ld      a0, REGS_X(10)(sp)
    ld      a1, REGS_X(11)(sp)
    ld      a2, REGS_X(12)(sp)
    ld      a3, REGS_X(13)(sp)
    ld      a4, REGS_X(14)(sp)
    ld      a5, REGS_X(15)(sp)
    ld      a6, REGS_X(16)(sp)
    ld      a7, REGS_X(17)(sp)
    ld      s2, REGS_X(18)(sp)
    ld      s3, REGS_X(19)(sp)
    ld      s4, REGS_X(20)(sp)
    ld      s5, REGS_X(21)(sp)
    ld      s6, REGS_X(22)(sp)
    ld      s7, REGS_X(23)(sp)
    ld      s8, REGS_X(24)(sp)
    ld      s9, REGS_X(25)(sp)
    ld      s10, REGS_X(26)(sp)
    ld      s11, REGS_X(27)(sp)
    ld      t3, REGS_X(28)(sp)
    ld      t4, REGS_X(29)(sp)
    ld      t5, REGS_X(30)(sp)
    ld      t6, REGS_X(31)(sp)
    addi    sp, sp, REGS_SIZE
    sret
