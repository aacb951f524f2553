// UNIT_SOURCES: vmm/vm_spec.c kernel/mm/page_alloc.c
/* Checking the VM spec the MVM sends (CONFIG_CREATE) and building the hypervisor-owned
 * config and image copies from it; the system pool is a host buffer. */
#include <kernel/errno.h>
#include <kernel/page_alloc.h>
#include <stdlib.h>
#include <vmm/vm_spec.h>

#include "unit_test.h"

#define POOL_PAGES    2048
#define RAM_BASE      0x90000000UL
#define HOST_RAM_BASE 0x80000000UL
#define HOST_RAM_SIZE GIB(1)
#define MACHINE_HARTS 0xfUL
#define MVM_HARTS     0x1UL
#define PLIC_SOURCES  95
#define KERNEL_SIZE   10000
#define INITRD_SIZE   5000

static struct shyper_vm_spec spec;
static char why[VM_SPEC_WHY_MAX];
static void *pool_mem;
static u64 *pool_bitmap;

static bool host_ram_taken(paddr_t pa, u64 size)
{
    return ranges_overlap(pa, size, HOST_RAM_BASE, HOST_RAM_SIZE);
}

static const struct vm_spec_env env = {
    .hart_mask = MACHINE_HARTS,
    .reserved_harts = MVM_HARTS,
    .max_irq = PLIC_SOURCES,
    .pa_taken = host_ram_taken,
};

/* A valid spec: hart 1 and 2, 16 MiB of RAM, kernel and initrd, a vPLIC, a passthrough
 * device page and interrupt. */
static void good_spec(void)
{
    memset(&spec, 0, sizeof(spec));
    strcpy(spec.name, "guest");
    strcpy(spec.cmdline, "console=hvc0");
    spec.os = 0;
    spec.hart_mask = 0x6;
    spec.master = 2;
    spec.kernel_ipa = RAM_BASE;
    spec.kernel_size = KERNEL_SIZE;
    spec.initrd_ipa = RAM_BASE + MIB(8);
    spec.initrd_size = INITRD_SIZE;
    spec.nr_mem = 1;
    spec.mem[0] = (struct shyper_mem_region){RAM_BASE, MIB(16)};
    spec.nr_devs = 1;
    strcpy(spec.devs[0].name, "plic");
    spec.devs[0].type = 13;
    spec.devs[0].base = 0x0c000000;
    spec.devs[0].size = 0x600000;
    spec.devs[0].nr_cfg = 1;
    spec.devs[0].cfg[0] = 64;
    spec.nr_pt = 1;
    spec.pt[0] = (struct shyper_pt_region){.ipa = 0x10001000, .pa = 0x10001000, .size = 0x1000};
    spec.nr_pt_irqs = 1;
    spec.pt_irqs[0] = 1;
}

static int check(void)
{
    why[0] = '\0';
    return vm_spec_check(&spec, &env, why, sizeof(why));
}

/* The spec is refused and the reason names `field`. */
#define EXPECT_REFUSED(field)                                                                      \
    do {                                                                                           \
        EXPECT_EQ(check(), -EINVAL);                                                               \
        EXPECT_STR_CONTAINS(why, field);                                                           \
    } while (0)

static void pool_setup(void)
{
    pool_mem = aligned_alloc(PAGE_SIZE, POOL_PAGES * PAGE_SIZE);
    pool_bitmap = malloc(PAGE_POOL_BITMAP_BYTES(POOL_PAGES));
    page_pool_init(&system_pool, (paddr_t)pool_mem, POOL_PAGES, pool_bitmap);
}

static void pool_teardown(void)
{
    free(pool_bitmap);
    free(pool_mem);
}

TEST(good_spec_accepted)
{
    good_spec();
    EXPECT_EQ(check(), 0);
    spec.initrd_size = 0;
    spec.initrd_ipa = 0xdead; /* ignored without an initrd */
    spec.dtb_ipa = RAM_BASE + MIB(15);
    EXPECT_EQ(check(), 0);
}

