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

static enum vsbi_result hsm_start(struct vcpu *vcpu, const struct vsbi_call *call,
                                  struct sbiret *ret)
{
    struct vm *vm = vcpu->vm;
    u64 hartid = call->args[0];

    if (hartid >= vm->nr_vcpus) {
        ret->error = SBI_ERR_INVALID_PARAM;
    } else if (!valid_entry(vm, call->args[1])) {
        ret->error = SBI_ERR_INVALID_ADDRESS;
    } else {
        int err = vcpu_hsm_start(&vm->vcpus[hartid], call->args[1], call->args[2]);
        ret->error = err == -EALREADY ? SBI_ERR_ALREADY_AVAILABLE : SBI_SUCCESS;
    }
    return VSBI_RETURN;
}

static enum vsbi_result hsm_suspend(struct vcpu *vcpu, const struct vsbi_call *call,
                                    struct sbiret *ret)
{
    u64 type = call->args[0] & 0xffffffffUL;

    if (type == SBI_HSM_SUSPEND_RETENTIVE) {
        vcpu_hsm_suspend(vcpu, true, 0, 0);
        ret->error = SBI_SUCCESS;
        return VSBI_RETURN;
    }
    if (type == SBI_HSM_SUSPEND_NON_RETENTIVE) {
        if (!valid_entry(vcpu->vm, call->args[1])) {
            ret->error = SBI_ERR_INVALID_ADDRESS;
            return VSBI_RETURN;
        }
        vcpu_hsm_suspend(vcpu, false, call->args[1], call->args[2]);
        return VSBI_NO_RETURN;
    }
    ret->error = SBI_ERR_INVALID_PARAM; /* reserved, or platform-specific and not implemented */
    return VSBI_RETURN;
}

static enum vsbi_result hsm_handler(struct vcpu *vcpu, const struct vsbi_call *call,
                                    struct sbiret *ret)
{
    struct vm *vm = vcpu->vm;

    switch (call->fid) {
    case SBI_HSM_HART_START:
        return hsm_start(vcpu, call, ret);
    case SBI_HSM_HART_STOP:
        vcpu_hsm_stop(vcpu);
        return VSBI_NO_RETURN;
    case SBI_HSM_HART_GET_STATUS:
        if (call->args[0] >= vm->nr_vcpus) {
            ret->error = SBI_ERR_INVALID_PARAM;
        } else {
            ret->error = SBI_SUCCESS;
            ret->value = vcpu_hsm_status(&vm->vcpus[call->args[0]]);
        }
        return VSBI_RETURN;
    case SBI_HSM_HART_SUSPEND:
        return hsm_suspend(vcpu, call, ret);
    default:
        return VSBI_RETURN;
    }
}

const struct vsbi_extension vsbi_ext_hsm = {
    .eid_min = SBI_EXT_HSM,
    .eid_max = SBI_EXT_HSM,
    .name = "hsm",
    .handler = hsm_handler,
};
