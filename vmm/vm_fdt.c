/* Device trees for VMs (see vm_fdt.h), written front to back with libfdt's sequential-write
 * functions.  A first look at the host tree finds what the VM gets (its harts' nodes, the
 * passed-through devices, the nodes the MVM keeps); then one walk writes the VM's tree in
 * its final order, and nothing in it is looked up, moved or deleted (but dangling aliases).
 * Internally errors are libfdt codes (-FDT_ERR_*); vm_fdt_build() turns them into errnos. */
#include <kernel/errno.h>
#include <kernel/fdt_read.h>
#include <kernel/log.h>
#include <libfdt.h>
#include <stdarg.h>
#include <string.h>
#include <vmm/vm_fdt.h>

#define CELL_BYTES          4
#define CELLS_MAX           2  /* address/size cells that fit a u64 */
#define REG_ENTRIES_MAX     8  /* reg ranges of a passed-through node */
#define COPY_DEPTH_MAX      8  /* nesting of a passed-through node's subnodes */
#define PT_DEVICES_MAX      32 /* passed-through devices directly under / or under /soc */
#define SCAN_DEPTH_MAX      4  /* the root, /cpus, a cpu, its interrupt controller */
#define NODE_NAME_MAX       64
#define NODE_PATH_MAX       128
#define PLIC_NDEV_MAX       1023 /* the PLIC specification's largest source id */
#define IRQ_M_EXT           11   /* interrupts-extended cell naming a hart's M-level context */
#define IRQ_S_EXT           9    /* ... and its S-level context */
#define PLIC_CELLS_PER_VCPU 4
#define BUS_CELLS           2 /* #address-cells and #size-cells of / and /soc we create */
#define CPU_ADDRESS_CELLS   1 /* a cpu's reg is its hart id */
#define IRQ_CELLS           1 /* #interrupt-cells of the PLIC: the source id */
/* Nodes the builder adds under one parent: under / at most chosen, soc, cpus, the emulated
 * devices, the passed-through ones and the memory nodes. */
#define ADDED_MAX (3 + VM_MAX_EMU_DEVS + PT_DEVICES_MAX + VM_MAX_MEM_REGIONS)

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
/* An isa_hidden entry, with the length of its name. */
// clang-format off
#define HIDE(name, prefix) {name, sizeof(name) - 1, prefix}
// clang-format on
static const struct {
    const char *name;
    size_t len;
    bool prefix;
} isa_hidden[] = {
    HIDE("h", false),         /* no nested virtualization */
    HIDE("sh", true),         /* hypervisor-level features exist only with H */
    HIDE("sm", true),         /* machine-level features: a VM has no M-mode */
    HIDE("v", false),         /* vector state is not switched between vCPUs */
    HIDE("zv", true),         /* vector sub-extensions, likewise */
    HIDE("ssaia", false),     /* AIA is not virtualized: a VM has a PLIC */
    HIDE("sscsrind", false),  /* indirect CSR access (AIA, counter delegation) */
    HIDE("sscofpmf", false),  /* counter overflow is reported through the SBI PMU extension */
    HIDE("ssstateen", false), /* state-enable CSRs are not opened to guests */
    HIDE("zicbom", false),    /* cache-block management is not enabled for guests */
    HIDE("zicboz", false),    /* cache-block zero is not enabled for guests */
    HIDE("svadu", false),     /* hardware A/D updates are not enabled for guest page tables */
    HIDE("svpbmt", false),    /* page-based memory types are not enabled for guest page tables */
    HIDE("zkr", false),       /* the seed CSR is not accessible to guests */
    HIDE("zawrs", false),     /* wrs.nto traps like WFI and is not emulated */
};
#undef HIDE

/* CPU properties that only make sense with an extension. */
static const struct {
    const char *prop;
    const char *ext;
} ext_props[] = {
    {"riscv,cbom-block-size", "zicbom"},
    {"riscv,cbop-block-size", "zicbop"},
    {"riscv,cboz-block-size", "zicboz"},
};

struct reg_range {
    u64 base;
    u64 size;
};

/* Names of the nodes the builder added under one parent so far, in the tree being written:
 * a node it adds or keeps there must not repeat one (libfdt's sequential writes do not check). */
struct added {
    const char *name[ADDED_MAX];
    u32 n;
};

/* A parent of devices: / or /soc. */
struct bus {
    int host;               /* host node whose passed-through children go here, < 0: none */
    int host_ac, host_sc;   /* its #address-cells and #size-cells */
    int kept;               /* host node the VM's one copies (the MVM's /soc), < 0: generated */
    int ac, sc;             /* #address-cells and #size-cells of the VM's node */
    int pt[PT_DEVICES_MAX]; /* host's children passed through, in host order */
    u32 nr_pt;
    struct added added;
};

struct build {
    const struct vm_fdt_params *p;
    struct fdt_reader host;               /* the host tree */
    void *fdt;                            /* the VM's tree, in the caller's buffer */
    const struct vm_emu_dev_config *plic; /* the vPLIC, or NULL */
    int host_stdout;                      /* host node of the console, or < 0 */
    u32 max_phandle;                      /* the host's highest */
    u32 next_phandle;
    u32 plic_phandle;
    int cpu[MAX_HARTS];  /* host cpu node of each vCPU's hart */
    int intc[MAX_HARTS]; /* ... and its interrupt controller */
    u32 intc_phandle[MAX_HARTS];
    bool intc_phandle_new[MAX_HARTS]; /* the host's has no phandle: one is allocated */
    int host_cpus;                    /* the host's /cpus, or < 0 */
    int cpus;                         /* host /cpus the MVM's copies, or < 0 */
    int chosen;                       /* host /chosen the MVM's copies, or < 0 */
    /* the MVM's /soc, /cpus and /chosen keep children of the host's (the scan saw one) */
    bool soc_keeps, cpus_keep, chosen_keeps;
    bool host_aliases; /* the host's root has a child named aliases */
    int host_plic[2];  /* first node compatible with riscv,plic0 and sifive,plic-1.0.0 */
    u32 host_plic_phandle[2];
    struct bus root, soc;
    const struct bus *stdout_bus; /* the console is passed through to this bus, at stdout_ipa */
    u64 stdout_ipa;
    char stdout_path[NODE_PATH_MAX]; /* the console in the VM's tree, "" if it has none */
};

