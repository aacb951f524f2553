// FUZZ_SOURCES: vmm/vm_fdt.c kernel/platform.c kernel/lib/fdt_read.c
// FUZZ_LDLIBS: $(FUZZ_LIBFDT) -l:libfdt.a
/* The VM device-tree builder (vmm/vm_fdt.c) on a mutated host tree and fuzzed parameters.
 *
 * The host tree is the firmware's blob as platform_init() (kernel/platform.c) takes it at
 * boot: it must refuse it or parse it without crashing.  The parameters then cover what a
 * run-time VM's spec can ask for, and vm_fdt_build() on platform.fdt, as vm_fdt_install()
 * calls it, must return one of its documented errors or a tree
 * that fdt_check_full() accepts within the buffer, and that tree must be what vm_fdt.h
 * promises: one cpu node per vCPU with its interrupt controller, one memory node per
 * region, no ISA extension a VM does not get, the vPLIC's contexts naming existing phandles,
 * unique phandles, /chosen as asked, and no device directly under / or /soc whose registers
 * lie outside the VM's RAM, emulated devices and passthrough windows.  The host tree is
 * never written.
 *
 * Input: a host device tree (its header's totalsize bytes), then the boot hart and the
 * parameters (see read_params(); missing bytes are zeros, which give one vCPU on hart 0 with
 * 64 MiB of RAM and a vPLIC).  The trees of tests/unit/data, compiled, are seeds as they are. */
#include <kernel/errno.h>
#include <kernel/platform.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vmm/vm_fdt.h>

#include "lib/fuzz.h"
#include "lib/fuzz_input.h"

#define CELL_BYTES        4
#define CELLS_MAX         2
#define HART_IDS          16 /* vCPU hart ids tried: some exist in the host tree, some not */
#define IRQ_IDS           2048
#define CMDLINE_FUZZ_SIZE 256
#define PLIC_CELLS        4 /* interrupts-extended: <&intc 11 &intc 9> per vCPU */
#define PHANDLES_MAX      1024
#define NODE_PATH_MAX     64

#define DEFAULT_RAM       0x80000000UL
#define DEFAULT_RAM_SIZE  MIB(64)
#define DEFAULT_PT        0x10000000UL /* QEMU virt's UART, then its virtio slots */
#define DEFAULT_PLIC      0x0c000000UL
#define DEFAULT_PLIC_SIZE 0x600000UL
#define DEFAULT_VIRTIO    0x0a000000UL
#define DEFAULT_IRQ       40
#define DEFAULT_NDEV      127
#define DEFAULT_INITRD    0x84000000UL

/* ISA extensions no VM is told about (vm_fdt.c's table, as vm_fdt.h describes it). */
static const char *const hidden_exts[] = {"h",        "v",         "ssaia",  "sscsrind",
                                          "sscofpmf", "ssstateen", "zicbom", "zicboz",
                                          "svadu",    "svpbmt",    "zkr",    "zawrs"};
static const char *const hidden_prefixes[] = {"sh", "sm", "zv"};

static const enum emu_dev_type emu_types[] = {
    EMU_DEV_PLIC,   EMU_DEV_VIRTIO_NET, EMU_DEV_VIRTIO_BLK,          EMU_DEV_VIRTIO_CONSOLE,
    EMU_DEV_SHYPER, EMU_DEV_SCRATCH,    EMU_DEV_VIRTIO_BLK_MEDIATED,
};

struct fdt_case {
    struct vm_fdt_params p;
    struct vm_mem_region_config mem[VM_MAX_MEM_REGIONS];
    struct vm_pt_region_config pt[VM_MAX_PT_REGIONS];
    struct vm_emu_dev_config emu[VM_MAX_EMU_DEVS];
    char cmdline[CMDLINE_FUZZ_SIZE];
    u32 out_size;
};

/* ---------------------------------------------------------------- parameters */

/* A count in [0, max]; zeros give dflt. */
static u32 read_count(struct fuzz_input *in, u32 max, u32 dflt)
{
    return (fuzz_below(in, max + 1) + dflt) % (max + 1);
}

/* An address or size: dflt, dflt with some page bits flipped, dflt plus anything, or anything. */
static u64 read_addr(struct fuzz_input *in, u64 dflt)
{
    switch (fuzz_below(in, 4)) {
    case 0:
        return dflt;
    case 1:
        return dflt ^ ((u64)fuzz_u16(in) << PAGE_SHIFT);
    case 2:
        return dflt + fuzz_u32(in);
    default:
        return fuzz_u64(in);
    }
}

