// FUZZ_SOURCES: cli/config_diag.c cli/config_number.c cli/json_comments.c cli/json_fields.c cli/vm_config_names.c cli/vm_config_parse.c cli/vm_config_check.c cli/vm_config_format.c cli/mediated_config.c cli/vm_spec.c vmm/vm_spec.c kernel/mm/page_alloc.c $(CJSON_DIR)/cJSON.c
/* The `shyper` CLI's JSON readers (cli/): the VM config parser and validator, its conversion
 * to the hypervisor's struct shyper_vm_spec, and the mediated-disk list parser.
 *
 * The input is the JSON text, given without a terminating NUL as the readers' interface
 * allows.  Whatever it is, the readers must not crash, must report an error exactly when they
 * refuse, and must keep their diagnostics consistent.  A configuration they accept must have
 * every property cli/vm_config.h promises (checked again here, independently), and once
 * converted with images that fit, the hypervisor's own check (vmm/vm_spec.c) must accept it
 * too on the machine the CLI assumes: `shyper vm config --check` never passes a config that
 * CONFIG_CREATE then refuses. */
#include <stdlib.h>
#include <string.h>

#include "config_diag.h"
#include "mediated_config.h"
#include "vm_config.h"
#include "vm_spec.h"

#include <vmm/vm_spec.h>

#include "lib/fuzz.h"

#define KERNEL_SIZE      0x200000 /* the images the conversion is told about */
#define RAMDISK_SIZE     0x1000
#define MACHINE_HARTS    0xffULL /* VM_MACHINE_DEFAULT: VM_HART_MAX harts, hart 0 the MVM's */
#define MVM_HARTS        0x1ULL
#define ASCII_DEL        0x7f
#define MAX_INPUT_LENGTH (64 * 1024)

static struct vm_config_spec cfg;
static struct config_diag diag;
static struct mediated_config mediated;
static struct shyper_vm_spec spec;

/* ---------------------------------------------------------------- diagnostics */

static bool nul_within(const char *s, size_t size)
{
    return memchr(s, '\0', size) != NULL;
}

static void check_diag(void)
{
    unsigned reported = diag.errors + diag.warnings;

    FUZZ_CHECK(diag.count == (reported < CONFIG_DIAG_MAX ? reported : CONFIG_DIAG_MAX));
    FUZZ_CHECK(diag.truncated == (reported > CONFIG_DIAG_MAX));
    for (unsigned i = 0; i < diag.count; i++) {
        const struct config_diag_entry *e = &diag.entries[i];
        FUZZ_CHECK(e->severity == CONFIG_ERROR || e->severity == CONFIG_WARNING);
        FUZZ_CHECK(nul_within(e->path, sizeof(e->path)));
        FUZZ_CHECK(nul_within(e->msg, sizeof(e->msg)) && e->msg[0]);
    }
}

/* ---------------------------------------------------------------- an accepted config */

static bool valid_name(const char *name)
{
    size_t len = strnlen(name, VM_NAME_SIZE);

    if (len == 0 || len == VM_NAME_SIZE)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < ' ' || (unsigned char)name[i] >= ASCII_DEL)
            return false;
    return true;
}

static bool in_region(const struct vm_mem_region *r, uint64_t ipa)
{
    return ipa >= r->ipa_start && ipa - r->ipa_start < r->length;
}

static bool in_memory(uint64_t ipa)
{
    for (unsigned i = 0; i < cfg.mem_region_count; i++)
        if (in_region(&cfg.mem_regions[i], ipa))
            return true;
    return false;
}

/* [start, start + length) as 128-bit bounds, so that nothing wraps. */
struct span {
    unsigned __int128 start, end;
};

static struct span span_of(uint64_t start, uint64_t length)
{
    return (struct span){start, (unsigned __int128)start + length};
}

static bool spans_overlap(struct span a, struct span b)
{
    return a.start < b.end && b.start < a.end;
}

static bool inside_ipa_space(struct span s)
{
    return s.end <= VM_IPA_LIMIT;
}

static void check_memory(void)
{
    FUZZ_CHECK(cfg.mem_region_count >= 1 && cfg.mem_region_count <= VM_MEM_REGION_MAX);
    for (unsigned i = 0; i < cfg.mem_region_count; i++) {
        const struct vm_mem_region *r = &cfg.mem_regions[i];
        struct span s = span_of(r->ipa_start, r->length);
        FUZZ_CHECK(r->length && r->ipa_start % VM_PAGE_SIZE == 0 && r->length % VM_PAGE_SIZE == 0);
        FUZZ_CHECK(inside_ipa_space(s));
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(!spans_overlap(
                s, span_of(cfg.mem_regions[j].ipa_start, cfg.mem_regions[j].length)));
    }
}

