// UNIT_SOURCES: vmm/vm_fdt.c kernel/lib/fdt_read.c
// UNIT_LDLIBS: -lfdt
/* The device trees VMs boot with (vmm/vm_fdt.c), built from the QEMU virt host tree in
 * tests/unit/data/qemu_virt_smp4.dts and read back with the host's libfdt. */
#include "unit_test.h"
#include <kernel/errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <vmm/vm_fdt.h>

#define HOST_DTB                UNIT_DATA_DIR "/qemu_virt_smp4.dtb"
#define HOST_PLIC_PHANDLE       9
#define HOST_MAX_PHANDLE        10
#define HOST_INTC_PHANDLE(hart) (8 - 2 * (hart)) /* QEMU's numbering */
#define MVM_RAM                 0x90000000UL
#define GVM_RAM                 0x80000000UL
#define UART_PA                 0x10000000UL
#define VIRTIO_SLOT8_PA         0x10008000UL
#define VPLIC_BASE              0x0c000000UL
#define VPLIC_SIZE              0x600000UL
#define VPLIC_NDEV              127
#define VIRTIO_BASE             0x0a000000UL
#define VIRTIO_IRQ              40
#define SHYPER_IRQ              69

static u8 host[VM_FDT_MAX_SIZE];
static u8 out[VM_FDT_MAX_SIZE] __attribute__((aligned(8)));

static const void *host_fdt(void)
{
    static bool loaded;

    if (!loaded) {
        FILE *f = fopen(HOST_DTB, "rb");
        size_t n = f ? fread(host, 1, sizeof(host), f) : 0;
        if (f)
            fclose(f);
        if (!n || fdt_check_header(host)) {
            printf("cannot read %s\n", HOST_DTB);
            abort();
        }
        loaded = true;
    }
    return host;
}

static const struct vm_mem_region_config two_regions[] = {
    {.ipa = MVM_RAM, .size = MIB(512)},
    {.ipa = 0x100000000UL, .size = MIB(256)},
};
static const struct vm_mem_region_config gvm_region[] = {{.ipa = GVM_RAM, .size = MIB(64)}};
static const struct vm_pt_region_config uart_and_slot8[] = {
    {.ipa = UART_PA, .pa = UART_PA, .size = PAGE_SIZE},
    {.ipa = VIRTIO_SLOT8_PA, .pa = VIRTIO_SLOT8_PA, .size = PAGE_SIZE},
};
static const struct vm_emu_dev_config devices[] = {
    {.name = "plic", .type = EMU_DEV_PLIC, .base = VPLIC_BASE, .size = VPLIC_SIZE},
    {.name = "net",
     .type = EMU_DEV_VIRTIO_NET,
     .base = VIRTIO_BASE,
     .size = 0x1000,
     .irq = VIRTIO_IRQ},
    {.name = "scratch", .type = EMU_DEV_SCRATCH, .base = 0x20000000, .size = 0x1000},
    {.name = "shyper", .type = EMU_DEV_SHYPER, .irq = SHYPER_IRQ},
};

/* The MVM: harts 2 and 0 (vCPU 0 on hart 2), two RAM regions, UART and slot 8 passed
 * through, a vPLIC, virtio-net and the shyper device. */
static struct vm_fdt_params mvm_params(void)
{
    return (struct vm_fdt_params){
        .mode = VM_FDT_FROM_HOST,
        .host_fdt = host_fdt(),
        .nr_vcpus = 2,
        .vcpu_hart = {2, 0},
        .mem = two_regions,
        .nr_mem = ARRAY_SIZE(two_regions),
        .pt = uart_and_slot8,
        .nr_pt = ARRAY_SIZE(uart_and_slot8),
        .emu = devices,
        .nr_emu = ARRAY_SIZE(devices),
        .plic_ndev = VPLIC_NDEV,
        .cmdline = "earlycon=sbi console=ttyS0 root=/dev/vda rw",
        .has_sstc = true,
    };
}

/* A guest VM on harts 1, 3 and 2 with 64 MiB, a vPLIC, virtio-net and an initrd. */
static struct vm_fdt_params gvm_params(void)
{
    return (struct vm_fdt_params){
        .mode = VM_FDT_GENERATED,
        .host_fdt = host_fdt(),
        .nr_vcpus = 3,
        .vcpu_hart = {1, 3, 2},
        .mem = gvm_region,
        .nr_mem = 1,
        .emu = devices,
        .nr_emu = 3,
        .plic_ndev = VPLIC_NDEV,
        .cmdline = "console=hvc0",
        .initrd_start = 0x1c0000000UL,
        .initrd_size = 0x123000,
        .has_sstc = false,
    };
}

