/*
 * Violations the hypervisor answers by stopping the VM (docs/architecture.md, "What a
 * misbehaving guest gets"); the MVM checks the reason it is told.  Each function must
 * not return: if the VM survives, it says so and powers off with a failure.
 */
#include "hostile/attack.h"

#define SATP_MODE_SV39 (8UL << 60)
#define PTE_V          (1UL << 0)
#define PTE_R          (1UL << 1)
#define PTE_W          (1UL << 2)
#define PTE_X          (1UL << 3)
#define PTE_A          (1UL << 6)
#define PTE_D          (1UL << 7)
#define PTE_PPN_SHIFT  10
#define GIB_SHIFT      30
#define PTES           512
#define WALKED_VA      0x1000UL /* under the root entry that points at the vPLIC */

static u64 root_table[PTES] __aligned(PAGE_SIZE);

static void __noreturn survived(const char *what)
{
    check(false, "hostile-stopped", "the VM survived %s", what);
    test_finish();
}

/* The fault cannot be delivered: the trap handler itself is not mapped. */
void stop_handler(void)
{
    CSR_WRITE(stvec, HYP_IMAGE);
    probe_ld(0);
    survived("a fault with its trap handler at the hypervisor's address");
}

/* An FP load is no MMIO access the hypervisor can emulate. */
void stop_fp_mmio(void)
{
    probe_fld(HOSTILE_VPLIC_BASE);
    survived("an FP load from its vPLIC");
}

/* Nor is an AMO. */
void stop_amo_mmio(void)
{
    probe_amoswap_w(HOSTILE_VPLIC_BASE + 4, 0);
    survived("an AMO on its vPLIC");
}

static u64 pte(u64 pa, u64 flags)
{
    return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | flags;
}

/* Sv39 with RAM identity-mapped by a 1 GiB leaf and the first GiB's next-level table
 * "at" the vPLIC: a load there makes the page-table walk read the device. */
void stop_ptw_mmio(void)
{
    u64 ram_gib = ALIGN_DOWN(HOSTILE_RAM0_BASE, GIB(1));

    root_table[ram_gib >> GIB_SHIFT] = pte(ram_gib, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    root_table[WALKED_VA >> GIB_SHIFT] = pte(HOSTILE_VPLIC_BASE, PTE_V);
    CSR_WRITE(satp, SATP_MODE_SV39 | ((u64)root_table >> PAGE_SHIFT));
    __asm__ volatile("sfence.vma" ::: "memory");
    probe_ld(WALKED_VA);
    CSR_WRITE(satp, 0);
    survived("its page-table walk reading the vPLIC");
}
