// FUZZ_SOURCES: vmm/vm_spec.c kernel/mm/page_alloc.c
/* The hypervisor's check of the VM spec the MVM sends with CONFIG_CREATE (vmm/vm_spec.c),
 * then the config it builds and CONFIG_LOAD's image copies.
 *
 * vm_spec_check() must accept exactly the specs that keep the rules vm_spec.h lists; they
 * are written again here, independently, with 128-bit arithmetic so that nothing wraps.
 * An accepted spec is built (vm_spec_build) and fed a fuzzed sequence of image chunks
 * (vm_image_load), which must be taken exactly when vm_spec.h says, land where it says and
 * never touch memory outside the copies; freeing the VM returns every page.
 *
 * Input: a struct shyper_vm_spec as the MVM would write it (zeros past the input's end),
 * then image chunks of (image, offset selector, length selector) until the input ends. */
#include <kernel/errno.h>
#include <kernel/page_alloc.h>
#include <kernel/pcpu_layout.h>
#include <stdlib.h>
#include <string.h>
#include <vmm/vm_spec.h>

#include "lib/fuzz.h"
#include "lib/fuzz_input.h"

/* The machine: harts 0-3 (0 the MVM's), 1 GiB of host RAM, the PLIC and UART of QEMU virt. */
#define MACHINE_HARTS 0xfULL
#define MVM_HARTS     0x1ULL
#define MAX_IRQ       95
#define HOST_RAM      0x80000000ULL
#define HOST_RAM_SIZE GIB(1)
#define HOST_PLIC     0x0c000000ULL
#define PLIC_SIZE     0x4000000ULL
#define HOST_UART     0x10000000ULL

#define POOL_PAGES      1024
#define IPA_LIMIT       ((unsigned __int128)1 << 41) /* Sv39x4 */
#define ADDR_LIMIT      ((unsigned __int128)1 << 64)
#define FDT_ALIGN       8
#define SHYPER_DEV_TYPE 6 /* EMU_DEV_SHYPER: only the MVM has one */
#define PRINTABLE_FIRST 0x20
#define PRINTABLE_LAST  0x7e
#define IMAGE_IDS       3 /* kernel, initrd and one that does not exist */
#define CHUNK_MAX       (POOL_PAGES * PAGE_SIZE)

static u8 pool_mem[POOL_PAGES * PAGE_SIZE] __aligned(PAGE_SIZE);
static u64 pool_bitmap[PAGE_POOL_BITMAP_BYTES(POOL_PAGES) / sizeof(u64)];
static u8 source[CHUNK_MAX]; /* what the MVM's buffer holds: byte i is (u8)i */

static bool pa_taken(paddr_t pa, u64 size)
{
    return ranges_overlap(pa, size, HOST_RAM, HOST_RAM_SIZE) ||
           ranges_overlap(pa, size, HOST_PLIC, PLIC_SIZE) ||
           ranges_overlap(pa, size, HOST_UART, PAGE_SIZE);
}

static const struct vm_spec_env env = {
    .hart_mask = MACHINE_HARTS,
    .reserved_harts = MVM_HARTS,
    .max_irq = MAX_IRQ,
    .pa_taken = pa_taken,
};

/* ---------------------------------------------------------------- the rules of vm_spec.h */

struct span {
    unsigned __int128 start, end;
};

static struct span span(u64 start, u64 size)
{
    return (struct span){start, (unsigned __int128)start + size};
}

static bool overlap(struct span a, struct span b)
{
    return a.start < b.end && b.start < a.end;
}

static bool inside(struct span a, struct span b)
{
    return a.start >= b.start && a.end <= b.end;
}

static bool string_ok(const char *s, size_t size, bool printable)
{
    const char *end = memchr(s, '\0', size);

    if (!end)
        return false;
    for (; printable && s < end; s++)
        if ((unsigned char)*s < PRINTABLE_FIRST || (unsigned char)*s > PRINTABLE_LAST)
            return false;
    return true;
}

/* An IPA range the VM can have: non-empty, below the stage-2 limit. */
static bool ipa_ok(struct span s)
{
    return s.end > s.start && s.end <= IPA_LIMIT;
}

static bool in_one_region(const struct shyper_vm_spec *s, struct span x)
{
    for (u32 i = 0; i < s->nr_mem; i++)
        if (inside(x, span(s->mem[i].ipa, s->mem[i].size)))
            return true;
    return false;
}

