/* Device trees for VMs (see vm_fdt.h).  Internally errors are libfdt codes (-FDT_ERR_*);
 * vm_fdt_build() turns them into errnos. */
#include <kernel/errno.h>
#include <kernel/log.h>
#include <libfdt.h>
#include <stdarg.h>
#include <string.h>
#include <vmm/vm_fdt.h>

#define CELL_BYTES          4
#define CELLS_MAX           2 /* address/size cells that fit a u64 */
#define REG_ENTRIES_MAX     8 /* reg ranges of a passed-through node */
#define COPY_DEPTH_MAX      8 /* nesting of a passed-through node's subnodes */
#define NODE_NAME_MAX       64
#define NODE_PATH_MAX       128
#define PLIC_NDEV_MAX       1023 /* the PLIC specification's largest source id */
#define IRQ_M_EXT           11   /* interrupts-extended cell naming a hart's M-level context */
#define IRQ_S_EXT           9    /* ... and its S-level context */
#define PLIC_CELLS_PER_VCPU 4
#define BUS_CELLS           2 /* #address-cells and #size-cells of / and /soc we create */
#define CPU_ADDRESS_CELLS   1 /* a cpu's reg is its hart id */
#define IRQ_CELLS           1 /* #interrupt-cells of the PLIC: the source id */

/* Host nodes no VM gets, by name without unit address, directly under / or /soc. */
static const char *const host_only_nodes[] = {
    /* firmware's memory; power is SBI SRST's business (poweroff/reboot are syscons) */
    "reserved-memory",
    "poweroff",
    "reboot",
    /* QEMU's dynamic sysbus devices, firmware configuration and flash */
    "platform-bus",
    "fw-cfg",
    "flash",
    /* needs the SBI PMU extension, which the hypervisor does not offer */
    "pmu",
    /* M-level timer and IPIs (PMP-protected by the firmware) */
    "clint",
    /* windows and an interrupt map the VM does not own */
    "pci",
};

/*
 * ISA extensions no VM is given (docs/device-tree.md says why in more detail).  `prefix`
 * hides every extension whose name starts with `name`.  Sstc depends on has_sstc.
 */
static const struct {
    const char *name;
    bool prefix;
} isa_hidden[] = {
    {"h", false},         /* no nested virtualization */
    {"sh", true},         /* hypervisor-level features exist only with H */
    {"sm", true},         /* machine-level features: a VM has no M-mode */
    {"v", false},         /* vector state is not switched between vCPUs */
    {"zv", true},         /* vector sub-extensions, likewise */
    {"ssaia", false},     /* AIA is not virtualized: a VM has a PLIC */
    {"sscsrind", false},  /* indirect CSR access (AIA, counter delegation) */
    {"sscofpmf", false},  /* counter overflow is reported through the SBI PMU extension */
    {"ssstateen", false}, /* state-enable CSRs are not opened to guests */
    {"zicbom", false},    /* cache-block management is not enabled for guests */
    {"zicboz", false},    /* cache-block zero is not enabled for guests */
    {"svadu", false},     /* hardware A/D updates are not enabled for guest page tables */
    {"svpbmt", false},    /* page-based memory types are not enabled for guest page tables */
    {"zkr", false},       /* the seed CSR is not accessible to guests */
    {"zawrs", false},     /* wrs.nto traps like WFI and is not emulated */
};

/* CPU properties that only make sense with an extension. */
static const struct {
    const char *prop;
    const char *ext;
} ext_props[] = {
    {"riscv,cbom-block-size", "zicbom"},
    {"riscv,cbop-block-size", "zicbop"},
    {"riscv,cboz-block-size", "zicboz"},
};

struct build {
    const struct vm_fdt_params *p;
    const void *host;
    void *fdt;                            /* the VM's tree, in the caller's buffer */
    const struct vm_emu_dev_config *plic; /* the vPLIC, or NULL */
    int host_stdout;                      /* host node of the console, or < 0 */
    u32 next_phandle;
    u32 plic_phandle;
    u32 intc_phandle[MAX_HARTS];
    char stdout_path[NODE_PATH_MAX]; /* the console in the VM's tree, "" if it has none */
};

struct reg_range {
    u64 base;
    u64 size;
};

/* Text being filtered: with buf NULL it is only measured. */
struct text {
    char *buf;
    size_t len;
};

typedef bool (*prop_filter)(const struct build *b, const char *name);
typedef void (*text_filter)(const struct vm_fdt_params *p, const char *src, size_t len,
                            struct text *out);

