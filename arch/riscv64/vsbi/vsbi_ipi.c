/* SBI IPI extension: send_ipi raises the supervisor software interrupt of vCPUs. */
#include <arch/vsbi.h>
#include <vmm/vm.h>

#define SBI_IPI_SEND_IPI 0

static enum vsbi_result ipi_handler(struct vcpu *vcpu, const struct vsbi_call *call,
                                    struct sbiret *ret)
{
    struct vm *vm = vcpu->vm;
    u64 targets;

    if (call->fid != SBI_IPI_SEND_IPI)
        return VSBI_RETURN;
    ret->error = vsbi_hart_mask_to_vcpus(call->args[0], call->args[1], vm->nr_vcpus, &targets);
    if (ret->error)
        return VSBI_RETURN;
    for (u32 i = 0; i < vm->nr_vcpus; i++)
        if (targets & BIT(i))
            vcpu_raise_irq(&vm->vcpus[i], VCPU_IRQ_SOFT);
    return VSBI_RETURN;
}

const struct vsbi_extension vsbi_ext_ipi = {
    .eid_min = SBI_EXT_IPI,
    .eid_max = SBI_EXT_IPI,
    .name = "ipi",
    .handler = ipi_handler,
};
