/* VM creation, lifecycle and guest-memory access (see vm.h). */
#include <arch/hooks.h>
#include <device/vplic.h>
#include <kernel/errno.h>
#include <kernel/irq_route.h>
#include <kernel/log.h>
#include <kernel/page_alloc.h>
#include <kernel/pcpu.h>
#include <kernel/platform.h>
#include <kernel/sched.h>
#include <stdarg.h>
#include <string.h>
#include <vmm/vm.h>
#include <vmm/vm_fdt.h>
#include <vmm/vm_notify.h>
#include <vmm/vm_spec.h>

static struct vm vms[MAX_VMS];
static bool vm_used[MAX_VMS];

/*
 * Every change of a VM's state, creation and removal happen under this lock.  A hart
 * waiting for it keeps serving its cross-hart calls, so the holder can still stop and
 * unbind vCPUs on that hart (pcpu_call) while it waits.
 */
static spinlock_t lifecycle = SPINLOCK_INIT;

static void lifecycle_lock(void)
{
    spin_lock_serving(&lifecycle, pcpu_process_calls);
}

static void lifecycle_unlock(void)
{
    spin_unlock(&lifecycle);
}

/* Takes the lifecycle lock for an event of run `run` of vm: false (and not locked) if the
 * VM was stopped, restarted or removed while the event waited for the lock. */
static bool lock_run(struct vm *vm, u32 run)
{
    lifecycle_lock();
    if (vm_used[vm - vms] && vm->run == run)
        return true;
    lifecycle_unlock();
    return false;
}

struct vm *vm_get(u32 id)
{
    return id < MAX_VMS && vm_used[id] ? &vms[id] : NULL;
}

u32 vm_free_id(void)
{
    for (u32 id = 1; id < MAX_VMS; id++)
        if (!vm_used[id])
            return id;
    return 0;
}

/* The RAM region that holds [gpa, gpa + len), or NULL. */
static const struct vm_mem_region *region_of(const struct vm *vm, gpaddr_t gpa, u64 len)
{
    for (u32 i = 0; i < vm->nr_mem; i++)
        if (range_within(gpa, len, vm->mem[i].ipa, vm->mem[i].size))
            return &vm->mem[i];
    return NULL;
}

void *vm_gpa_to_hva(struct vm *vm, gpaddr_t gpa, u64 len)
{
    const struct vm_mem_region *r = region_of(vm, gpa, len);

    return r ? (void *)(r->pa + (gpa - r->ipa)) : NULL;
}

/* Copies len bytes at gpa, a region's worth at a time. */
static int copy_guest(struct vm *vm, gpaddr_t gpa, void *buf, u64 len, bool to_guest)
{
    while (len) {
        const struct vm_mem_region *r = region_of(vm, gpa, 1);
        if (!r)
            return -EFAULT;
        u64 chunk = MIN(len, r->size - (gpa - r->ipa));
        u8 *p = (u8 *)(r->pa + (gpa - r->ipa));
        if (to_guest)
            memcpy(p, buf, chunk);
        else
            memcpy(buf, p, chunk);
        gpa += chunk;
        buf = (u8 *)buf + chunk;
        len -= chunk;
    }
    return 0;
}

int vm_read_guest(struct vm *vm, gpaddr_t gpa, void *dst, u64 len)
{
    return copy_guest(vm, gpa, dst, len, false);
}

int vm_write_guest(struct vm *vm, gpaddr_t gpa, const void *src, u64 len)
{
    return copy_guest(vm, gpa, (void *)src, len, true);
}

static u64 vm_ram_size(const struct vm *vm)
{
    u64 total = 0;

    for (u32 i = 0; i < vm->nr_mem; i++)
        total += vm->mem[i].size;
    return total;
}