enum copy_kind {
    COPY_KEPT,        /* a host node the MVM keeps: no PLIC node in its subtree */
    COPY_PASSTHROUGH, /* a passed-through device: subtree at most COPY_DEPTH_MAX deep */
};

typedef bool (*prop_filter)(const struct build *b, const char *name);
typedef bool (*node_filter)(const struct fdt_reader *r, int node);

/* Text being filtered: with buf NULL it is only measured. */
struct text {
    char *buf;
    size_t len;
};

typedef void (*text_filter)(const struct vm_fdt_params *p, const char *src, size_t len,
                            struct text *out);

/* ------------------------------------------------------------------ reading the host tree */

/* fdt_path_offset_namelen() for an absolute path (aliases go to libfdt). */
static int path_offset(const struct fdt_reader *r, const char *path, int len)
{
    const char *p = path, *end = path + len;
    int node = 0;

    if (len < 1 || *path != '/')
        return fdt_path_offset_namelen(r->fdt, path, len);
    while (node >= 0) {
        while (p < end && *p == '/')
            p++;
        if (p == end)
            return node;
        const char *q = memchr(p, '/', end - p);
        size_t n = (q ? q : end) - p;
        int child;
        fdt_read_for_each_subnode(child, r, node)
        {
            int name_len;
            const char *name = fdt_read_get_name(r, child, &name_len);
            if (name && (size_t)name_len >= n && !memcmp(name, p, n) &&
                (name[n] == '\0' || (name[n] == '@' && !memchr(p, '@', n))))
                break;
        }
        node = child;
        p += n;
    }
    return node;
}