/* Builds into `out`; the tree must pass libfdt's full check. */
static const void *build(const struct vm_fdt_params *p)
{
    memset(out, 0xa5, sizeof(out));
    int err = vm_fdt_build(p, out, sizeof(out));
    EXPECT_EQ(err, 0);
    EXPECT_EQ(fdt_check_full(out, sizeof(out)), 0);
    return out;
}

static int node(const void *fdt, const char *path)
{
    return fdt_path_offset(fdt, path);
}

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
    int n = node(fdt, path);
    return n < 0 ? NULL : fdt_getprop(fdt, n, name, len);
}

static long long prop_u32(const void *fdt, const char *path, const char *name)
{
    int len = 0;
    const fdt32_t *v = prop(fdt, path, name, &len);
    return v && len == 4 ? (long long)fdt32_to_cpu(*v) : -1;
}

static const char *prop_str(const void *fdt, const char *path, const char *name)
{
    return prop(fdt, path, name, NULL);
}

/* How many strings of a string-list property equal s (0 or 1 for a sane list). */
static int list_has(const void *fdt, const char *path, const char *name, const char *s)
{
    int len = 0;
    const char *v = prop(fdt, path, name, &len);
    return v ? fdt_stringlist_contains(v, len, s) : -1;
}

static bool isa_has(const char *isa, const char *ext)
{
    size_t n = strlen(ext);
    for (const char *p = strchr(isa, '_'); p; p = strchr(p + 1, '_'))
        if (!strncmp(p + 1, ext, n) && (p[1 + n] == '_' || p[1 + n] == '\0'))
            return true;
    return false;
}

static int count_cpus(const void *fdt)
{
    int n = 0, cpu, cpus = node(fdt, "/cpus");
    fdt_for_each_subnode (cpu, fdt, cpus) {
        const char *type = fdt_getprop(fdt, cpu, "device_type", NULL);
        n += type && !strcmp(type, "cpu");
    }
    return n;
}

/* The 4-cell entry of interrupts-extended for vCPU i must be <&intc_i 11 &intc_i 9>. */
static void expect_plic_contexts(const void *fdt, const char *plic, u32 nr_vcpus)
{
    int len = 0;
    const fdt32_t *ie = prop(fdt, plic, "interrupts-extended", &len);

    EXPECT_TRUE(ie != NULL);
    EXPECT_EQ(len, (int)(nr_vcpus * 4 * sizeof(fdt32_t)));
    for (u32 i = 0; ie && i < nr_vcpus && (int)(i * 16) < len; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/cpus/cpu@%x/interrupt-controller", i);
        int intc = node(fdt, path);
        EXPECT_TRUE(intc >= 0);
        EXPECT_EQ(fdt32_to_cpu(ie[4 * i]), fdt_get_phandle(fdt, intc));
        EXPECT_EQ(fdt32_to_cpu(ie[4 * i + 1]), 11);
        EXPECT_EQ(fdt32_to_cpu(ie[4 * i + 2]), fdt_get_phandle(fdt, intc));
        EXPECT_EQ(fdt32_to_cpu(ie[4 * i + 3]), 9);
    }
}

/* Every phandle in the tree is distinct and nonzero. */
static void expect_unique_phandles(const void *fdt)
{
    u32 seen[64];
    int n = 0, offset;

    for (offset = fdt_next_node(fdt, -1, NULL); offset >= 0;
         offset = fdt_next_node(fdt, offset, NULL)) {
        u32 ph = fdt_get_phandle(fdt, offset);
        if (!ph)
            continue;
        for (int i = 0; i < n; i++)
            EXPECT_TRUE(seen[i] != ph);
        if (n < 64)
            seen[n++] = ph;
    }
}

/* The node interrupt-parent of path points at is the PLIC. */
static void expect_parent_is_plic(const void *fdt, const char *path)
{
    long long ph = prop_u32(fdt, path, "interrupt-parent");
    int parent = fdt_node_offset_by_phandle(fdt, (u32)ph);

    EXPECT_TRUE(ph > 0);
    EXPECT_TRUE(parent >= 0 && !fdt_node_check_compatible(fdt, parent, "riscv,plic0"));
}

/* ---------------------------------------------------------------- from the host (MVM) */