static bool str_in(const char *s, const char *const *list, u32 n)
{
    for (u32 i = 0; i < n; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

/* True when a node's name, without its unit address, is base. */
static bool node_name_is(const char *name, const char *base)
{
    size_t n = strlen(base);

    return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '@');
}

static bool host_only(const void *fdt, int node)
{
    const char *name = fdt_get_name(fdt, node, NULL);

    for (u32 i = 0; name && i < ARRAY_SIZE(host_only_nodes); i++)
        if (node_name_is(name, host_only_nodes[i]))
            return true;
    return false;
}

static bool prop_string_is(const void *fdt, int node, const char *prop, const char *value)
{
    int len;
    const char *v = fdt_getprop(fdt, node, prop, &len);

    return v && fdt_stringlist_contains(v, len, value);
}

static bool is_cpu(const void *fdt, int node)
{
    return prop_string_is(fdt, node, "device_type", "cpu");
}

static bool is_plic(const void *fdt, int node)
{
    return !fdt_node_check_compatible(fdt, node, "riscv,plic0") ||
           !fdt_node_check_compatible(fdt, node, "sifive,plic-1.0.0");
}

static int find_plic(const void *fdt)
{
    int node = fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0");

    return node >= 0 ? node : fdt_node_offset_by_compatible(fdt, -1, "sifive,plic-1.0.0");
}

static int format_name(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Node names are at most NODE_NAME_MAX - 1 characters. */
static int format_name(char *buf, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, NODE_NAME_MAX, fmt, ap);
    va_end(ap);
    return n > 0 && n < NODE_NAME_MAX ? 0 : -FDT_ERR_BADVALUE;
}

static int subnode_or_add(void *fdt, int parent, const char *name)
{
    int node = fdt_subnode_offset(fdt, parent, name);

    return node == -FDT_ERR_NOTFOUND ? fdt_add_subnode(fdt, parent, name) : node;
}

/* ------------------------------------------------------------------ ISA filtering */

static void put(struct text *t, const char *s, size_t n)
{
    if (t->buf)
        memcpy(t->buf + t->len, s, n);
    t->len += n;
}

static bool isa_ext_visible(const struct vm_fdt_params *p, const char *ext, size_t n)
{
    if (n == strlen("sstc") && !strncmp(ext, "sstc", n))
        return p->has_sstc;
    for (u32 i = 0; i < ARRAY_SIZE(isa_hidden); i++) {
        size_t m = strlen(isa_hidden[i].name);
        bool long_enough = isa_hidden[i].prefix ? n >= m : n == m;
        if (long_enough && !strncmp(ext, isa_hidden[i].name, m))
            return false;
    }
    return true;
}

static bool starts_multi_letter(char c)
{
    return c == 's' || c == 'x' || c == 'z';
}

/* riscv,isa: "rv64", single-letter extensions, then multi-letter ones, "_"-separated. */
static void filter_isa_string(const struct vm_fdt_params *p, const char *isa, size_t len,
                              struct text *out)
{
    const char *s = isa, *end = isa + strnlen(isa, len);

    if (end - s >= 2 && !strncmp(s, "rv", 2))
        s += 2;
    while (s < end && *s >= '0' && *s <= '9')
        s++;
    put(out, isa, s - isa);
    for (; s < end && *s != '_' && !starts_multi_letter(*s); s++)
        if (isa_ext_visible(p, s, 1))
            put(out, s, 1);
    while (s < end) {
        const char *sep = memchr(s, '_', end - s);
        size_t n = (sep ? sep : end) - s;
        if (n && isa_ext_visible(p, s, n)) {
            put(out, "_", 1);
            put(out, s, n);
        }
        s += n + (sep != NULL);
    }
    put(out, "", 1);
}

/* riscv,isa-extensions: a string list. */
static void filter_isa_list(const struct vm_fdt_params *p, const char *list, size_t len,
                            struct text *out)
{
    for (const char *s = list; s < list + len; s += strlen(s) + 1)
        if (*s && isa_ext_visible(p, s, strlen(s)))
            put(out, s, strlen(s) + 1);
}

/* Sets property `name` of dst to the host node's value passed through filter. */
static int set_filtered(struct build *b, int dst, int src, const char *name, text_filter filter)
{
    int len;
    const char *value = fdt_getprop(b->host, src, name, &len);
    struct text measure = {NULL, 0}, out = {NULL, 0};
    void *room;

    if (!value)
        return len == -FDT_ERR_NOTFOUND ? 0 : len;
    if (len < 1 || value[len - 1] != '\0')
        return -FDT_ERR_BADVALUE;
    filter(b->p, value, len, &measure);
    int err = fdt_setprop_placeholder(b->fdt, dst, name, measure.len, &room);
    if (err)
        return err;
    out.buf = room;
    filter(b->p, value, len, &out);
    return 0;
}

/* ------------------------------------------------------------------ reg */

static u64 read_cells(const fdt32_t *cells, int n)
{
    u64 v = 0;

    for (int i = 0; i < n; i++)
        v = (v << 32) | fdt32_to_cpu(cells[i]);
    return v;
}

static int put_cells(fdt32_t *cells, int n, u64 v)
{
    if (n < CELLS_MAX && (v >> 32))
        return -FDT_ERR_BADVALUE;
    for (int i = n - 1; i >= 0; i--, v >>= 32)
        cells[i] = cpu_to_fdt32((u32)v);
    return 0;
}

static bool cells_ok(int ac, int sc)
{
    return ac >= 1 && ac <= CELLS_MAX && sc >= 0 && sc <= CELLS_MAX;
}

/* Sets reg of node (a child of parent) to the n ranges r. */
static int set_reg(void *fdt, int parent, int node, const struct reg_range *r, int n)
{
    int ac = fdt_address_cells(fdt, parent), sc = fdt_size_cells(fdt, parent), c = 0;
    fdt32_t cells[REG_ENTRIES_MAX * 2 * CELLS_MAX];

    if (!cells_ok(ac, sc) || n > REG_ENTRIES_MAX)
        return -FDT_ERR_BADNCELLS;
    for (int i = 0; i < n; i++, c += ac + sc) {
        int err = put_cells(cells + c, ac, r[i].base);
        if (!err)
            err = put_cells(cells + c + ac, sc, r[i].size);
        if (err)
            return err;
    }
    return fdt_setprop(fdt, node, "reg", cells, c * CELL_BYTES);
}

/* The guest-physical address of host range [pa, pa + size) if a passthrough region holds it. */
static bool pt_translate(const struct vm_fdt_params *p, u64 pa, u64 size, u64 *ipa)
{
    for (u32 i = 0; i < p->nr_pt; i++) {
        if (range_within(pa, MAX(size, 1), p->pt[i].pa, p->pt[i].size)) {
            *ipa = p->pt[i].ipa + (pa - p->pt[i].pa);
            return true;
        }
    }
    return false;
}

/* The reg ranges of host node (a child of parent) as guest-physical addresses: how many, or
 * 0 unless the node has reg and every range lies in a passthrough region.  The caller
 * knows the parent: fdt_parent_offset() rescans the tree from its root. */
static int passthrough_reg(const struct build *b, int parent, int node, struct reg_range *r)
{
    int len;
    int ac = fdt_address_cells(b->host, parent), sc = fdt_size_cells(b->host, parent);
    const fdt32_t *reg = fdt_getprop(b->host, node, "reg", &len);

    if (!reg || !cells_ok(ac, sc))
        return 0;
    int n = len / (CELL_BYTES * (ac + sc));
    if (n < 1 || n > REG_ENTRIES_MAX)
        return 0;
    for (int i = 0; i < n; i++, reg += ac + sc) {
        r[i].size = read_cells(reg + ac, sc);
        if (!pt_translate(b->p, read_cells(reg, ac), r[i].size, &r[i].base))
            return 0;
    }
    return n;
}

/* ------------------------------------------------------------------ copying host nodes */

static int copy_props(struct build *b, int dst, int src, prop_filter keep)
{
    int prop;

    fdt_for_each_property_offset (prop, b->host, src) {
        const char *name;
        int len;
        const void *value = fdt_getprop_by_offset(b->host, prop, &name, &len);
        if (!value)
            return len;
        if (keep && !keep(b, name))
            continue;
        int err = fdt_setprop(b->fdt, dst, name, value, len);
        if (err)
            return err;
    }
    return prop == -FDT_ERR_NOTFOUND ? 0 : prop;
}

static int copy_subnodes(struct build *b, int dst, int src, int depth)
{
    int child;

    if (depth > COPY_DEPTH_MAX)
        return -FDT_ERR_BADSTRUCTURE;
    fdt_for_each_subnode (child, b->host, src) {
        int node = fdt_add_subnode(b->fdt, dst, fdt_get_name(b->host, child, NULL));
        int err = node < 0 ? node : copy_props(b, node, child, NULL);
        if (!err)
            err = copy_subnodes(b, node, child, depth + 1);
        if (err)
            return err;
    }
    return child == -FDT_ERR_NOTFOUND ? 0 : child;
}

/* ------------------------------------------------------------------ the two starting points */

static bool doomed_host_node(const void *fdt, int node)
{
    return host_only(fdt, node) || fdt_getprop(fdt, node, "reg", NULL);
}

static bool doomed_cpus_child(const void *fdt, int node)
{
    const char *name = fdt_get_name(fdt, node, NULL);

    return is_cpu(fdt, node) || (name && node_name_is(name, "cpu-map"));
}

/* Deletes the children of the node at path for which doomed() holds. */
static int prune_children(void *fdt, const char *path, bool (*doomed)(const void *fdt, int node))
{
    int parent = fdt_path_offset(fdt, path), node;

    if (parent < 0)
        return parent == -FDT_ERR_NOTFOUND ? 0 : parent;
    node = fdt_first_subnode(fdt, parent);
    while (node >= 0) {
        if (!doomed(fdt, node)) {
            node = fdt_next_subnode(fdt, node);
            continue;
        }
        int err = fdt_del_node(fdt, node);
        if (err)
            return err;
        node = fdt_first_subnode(fdt, parent); /* later offsets moved */
    }
    return node == -FDT_ERR_NOTFOUND ? 0 : node;
}

static int add_soc(void *fdt)
{
    int soc = fdt_add_subnode(fdt, 0, "soc");

    if (soc < 0)
        return soc;
    int err = fdt_setprop_u32(fdt, soc, "#address-cells", BUS_CELLS);
    if (!err)
        err = fdt_setprop_u32(fdt, soc, "#size-cells", BUS_CELLS);
    if (!err)
        err = fdt_setprop_string(fdt, soc, "compatible", "simple-bus");
    if (!err)
        err = fdt_setprop_empty(fdt, soc, "ranges");
    return err;
}

/* Deletes every PLIC node (the host's, wherever it is: the vPLIC reuses its phandle). */
static int prune_plics(void *fdt)
{
    int node;

    while ((node = find_plic(fdt)) >= 0) {
        int err = fdt_del_node(fdt, node);
        if (err)
            return err;
    }
    return node == -FDT_ERR_NOTFOUND ? 0 : node;
}

/* The host tree without its CPUs, memory, devices (nodes with reg) and host-only nodes. */
static int start_from_host(struct build *b, u32 size)
{
    int err = fdt_open_into(b->host, b->fdt, size);

    if (!err)
        err = prune_children(b->fdt, "/soc", doomed_host_node);
    if (!err)
        err = prune_children(b->fdt, "/", doomed_host_node);
    if (!err)
        err = prune_children(b->fdt, "/cpus", doomed_cpus_child);
    if (!err)
        err = prune_plics(b->fdt);
    if (!err && fdt_path_offset(b->fdt, "/soc") == -FDT_ERR_NOTFOUND)
        err = add_soc(b->fdt);
    return err;
}

/* Root, /cpus (cells and timebase) and /soc. */
static int start_empty(struct build *b, u32 size)
{
    void *fdt = b->fdt;
    int host_cpus = fdt_path_offset(b->host, "/cpus"), len;
    const void *timebase =
        host_cpus >= 0 ? fdt_getprop(b->host, host_cpus, "timebase-frequency", &len) : NULL;

    if (!timebase)
        return host_cpus < 0 ? host_cpus : -FDT_ERR_NOTFOUND;
    int err = fdt_create_empty_tree(fdt, size);
    if (!err)
        err = fdt_setprop_u32(fdt, 0, "#address-cells", BUS_CELLS);
    if (!err)
        err = fdt_setprop_u32(fdt, 0, "#size-cells", BUS_CELLS);
    if (!err)
        err = fdt_setprop_string(fdt, 0, "compatible", "riscv-virtio");
    if (!err)
        err = fdt_setprop_string(fdt, 0, "model", "riscv-virtio,shyper");
    if (!err)
        err = add_soc(fdt);
    int cpus = err ? err : fdt_add_subnode(fdt, 0, "cpus");
    if (cpus < 0)
        return cpus;
    err = fdt_setprop_u32(fdt, cpus, "#address-cells", CPU_ADDRESS_CELLS);
    if (!err)
        err = fdt_setprop_u32(fdt, cpus, "#size-cells", 0);
    if (!err)
        err = fdt_setprop(fdt, cpus, "timebase-frequency", timebase, len);
    return err;
}

/* ------------------------------------------------------------------ CPUs */

static int host_cpu_node(const void *host, u32 hart)
{
    int cpus = fdt_path_offset(host, "/cpus"), node, len;

    if (cpus < 0)
        return cpus;
    fdt_for_each_subnode (node, host, cpus) {
        const fdt32_t *reg = fdt_getprop(host, node, "reg", &len);
        if (is_cpu(host, node) && reg && len >= CELL_BYTES && fdt32_to_cpu(*reg) == hart)
            return node;
    }
    return node;
}

static int host_intc_node(const void *host, int cpu)
{
    int node;

    fdt_for_each_subnode (node, host, cpu) {
        if (!fdt_node_check_compatible(host, node, "riscv,cpu-intc"))
            return node;
    }
    return node;
}

static bool cpu_prop_copied(const struct build *b, const char *name)
{
    static const char *const rewritten[] = {"reg", "status", "riscv,isa", "riscv,isa-extensions"};
    static const char *const generated_keeps[] = {"device_type", "compatible", "mmu-type",
                                                  "riscv,isa-base"};

    for (u32 i = 0; i < ARRAY_SIZE(ext_props); i++)
        if (!strcmp(name, ext_props[i].prop))
            return isa_ext_visible(b->p, ext_props[i].ext, strlen(ext_props[i].ext));
    if (str_in(name, rewritten, ARRAY_SIZE(rewritten)))
        return false;
    return b->p->mode == VM_FDT_FROM_HOST ||
           str_in(name, generated_keeps, ARRAY_SIZE(generated_keeps));
}

/* The hart's interrupt controller as a child of cpu, with the host's phandle. */
static int add_intc(struct build *b, int cpu, int src, u32 vcpu)
{
    int intc = fdt_add_subnode(b->fdt, cpu, fdt_get_name(b->host, src, NULL));
    int err = intc < 0 ? intc : copy_props(b, intc, src, NULL);
    u32 phandle = fdt_get_phandle(b->host, src);

    if (!err && !phandle) {
        phandle = b->next_phandle++;
        err = fdt_setprop_u32(b->fdt, intc, "phandle", phandle);
    }
    b->intc_phandle[vcpu] = phandle;
    return err;
}

static int add_cpu(struct build *b, int cpus, u32 vcpu)
{
    char name[NODE_NAME_MAX];
    int src = host_cpu_node(b->host, b->p->vcpu_hart[vcpu]);
    int src_intc = src < 0 ? src : host_intc_node(b->host, src);
    int err = src_intc < 0 ? src_intc : format_name(name, "cpu@%x", vcpu);
    int cpu = err ? err : fdt_add_subnode(b->fdt, cpus, name);

    if (cpu < 0)
        return cpu;
    err = copy_props(b, cpu, src, cpu_prop_copied);
    if (!err)
        err = fdt_setprop_u32(b->fdt, cpu, "reg", vcpu);
    if (!err)
        err = fdt_setprop_string(b->fdt, cpu, "status", "okay");
    if (!err)
        err = set_filtered(b, cpu, src, "riscv,isa", filter_isa_string);
    if (!err)
        err = set_filtered(b, cpu, src, "riscv,isa-extensions", filter_isa_list);
    if (!err)
        err = add_intc(b, cpu, src_intc, vcpu);
    return err;
}

static int add_cpus(struct build *b)
{
    int cpus = fdt_path_offset(b->fdt, "/cpus");

    /* A new node goes before its siblings: add the last vCPU first. */
    for (u32 i = b->p->nr_vcpus; cpus >= 0 && i-- > 0;) {
        int err = add_cpu(b, cpus, i);
        if (err)
            return err;
    }
    return cpus < 0 ? cpus : 0;
}

/* ------------------------------------------------------------------ memory, PLIC, devices */

static int add_memory(struct build *b)
{
    for (u32 i = b->p->nr_mem; i-- > 0;) {
        const struct vm_mem_region_config *m = &b->p->mem[i];
        struct reg_range r = {m->ipa, m->size};
        char name[NODE_NAME_MAX];
        int err = format_name(name, "memory@%lx", m->ipa);
        int node = err ? err : fdt_add_subnode(b->fdt, 0, name);
        if (node < 0)
            return node;
        err = fdt_setprop_string(b->fdt, node, "device_type", "memory");
        if (!err)
            err = set_reg(b->fdt, 0, node, &r, 1);
        if (err)
            return err;
    }
    return 0;
}

static int set_interrupt(struct build *b, int node, u32 irq)
{
    int err = fdt_setprop_u32(b->fdt, node, "interrupts", irq);

    return err ? err : fdt_setprop_u32(b->fdt, node, "interrupt-parent", b->plic_phandle);
}

static int add_plic(struct build *b)
{
    static const char compatible[] = "sifive,plic-1.0.0\0riscv,plic0";
    const struct vm_emu_dev_config *d = b->plic;
    fdt32_t contexts[MAX_HARTS * PLIC_CELLS_PER_VCPU];
    struct reg_range r = {d->base, d->size};
    char name[NODE_NAME_MAX];
    int soc = fdt_path_offset(b->fdt, "/soc");
    int err = soc < 0 ? soc : format_name(name, "plic@%lx", d->base);
    int node = err ? err : fdt_add_subnode(b->fdt, soc, name);

    if (node < 0)
        return node;
    for (u32 i = 0; i < b->p->nr_vcpus; i++) {
        fdt32_t *c = &contexts[i * PLIC_CELLS_PER_VCPU];
        c[0] = c[2] = cpu_to_fdt32(b->intc_phandle[i]);
        c[1] = cpu_to_fdt32(IRQ_M_EXT);
        c[3] = cpu_to_fdt32(IRQ_S_EXT);
    }
    err = fdt_setprop_u32(b->fdt, node, "phandle", b->plic_phandle);
    if (!err)
        err = fdt_setprop(b->fdt, node, "compatible", compatible, sizeof(compatible));
    if (!err)
        err = set_reg(b->fdt, soc, node, &r, 1);
    if (!err)
        err = fdt_setprop_u32(b->fdt, node, "riscv,ndev", b->p->plic_ndev);
    if (!err)
        err = fdt_setprop(b->fdt, node, "interrupts-extended", contexts,
                          b->p->nr_vcpus * PLIC_CELLS_PER_VCPU * CELL_BYTES);
    if (!err)
        err = fdt_setprop_empty(b->fdt, node, "interrupt-controller");
    if (!err)
        err = fdt_setprop_u32(b->fdt, node, "#interrupt-cells", IRQ_CELLS);
    if (!err)
        err = fdt_setprop_u32(b->fdt, node, "#address-cells", 0);
    return err;
}

static bool device_prop_copied(const struct build *b, const char *name)
{
    (void)b;
    return strcmp(name, "reg") && strcmp(name, "interrupt-parent");
}

/* Copies host node src, passed through at the guest-physical ranges r, under path. */
static int copy_device(struct build *b, const char *path, int src, const struct reg_range *r, int n)
{
    int len;
    const char *host_name = fdt_get_name(b->host, src, &len);
    const char *at = host_name ? memchr(host_name, '@', len) : NULL;
    char name[NODE_NAME_MAX];
    int parent = fdt_path_offset(b->fdt, path);
    int err = parent < 0 ? parent
                         : format_name(name, "%.*s@%lx", (int)(at ? at - host_name : len),
                                       host_name, r[0].base);
    int node = err ? err : fdt_add_subnode(b->fdt, parent, name);

    if (node < 0)
        return node;
    err = copy_props(b, node, src, device_prop_copied);
    if (!err)
        err = set_reg(b->fdt, parent, node, r, n);
    if (!err && fdt_getprop(b->host, src, "interrupts", NULL))
        err = b->plic ? fdt_setprop_u32(b->fdt, node, "interrupt-parent", b->plic_phandle)
                      : -FDT_ERR_BADVALUE;
    if (!err)
        err = copy_subnodes(b, node, src, 1);
    if (!err && src == b->host_stdout)
        err = fdt_get_path(b->fdt, node, b->stdout_path, sizeof(b->stdout_path));
    return err;
}

/* Copies the host's passed-through devices that are children of path. */
static int add_passthrough(struct build *b, const char *path)
{
    int parent = fdt_path_offset(b->host, path), src;

    if (parent < 0)
        return parent == -FDT_ERR_NOTFOUND ? 0 : parent;
    fdt_for_each_subnode (src, b->host, parent) {
        struct reg_range r[REG_ENTRIES_MAX];
        if (host_only(b->host, src) || is_plic(b->host, src) ||
            prop_string_is(b->host, src, "device_type", "memory"))
            continue;
        int n = passthrough_reg(b, parent, src, r);
        int err = n ? copy_device(b, path, src, r, n) : 0;
        if (err)
            return err;
    }
    return src == -FDT_ERR_NOTFOUND ? 0 : src;
}

static const char *emu_compatible(enum emu_dev_type type)
{
    switch (type) {
    case EMU_DEV_VIRTIO_BLK:
    case EMU_DEV_VIRTIO_NET:
    case EMU_DEV_VIRTIO_CONSOLE:
    case EMU_DEV_VIRTIO_BLK_MEDIATED:
        return "virtio,mmio";
    case EMU_DEV_SHYPER:
        return "shyper,hypervisor";
    default:
        return NULL;
    }
}

/* A device with registers goes under /soc, one without (shyper) under the root. */
static int add_emu_device(struct build *b, const struct vm_emu_dev_config *d)
{
    const char *compatible = emu_compatible(d->type);
    const char *base_name = d->type == EMU_DEV_SHYPER ? "shyper" : "virtio_mmio";
    struct reg_range r = {d->base, d->size};
    char name[NODE_NAME_MAX];
    int parent = fdt_path_offset(b->fdt, d->size ? "/soc" : "/");
    int err = parent;

    if (parent >= 0)
        err = d->size ? format_name(name, "%s@%lx", base_name, d->base)
                      : format_name(name, "%s", base_name);
    int node = err ? err : fdt_add_subnode(b->fdt, parent, name);
    if (node < 0)
        return node;
    err = fdt_setprop_string(b->fdt, node, "compatible", compatible);
    if (!err && d->size)
        err = set_reg(b->fdt, parent, node, &r, 1);
    if (!err && d->irq)
        err = set_interrupt(b, node, d->irq);
    return err;
}

static int add_emu_devices(struct build *b)
{
    for (u32 i = b->p->nr_emu; i-- > 0;) {
        int err = emu_compatible(b->p->emu[i].type) ? add_emu_device(b, &b->p->emu[i]) : 0;
        if (err)
            return err;
    }
    return 0;
}

/* ------------------------------------------------------------------ chosen, aliases */

static int set_chosen(struct build *b)
{
    static const char *const replaced[] = {"bootargs", "linux,initrd-start", "linux,initrd-end",
                                           "stdout-path", "linux,stdout-path"};
    const struct vm_fdt_params *p = b->p;
    int chosen = subnode_or_add(b->fdt, 0, "chosen");

    if (chosen < 0)
        return chosen;
    for (u32 i = 0; i < ARRAY_SIZE(replaced); i++) {
        int err = fdt_delprop(b->fdt, chosen, replaced[i]);
        if (err && err != -FDT_ERR_NOTFOUND)
            return err;
    }
    int err = p->cmdline ? fdt_setprop_string(b->fdt, chosen, "bootargs", p->cmdline) : 0;
    if (!err && p->initrd_size)
        err = fdt_setprop_u64(b->fdt, chosen, "linux,initrd-start", p->initrd_start);
    if (!err && p->initrd_size)
        err = fdt_setprop_u64(b->fdt, chosen, "linux,initrd-end", p->initrd_start + p->initrd_size);
    if (!err && b->stdout_path[0])
        err = fdt_setprop_string(b->fdt, chosen, "stdout-path", b->stdout_path);
    return err;
}

/* Name of an alias that points at no node, or NULL. */
static const char *dangling_alias(const void *fdt, int aliases)
{
    int prop;

    fdt_for_each_property_offset (prop, fdt, aliases) {
        const char *name;
        int len;
        const char *path = fdt_getprop_by_offset(fdt, prop, &name, &len);
        if (!path || fdt_path_offset_namelen(fdt, path, strnlen(path, len)) < 0)
            return name;
    }
    return NULL;
}

/* Deletes aliases of removed nodes, and /aliases when none is left. */
static int prune_aliases(void *fdt)
{
    int aliases = fdt_path_offset(fdt, "/aliases");
    const char *name;

    if (aliases < 0)
        return aliases == -FDT_ERR_NOTFOUND ? 0 : aliases;
    while ((name = dangling_alias(fdt, aliases))) {
        int err = fdt_delprop(fdt, aliases, name);
        if (err)
            return err;
    }
    bool empty = fdt_first_property_offset(fdt, aliases) == -FDT_ERR_NOTFOUND;
    return empty ? fdt_del_node(fdt, aliases) : 0;
}

/* ------------------------------------------------------------------ the whole tree */

static int host_stdout_node(const void *host)
{
    int chosen = fdt_path_offset(host, "/chosen"), len = 0;
    const char *path = chosen >= 0 ? fdt_getprop(host, chosen, "stdout-path", &len) : NULL;

    if (!path)
        return -FDT_ERR_NOTFOUND;
    const char *options = memchr(path, ':', len);
    int n = options ? (int)(options - path) : (int)strnlen(path, len);
    return fdt_path_offset_namelen(host, path, n);
}

static int check_params(const struct vm_fdt_params *p)
{
    if (!p->host_fdt || !p->nr_vcpus || p->nr_vcpus > MAX_HARTS || !p->nr_mem || !p->mem ||
        (p->nr_pt && !p->pt) || (p->nr_emu && !p->emu))
        return -FDT_ERR_BADVALUE;
    /* One hart, one vCPU: two copies of its interrupt controller would share a phandle. */
    for (u32 i = 0; i < p->nr_vcpus; i++)
        for (u32 j = 0; j < i; j++)
            if (p->vcpu_hart[i] == p->vcpu_hart[j])
                return -FDT_ERR_BADVALUE;
    if (p->initrd_size && p->initrd_start + p->initrd_size < p->initrd_start)
        return -FDT_ERR_BADVALUE;
    int err = fdt_check_header(p->host_fdt);
    /* libfdt is built for version-17 trees only (scripts/libfdt.mk). */
    if (!err && fdt_version(p->host_fdt) != FDT_LAST_SUPPORTED_VERSION)
        err = -FDT_ERR_BADVERSION;
    return err;
}

static int init_build(struct build *b, const struct vm_fdt_params *p, void *buf)
{
    u32 max_phandle;
    int err = check_params(p);

    if (err)
        return err;
    memset(b, 0, sizeof(*b));
    b->p = p;
    b->host = p->host_fdt;
    b->fdt = buf;
    for (u32 i = 0; i < p->nr_emu; i++) {
        if (p->emu[i].type != EMU_DEV_PLIC)
            continue;
        if (b->plic || !p->plic_ndev || p->plic_ndev > PLIC_NDEV_MAX)
            return -FDT_ERR_BADVALUE;
        b->plic = &p->emu[i];
    }
    for (u32 i = 0; i < p->nr_emu; i++)
        if (emu_compatible(p->emu[i].type) && p->emu[i].irq &&
            (!b->plic || p->emu[i].irq > p->plic_ndev))
            return -FDT_ERR_BADVALUE;
    err = fdt_find_max_phandle(b->host, &max_phandle);
    if (err)
        return err;
    b->next_phandle = max_phandle + 1;
    b->host_stdout = host_stdout_node(b->host);
    if (b->plic) {
        int host_plic = find_plic(b->host);
        b->plic_phandle = host_plic >= 0 ? fdt_get_phandle(b->host, host_plic) : 0;
        if (!b->plic_phandle)
            b->plic_phandle = b->next_phandle++;
    }
    return 0;
}

static int build_tree(struct build *b, u32 size)
{
    bool from_host = b->p->mode == VM_FDT_FROM_HOST;
    int err = from_host ? start_from_host(b, size) : start_empty(b, size);

    if (!err)
        err = add_cpus(b);
    if (!err)
        err = add_memory(b);
    if (!err && b->plic)
        err = add_plic(b);
    if (!err)
        err = add_passthrough(b, "/");
    if (!err)
        err = add_passthrough(b, "/soc");
    if (!err)
        err = add_emu_devices(b);
    if (!err)
        err = set_chosen(b);
    if (!err && from_host)
        err = prune_aliases(b->fdt);
    if (!err)
        err = fdt_pack(b->fdt);
    return err;
}

int vm_fdt_build(const struct vm_fdt_params *p, void *buf, u32 size)
{
    struct build b;
    int err = p && buf && buf != p->host_fdt ? init_build(&b, p, buf) : -FDT_ERR_BADVALUE;

    if (!err)
        err = build_tree(&b, size);
    switch (err) {
    case 0:
        return 0;
    case -FDT_ERR_NOSPACE:
        return -ENOSPC;
    case -FDT_ERR_NOTFOUND:
        return -ENOENT;
    default:
        return -EINVAL;
    }
}