/* Largest alignment (1 GiB, 2 MiB, 4 KiB) that lets stage 2 map the region with big pages. */
static u64 region_alignment(gpaddr_t ipa, u64 size)
{
    if (IS_ALIGNED(ipa, GIB(1)) && size >= GIB(1))
        return GIB(1);
    if (IS_ALIGNED(ipa, MIB(2)) && size >= MIB(2))
        return MIB(2);
    return PAGE_SIZE;
}

/*
 * A VM's RAM is cleared when it is allocated, so that no VM sees what another left there
 * (docs/security.md).  The exception is the MVM's, which is created once, at boot: its
 * RAM has held nothing but what the firmware and the loader put there, no VM has run yet,
 * and the MVM is trusted with every VM's memory anyway.  Clearing its 512 MiB would be
 * most of the hypervisor's boot time (docs/performance.md).  A reboot of the MVM clears
 * its RAM like any VM's (reset_memory()).
 */
static bool ram_needs_clearing(const struct vm *vm)
{
    return !vm_is_mvm(vm) || vm->dynamic;
}

static int alloc_region(struct vm *vm, const struct vm_mem_region_config *rc)
{
    u64 pages = rc->size >> PAGE_SHIFT;
    paddr_t pa = 0;

    if (!rc->size || !IS_ALIGNED(rc->ipa | rc->size, PAGE_SIZE))
        return -EINVAL;
    if (rc->identity) {
        pa = page_pool_alloc_at(&system_pool, rc->ipa, pages) ? rc->ipa : 0;
    } else {
        for (u64 align = region_alignment(rc->ipa, rc->size); !pa && align >= PAGE_SIZE;
             align >>= 9)
            pa = page_pool_alloc(&system_pool, pages, MAX(align, PAGE_SIZE));
    }
    if (!pa)
        return -ENOMEM;
    if (ram_needs_clearing(vm))
        arch_mem_zero((void *)pa, rc->size);
    vm->mem[vm->nr_mem++] = (struct vm_mem_region){.ipa = rc->ipa, .pa = pa, .size = rc->size};
    return stage2_map(&vm->s2, rc->ipa, pa, rc->size, S2_RWX);
}

static int setup_memory(struct vm *vm, const struct vm_config *cfg)
{
    for (u32 i = 0; i < cfg->nr_mem; i++) {
        int err = alloc_region(vm, &cfg->mem[i]);
        if (err) {
            log_error("vm%u: RAM region %u [0x%lx, +0x%lx): %s", vm->id, i, cfg->mem[i].ipa,
                      cfg->mem[i].size, err == -ENOMEM ? "not enough free memory" : "invalid");
            return err;
        }
    }
    for (u32 i = 0; i < cfg->nr_pt; i++) {
        const struct vm_pt_region_config *pt = &cfg->pt[i];
        int err = stage2_map(&vm->s2, pt->ipa, pt->pa, pt->size, S2_RW);
        if (err) {
            log_error("vm%u: passthrough region 0x%lx: cannot map (%d)", vm->id, pt->ipa, err);
            return err;
        }
    }
    return 0;
}

static int setup_devices(struct vm *vm, const struct vm_config *cfg)
{
    for (u32 i = 0; i < cfg->nr_emu; i++) {
        const struct vm_emu_dev_config *dc = &cfg->emu[i];
        for (u32 j = 0; j < vm->nr_mem; j++) {
            if (ranges_overlap(dc->base, dc->size, vm->mem[j].ipa, vm->mem[j].size)) {
                log_error("vm%u: device %s overlaps RAM", vm->id, dc->name);
                return -EINVAL;
            }
        }
        if (vm_find_mmio(vm, dc->base) || vm_find_mmio(vm, dc->base + dc->size - 1)) {
            log_error("vm%u: device %s overlaps another device", vm->id, dc->name);
            return -EINVAL;
        }
        struct mmio_dev *dev = &vm->devs[vm->nr_devs];
        int err = emu_dev_create(vm, dev, dc);
        if (err) {
            log_error("vm%u: device %s: cannot create (%d)", vm->id, dc->name, err);
            return err;
        }
        vm->nr_devs++;
    }
    return 0;
}