TEST(mvm_keeps_only_its_harts_renumbered)
{
    struct vm_fdt_params p = mvm_params();
    const void *fdt = build(&p);

    EXPECT_EQ(count_cpus(fdt), 2);
    EXPECT_EQ(prop_u32(fdt, "/cpus/cpu@0", "reg"), 0);
    EXPECT_EQ(prop_u32(fdt, "/cpus/cpu@1", "reg"), 1);
    EXPECT_STR_EQ(prop_str(fdt, "/cpus/cpu@0", "status"), "okay");
    /* vCPU 0 is hart 2: its cpu and intc phandles are hart 2's. */
    EXPECT_EQ(prop_u32(fdt, "/cpus/cpu@0", "phandle"), 3);
    EXPECT_EQ(prop_u32(fdt, "/cpus/cpu@0/interrupt-controller", "phandle"), HOST_INTC_PHANDLE(2));
    EXPECT_EQ(prop_u32(fdt, "/cpus/cpu@1/interrupt-controller", "phandle"), HOST_INTC_PHANDLE(0));
    EXPECT_STR_EQ(prop_str(fdt, "/cpus/cpu@0/interrupt-controller", "compatible"),
                  "riscv,cpu-intc");
    EXPECT_TRUE(node(fdt, "/cpus/cpu@2") < 0);
    EXPECT_TRUE(node(fdt, "/cpus/cpu@3") < 0);
    EXPECT_TRUE(node(fdt, "/cpus/cpu-map") < 0);
    EXPECT_EQ(prop_u32(fdt, "/cpus", "timebase-frequency"), 10000000);
    EXPECT_STR_EQ(prop_str(fdt, "/cpus/cpu@1", "mmu-type"), "riscv,sv57");
    expect_unique_phandles(fdt);
}

TEST(mvm_memory_replaced_by_its_regions)
{
    struct vm_fdt_params p = mvm_params();
    const void *fdt = build(&p);
    int len = 0;
    const fdt32_t *reg = prop(fdt, "/memory@90000000", "reg", &len);

    EXPECT_TRUE(node(fdt, "/memory@80000000") < 0);
    EXPECT_STR_EQ(prop_str(fdt, "/memory@90000000", "device_type"), "memory");
    EXPECT_EQ(len, 16);
    if (reg && len == 16) {
        EXPECT_EQ(fdt32_to_cpu(reg[1]), MVM_RAM);
        EXPECT_EQ(fdt32_to_cpu(reg[3]), MIB(512));
    }
    reg = prop(fdt, "/memory@100000000", "reg", &len);
    EXPECT_TRUE(reg && len == 16 && fdt32_to_cpu(reg[0]) == 1 && fdt32_to_cpu(reg[3]) == MIB(256));
}

TEST(mvm_host_only_nodes_removed)
{
    static const char *const gone[] = {
        "/reserved-memory",
        "/poweroff",
        "/reboot",
        "/platform-bus@4000000",
        "/fw-cfg@10100000",
        "/flash@20000000",
        "/pmu",
        "/soc/clint@2000000",
        "/soc/pci@30000000",
        "/soc/test@100000",
        "/soc/rtc@101000",
        "/soc/virtio_mmio@10001000",
        "/soc/virtio_mmio@10007000",
    };
    struct vm_fdt_params p = mvm_params();
    const void *fdt = build(&p);

    for (unsigned i = 0; i < ARRAY_SIZE(gone); i++) {
        if (node(fdt, gone[i]) >= 0)
            unit_fail(__FILE__, __LINE__, "%s is still there", gone[i]);
    }
    EXPECT_TRUE(node(fdt, "/soc") >= 0);
    EXPECT_TRUE(node(fdt, "/chosen") >= 0);
}

TEST(mvm_passthrough_devices_kept)
{
    struct vm_fdt_params p = mvm_params();
    const void *fdt = build(&p);
    int len = 0;
    const fdt32_t *reg = prop(fdt, "/soc/serial@10000000", "reg", &len);

    EXPECT_STR_EQ(prop_str(fdt, "/soc/serial@10000000", "compatible"), "ns16550a");
    EXPECT_EQ(prop_u32(fdt, "/soc/serial@10000000", "interrupts"), 10);
    EXPECT_EQ(prop_u32(fdt, "/soc/serial@10000000", "clock-frequency"), 3686400);
    EXPECT_TRUE(reg && len == 16 && fdt32_to_cpu(reg[1]) == UART_PA &&
                fdt32_to_cpu(reg[3]) == 0x100);
    expect_parent_is_plic(fdt, "/soc/serial@10000000");
    EXPECT_STR_EQ(prop_str(fdt, "/soc/virtio_mmio@10008000", "compatible"), "virtio,mmio");
    expect_parent_is_plic(fdt, "/soc/virtio_mmio@10008000");
    /* The console UART is the VM's: stdout-path and the alias point at it. */
    EXPECT_STR_EQ(prop_str(fdt, "/chosen", "stdout-path"), "/soc/serial@10000000");
    EXPECT_STR_EQ(prop_str(fdt, "/aliases", "serial0"), "/soc/serial@10000000");
    EXPECT_TRUE(prop(fdt, "/chosen", "rng-seed", NULL) != NULL); /* the host's, kept */
}

