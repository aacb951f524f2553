/* Checking a VM spec from the MVM and building the config it describes (see vm_spec.h). */
#include <arch/stage2.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/page_alloc.h>
#include <kernel/pcpu_layout.h>
#include <stdarg.h>
#include <string.h>
#include <vmm/vm_spec.h>

#define FDT_ALIGN             8 /* where a device tree may be placed (the boot protocol's alignment) */
#define ASCII_FIRST_PRINTABLE 0x20
#define ASCII_LAST_PRINTABLE  0x7e

_Static_assert(SHYPER_NAME_MAX == VM_NAME_MAX, "VM names differ between ABI and config");
_Static_assert(SHYPER_CMDLINE_MAX == VM_CMDLINE_MAX, "command lines differ");
_Static_assert(SHYPER_MAX_MEM == VM_MAX_MEM_REGIONS, "RAM region counts differ");
_Static_assert(SHYPER_MAX_DEVS == VM_MAX_EMU_DEVS, "device counts differ");
_Static_assert(SHYPER_MAX_PT == VM_MAX_PT_REGIONS, "passthrough region counts differ");
_Static_assert(SHYPER_MAX_PT_IRQS == VM_MAX_PT_IRQS, "passthrough interrupt counts differ");
_Static_assert(SHYPER_DEV_CFG_MAX == VM_EMU_CFG_MAX, "device config sizes differ");
_Static_assert(SHYPER_IMAGE_KERNEL < VM_IMAGES && SHYPER_IMAGE_INITRD < VM_IMAGES, "images");

/* The context of one check: where the reason goes. */
struct checker {
    const struct shyper_vm_spec *spec;
    const struct vm_spec_env *env;
    char *why;
    size_t why_size;
};

