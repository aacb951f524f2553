// GUEST_EMBEDS: hostile_vm
/*
 * The MVM of the hostile cases (VM 0 of configs/hostile.c): for each scenario it creates a
 * hostile VM on harts 2 and 3 (hostile/layout.h) from the embedded hostile_vm image, with
 * the scenario's mode and the seed written into the image, boots it and waits, asleep,
 * until it stops.  Then, as a management VM would learn it:
 *   - the notification ring brought the VM's stop with the right event (powered off, or
 *     stopped by the hypervisor), VMM_GET_INFO and VMM_LIST give the expected reason;
 *   - the attack run's exit counters show its operations reached the hypervisor;
 *   - removing it gives back every page, VM id and interrupt;
 *   - the neighbour (VM 1) is still running; at the end it reports its timer jitter
 *     (which it checks itself) and powers off cleanly.
 * The attack itself prints its own PASS lines and RESULT line.
 */
#include "hostile/layout.h"
#include "jitter.h"
#include <kernel/log.h>

GUEST_EMBED(hostile_vm);

#ifndef HOSTILE_SEED
#define HOSTILE_SEED 0x5eedc0ffee15600dUL
#endif
#ifndef HOSTILE_SCALE
#define HOSTILE_SCALE 100 /* percent of the operations */
#endif

#define IMAGE_SIZE              ((u64)(hostile_vm_image_end - hostile_vm_image_start))
#define LOAD_CHUNK              KIB(32)
#define RING_BYTES              4096
#define MAX_MSGS                64
#define ATTACK_WAIT_MS          600000 /* virtual time: generous, the case's timeout comes first */
#define STOP_WAIT_MS            5000
#define NEIGHBOUR_MS            120000
#define MIN_ATTACK_SBI          300000 /* exits the attack must cause at least (a fraction of them) */
#define MIN_ATTACK_MMIO         100000
#define MIN_ATTACK_FLT          200000
#define MIN_ATTACK_VINS         50000
#define MAX_VMS_LISTED          8
#define DEV_TYPE_VIRTIO_NET     4 /* EMU_DEV_VIRTIO_NET */
#define DEV_TYPE_VIRTIO_CONSOLE 5 /* EMU_DEV_VIRTIO_CONSOLE */

struct scenario {
    enum hostile_mode mode;
    const char *name;
    u32 event; /* enum shyper_vm_event of its stop */
    const char *reason_prefix, *reason_suffix;
    u64 wait_ms;
};

static const struct scenario scenarios[] = {
    {HOSTILE_ATTACK, "attack", SHYPER_VM_EVENT_POWERED_OFF, "powered off by the guest", "",
     ATTACK_WAIT_MS},
    {HOSTILE_STOP_HANDLER, "stop-handler", SHYPER_VM_EVENT_FAULTED,
     "vcpu0: exception 1 at its own trap handler 0x80200000", "", STOP_WAIT_MS},
    {HOSTILE_STOP_FP_MMIO, "stop-fp-mmio", SHYPER_VM_EVENT_FAULTED,
     "vcpu0: cannot emulate instruction 0x", " on plic", STOP_WAIT_MS},
    {HOSTILE_STOP_AMO_MMIO, "stop-amo-mmio", SHYPER_VM_EVENT_FAULTED,
     "vcpu0: cannot emulate instruction 0x", " on plic", STOP_WAIT_MS},
    {HOSTILE_STOP_PTW_MMIO, "stop-ptw-mmio", SHYPER_VM_EVENT_FAULTED,
     "vcpu0: cannot emulate instruction 0x", " on plic", STOP_WAIT_MS},
};

static struct shyper_vm_spec spec;
static struct hostile_params load_params;
static u8 ring_mem[RING_BYTES] __aligned(RING_BYTES);
static struct shyper_msg_ring *const ring = (struct shyper_msg_ring *)ring_mem;
static struct shyper_msg msgs[MAX_MSGS];
static u32 nr_msgs;
static struct shyper_vm_info list[MAX_VMS_LISTED];

static void drain_ring(void)
{
    u32 head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);

    while (ring->tail != head) {
        if (nr_msgs < MAX_MSGS)
            msgs[nr_msgs++] = ring->slots[ring->tail];
        __atomic_store_n(&ring->tail, (ring->tail + 1) % ring->nr_slots, __ATOMIC_RELEASE);
    }
}

