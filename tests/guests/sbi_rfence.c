/*
 * SBI RFENCE extension (SBI 2.0 chapter 8) with 1..n vCPUs.  Remote fence.i, sfence.vma
 * and sfence.vma.asid succeed for self, each hart, masks and all harts.  Each target runs
 * with Sv39 paging and caches a translation; hart 0 rewrites the PTE, fences the target
 * remotely and the target must see the new page.  Remote fence.i must make rewritten code
 * visible.  (QEMU flushes its TLB on every switch between VS- and HS-mode and notices
 * rewritten code by itself, so on QEMU these check the semantics a guest relies on, not
 * the flush itself.)  The hfence functions are not offered (NOT_SUPPORTED); masks naming
 * absent harts give INVALID_PARAM and wrapping ranges INVALID_ADDRESS.
 */
#include "sbi_test.h"

#define SATP_MODE_SV39  (8UL << 60)
#define SATP_ASID_SHIFT 44
#define TEST_ASID       5
#define PTE_V           (1UL << 0)
#define PTE_R           (1UL << 1)
#define PTE_W           (1UL << 2)
#define PTE_X           (1UL << 3)
#define PTE_A           (1UL << 6)
#define PTE_D           (1UL << 7)
#define PTE_PPN_SHIFT   10
#define PTES_PER_TABLE  512
#define GIGAPAGE_SHIFT  30
/* The gigapage that holds the guest's RAM (0x90000000) is identity-mapped. */
#define RAM_GIGAPAGE 0x80000000UL
/* A virtual page that the test remaps between two physical pages. */
#define TEST_VA     0x40000000UL
#define VALUE_A     0xaaaaaaaa00000001UL
#define VALUE_B     0xbbbbbbbb00000002UL
#define FID_UNKNOWN 7
/* A range that wraps around the top of the address space. */
#define WRAP_START 0xfffffffffffff000UL
#define WRAP_SIZE  0x2000UL

/* addi a0, zero, imm; ret */
#define INSN_LI_A0(imm) (0x00000513U | ((u32)(imm) << 20))
#define INSN_RET        0x00008067U

static u64 root_table[PTES_PER_TABLE] __aligned(PAGE_SIZE);
static u64 l1_table[PTES_PER_TABLE] __aligned(PAGE_SIZE);
static u64 l0_table[PTES_PER_TABLE] __aligned(PAGE_SIZE);
static u64 page_a[PAGE_SIZE / 8] __aligned(PAGE_SIZE);
static u64 page_b[PAGE_SIZE / 8] __aligned(PAGE_SIZE);
static u32 code[2] __aligned(8);

static volatile u64 read_result[MAX_GUEST_HARTS];
static volatile long call_result[MAX_GUEST_HARTS];
static u32 nr_harts;

