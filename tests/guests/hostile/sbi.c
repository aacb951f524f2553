/*
 * SBI calls with random extension ids (the standard ones, legacy, Shyper's hypercall
 * groups, vendor and firmware ranges, any 32 or 64 bits), random function ids and
 * random arguments: hart masks naming harts the VM does not have, DBCN buffers across
 * the end of RAM, HSM starts and resumes at wild addresses.  A model of the SBI 2.0
 * specification predicts the error (and the value where the spec fixes it); on an error
 * the value must be 0, and every register but a0 and a1 must survive the call.
 *
 * Calls that would legitimately end the VM, stop or suspend a vCPU, start one in random
 * memory or print are first turned into their hostile-but-harmless variant (a reserved
 * reason, a wild address, a buffer across the end of RAM).
 *
 * Then every management hypercall, with random arguments: SBI_ERR_DENIED for a guest
 * VM, and the buffers it names stay untouched.
 */
#include "hostile/attack.h"
#include <shyper/hypercall.h>
#include <string.h>

#define RANDOM_CALLS     300000
#define HC_ROUNDS        1500
#define NR_GROUPS        8 /* group numbers tried; those past SHYPER_EID_MAX are not ids */
#define FID_SMALL        10
#define GROUP_SHIFT      8
#define GROUP_LOW        ((1UL << GROUP_SHIFT) - 1)
#define LOW32            0xffffffffUL
#define SPEC_VERSION_2_0 (2UL << 24)
#define SUSPEND_RET      0x00000000UL
#define SUSPEND_NONRET   0x80000000UL
#define SRST_TYPE_LAST   2
#define SRST_REASON_LAST 1
#define SRST_RESERVED    2
#define DBCN_CHUNK       4096
#define RFENCE_LAST      2 /* fence.i, sfence.vma, sfence.vma.asid; hfences not offered */
#define REG_SP           2
#define REG_A1           11
#define REG_A6           16
#define REG_A7           17
#define LEGACY_LAST      8
#define LEGACY_PUTCHAR   1
#define LEGACY_GETCHAR   2
#define LEGACY_CLEAR_IPI 3
#define LEGACY_SHUTDOWN  8
#define NO_CHAR          (-1L)
#define POISON           0xa5
#define HSM_STOPPED_VCPU 1

#define SBI_EXT_PMU  0x504D55
#define SBI_EXT_SUSP 0x53555350
#define SBI_EXT_CPPC 0x43505043
#define SBI_EXT_NACL 0x4E41434C
#define SBI_EXT_STA  0x535441
#define SBI_EXT_FWFT 0x46574654
#define SBI_EXT_DBTR 0x44425452
#define SBI_EXT_MPXY 0x4D505859
#define VENDOR_EIDS  0x09000000UL
#define FIRMWARE_EID 0x0A000000UL
#define EID_RANGE    0x01000000UL

struct expect {
    long error;
    long alt_error; /* a second error the spec allows, or the same */
    bool value_known;
    long value;
};

static bool group_present[NR_GROUPS];
static struct sbi_probe probe;
static u8 buffer[PAGE_SIZE] __aligned(PAGE_SIZE);

static struct expect fails(long error)
{
    return (struct expect){error, error, true, 0};
}

static struct expect works(long value, bool known)
{
    return (struct expect){SBI_SUCCESS, SBI_SUCCESS, known, value};
}

/* ------------------------------------------------------------ random calls */

static u64 random_eid(void)
{
    static const u64 known[] = {
        SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI,  SBI_EXT_RFENCE, SBI_EXT_HSM,
        SBI_EXT_SRST, SBI_EXT_DBCN, SBI_EXT_PMU,  SBI_EXT_SUSP,   SBI_EXT_CPPC,
        SBI_EXT_NACL, SBI_EXT_STA,  SBI_EXT_FWFT, SBI_EXT_DBTR,   SBI_EXT_MPXY,
    };

    switch (rnd_below(8)) {
    case 0:
    case 1:
        return known[rnd_below(ARRAY_SIZE(known))];
    case 2:
        return rnd_below(LEGACY_LAST + 2);
    case 3:
        return SHYPER_EID(rnd_below(NR_GROUPS)) | (rnd_below(4) ? 0 : rnd_below(GROUP_LOW + 1));
    case 4:
        return (rnd_below(2) ? VENDOR_EIDS : FIRMWARE_EID) + rnd_below(EID_RANGE);
    case 5:
        return rnd() & LOW32;
    default:
        return rnd_value();
    }
}