static void read_devices(struct fuzz_input *in, struct fdt_case *c)
{
    c->p.nr_emu = read_count(in, VM_MAX_EMU_DEVS, 1);
    for (u32 i = 0; i < c->p.nr_emu; i++) {
        struct vm_emu_dev_config *d = &c->emu[i];
        u32 t =
            (fuzz_below(in, ARRAY_SIZE(emu_types) + 1) + (i ? 1 : 0)) % (ARRAY_SIZE(emu_types) + 1);
        d->name = "dev";
        d->type = t < ARRAY_SIZE(emu_types) ? emu_types[t] : (enum emu_dev_type)fuzz_u8(in);
        d->base = read_addr(in, i ? DEFAULT_VIRTIO + i * PAGE_SIZE : DEFAULT_PLIC);
        d->size = read_addr(in, i ? PAGE_SIZE : DEFAULT_PLIC_SIZE);
        d->irq = (fuzz_below(in, IRQ_IDS) + (i ? DEFAULT_IRQ + i : 0)) % IRQ_IDS;
    }
    c->p.plic_ndev = DEFAULT_NDEV ^ fuzz_u16(in);
}

static void read_params(struct fuzz_input *in, const void *host, struct fdt_case *c)
{
    u8 flags = fuzz_u8(in);

    c->p.mode = (flags & 1) ? VM_FDT_FROM_HOST : VM_FDT_GENERATED;
    c->p.has_sstc = platform.has_sstc;
    c->p.host_fdt = host;
    c->p.nr_vcpus = read_count(in, MAX_HARTS + 1, 1); /* 0 and MAX_HARTS + 1 are invalid */
    for (u32 i = 0; i < MAX_HARTS; i++)
        c->p.vcpu_hart[i] = (i + fuzz_below(in, HART_IDS)) % HART_IDS;
    c->p.mem = c->mem;
    c->p.nr_mem = read_count(in, VM_MAX_MEM_REGIONS, 1);
    for (u32 i = 0; i < c->p.nr_mem; i++) {
        c->mem[i].ipa = read_addr(in, DEFAULT_RAM + i * GIB(1));
        c->mem[i].size = read_addr(in, DEFAULT_RAM_SIZE);
    }
    c->p.pt = c->pt;
    c->p.nr_pt = read_count(in, VM_MAX_PT_REGIONS, 0);
    for (u32 i = 0; i < c->p.nr_pt; i++) {
        c->pt[i].pa = read_addr(in, DEFAULT_PT + i * PAGE_SIZE);
        c->pt[i].ipa = read_addr(in, c->pt[i].pa);
        c->pt[i].size = read_addr(in, PAGE_SIZE);
    }
    c->p.emu = c->emu;
    read_devices(in, c);
    fuzz_string(in, c->cmdline, sizeof(c->cmdline));
    c->p.cmdline = (flags & 2) ? NULL : c->cmdline;
    c->p.initrd_start = read_addr(in, DEFAULT_INITRD);
    c->p.initrd_size = read_addr(in, 0);
    c->out_size = VM_FDT_MAX_SIZE - fuzz_below(in, VM_FDT_MAX_SIZE);
}

/* ---------------------------------------------------------------- the tree built */

static const struct fdt_case *cur;
static const void *out;

static bool has_ext(const char *name, size_t n)
{
    for (u32 i = 0; i < ARRAY_SIZE(hidden_exts); i++)
        if (strlen(hidden_exts[i]) == n && !strncmp(name, hidden_exts[i], n))
            return true;
    for (u32 i = 0; i < ARRAY_SIZE(hidden_prefixes); i++)
        if (n >= strlen(hidden_prefixes[i]) &&
            !strncmp(name, hidden_prefixes[i], strlen(hidden_prefixes[i])))
            return true;
    return n == strlen("sstc") && !strncmp(name, "sstc", n) && !cur->p.has_sstc;
}

/* riscv,isa: "rv64" + single letters, then "_"-separated multi-letter extensions. */
static void check_isa_string(const char *isa, int len)
{
    FUZZ_CHECK(len >= 1 && isa[len - 1] == '\0');
    const char *s = isa, *end = isa + strlen(isa);
    if (!strncmp(s, "rv", 2))
        s += 2;
    while (s < end && *s >= '0' && *s <= '9')
        s++;
    for (; s < end && *s != '_' && *s != 's' && *s != 'x' && *s != 'z'; s++)
        FUZZ_CHECK(!has_ext(s, 1));
    while (s < end) {
        const char *sep = memchr(s, '_', end - s);
        size_t n = (sep ? sep : end) - s;
        FUZZ_CHECK(!n || !has_ext(s, n));
        s += n + (sep != NULL);
    }
}