TEST(mvm_without_uart_has_no_stdout_path_nor_dangling_alias)
{
    struct vm_fdt_params p = mvm_params();
    p.pt = &uart_and_slot8[1];
    p.nr_pt = 1;
    const void *fdt = build(&p);

    EXPECT_TRUE(node(fdt, "/soc/serial@10000000") < 0);
    EXPECT_TRUE(prop(fdt, "/chosen", "stdout-path", NULL) == NULL);
    EXPECT_TRUE(node(fdt, "/aliases") < 0); /* serial0 was its only alias */
}

/* Children of the host's /soc, /cpus and /chosen that are no devices, harts or cpu-map are
 * kept (the scan tells whether there are any; QEMU's tree has none). */
TEST(mvm_keeps_other_children_of_soc_cpus_and_chosen)
{
    u8 *custom = malloc(VM_FDT_MAX_SIZE);
    struct vm_fdt_params p = mvm_params();
    static const char *const parents[] = {"/soc", "/cpus", "/chosen"};

    EXPECT_EQ(fdt_open_into(host_fdt(), custom, VM_FDT_MAX_SIZE), 0);
    for (unsigned i = 0; i < ARRAY_SIZE(parents); i++) {
        int child = fdt_add_subnode(custom, fdt_path_offset(custom, parents[i]), "extra");
        EXPECT_EQ(fdt_setprop_string(custom, child, "label", parents[i]), 0);
    }
    /* not kept: a host-only node without registers */
    EXPECT_TRUE(fdt_add_subnode(custom, fdt_path_offset(custom, "/soc"), "clint@0") >= 0);
    p.host_fdt = custom;
    const void *fdt = build(&p);
    EXPECT_STR_EQ(prop_str(fdt, "/soc/extra", "label"), "/soc");
    EXPECT_STR_EQ(prop_str(fdt, "/cpus/extra", "label"), "/cpus");
    EXPECT_STR_EQ(prop_str(fdt, "/chosen/extra", "label"), "/chosen");
    EXPECT_TRUE(node(fdt, "/soc/clint@0") < 0);
    free(custom);
}

TEST(passthrough_at_another_address_is_translated)
{
    static const struct vm_pt_region_config moved[] = {
        {.ipa = 0x40000000UL, .pa = UART_PA, .size = PAGE_SIZE},
    };
    struct vm_fdt_params p = mvm_params();
    p.pt = moved;
    p.nr_pt = 1;
    const void *fdt = build(&p);
    int len = 0;
    const fdt32_t *reg = prop(fdt, "/soc/serial@40000000", "reg", &len);

    EXPECT_TRUE(node(fdt, "/soc/serial@10000000") < 0);
    EXPECT_TRUE(reg && len == 16 && fdt32_to_cpu(reg[1]) == 0x40000000);
    EXPECT_STR_EQ(prop_str(fdt, "/chosen", "stdout-path"), "/soc/serial@40000000");
}

TEST(device_partly_outside_passthrough_is_removed)
{
    static const struct vm_pt_region_config half[] = {
        {.ipa = UART_PA, .pa = UART_PA, .size = 0x80}, /* the UART's reg is 0x100 long */
    };
    struct vm_fdt_params p = mvm_params();
    p.pt = half;
    p.nr_pt = 1;
    const void *fdt = build(&p);

    EXPECT_TRUE(node(fdt, "/soc/serial@10000000") < 0);
}

TEST(mvm_plic_lists_exactly_its_contexts)
{
    struct vm_fdt_params p = mvm_params();
    const void *fdt = build(&p);
    int len = 0;
    const fdt32_t *reg = prop(fdt, "/soc/plic@c000000", "reg", &len);

    expect_plic_contexts(fdt, "/soc/plic@c000000", 2);
    EXPECT_EQ(prop_u32(fdt, "/soc/plic@c000000", "phandle"), HOST_PLIC_PHANDLE);
    EXPECT_EQ(prop_u32(fdt, "/soc/plic@c000000", "riscv,ndev"), VPLIC_NDEV);
    EXPECT_TRUE(reg && len == 16 && fdt32_to_cpu(reg[1]) == VPLIC_BASE &&
                fdt32_to_cpu(reg[3]) == VPLIC_SIZE);
    /* vCPU 0 (hart 2) first: context 0/1 name hart 2's intc. */
    const fdt32_t *ie = prop(fdt, "/soc/plic@c000000", "interrupts-extended", &len);
    EXPECT_TRUE(ie && fdt32_to_cpu(ie[0]) == HOST_INTC_PHANDLE(2) &&
                fdt32_to_cpu(ie[4]) == HOST_INTC_PHANDLE(0));
}