static u64 random_fid(void)
{
    switch (rnd_below(4)) {
    case 0:
        return rnd_value();
    case 1:
        return rnd() & LOW32;
    default:
        return rnd_below(FID_SMALL);
    }
}

/* A start or resume address of this VM: inside a RAM region, with room for 2 bytes. */
static bool valid_entry(u64 addr)
{
    return in_ram(addr, 2);
}

static u64 wild_address(void)
{
    u64 addr;

    do {
        addr = rnd_value();
    } while (valid_entry(addr));
    return addr;
}

/* Turns a call that would end, stop, suspend, print or run random memory into its
 * harmless hostile variant. */
static void tame(u64 *eid, u64 *fid, u64 *a)
{
    switch (*eid) {
    case SBI_EXT_HSM:
        if (*fid == SBI_HSM_HART_STOP)
            *fid = SBI_HSM_HART_GET_STATUS;
        if (*fid == SBI_HSM_HART_START && a[0] < HOSTILE_VCPUS && valid_entry(a[1]))
            a[1] = wild_address();
        if (*fid == SBI_HSM_HART_SUSPEND && (a[0] & LOW32) == SUSPEND_RET)
            a[0] |= 1; /* a reserved type */
        if (*fid == SBI_HSM_HART_SUSPEND && (a[0] & LOW32) == SUSPEND_NONRET)
            a[1] = wild_address();
        break;
    case SBI_EXT_SRST:
        if (*fid == SBI_SRST_RESET && (a[0] & LOW32) <= SRST_TYPE_LAST &&
            (a[1] & LOW32) <= SRST_REASON_LAST)
            a[1] |= SRST_RESERVED;
        break;
    case SBI_EXT_DBCN:
        if (*fid == SBI_DBCN_WRITE_BYTE)
            *fid = FID_SMALL + rnd_below(FID_SMALL);
        if (*fid <= SBI_DBCN_READ && !a[2] && a[0] && in_ram(a[1], a[0])) {
            a[0] = 1 + rnd_below(DBCN_CHUNK); /* across the end of RAM */
            a[1] = (rnd_below(2) ? RAM0_END : RAM1_END) - rnd_below(a[0]);
        }
        break;
    case LEGACY_PUTCHAR:
        *eid = LEGACY_GETCHAR;
        break;
    case LEGACY_SHUTDOWN:
        *eid = LEGACY_CLEAR_IPI;
        break;
    default:
        break;
    }
}

/* SBI 2.0 hart mask rules for a VM with HOSTILE_VCPUS harts; NOT_SUPPORTED stands for
 * "either success or INVALID_PARAM" (an empty mask with an invalid base). */
static struct expect hart_mask(u64 mask, u64 base)
{
    if (base == ~0UL)
        return works(0, true);
    if (!mask)
        return base < HOSTILE_VCPUS ? works(0, true)
                                    : (struct expect){SBI_SUCCESS, SBI_ERR_INVALID_PARAM, true, 0};
    for (u32 bit = 0; bit < 64; bit++) {
        if (!(mask & BIT(bit)))
            continue;
        if (base + bit < base || base + bit >= HOSTILE_VCPUS)
            return fails(SBI_ERR_INVALID_PARAM);
    }
    return works(0, true);
}

static bool shyper_group_eid(u64 eid, u32 *group)
{
    if (eid < SHYPER_EID_MIN || eid > SHYPER_EID_MAX || (eid & GROUP_LOW))
        return false;
    *group = (u32)((eid - SHYPER_EID_BASE) >> GROUP_SHIFT);
    return group_present[*group];
}

