/*
 * The machine, as described by the device tree OpenSBI hands over.  Nothing about the
 * board is hard-coded: harts, RAM, interrupt controller, UART and timebase come from here.
 */
#ifndef KERNEL_PLATFORM_H
#define KERNEL_PLATFORM_H

#include <kernel/pcpu.h>
#include <kernel/types.h>

#define PLATFORM_MAX_RESERVED 8
#define PLATFORM_ISA_MAX      512
#define PLATFORM_FDT_MAX      KIB(64)
#define PLATFORM_CBOZ_MAX     256

struct platform_region {
    paddr_t base;
    u64 size;
};

struct platform {
    u32 nr_harts;
    u64 hart_mask; /* bit n: hart n exists (and n < MAX_HARTS) */
    u32 boot_hart;
    u64 timebase_freq;
    paddr_t ram_base;
    u64 ram_size;
    struct platform_region reserved[PLATFORM_MAX_RESERVED];
    u32 nr_reserved;
    paddr_t plic_base;
    u64 plic_size;
    u32 plic_ndev;
    s32 plic_s_context[MAX_HARTS]; /* S-mode context of each hart, -1 if none */
    paddr_t uart_base;
    u64 uart_size;
    u32 uart_reg_shift;
    u32 uart_irq;
    bool has_sstc;
    u64 cboz_block_size;                   /* Zicboz cache-block size, 0 without Zicboz */
    char isa[PLATFORM_ISA_MAX];            /* riscv,isa of the boot hart */
    u8 fdt[PLATFORM_FDT_MAX] __aligned(8); /* copy of the host device tree */
};

extern struct platform platform;

/* Copies and parses the host device tree; returns 0 or a negative PLATFORM_E* code. */
int platform_init(const void *fdt, u32 boot_hart);
/* What a platform_init() error code means. */
const char *platform_error(int err);

enum platform_error {
    PLATFORM_EFDT = 1, /* not a valid device tree, or too large */
    PLATFORM_ECPUS,    /* no usable /cpus or timebase-frequency */
    PLATFORM_EMEMORY,  /* no memory node */
    PLATFORM_EPLIC,    /* no PLIC */
};

#endif
