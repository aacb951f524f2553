/* Host device-tree parsing (see platform.h). */
#include <kernel/log.h>
#include <kernel/platform.h>
#include <libfdt.h>
#include <string.h>

#define PLIC_S_EXT_IRQ 9 /* interrupts-extended cell that names a hart's S-level context */

struct platform platform;

static u64 read_cells(const fdt32_t *cells, int n)
{
    u64 v = 0;

    for (int i = 0; i < n; i++)
        v = (v << 32) | fdt32_to_cpu(cells[i]);
    return v;
}

/* First reg entry of a node, with the parent's #address-cells / #size-cells. */
static int node_reg(const void *fdt, int node, paddr_t *base, u64 *size)
{
    int parent = fdt_parent_offset(fdt, node);
    int ac = fdt_address_cells(fdt, parent), sc = fdt_size_cells(fdt, parent);
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

    if (!reg || ac < 1 || sc < 0 || len < (ac + sc) * 4)
        return -1;
    *base = read_cells(reg, ac);
    *size = sc ? read_cells(reg + ac, sc) : 0;
    return 0;
}

static bool isa_has_extension(const char *isa, const char *ext)
{
    size_t n = strlen(ext);

    for (const char *p = strchr(isa, '_'); p; p = strchr(p + 1, '_'))
        if (!strncmp(p + 1, ext, n) && (p[1 + n] == '_' || p[1 + n] == '\0'))
            return true;
    return false;
}

static int parse_cpus(const void *fdt)
{
    int cpus = fdt_path_offset(fdt, "/cpus");
    int node;

    if (cpus < 0)
        return -PLATFORM_ECPUS;
    const fdt32_t *tb = fdt_getprop(fdt, cpus, "timebase-frequency", NULL);
    if (!tb)
        return -PLATFORM_ECPUS;
    platform.timebase_freq = fdt32_to_cpu(*tb);

    fdt_for_each_subnode (node, fdt, cpus) {
        const char *type = fdt_getprop(fdt, node, "device_type", NULL);
        const char *status = fdt_getprop(fdt, node, "status", NULL);
        const fdt32_t *reg = fdt_getprop(fdt, node, "reg", NULL);
        if (!type || strcmp(type, "cpu") || !reg)
            continue;
        if (status && strcmp(status, "okay"))
            continue;
        u32 hart = fdt32_to_cpu(*reg);
        if (hart >= MAX_HARTS) {
            log_warn("hart %u ignored: Shyper supports harts 0..%d", hart, MAX_HARTS - 1);
            continue;
        }
        platform.hart_mask |= BIT(hart);
        platform.nr_harts++;
        if (hart == platform.boot_hart) {
            const char *isa = fdt_getprop(fdt, node, "riscv,isa", NULL);
            const fdt32_t *cboz = fdt_getprop(fdt, node, "riscv,cboz-block-size", NULL);
            if (isa)
                snprintf(platform.isa, sizeof(platform.isa), "%s", isa);
            if (cboz && isa && isa_has_extension(isa, "zicboz"))
                platform.cboz_block_size = fdt32_to_cpu(*cboz);
        }
    }
    platform.has_sstc = isa_has_extension(platform.isa, "sstc");
    return platform.nr_harts ? 0 : -PLATFORM_ECPUS;
}

static int parse_memory(const void *fdt)
{
    int node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", sizeof("memory"));

    if (node < 0 || node_reg(fdt, node, &platform.ram_base, &platform.ram_size))
        return -PLATFORM_EMEMORY;

    int resv = fdt_path_offset(fdt, "/reserved-memory");
    if (resv >= 0) {
        int child;
        fdt_for_each_subnode (child, fdt, resv) {
            struct platform_region r;
            if (platform.nr_reserved < PLATFORM_MAX_RESERVED &&
                !node_reg(fdt, child, &r.base, &r.size))
                platform.reserved[platform.nr_reserved++] = r;
        }
    }
    return 0;
}

/* The hart whose cpu node contains the interrupt controller with this phandle, or -1. */
static int hart_of_intc(const void *fdt, u32 phandle)
{
    int intc = fdt_node_offset_by_phandle(fdt, phandle);
    int cpu = intc >= 0 ? fdt_parent_offset(fdt, intc) : -1;
    const fdt32_t *reg = cpu >= 0 ? fdt_getprop(fdt, cpu, "reg", NULL) : NULL;

    return reg ? (int)fdt32_to_cpu(*reg) : -1;
}

