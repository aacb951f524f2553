/* SBI TIME extension: set_timer.  With Sstc it writes the guest's vstimecmp directly. */
#include <arch/vsbi.h>
#include <vmm/vcpu.h>

#define SBI_TIME_SET_TIMER 0

static enum vsbi_result time_handler(struct vcpu *vcpu, const struct vsbi_call *call,
                                     struct sbiret *ret)
{
    if (call->fid != SBI_TIME_SET_TIMER)
        return VSBI_RETURN;
    vcpu_set_timer(vcpu, call->args[0]);
    ret->error = SBI_SUCCESS;
    return VSBI_RETURN;
}

const struct vsbi_extension vsbi_ext_time = {
    .eid_min = SBI_EXT_TIME,
    .eid_max = SBI_EXT_TIME,
    .name = "time",
    .handler = time_handler,
};
