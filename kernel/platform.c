/* Host device-tree parsing (see platform.h).  One walk of the tree checks it as a whole and
 * finds the nodes the machine is described by; their properties are then read with
 * fdt_read.h's reader, which unlike libfdt's costs little per byte of the tree. */
#include <kernel/fdt_read.h>
#include <kernel/log.h>
#include <kernel/platform.h>
#include <libfdt.h>
#include <string.h>

#define PLIC_S_EXT_IRQ 9 /* interrupts-extended cell that names a hart's S-level context */
#define PLIC_CTX_CELLS 2 /* interrupts-extended cells per context: phandle, interrupt */
#define CELL_BYTES     4
#define FDT_DEPTH_MAX  32 /* deeper trees are refused (firmware's are 4 or 5 deep) */

struct platform platform;

/* A node the walk found (< 0: none) and the cells its reg is read with: those of its parent,
 * or for /reserved-memory its own, which its children's use (< 0: invalid, or no parent). */
struct found {
    int node;
    int ac, sc;
};

/* What the walk reads of a node's properties. */
struct node_props {
    int offset;
    const char *name;
    const char *compatible, *device_type;
    int compatible_len, device_type_len;
    const fdt32_t *address_cells, *size_cells;
    int address_cells_len, size_cells_len;
};

struct walk {
    /* #address-cells and #size-cells each open node gives its children, by depth (the root
     * is at 1; 0 stands for the root's missing parent) */
    int ac[FDT_DEPTH_MAX + 1], sc[FDT_DEPTH_MAX + 1];
    /* the first node (in the tree's order) of each kind, as libfdt's lookups find them */
    struct found uart, memory, plic0, sifive_plic, cpus, reserved;
};

static u64 read_cells(const fdt32_t *cells, int n)
{
    u64 v = 0;

    for (int i = 0; i < n; i++)
        v = (v << 32) | fdt32_to_cpu(cells[i]);
    return v;
}

/* First reg entry of a found node. */
static int found_reg(const struct fdt_reader *r, const struct found *f, paddr_t *base, u64 *size)
{
    int len;
    const fdt32_t *reg = f->node >= 0 ? fdt_read_getprop(r, f->node, "reg", &len) : NULL;

    if (!reg || f->ac < 1 || f->sc < 0 || len < (f->ac + f->sc) * CELL_BYTES)
        return -1;
    *base = read_cells(reg, f->ac);
    *size = f->sc ? read_cells(reg + f->ac, f->sc) : 0;
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

static int parse_cpus(const struct fdt_reader *r, const struct found *cpus)
{
    int node;

    if (cpus->node < 0)
        return -PLATFORM_ECPUS;
    const fdt32_t *tb = fdt_read_getprop(r, cpus->node, "timebase-frequency", NULL);
    if (!tb)
        return -PLATFORM_ECPUS;
    platform.timebase_freq = fdt32_to_cpu(*tb);

    fdt_read_for_each_subnode(node, r, cpus->node)
    {
        const char *type = fdt_read_getprop(r, node, "device_type", NULL);
        const char *status = fdt_read_getprop(r, node, "status", NULL);
        const fdt32_t *reg = fdt_read_getprop(r, node, "reg", NULL);
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
            const char *isa = fdt_read_getprop(r, node, "riscv,isa", NULL);
            const fdt32_t *cboz = fdt_read_getprop(r, node, "riscv,cboz-block-size", NULL);
            if (isa)
                snprintf(platform.isa, sizeof(platform.isa), "%s", isa);
            if (cboz && isa && isa_has_extension(isa, "zicboz"))
                platform.cboz_block_size = fdt32_to_cpu(*cboz);
        }
    }
    platform.has_sstc = isa_has_extension(platform.isa, "sstc");
    return platform.nr_harts ? 0 : -PLATFORM_ECPUS;
}

static int parse_memory(const struct fdt_reader *r, const struct walk *w)
{
    int child;

    if (found_reg(r, &w->memory, &platform.ram_base, &platform.ram_size))
        return -PLATFORM_EMEMORY;
    if (w->reserved.node < 0)
        return 0;
    fdt_read_for_each_subnode(child, r, w->reserved.node)
    {
        struct found f = {child, w->reserved.ac, w->reserved.sc};
        struct platform_region region;
        if (platform.nr_reserved < PLATFORM_MAX_RESERVED &&
            !found_reg(r, &f, &region.base, &region.size))
            platform.reserved[platform.nr_reserved++] = region;
    }
    return 0;
}

