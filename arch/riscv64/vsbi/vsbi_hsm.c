/* SBI HSM extension: start, stop, status and suspend of a VM's vCPUs. */
#include <arch/vsbi.h>
#include <kernel/errno.h>
#include <vmm/vm.h>

#define SUSPEND_TYPE_RESERVED_MAX 0x0fffffffUL
#define SUSPEND_TYPE_PLATFORM_MIN 0x10000000UL

/* A start or resume address must be code the VM can fetch: inside its RAM. */
static bool valid_entry(struct vm *vm, u64 addr)
{
    return vm_gpa_to_hva(vm, addr, 2) != NULL;
}

static struct sbiret hsm_start(struct vcpu *vcpu, const u64 *args)
{
    struct vm *vm = vcpu->vm;
    u64 hartid = args[0];

    if (hartid >= vm->nr_vcpus)
        return vsbi_error(SBI_ERR_INVALID_PARAM);
    if (!valid_entry(vm, args[1]))
        return vsbi_error(SBI_ERR_INVALID_ADDRESS);
    if (vcpu_hsm_start(&vm->vcpus[hartid], args[1], args[2]) == -EALREADY)
        return vsbi_error(SBI_ERR_ALREADY_AVAILABLE);
    return vsbi_success(0);
}

static struct sbiret hsm_suspend(struct vcpu *vcpu, const u64 *args)
{
    u64 type = args[0] & 0xffffffffUL;

    if (type == SBI_HSM_SUSPEND_RETENTIVE) {
        vcpu_hsm_suspend(vcpu, true, 0, 0);
        return vsbi_success(0);
    }
    if (type == SBI_HSM_SUSPEND_NON_RETENTIVE) {
        if (!valid_entry(vcpu->vm, args[1]))
            return vsbi_error(SBI_ERR_INVALID_ADDRESS);
        vcpu_hsm_suspend(vcpu, false, args[1], args[2]);
        return vsbi_no_return();
    }
    /* Reserved, or platform-specific and not implemented. */
    return vsbi_error(SBI_ERR_INVALID_PARAM);
}

static struct sbiret hsm_handler(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                 const u64 *args)
{
    struct vm *vm = vcpu->vm;

    (void)eid;
    switch (fid) {
    case SBI_HSM_HART_START:
        return hsm_start(vcpu, args);
    case SBI_HSM_HART_STOP:
        vcpu_hsm_stop(vcpu);
        return vsbi_no_return();
    case SBI_HSM_HART_GET_STATUS:
        if (args[0] >= vm->nr_vcpus)
            return vsbi_error(SBI_ERR_INVALID_PARAM);
        return vsbi_success(vcpu_hsm_status(&vm->vcpus[args[0]]));
    case SBI_HSM_HART_SUSPEND:
        return hsm_suspend(vcpu, args);
    default:
        return vsbi_error(SBI_ERR_NOT_SUPPORTED);
    }
}

const struct vsbi_extension vsbi_ext_hsm = {
    .eid_min = SBI_EXT_HSM,
    .eid_max = SBI_EXT_HSM,
    .name = "hsm",
    .handler = hsm_handler,
};
