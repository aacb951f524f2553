/* Host timer: stimecmp when the hart has Sstc, SBI set_timer otherwise. */
#include <arch/csr.h>
#include <arch/hooks.h>
#include <arch/sbi.h>
#include <kernel/platform.h>
#include <kernel/time.h>

u64 time_now(void)
{
    return csr_read(time);
}

u64 time_freq(void)
{
    return platform.timebase_freq;
}

void arch_timer_set(u64 deadline)
{
    if (platform.has_sstc)
        csr_write(stimecmp, deadline);
    else
        sbi_set_timer(deadline);
}