static void check_image(void)
{
    const struct vm_image_spec *img = &cfg.image;

    FUZZ_CHECK(nul_within(img->kernel_filename, VM_PATH_SIZE) && img->kernel_filename[0]);
    FUZZ_CHECK(nul_within(img->device_tree_filename, VM_PATH_SIZE));
    FUZZ_CHECK(nul_within(img->ramdisk_filename, VM_PATH_SIZE));
    FUZZ_CHECK(in_memory(img->kernel_load_ipa));
    FUZZ_CHECK(cfg.type != VM_TYPE_LINUX || img->kernel_load_ipa % VM_LINUX_KERNEL_ALIGN == 0);
    FUZZ_CHECK(in_memory(img->kernel_entry_point));
    FUZZ_CHECK(in_memory(img->device_tree_load_ipa));
    FUZZ_CHECK(img->device_tree_load_ipa % VM_DTB_ALIGN == 0);
    FUZZ_CHECK(!img->ramdisk_load_ipa ||
               (img->ramdisk_filename[0] && in_memory(img->ramdisk_load_ipa)));
}

static void check_cpu(void)
{
    const struct vm_cpu_spec *cpu = &cfg.cpu;
    uint32_t harts = vm_cpu_harts(cpu);

    FUZZ_CHECK(cpu->num >= 1 && cpu->num <= (unsigned)__builtin_popcount(cpu->allocate_bitmap));
    FUZZ_CHECK((cpu->allocate_bitmap & ~MACHINE_HARTS) == 0);
    FUZZ_CHECK((cpu->allocate_bitmap & MVM_HARTS) == 0);
    FUZZ_CHECK((unsigned)__builtin_popcount(harts) == cpu->num);
    FUZZ_CHECK((harts & ~cpu->allocate_bitmap) == 0);
    FUZZ_CHECK(cpu->master < VM_HART_MAX && (harts & (1U << cpu->master)));
}

static bool is_interrupt_controller(enum emu_device_type type)
{
    return type == EMU_DEVICE_T_PLIC || type == EMU_DEVICE_T_APLIC;
}

/* Marks irq used; false if it already was. */
static bool claim(bool used[VM_IRQ_MAX + 1], uint32_t irq)
{
    FUZZ_CHECK(irq >= VM_IRQ_MIN && irq <= VM_IRQ_MAX);
    if (used[irq])
        return false;
    used[irq] = true;
    return true;
}

static void check_devices(void)
{
    const struct vm_passthrough_spec *pt = &cfg.passthrough;
    bool used[VM_IRQ_MAX + 1] = {false};

    FUZZ_CHECK(cfg.emu_device_count <= VM_EMU_DEV_MAX);
    for (unsigned i = 0; i < cfg.emu_device_count; i++) {
        const struct vm_emu_device *d = &cfg.emu_devices[i];
        FUZZ_CHECK(valid_name(d->name));
        FUZZ_CHECK(d->cfg_count <= VM_EMU_CFG_MAX);
        if (!is_interrupt_controller(d->type) && d->irq_id)
            FUZZ_CHECK(claim(used, d->irq_id));
        if (d->length)
            FUZZ_CHECK(inside_ipa_space(span_of(d->base_ipa, d->length)));
    }
    FUZZ_CHECK(pt->region_count <= VM_PT_DEV_MAX && pt->irq_count <= VM_PT_IRQ_MAX);
    for (unsigned i = 0; i < pt->region_count; i++) {
        const struct vm_pt_region *r = &pt->regions[i];
        FUZZ_CHECK(valid_name(r->name));
        FUZZ_CHECK(r->length && (r->base_pa | r->base_ipa | r->length) % VM_PAGE_SIZE == 0);
        FUZZ_CHECK(span_of(r->base_pa, r->length).end <= (unsigned __int128)UINT64_MAX + 1);
        FUZZ_CHECK(inside_ipa_space(span_of(r->base_ipa, r->length)));
        FUZZ_CHECK(r->irq_first + r->irq_count <= pt->irq_count);
        for (unsigned k = 0; k < r->irq_count; k++)
            FUZZ_CHECK(claim(used, pt->irqs[r->irq_first + k]));
    }
    FUZZ_CHECK(cfg.dtb_device_count <= VM_DTB_DEV_MAX);
    for (unsigned i = 0; i < cfg.dtb_device_count; i++)
        FUZZ_CHECK(cfg.dtb_devices[i].irq_count <= VM_DTB_DEV_IRQ_MAX);
}

