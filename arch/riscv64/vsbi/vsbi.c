/* Guest SBI dispatch (see vsbi.h). */
#include <arch/csr.h>
#include <arch/vsbi.h>
#include <vmm/vcpu.h>

#define SBI_ECALL_LEN 4

static const struct vsbi_extension *const extensions[] = {
    &vsbi_ext_base, &vsbi_ext_time, &vsbi_ext_ipi,  &vsbi_ext_rfence,    &vsbi_ext_hsm,
    &vsbi_ext_srst, &vsbi_ext_dbcn, &vsbi_ext_legacy,
};

const struct vsbi_extension *vsbi_find(struct vcpu *vcpu, unsigned long eid)
{
    for (u32 i = 0; i < ARRAY_SIZE(extensions); i++) {
        const struct vsbi_extension *ext = extensions[i];
        if (eid >= ext->eid_min && eid <= ext->eid_max)
            return (!ext->available || ext->available(vcpu, eid)) ? ext : NULL;
    }
    return NULL;
}

void vsbi_handle(struct vcpu *vcpu)
{
    struct guest_regs *regs = &vcpu->arch.regs;
    struct vsbi_call call = {
        .eid = regs->x[REG_A7],
        .fid = regs->x[REG_A6],
        .args = {regs->x[REG_A0], regs->x[REG_A1], regs->x[REG_A2], regs->x[REG_A3],
                 regs->x[REG_A4], regs->x[REG_A5]},
    };
    struct sbiret ret = {.error = SBI_ERR_NOT_SUPPORTED, .value = 0};
    const struct vsbi_extension *ext = vsbi_find(vcpu, call.eid);

    if (ext && ext->handler(vcpu, &call, &ret) == VSBI_NO_RETURN)
        return;
    regs->x[REG_A0] = ret.error;
    regs->x[REG_A1] = ret.value;
    regs->sepc += SBI_ECALL_LEN;
}

long vsbi_hart_mask_to_vcpus(unsigned long hart_mask, unsigned long hart_mask_base, u32 nr_vcpus,
                             u64 *vcpus)
{
    u64 all = nr_vcpus >= 64 ? ~0UL : BIT(nr_vcpus) - 1;

    if (hart_mask_base == (unsigned long)-1) {
        *vcpus = all;
        return SBI_SUCCESS;
    }
    if (hart_mask_base >= nr_vcpus && hart_mask)
        return SBI_ERR_INVALID_PARAM;
    u64 mask = hart_mask_base >= 64 ? 0 : hart_mask << hart_mask_base;
    /* Bits shifted out past 63 or naming vCPUs past nr_vcpus are invalid harts. */
    if (hart_mask_base < 64 && hart_mask_base && (hart_mask >> (64 - hart_mask_base)))
        return SBI_ERR_INVALID_PARAM;
    if (mask & ~all)
        return SBI_ERR_INVALID_PARAM;
    *vcpus = mask;
    return SBI_SUCCESS;
}
