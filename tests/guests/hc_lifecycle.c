// GUEST_EMBEDS: hc_child
/*
 * The management plane from the MVM's side (VM 0 of configs/hc_mvm.c on hart 0; the
 * children it creates run on hart 1): every management hypercall, with its errors.
 *
 *   - version, own id, system info (F0 = free pages before anything is created);
 *   - a notification ring: registration errors, then every state change of every child
 *     arrives as SHYPER_MSG_VM_STATE through the MVM's vPLIC interrupt;
 *   - CREATE refused for bad specs (sizes, pointers, strings, harts, overlaps, images
 *     outside RAM, passthrough of host memory, unknown devices, too much RAM) with the
 *     right SBI error and no page leaked, including specs that fail half way through
 *     building the VM;
 *   - a child that powers itself off: LOAD errors and chunks, BOOT refused before the
 *     image is complete, BOOT, stop reason and exit counters, REBOOT restores it without
 *     the MVM loading anything (the case expects exactly two "child boot" lines), REMOVE
 *     and free pages == F0;
 *   - two spinning children sharing hart 1 (both make progress), BOOT of a running VM,
 *     SHUTDOWN and its reason, BOOT from STOPPED, a passthrough interrupt owned twice,
 *     REMOVE of running VMs;
 *   - a child the hypervisor stops for a fault, and one that reboots itself;
 *   - afterwards: LIST shows VM 0 only, free pages, VM ids and owned interrupts as at the
 *     start, removed ids refused, VM 0 not removable.
 */
#include "hc_test.h"

GUEST_EMBED(hc_child);

#define CHILD_SIZE            ((u64)(hc_child_image_end - hc_child_image_start))
#define CHILD_HART            1
#define CHILD_RAM             MIB(16)
#define LOAD_CHUNK            1000 /* not a multiple of 8: unaligned copies too */
#define RING_BYTES            4096
#define MAX_MSGS              256
#define MVM_CONTEXT           1 /* vPLIC S-level context of vCPU 0 */
#define SCAUSE_SEI            (SCAUSE_INTERRUPT | 9)
#define PLIC_PRIORITY(irq)    (TEST_VPLIC_BASE + 4 * (irq))
#define PLIC_ENABLE(ctx, irq) (TEST_VPLIC_BASE + 0x2000 + 0x80 * (ctx) + 4 * ((irq) / 32))
#define PLIC_THRESHOLD(ctx)   (TEST_VPLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)       (PLIC_THRESHOLD(ctx) + 4)
#define SPIN_PROGRESS         100      /* SBI calls a spinning child makes to show it runs */
#define REBOOTS_SEEN          3        /* self-reboots to wait for */
#define NOT_RAM               0x1000UL /* a guest-physical address outside the MVM's RAM */
#define NO_VM                 5        /* an id no VM has */
#define BAD_FN                99

static struct shyper_vm_spec spec;
static u8 ring_mem[RING_BYTES] __aligned(RING_BYTES);
static struct shyper_msg_ring *const ring = (struct shyper_msg_ring *)ring_mem;
static struct shyper_msg msgs[MAX_MSGS];
static volatile u32 nr_msgs, nr_irqs, other_irqs;

/* ------------------------------------------------------------ notifications */

static u32 rd32(u64 addr)
{
    return *(volatile u32 *)addr;
}

static void wr32(u64 addr, u32 value)
{
    *(volatile u32 *)addr = value;
}

static void drain_ring(void)
{
    u32 head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);

    while (ring->tail != head) {
        if (nr_msgs < MAX_MSGS)
            msgs[nr_msgs++] = ring->slots[ring->tail];
        __atomic_store_n(&ring->tail, (ring->tail + 1) % ring->nr_slots, __ATOMIC_RELEASE);
    }
}

static bool on_trap(struct trap_frame *frame)
{
    if (frame->scause != SCAUSE_SEI)
        return false;
    u32 irq = rd32(PLIC_CLAIM(MVM_CONTEXT));
    if (irq == TEST_SHYPER_IRQ) {
        nr_irqs++;
        drain_ring();
    } else {
        other_irqs++;
    }
    if (irq)
        wr32(PLIC_CLAIM(MVM_CONTEXT), irq);
    return true;
}