/* No two of RAM, emulated device windows and passthrough windows overlap. */
static void check_overlaps(void)
{
    struct span s[VM_MEM_REGION_MAX + VM_EMU_DEV_MAX + VM_PT_DEV_MAX];
    unsigned n = 0;

    for (unsigned i = 0; i < cfg.mem_region_count; i++)
        s[n++] = span_of(cfg.mem_regions[i].ipa_start, cfg.mem_regions[i].length);
    for (unsigned i = 0; i < cfg.emu_device_count; i++)
        if (cfg.emu_devices[i].length)
            s[n++] = span_of(cfg.emu_devices[i].base_ipa, cfg.emu_devices[i].length);
    for (unsigned i = 0; i < cfg.passthrough.region_count; i++)
        s[n++] = span_of(cfg.passthrough.regions[i].base_ipa, cfg.passthrough.regions[i].length);
    for (unsigned j = 0; j < n; j++)
        for (unsigned i = 0; i < j; i++)
            FUZZ_CHECK(!spans_overlap(s[i], s[j]));
}

static void check_accepted(void)
{
    FUZZ_CHECK(valid_name(cfg.name));
    FUZZ_CHECK(cfg.type == VM_TYPE_LINUX || cfg.type == VM_TYPE_BARE_METAL);
    FUZZ_CHECK(nul_within(cfg.cmdline, VM_CMDLINE_SIZE));
    check_memory();
    check_image();
    check_cpu();
    check_devices();
    check_overlaps();
}

/* ---------------------------------------------------------------- the hypervisor's view */

static bool no_pa_taken(paddr_t pa, u64 size)
{
    (void)pa;
    (void)size;
    return false;
}

static void check_hypervisor_accepts(void)
{
    static const struct vm_spec_env env = {
        .hart_mask = MACHINE_HARTS,
        .reserved_harts = MVM_HARTS,
        .max_irq = VM_IRQ_MAX,
        .pa_taken = no_pa_taken,
    };
    char why[VM_SPEC_WHY_MAX] = "";

    if (vm_spec_check(&spec, &env, why, sizeof(why)))
        FUZZ_FAIL("the CLI accepts a config the hypervisor refuses: %s", why);
}

static void convert(void)
{
    const struct vm_image_sizes sizes = {
        .kernel = KERNEL_SIZE,
        .ramdisk = vm_config_has_ramdisk(&cfg) ? RAMDISK_SIZE : 0,
    };
    unsigned errors = diag.errors;
    bool ok = vm_spec_from_config(&cfg, &sizes, &spec, &diag);

    check_diag();
    FUZZ_CHECK(ok == (diag.errors == errors));
    if (!ok)
        return;
    FUZZ_CHECK(nul_within(spec.name, sizeof(spec.name)));
    FUZZ_CHECK(nul_within(spec.cmdline, sizeof(spec.cmdline)));
    FUZZ_CHECK(spec.nr_mem == cfg.mem_region_count && spec.nr_devs == cfg.emu_device_count);
    FUZZ_CHECK(spec.nr_pt <= SHYPER_MAX_PT && spec.nr_pt_irqs <= SHYPER_MAX_PT_IRQS);
    check_hypervisor_accepts();
}

/* ---------------------------------------------------------------- mediated disks */

static void check_mediated(const char *text, size_t len)
{
    config_diag_init(&diag);
    bool ok = mediated_config_parse(text, len, &mediated, &diag);

    check_diag();
    FUZZ_CHECK(ok == (diag.errors == 0));
    if (!ok)
        return;
    FUZZ_CHECK(mediated.count <= MEDIATED_DISK_MAX);
    for (unsigned i = 0; i < mediated.count; i++) {
        FUZZ_CHECK(nul_within(mediated.paths[i], MEDIATED_PATH_SIZE) && mediated.paths[i][0]);
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(mediated.paths[i], mediated.paths[j]) != 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct vm_machine machine = VM_MACHINE_DEFAULT;

    if (size > MAX_INPUT_LENGTH)
        return 0;
    /* An exact copy: a read past the end is caught (the interface is text[0, len)). */
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);

    config_diag_init(&diag);
    bool ok = vm_config_load(text, size, &machine, &cfg, &diag);
    check_diag();
    FUZZ_CHECK(ok == (diag.errors == 0));
    if (ok) {
        check_accepted();
        convert();
    }
    check_mediated(text, size);
    free(text);
    return 0;
}
