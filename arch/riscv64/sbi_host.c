/* Calls from the hypervisor to the SBI firmware below it (see sbi.h). */
#include <arch/sbi.h>
#include <kernel/log.h>

struct sbiret sbi_ecall(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2, unsigned long a3)
{
    register unsigned long r0 __asm__("a0") = a0;
    register unsigned long r1 __asm__("a1") = a1;
    register unsigned long r2 __asm__("a2") = a2;
    register unsigned long r3 __asm__("a3") = a3;
    register unsigned long r6 __asm__("a6") = fid;
    register unsigned long r7 __asm__("a7") = eid;

    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r6), "r"(r7) : "memory");
    return (struct sbiret){.error = (long)r0, .value = (long)r1};
}

long sbi_hart_start(unsigned long hartid, unsigned long addr, unsigned long opaque)
{
    return sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, addr, opaque, 0).error;
}

long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base)
{
    return sbi_ecall(SBI_EXT_IPI, 0, hart_mask, hart_mask_base, 0, 0).error;
}

void sbi_set_timer(u64 deadline)
{
    sbi_ecall(SBI_EXT_TIME, 0, deadline, 0, 0, 0);
}

void sbi_system_reset(u32 type, u32 reason)
{
    sbi_ecall(SBI_EXT_SRST, SBI_SRST_RESET, type, reason, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void sbi_dbcn_putc(char c)
{
    sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE, (u8)c, 0, 0, 0);
}

bool sbi_probe(unsigned long eid)
{
    struct sbiret r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, eid, 0, 0, 0);
    return r.error == SBI_SUCCESS && r.value != 0;
}