/* Functions the ABI defines per group, and the two any VM may call. */
static bool hc_defined(u32 group, u64 fid)
{
    static const u64 nr_fns[] = {
        [SHYPER_GROUP_SYSTEM] = SHYPER_SYSTEM_REBOOT + 1,
        [SHYPER_GROUP_VMM] = SHYPER_VMM_GET_STATS + 1,
        [SHYPER_GROUP_CONFIG] = SHYPER_CONFIG_LOAD + 1,
        [SHYPER_GROUP_MEDIATED] = 0,
        [SHYPER_GROUP_NOTIFY] = SHYPER_NOTIFY_REGISTER + 1,
    };
    return group < ARRAY_SIZE(nr_fns) && fid < nr_fns[group];
}

static struct expect expect_hypercall(u32 group, u64 fid)
{
    if (group == SHYPER_GROUP_SYSTEM && fid == SHYPER_SYSTEM_GET_VERSION)
        return works(SHYPER_ABI_VERSION, true);
    if (group == SHYPER_GROUP_VMM && fid == SHYPER_VMM_GET_MY_ID)
        return works((long)params.vm_id, true);
    if (hc_defined(group, fid))
        return fails(SBI_ERR_DENIED);
    /* A function the ABI does not define (or a group added since): not for a guest VM. */
    return (struct expect){SBI_ERR_NOT_SUPPORTED, SBI_ERR_DENIED, true, 0};
}

static bool available(u64 eid)
{
    u32 group;

    switch (eid) {
    case SBI_EXT_BASE:
    case SBI_EXT_TIME:
    case SBI_EXT_IPI:
    case SBI_EXT_RFENCE:
    case SBI_EXT_HSM:
    case SBI_EXT_SRST:
    case SBI_EXT_DBCN:
    case 0: /* legacy set_timer, putchar, getchar, shutdown */
    case LEGACY_PUTCHAR:
    case LEGACY_GETCHAR:
    case LEGACY_SHUTDOWN:
        return true;
    default:
        return shyper_group_eid(eid, &group);
    }
}

static struct expect expect_base(u64 fid, const u64 *a)
{
    switch (fid) {
    case SBI_BASE_GET_SPEC_VERSION:
        return works(SPEC_VERSION_2_0, true);
    case SBI_BASE_GET_IMPL_ID:
    case SBI_BASE_GET_IMPL_VERSION:
        return works(0, false);
    case SBI_BASE_PROBE_EXT:
        return works(available(a[0]), true);
    case SBI_BASE_GET_MVENDORID:
    case SBI_BASE_GET_MARCHID:
    case SBI_BASE_GET_MIMPID:
        return works(0, true);
    default:
        return fails(SBI_ERR_NOT_SUPPORTED);
    }
}

static struct expect expect_rfence(u64 fid, const u64 *a)
{
    if (fid > RFENCE_LAST)
        return fails(SBI_ERR_NOT_SUPPORTED);
    struct expect e = hart_mask(a[0], a[1]);
    if (e.error == SBI_ERR_INVALID_PARAM || fid == SBI_RFENCE_FENCE_I)
        return e;
    bool whole = (a[2] == 0 && a[3] == 0) || a[3] == ~0UL;
    if (whole || !a[3] || a[2] + (a[3] - 1) >= a[2])
        return e;
    /* A range that wraps around (an empty mask with a bad base may be refused first). */
    return (struct expect){SBI_ERR_INVALID_ADDRESS,
                           e.alt_error == SBI_ERR_INVALID_PARAM ? SBI_ERR_INVALID_PARAM
                                                                : SBI_ERR_INVALID_ADDRESS,
                           true, 0};
}

static struct expect expect_hsm(u64 fid, const u64 *a)
{
    u64 type = a[0] & LOW32;

    switch (fid) {
    case SBI_HSM_HART_START:
        if (a[0] >= HOSTILE_VCPUS)
            return fails(SBI_ERR_INVALID_PARAM);
        if (a[0] == 0) /* running: either answer is the spec's */
            return (struct expect){SBI_ERR_INVALID_ADDRESS, SBI_ERR_ALREADY_AVAILABLE, true, 0};
        return fails(SBI_ERR_INVALID_ADDRESS);
    case SBI_HSM_HART_GET_STATUS:
        if (a[0] >= HOSTILE_VCPUS)
            return fails(SBI_ERR_INVALID_PARAM);
        return works(a[0] == HSM_STOPPED_VCPU ? HSM_STOPPED : HSM_STARTED, true);
    case SBI_HSM_HART_SUSPEND:
        return fails(type == SUSPEND_NONRET ? SBI_ERR_INVALID_ADDRESS : SBI_ERR_INVALID_PARAM);
    default:
        return fails(SBI_ERR_NOT_SUPPORTED);
    }
}

