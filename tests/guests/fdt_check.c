/*
 * The device tree the hypervisor hands over in a1 (configs/single.c: every hart, RAM at
 * TEST_RAM_BASE, a vPLIC): it is a valid flattened tree inside RAM and above the image,
 * /cpus has one cpu@i (reg = i) per hart the VM has, the memory node is the VM's RAM, no
 * cpu advertises the H extension, the PLIC lists two contexts per hart and host-only nodes
 * (firmware memory, CLINT, PCI, ...) are gone.  It prints the model and stdout-path for
 * cases.py to compare with the configuration (generated tree or the MVM's).  Parsed here
 * without libfdt, so that the test does not share code with what it checks.
 */
#include "lib/guest.h"
#include "test_layout.h"
#include <kernel/log.h>
#include <string.h>

#define FDT_MAGIC           0xd00dfeed
#define FDT_VERSION_MIN     17
#define FDT_MAX_SIZE        0x10000 /* the hypervisor's VM_FDT_MAX_SIZE */
#define FDT_BEGIN_NODE      1
#define FDT_END_NODE        2
#define FDT_PROP            3
#define FDT_NOP             4
#define FDT_END             9
#define PATH_MAX_LEN        256
#define DEPTH_MAX           16
#define SBI_HSM_HART_STATUS 2
#define PLIC_CONTEXT_BYTES  16 /* <&intc 11 &intc 9> per hart */
#define CPU_NAME_MAX        16

extern char __guest_end[];

/* Header fields, as indexes of big-endian 32-bit words. */
enum fdt_header_word {
    HDR_MAGIC = 0,
    HDR_TOTALSIZE = 1,
    HDR_OFF_DT_STRUCT = 2,
    HDR_OFF_DT_STRINGS = 3,
    HDR_VERSION = 5,
    HDR_WORDS = 10,
};

static const u8 *fdt;

static u32 be32(const void *p)
{
    const u8 *b = p;
    return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

static u64 be64(const void *p)
{
    return (u64)be32(p) << 32 | be32((const u8 *)p + 4);
}

static u32 header(enum fdt_header_word w)
{
    return be32(fdt + w * sizeof(u32));
}

/* One pass over the structure block: calls visit(path, prop, value, len) for every
 * property, and for every node with prop NULL. */
typedef void (*visit_fn)(const char *path, const char *prop, const u8 *value, u32 len);

static void walk(visit_fn visit)
{
    const u8 *p = fdt + header(HDR_OFF_DT_STRUCT);
    const char *strings = (const char *)fdt + header(HDR_OFF_DT_STRINGS);
    char path[PATH_MAX_LEN] = "";
    size_t depth_len[DEPTH_MAX];
    int depth = 0;

    for (;;) {
        u32 token = be32(p);
        p += 4;
        if (token == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            size_t n = strlen(name), len = strlen(path);
            if (depth >= DEPTH_MAX || len + n + 2 > sizeof(path))
                return;
            depth_len[depth++] = len;
            if (depth > 1) {
                path[len++] = '/';
                memcpy(path + len, name, n + 1);
            }
            visit(depth == 1 ? "/" : path, NULL, NULL, 0);
            p += (n + 4) & ~3UL;
        } else if (token == FDT_END_NODE) {
            if (depth == 0)
                return;
            path[depth_len[--depth]] = '\0';
        } else if (token == FDT_PROP) {
            u32 len = be32(p), nameoff = be32(p + 4);
            visit(depth == 1 ? "/" : path, strings + nameoff, p + 8, len);
            p += 8 + ((len + 3) & ~3U);
        } else if (token != FDT_NOP) {
            return; /* FDT_END or garbage */
        }
    }
}

/* Host nodes no VM may see (prefixes of paths). */
static const char *const forbidden[] = {"/reserved-memory", "/soc/clint@", "/soc/pci@",
                                        "/cpus/cpu-map",    "/poweroff",   "/reboot",
                                        "/fw-cfg@",         "/flash@",     "/pmu"};

/* What the walk found. */
static u32 nr_cpu_nodes, cpu_reg_mismatches, nr_memory_nodes, plic_contexts_len, h_cpus;
static u32 nr_forbidden;
static u64 memory_base, memory_size;
static const char *model, *stdout_path;

static bool starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* riscv,isa "rv64imafdc..." : single letters end at the first '_' (or a multi-letter name). */
static bool isa_has_h(const char *isa)
{
    for (const char *s = isa + strlen("rv64"); *s && *s != '_' && *s != 's' && *s != 'z'; s++)
        if (*s == 'h')
            return true;
    return false;
}

static void visit(const char *path, const char *prop, const u8 *value, u32 len)
{
    if (!prop) {
        nr_cpu_nodes += starts_with(path, "/cpus/cpu@") && !strchr(path + 6, '/');
        nr_memory_nodes += starts_with(path, "/memory@");
        for (u32 i = 0; i < ARRAY_SIZE(forbidden); i++) {
            if (starts_with(path, forbidden[i])) {
                guest_printf("unexpected node %s\n", path);
                nr_forbidden++;
            }
        }
        return;
    }
    if (!strcmp(path, "/") && !strcmp(prop, "model"))
        model = (const char *)value;
    if (!strcmp(path, "/chosen") && !strcmp(prop, "stdout-path"))
        stdout_path = (const char *)value;
    if (starts_with(path, "/cpus/cpu@") && !strchr(path + 6, '/')) {
        if (!strcmp(prop, "reg")) {
            char expected[CPU_NAME_MAX];
            snprintf(expected, sizeof(expected), "/cpus/cpu@%x", len == 4 ? be32(value) : ~0U);
            cpu_reg_mismatches += strcmp(path, expected) != 0;
        }
        if (!strcmp(prop, "riscv,isa"))
            h_cpus += isa_has_h((const char *)value);
    }
    if (starts_with(path, "/memory@") && !strcmp(prop, "reg") && len == 16) {
        memory_base = be64(value);
        memory_size = be64(value + 8);
    }
    if (starts_with(path, "/soc/plic@") && !strcmp(prop, "interrupts-extended"))
        plic_contexts_len = len;
}

/* The VM's harts are 0..n-1: HSM knows exactly those. */
static u32 count_harts(void)
{
    u32 n = 0;

    while (sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STATUS, n, 0, 0, 0, 0, 0).error == SBI_SUCCESS)
        n++;
    return n;
}

