/* SBI TIME extension: set_timer.  With Sstc it writes the guest's vstimecmp directly. */
#include <arch/vsbi.h>
#include <vmm/vcpu.h>

#define SBI_TIME_SET_TIMER 0

static struct sbiret time_handler(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                  const u64 *args)
{
    (void)eid;
    if (fid != SBI_TIME_SET_TIMER)
        return vsbi_error(SBI_ERR_NOT_SUPPORTED);
    vcpu_set_timer(vcpu, args[0]);
    return vsbi_success(0);
}

const struct vsbi_extension vsbi_ext_time = {
    .eid_min = SBI_EXT_TIME,
    .eid_max = SBI_EXT_TIME,
    .name = "time",
    .handler = time_handler,
};