static struct expect expect_dbcn(u64 fid, const u64 *a)
{
    if (fid > SBI_DBCN_READ)
        return fails(SBI_ERR_NOT_SUPPORTED);
    if (!a[0]) /* nothing to write or read: done, or the address refused */
        return (struct expect){SBI_SUCCESS, SBI_ERR_INVALID_PARAM, true, 0};
    return fails(SBI_ERR_INVALID_PARAM); /* tame() left only buffers outside RAM */
}

static struct expect expect_legacy(u64 eid, const u64 *a)
{
    (void)a;
    if (eid == 0)
        return works(0, true);
    if (eid == LEGACY_GETCHAR)
        return (struct expect){NO_CHAR, NO_CHAR, false, 0};
    return fails(SBI_ERR_NOT_SUPPORTED);
}

static struct expect expect_call(u64 eid, u64 fid, const u64 *a)
{
    u32 group;

    switch (eid) {
    case SBI_EXT_BASE:
        return expect_base(fid, a);
    case SBI_EXT_TIME:
        return fid == 0 ? works(0, true) : fails(SBI_ERR_NOT_SUPPORTED);
    case SBI_EXT_IPI:
        return fid == 0 ? hart_mask(a[0], a[1]) : fails(SBI_ERR_NOT_SUPPORTED);
    case SBI_EXT_RFENCE:
        return expect_rfence(fid, a);
    case SBI_EXT_HSM:
        return expect_hsm(fid, a);
    case SBI_EXT_SRST:
        return fails(fid == SBI_SRST_RESET ? SBI_ERR_INVALID_PARAM : SBI_ERR_NOT_SUPPORTED);
    case SBI_EXT_DBCN:
        return expect_dbcn(fid, a);
    default:
        if (eid <= LEGACY_LAST)
            return expect_legacy(eid, a);
        if (shyper_group_eid(eid, &group))
            return expect_hypercall(group, fid);
        return fails(SBI_ERR_NOT_SUPPORTED);
    }
}

/* Makes the call with random values in every other register; true if those survived. */
static bool call(u64 eid, u64 fid, const u64 *a, bool legacy)
{
    for (u32 r = 1; r < ARRAY_SIZE(probe.in); r++)
        probe.in[r] = rnd();
    probe.in[REG_A7] = eid;
    probe.in[REG_A6] = fid;
    for (u32 i = 0; i < 6; i++)
        probe.in[REG_A0 + i] = a[i];
    probe_sbi(&probe);
    for (u32 r = 1; r < ARRAY_SIZE(probe.in); r++) {
        bool result = r == REG_A0 || (r == REG_A1 && !legacy);
        if (r != REG_SP && !result && probe.out[r] != probe.in[r])
            return false;
    }
    return true;
}

static void random_call(void)
{
    u64 eid = random_eid(), fid = random_fid(), a[6];

    for (u32 i = 0; i < ARRAY_SIZE(a); i++)
        a[i] = rnd_value();
    tame(&eid, &fid, a);
    bool legacy = eid == 0 || eid == LEGACY_GETCHAR; /* the legacy calls it has: a1 kept */
    struct expect e = expect_call(eid, fid, a);
    bool regs_kept = call(eid, fid, a, legacy);
    long error = (long)probe.out[REG_A0], value = (long)probe.out[REG_A1];
    bool ok = regs_kept && (error == e.error || error == e.alt_error);
    if (ok && !legacy)
        ok = error ? value == 0 : !e.value_known || value == e.value;
    tally(ATTACK_SBI, ok,
          "eid 0x%lx fid 0x%lx a0 0x%lx a1 0x%lx a2 0x%lx a3 0x%lx: error %ld value 0x%lx%s", eid,
          fid, a[0], a[1], a[2], a[3], error, value, regs_kept ? "" : ", registers changed");
}