TEST(vplic_elsewhere_is_described_where_it_is)
{
    static const struct vm_emu_dev_config moved_plic[] = {
        {.name = "plic", .type = EMU_DEV_PLIC, .base = 0x8000000, .size = VPLIC_SIZE},
    };
    struct vm_fdt_params p = mvm_params();
    p.emu = moved_plic;
    p.nr_emu = 1;
    const void *fdt = build(&p);

    EXPECT_TRUE(node(fdt, "/soc/plic@c000000") < 0);
    EXPECT_EQ(prop_u32(fdt, "/soc/plic@8000000", "phandle"), HOST_PLIC_PHANDLE);
    /* The passed-through UART's interrupts still go to the (moved) vPLIC. */
    expect_parent_is_plic(fdt, "/soc/serial@10000000");
}

TEST(isa_filtered)
{
    struct vm_fdt_params p = mvm_params();
    const void *fdt = build(&p);
    const char *isa = prop_str(fdt, "/cpus/cpu@0", "riscv,isa");
    static const char *const hidden[] = {"zicbom", "zicboz", "smaia", "ssaia",   "sscofpmf",
                                         "svpbmt", "svadu",  "zawrs", "shgatpa", "shcounterenw"};
    static const char *const kept[] = {"zicbop", "zicsr",  "zifencei", "zba",
                                       "zbb",    "svvptc", "sstvala",  "zfa"};

    EXPECT_TRUE(isa && !strncmp(isa, "rv64imafdc_", strlen("rv64imafdc_")));
    for (unsigned i = 0; isa && i < ARRAY_SIZE(hidden); i++) {
        if (isa_has(isa, hidden[i]) ||
            list_has(fdt, "/cpus/cpu@0", "riscv,isa-extensions", hidden[i]) != 0)
            unit_fail(__FILE__, __LINE__, "%s not hidden", hidden[i]);
    }
    for (unsigned i = 0; isa && i < ARRAY_SIZE(kept); i++) {
        if (!isa_has(isa, kept[i]) ||
            list_has(fdt, "/cpus/cpu@1", "riscv,isa-extensions", kept[i]) != 1)
            unit_fail(__FILE__, __LINE__, "%s not kept", kept[i]);
    }
    EXPECT_EQ(list_has(fdt, "/cpus/cpu@0", "riscv,isa-extensions", "h"), 0);
    EXPECT_EQ(list_has(fdt, "/cpus/cpu@0", "riscv,isa-extensions", "c"), 1);
    EXPECT_STR_EQ(prop_str(fdt, "/cpus/cpu@0", "riscv,isa-base"), "rv64i");
    /* Block sizes go with their extensions. */
    EXPECT_TRUE(prop(fdt, "/cpus/cpu@0", "riscv,cboz-block-size", NULL) == NULL);
    EXPECT_TRUE(prop(fdt, "/cpus/cpu@0", "riscv,cbom-block-size", NULL) == NULL);
    EXPECT_EQ(prop_u32(fdt, "/cpus/cpu@0", "riscv,cbop-block-size"), 64);
}

TEST(sstc_follows_the_flag)
{
    struct vm_fdt_params p = mvm_params();
    const void *fdt = build(&p);

    EXPECT_TRUE(isa_has(prop_str(fdt, "/cpus/cpu@0", "riscv,isa"), "sstc"));
    EXPECT_EQ(list_has(fdt, "/cpus/cpu@0", "riscv,isa-extensions", "sstc"), 1);
    p.has_sstc = false;
    fdt = build(&p);
    EXPECT_TRUE(!isa_has(prop_str(fdt, "/cpus/cpu@0", "riscv,isa"), "sstc"));
    EXPECT_EQ(list_has(fdt, "/cpus/cpu@0", "riscv,isa-extensions", "sstc"), 0);
}

