/* SBI BASE extension (EID 0x10): versions, ids and probing. */
#include <arch/vsbi.h>

/* Implementation id: not assigned by the SBI spec; 0x5348 is "SH". */
#define SHYPER_SBI_IMPL_ID      0x5348
#define SHYPER_SBI_IMPL_VERSION 0x00010000 /* 1.0 */

static struct sbiret base_handler(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                  const u64 *args)
{
    (void)eid;
    switch (fid) {
    case SBI_BASE_GET_SPEC_VERSION:
        return vsbi_success(SBI_SPEC_VERSION_2_0);
    case SBI_BASE_GET_IMPL_ID:
        return vsbi_success(SHYPER_SBI_IMPL_ID);
    case SBI_BASE_GET_IMPL_VERSION:
        return vsbi_success(SHYPER_SBI_IMPL_VERSION);
    case SBI_BASE_PROBE_EXT:
        return vsbi_success(vsbi_find(vcpu, args[0]) != NULL);
    case SBI_BASE_GET_MVENDORID:
    case SBI_BASE_GET_MARCHID:
    case SBI_BASE_GET_MIMPID:
        /* A virtual machine: no vendor, architecture or implementation id. */
        return vsbi_success(0);
    default:
        return vsbi_error(SBI_ERR_NOT_SUPPORTED);
    }
}

const struct vsbi_extension vsbi_ext_base = {
    .eid_min = SBI_EXT_BASE,
    .eid_max = SBI_EXT_BASE,
    .name = "base",
    .handler = base_handler,
};