static u64 table_pte(const void *table)
{
    return ((u64)table >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V;
}

static u64 leaf_pte(u64 pa, u64 perms)
{
    return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | perms | PTE_V | PTE_A | PTE_D;
}

static void build_page_tables(void)
{
    page_a[0] = VALUE_A;
    page_b[0] = VALUE_B;
    root_table[RAM_GIGAPAGE >> GIGAPAGE_SHIFT] = leaf_pte(RAM_GIGAPAGE, PTE_R | PTE_W | PTE_X);
    root_table[TEST_VA >> GIGAPAGE_SHIFT] = table_pte(l1_table);
    l1_table[0] = table_pte(l0_table);
    l0_table[0] = leaf_pte((u64)page_a, PTE_R | PTE_W);
    __asm__ volatile("fence rw, rw" ::: "memory");
}

/* Points TEST_VA at `page`, without any fence of the translation. */
static void remap(const u64 *page)
{
    WRITE_ONCE(l0_table[0], leaf_pte((u64)page, PTE_R | PTE_W));
    __asm__ volatile("fence rw, rw" ::: "memory");
}

static void paging_on(unsigned long asid)
{
    CSR_WRITE(satp, SATP_MODE_SV39 | (asid << SATP_ASID_SHIFT) | ((u64)root_table >> PAGE_SHIFT));
    __asm__ volatile("sfence.vma" ::: "memory");
}

static void paging_off(unsigned long arg)
{
    (void)arg;
    CSR_WRITE(satp, 0);
    __asm__ volatile("sfence.vma" ::: "memory");
}

static void read_test_va(unsigned long arg)
{
    (void)arg;
    read_result[this_hart()] = *(volatile u64 *)TEST_VA;
}

static void call_code(unsigned long arg)
{
    (void)arg;
    call_result[this_hart()] = ((long (*)(void))(unsigned long)code)();
}

/* Runs fn(arg) on `hart`: directly on hart 0, else through its mailbox. */
static bool run_on(u32 hart, void (*fn)(unsigned long), unsigned long arg)
{
    if (hart == this_hart()) {
        fn(arg);
        return true;
    }
    return hart_run(hart, fn, arg);
}

static struct sbiret rfence(unsigned long fid, unsigned long mask, unsigned long base,
                            unsigned long start, unsigned long size, unsigned long asid)
{
    return sbi_call(SBI_EXT_RFENCE, fid, mask, base, start, size, asid, 0);
}

/* Remaps TEST_VA to `page`, fences hart `hart` remotely and checks it sees the page. */
static bool fence_and_check(u32 hart, const u64 *page, unsigned long fid, unsigned long start,
                            unsigned long size)
{
    remap(page);
    struct sbiret r = rfence(fid, 1, hart, start, size, TEST_ASID);
    bool ran = run_on(hart, read_test_va, 0);
    return r.error == SBI_SUCCESS && ran && read_result[hart] == page[0];
}

static void check_sfence_vma(u32 hart)
{
    bool ok = run_on(hart, paging_on, TEST_ASID) && run_on(hart, read_test_va, 0) &&
              read_result[hart] == VALUE_A;
    CHECK(ok, "rfence-paging-on");
    CHECK(fence_and_check(hart, page_b, SBI_RFENCE_SFENCE_VMA, TEST_VA, PAGE_SIZE),
          "rfence-sfence-vma-page");
    CHECK(fence_and_check(hart, page_a, SBI_RFENCE_SFENCE_VMA_ASID, TEST_VA, PAGE_SIZE),
          "rfence-sfence-vma-asid-page");
    CHECK(fence_and_check(hart, page_b, SBI_RFENCE_SFENCE_VMA, 0, 0), "rfence-sfence-vma-all");
    CHECK(fence_and_check(hart, page_a, SBI_RFENCE_SFENCE_VMA_ASID, 0, ~0UL),
          "rfence-sfence-vma-asid-all");
    CHECK(run_on(hart, paging_off, 0), "rfence-paging-off");
}

static void check_fence_i(u32 hart)
{
    bool ok = true;

    for (long value = 1; value <= 2; value++) {
        code[0] = INSN_LI_A0(value);
        code[1] = INSN_RET;
        __asm__ volatile("fence rw, rw" ::: "memory");
        ok &= rfence(SBI_RFENCE_FENCE_I, 1, hart, 0, 0, 0).error == SBI_SUCCESS;
        ok &= run_on(hart, call_code, 0) && call_result[hart] == value;
    }
    CHECK(ok, "rfence-fence-i-new-code");
}

static void check_targets(void)
{
    u64 all = BIT(nr_harts) - 1;
    u32 ok = 0, calls = 0;

    for (unsigned long fid = SBI_RFENCE_FENCE_I; fid <= SBI_RFENCE_SFENCE_VMA_ASID; fid++) {
        ok += rfence(fid, 1, 0, 0, 0, TEST_ASID).error == SBI_SUCCESS;
        ok += rfence(fid, all, 0, TEST_VA, PAGE_SIZE, TEST_ASID).error == SBI_SUCCESS;
        ok += rfence(fid, 0, SBI_HART_MASK_ALL, 0, ~0UL, TEST_ASID).error == SBI_SUCCESS;
        ok += rfence(fid, 1, nr_harts - 1, 0, 0, TEST_ASID).error == SBI_SUCCESS;
        calls += 4;
    }
    CHECK_EQ(ok, calls, "rfence-targets-succeed");
}

static void check_errors(void)
{
    u32 ok = 0, calls = 0;

    for (unsigned long fid = SBI_RFENCE_FENCE_I; fid <= SBI_RFENCE_SFENCE_VMA_ASID; fid++) {
        ok += rfence(fid, BIT(nr_harts), 0, 0, 0, 0).error == SBI_ERR_INVALID_PARAM;
        ok += rfence(fid, 1, nr_harts, 0, 0, 0).error == SBI_ERR_INVALID_PARAM;
        ok += rfence(fid, ~0UL, 0, 0, 0, 0).error == SBI_ERR_INVALID_PARAM;
        calls += 3;
    }
    CHECK_EQ(ok, calls, "rfence-invalid-mask");

    ok = 0;
    for (unsigned long fid = SBI_RFENCE_HFENCE_FIRST; fid <= SBI_RFENCE_HFENCE_LAST; fid++)
        ok += rfence(fid, 1, 0, 0, 0, 0).error == SBI_ERR_NOT_SUPPORTED;
    CHECK_EQ(ok, SBI_RFENCE_HFENCE_LAST - SBI_RFENCE_HFENCE_FIRST + 1,
             "rfence-hfence-not-supported");
    CHECK_EQ(rfence(FID_UNKNOWN, 1, 0, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED, "rfence-unknown-fid");
    CHECK_EQ(rfence(SBI_RFENCE_SFENCE_VMA, 1, 0, WRAP_START, WRAP_SIZE, 0).error,
             SBI_ERR_INVALID_ADDRESS, "rfence-sfence-vma-wrapping-range");
    CHECK_EQ(rfence(SBI_RFENCE_SFENCE_VMA_ASID, 1, 0, WRAP_START, WRAP_SIZE, TEST_ASID).error,
             SBI_ERR_INVALID_ADDRESS, "rfence-sfence-vma-asid-wrapping-range");
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    secondary_fn = hart_worker;
    nr_harts = count_harts();
    guest_printf("rfence: %u vCPU(s)\n", nr_harts);
    CHECK(start_workers(nr_harts, 0), "rfence-secondaries-started");
    build_page_tables();

    check_targets();
    check_errors();
    for (u32 h = 0; h < nr_harts; h++) {
        check_sfence_vma(h);
        check_fence_i(h);
    }
    return 0;
}
