/*
 * Loads, stores, AMOs and instruction fetches outside the VM's RAM and devices: every
 * boundary of QEMU virt's map, of the host's RAM and of this VM's own regions; the whole
 * host RAM (the firmware, the hypervisor, the other VMs) every SWEEP_STEP bytes; random
 * addresses over 32 bits, the host RAM, the 41-bit guest-physical space and all 64 bits.
 * Each one must raise exactly one access fault of its kind with stval = the address.
 */
#include "hostile/attack.h"

#define SWEEP_STEP      KIB(64)
#define RANDOM_ACCESSES 250000
#define NEAR_EDGE       KIB(64) /* random addresses this close to a boundary */
#define DOUBLEWORD      8

enum mem_fault {
    FAULT_LOAD = EXC_LOAD_ACCESS_FAULT,
    FAULT_STORE = EXC_STORE_ACCESS_FAULT, /* stores and AMOs */
    FAULT_FETCH = EXC_INST_ACCESS_FAULT,
};

struct mem_op {
    const char *name;
    u8 width;
    u8 fault;
    u64 (*load)(u64 addr);
    void (*store)(u64 addr, u64 value);
    u64 (*amo)(u64 addr, u64 value);
};

#define LOAD(fn, w)                                                                                \
    {                                                                                              \
#fn, w, FAULT_LOAD, probe_##fn, NULL, NULL                                                 \
    }
#define STORE(fn, w)                                                                               \
    {                                                                                              \
#fn, w, FAULT_STORE, NULL, probe_##fn, NULL                                                \
    }
#define AMO(fn, w)                                                                                 \
    {                                                                                              \
#fn, w, FAULT_STORE, NULL, NULL, probe_##fn                                                \
    }

static u64 fp_load_w(u64 addr)
{
    probe_flw(addr);
    return 0;
}

static u64 fp_load_d(u64 addr)
{
    probe_fld(addr);
    return 0;
}

static const struct mem_op ops[] = {
    LOAD(lb, 1),
    LOAD(lbu, 1),
    LOAD(lh, 2),
    LOAD(lhu, 2),
    LOAD(lw, 4),
    LOAD(lwu, 4),
    LOAD(ld, 8),
    LOAD(c_lw, 4),
    LOAD(lr_w, 4),
    LOAD(lr_d, 8),
    STORE(sb, 1),
    STORE(sh, 2),
    STORE(sw, 4),
    STORE(sd, 8),
    STORE(c_sw, 4),
    STORE(fsw, 4),
    STORE(fsd, 8),
    AMO(amoswap_w, 4),
    AMO(amoswap_d, 8),
    AMO(amoadd_w, 4),
    AMO(amoadd_d, 8),
    {"flw", 4, FAULT_LOAD, fp_load_w, NULL, NULL},
    {"fld", 8, FAULT_LOAD, fp_load_d, NULL, NULL},
};

static const struct mem_op op_ld = LOAD(ld, 8), op_sd = STORE(sd, 8);

/* One access: exactly one access fault of its kind at addr (aligned to its width). */
static void access(const struct mem_op *op, u64 addr)
{
    if (op->load)
        op->load(addr);
    else if (op->store)
        op->store(addr, rnd());
    else
        op->amo(addr, rnd());
    bool ok = took(op->fault, addr);
    tally(ATTACK_MEM, ok, "%s at 0x%lx", op->name, addr);
}

static void fetch(u64 addr)
{
    probe_fetch(addr);
    bool ok = took(FAULT_FETCH, addr);
    tally(ATTACK_MEM, ok, "fetch at 0x%lx", addr);
}

/* Every kind of access at addr (8-byte aligned, not this VM's). */
static void every_access(u64 addr)
{
    for (u32 i = 0; i < ARRAY_SIZE(ops); i++)
        access(&ops[i], addr);
    fetch(addr);
}

static void boundaries(void)
{
    const u64 edges[] = {
        0x0,           0x1000,
        0x100000,      0x101000,
        0x102000, /* mrom, test device, RTC */
        0x2000000,     0x2010000,
        0x3000000,     0x4000000,
        0x6000000, /* CLINT, PCI PIO, bus */
        0xc000000,     VPLIC_END,
        0x10000000,    0x10001000,
        0x10003000, /* PLIC, UART, virtio */
        0x10009000,    0x10100000,
        0x20000000,    0x24000000,
        0x28000000,    0x30000000, /* fw_cfg, flash, ECAM */
        0x40000000,    HOST_RAM,
        HYP_IMAGE,     HOSTILE_HOST_RAM_END,
        0x100000000UL, 0x400000000UL,
        1UL << 39,     1UL << 40,
        GPA_LIMIT,     1UL << 48,
        1UL << 56,     1UL << 62,
        1UL << 63,     HOSTILE_RAM0_BASE,
        RAM0_END,      HOSTILE_RAM1_BASE,
        RAM1_END,      ~0UL - PAGE_SIZE + 1,
    };
    const s64 offsets[] = {-(s64)PAGE_SIZE, -DOUBLEWORD, 0, DOUBLEWORD, PAGE_SIZE};

    for (u32 e = 0; e < ARRAY_SIZE(edges); e++) {
        for (u32 o = 0; o < ARRAY_SIZE(offsets); o++) {
            u64 addr = edges[e] + (u64)offsets[o];
            if (!is_own(addr, DOUBLEWORD) && !(edges[e] == 0 && offsets[o] < 0))
                every_access(addr);
        }
    }
}

/* The host's RAM: firmware, hypervisor image and heap, other VMs' RAM (host-physical
 * addresses are guest-physical ones here: stage 2 must not map them). */
static void host_ram_sweep(void)
{
    for (u64 base = HOST_RAM; base < HOSTILE_HOST_RAM_END; base += SWEEP_STEP) {
        u64 addr = base + ALIGN_DOWN(rnd_below(SWEEP_STEP), DOUBLEWORD);
        if (is_own(addr, DOUBLEWORD))
            continue;
        access(&op_ld, addr);
        access(&op_sd, addr);
        fetch(addr);
    }
}

static u64 random_address(void)
{
    static const u64 near[] = {0xc000000, 0x10000000, HOST_RAM,  HYP_IMAGE, HOSTILE_RAM0_BASE,
                               RAM0_END,  RAM1_END,   VPLIC_END, GPA_LIMIT, 0x100000000UL};

    switch (rnd_below(5)) {
    case 0:
        return rnd() & 0xffffffffUL;
    case 1:
        return HOST_RAM + rnd_below(HOSTILE_HOST_RAM_END - HOST_RAM);
    case 2:
        return rnd() & (GPA_LIMIT - 1);
    case 3:
        return rnd();
    default:
        return near[rnd_below(ARRAY_SIZE(near))] + rnd_below(2 * NEAR_EDGE) - NEAR_EDGE;
    }
}

static void random_accesses(void)
{
    for (u64 n = scaled(RANDOM_ACCESSES); n;) {
        u32 pick = (u32)rnd_below(ARRAY_SIZE(ops) + 1);
        u64 width = pick < ARRAY_SIZE(ops) ? ops[pick].width : 2;
        u64 addr = ALIGN_DOWN(random_address(), width);
        if (is_own(addr, width))
            continue;
        if (pick < ARRAY_SIZE(ops))
            access(&ops[pick], addr);
        else
            fetch(addr);
        n--;
    }
}

void attack_mem(void)
{
    boundaries();
    host_ram_sweep();
    random_accesses();
}
