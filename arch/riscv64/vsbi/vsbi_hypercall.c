/*
 * Shyper's management hypercalls as an SBI extension: a7 = SHYPER_EID(group) in the
 * firmware-specific EID space, a6 = function, a0..a5 = arguments (include/shyper/
 * hypercall.h).  Only EIDs with the low 8 bits zero name a group; the work and the
 * privilege check are the core's (kernel/hypercall/), this file only translates.
 */
#include <arch/vsbi.h>
#include <kernel/hypercall.h>
#include <shyper/hypercall.h>
#include <vmm/vcpu.h>

#define GROUP_SHIFT    8
#define GROUP_LOW_BITS ((1UL << GROUP_SHIFT) - 1)

static const long sbi_errors[] = {
    [HC_OK] = SBI_SUCCESS,
    [HC_NOT_SUPPORTED] = SBI_ERR_NOT_SUPPORTED,
    [HC_DENIED] = SBI_ERR_DENIED,
    [HC_INVALID_PARAM] = SBI_ERR_INVALID_PARAM,
    [HC_INVALID_ADDRESS] = SBI_ERR_INVALID_ADDRESS,
    [HC_ALREADY_STARTED] = SBI_ERR_ALREADY_STARTED,
    [HC_ALREADY_STOPPED] = SBI_ERR_ALREADY_STOPPED,
    [HC_FAILED] = SBI_ERR_FAILED,
};

static u32 group_of(unsigned long eid)
{
    return (u32)((eid - SHYPER_EID_BASE) >> GROUP_SHIFT);
}

static bool available(struct vcpu *vcpu, unsigned long eid)
{
    (void)vcpu;
    return !(eid & GROUP_LOW_BITS) && hypercall_group_exists(group_of(eid));
}

static struct sbiret hypercall_handler(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                       const u64 *args)
{
    u64 value = 0;
    enum hc_result r = hypercall_dispatch(vcpu->vm, group_of(eid), fid, args, &value);

    return (struct sbiret){.error = sbi_errors[r], .value = (long)value};
}

const struct vsbi_extension vsbi_ext_hypercall = {
    .eid_min = SHYPER_EID_MIN,
    .eid_max = SHYPER_EID_MAX,
    .name = "shyper",
    .available = available,
    .handler = hypercall_handler,
};
