/* Per-hart CSR setup and power control. */
#include <arch/csr.h>
#include <arch/hooks.h>
#include <arch/sbi.h>
#include <kernel/pcpu.h>
#include <kernel/platform.h>

/* Exceptions a guest handles itself: they never reach the hypervisor. */
#define HEDELEG_GUEST                                                                              \
    (BIT(EXC_INST_MISALIGNED) | BIT(EXC_ILLEGAL_INST) | BIT(EXC_BREAKPOINT) | BIT(EXC_ECALL_U) |   \
     BIT(EXC_INST_PAGE_FAULT) | BIT(EXC_LOAD_PAGE_FAULT) | BIT(EXC_STORE_PAGE_FAULT))
/* VS-level interrupts are the guest's own. */
#define HIDELEG_GUEST (MIP_VSSIP | MIP_VSTIP | MIP_VSEIP)

extern char trap_entry[];
extern char secondary_entry[];

void arch_cpu_init(void)
{
    struct pcpu *p = this_pcpu();

    csr_write(sscratch, p);
    csr_write(stvec, trap_entry);
    csr_write(hedeleg, HEDELEG_GUEST);
    csr_write(hideleg, HIDELEG_GUEST);
    csr_write(hvip, 0);
    csr_write(hcounteren, COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR);
    csr_write(htimedelta, 0);
    csr_write(hgatp, 0);
    /* Hypervisor interrupts.  The VS enables in hie are the loaded guest's vsie (an alias):
     * WFI in HS wakes for what that guest enabled.  None while no guest is loaded: an
     * idle hart would otherwise never sleep (e.g. on VSTIP, which vstimecmp = 0 raises). */
    csr_write(sie, MIP_SSIP | MIP_STIP | MIP_SEIP);
    csr_write(hie, 0);
    arch_timer_set(~0UL);
}

bool arch_start_hart(u32 hartid)
{
    return sbi_hart_start(hartid, (unsigned long)secondary_entry, 0) == SBI_SUCCESS;
}

void arch_system_off(bool reboot)
{
    sbi_system_reset(reboot ? SBI_SRST_TYPE_COLD_REBOOT : SBI_SRST_TYPE_SHUTDOWN,
                     SBI_SRST_REASON_NONE);
}

void arch_flush_vm_tlb(u16 vmid)
{
    hfence_gvma_vmid(vmid);
}