static bool str_in(const char *s, const char *const *list, u32 n)
{
    for (u32 i = 0; i < n; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

static bool host_only(const struct fdt_reader *r, int node)
{
    const char *name = fdt_read_get_name(r, node, NULL);

    for (u32 i = 0; name && i < ARRAY_SIZE(host_only_nodes); i++)
        if (fdt_read_name_is(name, host_only_nodes[i]))
            return true;
    return false;
}

static bool prop_string_is(const struct fdt_reader *r, int node, const char *prop,
                           const char *value)
{
    int len;
    const char *v = fdt_read_getprop(r, node, prop, &len);

    return v && fdt_stringlist_contains(v, len, value);
}

static bool is_cpu(const struct fdt_reader *r, int node)
{
    return prop_string_is(r, node, "device_type", "cpu");
}

static bool is_plic(const struct fdt_reader *r, int node)
{
    int len;
    const char *compatible = fdt_read_getprop(r, node, "compatible", &len);

    return compatible && (fdt_stringlist_contains(compatible, len, "riscv,plic0") ||
                          fdt_stringlist_contains(compatible, len, "sifive,plic-1.0.0"));
}

/* A node of the host's that the MVM keeps as it is, directly under / or /soc. */
static bool kept_node(const struct fdt_reader *r, int node)
{
    return !host_only(r, node) && !fdt_read_getprop(r, node, "reg", NULL) && !is_plic(r, node);
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

/* ------------------------------------------------------------------ writing nodes */

/* Opens node `name` unless a node the builder added under the same parent (those in
 * `added`, or none with NULL) has that name; with `add`, the new one joins them. */
static int begin_node(struct build *b, struct added *added, const char *name, bool add)
{
    for (u32 i = 0; added && i < added->n; i++)
        if (!strcmp(added->name[i], name))
            return -FDT_ERR_EXISTS;
    if (add && added->n == ADDED_MAX)
        return -FDT_ERR_INTERNAL;
    /* The name goes right behind the tag at the end of the structure block, which stays in
     * place while the tree is written (fdt_finish() moves only the strings). */
    const char *at =
        (const char *)b->fdt + fdt_off_dt_struct(b->fdt) + fdt_size_dt_struct(b->fdt) + FDT_TAGSIZE;
    int err = fdt_begin_node(b->fdt, name);
    if (!err && add)
        added->name[added->n++] = at;
    return err;
}

static int empty_property(void *fdt, const char *name)
{
    void *value;

    return fdt_property_placeholder(fdt, name, 0, &value);
}

/* Writes the properties of host node src for which keep() holds (all with keep NULL). */
static int copy_props(struct build *b, int src, prop_filter keep)
{
    int offset, next;
    u32 tag = fdt_read_tag(&b->host, src, &offset);

    if (tag != FDT_BEGIN_NODE)
        return -FDT_ERR_BADOFFSET;
    for (; (tag = fdt_read_tag(&b->host, offset, &next)) == FDT_PROP || tag == FDT_NOP;
         offset = next) {
        const char *name;
        int len;
        const void *value = tag == FDT_PROP ? fdt_read_prop(&b->host, offset, &name, &len) : NULL;
        if (tag == FDT_PROP && !value)
            return len;
        if (!value || (keep && !keep(b, name)))
            continue;
        int err = fdt_property(b->fdt, name, value, len);
        if (err)
            return err;
    }
    return tag == FDT_BEGIN_NODE || tag == FDT_END_NODE ? 0 : next;
}

/* Writes the subnodes of host node src, with their subtrees, in one walk of its tags. */
static int copy_subnodes(struct build *b, int src, enum copy_kind kind)
{
    int offset = src, next, depth = 0, skip = 0; /* skip: depth of a PLIC left out */

    do {
        const char *name;
        int err = 0;
        switch (fdt_read_tag(&b->host, offset, &next)) {
        case FDT_BEGIN_NODE:
            if (++depth == 1 || skip)
                break;
            if (kind == COPY_PASSTHROUGH && depth > COPY_DEPTH_MAX)
                return -FDT_ERR_BADSTRUCTURE;
            if (kind == COPY_KEPT && is_plic(&b->host, offset)) {
                skip = depth;
                break;
            }
            name = fdt_read_get_name(&b->host, offset, NULL);
            err = name ? fdt_begin_node(b->fdt, name) : -FDT_ERR_BADSTRUCTURE;
            break;
        case FDT_PROP:
            if (depth > 1 && !skip) {
                int len;
                const void *value = fdt_read_prop(&b->host, offset, &name, &len);
                err = value ? fdt_property(b->fdt, name, value, len) : len;
            }
            break;
        case FDT_END_NODE:
            if (depth > 1 && !skip)
                err = fdt_end_node(b->fdt);
            if (skip == depth)
                skip = 0;
            depth--;
            break;
        case FDT_NOP:
            break;
        default: /* FDT_END inside the node, or a broken tag */
            return next < 0 ? next : -FDT_ERR_BADSTRUCTURE;
        }
        if (err)
            return err;
        offset = next;
    } while (depth > 0);
    return 0;
}

/* Writes host node src (kept by the MVM) with its properties and subtree. */
static int copy_kept(struct build *b, struct added *added, int src)
{
    const char *name = fdt_read_get_name(&b->host, src, NULL);
    int err = name ? begin_node(b, added, name, false) : -FDT_ERR_BADSTRUCTURE;

    if (!err)
        err = copy_props(b, src, NULL);
    if (!err)
        err = copy_subnodes(b, src, COPY_KEPT);
    return err ? err : fdt_end_node(b->fdt);
}

/* Writes the children of host node parent for which keep() holds (all with NULL), but PLICs. */
static int copy_kept_children(struct build *b, struct added *added, int parent, node_filter keep)
{
    int node;

    fdt_read_for_each_subnode(node, &b->host, parent)
    {
        if (is_plic(&b->host, node) || (keep && !keep(&b->host, node)))
            continue;
        int err = copy_kept(b, added, node);
        if (err)
            return err;
    }
    return node == -FDT_ERR_NOTFOUND ? 0 : node;
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
    if (n == sizeof("sstc") - 1 && !memcmp(ext, "sstc", n))
        return p->has_sstc;
    for (u32 i = 0; i < ARRAY_SIZE(isa_hidden); i++) {
        size_t m = isa_hidden[i].len;
        bool long_enough = isa_hidden[i].prefix ? n >= m : n == m;
        if (long_enough && *ext == *isa_hidden[i].name && !memcmp(ext, isa_hidden[i].name, m))
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
    for (const char *s = list; s < list + len;) {
        size_t n = strlen(s);
        if (n && isa_ext_visible(p, s, n))
            put(out, s, n + 1);
        s += n + 1;
    }
}

/* Writes property `name` of host node src passed through filter. */
static int put_filtered(struct build *b, int src, const char *name, text_filter filter)
{
    int len;
    const char *value = fdt_read_getprop(&b->host, src, name, &len);
    struct text measure = {NULL, 0}, out = {NULL, 0};
    void *room;

    if (!value)
        return len == -FDT_ERR_NOTFOUND ? 0 : len;
    if (len < 1 || value[len - 1] != '\0')
        return -FDT_ERR_BADVALUE;
    filter(b->p, value, len, &measure);
    int err = fdt_property_placeholder(b->fdt, name, measure.len, &room);
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

/* Writes reg: the n ranges r in the cells of bus. */
static int put_reg(struct build *b, const struct bus *bus, const struct reg_range *r, int n)
{
    int ac = bus->ac, sc = bus->sc, c = 0;
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
    return fdt_property(b->fdt, "reg", cells, c * CELL_BYTES);
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

/* The ranges of reg (len bytes, of a child of bus->host) as guest-physical addresses: how many,
 * or 0 unless there is a reg and every range lies in a passthrough region. */
static int passthrough_ranges(const struct build *b, const struct bus *bus, const fdt32_t *reg,
                              int len, struct reg_range *r)
{
    int ac = bus->host_ac, sc = bus->host_sc;

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

/* The name of host device src in the VM: its own with the unit address ipa. */
static int device_name(const struct build *b, int src, u64 ipa, char *name)
{
    int len;
    const char *host_name = fdt_read_get_name(&b->host, src, &len);
    const char *at = host_name ? memchr(host_name, '@', len) : NULL;

    if (!host_name)
        return len;
    return format_name(name, "%.*s@%lx", (int)(at ? at - host_name : len), host_name, ipa);
}

/* ------------------------------------------------------------------ CPUs */

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

static bool not_phandle(const struct build *b, const char *name)
{
    (void)b;
    return strcmp(name, "phandle");
}

/* The hart's interrupt controller as a child of its cpu, with the host's phandle. */
static int put_intc(struct build *b, u32 vcpu)
{
    const char *name = fdt_read_get_name(&b->host, b->intc[vcpu], NULL);
    bool new_phandle = b->intc_phandle_new[vcpu];
    int err = name ? fdt_begin_node(b->fdt, name) : -FDT_ERR_BADSTRUCTURE;

    if (!err)
        err = copy_props(b, b->intc[vcpu], new_phandle ? not_phandle : NULL);
    if (!err && new_phandle)
        err = fdt_property_u32(b->fdt, "phandle", b->intc_phandle[vcpu]);
    return err ? err : fdt_end_node(b->fdt);
}

static int put_cpu(struct build *b, struct added *added, u32 vcpu)
{
    char name[NODE_NAME_MAX];
    int src = b->cpu[vcpu];
    int err = format_name(name, "cpu@%x", vcpu);

    if (!err)
        err = begin_node(b, added, name, true);
    if (!err)
        err = copy_props(b, src, cpu_prop_copied);
    if (!err)
        err = fdt_property_u32(b->fdt, "reg", vcpu);
    if (!err)
        err = fdt_property_string(b->fdt, "status", "okay");
    if (!err)
        err = put_filtered(b, src, "riscv,isa", filter_isa_string);
    if (!err)
        err = put_filtered(b, src, "riscv,isa-extensions", filter_isa_list);
    if (!err)
        err = put_intc(b, vcpu);
    return err ? err : fdt_end_node(b->fdt);
}

static bool kept_cpus_child(const struct fdt_reader *r, int node)
{
    const char *name = fdt_read_get_name(r, node, NULL);

    return !is_cpu(r, node) && !(name && fdt_read_name_is(name, "cpu-map"));
}

/* /cpus: the MVM's keeps the host's properties and its children but cpus and cpu-map. */
static int put_cpus(struct build *b)
{
    struct added cpus = {.n = 0};
    bool kept = b->cpus >= 0;
    const char *name = kept ? fdt_read_get_name(&b->host, b->cpus, NULL) : "cpus";
    int err = name ? begin_node(b, &b->root.added, name, !kept) : -FDT_ERR_BADSTRUCTURE;

    if (!err && kept) {
        err = copy_props(b, b->cpus, NULL);
    } else if (!err) {
        int host_cpus = b->host_cpus, len;
        const void *timebase =
            host_cpus >= 0 ? fdt_read_getprop(&b->host, host_cpus, "timebase-frequency", &len)
                           : NULL;
        err = timebase ? fdt_property_u32(b->fdt, "#address-cells", CPU_ADDRESS_CELLS)
                       : (host_cpus < 0 ? host_cpus : -FDT_ERR_NOTFOUND);
        if (!err)
            err = fdt_property_u32(b->fdt, "#size-cells", 0);
        if (!err)
            err = fdt_property(b->fdt, "timebase-frequency", timebase, len);
    }
    for (u32 i = 0; !err && i < b->p->nr_vcpus; i++)
        err = put_cpu(b, &cpus, i);
    if (!err && b->cpus_keep)
        err = copy_kept_children(b, &cpus, b->cpus, kept_cpus_child);
    return err ? err : fdt_end_node(b->fdt);
}

/* ------------------------------------------------------------------ memory, PLIC, devices */

static int put_memory(struct build *b)
{
    for (u32 i = 0; i < b->p->nr_mem; i++) {
        const struct vm_mem_region_config *m = &b->p->mem[i];
        struct reg_range r = {m->ipa, m->size};
        char name[NODE_NAME_MAX];
        int err = format_name(name, "memory@%lx", m->ipa);
        if (!err)
            err = begin_node(b, &b->root.added, name, true);
        if (!err)
            err = fdt_property_string(b->fdt, "device_type", "memory");
        if (!err)
            err = put_reg(b, &b->root, &r, 1);
        if (!err)
            err = fdt_end_node(b->fdt);
        if (err)
            return err;
    }
    return 0;
}

static int put_plic(struct build *b)
{
    static const char compatible[] = "sifive,plic-1.0.0\0riscv,plic0";
    const struct vm_emu_dev_config *d = b->plic;
    fdt32_t contexts[MAX_HARTS * PLIC_CELLS_PER_VCPU];
    struct reg_range r = {d->base, d->size};
    char name[NODE_NAME_MAX];
    int err = format_name(name, "plic@%lx", d->base);

    for (u32 i = 0; i < b->p->nr_vcpus; i++) {
        fdt32_t *c = &contexts[i * PLIC_CELLS_PER_VCPU];
        c[0] = c[2] = cpu_to_fdt32(b->intc_phandle[i]);
        c[1] = cpu_to_fdt32(IRQ_M_EXT);
        c[3] = cpu_to_fdt32(IRQ_S_EXT);
    }
    if (!err)
        err = begin_node(b, &b->soc.added, name, true);
    if (!err)
        err = fdt_property_u32(b->fdt, "phandle", b->plic_phandle);
    if (!err)
        err = fdt_property(b->fdt, "compatible", compatible, sizeof(compatible));
    if (!err)
        err = put_reg(b, &b->soc, &r, 1);
    if (!err)
        err = fdt_property_u32(b->fdt, "riscv,ndev", b->p->plic_ndev);
    if (!err)
        err = fdt_property(b->fdt, "interrupts-extended", contexts,
                           b->p->nr_vcpus * PLIC_CELLS_PER_VCPU * CELL_BYTES);
    if (!err)
        err = empty_property(b->fdt, "interrupt-controller");
    if (!err)
        err = fdt_property_u32(b->fdt, "#interrupt-cells", IRQ_CELLS);
    if (!err)
        err = fdt_property_u32(b->fdt, "#address-cells", 0);
    return err ? err : fdt_end_node(b->fdt);
}

static bool device_prop_copied(const struct build *b, const char *name)
{
    (void)b;
    return strcmp(name, "reg") && strcmp(name, "interrupt-parent");
}

/* Copies host node src, a passed-through child of bus->host, into the VM's node of bus. */
static int copy_device(struct build *b, struct bus *bus, int src)
{
    struct reg_range r[REG_ENTRIES_MAX];
    char name[NODE_NAME_MAX];
    int len;
    const fdt32_t *reg = fdt_read_getprop(&b->host, src, "reg", &len);
    int n = passthrough_ranges(b, bus, reg, len, r);
    int err = device_name(b, src, r[0].base, name);

    if (!err)
        err = begin_node(b, &bus->added, name, true);
    if (!err)
        err = copy_props(b, src, device_prop_copied);
    if (!err)
        err = put_reg(b, bus, r, n);
    if (!err && fdt_read_getprop(&b->host, src, "interrupts", NULL))
        err = b->plic ? fdt_property_u32(b->fdt, "interrupt-parent", b->plic_phandle)
                      : -FDT_ERR_BADVALUE;
    if (!err)
        err = copy_subnodes(b, src, COPY_PASSTHROUGH);
    return err ? err : fdt_end_node(b->fdt);
}

/* The passed-through devices of bus, in the reverse of the host's order. */
static int copy_devices(struct build *b, struct bus *bus)
{
    for (u32 i = bus->nr_pt; i-- > 0;) {
        int err = copy_device(b, bus, bus->pt[i]);
        if (err)
            return err;
    }
    return 0;
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

/* The emulated devices of bus in configuration order: those with registers go under /soc,
 * those without (shyper) under the root. */
static int put_emu_devices(struct build *b, struct bus *bus)
{
    bool soc = bus == &b->soc;

    for (u32 i = 0; i < b->p->nr_emu; i++) {
        const struct vm_emu_dev_config *d = &b->p->emu[i];
        const char *compatible = emu_compatible(d->type);
        const char *base_name = d->type == EMU_DEV_SHYPER ? "shyper" : "virtio_mmio";
        struct reg_range r = {d->base, d->size};
        char name[NODE_NAME_MAX];
        if (!compatible || !d->size != !soc)
            continue;
        int err = d->size ? format_name(name, "%s@%lx", base_name, d->base)
                          : format_name(name, "%s", base_name);
        if (!err)
            err = begin_node(b, &bus->added, name, true);
        if (!err)
            err = fdt_property_string(b->fdt, "compatible", compatible);
        if (!err && d->size)
            err = put_reg(b, bus, &r, 1);
        if (!err && d->irq)
            err = fdt_property_u32(b->fdt, "interrupts", d->irq);
        if (!err && d->irq)
            err = fdt_property_u32(b->fdt, "interrupt-parent", b->plic_phandle);
        if (!err)
            err = fdt_end_node(b->fdt);
        if (err)
            return err;
    }
    return 0;
}

/* /soc: emulated devices, passed-through devices, the vPLIC, then (the MVM's) the host's
 * children that are no devices. */
static int put_soc(struct build *b)
{
    bool kept = b->soc.kept >= 0;
    const char *name = kept ? fdt_read_get_name(&b->host, b->soc.kept, NULL) : "soc";
    int err = name ? begin_node(b, &b->root.added, name, !kept) : -FDT_ERR_BADSTRUCTURE;

    if (!err && kept) {
        err = copy_props(b, b->soc.kept, NULL);
    } else if (!err) {
        err = fdt_property_u32(b->fdt, "#address-cells", BUS_CELLS);
        if (!err)
            err = fdt_property_u32(b->fdt, "#size-cells", BUS_CELLS);
        if (!err)
            err = fdt_property_string(b->fdt, "compatible", "simple-bus");
        if (!err)
            err = empty_property(b->fdt, "ranges");
    }
    if (!err)
        err = put_emu_devices(b, &b->soc);
    if (!err)
        err = copy_devices(b, &b->soc);
    if (!err && b->plic)
        err = put_plic(b);
    if (!err && b->soc_keeps)
        err = copy_kept_children(b, &b->soc.added, b->soc.kept, kept_node);
    return err ? err : fdt_end_node(b->fdt);
}

/* ------------------------------------------------------------------ chosen, aliases */

static bool chosen_prop_copied(const struct build *b, const char *name)
{
    static const char *const replaced[] = {"bootargs", "linux,initrd-start", "linux,initrd-end",
                                           "stdout-path", "linux,stdout-path"};

    (void)b;
    return !str_in(name, replaced, ARRAY_SIZE(replaced));
}

static int put_chosen(struct build *b)
{
    const struct vm_fdt_params *p = b->p;
    bool kept = b->chosen >= 0;
    const char *name = kept ? fdt_read_get_name(&b->host, b->chosen, NULL) : "chosen";
    int err = name ? begin_node(b, &b->root.added, name, !kept) : -FDT_ERR_BADSTRUCTURE;

    if (!err && kept)
        err = copy_props(b, b->chosen, chosen_prop_copied);
    if (!err && p->cmdline)
        err = fdt_property_string(b->fdt, "bootargs", p->cmdline);
    if (!err && p->initrd_size)
        err = fdt_property_u64(b->fdt, "linux,initrd-start", p->initrd_start);
    if (!err && p->initrd_size)
        err = fdt_property_u64(b->fdt, "linux,initrd-end", p->initrd_start + p->initrd_size);
    if (!err && b->stdout_path[0])
        err = fdt_property_string(b->fdt, "stdout-path", b->stdout_path);
    if (!err && b->chosen_keeps)
        err = copy_kept_children(b, NULL, b->chosen, NULL);
    return err ? err : fdt_end_node(b->fdt);
}

/* Name of an alias that points at no node, or NULL. */
static const char *dangling_alias(const void *fdt, int aliases)
{
    struct fdt_reader r;
    int prop;

    fdt_read_init(&r, fdt);
    fdt_for_each_property_offset (prop, fdt, aliases) {
        const char *name;
        int len;
        const char *path = fdt_getprop_by_offset(fdt, prop, &name, &len);
        if (!path || path_offset(&r, path, strnlen(path, len)) < 0)
            return name;
    }
    return NULL;
}

/* Deletes aliases of nodes the finished tree lacks, and /aliases when none is left. */
static int prune_aliases(void *fdt)
{
    struct fdt_reader r;
    const char *name;

    fdt_read_init(&r, fdt);
    int aliases = path_offset(&r, "/aliases", strlen("/aliases"));

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

/* ------------------------------------------------------------------ the host's nodes */

static int host_stdout_node(const struct fdt_reader *r)
{
    int chosen = path_offset(r, "/chosen", strlen("/chosen")), len = 0;
    const char *path = chosen >= 0 ? fdt_read_getprop(r, chosen, "stdout-path", &len) : NULL;

    if (!path)
        return -FDT_ERR_NOTFOUND;
    const char *options = memchr(path, ':', len);
    int n = options ? (int)(options - path) : (int)strnlen(path, len);
    return path_offset(r, path, n);
}

/* The path of the console, passed-through device src of bus at ipa, in the VM's tree. */
static int set_stdout_path(struct build *b, const struct bus *bus, int src, u64 ipa)
{
    char name[NODE_NAME_MAX];
    bool kept_soc = bus == &b->soc && b->soc.kept >= 0;
    const char *soc = kept_soc ? fdt_read_get_name(&b->host, b->soc.kept, NULL) : "soc";
    int err = soc ? device_name(b, src, ipa, name) : -FDT_ERR_BADSTRUCTURE;
    int n = err ? 0
            : bus == &b->root
                ? snprintf(b->stdout_path, sizeof(b->stdout_path), "/%s", name)
                : snprintf(b->stdout_path, sizeof(b->stdout_path), "/%s/%s", soc, name);

    if (!err && n >= (int)sizeof(b->stdout_path))
        err = -FDT_ERR_NOSPACE;
    return err;
}

/* What the scan of the host tree gathers of one node, from its properties. */
struct host_node {
    int offset;
    int depth; /* 1: the root */
    const char *name;
    const char *compatible, *device_type;
    int compatible_len, device_type_len;
    const fdt32_t *reg, *phandle, *linux_phandle, *address_cells, *size_cells;
    int reg_len, address_cells_len, size_cells_len;
};

static void note_prop(struct host_node *n, const char *name, const void *value, int len)
{
    if (!strcmp(name, "compatible") && !n->compatible) {
        n->compatible = value;
        n->compatible_len = len;
    } else if (!strcmp(name, "device_type") && !n->device_type) {
        n->device_type = value;
        n->device_type_len = len;
    } else if (!strcmp(name, "reg") && !n->reg) {
        n->reg = value;
        n->reg_len = len;
    } else if (!strcmp(name, "phandle") && !n->phandle && len == CELL_BYTES) {
        n->phandle = value;
    } else if (!strcmp(name, "linux,phandle") && !n->linux_phandle && len == CELL_BYTES) {
        n->linux_phandle = value;
    } else if (!strcmp(name, "#address-cells") && !n->address_cells) {
        n->address_cells = value;
        n->address_cells_len = len;
    } else if (!strcmp(name, "#size-cells") && !n->size_cells) {
        n->size_cells = value;
        n->size_cells_len = len;
    }
}

static bool compatible_with(const struct host_node *n, const char *s)
{
    return n->compatible && fdt_stringlist_contains(n->compatible, n->compatible_len, s);
}

static void set_host_cells(struct bus *bus, const struct host_node *n)
{
    bus->host_ac = fdt_read_address_cells(n->address_cells, n->address_cells_len);
    bus->host_sc = fdt_read_size_cells(n->size_cells, n->size_cells_len);
}

/* A child of bus->host: lists it if it is passed through; notes the console. */
static int scanned_bus_child(struct build *b, struct bus *bus, const struct host_node *n, bool plic)
{
    struct reg_range r[REG_ENTRIES_MAX];
    bool memory =
        n->device_type && fdt_stringlist_contains(n->device_type, n->device_type_len, "memory");

    if (host_only(&b->host, n->offset) || plic || memory ||
        !passthrough_ranges(b, bus, n->reg, n->reg_len, r))
        return 0;
    if (bus->nr_pt == PT_DEVICES_MAX)
        return -FDT_ERR_BADVALUE;
    bus->pt[bus->nr_pt++] = n->offset;
    if (n->offset == b->host_stdout) {
        b->stdout_bus = bus;
        b->stdout_ipa = r[0].base;
    }
    return 0;
}

/* A child of the root: the host's /soc and /cpus (libfdt's lookup: the first child with that
 * name, with or without a unit address); the MVM's /cpus, /soc and /chosen (the first kept
 * one); a passed-through device. */
static int scanned_root_child(struct build *b, const struct host_node *n, bool plic)
{
    if (b->soc.host < 0 && fdt_read_name_is(n->name, "soc")) {
        b->soc.host = n->offset;
        set_host_cells(&b->soc, n);
    }
    if (b->host_cpus < 0 && fdt_read_name_is(n->name, "cpus"))
        b->host_cpus = n->offset;
    if (fdt_read_name_is(n->name, "aliases"))
        b->host_aliases = true;
    if (b->p->mode == VM_FDT_FROM_HOST && !host_only(&b->host, n->offset) && !n->reg && !plic) {
        if (b->cpus < 0 && fdt_read_name_is(n->name, "cpus")) {
            b->cpus = n->offset;
        } else if (b->soc.kept < 0 && fdt_read_name_is(n->name, "soc")) {
            b->soc.kept = n->offset;
            b->soc.ac = fdt_read_address_cells(n->address_cells, n->address_cells_len);
            b->soc.sc = fdt_read_size_cells(n->size_cells, n->size_cells_len);
        } else if (b->chosen < 0 && fdt_read_name_is(n->name, "chosen")) {
            b->chosen = n->offset;
        }
    }
    return scanned_bus_child(b, &b->root, n, plic);
}

/* A cpu node (reg = its hart) of a vCPU's hart: the first under /cpus. */
static void scanned_cpu(struct build *b, const struct host_node *n)
{
    bool cpu = n->device_type && fdt_stringlist_contains(n->device_type, n->device_type_len, "cpu");

    if (!cpu || !n->reg || n->reg_len < CELL_BYTES)
        return;
    for (u32 i = 0; i < b->p->nr_vcpus; i++)
        if (b->cpu[i] < 0 && b->p->vcpu_hart[i] == fdt32_to_cpu(*n->reg))
            b->cpu[i] = n->offset;
}

/* A child of the host node the MVM's /soc, /cpus or /chosen copies: whether
 * copy_kept_children() will copy it (put_soc(), put_cpus(), put_chosen()). */
static void scanned_kept_child(struct build *b, const struct host_node *n, int parent, bool plic)
{
    bool cpu = n->device_type && fdt_stringlist_contains(n->device_type, n->device_type_len, "cpu");

    if (plic)
        return;
    if (parent == b->soc.kept && !n->reg && !host_only(&b->host, n->offset))
        b->soc_keeps = true;
    if (parent == b->cpus && !cpu && !fdt_read_name_is(n->name, "cpu-map"))
        b->cpus_keep = true;
    if (parent == b->chosen)
        b->chosen_keeps = true;
}

/* The first riscv,cpu-intc child of a vCPU's cpu node is its interrupt controller. */
static void scanned_cpu_child(struct build *b, const struct host_node *n, int cpu, u32 phandle)
{
    for (u32 i = 0; i < b->p->nr_vcpus; i++) {
        if (b->cpu[i] == cpu && b->intc[i] < 0 && compatible_with(n, "riscv,cpu-intc")) {
            b->intc[i] = n->offset;
            b->intc_phandle[i] = phandle;
        }
    }
}

/* Node n's properties are all read; path[d] is its ancestor at depth d. */
static int scanned(struct build *b, const struct host_node *n, const int *path)
{
    const fdt32_t *ph = n->phandle ? n->phandle : n->linux_phandle;
    u32 phandle = ph ? fdt32_to_cpu(*ph) : 0; /* fdt_get_phandle() */
    bool plic0 = compatible_with(n, "riscv,plic0"),
         sifive = compatible_with(n, "sifive,plic-1.0.0");

    if (phandle == (u32)-1)
        return -FDT_ERR_NOPHANDLES; /* as fdt_find_max_phandle() */
    b->max_phandle = MAX(b->max_phandle, phandle);
    if (plic0 && b->host_plic[0] < 0) {
        b->host_plic[0] = n->offset;
        b->host_plic_phandle[0] = phandle;
    }
    if (sifive && b->host_plic[1] < 0) {
        b->host_plic[1] = n->offset;
        b->host_plic_phandle[1] = phandle;
    }
    switch (n->depth) {
    case 1:
        set_host_cells(&b->root, n);
        return 0;
    case 2:
        return scanned_root_child(b, n, plic0 || sifive);
    case 3:
        scanned_kept_child(b, n, path[2], plic0 || sifive);
        if (path[2] == b->host_cpus)
            scanned_cpu(b, n);
        return path[2] == b->soc.host ? scanned_bus_child(b, &b->soc, n, plic0 || sifive) : 0;
    case 4:
        if (path[2] == b->host_cpus)
            scanned_cpu_child(b, n, path[3], phandle);
        return 0;
    default:
        return 0;
    }
}

/* One walk over the host tree's tags: every node's phandle and PLIC compatibility, and the
 * nodes the VM's tree is made of down to the vCPUs' interrupt controllers. */
static int scan_host(struct build *b)
{
    int path[SCAN_DEPTH_MAX + 1], offset = 0, next, depth = 0;
    bool in_props = false; /* a node's properties come before its subnodes */
    struct host_node n;

    for (;; offset = next) {
        u32 tag = fdt_read_tag(&b->host, offset, &next);
        int err = 0, len;
        const char *name;
        const void *value;
        if (in_props && tag != FDT_PROP && tag != FDT_NOP) {
            in_props = false;
            err = scanned(b, &n, path);
        }
        switch (tag) {
        case FDT_BEGIN_NODE:
            memset(&n, 0, sizeof(n));
            n.offset = offset;
            n.depth = ++depth;
            n.name = fdt_read_get_name(&b->host, offset, NULL);
            if (!n.name)
                return -FDT_ERR_BADSTRUCTURE;
            if (depth <= SCAN_DEPTH_MAX)
                path[depth] = offset;
            in_props = true;
            break;
        case FDT_PROP:
            value = in_props ? fdt_read_prop(&b->host, offset, &name, &len) : NULL;
            if (in_props && !value)
                return len;
            if (value)
                note_prop(&n, name, value, len);
            break;
        case FDT_END_NODE:
            if (--depth == 0)
                return err;
            break;
        case FDT_NOP:
            break;
        default: /* FDT_END inside the root, or a broken tag */
            return next < 0 ? next : -FDT_ERR_BADSTRUCTURE;
        }
        if (err)
            return err;
    }
}

static int find_host_nodes(struct build *b)
{
    bool from_host = b->p->mode == VM_FDT_FROM_HOST;
    int err = scan_host(b);

    if (err)
        return err;
    if (from_host && b->cpus < 0)
        return -FDT_ERR_NOTFOUND;
    b->next_phandle = b->max_phandle + 1;
    if (b->plic) {
        b->plic_phandle = b->host_plic[0] >= 0 ? b->host_plic_phandle[0] : b->host_plic_phandle[1];
        if (!b->plic_phandle)
            b->plic_phandle = b->next_phandle++;
    }
    for (u32 i = b->p->nr_vcpus; i-- > 0;) { /* new phandles from the last vCPU down */
        if (b->cpu[i] < 0 || b->intc[i] < 0)
            return -FDT_ERR_NOTFOUND;
        b->intc_phandle_new[i] = !b->intc_phandle[i];
        if (b->intc_phandle_new[i])
            b->intc_phandle[i] = b->next_phandle++;
    }
    b->root.ac = from_host ? b->root.host_ac : BUS_CELLS;
    b->root.sc = from_host ? b->root.host_sc : BUS_CELLS;
    if (b->soc.kept < 0) {
        b->soc.ac = BUS_CELLS;
        b->soc.sc = BUS_CELLS;
    }
    return b->stdout_bus ? set_stdout_path(b, b->stdout_bus, b->host_stdout, b->stdout_ipa) : 0;
}

/* ------------------------------------------------------------------ the whole tree */

/* The root's children the MVM keeps, in host order: /cpus, /soc and /chosen rewritten. */
static int put_kept_root_children(struct build *b)
{
    int node;

    fdt_read_for_each_subnode(node, &b->host, 0)
    {
        int err = 0;
        if (node == b->cpus)
            err = put_cpus(b);
        else if (node == b->soc.kept)
            err = put_soc(b);
        else if (node == b->chosen)
            err = put_chosen(b);
        else if (kept_node(&b->host, node))
            err = copy_kept(b, &b->root.added, node);
        if (err)
            return err;
    }
    return node == -FDT_ERR_NOTFOUND ? 0 : node;
}

static int put_generated_root_props(void *fdt)
{
    int err = fdt_property_u32(fdt, "#address-cells", BUS_CELLS);

    if (!err)
        err = fdt_property_u32(fdt, "#size-cells", BUS_CELLS);
    if (!err)
        err = fdt_property_string(fdt, "compatible", "riscv-virtio");
    if (!err)
        err = fdt_property_string(fdt, "model", "riscv-virtio,shyper");
    return err;
}

/* The nodes added come first, in the order the tree had when they were inserted into a copy
 * of the host's: chosen (when new), devices without registers, passed-through devices,
 * memory, cpus and soc (when new); then the host's nodes the MVM keeps. */
static int put_root(struct build *b)
{
    bool from_host = b->p->mode == VM_FDT_FROM_HOST;
    int err = fdt_begin_node(b->fdt, "");

    if (!err)
        err = from_host ? copy_props(b, 0, NULL) : put_generated_root_props(b->fdt);
    if (!err && b->chosen < 0)
        err = put_chosen(b);
    if (!err)
        err = put_emu_devices(b, &b->root);
    if (!err)
        err = copy_devices(b, &b->root);
    if (!err)
        err = put_memory(b);
    if (!err && !from_host)
        err = put_cpus(b);
    if (!err && b->soc.kept < 0)
        err = put_soc(b);
    if (!err && from_host)
        err = put_kept_root_children(b);
    return err ? err : fdt_end_node(b->fdt);
}

/* The MVM keeps the host's memory reservations. */
static int copy_reservations(struct build *b)
{
    int n = fdt_num_mem_rsv(b->host.fdt);

    for (int i = 0; i < n; i++) {
        u64 addr, size;
        int err = fdt_get_mem_rsv(b->host.fdt, i, &addr, &size);
        if (!err)
            err = fdt_add_reservemap_entry(b->fdt, addr, size);
        if (err)
            return err;
    }
    return n < 0 ? n : 0;
}

static int check_params(const struct vm_fdt_params *p)
{
    if (!p->host_fdt || !p->nr_vcpus || p->nr_vcpus > MAX_HARTS || !p->nr_mem || !p->mem ||
        p->nr_mem > VM_MAX_MEM_REGIONS || p->nr_pt > VM_MAX_PT_REGIONS ||
        p->nr_emu > VM_MAX_EMU_DEVS || (p->nr_pt && !p->pt) || (p->nr_emu && !p->emu))
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
    int err = check_params(p);

    if (err)
        return err;
    memset(b, 0, sizeof(*b));
    b->p = p;
    fdt_read_init(&b->host, p->host_fdt);
    b->fdt = buf;
    b->host_cpus = b->cpus = b->chosen = b->soc.kept = b->soc.host = -FDT_ERR_NOTFOUND;
    b->host_plic[0] = b->host_plic[1] = -FDT_ERR_NOTFOUND;
    for (u32 i = 0; i < p->nr_vcpus; i++)
        b->cpu[i] = b->intc[i] = -FDT_ERR_NOTFOUND;
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
    b->host_stdout = host_stdout_node(&b->host);
    return 0;
}

static int build_tree(struct build *b, u32 size)
{
    bool from_host = b->p->mode == VM_FDT_FROM_HOST;
    int err = find_host_nodes(b);

    if (!err)
        err = fdt_create_with_flags(b->fdt, size, FDT_CREATE_FLAG_NO_NAME_DEDUP);
    if (!err && from_host)
        err = copy_reservations(b);
    if (!err)
        err = fdt_finish_reservemap(b->fdt);
    if (!err)
        err = put_root(b);
    if (!err)
        err = fdt_finish(b->fdt);
    if (!err && from_host && b->host_aliases) /* the builder adds no /aliases of its own */
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