static bool clear_of(const struct shyper_vm_spec *s, struct span x, bool devices)
{
    for (u32 i = 0; i < s->nr_mem; i++)
        if (overlap(x, span(s->mem[i].ipa, s->mem[i].size)))
            return false;
    for (u32 i = 0; devices && i < s->nr_devs; i++)
        if (overlap(x, span(s->devs[i].base, s->devs[i].size)))
            return false;
    return true;
}

static bool identity_ok(const struct shyper_vm_spec *s)
{
    u64 harts = s->hart_mask;

    return string_ok(s->name, sizeof(s->name), true) && s->name[0] &&
           string_ok(s->cmdline, sizeof(s->cmdline), false) && s->os <= VM_OS_BARE_METAL && harts &&
           !(harts & ~MACHINE_HARTS) && !(harts & MVM_HARTS) && s->master < MAX_HARTS &&
           (harts & BIT(s->master));
}

static bool ram_ok(const struct shyper_vm_spec *s)
{
    if (s->nr_mem < 1 || s->nr_mem > SHYPER_MAX_MEM)
        return false;
    for (u32 i = 0; i < s->nr_mem; i++) {
        struct span r = span(s->mem[i].ipa, s->mem[i].size);
        if (!ipa_ok(r) || (s->mem[i].ipa | s->mem[i].size) % PAGE_SIZE)
            return false;
        for (u32 j = 0; j < i; j++)
            if (overlap(r, span(s->mem[j].ipa, s->mem[j].size)))
                return false;
    }
    return true;
}

static bool images_ok(const struct shyper_vm_spec *s)
{
    struct span kernel = span(s->kernel_ipa, s->kernel_size);
    struct span initrd = span(s->initrd_ipa, s->initrd_size);

    if (!s->kernel_size || !in_one_region(s, kernel))
        return false;
    if (s->initrd_size && (!in_one_region(s, initrd) || overlap(initrd, kernel)))
        return false;
    return !s->dtb_ipa ||
           (s->dtb_ipa % FDT_ALIGN == 0 && in_one_region(s, span(s->dtb_ipa, FDT_ALIGN)));
}

static bool devices_ok(const struct shyper_vm_spec *s)
{
    if (s->nr_devs > SHYPER_MAX_DEVS)
        return false;
    for (u32 i = 0; i < s->nr_devs; i++) {
        const struct shyper_dev_spec *d = &s->devs[i];
        struct span w = span(d->base, d->size);
        if (!string_ok(d->name, sizeof(d->name), true) || d->type == SHYPER_DEV_TYPE ||
            d->reserved || d->nr_cfg > SHYPER_DEV_CFG_MAX || !ipa_ok(w) || !clear_of(s, w, false))
            return false;
        for (u32 j = 0; j < i; j++)
            if (overlap(w, span(s->devs[j].base, s->devs[j].size)))
                return false;
    }
    return true;
}

static bool passthrough_ok(const struct shyper_vm_spec *s)
{
    if (s->nr_pt > SHYPER_MAX_PT || s->nr_pt_irqs > SHYPER_MAX_PT_IRQS)
        return false;
    for (u32 i = 0; i < s->nr_pt; i++) {
        const struct shyper_pt_region *p = &s->pt[i];
        struct span w = span(p->ipa, p->size);
        if (!ipa_ok(w) || span(p->pa, p->size).end >= ADDR_LIMIT ||
            (p->ipa | p->pa | p->size) % PAGE_SIZE || !clear_of(s, w, true) ||
            pa_taken(p->pa, p->size))
            return false;
        for (u32 j = 0; j < i; j++)
            if (overlap(w, span(s->pt[j].ipa, s->pt[j].size)))
                return false;
    }
    for (u32 i = 0; i < s->nr_pt_irqs; i++) {
        if (!s->pt_irqs[i] || s->pt_irqs[i] > MAX_IRQ)
            return false;
        for (u32 j = 0; j < i; j++)
            if (s->pt_irqs[j] == s->pt_irqs[i])
                return false;
    }
    return true;
}

static bool follows_the_rules(const struct shyper_vm_spec *s)
{
    return identity_ok(s) && ram_ok(s) && images_ok(s) && devices_ok(s) && passthrough_ok(s);
}

/* ---------------------------------------------------------------- the VM built */