static void check_cpu(int cpu, u32 *seen)
{
    int len;
    const fdt32_t *reg = fdt_getprop(out, cpu, "reg", &len);

    FUZZ_CHECK(reg && len == CELL_BYTES);
    u32 id = fdt32_to_cpu(*reg);
    FUZZ_CHECK(id < cur->p.nr_vcpus && !(*seen & BIT(id)));
    *seen |= BIT(id);
    int intc = fdt_first_subnode(out, cpu);
    FUZZ_CHECK(intc >= 0 && fdt_get_phandle(out, intc) != 0);
    const char *isa = fdt_getprop(out, cpu, "riscv,isa", &len);
    if (isa)
        check_isa_string(isa, len);
    const char *list = fdt_getprop(out, cpu, "riscv,isa-extensions", &len);
    for (const char *s = list; s && s < list + len; s += strlen(s) + 1)
        FUZZ_CHECK(!has_ext(s, strlen(s)));
}

static void check_cpus(void)
{
    int cpus = fdt_path_offset(out, "/cpus"), node;
    u32 seen = 0;

    FUZZ_CHECK(cpus >= 0);
    fdt_for_each_subnode (node, out, cpus) {
        const char *type = fdt_getprop(out, node, "device_type", NULL);
        if (type && !strcmp(type, "cpu"))
            check_cpu(node, &seen);
    }
    FUZZ_CHECK(seen == BIT(cur->p.nr_vcpus) - 1);
}

/* No phandle appears twice in tree (the first PHANDLES_MAX are compared). */
static bool unique_phandles(const void *tree)
{
    static u32 phandles[PHANDLES_MAX];
    u32 n = 0;

    for (int node = 0; node >= 0; node = fdt_next_node(tree, node, NULL)) {
        u32 ph = fdt_get_phandle(tree, node);
        if (!ph)
            continue;
        for (u32 i = 0; i < n; i++)
            if (phandles[i] == ph)
                return false;
        if (n < PHANDLES_MAX)
            phandles[n++] = ph;
    }
    return true;
}

/* [base, base + size) is the window [lo, lo + lo_size) or inside it. */
static bool in_window(u64 base, u64 size, u64 lo, u64 lo_size)
{
    return (base == lo && size == lo_size) || range_within(base, MAX(size, 1), lo, lo_size);
}

static bool owned(u64 base, u64 size)
{
    const struct vm_fdt_params *p = &cur->p;

    for (u32 i = 0; i < p->nr_mem; i++)
        if (in_window(base, size, p->mem[i].ipa, p->mem[i].size))
            return true;
    for (u32 i = 0; i < p->nr_emu; i++)
        if (in_window(base, size, p->emu[i].base, p->emu[i].size))
            return true;
    for (u32 i = 0; i < p->nr_pt; i++)
        if (in_window(base, size, p->pt[i].ipa, p->pt[i].size))
            return true;
    return false;
}

static u64 read_cells(const fdt32_t *c, int n)
{
    u64 v = 0;

    for (int i = 0; i < n; i++)
        v = (v << 32) | fdt32_to_cpu(c[i]);
    return v;
}

/* Devices directly under path (the nodes with reg there are all vm_fdt.c's): every reg range
 * is the VM's, and an interrupt-parent names an existing node. */
static void check_windows(const char *path)
{
    int parent = fdt_path_offset(out, path), node;

    if (parent < 0)
        return;
    int ac = fdt_address_cells(out, parent), sc = fdt_size_cells(out, parent);
    fdt_for_each_subnode (node, out, parent) {
        int len;
        const fdt32_t *reg = fdt_getprop(out, node, "reg", &len);
        if (!reg)
            continue;
        FUZZ_CHECK(ac >= 1 && ac <= CELLS_MAX && sc >= 0 && sc <= CELLS_MAX);
        FUZZ_CHECK(len > 0 && len % (CELL_BYTES * (ac + sc)) == 0);
        for (; len > 0; len -= CELL_BYTES * (ac + sc), reg += ac + sc)
            if (!owned(read_cells(reg, ac), read_cells(reg + ac, sc)))
                FUZZ_FAIL("%s/%s: reg 0x%llx is not the VM's", path, fdt_get_name(out, node, NULL),
                          (unsigned long long)read_cells(reg, ac));
        const fdt32_t *irq_parent = fdt_getprop(out, node, "interrupt-parent", &len);
        if (irq_parent)
            FUZZ_CHECK(len == CELL_BYTES &&
                       fdt_node_offset_by_phandle(out, fdt32_to_cpu(*irq_parent)) >= 0);
    }
}

