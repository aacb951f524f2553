/* SBI BASE extension (EID 0x10): versions, ids and probing. */
#include <arch/vsbi.h>

/* Implementation id: not assigned by the SBI spec; 0x5348 is "SH". */
#define SHYPER_SBI_IMPL_ID      0x5348
#define SHYPER_SBI_IMPL_VERSION 0x00010000 /* 1.0 */

static enum vsbi_result base_handler(struct vcpu *vcpu, const struct vsbi_call *call,
                                     struct sbiret *ret)
{
    ret->error = SBI_SUCCESS;
    switch (call->fid) {
    case SBI_BASE_GET_SPEC_VERSION:
        ret->value = SBI_SPEC_VERSION_2_0;
        break;
    case SBI_BASE_GET_IMPL_ID:
        ret->value = SHYPER_SBI_IMPL_ID;
        break;
    case SBI_BASE_GET_IMPL_VERSION:
        ret->value = SHYPER_SBI_IMPL_VERSION;
        break;
    case SBI_BASE_PROBE_EXT:
        ret->value = vsbi_find(vcpu, call->args[0]) != NULL;
        break;
    case SBI_BASE_GET_MVENDORID:
    case SBI_BASE_GET_MARCHID:
    case SBI_BASE_GET_MIMPID:
        ret->value = 0; /* a virtual machine: no vendor, architecture or implementation id */
        break;
    default:
        ret->error = SBI_ERR_NOT_SUPPORTED;
    }
    return VSBI_RETURN;
}

const struct vsbi_extension vsbi_ext_base = {
    .eid_min = SBI_EXT_BASE,
    .eid_max = SBI_EXT_BASE,
    .name = "base",
    .handler = base_handler,
};