TEST(chosen_bootargs_replaced_no_initrd)
{
    struct vm_fdt_params p = mvm_params();
    const void *fdt = build(&p);

    EXPECT_STR_EQ(prop_str(fdt, "/chosen", "bootargs"),
                  "earlycon=sbi console=ttyS0 root=/dev/vda rw");
    EXPECT_TRUE(prop(fdt, "/chosen", "linux,initrd-start", NULL) == NULL);
    EXPECT_TRUE(prop(fdt, "/chosen", "linux,initrd-end", NULL) == NULL);
}

TEST(initrd_in_64bit_cells)
{
    struct vm_fdt_params p = gvm_params();
    const void *fdt = build(&p);
    int len_start = 0, len_end = 0;
    const void *start = prop(fdt, "/chosen", "linux,initrd-start", &len_start);
    const void *end = prop(fdt, "/chosen", "linux,initrd-end", &len_end);

    EXPECT_EQ(len_start, 8);
    EXPECT_EQ(len_end, 8);
    if (start && end) {
        fdt64_t s, e; /* properties are only 4-byte aligned */
        memcpy(&s, start, sizeof(s));
        memcpy(&e, end, sizeof(e));
        EXPECT_EQ(fdt64_to_cpu(s), 0x1c0000000UL);
        EXPECT_EQ(fdt64_to_cpu(e), 0x1c0123000UL);
    }
    EXPECT_STR_EQ(prop_str(fdt, "/chosen", "bootargs"), "console=hvc0");
}

TEST(virtio_and_shyper_nodes)
{
    struct vm_fdt_params p = mvm_params();
    const void *fdt = build(&p);
    int len = 0;
    const fdt32_t *reg = prop(fdt, "/soc/virtio_mmio@a000000", "reg", &len);

    EXPECT_STR_EQ(prop_str(fdt, "/soc/virtio_mmio@a000000", "compatible"), "virtio,mmio");
    EXPECT_TRUE(reg && len == 16 && fdt32_to_cpu(reg[1]) == VIRTIO_BASE &&
                fdt32_to_cpu(reg[3]) == 0x1000);
    EXPECT_EQ(prop_u32(fdt, "/soc/virtio_mmio@a000000", "interrupts"), VIRTIO_IRQ);
    expect_parent_is_plic(fdt, "/soc/virtio_mmio@a000000");
    EXPECT_EQ(prop_u32(fdt, "/soc/virtio_mmio@a000000", "interrupt-parent"), HOST_PLIC_PHANDLE);

    int shyper = fdt_node_offset_by_compatible(fdt, -1, "shyper,hypervisor");
    EXPECT_TRUE(shyper >= 0);
    EXPECT_STR_EQ(fdt_get_name(fdt, shyper, NULL), "shyper");
    EXPECT_EQ(prop_u32(fdt, "/shyper", "interrupts"), SHYPER_IRQ);
    expect_parent_is_plic(fdt, "/shyper");
    /* The scratch test device has no node. */
    EXPECT_TRUE(node(fdt, "/soc/virtio_mmio@20000000") < 0);
}

/* ---------------------------------------------------------------- generated (GVM) */

TEST(gvm_generated_structure)
{
    struct vm_fdt_params p = gvm_params();
    const void *fdt = build(&p);

    EXPECT_EQ(prop_u32(fdt, "/", "#address-cells"), 2);
    EXPECT_EQ(prop_u32(fdt, "/", "#size-cells"), 2);
    EXPECT_STR_EQ(prop_str(fdt, "/", "compatible"), "riscv-virtio");
    EXPECT_TRUE(prop_str(fdt, "/", "model") != NULL);
    EXPECT_EQ(prop_u32(fdt, "/cpus", "timebase-frequency"), 10000000);
    EXPECT_EQ(prop_u32(fdt, "/cpus", "#address-cells"), 1);
    EXPECT_EQ(prop_u32(fdt, "/cpus", "#size-cells"), 0);
    EXPECT_EQ(count_cpus(fdt), 3);
    for (int i = 0; i < 3; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/cpus/cpu@%x", i);
        EXPECT_EQ(prop_u32(fdt, path, "reg"), i);
        EXPECT_STR_EQ(prop_str(fdt, path, "device_type"), "cpu");
        EXPECT_STR_EQ(prop_str(fdt, path, "mmu-type"), "riscv,sv57");
        EXPECT_STR_EQ(prop_str(fdt, path, "riscv,isa-base"), "rv64i");
        EXPECT_TRUE(!strncmp(prop_str(fdt, path, "riscv,isa"), "rv64imafdc_", 11));
        EXPECT_EQ(list_has(fdt, path, "riscv,isa-extensions", "h"), 0);
        EXPECT_EQ(list_has(fdt, path, "riscv,isa-extensions", "sstc"), 0);
    }
    EXPECT_TRUE(prop(fdt, "/cpus/cpu@0", "riscv,cboz-block-size", NULL) == NULL);
    EXPECT_EQ(prop_u32(fdt, "/cpus/cpu@0/interrupt-controller", "#interrupt-cells"), 1);
    EXPECT_TRUE(prop(fdt, "/cpus/cpu@0/interrupt-controller", "interrupt-controller", NULL));
    EXPECT_STR_EQ(prop_str(fdt, "/memory@80000000", "device_type"), "memory");
    EXPECT_STR_EQ(prop_str(fdt, "/soc", "compatible"), "simple-bus");
    EXPECT_TRUE(prop(fdt, "/soc", "ranges", NULL) != NULL);
    EXPECT_TRUE(node(fdt, "/cpus/cpu-map") < 0);
    expect_unique_phandles(fdt);
}