/* The vPLIC: /soc/plic@<base>, a context pair naming each vCPU's interrupt controller. */
static void check_plic(void)
{
    const struct vm_emu_dev_config *d = NULL;
    char path[NODE_PATH_MAX];
    int len;

    for (u32 i = 0; i < cur->p.nr_emu; i++)
        if (cur->emu[i].type == EMU_DEV_PLIC)
            d = &cur->emu[i];
    if (!d)
        return;
    snprintf(path, sizeof(path), "/soc/plic@%lx", d->base);
    int plic = fdt_path_offset(out, path);
    FUZZ_CHECK(plic >= 0 && fdt_get_phandle(out, plic) != 0);
    const fdt32_t *ctx = fdt_getprop(out, plic, "interrupts-extended", &len);
    FUZZ_CHECK(ctx && len == (int)(cur->p.nr_vcpus * PLIC_CELLS * CELL_BYTES));
    for (int i = 0; i < len / CELL_BYTES; i += 2)
        FUZZ_CHECK(fdt_node_offset_by_phandle(out, fdt32_to_cpu(ctx[i])) >= 0);
}

static void check_chosen(void)
{
    int chosen = fdt_path_offset(out, "/chosen"), len;

    FUZZ_CHECK(chosen >= 0);
    const char *bootargs = fdt_getprop(out, chosen, "bootargs", &len);
    FUZZ_CHECK(!cur->p.cmdline == !bootargs);
    FUZZ_CHECK(!bootargs || (len >= 1 && !strcmp(bootargs, cur->p.cmdline)));
    const fdt64_t *start = fdt_getprop(out, chosen, "linux,initrd-start", &len);
    FUZZ_CHECK(!start == !cur->p.initrd_size);
    FUZZ_CHECK(!start || (len == sizeof(*start) && fdt64_ld(start) == cur->p.initrd_start));
}

/* One memory node with reg per RAM region (the host's are all removed). */
static void check_memory(void)
{
    u32 n = 0;

    for (int node = fdt_first_subnode(out, 0); node >= 0; node = fdt_next_subnode(out, node)) {
        const char *type = fdt_getprop(out, node, "device_type", NULL);
        n += type && !strcmp(type, "memory") && fdt_getprop(out, node, "reg", NULL);
    }
    FUZZ_CHECK(n == cur->p.nr_mem);
}

static void check_tree(const void *tree, u32 size)
{
    out = tree;
    FUZZ_CHECK(fdt_totalsize(tree) <= size);
    int err = fdt_check_full(tree, size);
    if (err)
        FUZZ_FAIL("the tree built is not valid: %s", fdt_strerror(err));
    check_cpus();
    check_memory();
    /* New phandles never collide with the host's (unless the host's collide already). */
    FUZZ_CHECK(unique_phandles(tree) || !unique_phandles(cur->p.host_fdt));
    check_plic();
    check_chosen();
    check_windows("/");
    check_windows("/soc");
}

/* ---------------------------------------------------------------- entry */

/* platform_init() on the firmware's blob: data[0, its totalsize). */
static bool boot(const uint8_t *data, u32 host_size, u32 boot_hart)
{
    void *blob = malloc(host_size); /* exactly the tree: reads past it are caught */

    memcpy(blob, data, host_size);
    memset(&platform, 0, sizeof(platform));
    int err = platform_init(blob, boot_hart);
    free(blob);
    FUZZ_CHECK(err == 0 || err == -PLATFORM_EFDT || err == -PLATFORM_ECPUS ||
               err == -PLATFORM_EMEMORY || err == -PLATFORM_EPLIC);
    return err == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static u8 host_copy[PLATFORM_FDT_MAX];
    static struct fdt_case c;

    /* The firmware's blob is as long as its header says; a shorter input is no blob. */
    if (size < sizeof(struct fdt_header) || fdt_totalsize(data) > size)
        return 0;
    u32 host_size = MAX(fdt_totalsize(data), sizeof(struct fdt_header));
    struct fuzz_input in;
    fuzz_input_init(&in, data + host_size, size - host_size);
    if (!boot(data, host_size, fuzz_below(&in, MAX_HARTS)))
        return 0;
    memcpy(host_copy, platform.fdt, sizeof(host_copy));

    memset(&c, 0, sizeof(c));
    read_params(&in, platform.fdt, &c);
    cur = &c;

    void *tree = malloc(c.out_size); /* the VM's RAM: writes past the room are caught */
    int err = vm_fdt_build(&c.p, tree, c.out_size);
    FUZZ_CHECK(err == 0 || err == -ENOSPC || err == -ENOENT || err == -EINVAL);
    if (!err)
        check_tree(tree, c.out_size);
    FUZZ_CHECK(!memcmp(platform.fdt, host_copy, sizeof(host_copy)));
    free(tree);
    return 0;
}