TEST(strings)
{
    good_spec();
    memset(spec.name, 'a', sizeof(spec.name));
    EXPECT_REFUSED("name");
    good_spec();
    spec.name[0] = '\0';
    EXPECT_REFUSED("name");
    good_spec();
    spec.name[1] = '\n';
    EXPECT_REFUSED("name");
    good_spec();
    memset(spec.cmdline, 'a', sizeof(spec.cmdline));
    EXPECT_REFUSED("cmdline");
    good_spec();
    memset(spec.devs[0].name, 'a', sizeof(spec.devs[0].name));
    EXPECT_REFUSED("devs[0].name");
    good_spec();
    memset(spec.name, 'a', sizeof(spec.name) - 1); /* longest name: 31 characters */
    EXPECT_EQ(check(), 0);
}

TEST(os_and_harts)
{
    good_spec();
    spec.os = 2;
    EXPECT_REFUSED("os");
    good_spec();
    spec.hart_mask = 0;
    EXPECT_REFUSED("hart_mask");
    good_spec();
    spec.hart_mask = 0x12; /* hart 4 does not exist */
    EXPECT_REFUSED("do not exist");
    good_spec();
    spec.hart_mask = 0x3; /* hart 0 is the MVM's */
    EXPECT_REFUSED("MVM");
    good_spec();
    spec.master = 3;
    EXPECT_REFUSED("master");
    good_spec();
    spec.master = 1000;
    EXPECT_REFUSED("master");
}

TEST(ram_regions)
{
    good_spec();
    spec.nr_mem = 0;
    EXPECT_REFUSED("nr_mem");
    good_spec();
    spec.nr_mem = SHYPER_MAX_MEM + 1;
    EXPECT_REFUSED("nr_mem");
    good_spec();
    spec.mem[0].size = MIB(16) + 1;
    EXPECT_REFUSED("mem[0]");
    good_spec();
    spec.mem[0].ipa = RAM_BASE + 8;
    EXPECT_REFUSED("mem[0]");
    good_spec();
    spec.mem[0].size = 0;
    EXPECT_REFUSED("mem[0]");
    good_spec();
    spec.mem[0] = (struct shyper_mem_region){~0UL - 0xfff, 0x2000}; /* wraps */
    EXPECT_REFUSED("mem[0]");
    good_spec();
    spec.mem[0] = (struct shyper_mem_region){1UL << 41, MIB(2)}; /* past Sv39x4 */
    EXPECT_REFUSED("mem[0]");
    good_spec();
    spec.nr_mem = 2;
    spec.mem[1] = (struct shyper_mem_region){RAM_BASE + MIB(15), MIB(2)};
    EXPECT_REFUSED("mem[1]: overlaps mem[0]");
    good_spec();
    spec.nr_mem = 2;
    spec.mem[1] = (struct shyper_mem_region){RAM_BASE + MIB(16), MIB(2)}; /* adjacent */
    EXPECT_EQ(check(), 0);
}

TEST(images_inside_ram)
{
    good_spec();
    spec.kernel_size = 0;
    EXPECT_REFUSED("kernel");
    good_spec();
    spec.kernel_ipa = RAM_BASE + MIB(16) - 100;
    EXPECT_REFUSED("kernel");
    good_spec();
    spec.kernel_ipa = RAM_BASE - 0x1000;
    EXPECT_REFUSED("kernel");
    good_spec();
    spec.kernel_size = ~0UL; /* end wraps */
    EXPECT_REFUSED("kernel");
    good_spec();
    spec.nr_mem = 2; /* a kernel across two adjacent regions is not inside one */
    spec.mem[1] = (struct shyper_mem_region){RAM_BASE + MIB(16), MIB(16)};
    spec.kernel_ipa = RAM_BASE + MIB(16) - 0x1000;
    EXPECT_REFUSED("kernel");
    good_spec();
    spec.initrd_ipa = RAM_BASE + MIB(20);
    EXPECT_REFUSED("initrd");
    good_spec();
    spec.initrd_ipa = RAM_BASE + 0x1000;
    EXPECT_REFUSED("initrd: overlaps the kernel");
    good_spec();
    spec.dtb_ipa = RAM_BASE + MIB(15) + 4;
    EXPECT_REFUSED("dtb_ipa");
    good_spec();
    spec.dtb_ipa = RAM_BASE + MIB(16);
    EXPECT_REFUSED("dtb_ipa");
}

