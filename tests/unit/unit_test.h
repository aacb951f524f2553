/*
 * Minimal host unit-test framework.  A test file defines TEST(name) functions; the
 * runner executes them in order, prints "PASS name" / "FAIL name: where" per test and
 * ends with "N passed, M failed".  A failed EXPECT marks the test failed and continues.
 *
 * The first line of each tests/unit/test_*.c names the project sources it links:
 *     // UNIT_SOURCES: arch/riscv64/stage2.c kernel/mm/page_alloc.c
 * and an optional second line the host libraries it needs:
 *     // UNIT_LDLIBS: -lfdt
 * Device trees in tests/unit/data/NAME.dts are compiled to UNIT_DATA_DIR "/NAME.dtb".
 */
#ifndef UNIT_TEST_H
#define UNIT_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct unit_test {
    const char *name;
    void (*fn)(void);
};

/* What the code under test logged (kernel/log.h's log_printf, which the runner provides):
 * lines per level (enum log_level: error, warn, info, debug) and the last line's text. */
#define UNIT_LOG_LEVELS   4
#define UNIT_LOG_LINE_MAX 256
extern unsigned long unit_log_lines[UNIT_LOG_LEVELS];
extern char unit_log_last[UNIT_LOG_LINE_MAX];

extern bool unit_current_failed;
void unit_register(const char *name, void (*fn)(void));
void unit_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void)                                 \
    {                                                                                              \
        unit_register(#name, test_##name);                                                         \
    }                                                                                              \
    static void test_##name(void)

#define EXPECT_TRUE(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            unit_fail(__FILE__, __LINE__, "expected %s", #cond);                                   \
    } while (0)

#define EXPECT_EQ(a, b)                                                                            \
    do {                                                                                           \
        long long __a = (long long)(a), __b = (long long)(b);                                      \
        if (__a != __b)                                                                            \
            unit_fail(__FILE__, __LINE__, "%s == %lld (0x%llx), expected %s == %lld (0x%llx)", #a, \
                      __a, __a, #b, __b, __b);                                                     \
    } while (0)

#define EXPECT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *__a = (a), *__b = (b);                                                         \
        if (!__a || !__b || strcmp(__a, __b))                                                      \
            unit_fail(__FILE__, __LINE__, "\"%s\" != \"%s\"", __a ? __a : "(null)",                \
                      __b ? __b : "(null)");                                                       \
    } while (0)

#define EXPECT_STR_CONTAINS(haystack, needle)                                                      \
    do {                                                                                           \
        const char *__h = (haystack), *__n = (needle);                                             \
        if (!__h || !strstr(__h, __n))                                                             \
            unit_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", __h ? __h : "(null)",  \
                      __n);                                                                        \
    } while (0)

#endif