static int __attribute__((format(printf, 2, 3))) refuse(struct checker *c, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->why, c->why_size, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* A NUL within max bytes; printable: every character before it is printable ASCII. */
static bool valid_string(const char *s, size_t max, bool printable)
{
    const char *end = memchr(s, '\0', max);

    if (!end)
        return false;
    for (; printable && s < end; s++)
        if (*s < ASCII_FIRST_PRINTABLE || *s > ASCII_LAST_PRINTABLE)
            return false;
    return true;
}

/* A non-empty guest-physical range that does not wrap and lies below the stage-2 limit. */
static bool valid_ipa_range(u64 ipa, u64 size)
{
    return size && range_within(ipa, size, 0, STAGE2_IPA_LIMIT);
}

static bool in_ram(const struct shyper_vm_spec *spec, u64 ipa, u64 size)
{
    for (u32 i = 0; i < spec->nr_mem; i++)
        if (range_within(ipa, size, spec->mem[i].ipa, spec->mem[i].size))
            return true;
    return false;
}

static bool overlaps_ram(const struct shyper_vm_spec *spec, u64 ipa, u64 size)
{
    for (u32 i = 0; i < spec->nr_mem; i++)
        if (ranges_overlap(ipa, size, spec->mem[i].ipa, spec->mem[i].size))
            return true;
    return false;
}

static int check_identity(struct checker *c)
{
    const struct shyper_vm_spec *s = c->spec;

    if (!valid_string(s->name, sizeof(s->name), true) || !s->name[0])
        return refuse(c, "name: not a printable, NUL-terminated string of 1..%u characters",
                      SHYPER_NAME_MAX - 1);
    if (!valid_string(s->cmdline, sizeof(s->cmdline), false))
        return refuse(c, "cmdline: not NUL-terminated within %u bytes", SHYPER_CMDLINE_MAX);
    if (s->os != VM_OS_LINUX && s->os != VM_OS_BARE_METAL)
        return refuse(c, "os: %u is neither 0 (Linux) nor 1 (bare metal)", s->os);
    return 0;
}

static int check_harts(struct checker *c)
{
    u64 harts = c->spec->hart_mask;
    u64 reserved = harts & c->env->reserved_harts;

    if (!harts)
        return refuse(c, "hart_mask: no harts");
    if (harts & ~c->env->hart_mask)
        return refuse(c, "hart_mask: harts 0x%lx do not exist (the machine has 0x%lx)",
                      harts & ~c->env->hart_mask, c->env->hart_mask);
    if (reserved)
        return refuse(c, "hart_mask: harts 0x%lx belong to the MVM", reserved);
    if (c->spec->master >= MAX_HARTS || !(harts & BIT(c->spec->master)))
        return refuse(c, "master: hart %u is not in hart_mask 0x%lx", c->spec->master, harts);
    return 0;
}

static int check_ram(struct checker *c)
{
    const struct shyper_vm_spec *s = c->spec;

    if (!s->nr_mem || s->nr_mem > SHYPER_MAX_MEM)
        return refuse(c, "nr_mem: %u regions (1..%u)", s->nr_mem, SHYPER_MAX_MEM);
    for (u32 i = 0; i < s->nr_mem; i++) {
        const struct shyper_mem_region *r = &s->mem[i];
        if (!valid_ipa_range(r->ipa, r->size) || !IS_ALIGNED(r->ipa | r->size, PAGE_SIZE))
            return refuse(c, "mem[%u]: [0x%lx, +0x%lx) is not a page-aligned guest-physical range",
                          i, r->ipa, r->size);
        for (u32 j = 0; j < i; j++)
            if (ranges_overlap(r->ipa, r->size, s->mem[j].ipa, s->mem[j].size))
                return refuse(c, "mem[%u]: overlaps mem[%u]", i, j);
    }
    return 0;
}

static int check_images(struct checker *c)
{
    const struct shyper_vm_spec *s = c->spec;

    if (!s->kernel_size || !in_ram(s, s->kernel_ipa, s->kernel_size))
        return refuse(c, "kernel: [0x%lx, +0x%lx) is not inside one RAM region", s->kernel_ipa,
                      s->kernel_size);
    if (s->initrd_size && !in_ram(s, s->initrd_ipa, s->initrd_size))
        return refuse(c, "initrd: [0x%lx, +0x%lx) is not inside one RAM region", s->initrd_ipa,
                      s->initrd_size);
    if (s->initrd_size &&
        ranges_overlap(s->initrd_ipa, s->initrd_size, s->kernel_ipa, s->kernel_size))
        return refuse(c, "initrd: overlaps the kernel");
    if (s->dtb_ipa && (!IS_ALIGNED(s->dtb_ipa, FDT_ALIGN) || !in_ram(s, s->dtb_ipa, FDT_ALIGN)))
        return refuse(c, "dtb_ipa: 0x%lx is not an 8-byte aligned address in RAM", s->dtb_ipa);
    return 0;
}

static int check_devices(struct checker *c)
{
    const struct shyper_vm_spec *s = c->spec;

    if (s->nr_devs > SHYPER_MAX_DEVS)
        return refuse(c, "nr_devs: %u devices (at most %u)", s->nr_devs, SHYPER_MAX_DEVS);
    for (u32 i = 0; i < s->nr_devs; i++) {
        const struct shyper_dev_spec *d = &s->devs[i];
        if (!valid_string(d->name, sizeof(d->name), true))
            return refuse(c, "devs[%u].name: not a printable, NUL-terminated string", i);
        if (d->type == EMU_DEV_SHYPER)
            return refuse(c, "devs[%u]: only the MVM has the shyper device", i);
        if (d->reserved || d->nr_cfg > SHYPER_DEV_CFG_MAX)
            return refuse(c, "devs[%u]: reserved field set or nr_cfg %u > %u", i, d->nr_cfg,
                          SHYPER_DEV_CFG_MAX);
        if (!valid_ipa_range(d->base, d->size) || overlaps_ram(s, d->base, d->size))
            return refuse(c, "devs[%u]: [0x%lx, +0x%lx) is not a guest-physical range clear of RAM",
                          i, d->base, d->size);
        for (u32 j = 0; j < i; j++)
            if (ranges_overlap(d->base, d->size, s->devs[j].base, s->devs[j].size))
                return refuse(c, "devs[%u]: overlaps devs[%u]", i, j);
    }
    return 0;
}

static bool overlaps_device(const struct shyper_vm_spec *spec, u64 ipa, u64 size)
{
    for (u32 i = 0; i < spec->nr_devs; i++)
        if (ranges_overlap(ipa, size, spec->devs[i].base, spec->devs[i].size))
            return true;
    return false;
}

static int check_passthrough(struct checker *c)
{
    const struct shyper_vm_spec *s = c->spec;

    if (s->nr_pt > SHYPER_MAX_PT)
        return refuse(c, "nr_pt: %u regions (at most %u)", s->nr_pt, SHYPER_MAX_PT);
    for (u32 i = 0; i < s->nr_pt; i++) {
        const struct shyper_pt_region *p = &s->pt[i];
        if (!valid_ipa_range(p->ipa, p->size) || p->pa + p->size < p->pa ||
            !IS_ALIGNED(p->ipa | p->pa | p->size, PAGE_SIZE))
            return refuse(c, "pt[%u]: ipa 0x%lx pa 0x%lx size 0x%lx is not a page-aligned range", i,
                          p->ipa, p->pa, p->size);
        if (overlaps_ram(s, p->ipa, p->size) || overlaps_device(s, p->ipa, p->size))
            return refuse(c, "pt[%u]: overlaps the VM's RAM or an emulated device", i);
        for (u32 j = 0; j < i; j++)
            if (ranges_overlap(p->ipa, p->size, s->pt[j].ipa, s->pt[j].size))
                return refuse(c, "pt[%u]: overlaps pt[%u]", i, j);
        if (c->env->pa_taken(p->pa, p->size))
            return refuse(c, "pt[%u]: host memory 0x%lx is the hypervisor's or another VM's", i,
                          p->pa);
    }
    if (s->nr_pt_irqs > SHYPER_MAX_PT_IRQS)
        return refuse(c, "nr_pt_irqs: %u interrupts (at most %u)", s->nr_pt_irqs,
                      SHYPER_MAX_PT_IRQS);
    for (u32 i = 0; i < s->nr_pt_irqs; i++) {
        if (!s->pt_irqs[i] || s->pt_irqs[i] > c->env->max_irq)
            return refuse(c, "pt_irqs[%u]: %u is not an interrupt source (1..%u)", i, s->pt_irqs[i],
                          c->env->max_irq);
        for (u32 j = 0; j < i; j++)
            if (s->pt_irqs[j] == s->pt_irqs[i])
                return refuse(c, "pt_irqs[%u]: %u is listed twice", i, s->pt_irqs[i]);
    }
    return 0;
}

int vm_spec_check(const struct shyper_vm_spec *spec, const struct vm_spec_env *env, char *why,
                  size_t why_size)
{
    struct checker c = {.spec = spec, .env = env, .why = why, .why_size = why_size};
    int err = check_identity(&c);

    if (!err)
        err = check_harts(&c);
    if (!err)
        err = check_ram(&c);
    if (!err)
        err = check_images(&c);
    if (!err)
        err = check_devices(&c);
    if (!err)
        err = check_passthrough(&c);
    return err;
}

static u64 pages_for(u64 bytes)
{
    return ALIGN_UP(bytes, PAGE_SIZE) >> PAGE_SHIFT;
}

static void fill_config(struct vm_dynamic *d, const struct shyper_vm_spec *s)
{
    struct vm_config *cfg = &d->cfg;

    memcpy(d->name, s->name, sizeof(d->name));
    memcpy(d->cmdline, s->cmdline, sizeof(d->cmdline));
    cfg->name = d->name;
    cfg->cmdline = d->cmdline;
    cfg->os = s->os;
    cfg->kernel_ipa = s->kernel_ipa;
    cfg->initrd_ipa = s->initrd_ipa;
    cfg->dtb_ipa = s->dtb_ipa;
    cfg->harts = s->hart_mask;
    cfg->master = s->master;
    for (u32 i = 0; i < s->nr_mem; i++)
        cfg->mem[i] = (struct vm_mem_region_config){.ipa = s->mem[i].ipa, .size = s->mem[i].size};
    cfg->nr_mem = s->nr_mem;
    for (u32 i = 0; i < s->nr_devs; i++) {
        const struct shyper_dev_spec *ds = &s->devs[i];
        struct vm_emu_dev_config *dc = &cfg->emu[i];
        memcpy(d->dev_names[i], ds->name, sizeof(d->dev_names[i]));
        *dc = (struct vm_emu_dev_config){.name = d->dev_names[i][0] ? d->dev_names[i] : NULL,
                                         .type = ds->type,
                                         .base = ds->base,
                                         .size = ds->size,
                                         .irq = ds->irq,
                                         .nr_cfg = ds->nr_cfg};
        memcpy(dc->cfg, ds->cfg, sizeof(dc->cfg));
    }
    cfg->nr_emu = s->nr_devs;
    for (u32 i = 0; i < s->nr_pt; i++)
        cfg->pt[i] = (struct vm_pt_region_config){
            .ipa = s->pt[i].ipa, .pa = s->pt[i].pa, .size = s->pt[i].size};
    cfg->nr_pt = s->nr_pt;
    memcpy(cfg->pt_irqs, s->pt_irqs, sizeof(cfg->pt_irqs));
    cfg->nr_pt_irqs = s->nr_pt_irqs;
}

/* Allocates the copy of one image and points blob at it. */
static bool alloc_image(struct vm_image_copy *img, u64 size, struct vm_blob *blob)
{
    img->size = size;
    if (size) {
        img->data = (u8 *)page_alloc_zeroed(pages_for(size), PAGE_SIZE);
        if (!img->data)
            return false;
    }
    *blob = (struct vm_blob){.start = img->data, .end = img->data ? img->data + size : NULL};
    return true;
}

struct vm_dynamic *vm_spec_build(const struct shyper_vm_spec *spec)
{
    struct vm_dynamic *d = (struct vm_dynamic *)page_alloc_zeroed(pages_for(sizeof(*d)), PAGE_SIZE);

    if (!d)
        return NULL;
    fill_config(d, spec);
    if (!alloc_image(&d->image[SHYPER_IMAGE_KERNEL], spec->kernel_size, &d->cfg.kernel) ||
        !alloc_image(&d->image[SHYPER_IMAGE_INITRD], spec->initrd_size, &d->cfg.initrd)) {
        vm_dynamic_free(d);
        return NULL;
    }
    return d;
}

void vm_dynamic_free(struct vm_dynamic *dyn)
{
    for (u32 i = 0; i < VM_IMAGES; i++)
        if (dyn->image[i].data)
            page_free((paddr_t)dyn->image[i].data, pages_for(dyn->image[i].size));
    page_free((paddr_t)dyn, pages_for(sizeof(*dyn)));
}

bool vm_dynamic_ready(const struct vm_dynamic *dyn)
{
    for (u32 i = 0; i < VM_IMAGES; i++)
        if (dyn->image[i].loaded < dyn->image[i].size)
            return false;
    return true;
}

int vm_image_load(struct vm_dynamic *dyn, u64 image, u64 offset, const void *src, u64 len,
                  const u8 **copy, gpaddr_t *ipa)
{
    struct vm_image_copy *img = image < VM_IMAGES ? &dyn->image[image] : NULL;

    if (!img || !img->data || !len || len > img->size || offset > img->size - len ||
        offset > img->loaded)
        return -EINVAL;
    memcpy(img->data + offset, src, len);
    img->loaded = MAX(img->loaded, offset + len);
    *copy = img->data + offset;
    *ipa = (image == SHYPER_IMAGE_KERNEL ? dyn->cfg.kernel_ipa : dyn->cfg.initrd_ipa) + offset;
    return 0;
}
