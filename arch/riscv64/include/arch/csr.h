/*
 * RISC-V CSR accessors and the bit fields the hypervisor uses (privileged spec 1.13,
 * H extension).  Only arch/riscv64 includes this header: core code knows no CSR names.
 */
#ifndef ARCH_CSR_H
#define ARCH_CSR_H

/* sstatus */
#define SSTATUS_SIE        (1UL << 1)
#define SSTATUS_SPIE       (1UL << 5)
#define SSTATUS_SPP        (1UL << 8)
#define SSTATUS_FS_SHIFT   13
#define SSTATUS_FS         (3UL << SSTATUS_FS_SHIFT)
#define SSTATUS_FS_OFF     (0UL << SSTATUS_FS_SHIFT)
#define SSTATUS_FS_INITIAL (1UL << SSTATUS_FS_SHIFT)
#define SSTATUS_FS_CLEAN   (2UL << SSTATUS_FS_SHIFT)
#define SSTATUS_FS_DIRTY   (3UL << SSTATUS_FS_SHIFT)
#define SSTATUS_SUM        (1UL << 18)
#define SSTATUS_MXR        (1UL << 19)
#define SSTATUS_SD         (1UL << 63)

/* hstatus */
#define HSTATUS_GVA        (1UL << 6)
#define HSTATUS_SPV        (1UL << 7)
#define HSTATUS_SPVP       (1UL << 8)
#define HSTATUS_HU         (1UL << 9)
#define HSTATUS_VTVM       (1UL << 20)
#define HSTATUS_VTW        (1UL << 21)
#define HSTATUS_VTSR       (1UL << 22)
#define HSTATUS_VSXL_SHIFT 32
#define HSTATUS_VSXL_64    (2UL << HSTATUS_VSXL_SHIFT)

/* Interrupt numbers (sip/sie/hvip/hideleg bit positions) */
#define IRQ_S_SOFT   1
#define IRQ_VS_SOFT  2
#define IRQ_S_TIMER  5
#define IRQ_VS_TIMER 6
#define IRQ_S_EXT    9
#define IRQ_VS_EXT   10
#define IRQ_S_GEXT   12
#define MIP_SSIP     (1UL << IRQ_S_SOFT)
#define MIP_VSSIP    (1UL << IRQ_VS_SOFT)
#define MIP_STIP     (1UL << IRQ_S_TIMER)
#define MIP_VSTIP    (1UL << IRQ_VS_TIMER)
#define MIP_SEIP     (1UL << IRQ_S_EXT)
#define MIP_VSEIP    (1UL << IRQ_VS_EXT)
#define HVIP_VS_MASK (MIP_VSSIP | MIP_VSTIP | MIP_VSEIP)

/* scause */
#define CAUSE_INTERRUPT            (1UL << 63)
#define EXC_INST_MISALIGNED        0
#define EXC_INST_ACCESS            1
#define EXC_ILLEGAL_INST           2
#define EXC_BREAKPOINT             3
#define EXC_LOAD_MISALIGNED        4
#define EXC_LOAD_ACCESS            5
#define EXC_STORE_MISALIGNED       6
#define EXC_STORE_ACCESS           7
#define EXC_ECALL_U                8
#define EXC_ECALL_S                9
#define EXC_ECALL_VS               10
#define EXC_INST_PAGE_FAULT        12
#define EXC_LOAD_PAGE_FAULT        13
#define EXC_STORE_PAGE_FAULT       15
#define EXC_INST_GUEST_PAGE_FAULT  20
#define EXC_LOAD_GUEST_PAGE_FAULT  21
#define EXC_VIRTUAL_INST           22
#define EXC_STORE_GUEST_PAGE_FAULT 23

/* henvcfg / senvcfg */
#define ENVCFG_FIOM  (1UL << 0)
#define ENVCFG_CBIE  (3UL << 4)
#define ENVCFG_CBCFE (1UL << 6)
#define ENVCFG_CBZE  (1UL << 7)
#define ENVCFG_ADUE  (1UL << 61)
#define ENVCFG_PBMTE (1UL << 62)
#define ENVCFG_STCE  (1UL << 63)