TEST(gvm_plic)
{
    struct vm_fdt_params p = gvm_params();
    const void *fdt = build(&p);
    const char *plic = "/soc/plic@c000000";

    expect_plic_contexts(fdt, plic, 3);
    EXPECT_EQ(list_has(fdt, plic, "compatible", "sifive,plic-1.0.0"), 1);
    EXPECT_EQ(list_has(fdt, plic, "compatible", "riscv,plic0"), 1);
    EXPECT_EQ(prop_u32(fdt, plic, "#interrupt-cells"), 1);
    EXPECT_TRUE(prop(fdt, plic, "interrupt-controller", NULL) != NULL);
    EXPECT_EQ(prop_u32(fdt, plic, "riscv,ndev"), VPLIC_NDEV);
    /* vCPU 0 runs on hart 1, vCPU 1 on hart 3. */
    EXPECT_EQ(prop_u32(fdt, "/cpus/cpu@0/interrupt-controller", "phandle"), HOST_INTC_PHANDLE(1));
    EXPECT_EQ(prop_u32(fdt, "/cpus/cpu@1/interrupt-controller", "phandle"), HOST_INTC_PHANDLE(3));
    expect_parent_is_plic(fdt, "/soc/virtio_mmio@a000000");
}

TEST(gvm_has_no_host_devices)
{
    struct vm_fdt_params p = gvm_params();
    const void *fdt = build(&p);
    int child, n = 0;

    fdt_for_each_subnode (child, fdt, node(fdt, "/soc"))
        n++;
    EXPECT_EQ(n, 2); /* plic, virtio_mmio */
    EXPECT_TRUE(node(fdt, "/soc/clint@2000000") < 0);
    EXPECT_TRUE(node(fdt, "/aliases") < 0);
    EXPECT_TRUE(prop(fdt, "/chosen", "stdout-path", NULL) == NULL);
    EXPECT_TRUE(node(fdt, "/reserved-memory") < 0);
}

TEST(gvm_passthrough_uart_copied)
{
    struct vm_fdt_params p = gvm_params();
    p.pt = uart_and_slot8;
    p.nr_pt = 1;
    const void *fdt = build(&p);

    EXPECT_STR_EQ(prop_str(fdt, "/soc/serial@10000000", "compatible"), "ns16550a");
    expect_parent_is_plic(fdt, "/soc/serial@10000000");
    EXPECT_STR_EQ(prop_str(fdt, "/chosen", "stdout-path"), "/soc/serial@10000000");
    expect_unique_phandles(fdt);
}

TEST(gvm_without_plic_has_no_plic_node)
{
    struct vm_fdt_params p = gvm_params();
    p.emu = &devices[2]; /* the scratch device only */
    p.nr_emu = 1;
    const void *fdt = build(&p);

    EXPECT_EQ(fdt_node_offset_by_compatible(fdt, -1, "riscv,plic0"), -FDT_ERR_NOTFOUND);
    EXPECT_EQ(count_cpus(fdt), 3);
}

/* ---------------------------------------------------------------- errors */

TEST(short_buffers_fail_cleanly)
{
    struct vm_fdt_params modes[] = {mvm_params(), gvm_params()};

    for (unsigned m = 0; m < ARRAY_SIZE(modes); m++) {
        u32 size, first_fit = 0;
        for (size = 0; size <= VM_FDT_MAX_SIZE && !first_fit; size += size < 256 ? 1 : 61) {
            void *buf = aligned_alloc(8, size ? ALIGN_UP(size, 8) : 8);
            int err = vm_fdt_build(&modes[m], buf, size); /* ASan catches overruns */
            if (!err)
                first_fit = size;
            else if (err != -ENOSPC)
                unit_fail(__FILE__, __LINE__, "mode %u size %u: %d", m, size, err);
            free(buf);
        }
        EXPECT_TRUE(first_fit > 0);
    }
}