/* The VM's passthrough interrupts become its own; they need its vPLIC to arrive in. */
static int claim_pt_irqs(struct vm *vm, const struct vm_config *cfg)
{
    for (u32 i = 0; i < cfg->nr_pt_irqs; i++) {
        u32 irq = cfg->pt_irqs[i];
        if (!vm->vplic || irq == 0 || irq > vplic_nr_sources(vm->vplic)) {
            log_error("vm%u: passthrough interrupt %u: %s", vm->id, irq,
                      vm->vplic ? "not a source of its vPLIC" : "the VM has no vPLIC");
            return -EINVAL;
        }
        if (irq_route_claim(irq, vm)) {
            log_error("vm%u: passthrough interrupt %u belongs to another VM", vm->id, irq);
            return -EBUSY;
        }
    }
    return 0;
}

/* vCPU i runs on the i-th hart of cfg->harts, the master hart first. */
static int setup_vcpus(struct vm *vm, const struct vm_config *cfg)
{
    u64 harts = cfg->harts == VM_HARTS_ALL ? platform.hart_mask : cfg->harts;
    u32 order[MAX_HARTS], n = 0;

    if (!harts || (harts & ~platform.hart_mask)) {
        log_error("vm%u: harts 0x%lx are not all present (machine has 0x%lx)", vm->id, harts,
                  platform.hart_mask);
        return -EINVAL;
    }
    u32 master = cfg->master % MAX_HARTS;

    while (!(harts & BIT(master)))
        master = (master + 1) % MAX_HARTS;
    order[n++] = master;
    for (u32 h = 0; h < MAX_HARTS; h++)
        if ((harts & BIT(h)) && h != master)
            order[n++] = h;

    for (u32 i = 0; i < n; i++) {
        struct vcpu *v = &vm->vcpus[i];
        memset(v, 0, sizeof(*v));
        v->vm = vm;
        v->id = i;
        v->hartid = order[i];
        v->state = VCPU_STOPPED;
        v->timer_deadline = ~0UL;
        arch_vcpu_init(v);
    }
    vm->nr_vcpus = n;
    return 0;
}

/* Copies the kernel and initrd into RAM and places the device tree after them. */
static int load_images(struct vm *vm)
{
    const struct vm_config *cfg = vm->config;

    u64 kernel_size = vm_blob_size(&cfg->kernel), initrd_size = vm_blob_size(&cfg->initrd);

    if (vm_write_guest(vm, cfg->kernel_ipa, cfg->kernel.start, kernel_size)) {
        log_error("vm%u: kernel image (%lu bytes) does not fit in RAM at 0x%lx", vm->id,
                  kernel_size, cfg->kernel_ipa);
        return -EFAULT;
    }
    if (initrd_size && vm_write_guest(vm, cfg->initrd_ipa, cfg->initrd.start, initrd_size)) {
        log_error("vm%u: initrd does not fit in RAM at 0x%lx", vm->id, cfg->initrd_ipa);
        return -EFAULT;
    }
    return vm_fdt_install(vm);
}

/* RAM as at creation, with the images and device tree restored (a fresh boot). */
static int reset_memory(struct vm *vm)
{
    for (u32 i = 0; i < vm->nr_mem; i++)
        arch_mem_zero((void *)vm->mem[i].pa, vm->mem[i].size);
    return load_images(vm);
}

static void sync_here(void *arg)
{
    (void)arg;
}

/* Returns once every hart has left whatever it was doing (e.g. delivering an interrupt). */
static void sync_all_harts(void)
{
    for (u32 h = 0; h < MAX_HARTS; h++)
        if (platform.hart_mask & BIT(h))
            pcpu_call(h, sync_here, NULL, true);
}

