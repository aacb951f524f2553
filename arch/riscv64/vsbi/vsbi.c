/* Guest SBI dispatch (see vsbi.h). */
#include <arch/csr.h>
#include <arch/vsbi.h>
#include <vmm/vcpu.h>

#define SBI_ECALL_LEN 4

static const struct vsbi_extension *const extensions[] = {
    &vsbi_ext_base, &vsbi_ext_time, &vsbi_ext_ipi,    &vsbi_ext_rfence,    &vsbi_ext_hsm,
    &vsbi_ext_srst, &vsbi_ext_dbcn, &vsbi_ext_legacy, &vsbi_ext_hypercall,
};

/* Inlined into vsbi_handle(): every guest SBI call goes through it. */
static inline const struct vsbi_extension *find_extension(struct vcpu *vcpu, unsigned long eid)
{
    for (u32 i = 0; i < ARRAY_SIZE(extensions); i++) {
        const struct vsbi_extension *ext = extensions[i];
        if (eid >= ext->eid_min && eid <= ext->eid_max)
            return (!ext->available || ext->available(vcpu, eid)) ? ext : NULL;
    }
    return NULL;
}

const struct vsbi_extension *vsbi_find(struct vcpu *vcpu, unsigned long eid)
{
    return find_extension(vcpu, eid);
}

void vsbi_handle(struct vcpu *vcpu)
{
    struct guest_regs *regs = &vcpu->arch.regs;
    struct vsbi_call call = {
        .eid = regs->x[REG_A7],
        .fid = regs->x[REG_A6],
        .args = &regs->x[REG_A0],
    };
    struct sbiret ret = {.error = SBI_ERR_NOT_SUPPORTED, .value = 0};
    const struct vsbi_extension *ext = find_extension(vcpu, call.eid);

    if (ext && ext->handler(vcpu, &call, &ret) == VSBI_NO_RETURN)
        return;
    regs->x[REG_A0] = ret.error;
    regs->x[REG_A1] = ret.value;
    regs->sepc += SBI_ECALL_LEN;
}
