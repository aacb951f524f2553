/*
 * vCPU state on RISC-V: initial VS state, the switch of VS CSRs and FP registers
 * between vCPUs sharing a hart, and delivery of virtual interrupts through hvip.
 */
#include <arch/csr.h>
#include <arch/fast_exit.h>
#include <arch/hooks.h>
#include <kernel/platform.h>
#include <kernel/time.h>
#include <string.h>
#include <vmm/vcpu.h>
#include <vmm/vm.h>

/* Guest counters it may read directly: cycle, time, instret. */
#define GUEST_COUNTEREN (COUNTEREN_CY | COUNTEREN_TM | COUNTEREN_IR)

void fp_save(struct fp_state *fp);
void fp_restore(const struct fp_state *fp);

void arch_vcpu_init(struct vcpu *vcpu)
{
    struct arch_vcpu *a = &vcpu->arch;

    memset(a, 0, sizeof(*a));
    a->henvcfg = platform.has_sstc ? ENVCFG_STCE : 0;
    a->hcounteren = GUEST_COUNTEREN;
    a->vstimecmp = ~0UL;
}

void arch_vcpu_reset(struct vcpu *vcpu, u64 entry, u64 a0, u64 a1)
{
    struct arch_vcpu *a = &vcpu->arch;
    bool loaded = this_pcpu()->current == vcpu;

    memset(&a->regs, 0, sizeof(a->regs));
    a->regs.x[REG_A0] = a0;
    a->regs.x[REG_A1] = a1;
    a->regs.sepc = entry;
    /* Return to VS-mode (SPP=1, SPV=1) with interrupts off and FP usable. */
    a->regs.sstatus = SSTATUS_SPP | SSTATUS_FS_INITIAL;
    a->regs.hstatus = HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_VSXL_64 | HSTATUS_VTW;
    a->vsstatus = 0;
    a->vsie = a->vstvec = a->vsscratch = a->vsepc = a->vscause = a->vstval = a->vsatp = 0;
    a->hvip = 0;
    a->lines_delivered = 0;
    a->vstimecmp = ~0UL;
    /* As OpenSBI leaves it for a kernel booted natively: U-mode may read the counters. */
    a->scounteren = GUEST_COUNTEREN;
    a->senvcfg = 0;
    memset(&a->fp, 0, sizeof(a->fp));
    a->fp_valid = true;
    a->flush_tlb = true;
    vcpu->timer_deadline = ~0UL;
    __atomic_store_n(&vcpu->irq_edges, 0, __ATOMIC_RELAXED);
    if (loaded) {
        /* Reload the freshly reset state into the hart. */
        arch_vcpu_switch(NULL, vcpu);
    }
}

static void save_vs(struct arch_vcpu *a)
{
    a->vsstatus = csr_read(vsstatus);
    a->vsie = csr_read(vsie);
    a->vstvec = csr_read(vstvec);
    a->vsscratch = csr_read(vsscratch);
    a->vsepc = csr_read(vsepc);
    a->vscause = csr_read(vscause);
    a->vstval = csr_read(vstval);
    a->vsatp = csr_read(vsatp);
    a->hvip = csr_read(hvip);
    a->scounteren = csr_read(scounteren);
    a->senvcfg = csr_read(senvcfg);
    if (platform.has_sstc)
        a->vstimecmp = csr_read(vstimecmp);
    /* Lazy FP: only a guest that wrote FP registers since its last load is saved. */
    if ((a->regs.sstatus & SSTATUS_FS) == SSTATUS_FS_DIRTY) {
        fp_save(&a->fp);
        a->fp_valid = true;
        a->regs.sstatus = (a->regs.sstatus & ~SSTATUS_FS) | SSTATUS_FS_CLEAN;
    }
}