/* hcounteren / scounteren */
#define COUNTEREN_CY (1UL << 0)
#define COUNTEREN_TM (1UL << 1)
#define COUNTEREN_IR (1UL << 2)

/* hgatp */
#define HGATP_MODE_SV39X4 (8UL << 60)
#define HGATP_VMID_SHIFT  44
#define HGATP_VMID_MASK   0x3fffUL
#define HGATP_PPN_MASK    ((1UL << 44) - 1)

#ifndef __ASSEMBLY__

#define csr_read(csr)                                                                              \
    ({                                                                                             \
        unsigned long __v;                                                                         \
        __asm__ volatile(".option push\n.option arch, +h\ncsrr %0, " #csr "\n.option pop"          \
                         : "=r"(__v)                                                               \
                         :                                                                         \
                         : "memory");                                                              \
        __v;                                                                                       \
    })

#define csr_write(csr, val)                                                                        \
    ({                                                                                             \
        unsigned long __v = (unsigned long)(val);                                                  \
        __asm__ volatile(".option push\n.option arch, +h\ncsrw " #csr ", %0\n.option pop"          \
                         :                                                                         \
                         : "rK"(__v)                                                               \
                         : "memory");                                                              \
    })

#define csr_swap(csr, val)                                                                         \
    ({                                                                                             \
        unsigned long __v = (unsigned long)(val);                                                  \
        __asm__ volatile(".option push\n.option arch, +h\ncsrrw %0, " #csr ", %1\n.option pop"     \
                         : "=r"(__v)                                                               \
                         : "rK"(__v)                                                               \
                         : "memory");                                                              \
        __v;                                                                                       \
    })

#define csr_set(csr, val)                                                                          \
    ({                                                                                             \
        unsigned long __v = (unsigned long)(val);                                                  \
        __asm__ volatile(".option push\n.option arch, +h\ncsrs " #csr ", %0\n.option pop"          \
                         :                                                                         \
                         : "rK"(__v)                                                               \
                         : "memory");                                                              \
    })

#define csr_clear(csr, val)                                                                        \
    ({                                                                                             \
        unsigned long __v = (unsigned long)(val);                                                  \
        __asm__ volatile(".option push\n.option arch, +h\ncsrc " #csr ", %0\n.option pop"          \
                         :                                                                         \
                         : "rK"(__v)                                                               \
                         : "memory");                                                              \
    })

static inline void hfence_gvma_all(void)
{
    __asm__ volatile(".option push\n.option arch, +h\nhfence.gvma zero, zero\n.option pop" ::
                         : "memory");
}

static inline void hfence_gvma_vmid(unsigned long vmid)
{
    __asm__ volatile(".option push\n.option arch, +h\nhfence.gvma zero, %0\n.option pop" ::"r"(vmid)
                     : "memory");
}

/* Flushes VS-stage translations of the VMID currently in hgatp. */
static inline void hfence_vvma_all(void)
{
    __asm__ volatile(".option push\n.option arch, +h\nhfence.vvma zero, zero\n.option pop" ::
                         : "memory");
}

static inline void hfence_vvma_asid(unsigned long asid)
{
    __asm__ volatile(".option push\n.option arch, +h\nhfence.vvma zero, %0\n.option pop" ::"r"(asid)
                     : "memory");
}

static inline void hfence_vvma_va(unsigned long va)
{
    __asm__ volatile(".option push\n.option arch, +h\nhfence.vvma %0, zero\n.option pop" ::"r"(va)
                     : "memory");
}

static inline void fence_i(void)
{
    __asm__ volatile("fence.i" ::: "memory");
}

static inline void wfi(void)
{
    __asm__ volatile("wfi" ::: "memory");
}

#endif /* __ASSEMBLY__ */
#endif