/* Frees everything the VM owns; none of its vCPUs may be on a run queue. */
static void vm_destroy(struct vm *vm)
{
    irq_route_release_all(vm);
    sync_all_harts();                   /* no hart still hands one of its interrupts to its vPLIC */
    for (u32 i = vm->nr_devs; i-- > 0;) /* users of the vPLIC before the vPLIC */
        if (vm->devs[i].ops && vm->devs[i].ops->destroy)
            vm->devs[i].ops->destroy(&vm->devs[i]);
    for (u32 i = 0; i < vm->nr_mem; i++)
        page_free(vm->mem[i].pa, vm->mem[i].size >> PAGE_SHIFT);
    stage2_destroy(&vm->s2);
    if (vm->dynamic)
        vm_dynamic_free(vm->dynamic);
    vm->dynamic = NULL;
    vm_used[vm->id] = false;
}

/* A hart's run queue is only ever changed by that hart. */
static void add_vcpu_here(void *arg)
{
    sched_add_vcpu(this_pcpu(), arg);
}

static void remove_vcpu_here(void *arg)
{
    sched_remove_vcpu(this_pcpu(), arg);
    sched_timer_changed();
}

/* Under the lifecycle lock.  A run-time VM's images arrive later (CONFIG_LOAD): it gets
 * only its device tree now, which also checks where the tree goes. */
static int create_locked(u32 id, const struct vm_config *cfg, struct vm_dynamic *dyn)
{
    struct vm *vm = &vms[id];
    u32 run = vm->run + 1;
    int err;

    memset(vm, 0, sizeof(*vm));
    vm->id = id;
    vm->run = run;
    vm->config = cfg;
    vm->dynamic = dyn;
    snprintf(vm->name, sizeof(vm->name), "%s", cfg->name ? cfg->name : "");
    spin_lock_init(&vm->lock);
    vm_used[id] = true;
    err = stage2_init(&vm->s2, &system_pool, id + 1);
    if (!err)
        err = setup_vcpus(vm, cfg);
    if (!err)
        err = setup_memory(vm, cfg);
    if (!err)
        err = setup_devices(vm, cfg);
    if (!err)
        err = claim_pt_irqs(vm, cfg);
    if (!err)
        err = dyn ? vm_fdt_install(vm) : load_images(vm);
    if (err) {
        vm_destroy(vm);
        return err;
    }
    for (u32 i = 0; i < vm->nr_vcpus; i++)
        pcpu_call(vm->vcpus[i].hartid, add_vcpu_here, &vm->vcpus[i], true);
    vm->state = VM_STATE_CONFIGURED;
    log_info("vm%u (%s): %u vCPU(s), %lu MiB RAM, %u device(s)", id, vm->name, vm->nr_vcpus,
             vm_ram_size(vm) >> 20, vm->nr_devs);
    vm_notify_state(vm, SHYPER_VM_EVENT_CREATED);
    return 0;
}

static int create(u32 id, const struct vm_config *cfg, struct vm_dynamic *dyn, struct vm **out)
{
    int err = -EBUSY;

    lifecycle_lock();
    if (id < MAX_VMS && !vm_used[id])
        err = create_locked(id, cfg, dyn);
    else if (dyn)
        vm_dynamic_free(dyn);
    lifecycle_unlock();
    if (!err && out)
        *out = &vms[id];
    return err;
}

int vm_create(u32 id, const struct vm_config *cfg, struct vm **out)
{
    return create(id, cfg, NULL, out);
}

int vm_create_dynamic(u32 id, struct vm_dynamic *dyn, struct vm **out)
{
    return create(id, &dyn->cfg, dyn, out);
}

static void stop_vcpu_here(void *arg)
{
    vcpu_force_stop(arg);
    sched_timer_changed();
}

/* Emulated devices back to their power-on state: a stopped VM's devices neither take nor
 * deliver anything (a peer's data for them is dropped). */