/* fdt_get_phandle(): "phandle" if it is one cell, else "linux,phandle" if it is, else 0. */
static u32 node_phandle(const struct fdt_reader *r, int node)
{
    const fdt32_t *phandle = NULL, *linux_phandle = NULL;
    int offset, next;
    u32 tag;

    fdt_read_tag(r, node, &offset); /* a node the walk read */
    for (; (tag = fdt_read_tag(r, offset, &next)) == FDT_PROP || tag == FDT_NOP; offset = next) {
        const char *name;
        int len;
        const fdt32_t *value = tag == FDT_PROP ? fdt_read_prop(r, offset, &name, &len) : NULL;
        if (value && len == CELL_BYTES && !strcmp(name, "phandle"))
            phandle = value;
        else if (value && len == CELL_BYTES && !strcmp(name, "linux,phandle"))
            linux_phandle = value;
    }
    phandle = phandle ? phandle : linux_phandle;
    return phandle ? fdt32_to_cpu(*phandle) : 0;
}

/* The hart whose cpu node contains the interrupt controller with this phandle (the first
 * node that has it, as fdt_node_offset_by_phandle() finds it), or -1.  The walk checked that
 * the tree is at most FDT_DEPTH_MAX deep. */
static int hart_of_intc(const struct fdt_reader *r, u32 phandle)
{
    int node_at[FDT_DEPTH_MAX + 1], depth = 0;

    if (phandle == 0 || phandle == (u32)-1)
        return -1;
    for (int offset = 0, next;; offset = next) {
        switch (fdt_read_tag(r, offset, &next)) {
        case FDT_BEGIN_NODE:
            node_at[++depth] = offset;
            if (node_phandle(r, offset) == phandle) {
                const fdt32_t *reg =
                    depth > 1 ? fdt_read_getprop(r, node_at[depth - 1], "reg", NULL) : NULL;
                return reg ? (int)fdt32_to_cpu(*reg) : -1;
            }
            break;
        case FDT_END_NODE:
            depth--;
            break;
        case FDT_END:
            return -1;
        default:
            break;
        }
    }
}

static int parse_plic(const struct fdt_reader *r, const struct walk *w)
{
    const struct found *plic = w->plic0.node >= 0 ? &w->plic0 : &w->sifive_plic;
    int len, hart = -1;
    u32 phandle = 0;

    if (found_reg(r, plic, &platform.plic_base, &platform.plic_size))
        return -PLATFORM_EPLIC;
    const fdt32_t *ndev = fdt_read_getprop(r, plic->node, "riscv,ndev", NULL);
    platform.plic_ndev = ndev ? fdt32_to_cpu(*ndev) : 0;

    for (int h = 0; h < MAX_HARTS; h++)
        platform.plic_s_context[h] = -1;
    const fdt32_t *ie = fdt_read_getprop(r, plic->node, "interrupts-extended", &len);
    for (int ctx = 0; ie && ctx < len / (PLIC_CTX_CELLS * CELL_BYTES); ctx++) {
        const fdt32_t *cells = &ie[PLIC_CTX_CELLS * ctx];
        if (fdt32_to_cpu(cells[1]) != PLIC_S_EXT_IRQ)
            continue;
        if (fdt32_to_cpu(cells[0]) != phandle) { /* harts' contexts come in pairs */
            phandle = fdt32_to_cpu(cells[0]);
            hart = hart_of_intc(r, phandle);
        }
        if (hart >= 0 && hart < MAX_HARTS)
            platform.plic_s_context[hart] = ctx;
    }
    return 0;
}

static void parse_uart(const struct fdt_reader *r, const struct found *uart)
{
    if (found_reg(r, uart, &platform.uart_base, &platform.uart_size)) {
        platform.uart_base = 0;
        return;
    }
    const fdt32_t *shift = fdt_read_getprop(r, uart->node, "reg-shift", NULL);
    const fdt32_t *irq = fdt_read_getprop(r, uart->node, "interrupts", NULL);
    platform.uart_reg_shift = shift ? fdt32_to_cpu(*shift) : 0;
    platform.uart_irq = irq ? fdt32_to_cpu(*irq) : 0;
}

static void note_prop(struct node_props *n, const char *name, const void *value, int len)
{
    if (!strcmp(name, "compatible")) {
        n->compatible = value;
        n->compatible_len = len;
    } else if (!strcmp(name, "device_type")) {
        n->device_type = value;
        n->device_type_len = len;
    } else if (!strcmp(name, "#address-cells")) {
        n->address_cells = value;
        n->address_cells_len = len;
    } else if (!strcmp(name, "#size-cells")) {
        n->size_cells = value;
        n->size_cells_len = len;
    }
}

static bool compatible_with(const struct node_props *n, const char *s)
{
    return n->compatible && fdt_stringlist_contains(n->compatible, n->compatible_len, s);
}

static void find(struct found *f, const struct node_props *n, int ac, int sc)
{
    if (f->node < 0)
        *f = (struct found){n->offset, ac, sc};
}