int main(unsigned long hartid, unsigned long dtb)
{
    u32 harts = count_harts();

    (void)hartid;
    fdt = (const u8 *)dtb;
    CHECK(dtb && (dtb & 7) == 0, "fdt-address-8-byte-aligned");
    CHECK(dtb >= (unsigned long)__guest_end && dtb + FDT_MAX_SIZE <= TEST_RAM_BASE + TEST_RAM_SIZE,
          "fdt-in-ram-above-the-image");
    if (!dtb || dtb < TEST_RAM_BASE || dtb >= TEST_RAM_BASE + TEST_RAM_SIZE)
        test_finish();
    CHECK_EQ(header(HDR_MAGIC), FDT_MAGIC, "fdt-magic");
    if (header(HDR_MAGIC) != FDT_MAGIC)
        test_finish();
    u32 size = header(HDR_TOTALSIZE);
    CHECK(size > HDR_WORDS * sizeof(u32) && size <= FDT_MAX_SIZE, "fdt-totalsize");
    CHECK(header(HDR_VERSION) >= FDT_VERSION_MIN, "fdt-version");
    guest_printf("device tree at 0x%lx, %u bytes, %u hart(s)\n", dtb, size, harts);

    walk(visit);
    CHECK_EQ(nr_cpu_nodes, harts, "fdt-one-cpu-node-per-hart");
    CHECK_EQ(cpu_reg_mismatches, 0, "fdt-cpu-i-has-reg-i");
    CHECK_EQ(h_cpus, 0, "fdt-no-h-extension");
    CHECK_EQ(nr_memory_nodes, 1, "fdt-one-memory-node");
    CHECK_EQ(memory_base, TEST_RAM_BASE, "fdt-memory-base");
    CHECK_EQ(memory_size, TEST_RAM_SIZE, "fdt-memory-size");
    CHECK_EQ(plic_contexts_len, harts * PLIC_CONTEXT_BYTES, "fdt-plic-two-contexts-per-hart");
    CHECK_EQ(nr_forbidden, 0, "fdt-no-host-only-nodes");
    /* cases.py checks these against the configuration. */
    guest_printf("model: %s\n", model ? model : "(none)");
    guest_printf("stdout-path: %s\n", stdout_path ? stdout_path : "(none)");
    return 0;
}