TEST(devices)
{
    good_spec();
    spec.nr_devs = SHYPER_MAX_DEVS + 1;
    EXPECT_REFUSED("nr_devs");
    good_spec();
    spec.devs[0].type = EMU_DEV_SHYPER;
    EXPECT_REFUSED("shyper device");
    good_spec();
    spec.devs[0].reserved = 1;
    EXPECT_REFUSED("devs[0]");
    good_spec();
    spec.devs[0].nr_cfg = SHYPER_DEV_CFG_MAX + 1;
    EXPECT_REFUSED("devs[0]");
    good_spec();
    spec.devs[0].size = 0;
    EXPECT_REFUSED("devs[0]");
    good_spec();
    spec.devs[0].base = RAM_BASE + MIB(15);
    EXPECT_REFUSED("clear of RAM");
    good_spec();
    spec.nr_devs = 2;
    spec.devs[1] = spec.devs[0];
    spec.devs[1].base += 0x100000;
    EXPECT_REFUSED("devs[1]: overlaps devs[0]");
}

TEST(passthrough)
{
    good_spec();
    spec.nr_pt = SHYPER_MAX_PT + 1;
    EXPECT_REFUSED("nr_pt");
    good_spec();
    spec.pt[0].pa += 8;
    EXPECT_REFUSED("pt[0]");
    good_spec();
    spec.pt[0].pa = ~0UL - 0xfff; /* wraps */
    EXPECT_REFUSED("pt[0]");
    good_spec();
    spec.pt[0].ipa = RAM_BASE;
    EXPECT_REFUSED("pt[0]: overlaps the VM's RAM");
    good_spec();
    spec.pt[0].ipa = 0x0c100000;
    EXPECT_REFUSED("emulated device");
    good_spec();
    spec.pt[0] =
        (struct shyper_pt_region){.ipa = 0x40000000, .pa = HOST_RAM_BASE + MIB(64), .size = MIB(2)};
    EXPECT_REFUSED("hypervisor's or another VM's");
    good_spec();
    spec.nr_pt = 2;
    spec.pt[1] = spec.pt[0];
    spec.pt[1].pa += 0x1000;
    EXPECT_REFUSED("pt[1]: overlaps pt[0]");
    good_spec();
    spec.nr_pt_irqs = SHYPER_MAX_PT_IRQS + 1;
    EXPECT_REFUSED("nr_pt_irqs");
    good_spec();
    spec.pt_irqs[0] = 0;
    EXPECT_REFUSED("pt_irqs[0]");
    good_spec();
    spec.pt_irqs[0] = PLIC_SOURCES + 1;
    EXPECT_REFUSED("pt_irqs[0]");
    good_spec();
    spec.nr_pt_irqs = 2;
    spec.pt_irqs[1] = spec.pt_irqs[0];
    EXPECT_REFUSED("listed twice");
}

TEST(build_converts_and_owns_everything)
{
    pool_setup();
    good_spec();
    u64 before = page_pool_free_pages(&system_pool);
    struct vm_dynamic *d = vm_spec_build(&spec);

    EXPECT_TRUE(d != NULL);
    if (!d) {
        pool_teardown();
        return;
    }
    const struct vm_config *c = &d->cfg;
    EXPECT_STR_EQ(c->name, "guest");
    EXPECT_TRUE(c->name == d->name);
    EXPECT_STR_EQ(c->cmdline, "console=hvc0");
    EXPECT_EQ(c->os, VM_OS_LINUX);
    EXPECT_EQ(c->harts, 0x6);
    EXPECT_EQ(c->master, 2);
    EXPECT_EQ(c->kernel_ipa, RAM_BASE);
    EXPECT_EQ(vm_blob_size(&c->kernel), KERNEL_SIZE);
    EXPECT_EQ(vm_blob_size(&c->initrd), INITRD_SIZE);
    EXPECT_EQ(c->initrd_ipa, RAM_BASE + MIB(8));
    EXPECT_EQ(c->nr_mem, 1);
    EXPECT_EQ(c->mem[0].size, MIB(16));
    EXPECT_TRUE(!c->mem[0].identity);
    EXPECT_EQ(c->nr_emu, 1);
    EXPECT_STR_EQ(c->emu[0].name, "plic");
    EXPECT_EQ(c->emu[0].type, EMU_DEV_PLIC);
    EXPECT_EQ(c->emu[0].nr_cfg, 1);
    EXPECT_EQ(c->emu[0].cfg[0], 64);
    EXPECT_EQ(c->nr_pt, 1);
    EXPECT_EQ(c->pt[0].pa, 0x10001000);
    EXPECT_EQ(c->nr_pt_irqs, 1);
    EXPECT_EQ(c->pt_irqs[0], 1);
    /* The spec can change afterwards: the config keeps its own strings. */
    strcpy(spec.name, "changed");
    EXPECT_STR_EQ(c->name, "guest");
    EXPECT_TRUE(page_pool_free_pages(&system_pool) < before);
    EXPECT_TRUE(!vm_dynamic_ready(d));
    vm_dynamic_free(d);
    EXPECT_EQ(page_pool_free_pages(&system_pool), before);
    pool_teardown();
}

