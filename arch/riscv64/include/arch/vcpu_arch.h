/*
 * Architecture part of a vCPU: the trap frame plus the VS-level CSR state that is
 * switched when another vCPU runs on the same hart.
 */
#ifndef ARCH_VCPU_ARCH_H
#define ARCH_VCPU_ARCH_H

#include <arch/regs.h>
#include <kernel/types.h>

struct fp_state {
    u64 f[32];
    u64 fcsr;
};

struct arch_vcpu {
    struct guest_regs regs; /* must stay first: trap.S addresses it directly */
    /* VS CSRs, valid while the vCPU is not loaded on a hart */
    u64 vsstatus, vsie, vstvec, vsscratch, vsepc, vscause, vstval, vsatp;
    u64 hvip;
    u32 lines_delivered; /* vcpu->irq_lines as last written into hvip */
    u64 vstimecmp;
    /* Non-banked S-level CSRs the guest accesses directly */
    u64 scounteren, senvcfg;
    /* Per-VM configuration copied into every vCPU */
    u64 henvcfg, hcounteren;
    struct fp_state fp;
    bool fp_valid;  /* fp holds this vCPU's registers (saved at least once) */
    bool flush_tlb; /* flush guest TLB entries when next loaded (after a reset) */
};

#endif