TEST(invalid_parameters)
{
    static const struct vm_emu_dev_config two_plics[] = {
        {.type = EMU_DEV_PLIC, .base = VPLIC_BASE, .size = VPLIC_SIZE},
        {.type = EMU_DEV_PLIC, .base = 0x8000000, .size = VPLIC_SIZE},
    };
    struct vm_fdt_params p = gvm_params();

    p.nr_vcpus = 0;
    EXPECT_EQ(vm_fdt_build(&p, out, sizeof(out)), -EINVAL);
    p = gvm_params();
    p.vcpu_hart[1] = 7; /* not in the host tree */
    EXPECT_EQ(vm_fdt_build(&p, out, sizeof(out)), -ENOENT);
    p = gvm_params();
    p.emu = &devices[1]; /* virtio with an IRQ but no PLIC */
    p.nr_emu = 1;
    EXPECT_EQ(vm_fdt_build(&p, out, sizeof(out)), -EINVAL);
    p = gvm_params();
    p.emu = two_plics;
    p.nr_emu = 2;
    EXPECT_EQ(vm_fdt_build(&p, out, sizeof(out)), -EINVAL);
    p = gvm_params();
    p.plic_ndev = VIRTIO_IRQ - 1; /* the virtio IRQ is not a source */
    EXPECT_EQ(vm_fdt_build(&p, out, sizeof(out)), -EINVAL);
    p = gvm_params();
    p.nr_mem = 0;
    EXPECT_EQ(vm_fdt_build(&p, out, sizeof(out)), -EINVAL);
    p = mvm_params();
    p.emu = NULL; /* passthrough UART with interrupts, no PLIC */
    p.nr_emu = 0;
    EXPECT_EQ(vm_fdt_build(&p, out, sizeof(out)), -EINVAL);
    EXPECT_EQ(vm_fdt_build(NULL, out, sizeof(out)), -EINVAL);
}

TEST(new_phandles_above_the_hosts)
{
    static const struct vm_emu_dev_config plic_only[] = {
        {.type = EMU_DEV_PLIC, .base = VPLIC_BASE, .size = VPLIC_SIZE},
    };
    u8 *plicless = malloc(VM_FDT_MAX_SIZE);
    struct vm_fdt_params p = gvm_params();

    /* A host without a PLIC: the vPLIC gets a phandle no host node has. */
    memcpy(plicless, host_fdt(), fdt_totalsize(host_fdt()));
    fdt_open_into(plicless, plicless, VM_FDT_MAX_SIZE);
    EXPECT_EQ(fdt_del_node(plicless, fdt_path_offset(plicless, "/soc/plic@c000000")), 0);
    p.host_fdt = plicless;
    p.emu = plic_only;
    p.nr_emu = 1;
    const void *fdt = build(&p);
    EXPECT_EQ(prop_u32(fdt, "/soc/plic@c000000", "phandle"), HOST_MAX_PHANDLE + 1);
    expect_unique_phandles(fdt);
    free(plicless);
}

/* riscv,isa as the host may spell it: no multi-letter part, or one without a leading "_". */
TEST(isa_string_forms)
{
    static const char *const forms[][2] = {
        {"rv64imafdch", "rv64imafdc"},
        {"rv64imafdchv", "rv64imafdc"},
        {"rv64imafdchzicsr_zba_sstc", "rv64imafdc_zicsr_zba"},
        {"rv64ih_smaia__zba", "rv64i_zba"},
    };
    u8 *custom = malloc(VM_FDT_MAX_SIZE);
    struct vm_fdt_params p = gvm_params();

    p.nr_vcpus = 1;
    p.vcpu_hart[0] = 0;
    p.host_fdt = custom;
    for (unsigned i = 0; i < ARRAY_SIZE(forms); i++) {
        EXPECT_EQ(fdt_open_into(host_fdt(), custom, VM_FDT_MAX_SIZE), 0);
        EXPECT_EQ(fdt_setprop_string(custom, fdt_path_offset(custom, "/cpus/cpu@0"), "riscv,isa",
                                     forms[i][0]),
                  0);
        const void *fdt = build(&p);
        EXPECT_STR_EQ(prop_str(fdt, "/cpus/cpu@0", "riscv,isa"), forms[i][1]);
    }
    free(custom);
}