static void reset_devices(struct vm *vm)
{
    for (u32 i = 0; i < vm->nr_devs; i++)
        if (vm->devs[i].ops && vm->devs[i].ops->reset)
            vm->devs[i].ops->reset(&vm->devs[i]);
}

static void stop_all_vcpus(struct vm *vm)
{
    for (u32 i = 0; i < vm->nr_vcpus; i++)
        pcpu_call(vm->vcpus[i].hartid, stop_vcpu_here, &vm->vcpus[i], true);
    reset_devices(vm);
    vm_console_flush(vm); /* a prompt left half-written must not prefix the next boot's line */
}

/* Under the lifecycle lock. */
static int start_locked(struct vm *vm, enum shyper_vm_event event)
{
    const struct vm_config *cfg = vm->config;
    int err = 0;

    if (vm->state == VM_STATE_RUNNING)
        return -EALREADY;
    if (vm->state == VM_STATE_STOPPED)
        err = reset_memory(vm);
    else if (vm->dynamic)
        err = vm_fdt_install(vm); /* after the images it describes were loaded */
    if (err)
        return err;
    if (vm->vplic)
        vplic_reset(vm->vplic); /* a (re)started VM finds its interrupt controller in reset */
    vm->state = VM_STATE_RUNNING;
    vm->run++;
    vm->stop_reason[0] = '\0';
    log_info("vm%u (%s): starting at 0x%lx on hart %u", vm->id, vm->name, cfg->kernel_ipa,
             vm->vcpus[0].hartid);
    err = vcpu_hsm_start(&vm->vcpus[0], cfg->kernel_ipa, vm->dtb_ipa);
    vm_notify_state(vm, event);
    return err;
}

/* Under the lifecycle lock; the reason is already in vm->stop_reason. */
static void stop_locked(struct vm *vm, enum shyper_vm_event event)
{
    vm->state = VM_STATE_STOPPED;
    vm->run++;
    stop_all_vcpus(vm);
    vm_notify_state(vm, event);
}

int vm_start(struct vm *vm)
{
    lifecycle_lock();
    int err = start_locked(vm, SHYPER_VM_EVENT_BOOTED);
    lifecycle_unlock();
    return err;
}

int vm_shutdown(struct vm *vm)
{
    int err = -EALREADY;

    lifecycle_lock();
    if (vm->state == VM_STATE_RUNNING) {
        snprintf(vm->stop_reason, sizeof(vm->stop_reason), "shut down by the MVM");
        log_info("vm%u (%s) %s", vm->id, vm->name, vm->stop_reason);
        stop_locked(vm, SHYPER_VM_EVENT_SHUT_DOWN);
        err = 0;
    }
    lifecycle_unlock();
    return err;
}

/* Under the lifecycle lock: stop (whatever the state), restore memory, start. */
static int restart_locked(struct vm *vm)
{
    log_info("vm%u (%s): rebooting", vm->id, vm->name);
    stop_all_vcpus(vm);
    vm->state = VM_STATE_STOPPED;
    int err = start_locked(vm, SHYPER_VM_EVENT_REBOOTED);
    if (err) {
        snprintf(vm->stop_reason, sizeof(vm->stop_reason), "reboot failed (error %d)", err);
        log_error("vm%u (%s) stopped: %s", vm->id, vm->name, vm->stop_reason);
        stop_locked(vm, SHYPER_VM_EVENT_FAULTED);
    }
    return err;
}

int vm_restart(struct vm *vm)
{
    if (vm_is_mvm(vm))
        return -EINVAL;
    lifecycle_lock();
    int err = restart_locked(vm);
    lifecycle_unlock();
    return err;
}

