/*
 * SBI DBCN extension (SBI 2.0 chapter 12): write returns the number of bytes written
 * (possibly fewer than asked, never more), write_byte writes one byte, read does not
 * block and reads nothing when there is no input.  Buffers are guest-physical and must
 * lie entirely in memory the guest may access (SBI 2.0 section 3.2): a buffer outside
 * RAM, crossing its end, or with base_addr_hi != 0 gives SBI_ERR_INVALID_PARAM and no
 * output.  The case table checks that the written lines reach the console intact.
 */
#include "sbi_test.h"
#include "test_layout.h"
#include <string.h>

#define RAM_END                (TEST_RAM_BASE + TEST_RAM_SIZE)
#define FID_UNKNOWN            3
#define SBI_EXT_LEGACY_GETCHAR 0x02
#define LONG_PREFIX            "DBCN long:"
#define LONG_DIGITS            "0123456789"
#define LONG_REPEAT            498 /* the line is longer than a page: several partial writes */
#define LONG_SUFFIX            ":end\n"
#define STRLEN(s)              (sizeof(s) - 1)
#define STRADDLE_BACK          8 /* the straddling line starts this many bytes before a page end */
#define READ_LEN               16
#define FILL                   0xa5
#define CROSS_INSIDE           8 /* bytes of the crossing buffer inside RAM */
#define CROSS_LEN              16
/* The long line: the prefix, LONG_REPEAT times the digits, the suffix. */
#define LONG_LEN (STRLEN(LONG_PREFIX) + LONG_REPEAT * STRLEN(LONG_DIGITS) + STRLEN(LONG_SUFFIX))

static char long_line[LONG_LEN];
static char two_pages[2 * PAGE_SIZE] __aligned(PAGE_SIZE);
static u8 read_buf[READ_LEN];

static struct sbiret dbcn(unsigned long fid, unsigned long n, unsigned long lo, unsigned long hi)
{
    return sbi_call(SBI_EXT_DBCN, fid, n, lo, hi, 0, 0, 0);
}

static struct sbiret dbcn_write(const void *buf, unsigned long n)
{
    return dbcn(SBI_DBCN_WRITE, n, (unsigned long)buf, 0);
}

/* Writes all of buf, call after call; false on an error or a bad count. */
static bool write_fully(const char *buf, u64 n, u32 *calls)
{
    *calls = 0;
    while (n) {
        struct sbiret r = dbcn_write(buf, n);
        ++*calls;
        if (r.error != SBI_SUCCESS || r.value <= 0 || (u64)r.value > n)
            return false;
        buf += r.value;
        n -= r.value;
    }
    return true;
}

static void check_write(void)
{
    static const char hello[] = "DBCN write: hello\n";
    struct sbiret r = dbcn_write(hello, STRLEN(hello));
    check(r.error == SBI_SUCCESS && r.value == (long)STRLEN(hello), "dbcn-write-count",
          "error %ld value %ld", r.error, r.value);

    r = dbcn_write(hello, 0);
    check(r.error == SBI_SUCCESS && r.value == 0, "dbcn-write-zero", "error %ld value %ld", r.error,
          r.value);

    static const char byte_line[] = "DBCN byte\n";
    u32 good = 0;
    for (u32 i = 0; i < STRLEN(byte_line); i++) {
        r = dbcn(SBI_DBCN_WRITE_BYTE, (u8)byte_line[i], 0, 0);
        good += r.error == SBI_SUCCESS && r.value == 0;
    }
    CHECK_EQ(good, STRLEN(byte_line), "dbcn-write-byte");

    static const char straddle[] = "DBCN straddle: ok\n";
    char *at = two_pages + PAGE_SIZE - STRADDLE_BACK;
    memcpy(at, straddle, STRLEN(straddle));
    u32 calls;
    CHECK(write_fully(at, STRLEN(straddle), &calls), "dbcn-write-page-straddle");

    char *p = long_line;
    memcpy(p, LONG_PREFIX, STRLEN(LONG_PREFIX));
    p += STRLEN(LONG_PREFIX);
    for (u32 i = 0; i < LONG_REPEAT; i++, p += STRLEN(LONG_DIGITS))
        memcpy(p, LONG_DIGITS, STRLEN(LONG_DIGITS));
    memcpy(p, LONG_SUFFIX, STRLEN(LONG_SUFFIX));
    bool ok = write_fully(long_line, LONG_LEN, &calls);
    guest_printf("dbcn: %lu bytes took %u write calls\n", (unsigned long)LONG_LEN, calls);
    CHECK(ok, "dbcn-write-long-partial-counts");
}

