/*
 * Boot flow.  The boot hart discovers the machine from the device tree, sets up memory,
 * creates the statically configured VMs, starts the other harts and enters the
 * scheduler; every secondary hart initialises itself and enters the scheduler too.
 */
#include <arch/hooks.h>
#include <arch/plic.h>
#include <arch/sbi.h>
#include <device/uart16550.h>
#include <kernel/log.h>
#include <kernel/page_alloc.h>
#include <kernel/panic.h>
#include <kernel/pcpu.h>
#include <kernel/platform.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <vmm/vm.h>

#define SHYPER_VERSION "0.1.0"

extern char __image_start[], __image_end[], pcpu_stacks[];

static void sbi_putc(char c)
{
    sbi_dbcn_putc(c);
}

static const struct console_ops sbi_console = {.putc = sbi_putc};

static void pcpu_setup(u32 hartid)
{
    struct pcpu *p = &pcpus[hartid];

    p->hartid = hartid;
    p->arch.stack_top = (u64)pcpu_stacks + (u64)(hartid + 1) * PCPU_STACK_SIZE;
    p->timer_deadline = 0;
    __asm__ volatile("mv tp, %0" ::"r"(p));
    arch_cpu_init();
    __atomic_store_n(&p->online, true, __ATOMIC_RELEASE);
}

/* All RAM not used by firmware, the hypervisor image or reserved-memory nodes. */
static void memory_init(void)
{
    u64 nr_pages = platform.ram_size >> PAGE_SHIFT;
    u64 *bitmap = (u64 *)ALIGN_UP((u64)__image_end, PAGE_SIZE);
    u64 bitmap_bytes = ALIGN_UP(PAGE_POOL_BITMAP_BYTES(nr_pages), PAGE_SIZE);

    page_pool_init(&system_pool, platform.ram_base, nr_pages, bitmap);
    page_pool_reserve(&system_pool, platform.ram_base,
                      (u64)bitmap + bitmap_bytes - platform.ram_base);
    for (u32 i = 0; i < platform.nr_reserved; i++)
        page_pool_reserve(&system_pool, platform.reserved[i].base, platform.reserved[i].size);
    log_info("memory: %lu MiB at 0x%lx, hypervisor 0x%lx-0x%lx, %lu MiB free",
             platform.ram_size >> 20, platform.ram_base, (u64)__image_start,
             (u64)bitmap + bitmap_bytes, (page_pool_free_pages(&system_pool) << PAGE_SHIFT) >> 20);
}

static void create_static_vms(void)
{
    for (u32 id = 0; id < vm_static_config_count; id++) {
        int err = vm_create(id, &vm_static_configs[id], NULL);
        if (err)
            log_error("vm%u (%s): not created (error %d)", id, vm_static_configs[id].name, err);
    }
}

/* The other harts come up while this one builds the VMs (pcpu_call waits for them). */
static void start_secondary_harts(void)
{
    for (u32 h = 0; h < MAX_HARTS; h++) {
        if (h == platform.boot_hart || !(platform.hart_mask & BIT(h)))
            continue;
        if (!arch_start_hart(h)) {
            log_error("hart %u: firmware refused to start it", h);
            platform.hart_mask &= ~BIT(h);
            platform.nr_harts--;
        }
    }
}

void boot_main(u32 hartid, const void *fdt)
{
    console_set_backend(&sbi_console);
    pcpu_setup(hartid);
    int err = platform_init(fdt, hartid);
    if (err)
        panic("cannot use the device tree at %p: %s", fdt, platform_error(err));
    if (platform.uart_base)
        console_set_backend(uart16550_console(platform.uart_base, platform.uart_reg_shift));
    console_printf("\nShyper " SHYPER_VERSION " - RISC-V Type-1 hypervisor\n");
    log_info("%u hart(s) (mask 0x%lx), boot hart %u, timebase %lu Hz, Sstc %s", platform.nr_harts,
             platform.hart_mask, hartid, platform.timebase_freq, platform.has_sstc ? "yes" : "no");
    arch_mem_init();
    memory_init();
    plic_init();
    start_secondary_harts();
    create_static_vms();
    for (u32 id = 0; id < MAX_VMS; id++) {
        struct vm *vm = vm_get(id);
        if (vm)
            vm_start(vm);
    }
    sched_run();
}

void secondary_main(u32 hartid)
{
    pcpu_setup(hartid);
    sched_run();
}