static void check_built(const struct shyper_vm_spec *s, const struct vm_dynamic *d)
{
    const struct vm_config *cfg = &d->cfg;

    FUZZ_CHECK(!strcmp(cfg->name, s->name) && !strcmp(cfg->cmdline, s->cmdline));
    FUZZ_CHECK(cfg->harts == s->hart_mask && cfg->master == s->master);
    FUZZ_CHECK(cfg->nr_mem == s->nr_mem && cfg->nr_emu == s->nr_devs && cfg->nr_pt == s->nr_pt);
    FUZZ_CHECK(cfg->nr_pt_irqs == s->nr_pt_irqs);
    FUZZ_CHECK(vm_blob_size(&cfg->kernel) == s->kernel_size);
    FUZZ_CHECK(vm_blob_size(&cfg->initrd) == s->initrd_size);
    for (u32 i = 0; i < s->nr_devs; i++)
        FUZZ_CHECK(!cfg->emu[i].name || !strcmp(cfg->emu[i].name, s->devs[i].name));
}

static u64 pick(struct fuzz_input *in, u64 size)
{
    switch (fuzz_below(in, 4)) {
    case 0:
        return fuzz_u16(in);
    case 1:
        return size - fuzz_u8(in);
    case 2:
        return size + fuzz_u8(in);
    default:
        return fuzz_u64(in);
    }
}

/* One CONFIG_LOAD chunk, against the rules of vm_image_load(). */
static void load_chunk(struct fuzz_input *in, struct vm_dynamic *d)
{
    u64 image = fuzz_below(in, IMAGE_IDS);
    u64 size = image < VM_IMAGES ? d->image[image].size : 0;
    u64 offset = pick(in, size), len = pick(in, size) % (CHUNK_MAX + 1);
    u64 loaded = image < VM_IMAGES ? d->image[image].loaded : 0;
    bool allowed = image < VM_IMAGES && size && len && (unsigned __int128)offset + len <= size &&
                   offset <= loaded;
    const u8 *copy = NULL;
    gpaddr_t ipa = 0;

    int err = vm_image_load(d, image, offset, source, len, &copy, &ipa);
    FUZZ_CHECK(err == 0 || err == -EINVAL);
    FUZZ_CHECK((err == 0) == allowed);
    if (err)
        return;
    const struct vm_image_copy *img = &d->image[image];
    gpaddr_t base = image == SHYPER_IMAGE_KERNEL ? d->cfg.kernel_ipa : d->cfg.initrd_ipa;
    FUZZ_CHECK(copy == img->data + offset && ipa == base + offset);
    FUZZ_CHECK(img->loaded == MAX(loaded, offset + len));
    FUZZ_CHECK(!memcmp(copy, source, len));
}

static void load_images(struct fuzz_input *in, const struct shyper_vm_spec *s)
{
    u64 free_before = page_pool_free_pages(&system_pool);
    struct vm_dynamic *d = vm_spec_build(s);

    if (!d)
        return; /* the images do not fit in the pool */
    check_built(s, d);
    while (fuzz_remaining(in))
        load_chunk(in, d);
    bool complete = d->image[0].loaded == s->kernel_size && d->image[1].loaded == s->initrd_size;
    FUZZ_CHECK(vm_dynamic_ready(d) == complete);
    vm_dynamic_free(d);
    FUZZ_CHECK(page_pool_free_pages(&system_pool) == free_before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static struct shyper_vm_spec spec;
    char why[VM_SPEC_WHY_MAX];

    if (!ready) {
        page_pool_init(&system_pool, (paddr_t)pool_mem, POOL_PAGES, pool_bitmap);
        for (size_t i = 0; i < sizeof(source); i++)
            source[i] = (u8)i;
        ready = true;
    }
    struct fuzz_input in;
    fuzz_input_init(&in, data, size);
    fuzz_bytes(&in, &spec, sizeof(spec));

    memset(why, 0, sizeof(why));
    int err = vm_spec_check(&spec, &env, why, sizeof(why));
    FUZZ_CHECK(err == 0 || err == -EINVAL);
    FUZZ_CHECK(err == 0 || (why[0] && memchr(why, '\0', sizeof(why))));
    if ((err == 0) != follows_the_rules(&spec))
        FUZZ_FAIL("vm_spec_check() %s a spec that %s the rules of vm_spec.h (%s)",
                  err ? "refuses" : "accepts", err ? "keeps" : "breaks", why);
    if (!err)
        load_images(&in, &spec);
    return 0;
}