TEST(build_out_of_memory_leaks_nothing)
{
    pool_setup();
    good_spec();
    spec.initrd_size = (POOL_PAGES - 4) * PAGE_SIZE; /* the kernel fits, the initrd not */
    u64 before = page_pool_free_pages(&system_pool);
    EXPECT_TRUE(vm_spec_build(&spec) == NULL);
    EXPECT_EQ(page_pool_free_pages(&system_pool), before);
    pool_teardown();
}

TEST(image_load_in_chunks)
{
    pool_setup();
    good_spec();
    struct vm_dynamic *d = vm_spec_build(&spec);
    static u8 data[KERNEL_SIZE];
    const u8 *copy;
    gpaddr_t ipa;

    if (!d) {
        EXPECT_TRUE(d != NULL);
        pool_teardown();
        return;
    }
    for (u32 i = 0; i < sizeof(data); i++)
        data[i] = (u8)(i * 7);
    EXPECT_EQ(vm_image_load(d, 2, 0, data, 1, &copy, &ipa), -EINVAL);
    EXPECT_EQ(vm_image_load(d, ~0UL, 0, data, 1, &copy, &ipa), -EINVAL);
    EXPECT_EQ(vm_image_load(d, SHYPER_IMAGE_KERNEL, 0, data, 0, &copy, &ipa), -EINVAL);
    EXPECT_EQ(vm_image_load(d, SHYPER_IMAGE_KERNEL, 1, data, 1, &copy, &ipa), -EINVAL); /* gap */
    EXPECT_EQ(vm_image_load(d, SHYPER_IMAGE_KERNEL, 0, data, KERNEL_SIZE + 1, &copy, &ipa),
              -EINVAL);
    EXPECT_EQ(vm_image_load(d, SHYPER_IMAGE_KERNEL, ~0UL, data, 2, &copy, &ipa), -EINVAL);

    EXPECT_EQ(vm_image_load(d, SHYPER_IMAGE_KERNEL, 0, data, 4000, &copy, &ipa), 0);
    EXPECT_EQ(ipa, RAM_BASE);
    EXPECT_TRUE(copy == d->image[SHYPER_IMAGE_KERNEL].data);
    EXPECT_EQ(vm_image_load(d, SHYPER_IMAGE_KERNEL, 5000, data, 1, &copy, &ipa), -EINVAL);
    EXPECT_EQ(vm_image_load(d, SHYPER_IMAGE_KERNEL, 4000, data + 4000, 6000, &copy, &ipa), 0);
    EXPECT_EQ(ipa, RAM_BASE + 4000);
    EXPECT_EQ(d->image[SHYPER_IMAGE_KERNEL].loaded, KERNEL_SIZE);
    EXPECT_TRUE(!vm_dynamic_ready(d)); /* the initrd is missing */
    EXPECT_EQ(vm_image_load(d, SHYPER_IMAGE_KERNEL, 100, data + 100, 8, &copy, &ipa), 0);
    EXPECT_EQ(d->image[SHYPER_IMAGE_KERNEL].loaded, KERNEL_SIZE);
    EXPECT_TRUE(!memcmp(d->cfg.kernel.start, data, KERNEL_SIZE));

    EXPECT_EQ(vm_image_load(d, SHYPER_IMAGE_INITRD, 0, data, INITRD_SIZE, &copy, &ipa), 0);
    EXPECT_EQ(ipa, RAM_BASE + MIB(8));
    EXPECT_TRUE(vm_dynamic_ready(d));
    vm_dynamic_free(d);

    spec.initrd_size = 0;
    d = vm_spec_build(&spec);
    EXPECT_TRUE(d && vm_image_load(d, SHYPER_IMAGE_INITRD, 0, data, 1, &copy, &ipa) == -EINVAL);
    if (d)
        vm_dynamic_free(d);
    pool_teardown();
}