static int parse_plic(const void *fdt)
{
    static const char *const compatibles[] = {"riscv,plic0", "sifive,plic-1.0.0"};
    int node = -1, len;

    for (u32 i = 0; i < ARRAY_SIZE(compatibles) && node < 0; i++)
        node = fdt_node_offset_by_compatible(fdt, -1, compatibles[i]);
    if (node < 0 || node_reg(fdt, node, &platform.plic_base, &platform.plic_size))
        return -PLATFORM_EPLIC;
    const fdt32_t *ndev = fdt_getprop(fdt, node, "riscv,ndev", NULL);
    platform.plic_ndev = ndev ? fdt32_to_cpu(*ndev) : 0;

    for (int h = 0; h < MAX_HARTS; h++)
        platform.plic_s_context[h] = -1;
    const fdt32_t *ie = fdt_getprop(fdt, node, "interrupts-extended", &len);
    for (int ctx = 0; ie && ctx < len / 8; ctx++) {
        int hart = hart_of_intc(fdt, fdt32_to_cpu(ie[2 * ctx]));
        if (fdt32_to_cpu(ie[2 * ctx + 1]) == PLIC_S_EXT_IRQ && hart >= 0 && hart < MAX_HARTS)
            platform.plic_s_context[hart] = ctx;
    }
    return 0;
}

static void parse_uart(const void *fdt)
{
    int node = fdt_node_offset_by_compatible(fdt, -1, "ns16550a");

    if (node < 0 || node_reg(fdt, node, &platform.uart_base, &platform.uart_size)) {
        platform.uart_base = 0;
        return;
    }
    const fdt32_t *shift = fdt_getprop(fdt, node, "reg-shift", NULL);
    const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", NULL);
    platform.uart_reg_shift = shift ? fdt32_to_cpu(*shift) : 0;
    platform.uart_irq = irq ? fdt32_to_cpu(*irq) : 0;
}

/* Whether a property between offsets from and to (tags of one node) is called name. */
static bool prop_named_before(const void *fdt, int from, int to, const char *name)
{
    for (int offset = from, next; offset < to; offset = next) {
        const char *other;
        int len;
        if (fdt_next_tag(fdt, offset, &next) == FDT_PROP &&
            fdt_getprop_by_offset(fdt, offset, &other, &len) && !strcmp(other, name))
            return true;
    }
    return false;
}

/*
 * Whether the whole structure block reads back: known tags, nodes closed in order, one root
 * with an empty name, every property's name inside the strings block and used once per
 * node.  libfdt checks only what it reads, but VM device trees copy host nodes wholesale
 * (vm_fdt.h), so a broken part anywhere would end up in a VM's tree.
 */
static bool fdt_sound(const void *fdt)
{
    int next = 0, depth = 0, props = 0, len;
    bool root_closed = false;

    for (;;) {
        int offset = next;
        u32 tag = fdt_next_tag(fdt, offset, &next);
        const char *name;

        if (next < 0 || (root_closed && tag != FDT_NOP && tag != FDT_END))
            return false;
        switch (tag) {
        case FDT_BEGIN_NODE:
            name = fdt_get_name(fdt, offset, &len);
            if (!name || (depth == 0 && len != 0))
                return false;
            depth++;
            props = next; /* a node's properties come before its subnodes */
            break;
        case FDT_END_NODE:
            if (depth == 0)
                return false;
            root_closed = --depth == 0;
            break;
        case FDT_PROP:
            if (!fdt_getprop_by_offset(fdt, offset, &name, &len) ||
                prop_named_before(fdt, props, offset, name))
                return false;
            break;
        case FDT_NOP:
            break;
        default: /* FDT_END */
            return root_closed;
        }
    }
}

int platform_init(const void *fdt, u32 boot_hart)
{
    /* Firmware's blob may be padded (QEMU's is 1 MiB); keep only its contents.  libfdt's
     * fdt_open_into() takes the memory reservation block's end on trust (a negative count,
     * "no terminator inside the blob", becomes a negative copy length): check it first.
     * libfdt is built for version-17 trees only (scripts/libfdt.mk), which every current
     * firmware and QEMU write. */
    if (fdt_check_header(fdt) || fdt_version(fdt) != FDT_LAST_SUPPORTED_VERSION ||
        fdt_num_mem_rsv(fdt) < 0 || fdt_open_into(fdt, platform.fdt, sizeof(platform.fdt)) ||
        !fdt_sound(platform.fdt))
        return -PLATFORM_EFDT;
    fdt = platform.fdt;
    platform.boot_hart = boot_hart;

    parse_uart(fdt);
    int err = parse_cpus(fdt);
    if (!err)
        err = parse_memory(fdt);
    if (!err)
        err = parse_plic(fdt);
    return err;
}

const char *platform_error(int err)
{
    switch (-err) {
    case PLATFORM_EFDT:
        return "not a valid device tree, or larger than 64 KiB";
    case PLATFORM_ECPUS:
        return "no usable /cpus node with timebase-frequency";
    case PLATFORM_EMEMORY:
        return "no memory node";
    case PLATFORM_EPLIC:
        return "no PLIC (riscv,plic0 or sifive,plic-1.0.0)";
    default:
        return "unknown error";
    }
}
