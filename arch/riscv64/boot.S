/*
 * Entry from OpenSBI in HS-mode: a0 = hart id, a1 = device tree.  The first hart to
 * arrive is the boot hart: it clears .bss and runs boot_main(); the other harts are
 * started later through SBI HSM at secondary_entry with a1 = their hart id.
 */
#include <kernel/pcpu_layout.h>

    .section .text.entry, "ax"
    .global _start
_start:
    csrw    sie, zero
    li      t0, MAX_HARTS
    bgeu    a0, t0, park            /* hart ids past MAX_HARTS never run */
    /* sp = top of this hart's stack */
    la      sp, pcpu_stacks
    li      t0, PCPU_STACK_SIZE
    addi    t1, a0, 1
    mul     t0, t0, t1
    add     sp, sp, t0
    /* clear .bss (the stacks live outside it, see the linker script), 64 bytes at a time:
     * the linker script aligns its start and end to 64 */
    la      t0, __bss_start
    la      t1, __bss_end
    bgeu    t0, t1, 2f
1:  sd      zero, 0(t0)
    sd      zero, 8(t0)
    sd      zero, 16(t0)
    sd      zero, 24(t0)
    sd      zero, 32(t0)
    sd      zero, 40(t0)
    sd      zero, 48(t0)
    sd      zero, 56(t0)
    addi    t0, t0, 64
    bltu    t0, t1, 1b
2:  call    boot_main
    j       park

    .global secondary_entry
secondary_entry:
    csrw    sie, zero
    la      sp, pcpu_stacks
    li      t0, PCPU_STACK_SIZE
    addi    t1, a0, 1
    mul     t0, t0, t1
    add     sp, sp, t0
    call    secondary_main
park:
    wfi
    j       park

    .section .stacks, "aw", @nobits
    .balign 4096
    .global pcpu_stacks
pcpu_stacks:
    .space  MAX_HARTS * PCPU_STACK_SIZE
