/*
 * Legacy SBI v0.1 calls a guest's early console and old kernels use: set_timer,
 * console_putchar, console_getchar and shutdown.  Legacy calls return only a0.
 */
#include <arch/vsbi.h>
#include <vmm/vm.h>
#include <vmm/vm_console.h>

static struct sbiret legacy_handler(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                    const u64 *args)
{
    /* a0 is the result (0 unless stated otherwise), a1 is preserved. */
    struct sbiret ret = {.error = 0, .value = (long)args[1]};
    char c;

    (void)fid;
    switch (eid) {
    case SBI_EXT_LEGACY_SET_TIMER:
        vcpu_set_timer(vcpu, args[0]);
        break;
    case SBI_EXT_LEGACY_PUTCHAR:
        c = (char)args[0];
        vm_console_write(vcpu->vm, &c, 1);
        break;
    case SBI_EXT_LEGACY_GETCHAR:
        ret.error = vm_console_getc(vcpu->vm);
        break;
    case SBI_EXT_LEGACY_SHUTDOWN:
        vm_power_off(vcpu->vm, false);
        return vsbi_no_return();
    }
    return ret;
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
