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

static struct sbiret srst_handler(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                  const u64 *args)
{
    u64 type = args[0] & 0xffffffffUL, reason = args[1] & 0xffffffffUL;

    (void)eid;
    if (fid != SBI_SRST_RESET)
        return vsbi_error(SBI_ERR_NOT_SUPPORTED);
    if (!valid_type(type) || !valid_reason(reason))
        return vsbi_error(SBI_ERR_INVALID_PARAM);
    if (type == SBI_SRST_TYPE_SHUTDOWN)
        vm_power_off(vcpu->vm, reason == SBI_SRST_REASON_SYSFAIL);
    else
        vm_reboot(vcpu->vm);
    return vsbi_no_return();
}

const struct vsbi_extension vsbi_ext_srst = {
    .eid_min = SBI_EXT_SRST,
    .eid_max = SBI_EXT_SRST,
    .name = "srst",
    .handler = srst_handler,
};