int vm_remove(struct vm *vm)
{
    u64 free_before = page_pool_free_pages(&system_pool);

    if (vm_is_mvm(vm))
        return -EINVAL;
    lifecycle_lock();
    vm->state = VM_STATE_STOPPED;
    vm->run++;
    stop_all_vcpus(vm); /* none of its vCPUs runs from here on */
    for (u32 i = 0; i < vm->nr_vcpus; i++)
        pcpu_call(vm->vcpus[i].hartid, remove_vcpu_here, &vm->vcpus[i], true);
    vm_notify_state(vm, SHYPER_VM_EVENT_REMOVED);
    vm_destroy(vm);
    log_info("vm%u (%s) removed, %lu pages freed", vm->id, vm->name,
             page_pool_free_pages(&system_pool) - free_before);
    lifecycle_unlock();
    return 0;
}

void vm_stop(struct vm *vm, const char *fmt, ...)
{
    u32 run = READ_ONCE(vm->run);
    va_list ap;

    if (!lock_run(vm, run))
        return;
    if (vm->state == VM_STATE_RUNNING) {
        va_start(ap, fmt);
        vsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
        va_end(ap);
        log_error("vm%u (%s) stopped: %s", vm->id, vm->name, vm->stop_reason);
        stop_locked(vm, SHYPER_VM_EVENT_FAULTED);
    }
    lifecycle_unlock();
}

#define EXITS_LINE_MAX 160

static const char *const exit_names[EXIT_REASONS] = {
    [EXIT_SBI] = "sbi",           [EXIT_MMIO] = "mmio",
    [EXIT_WFI] = "wfi",           [EXIT_VIRTUAL_INST] = "vinst",
    [EXIT_GUEST_FAULT] = "fault", [EXIT_IRQ_TIMER] = "timer",
    [EXIT_IRQ_IPI] = "ipi",       [EXIT_IRQ_EXT] = "ext",
    [EXIT_OTHER] = "other",
};

/* Logs the VM's exits by cause, summed over its vCPUs (`make bench` reads this line). */
static void log_exits(const struct vm *vm)
{
    char line[EXITS_LINE_MAX];
    size_t n = 0;

    for (u32 r = 0; r < EXIT_REASONS && n < sizeof(line); r++) {
        u64 count = 0;
        for (u32 i = 0; i < vm->nr_vcpus; i++)
            count += vm->vcpus[i].exits[r];
        n += snprintf(line + n, sizeof(line) - n, " %s=%lu", exit_names[r], count);
    }
    log_info("vm%u (%s) exits:%s", vm->id, vm->name, line);
}

void vm_power_off(struct vm *vm, bool failure)
{
    u32 run = READ_ONCE(vm->run);

    log_exits(vm);
    if (vm_is_mvm(vm)) {
        log_info("vm0 (%s) powered off%s: shutting down", vm->name, failure ? " (failure)" : "");
        arch_system_off(false);
    }
    if (!lock_run(vm, run))
        return;
    if (vm->state == VM_STATE_RUNNING) {
        snprintf(vm->stop_reason, sizeof(vm->stop_reason), "powered off by the guest%s",
                 failure ? " (system failure)" : "");
        log_info("vm%u (%s) %s", vm->id, vm->name, vm->stop_reason);
        stop_locked(vm, SHYPER_VM_EVENT_POWERED_OFF);
    }
    lifecycle_unlock();
}

int vm_reboot(struct vm *vm)
{
    u32 run = READ_ONCE(vm->run);
    int err = 0;

    if (vm_is_mvm(vm)) {
        log_info("vm0 (%s) rebooted: resetting the machine", vm->name);
        arch_system_off(true);
    }
    if (!lock_run(vm, run))
        return -EALREADY;
    if (vm->state == VM_STATE_RUNNING)
        err = restart_locked(vm);
    lifecycle_unlock();
    return err;
}

enum vm_state vm_read_state(struct vm *vm, char *reason, size_t size)
{
    lifecycle_lock();
    enum vm_state state = vm->state;
    snprintf(reason, size, "%s", vm->stop_reason);
    lifecycle_unlock();
    return state;
}