/* The state message of VM id with this event arrived (and is consumed). */
static bool got_event(u32 id, u32 state, u32 event)
{
    drain_ring();
    for (u32 i = 0; i < nr_msgs; i++) {
        const struct shyper_msg *m = &msgs[i];
        if (m->type == SHYPER_MSG_VM_STATE && m->arg[0] == id && m->arg[1] == state &&
            m->arg[2] == event) {
            msgs[i] = msgs[--nr_msgs];
            return true;
        }
    }
    return false;
}

static void hostile_spec(void)
{
    static const u8 mac[] = HOSTILE_VNET_MAC;

    memset(&spec, 0, sizeof(spec));
    memcpy(spec.name, "hostile", sizeof("hostile"));
    spec.os = OS_BARE_METAL;
    spec.hart_mask = HOSTILE_HARTS;
    spec.master = HOSTILE_MASTER;
    spec.kernel_ipa = HOSTILE_RAM0_BASE;
    spec.kernel_size = IMAGE_SIZE;
    spec.nr_mem = 2;
    spec.mem[0] = (struct shyper_mem_region){HOSTILE_RAM0_BASE, HOSTILE_RAM0_SIZE};
    spec.mem[1] = (struct shyper_mem_region){HOSTILE_RAM1_BASE, HOSTILE_RAM1_SIZE};
    spec.nr_devs = 3;
    spec.devs[0] = (struct shyper_dev_spec){.name = "plic",
                                            .type = DEV_TYPE_PLIC,
                                            .base = HOSTILE_VPLIC_BASE,
                                            .size = HOSTILE_VPLIC_SIZE};
    spec.devs[1] = (struct shyper_dev_spec){.name = "net",
                                            .type = DEV_TYPE_VIRTIO_NET,
                                            .irq = HOSTILE_VNET_IRQ,
                                            .base = HOSTILE_VNET_BASE,
                                            .size = HOSTILE_VIRTIO_SIZE,
                                            .nr_cfg = ARRAY_SIZE(mac)};
    for (u32 i = 0; i < ARRAY_SIZE(mac); i++)
        spec.devs[1].cfg[i] = mac[i];
    spec.devs[2] = (struct shyper_dev_spec){.name = "console",
                                            .type = DEV_TYPE_VIRTIO_CONSOLE,
                                            .irq = HOSTILE_VCON_IRQ,
                                            .base = HOSTILE_VCON_BASE,
                                            .size = HOSTILE_VIRTIO_SIZE,
                                            .nr_cfg = 2,
                                            .cfg = {HOSTILE_VCON_PEER_VM, HOSTILE_VCON_PEER_BASE}};
}

static u64 params_offset(void)
{
    for (u64 off = 0; off + sizeof(load_params) <= IMAGE_SIZE; off += sizeof(u64))
        if (*(const u64 *)(hostile_vm_image_start + off) == HOSTILE_MAGIC)
            return off;
    return 0;
}

/* Creates, loads (image, then its parameters) and boots a hostile VM; its id or 0. */
static u32 launch(enum hostile_mode mode)
{
    struct sbiret r = hc_create(&spec);
    u32 id = (u32)r.value;
    u64 params = params_offset();

    if (r.error || !params)
        return 0;
    for (u64 off = 0; off < IMAGE_SIZE; off += LOAD_CHUNK) {
        r = hc_load(id, SHYPER_IMAGE_KERNEL, off, hostile_vm_image_start + off,
                    MIN(LOAD_CHUNK, IMAGE_SIZE - off));
        if (r.error)
            return 0;
    }
    load_params = (struct hostile_params){
        .magic = HOSTILE_MAGIC,
        .mode = mode,
        .seed = (u64)(HOSTILE_SEED),
        .scale = HOSTILE_SCALE,
        .vm_id = id,
    };
    r = hc_load(id, SHYPER_IMAGE_KERNEL, params, &load_params, sizeof(load_params));
    if (r.error || hc_vmm(SHYPER_VMM_BOOT, id))
        return 0;
    return id;
}

static bool reason_matches(const char *reason, const struct scenario *s)
{
    size_t len = strlen(reason), pre = strlen(s->reason_prefix), suf = strlen(s->reason_suffix);

    if (!*s->reason_suffix)
        return !strcmp(reason, s->reason_prefix);
    return len >= pre + suf && !strncmp(reason, s->reason_prefix, pre) &&
           !strcmp(reason + len - suf, s->reason_suffix);
}

