/*
 * SBI SRST extension: a guest's shutdown or reboot affects only its own VM.  VM 0 is
 * the management VM: its shutdown powers the machine off, its reboot resets it.
 */
#include <arch/vsbi.h>
#include <vmm/vm.h>

static bool valid_type(u64 type)
{
    return type <= SBI_SRST_TYPE_WARM_REBOOT;
}

static bool valid_reason(u64 reason)
{
    return reason <= SBI_SRST_REASON_SYSFAIL;
}

static enum vsbi_result srst_handler(struct vcpu *vcpu, const struct vsbi_call *call,
                                     struct sbiret *ret)
{
    u64 type = call->args[0] & 0xffffffffUL, reason = call->args[1] & 0xffffffffUL;

    if (call->fid != SBI_SRST_RESET)
        return VSBI_RETURN;
    if (!valid_type(type) || !valid_reason(reason)) {
        ret->error = SBI_ERR_INVALID_PARAM;
        return VSBI_RETURN;
    }
    if (type == SBI_SRST_TYPE_SHUTDOWN)
        vm_power_off(vcpu->vm, reason == SBI_SRST_REASON_SYSFAIL);
    else
        vm_reboot(vcpu->vm);
    return VSBI_NO_RETURN;
}

const struct vsbi_extension vsbi_ext_srst = {
    .eid_min = SBI_EXT_SRST,
    .eid_max = SBI_EXT_SRST,
    .name = "srst",
    .handler = srst_handler,
};
