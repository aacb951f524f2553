/*
 * Legacy SBI v0.1 calls a guest's early console and old kernels use: set_timer,
 * console_putchar, console_getchar and shutdown.  Legacy calls return only a0.
 */
#include <arch/vsbi.h>
#include <vmm/vm.h>
#include <vmm/vm_console.h>

static enum vsbi_result legacy_handler(struct vcpu *vcpu, const struct vsbi_call *call,
                                       struct sbiret *ret)
{
    char c;

    ret->value = (long)vcpu->arch.regs.x[REG_A1]; /* a1 is preserved */
    switch (call->eid) {
    case SBI_EXT_LEGACY_SET_TIMER:
        vcpu_set_timer(vcpu, call->args[0]);
        ret->error = 0;
        break;
    case SBI_EXT_LEGACY_PUTCHAR:
        c = (char)call->args[0];
        vm_console_write(vcpu->vm, &c, 1);
        ret->error = 0;
        break;
    case SBI_EXT_LEGACY_GETCHAR:
        ret->error = vm_console_getc(vcpu->vm);
        break;
    case SBI_EXT_LEGACY_SHUTDOWN:
        vm_power_off(vcpu->vm, false);
        return VSBI_NO_RETURN;
    }
    return VSBI_RETURN;
}

static bool legacy_available(struct vcpu *vcpu, unsigned long eid)
{
    (void)vcpu;
    return eid == SBI_EXT_LEGACY_SET_TIMER || eid == SBI_EXT_LEGACY_PUTCHAR ||
           eid == SBI_EXT_LEGACY_GETCHAR || eid == SBI_EXT_LEGACY_SHUTDOWN;
}

const struct vsbi_extension vsbi_ext_legacy = {
    .eid_min = SBI_EXT_LEGACY_SET_TIMER,
    .eid_max = SBI_EXT_LEGACY_SHUTDOWN,
    .name = "legacy",
    .available = legacy_available,
    .handler = legacy_handler,
};