static void check_ring_registration(void)
{
    const unsigned long g = SHYPER_GROUP_NOTIFY, f = SHYPER_NOTIFY_REGISTER;
    const unsigned long at = (unsigned long)ring_mem;

    CHECK_EQ(hc(g, f, at, RING_BYTES / 2, 0, 0, 0).error, SBI_ERR_INVALID_PARAM,
             "hc-ring-too-small");
    CHECK_EQ(hc(g, f, at, RING_BYTES + 8, 0, 0, 0).error, SBI_ERR_INVALID_PARAM,
             "hc-ring-not-power-of-two");
    CHECK_EQ(hc(g, f, at + 4, RING_BYTES, 0, 0, 0).error, SBI_ERR_INVALID_PARAM,
             "hc-ring-misaligned");
    CHECK_EQ(hc(g, f, NOT_RAM, RING_BYTES, 0, 0, 0).error, SBI_ERR_INVALID_ADDRESS,
             "hc-ring-outside-ram");
    CHECK_EQ(hc(g, f, TEST_RAM_BASE + TEST_RAM_SIZE - RING_BYTES / 2, RING_BYTES, 0, 0, 0).error,
             SBI_ERR_INVALID_ADDRESS, "hc-ring-straddles-ram-end");
    struct sbiret r = hc(g, f, at, RING_BYTES, 0, 0, 0);
    u32 slots = (RING_BYTES - sizeof(*ring)) / sizeof(ring->slots[0]);
    CHECK(r.error == SBI_SUCCESS && r.value == slots && ring->nr_slots == slots &&
              ring->head == 0 && ring->dropped == 0,
          "hc-ring-registered");

    wr32(PLIC_PRIORITY(TEST_SHYPER_IRQ), 1);
    wr32(PLIC_ENABLE(MVM_CONTEXT, TEST_SHYPER_IRQ), 1U << (TEST_SHYPER_IRQ % 32));
    wr32(PLIC_THRESHOLD(MVM_CONTEXT), 0);
    set_trap_hook(on_trap);
    CSR_SET(sie, CSR_SIE_SEIE);
    local_irq_enable();
}

struct expected_msg {
    u32 id, state, event;
};

/* Waits for n more messages after `from` and compares them with want[]. */
static void expect_msgs(const char *name, u32 from, const struct expected_msg *want, u32 n)
{
    bool arrived = WAIT_UNTIL(nr_msgs >= from + n, STATE_WAIT_MS);
    u32 bad = n;

    for (u32 i = 0; arrived && i < n && bad == n; i++) {
        const struct shyper_msg *m = &msgs[from + i];
        if (m->type != SHYPER_MSG_VM_STATE || m->arg[0] != want[i].id ||
            m->arg[1] != want[i].state || m->arg[2] != want[i].event)
            bad = i;
    }
    if (!arrived || bad != n) {
        const struct shyper_msg *m = &msgs[from + (bad == n ? 0 : bad)];
        check(false, name, "%u of %u messages; message %u: type %u vm %lu state %lu event %lu",
              nr_msgs - from, n, bad, m->type, m->arg[0], m->arg[1], m->arg[2]);
        return;
    }
    check(true, name, "ok");
}

/* ------------------------------------------------------------ basic calls */