/* ------------------------------------------------------------ management hypercalls */

static bool buffer_untouched(void)
{
    for (u32 i = 0; i < sizeof(buffer); i++)
        if (buffer[i] != POISON)
            return false;
    return true;
}

/* Every function of every group with random arguments, half of them pointing at a
 * buffer of ours: denied, and the buffer as it was. */
static void hypercalls(void)
{
    memset(buffer, POISON, sizeof(buffer));
    for (u64 n = scaled(HC_ROUNDS); n; n--) {
        for (u32 g = 0; g < NR_GROUPS; g++) {
            for (u64 fid = 0; hc_defined(g, fid); fid++) {
                u64 a[6];
                for (u32 i = 0; i < ARRAY_SIZE(a); i++)
                    a[i] = rnd_below(2) ? (u64)buffer + rnd_below(sizeof(buffer)) : rnd_value();
                struct expect e = expect_hypercall(g, fid);
                bool kept = call(SHYPER_EID(g), fid, a, false);
                long error = (long)probe.out[REG_A0];
                tally(ATTACK_HC, kept && error == e.error && buffer_untouched(),
                      "group %u fid %lu: error %ld (want %ld)%s", g, fid, error, e.error,
                      kept ? "" : ", registers changed");
            }
        }
    }
}

/* Remote sfence.vma ranges at the top of the address space: one that ends exactly at 2^64
 * is valid (and must end: the hypervisor once looped forever on it), one that wraps is
 * refused, whatever its size. */
static void top_of_address_space_fences(void)
{
    static const struct {
        u64 start, size;
        long error;
    } fences[] = {
        {~0UL - PAGE_SIZE + 1, PAGE_SIZE, SBI_SUCCESS},
        {~0UL - 0x7ff, 0x800, SBI_SUCCESS},
        {~0UL - 0x7ff, 0x7ff, SBI_SUCCESS},
        {~0UL - 4 * PAGE_SIZE + 1, 4 * PAGE_SIZE, SBI_SUCCESS},
        {~0UL - PAGE_SIZE + 1, 2 * PAGE_SIZE, SBI_ERR_INVALID_ADDRESS},
        {~0UL - PAGE_SIZE + 1, MIB(1), SBI_ERR_INVALID_ADDRESS},
        {~0UL, ~0UL - 1, SBI_ERR_INVALID_ADDRESS},
    };

    for (u32 i = 0; i < ARRAY_SIZE(fences); i++) {
        for (u64 fid = SBI_RFENCE_SFENCE_VMA; fid <= SBI_RFENCE_SFENCE_VMA_ASID; fid++) {
            u64 a[6] = {BIT(0), 0, fences[i].start, fences[i].size, 0, 0};
            bool kept = call(SBI_EXT_RFENCE, fid, a, false);
            long error = (long)probe.out[REG_A0];
            tally(ATTACK_SBI, kept && error == fences[i].error,
                  "rfence %lu of [0x%lx, +0x%lx): error %ld (want %ld)", fid, fences[i].start,
                  fences[i].size, error, fences[i].error);
        }
    }
}

/* The groups of the ABI must be there for every VM (their functions then say no). */
static void find_groups(void)
{
    for (u32 g = 0; g < NR_GROUPS; g++)
        group_present[g] = SHYPER_EID(g) <= SHYPER_EID_MAX && sbi_probe(SHYPER_EID(g)).value == 1;
    CHECK(group_present[SHYPER_GROUP_SYSTEM] && group_present[SHYPER_GROUP_VMM] &&
              group_present[SHYPER_GROUP_CONFIG] && group_present[SHYPER_GROUP_NOTIFY],
          "hostile-hypercall-groups-present");
}

void attack_sbi(void)
{
    find_groups();
    top_of_address_space_fences();
    for (u64 n = scaled(RANDOM_CALLS); n; n--)
        random_call();
    sbi_set_timer(NO_DEADLINE); /* random set_timer deadlines: none left armed */
    CSR_CLEAR(sip, SIP_SSIP);   /* nor IPIs to ourselves */
    hypercalls();
}