/* Node n, at depth, has all its properties read. */
static void node_read(struct walk *w, int depth, const struct node_props *n)
{
    int ac = w->ac[depth - 1], sc = w->sc[depth - 1]; /* its parent's */

    w->ac[depth] = fdt_read_address_cells(n->address_cells, n->address_cells_len);
    w->sc[depth] = fdt_read_size_cells(n->size_cells, n->size_cells_len);
    if (compatible_with(n, "ns16550a"))
        find(&w->uart, n, ac, sc);
    if (n->device_type_len == sizeof("memory") &&
        !memcmp(n->device_type, "memory", sizeof("memory")))
        find(&w->memory, n, ac, sc);
    if (compatible_with(n, "riscv,plic0"))
        find(&w->plic0, n, ac, sc);
    if (compatible_with(n, "sifive,plic-1.0.0"))
        find(&w->sifive_plic, n, ac, sc);
    if (depth == 2 && fdt_read_name_is(n->name, "cpus"))
        find(&w->cpus, n, ac, sc);
    if (depth == 2 && fdt_read_name_is(n->name, "reserved-memory"))
        find(&w->reserved, n, w->ac[depth], w->sc[depth]);
}

/* Whether a property between offsets from and to (properties and NOPs of one node, which
 * walk_tree() read) is called name.  Their tags and names are known to be sound: read raw. */
static bool prop_named_before(const struct fdt_reader *r, int from, int to, const char *name)
{
    for (int offset = from; offset < to;) {
        const struct fdt_property *prop = (const void *)(r->st + offset);
        if (fdt32_ld(&prop->tag) == FDT_NOP) {
            offset += FDT_TAGSIZE;
            continue;
        }
        if (!strcmp(r->strings + fdt32_ld(&prop->nameoff), name))
            return true;
        offset += sizeof(*prop) + ALIGN_UP(fdt32_ld(&prop->len), FDT_TAGSIZE);
    }
    return false;
}

/*
 * Walks the whole structure block and returns whether it reads back: known tags, nodes closed
 * in order and at most FDT_DEPTH_MAX deep, one root with an empty name, each node's
 * properties before its subnodes, every property's name inside the strings block and used
 * once per node.  libfdt checks only what it reads, but VM device trees copy host nodes
 * wholesale (vm_fdt.h), so a broken part anywhere would end up in a VM's tree.  On the way
 * it finds the nodes of struct walk.
 */
static bool walk_tree(const struct fdt_reader *r, struct walk *w)
{
    int next = 0, depth = 0, props = -1; /* the open node's first property, -1 once past them */
    bool root_closed = false;
    struct node_props n = {.offset = -1};

    for (;;) {
        int offset = next, len;
        u32 tag = fdt_read_tag(r, offset, &next);
        const char *name;
        const void *value;

        if (next < 0 || (root_closed && tag != FDT_NOP && tag != FDT_END))
            return false;
        if (props >= 0 && tag != FDT_PROP && tag != FDT_NOP) {
            node_read(w, depth, &n);
            props = -1;
        }
        switch (tag) {
        case FDT_BEGIN_NODE:
            name = fdt_read_get_name(r, offset, NULL);
            if ((depth == 0 && *name) || depth == FDT_DEPTH_MAX)
                return false;
            depth++;
            n = (struct node_props){.offset = offset, .name = name};
            props = next;
            break;
        case FDT_END_NODE:
            if (depth == 0)
                return false;
            root_closed = --depth == 0;
            break;
        case FDT_PROP:
            value = props >= 0 ? fdt_read_prop(r, offset, &name, &len) : NULL;
            if (!value || prop_named_before(r, props, offset, name))
                return false;
            note_prop(&n, name, value, len);
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
    struct walk w = {
        .ac[0] = -FDT_ERR_NOTFOUND,
        .sc[0] = -FDT_ERR_NOTFOUND,
        .uart.node = -FDT_ERR_NOTFOUND,
        .memory.node = -FDT_ERR_NOTFOUND,
        .plic0.node = -FDT_ERR_NOTFOUND,
        .sifive_plic.node = -FDT_ERR_NOTFOUND,
        .cpus.node = -FDT_ERR_NOTFOUND,
        .reserved.node = -FDT_ERR_NOTFOUND,
    };
    struct fdt_reader r;

    /* Firmware's blob may be padded (QEMU's is 1 MiB); keep only its contents.  libfdt's
     * fdt_open_into() takes the memory reservation block's end on trust (a negative count,
     * "no terminator inside the blob", becomes a negative copy length): check it first.
     * libfdt is built for version-17 trees only (scripts/libfdt.mk), which every current
     * firmware and QEMU write. */
    if (fdt_check_header(fdt) || fdt_version(fdt) != FDT_LAST_SUPPORTED_VERSION ||
        fdt_num_mem_rsv(fdt) < 0 || fdt_open_into(fdt, platform.fdt, sizeof(platform.fdt)))
        return -PLATFORM_EFDT;
    fdt_read_init(&r, platform.fdt);
    if (!walk_tree(&r, &w))
        return -PLATFORM_EFDT;
    platform.boot_hart = boot_hart;

    parse_uart(&r, &w.uart);
    int err = parse_cpus(&r, &w.cpus);
    if (!err)
        err = parse_memory(&r, &w);
    if (!err)
        err = parse_plic(&r, &w);
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