static void check_basics(u64 *f0, u64 *irqs0)
{
    struct shyper_system_info info;

    CHECK_EQ(hc(SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_GET_VERSION, 0, 0, 0, 0, 0).value,
             SHYPER_ABI_VERSION, "hc-version");
    CHECK_EQ(hc(SHYPER_GROUP_VMM, SHYPER_VMM_GET_MY_ID, 0, 0, 0, 0, 0).value, 0, "hc-my-id-is-0");
    CHECK_EQ(hc(SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_GET_INFO, (unsigned long)&info, sizeof(info) - 8,
                0, 0, 0)
                 .error,
             SBI_ERR_INVALID_PARAM, "hc-sysinfo-wrong-size");
    CHECK_EQ(hc(SHYPER_GROUP_SYSTEM, SHYPER_SYSTEM_GET_INFO, NOT_RAM, sizeof(info), 0, 0, 0).error,
             SBI_ERR_INVALID_ADDRESS, "hc-sysinfo-outside-ram");
    CHECK_EQ(hc(SHYPER_GROUP_SYSTEM, BAD_FN, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED,
             "hc-unknown-function");
    CHECK_EQ(hc(SHYPER_GROUP_MEDIATED, BAD_FN, 0, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED,
             "hc-mediated-unknown-function");
    CHECK_EQ(sbi_call(SHYPER_EID(SHYPER_GROUP_VMM) + 1, 0, 0, 0, 0, 0, 0, 0).error,
             SBI_ERR_NOT_SUPPORTED, "hc-eid-low-bits-not-a-group");
    CHECK_EQ(sbi_probe(SHYPER_EID(SHYPER_GROUP_CONFIG)).value, 1, "hc-probe-config-group");
    CHECK_EQ(hc_system_info(&info), SBI_SUCCESS, "hc-sysinfo");
    CHECK(info.abi_version == SHYPER_ABI_VERSION && info.nr_vms == 1 && info.vmid_mask == 1 &&
              info.max_vms >= 2 && (info.hart_mask & BIT(CHILD_HART)) && info.free_pages > 0 &&
              info.free_pages < info.total_pages,
          "hc-sysinfo-values");
    guest_printf("system: %u harts (0x%lx), %lu of %lu pages free, %u VM(s) of %u\n", info.nr_harts,
                 info.hart_mask, info.free_pages, info.total_pages, info.nr_vms, info.max_vms);
    *f0 = info.free_pages;
    *irqs0 = info.irq_owned;
}

/* ------------------------------------------------------------ CREATE refused */

struct bad_spec {
    const char *name;
    void (*spoil)(struct shyper_vm_spec *s);
    long error;
};

static void overlapping_ram(struct shyper_vm_spec *s)
{
    s->nr_mem = 2;
    s->mem[1] = (struct shyper_mem_region){.ipa = CHILD_RAM_BASE + MIB(8), .size = MIB(16)};
}

static void kernel_outside_ram(struct shyper_vm_spec *s)
{
    s->kernel_ipa = CHILD_RAM_BASE + CHILD_RAM - 16;
}

static void on_mvm_hart(struct shyper_vm_spec *s)
{
    s->hart_mask |= BIT(0);
}

static void missing_hart(struct shyper_vm_spec *s)
{
    s->hart_mask = BIT(MAX_GUEST_HARTS - 1) << 1;
    s->master = MAX_GUEST_HARTS;
}

static void unterminated_name(struct shyper_vm_spec *s)
{
    memset(s->name, 'x', sizeof(s->name));
}

static void too_many_regions(struct shyper_vm_spec *s)
{
    s->nr_mem = SHYPER_MAX_MEM + 1;
}

static void unaligned_region(struct shyper_vm_spec *s)
{
    s->mem[0].size += 1;
}

static void host_ram_passthrough(struct shyper_vm_spec *s)
{
    s->nr_pt = 1;
    s->pt[0] = (struct shyper_pt_region){.ipa = 0x40000000, .pa = 0x80000000, .size = MIB(2)};
}

static void plic_passthrough(struct shyper_vm_spec *s)
{
    s->nr_pt = 1;
    s->pt[0] = (struct shyper_pt_region){.ipa = 0x40000000, .pa = 0x0c000000, .size = 0x1000};
}

static void duplicate_irq(struct shyper_vm_spec *s)
{
    s->nr_pt_irqs = 2;
    s->pt_irqs[1] = CHILD_PT_IRQ;
}

static void unknown_irq(struct shyper_vm_spec *s)
{
    s->pt_irqs[0] = 2000;
}

static void device_over_ram(struct shyper_vm_spec *s)
{
    s->devs[0].base = CHILD_RAM_BASE;
}

static void shyper_device(struct shyper_vm_spec *s)
{
    s->devs[0].type = 6; /* EMU_DEV_SHYPER: the MVM's */
    s->devs[0].size = 0;
}

/* Fails while devices are created, after RAM and stage 2 were set up. */
static void unknown_device(struct shyper_vm_spec *s)
{
    s->devs[0].type = 42;
}

/* The second region cannot be allocated after the first one was. */
static void too_much_ram(struct shyper_vm_spec *s)
{
    s->nr_mem = 2;
    s->mem[1] = (struct shyper_mem_region){.ipa = 0x100000000UL, .size = GIB(4)};
}

static void check_create_refused(u64 f0)
{
    static const struct bad_spec bad[] = {
        {"hc-create-overlapping-ram", overlapping_ram, SBI_ERR_INVALID_PARAM},
        {"hc-create-kernel-outside-ram", kernel_outside_ram, SBI_ERR_INVALID_PARAM},
        {"hc-create-on-mvm-hart", on_mvm_hart, SBI_ERR_INVALID_PARAM},
        {"hc-create-missing-hart", missing_hart, SBI_ERR_INVALID_PARAM},
        {"hc-create-unterminated-name", unterminated_name, SBI_ERR_INVALID_PARAM},
        {"hc-create-too-many-regions", too_many_regions, SBI_ERR_INVALID_PARAM},
        {"hc-create-unaligned-region", unaligned_region, SBI_ERR_INVALID_PARAM},
        {"hc-create-host-ram-passthrough", host_ram_passthrough, SBI_ERR_INVALID_PARAM},
        {"hc-create-plic-passthrough", plic_passthrough, SBI_ERR_INVALID_PARAM},
        {"hc-create-duplicate-irq", duplicate_irq, SBI_ERR_INVALID_PARAM},
        {"hc-create-unknown-irq", unknown_irq, SBI_ERR_INVALID_PARAM},
        {"hc-create-device-over-ram", device_over_ram, SBI_ERR_INVALID_PARAM},
        {"hc-create-shyper-device", shyper_device, SBI_ERR_INVALID_PARAM},
        {"hc-create-unknown-device", unknown_device, SBI_ERR_NOT_SUPPORTED},
        {"hc-create-too-much-ram", too_much_ram, SBI_ERR_FAILED},
    };
    for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
        child_spec(&spec, "bad", BIT(CHILD_HART), CHILD_RAM, CHILD_SIZE);
        bad[i].spoil(&spec);
        struct sbiret r = hc_create(&spec);
        u64 pages = free_pages();
        check(r.error == bad[i].error && pages == f0, bad[i].name,
              "error %ld (expected %ld), free pages %lu (expected %lu)", r.error, bad[i].error,
              pages, f0);
    }
    child_spec(&spec, "bad", BIT(CHILD_HART), CHILD_RAM, CHILD_SIZE);
    CHECK_EQ(hc(SHYPER_GROUP_CONFIG, SHYPER_CONFIG_CREATE, (unsigned long)&spec, sizeof(spec) - 8,
                0, 0, 0)
                 .error,
             SBI_ERR_INVALID_PARAM, "hc-create-wrong-size");
    CHECK_EQ(hc(SHYPER_GROUP_CONFIG, SHYPER_CONFIG_CREATE, NOT_RAM, sizeof(spec), 0, 0, 0).error,
             SBI_ERR_INVALID_ADDRESS, "hc-create-spec-outside-ram");
    CHECK_EQ(hc(SHYPER_GROUP_CONFIG, SHYPER_CONFIG_CREATE,
                TEST_RAM_BASE + TEST_RAM_SIZE - sizeof(spec) / 2, sizeof(spec), 0, 0, 0)
                 .error,
             SBI_ERR_INVALID_ADDRESS, "hc-create-spec-straddles-ram-end");
    CHECK_EQ(free_pages(), f0, "hc-create-refused-no-leak");
}

/* ------------------------------------------------------------ a child that powers off */

static void check_load_errors(u32 id)
{
    const u8 *img = hc_child_image_start;

    CHECK_EQ(hc_load(id, 2, 0, img, 8).error, SBI_ERR_INVALID_PARAM, "hc-load-unknown-image");
    CHECK_EQ(hc_load(id, SHYPER_IMAGE_INITRD, 0, img, 8).error, SBI_ERR_INVALID_PARAM,
             "hc-load-no-initrd");
    CHECK_EQ(hc_load(id, SHYPER_IMAGE_KERNEL, LOAD_CHUNK, img, 8).error, SBI_ERR_INVALID_PARAM,
             "hc-load-gap");
    CHECK_EQ(hc_load(id, SHYPER_IMAGE_KERNEL, 0, img, CHILD_SIZE + 1).error, SBI_ERR_INVALID_PARAM,
             "hc-load-past-image");
    CHECK_EQ(hc_load(id, SHYPER_IMAGE_KERNEL, ~0UL - 3, img, 8).error, SBI_ERR_INVALID_PARAM,
             "hc-load-offset-wraps");
    CHECK_EQ(hc_load(id, SHYPER_IMAGE_KERNEL, 0, img, 0).error, SBI_ERR_INVALID_PARAM,
             "hc-load-empty");
    CHECK_EQ(hc_load(id, SHYPER_IMAGE_KERNEL, 0, (const void *)NOT_RAM, 8).error,
             SBI_ERR_INVALID_ADDRESS, "hc-load-source-outside-ram");
    CHECK_EQ(hc_load(0, SHYPER_IMAGE_KERNEL, 0, img, 8).error, SBI_ERR_INVALID_PARAM,
             "hc-load-into-mvm");
    CHECK_EQ(hc_load(NO_VM, SHYPER_IMAGE_KERNEL, 0, img, 8).error, SBI_ERR_INVALID_PARAM,
             "hc-load-no-such-vm");
}

static void check_power_off_child(u64 f0)
{
    struct shyper_vm_info info;
    struct shyper_vm_stats stats;
    u32 first = nr_msgs;

    child_spec(&spec, "child", BIT(CHILD_HART), CHILD_RAM, CHILD_SIZE);
    struct sbiret r = hc_create(&spec);
    CHECK(r.error == SBI_SUCCESS && r.value == 1, "hc-create-child-gets-id-1");
    u32 id = (u32)r.value;
    CHECK(!hc_vm_info(id, &info) && info.id == id && info.state == SHYPER_VM_CONFIGURED &&
              !strcmp(info.name, "child") && info.nr_vcpus == 1 &&
              info.hart_mask == BIT(CHILD_HART) && info.mem_bytes == CHILD_RAM &&
              info.nr_devices == 1 && info.os == OS_BARE_METAL,
          "hc-info-configured");
    CHECK(free_pages() < f0, "hc-create-takes-pages");
    CHECK_EQ(hc_vmm(SHYPER_VMM_BOOT, id), SBI_ERR_DENIED, "hc-boot-before-load-denied");
    check_load_errors(id);
    CHECK(load_child(id, hc_child_image_start, CHILD_SIZE, LOAD_CHUNK, CHILD_POWER_OFF),
          "hc-load-in-chunks");

    CHECK_EQ(hc_vmm(SHYPER_VMM_BOOT, id), SBI_SUCCESS, "hc-boot");
    CHECK(wait_state(id, SHYPER_VM_STOPPED, &info) &&
              !strcmp(info.stop_reason, "powered off by the guest"),
          "hc-child-powered-off");
    CHECK(!hc_vm_stats(id, &stats) && stats.exits[SHYPER_EXIT_SBI] > 0, "hc-stats-sbi-exits");
    CHECK_EQ(hc(SHYPER_GROUP_VMM, SHYPER_VMM_GET_STATS, id, (unsigned long)&stats,
                sizeof(stats) + 8, 0, 0)
                 .error,
             SBI_ERR_INVALID_PARAM, "hc-stats-wrong-size");
    CHECK_EQ(hc_vmm(SHYPER_VMM_SHUTDOWN, id), SBI_ERR_ALREADY_STOPPED, "hc-shutdown-stopped");

    CHECK_EQ(hc_vmm(SHYPER_VMM_REBOOT, id), SBI_SUCCESS, "hc-reboot");
    CHECK(wait_state(id, SHYPER_VM_STOPPED, &info) &&
              !strcmp(info.stop_reason, "powered off by the guest"),
          "hc-child-ran-again");
    u64 sbi_before = stats.exits[SHYPER_EXIT_SBI];
    CHECK(!hc_vm_stats(id, &stats) && stats.exits[SHYPER_EXIT_SBI] > sbi_before,
          "hc-stats-grow-after-reboot");

    CHECK_EQ(hc_vmm(SHYPER_VMM_REMOVE, id), SBI_SUCCESS, "hc-remove");
    CHECK_EQ(free_pages(), f0, "hc-remove-frees-every-page");
    CHECK_EQ(hc_vm_info(id, &info), SBI_ERR_INVALID_PARAM, "hc-info-removed-vm");
    CHECK_EQ(hc_vmm(SHYPER_VMM_BOOT, id), SBI_ERR_INVALID_PARAM, "hc-boot-removed-vm");
    CHECK_EQ(hc_vmm(SHYPER_VMM_REMOVE, id), SBI_ERR_INVALID_PARAM, "hc-remove-removed-vm");

    static const struct expected_msg want[] = {
        {1, SHYPER_VM_CONFIGURED, SHYPER_VM_EVENT_CREATED},
        {1, SHYPER_VM_RUNNING, SHYPER_VM_EVENT_BOOTED},
        {1, SHYPER_VM_STOPPED, SHYPER_VM_EVENT_POWERED_OFF},
        {1, SHYPER_VM_RUNNING, SHYPER_VM_EVENT_REBOOTED},
        {1, SHYPER_VM_STOPPED, SHYPER_VM_EVENT_POWERED_OFF},
        {1, SHYPER_VM_REMOVED, SHYPER_VM_EVENT_REMOVED},
    };
    expect_msgs("hc-notify-power-off-child", first, want, ARRAY_SIZE(want));
}

/* ------------------------------------------------------------ spinning children */

/* A loaded child; only the first one created may own CHILD_PT_IRQ (with_irq). */
static u32 create_child(const char *name, u32 mode, bool with_irq)
{
    child_spec(&spec, name, BIT(CHILD_HART), CHILD_RAM, CHILD_SIZE);
    spec.nr_pt_irqs = with_irq;
    struct sbiret r = hc_create(&spec);
    if (r.error || !load_child((u32)r.value, hc_child_image_start, CHILD_SIZE, LOAD_CHUNK, mode))
        return 0;
    return (u32)r.value;
}

static u64 sbi_exits(u32 id)
{
    struct shyper_vm_stats stats;

    return hc_vm_stats(id, &stats) ? 0 : stats.exits[SHYPER_EXIT_SBI];
}

/* True when VM id makes SPIN_PROGRESS more SBI calls within the wait. */
static bool progresses(u32 id)
{
    u64 start = sbi_exits(id);

    return WAIT_UNTIL(sbi_exits(id) >= start + SPIN_PROGRESS, STATE_WAIT_MS);
}

static void check_spinning_children(u64 f0)
{
    struct shyper_vm_info info;
    u32 first = nr_msgs;
    u32 a = create_child("spin-a", CHILD_SPIN, true), b = create_child("spin-b", CHILD_SPIN, false);

    CHECK(a == 1 && b == 2, "hc-two-children-created");
    child_spec(&spec, "irq-twice", BIT(CHILD_HART), CHILD_RAM, CHILD_SIZE);
    u64 pages = free_pages();
    CHECK_EQ(hc_create(&spec).error, SBI_ERR_INVALID_PARAM, "hc-create-irq-owned-twice");
    CHECK_EQ(free_pages(), pages, "hc-create-irq-owned-twice-no-leak");

    CHECK(hc_vmm(SHYPER_VMM_BOOT, a) == SBI_SUCCESS && hc_vmm(SHYPER_VMM_BOOT, b) == SBI_SUCCESS,
          "hc-boot-both");
    CHECK(progresses(a) && progresses(b), "hc-children-share-a-hart");
    CHECK_EQ(hc_vmm(SHYPER_VMM_BOOT, a), SBI_ERR_ALREADY_STARTED, "hc-boot-running");

    CHECK_EQ(hc_vmm(SHYPER_VMM_SHUTDOWN, a), SBI_SUCCESS, "hc-shutdown");
    CHECK(!hc_vm_info(a, &info) && info.state == SHYPER_VM_STOPPED &&
              !strcmp(info.stop_reason, "shut down by the MVM"),
          "hc-shutdown-reason");
    u64 stopped_at = sbi_exits(a);
    CHECK(progresses(b) && sbi_exits(a) == stopped_at, "hc-shutdown-stops-only-that-vm");

    CHECK_EQ(hc_vmm(SHYPER_VMM_BOOT, a), SBI_SUCCESS, "hc-boot-from-stopped");
    CHECK(progresses(a), "hc-booted-again-runs");

    struct shyper_vm_info list[3];
    struct sbiret r =
        hc(SHYPER_GROUP_VMM, SHYPER_VMM_LIST, (unsigned long)list, 2 * sizeof(list[0]), 0, 0, 0);
    CHECK(r.error == SBI_ERR_INVALID_PARAM && r.value == 3, "hc-list-too-small");
    r = hc(SHYPER_GROUP_VMM, SHYPER_VMM_LIST, (unsigned long)list, sizeof(list), 0, 0, 0);
    CHECK(r.error == SBI_SUCCESS && r.value == 3 && list[0].id == 0 && list[1].id == a &&
              list[2].id == b && list[1].state == SHYPER_VM_RUNNING &&
              !strcmp(list[2].name, "spin-b"),
          "hc-list");

    CHECK(hc_vmm(SHYPER_VMM_REMOVE, a) == SBI_SUCCESS && progresses(b), "hc-remove-running");
    CHECK_EQ(hc_vmm(SHYPER_VMM_REMOVE, b), SBI_SUCCESS, "hc-remove-last-running");
    CHECK_EQ(free_pages(), f0, "hc-remove-running-frees-every-page");

    static const struct expected_msg want[] = {
        {1, SHYPER_VM_CONFIGURED, SHYPER_VM_EVENT_CREATED},
        {2, SHYPER_VM_CONFIGURED, SHYPER_VM_EVENT_CREATED},
        {1, SHYPER_VM_RUNNING, SHYPER_VM_EVENT_BOOTED},
        {2, SHYPER_VM_RUNNING, SHYPER_VM_EVENT_BOOTED},
        {1, SHYPER_VM_STOPPED, SHYPER_VM_EVENT_SHUT_DOWN},
        {1, SHYPER_VM_RUNNING, SHYPER_VM_EVENT_BOOTED},
        {1, SHYPER_VM_REMOVED, SHYPER_VM_EVENT_REMOVED},
        {2, SHYPER_VM_REMOVED, SHYPER_VM_EVENT_REMOVED},
    };
    expect_msgs("hc-notify-spinning-children", first, want, ARRAY_SIZE(want));
}

/* ------------------------------------------------------------ faults and self-reboots */

/* Events of VM id with event `event` among the messages since `from`. */
static u32 count_events(u32 from, u32 id, u32 event)
{
    u32 n = 0;

    for (u32 i = from; i < nr_msgs; i++)
        n += msgs[i].arg[0] == id && msgs[i].arg[2] == event;
    return n;
}

static void check_faulting_child(u64 f0)
{
    struct shyper_vm_info info;
    u32 first = nr_msgs, id = create_child("faulty", CHILD_FAULT, true);

    CHECK(id && hc_vmm(SHYPER_VMM_BOOT, id) == SBI_SUCCESS, "hc-boot-faulting-child");
    CHECK(wait_state(id, SHYPER_VM_STOPPED, &info) &&
              strstr(info.stop_reason, "at its own trap handler"),
          "hc-fault-stops-child-with-reason");
    guest_printf("faulty child: %s\n", info.stop_reason);
    CHECK_EQ(hc_vmm(SHYPER_VMM_REMOVE, id), SBI_SUCCESS, "hc-remove-faulted");
    static const struct expected_msg want[] = {
        {1, SHYPER_VM_CONFIGURED, SHYPER_VM_EVENT_CREATED},
        {1, SHYPER_VM_RUNNING, SHYPER_VM_EVENT_BOOTED},
        {1, SHYPER_VM_STOPPED, SHYPER_VM_EVENT_FAULTED},
        {1, SHYPER_VM_REMOVED, SHYPER_VM_EVENT_REMOVED},
    };
    expect_msgs("hc-notify-fault", first, want, ARRAY_SIZE(want));

    first = nr_msgs;
    id = create_child("reboots", CHILD_REBOOT, true);
    CHECK(id && hc_vmm(SHYPER_VMM_BOOT, id) == SBI_SUCCESS, "hc-boot-rebooting-child");
    CHECK(WAIT_UNTIL(count_events(first, id, SHYPER_VM_EVENT_REBOOTED) >= REBOOTS_SEEN,
                     STATE_WAIT_MS),
          "hc-guest-reboots-notified");
    CHECK_EQ(hc_vmm(SHYPER_VMM_SHUTDOWN, id), SBI_SUCCESS, "hc-shutdown-rebooting-child");
    CHECK(!hc_vm_info(id, &info) && info.state == SHYPER_VM_STOPPED, "hc-reboot-loop-stopped");
    CHECK_EQ(hc_vmm(SHYPER_VMM_REMOVE, id), SBI_SUCCESS, "hc-remove-rebooting-child");
    CHECK_EQ(free_pages(), f0, "hc-fault-and-reboot-free-every-page");
}

/* ------------------------------------------------------------ the end state */

static void check_end_state(u64 f0, u64 irqs0)
{
    struct shyper_system_info info;
    struct shyper_vm_info list[MAX_GUEST_HARTS];
    struct sbiret r =
        hc(SHYPER_GROUP_VMM, SHYPER_VMM_LIST, (unsigned long)list, sizeof(list), 0, 0, 0);

    CHECK(r.error == SBI_SUCCESS && r.value == 1 && list[0].id == 0 &&
              list[0].state == SHYPER_VM_RUNNING && !strcmp(list[0].name, "mvm"),
          "hc-list-only-mvm");
    CHECK(!hc_system_info(&info) && info.free_pages == f0 && info.nr_vms == 1 &&
              info.vmid_mask == 1 && info.irq_owned == irqs0,
          "hc-nothing-leaked");
    CHECK_EQ(hc_vmm(SHYPER_VMM_REMOVE, 0), SBI_ERR_INVALID_PARAM, "hc-remove-mvm-refused");
    CHECK_EQ(hc_vmm(SHYPER_VMM_SHUTDOWN, 0), SBI_ERR_INVALID_PARAM, "hc-shutdown-mvm-refused");
    CHECK_EQ(hc_vm_info(NO_VM + 100, (struct shyper_vm_info *)list), SBI_ERR_INVALID_PARAM,
             "hc-info-bad-id");
    CHECK(nr_irqs > 0 && other_irqs == 0 && ring->dropped == 0, "hc-notify-interrupts");
    guest_printf("notifications: %u messages, %u interrupts\n", nr_msgs, nr_irqs);
}

int main(unsigned long hartid, unsigned long dtb)
{
    u64 f0, irqs0;

    (void)hartid;
    (void)dtb;
    check_basics(&f0, &irqs0);
    check_ring_registration();
    check_create_refused(f0);
    check_power_off_child(f0);
    check_spinning_children(f0);
    check_faulting_child(f0);
    check_end_state(f0, irqs0);
    return 0;
}
