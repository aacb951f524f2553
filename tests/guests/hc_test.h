/*
 * Helpers for the management-hypercall test guests (hc_*.c): calls of the Shyper ABI
 * (include/shyper/hypercall.h), waiting for a VM's state, and the child VM they create
 * from the embedded hc_child image.
 *
 * The child (hc_child.c) does what the `mode` word of its image says.  The parent finds
 * CHILD_MAGIC in the image and rewrites the word after it with CONFIG_LOAD, so the
 * hypervisor's copy of the image (restored at every reboot) carries the mode.
 */
#ifndef HC_TEST_H
#define HC_TEST_H

#include "sbi_test.h"
#include "test_layout.h"
#include <shyper/hypercall.h>
#include <string.h>

#define CHILD_MAGIC 0x646c696863796873UL /* "shychild" */

enum child_mode {
    CHILD_POWER_OFF = 0, /* prints "child boot", powers itself off (SBI SRST shutdown) */
    CHILD_SPIN = 1,      /* prints "child spin", then makes SBI calls forever */
    CHILD_FAULT = 2,     /* prints "child fault", faults at its own trap handler */
    CHILD_REBOOT = 3,    /* prints "child reboot", reboots itself (SBI SRST cold reboot) */
};

struct child_params {
    u64 magic;
    u64 mode;
};

#define OS_BARE_METAL  1  /* struct shyper_vm_spec.os */
#define DEV_TYPE_PLIC  13 /* EMU_DEV_PLIC */
#define CHILD_RAM_BASE TEST_RAM_BASE
#define CHILD_PT_IRQ   8    /* a physical source (QEMU virt's last virtio slot) */
#define STATE_WAIT_MS  3000 /* a child boots and stops within this */

/*
 * Embeds build/guests/<name>.bin, which the guest names on its first line
 * ("// GUEST_EMBEDS: name"), as <name>_image_start[] .. <name>_image_end[].
 */
#define GUEST_EMBED(name)                                                                          \
    __asm__(".pushsection .rodata.embed_" #name ", \"a\"\n"                                        \
            ".balign 8\n" #name "_image_start:\n"                                                  \
            ".incbin \"" GUEST_EMBED_##name "\"\n" #name "_image_end:\n"                           \
                                            ".popsection\n");                                      \
    extern const u8 name##_image_start[], name##_image_end[]

static inline struct sbiret hc(unsigned long group, unsigned long fn, unsigned long a0,
                               unsigned long a1, unsigned long a2, unsigned long a3,
                               unsigned long a4)
{
    return sbi_call(SHYPER_EID(group), fn, a0, a1, a2, a3, a4, 0);
}

static inline long hc_system_info(struct shyper_system_info *info)
{
    return hc(SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_GET_INFO, (unsigned long)info, sizeof(*info), 0, 0,
              0)
        .error;
}

static inline long hc_vm_info(u32 id, struct shyper_vm_info *info)
{
    return hc(SHYPER_GROUP_VMM, SHYPER_VMM_GET_INFO, id, (unsigned long)info, sizeof(*info), 0, 0)
        .error;
}

static inline long hc_vm_stats(u32 id, struct shyper_vm_stats *stats)
{
    return hc(SHYPER_GROUP_VMM, SHYPER_VMM_GET_STATS, id, (unsigned long)stats, sizeof(*stats), 0,
              0)
        .error;
}

/* VMM_BOOT, VMM_SHUTDOWN, VMM_REBOOT, VMM_REMOVE: calls that take only a VM id. */
static inline long hc_vmm(unsigned long fn, u32 id)
{
    return hc(SHYPER_GROUP_VMM, fn, id, 0, 0, 0, 0).error;
}

static inline struct sbiret hc_create(const struct shyper_vm_spec *spec)
{
    return hc(SHYPER_GROUP_CONFIG, SHYPER_CONFIG_CREATE, (unsigned long)spec, sizeof(*spec), 0, 0,
              0);
}

static inline struct sbiret hc_load(u32 id, u32 image, u64 offset, const void *data, u64 len)
{
    return hc(SHYPER_GROUP_CONFIG, SHYPER_CONFIG_LOAD, id, image, offset, (unsigned long)data, len);
}

/* Free pages of the hypervisor's pool (0 if the call fails). */
static inline u64 free_pages(void)
{
    struct shyper_system_info info;

    return hc_system_info(&info) ? 0 : info.free_pages;
}

/* Waits until VM id is in `state`; the info last read is left in *info. */
static inline bool wait_state(u32 id, u32 state, struct shyper_vm_info *info)
{
    return WAIT_UNTIL(!hc_vm_info(id, info) && info->state == state, STATE_WAIT_MS);
}

/* A bare-metal child on `harts` with `ram` bytes at CHILD_RAM_BASE, a vPLIC and the
 * physical interrupt CHILD_PT_IRQ, running an image of kernel_size bytes. */
static inline void child_spec(struct shyper_vm_spec *s, const char *name, u64 harts, u64 ram,
                              u64 kernel_size)
{
    memset(s, 0, sizeof(*s));
    memcpy(s->name, name, strlen(name) + 1);
    s->os = OS_BARE_METAL;
    s->hart_mask = harts;
    s->master = (u32)__builtin_ctzl(harts);
    s->kernel_ipa = CHILD_RAM_BASE;
    s->kernel_size = kernel_size;
    s->nr_mem = 1;
    s->mem[0] = (struct shyper_mem_region){.ipa = CHILD_RAM_BASE, .size = ram};
    s->nr_devs = 1;
    memcpy(s->devs[0].name, "plic", sizeof("plic"));
    s->devs[0].type = DEV_TYPE_PLIC;
    s->devs[0].base = TEST_VPLIC_BASE;
    s->devs[0].size = TEST_VPLIC_SIZE;
    s->nr_pt_irqs = 1;
    s->pt_irqs[0] = CHILD_PT_IRQ;
}

/* Offset of the child's struct child_params in its image, or 0 if it has none. */
static inline u64 child_params_offset(const u8 *image, u64 size)
{
    for (u64 off = 0; off + sizeof(struct child_params) <= size; off += sizeof(u64))
        if (*(const u64 *)(image + off) == CHILD_MAGIC)
            return off;
    return 0;
}

/*
 * Loads image into VM id in chunks of `chunk` bytes, then sets the child's mode (a second
 * load over bytes already loaded).  True when every call succeeded and the last one
 * reported the whole image loaded.
 */
static inline bool load_child(u32 id, const u8 *image, u64 size, u64 chunk, u64 mode)
{
    static u64 mode_word;
    u64 params = child_params_offset(image, size);
    struct sbiret r = {0};

    for (u64 off = 0; off < size; off += chunk) {
        r = hc_load(id, SHYPER_IMAGE_KERNEL, off, image + off, MIN(chunk, size - off));
        if (r.error)
            return false;
    }
    if (r.value != (long)size || !params)
        return false;
    mode_word = mode;
    r = hc_load(id, SHYPER_IMAGE_KERNEL, params + sizeof(u64), &mode_word, sizeof(mode_word));
    return !r.error && r.value == (long)size;
}

#endif
