/* SBI IPI extension: send_ipi raises the supervisor software interrupt of vCPUs. */
#include <arch/vsbi.h>
#include <vmm/vm.h>

#define SBI_IPI_SEND_IPI 0

static struct sbiret ipi_handler(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                 const u64 *args)
{
    struct vm *vm = vcpu->vm;
    u64 targets;

    (void)eid;
    if (fid != SBI_IPI_SEND_IPI)
        return vsbi_error(SBI_ERR_NOT_SUPPORTED);
    long err = vsbi_hart_mask_to_vcpus(args[0], args[1], vm->nr_vcpus, &targets);
    if (err)
        return vsbi_error(err);
    for (u32 i = 0; i < vm->nr_vcpus; i++)
        if (targets & BIT(i))
            vcpu_raise_irq(&vm->vcpus[i], VCPU_IRQ_SOFT);
    return vsbi_success(0);
}

const struct vsbi_extension vsbi_ext_ipi = {
    .eid_min = SBI_EXT_IPI,
    .eid_max = SBI_EXT_IPI,
    .name = "ipi",
    .handler = ipi_handler,
};