static void check_bad_buffers(void)
{
    static const struct {
        unsigned long base, hi, len;
        const char *name;
    } bad[] = {
        {RAM_END - CROSS_INSIDE, 0, CROSS_LEN, "dbcn-write-crossing-ram-end"},
        {RAM_END, 0, CROSS_LEN, "dbcn-write-past-ram"},
        {TEST_RAM_BASE - CROSS_INSIDE, 0, CROSS_LEN, "dbcn-write-crossing-ram-start"},
        {0, 0, CROSS_LEN, "dbcn-write-address-zero"},
        {0x80200000UL, 0, CROSS_LEN, "dbcn-write-hypervisor-memory"},
        {TEST_SCRATCH_BASE, 0, CROSS_LEN, "dbcn-write-mmio"},
        {~0UL - 3, 0, CROSS_LEN, "dbcn-write-wrapping"},
        {TEST_RAM_BASE, 1, CROSS_LEN, "dbcn-write-base-hi"},
        {TEST_RAM_BASE, 0, TEST_RAM_SIZE + 1, "dbcn-write-longer-than-ram"},
    };
    /* The part of the crossing buffer inside RAM holds a line that must not appear. */
    memcpy((void *)(RAM_END - CROSS_INSIDE), "LEAKED!\n", CROSS_INSIDE);

    for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
        struct sbiret r = dbcn(SBI_DBCN_WRITE, bad[i].len, bad[i].base, bad[i].hi);
        check(r.error == SBI_ERR_INVALID_PARAM && r.value == 0, bad[i].name,
              "write(%lu, 0x%lx, %lu): error %ld value %ld", bad[i].len, bad[i].base, bad[i].hi,
              r.error, r.value);
    }
}

static void check_read(void)
{
    memset(read_buf, FILL, sizeof(read_buf));
    struct sbiret r = dbcn(SBI_DBCN_READ, sizeof(read_buf), (unsigned long)read_buf, 0);
    u32 untouched = 0;
    for (u32 i = 0; i < sizeof(read_buf); i++)
        untouched += read_buf[i] == FILL;
    check(r.error == SBI_SUCCESS && r.value == 0 && untouched == sizeof(read_buf),
          "dbcn-read-no-input", "error %ld value %ld, %u bytes untouched", r.error, r.value,
          untouched);

    r = dbcn(SBI_DBCN_READ, CROSS_LEN, RAM_END, 0);
    CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM, "dbcn-read-past-ram");
    r = dbcn(SBI_DBCN_READ, CROSS_LEN, RAM_END - CROSS_INSIDE, 0);
    CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM, "dbcn-read-crossing-ram-end");
    r = dbcn(SBI_DBCN_READ, sizeof(read_buf), (unsigned long)read_buf, 1);
    CHECK_EQ(r.error, SBI_ERR_INVALID_PARAM, "dbcn-read-base-hi");

    r = sbi_call(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0, 0, 0, 0, 0);
    CHECK_EQ(r.error, -1, "dbcn-legacy-getchar-no-input");
}

int main(unsigned long hartid, unsigned long dtb)
{
    (void)dtb;
    set_this_hart(hartid);
    check_write();
    check_bad_buffers();
    check_read();
    CHECK_EQ(dbcn(FID_UNKNOWN, 0, 0, 0).error, SBI_ERR_NOT_SUPPORTED, "dbcn-unknown-fid");
    return 0;
}
