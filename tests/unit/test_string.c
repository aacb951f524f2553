// UNIT_SOURCES:
/* The hypervisor's memcpy, memmove and memset (kernel/lib/string.c) against the host's libc
 * over every relative alignment of source and destination and lengths around the word and
 * block sizes.  The file is compiled into this test under other names, so that the host's
 * own functions stay what they are.  Buffers are allocated to the exact bytes the call may
 * touch, so AddressSanitizer reports any access beyond them; bytes around the destination
 * are compared as well, so a write outside it fails the test. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit_test.h"

#define memcpy  shyper_memcpy
#define memmove shyper_memmove
#define memset  shyper_memset
#define memcmp  shyper_memcmp
#define memchr  shyper_memchr
#define strlen  shyper_strlen
#define strnlen shyper_strnlen
#define strcmp  shyper_strcmp
#define strncmp shyper_strncmp
#define strchr  shyper_strchr
#define strrchr shyper_strrchr
#define strstr  shyper_strstr
#define strtoul shyper_strtoul
#include "../../kernel/lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strstr
#undef strtoul

#define MAX_OFFSET 16 /* every misalignment of an 8-byte word, twice */
#define MAX_SHORT  200
#define GUARD      24 /* bytes after the destination that must not change */
#define FILL       0xa5

/* Lengths beyond MAX_SHORT: block multiples, one off, pages, and an odd large size. */
static const size_t long_lens[] = {255, 256, 257, 511, 512, 1000, 4095, 4096, 4097, 65536 + 13};

static uint32_t rng = 12345;

static unsigned char next_byte(void)
{
    rng = rng * 1103515245u + 12345u;
    return (unsigned char)(rng >> 16);
}

static unsigned char *random_bytes(size_t n)
{
    unsigned char *p = malloc(n ? n : 1);

    for (size_t i = 0; i < n; i++)
        p[i] = next_byte();
    return p;
}

/* Copies len bytes from src + src_off to dst + dst_off with both implementations; false
 * (after a test failure) when they differ anywhere in the destination buffer. */
static bool check_copy(size_t src_off, size_t dst_off, size_t len)
{
    unsigned char *src = random_bytes(src_off + len);
    size_t size = dst_off + len + GUARD;
    unsigned char *got = malloc(size), *want = malloc(size);
    bool same;

    memset(got, FILL, size);
    memset(want, FILL, size);
    void *ret = shyper_memcpy(got + dst_off, src + src_off, len);
    memcpy(want + dst_off, src + src_off, len);
    same = memcmp(got, want, size) == 0 && ret == got + dst_off;
    if (!same)
        unit_fail(__FILE__, __LINE__, "memcpy: src offset %zu, dst offset %zu, %zu bytes", src_off,
                  dst_off, len);
    free(src);
    free(got);
    free(want);
    return same;
}

static bool check_copies(size_t len)
{
    for (size_t s = 0; s < MAX_OFFSET; s++)
        for (size_t d = 0; d < MAX_OFFSET; d++)
            if (!check_copy(s, d, len))
                return false;
    return true;
}

TEST(memcpy_matches_libc_for_every_alignment_and_length)
{
    for (size_t len = 0; len <= MAX_SHORT; len++)
        if (!check_copies(len))
            return;
    for (size_t i = 0; i < sizeof(long_lens) / sizeof(long_lens[0]); i++)
        if (!check_copies(long_lens[i]))
            return;
}

static bool check_set(size_t off, size_t len, int c)
{
    size_t size = off + len + GUARD;
    unsigned char *got = malloc(size), *want = malloc(size);
    bool same;

    memset(got, FILL, size);
    memset(want, FILL, size);
    void *ret = shyper_memset(got + off, c, len);
    memset(want + off, c, len);
    same = memcmp(got, want, size) == 0 && ret == got + off;
    if (!same)
        unit_fail(__FILE__, __LINE__, "memset(0x%x): offset %zu, %zu bytes", c, off, len);
    free(got);
    free(want);
    return same;
}

TEST(memset_matches_libc_for_every_alignment_and_length)
{
    static const int values[] = {0, 0xff, 0x80, 0x5a, 0x1234 /* only the low byte counts */};

    for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
        for (size_t off = 0; off < MAX_OFFSET; off++) {
            for (size_t len = 0; len <= MAX_SHORT; len++)
                if (!check_set(off, len, values[v]))
                    return;
            for (size_t i = 0; i < sizeof(long_lens) / sizeof(long_lens[0]); i++)
                if (!check_set(off, long_lens[i], values[v]))
                    return;
        }
    }
}

/* memmove forwards through memcpy when the destination is below the source: the word copy
 * must be right for overlapping buffers in that direction, and the byte copy in the other. */
TEST(memmove_matches_libc_for_overlapping_buffers)
{
    enum { SPAN = 48, LEN = 160, SIZE = SPAN + LEN + SPAN };

    for (size_t s = 0; s < SPAN; s++) {
        for (size_t d = 0; d < SPAN; d++) {
            for (size_t len = 0; len <= LEN; len += len < 20 ? 1 : 7) {
                unsigned char *got = random_bytes(SIZE), want[SIZE];

                memcpy(want, got, SIZE);
                void *ret = shyper_memmove(got + d, got + s, len);
                memmove(want + d, want + s, len);
                if (memcmp(got, want, SIZE) || ret != got + d) {
                    unit_fail(__FILE__, __LINE__, "memmove: src %zu, dst %zu, %zu bytes", s, d,
                              len);
                    free(got);
                    return;
                }
                free(got);
            }
        }
    }
}