/* VMM_LIST shows the VM stopped, for the same reason. */
static bool listed_stopped(u32 id, const char *reason)
{
    struct sbiret r =
        hc(SHYPER_GROUP_VMM, SHYPER_VMM_LIST, (unsigned long)list, sizeof(list), 0, 0, 0);

    for (long i = 0; !r.error && i < r.value; i++)
        if (list[i].id == id)
            return list[i].state == SHYPER_VM_STOPPED && !strcmp(list[i].stop_reason, reason);
    return false;
}

static void check_attack_exits(u32 id)
{
    struct shyper_vm_stats st;

    if (hc_vm_stats(id, &st)) {
        check(false, "attack-exits", "VMM_GET_STATS failed");
        return;
    }
    guest_printf("hostile: attack exits: sbi %lu mmio %lu fault %lu vinst %lu wfi %lu other %lu\n",
                 st.exits[SHYPER_EXIT_SBI], st.exits[SHYPER_EXIT_MMIO],
                 st.exits[SHYPER_EXIT_GUEST_FAULT], st.exits[SHYPER_EXIT_VIRTUAL_INST],
                 st.exits[SHYPER_EXIT_WFI], st.exits[SHYPER_EXIT_OTHER]);
    CHECK(st.exits[SHYPER_EXIT_SBI] >= MIN_ATTACK_SBI &&
              st.exits[SHYPER_EXIT_MMIO] >= MIN_ATTACK_MMIO &&
              st.exits[SHYPER_EXIT_GUEST_FAULT] >= MIN_ATTACK_FLT &&
              st.exits[SHYPER_EXIT_VIRTUAL_INST] >= MIN_ATTACK_VINS,
          "attack-reached-the-hypervisor");
}

static void run(const struct scenario *s, const struct shyper_system_info *start)
{
    struct shyper_system_info now;
    struct shyper_vm_info info;
    char name[48];
    u32 id = launch(s->mode);

    snprintf(name, sizeof(name), "%s-launched", s->name);
    CHECK(id != 0, name);
    if (!id)
        return;
    bool stopped = sleep_until_state(id, SHYPER_VM_STOPPED, s->wait_ms, &info);
    snprintf(name, sizeof(name), "%s-stopped", s->name);
    check(stopped && reason_matches(info.stop_reason, s), name, "state %u, reason \"%s\"",
          info.state, info.stop_reason);
    snprintf(name, sizeof(name), "%s-mvm-notified", s->name);
    CHECK(got_event(id, SHYPER_VM_STOPPED, s->event), name);
    snprintf(name, sizeof(name), "%s-listed-stopped", s->name);
    CHECK(listed_stopped(id, info.stop_reason), name);
    if (s->mode == HOSTILE_ATTACK && HOSTILE_SCALE >= 100)
        check_attack_exits(id);
    snprintf(name, sizeof(name), "%s-removed-leaving-nothing", s->name);
    CHECK(!hc_vmm(SHYPER_VMM_REMOVE, id) &&
              got_event(id, SHYPER_VM_REMOVED, SHYPER_VM_EVENT_REMOVED) && !hc_system_info(&now) &&
              now.free_pages == start->free_pages && now.vmid_mask == start->vmid_mask &&
              now.irq_owned == start->irq_owned && now.nr_vms == start->nr_vms,
          name);
    snprintf(name, sizeof(name), "%s-neighbour-kept-running", s->name);
    CHECK(!hc_vm_info(NEIGHBOUR_ID, &info) && info.state == SHYPER_VM_RUNNING, name);
}

int main(unsigned long hartid, unsigned long dtb)
{
    struct shyper_system_info start;

    (void)hartid;
    (void)dtb;
    guest_printf("hostile: seed 0x%lx (make test-guests HOSTILE_SEED=... to replay another)\n",
                 (u64)(HOSTILE_SEED));
    CHECK_EQ(hc(SHYPER_GROUP_NOTIFY, SHYPER_NOTIFY_REGISTER, (unsigned long)ring_mem, RING_BYTES, 0,
                0, 0)
                 .error,
             SBI_SUCCESS, "ring-registered");
    CHECK_EQ(hc_system_info(&start), SBI_SUCCESS, "system-info");
    hostile_spec();
    for (u32 i = 0; i < ARRAY_SIZE(scenarios); i++)
        run(&scenarios[i], &start);
    check_neighbour_done(NEIGHBOUR_MS);
    return 0;
}
