/*
 * The SBI a guest sees.  One file per extension (arch/riscv64/vsbi/vsbi_*.c) defines a
 * struct vsbi_extension; vsbi.c holds the table and dispatches on the EID in a7, and
 * vsbi_hart_mask.c decodes hart masks.
 * Unknown extensions and functions return SBI_ERR_NOT_SUPPORTED.
 */
#ifndef ARCH_VSBI_H
#define ARCH_VSBI_H

#include <arch/regs.h>
#include <arch/sbi.h>
#include <kernel/types.h>

struct vcpu;

/*
 * The error of the sbiret a handler returns when it stopped, reset or suspended the vCPU:
 * its registers are then left as they are, and the guest does not continue after the
 * ecall.  Not an SBI error code (those are small and negative, and a legacy getchar
 * returns -1 to 255), so it never reaches a guest; -2048 is compared in one instruction.
 */
#define VSBI_ERR_NO_RETURN (-2048L)

/*
 * An extension's handler.  eid and fid are the guest's a7 and a6, args its a0..a5, read
 * in place from the vCPU's saved registers.  It returns what the guest finds in a0 (error)
 * and a1 (value) when it continues after the ecall, or vsbi_no_return().  Returned in
 * registers, so that the common call needs no memory beyond the vCPU's frame.
 */
typedef struct sbiret vsbi_handler_fn(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                      const u64 *args);

struct vsbi_extension {
    unsigned long eid_min, eid_max;
    const char *name;
    /* Optional: whether eid is offered to this vCPU's VM (default: the whole range). */
    bool (*available)(struct vcpu *vcpu, unsigned long eid);
    vsbi_handler_fn *handler;
};

/* What handlers return. */
static inline struct sbiret vsbi_success(long value)
{
    return (struct sbiret){.error = SBI_SUCCESS, .value = value};
}

static inline struct sbiret vsbi_error(long error)
{
    return (struct sbiret){.error = error, .value = 0};
}

static inline struct sbiret vsbi_no_return(void)
{
    return vsbi_error(VSBI_ERR_NO_RETURN);
}

extern const struct vsbi_extension vsbi_ext_base, vsbi_ext_time, vsbi_ext_ipi, vsbi_ext_rfence,
    vsbi_ext_hsm, vsbi_ext_srst, vsbi_ext_dbcn, vsbi_ext_legacy, vsbi_ext_hypercall;

/*
 * The fast path of an ecall from VS-mode (arch_guest_trap_fast(), see regs.h): handles the
 * SBI call the vCPU just made (sepc points at the ecall) and returns how to resume it.
 * Every SBI call is handled here; no handler uses gp, s0-s11 or hstatus.
 */
struct fast_exit vsbi_exit_fast(struct vcpu *vcpu);
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
