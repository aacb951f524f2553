/* Guest SBI dispatch (see vsbi.h). */
#include <arch/fast_exit.h>
#include <arch/vsbi.h>
#include <vmm/vcpu.h>

#define SBI_ECALL_LEN 4

static const struct vsbi_extension *const extensions[] = {
    &vsbi_ext_base, &vsbi_ext_time, &vsbi_ext_ipi,    &vsbi_ext_rfence,    &vsbi_ext_hsm,
    &vsbi_ext_srst, &vsbi_ext_dbcn, &vsbi_ext_legacy, &vsbi_ext_hypercall,
};

/* Inlined into vsbi_exit_fast(): every guest SBI call goes through it. */
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

struct fast_exit vsbi_exit_fast(struct vcpu *vcpu)
{
    struct guest_regs *regs = &vcpu->arch.regs;
    unsigned long eid = regs->x[REG_A7];

    vcpu->exits[EXIT_SBI]++;
    const struct vsbi_extension *ext = find_extension(vcpu, eid);
    struct sbiret ret = ext ? ext->handler(vcpu, eid, regs->x[REG_A6], &regs->x[REG_A0])
                            : vsbi_error(SBI_ERR_NOT_SUPPORTED);
    if (ret.error != VSBI_ERR_NO_RETURN) {
        regs->x[REG_A0] = ret.error;
        regs->x[REG_A1] = ret.value;
        regs->sepc += SBI_ECALL_LEN;
    }
    return fast_exit_handled(vcpu, true);
}
