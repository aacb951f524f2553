/*
 * The SBI a guest sees.  One file per extension (arch/riscv64/vsbi/vsbi_*.c) defines a
 * struct vsbi_extension; vsbi.c holds the table and dispatches on the EID in a7, and
 * vsbi_hart_mask.c decodes hart masks.
 * Unknown extensions and functions return SBI_ERR_NOT_SUPPORTED.
 */
#ifndef ARCH_VSBI_H
#define ARCH_VSBI_H

#include <arch/sbi.h>
#include <kernel/types.h>

struct vcpu;

struct vsbi_call {
    unsigned long eid, fid;
    const u64 *args; /* a0..a5, read in place from the vCPU's saved registers */
};

enum vsbi_result {
    VSBI_RETURN,    /* write sbiret to a0/a1 and continue after the ecall */
    VSBI_NO_RETURN, /* the vCPU was stopped, reset or suspended: leave its registers */
};

struct vsbi_extension {
    unsigned long eid_min, eid_max;
    const char *name;
    /* Optional: whether eid is offered to this vCPU's VM (default: the whole range). */
    bool (*available)(struct vcpu *vcpu, unsigned long eid);
    enum vsbi_result (*handler)(struct vcpu *vcpu, const struct vsbi_call *call,
                                struct sbiret *ret);
};

extern const struct vsbi_extension vsbi_ext_base, vsbi_ext_time, vsbi_ext_ipi, vsbi_ext_rfence,
    vsbi_ext_hsm, vsbi_ext_srst, vsbi_ext_dbcn, vsbi_ext_legacy, vsbi_ext_hypercall;

/* Handles the ecall the vCPU just made (sepc points at it). */
void vsbi_handle(struct vcpu *vcpu);
/* The extension serving eid for this vCPU, or NULL. */
const struct vsbi_extension *vsbi_find(struct vcpu *vcpu, unsigned long eid);

/*
 * Translates an SBI hart mask (hart_mask, hart_mask_base; base -1 = all harts) into a
 * bitmap of the VM's vCPU ids.  Returns SBI_SUCCESS or SBI_ERR_INVALID_PARAM when the
 * mask names a hart the VM does not have.  Pure; unit-tested on the host.
 */
long vsbi_hart_mask_to_vcpus(unsigned long hart_mask, unsigned long hart_mask_base, u32 nr_vcpus,
                             u64 *vcpus);

#endif
