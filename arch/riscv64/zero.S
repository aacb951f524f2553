/*
 * void arch_zero_blocks(void *p, u64 size, u64 block): clears [p, p + size) with
 * cbo.zero (Zicboz), one cache block per instruction, eight blocks per iteration.
 * p and size must be multiples of 8 * block; arch_mem_zero() in arch/riscv64/mem.c
 * handles the rest with stores.
 */
#define UNROLL 8

    .text
    .global arch_zero_blocks
arch_zero_blocks:
    .option push
    .option arch, +zicboz
    add     a1, a0, a1
1:  bgeu    a0, a1, 2f
    .rept UNROLL
    cbo.zero (a0)
    add     a0, a0, a2
    .endr
    j       1b
    .option pop
2:  ret

/*
 * bool arch_zero_probe(void *block): one cbo.zero on a scratch block.  Returns true if
 * the hart may use it; false if it trapped (firmware left menvcfg.CBZE clear), via the
 * fixup table.
 */
    .global arch_zero_probe
arch_zero_probe:
    .option push
    .option arch, +zicboz
1:  cbo.zero (a0)
    .option pop
    li      a0, 1
    ret
2:  li      a0, 0
    ret

    .section .rodata.fixup, "a"
    .balign 8
    .dword  1b, 2b
