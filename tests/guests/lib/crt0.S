/*
 * Test-guest entry.  vCPU 0 enters at _start (a0 = hart id, a1 = device tree), clears
 * .bss and calls main(); harts started through SBI HSM enter at guest_secondary_entry
 * (a0 = hart id, a1 = opaque) and call guest_secondary_main().  Each hart has 16 KiB of
 * stack.  The trap vector saves every register and calls guest_trap().
 */
#define STACK_SIZE 16384
#define FRAME_SIZE (34 * 8)

    .section .text.entry, "ax"
    .global _start
_start:
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  call    set_hart_stack
    la      t0, guest_trap_vector
    csrw    stvec, t0
    li      t0, 0x6000              /* sstatus.FS = Dirty: FP usable */
    csrs    sstatus, t0
    call    guest_main_entry
3:  wfi
    j       3b

    .global guest_secondary_entry
guest_secondary_entry:
    call    set_hart_stack
    la      t0, guest_trap_vector
    csrw    stvec, t0
    li      t0, 0x6000
    csrs    sstatus, t0
    call    guest_secondary_main
4:  wfi
    j       4b

/* sp = top of the stack of hart a0; preserves a0/a1 */
set_hart_stack:
    la      sp, __stacks_start
    li      t0, STACK_SIZE
    addi    t1, a0, 1
    mul     t0, t0, t1
    add     sp, sp, t0
    ret

    .text
    .balign 4
    .global guest_trap_vector
guest_trap_vector:
    addi    sp, sp, -FRAME_SIZE
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\n, (\n * 8)(sp)
    .endr
    addi    t0, sp, FRAME_SIZE
    sd      t0, 16(sp)
    csrr    t0, sepc
    sd      t0, 256(sp)
    csrr    t0, scause
    sd      t0, 264(sp)
    mv      a0, sp
    call    guest_trap
    ld      t0, 256(sp)
    csrw    sepc, t0
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\n, (\n * 8)(sp)
    .endr
    addi    sp, sp, FRAME_SIZE
    sret