static void load_vs(struct arch_vcpu *a, u64 hgatp)
{
    csr_write(hgatp, hgatp);
    csr_write(vsstatus, a->vsstatus);
    csr_write(vsie, a->vsie);
    csr_write(vstvec, a->vstvec);
    csr_write(vsscratch, a->vsscratch);
    csr_write(vsepc, a->vsepc);
    csr_write(vscause, a->vscause);
    csr_write(vstval, a->vstval);
    csr_write(vsatp, a->vsatp);
    csr_write(hvip, a->hvip);
    csr_write(scounteren, a->scounteren);
    csr_write(senvcfg, a->senvcfg);
    csr_write(henvcfg, a->henvcfg);
    csr_write(hcounteren, a->hcounteren);
    if (platform.has_sstc)
        csr_write(vstimecmp, a->vstimecmp);
    if (a->fp_valid)
        fp_restore(&a->fp);
    /* TLB entries are tagged by VMID; a (re)started vCPU may inherit a reused VMID. */
    if (a->flush_tlb) {
        hfence_gvma_all();
        hfence_vvma_all();
        a->flush_tlb = false;
    }
}

void arch_vcpu_switch(struct vcpu *prev, struct vcpu *next)
{
    if (prev)
        save_vs(&prev->arch);
    if (!next) {
        /* No guest loaded: its interrupt enables (hie's alias) must not wake the idle hart. */
        csr_write(vsie, 0);
        return;
    }
    load_vs(&next->arch, stage2_hgatp(&next->vm->s2));
}

void arch_vcpu_prepare_entry(struct vcpu *vcpu)
{
    /* Usual case: nothing was raised and the level lines are as last delivered. */
    if (arch_vcpu_irqs_delivered(vcpu))
        return;
    u32 lines = __atomic_load_n(&vcpu->irq_lines, __ATOMIC_ACQUIRE);
    u32 edges = __atomic_exchange_n(&vcpu->irq_edges, 0, __ATOMIC_ACQUIRE);
    u64 hvip = csr_read(hvip) & MIP_VSSIP; /* the guest clears VSSIP itself */

    if (edges & BIT(VCPU_IRQ_SOFT))
        hvip |= MIP_VSSIP;
    if (lines & BIT(VCPU_IRQ_TIMER))
        hvip |= MIP_VSTIP;
    if (lines & BIT(VCPU_IRQ_EXT))
        hvip |= MIP_VSEIP;
    csr_write(hvip, hvip);
    vcpu->arch.lines_delivered = lines;
}

/* VS interrupt bits (hip positions 2/6/10) to the guest's S positions (1/5/9). */
static u64 vs_to_s(u64 vs_bits)
{
    return (vs_bits & HVIP_VS_MASK) >> 1;
}

bool arch_vcpu_irq_pending(struct vcpu *vcpu)
{
    u32 lines = __atomic_load_n(&vcpu->irq_lines, __ATOMIC_ACQUIRE);
    u32 edges = __atomic_load_n(&vcpu->irq_edges, __ATOMIC_ACQUIRE);
    bool loaded = this_pcpu()->current == vcpu;
    u64 pending = loaded ? csr_read(hip) : vcpu->arch.hvip;
    u64 enabled = loaded ? csr_read(vsie) : vcpu->arch.vsie;

    if (edges & BIT(VCPU_IRQ_SOFT))
        pending |= MIP_VSSIP;
    if (lines & BIT(VCPU_IRQ_TIMER))
        pending |= MIP_VSTIP;
    if (lines & BIT(VCPU_IRQ_EXT))
        pending |= MIP_VSEIP;
    if (!loaded && platform.has_sstc && vcpu->arch.vstimecmp <= time_now())
        pending |= MIP_VSTIP;
    return (vs_to_s(pending) & enabled) != 0;
}

u64 arch_vcpu_timer_deadline(struct vcpu *vcpu)
{
    return platform.has_sstc ? vcpu->arch.vstimecmp : vcpu->timer_deadline;
}

bool arch_vcpu_set_timer(struct vcpu *vcpu, u64 deadline)
{
    if (!platform.has_sstc)
        return false;
    csr_write(vstimecmp, deadline);
    vcpu->arch.vstimecmp = deadline;
    return true;
}
