/*
 * A guest VM (VM 1 of configs/two_vms.c, next to hc_observer as VM 0) tries every
 * management hypercall: each is refused with SBI_ERR_DENIED and leaves its buffers alone;
 * only SYSTEM_GET_VERSION and VMM_GET_MY_ID answer (its id is 1).  A wrong answer to
 * SYSTEM_SHUTDOWN or SYSTEM_REBOOT would end the machine, so the case would fail.
 */
#include "hc_test.h"

#define POISON 0xa5
#define BAD_FN 99

static struct shyper_vm_spec spec;
static u8 buffer[4096] __aligned(4096);

struct denied_call {
    const char *name;
    unsigned long group, fn, a0, a1, a2;
};

static bool buffer_untouched(void)
{
    for (u32 i = 0; i < sizeof(buffer); i++)
        if (buffer[i] != POISON)
            return false;
    return true;
}

int main(unsigned long hartid, unsigned long dtb)
{
    const unsigned long buf = (unsigned long)buffer;
    const struct denied_call calls[] = {
        {"denied-system-info", SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_GET_INFO, buf,
         sizeof(struct shyper_system_info), 0},
        {"denied-vmm-list", SHYPER_GROUP_VMM, SHYPER_VMM_LIST, buf, sizeof(buffer), 0},
        {"denied-vmm-info", SHYPER_GROUP_VMM, SHYPER_VMM_GET_INFO, 0, buf,
         sizeof(struct shyper_vm_info)},
        {"denied-vmm-info-self", SHYPER_GROUP_VMM, SHYPER_VMM_GET_INFO, 1, buf,
         sizeof(struct shyper_vm_info)},
        {"denied-vmm-boot", SHYPER_GROUP_VMM, SHYPER_VMM_BOOT, 1, 0, 0},
        {"denied-vmm-shutdown", SHYPER_GROUP_VMM, SHYPER_VMM_SHUTDOWN, 0, 0, 0},
        {"denied-vmm-reboot", SHYPER_GROUP_VMM, SHYPER_VMM_REBOOT, 0, 0, 0},
        {"denied-vmm-remove", SHYPER_GROUP_VMM, SHYPER_VMM_REMOVE, 0, 0, 0},
        {"denied-vmm-stats", SHYPER_GROUP_VMM, SHYPER_VMM_GET_STATS, 0, buf,
         sizeof(struct shyper_vm_stats)},
        {"denied-config-create", SHYPER_GROUP_CONFIG, SHYPER_CONFIG_CREATE, (unsigned long)&spec,
         sizeof(spec), 0},
        {"denied-config-load", SHYPER_GROUP_CONFIG, SHYPER_CONFIG_LOAD, 0, SHYPER_IMAGE_KERNEL, 0},
        {"denied-notify-register", SHYPER_GROUP_NOTIFY, SHYPER_NOTIFY_REGISTER, buf, sizeof(buffer),
         0},
        {"denied-system-reboot", SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_REBOOT, 0, 0, 0},
        {"denied-system-shutdown", SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_SHUTDOWN, 0, 0, 0},
    };

    (void)hartid;
    (void)dtb;
    memset(buffer, POISON, sizeof(buffer));
    child_spec(&spec, "sneaky", BIT(1), MIB(4), 4096);
    CHECK_EQ(hc(SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_GET_VERSION, 0, 0, 0, 0, 0).value,
             SHYPER_ABI_VERSION, "denied-version-answers");
    CHECK_EQ(hc(SHYPER_GROUP_VMM, SHYPER_VMM_GET_MY_ID, 0, 0, 0, 0, 0).value, 1,
             "denied-my-id-is-1");
    CHECK_EQ(sbi_probe(SHYPER_EID(SHYPER_GROUP_VMM)).value, 1, "denied-group-probes-present");
    CHECK_EQ(hc(SHYPER_GROUP_VMM, BAD_FN, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED,
             "denied-unknown-function-not-supported");
    for (u32 i = 0; i < ARRAY_SIZE(calls); i++) {
        const struct denied_call *c = &calls[i];
        struct sbiret r = hc(c->group, c->fn, c->a0, c->a1, c->a2, 0, buf);
        check(r.error == SBI_ERR_DENIED && buffer_untouched(), c->name, "error %ld", r.error);
    }
    return 0;
}
