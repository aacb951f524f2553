/*
 * int guest_fetch_u16(u64 va, u16 *out): HLVX.HU with the guest's translation.  If the
 * guest cannot fetch from va the load faults in HS-mode; arch_hs_trap() finds this
 * instruction in the fixup table and resumes at the fixup, which returns -EFAULT.
 */
#include <kernel/errno.h>

    .text
    .global guest_fetch_u16
guest_fetch_u16:
    .option push
    .option arch, +h
1:  hlvx.hu t0, (a0)
    .option pop
    sh      t0, 0(a1)
    li      a0, 0
    ret
2:  li      a0, -EFAULT
    ret

    .section .rodata.fixup, "a"
    .balign 8
    .dword  1b, 2b
