/* Freestanding string and memory routines. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
 * memcpy and memset move whole aligned 8-byte words, eight per loop iteration (memcpy 32 in
 * large copies), and bytes only at the edges.  Words are accessed through a type that may alias
 * anything; no word is read or written outside the caller's buffers.
 */
typedef unsigned long __attribute__((__may_alias__)) word_t;

#define WORD_BYTES sizeof(word_t)
#define WORD_BITS  (8 * WORD_BYTES)
#define WORD_MASK  (WORD_BYTES - 1)
/* Words per iteration of memcpy's loop for large copies (four times copy8()). */
#define LARGE_BLOCK_WORDS 32

static size_t misalignment(const void *p)
{
    return (unsigned long)p & WORD_MASK;
}

/* Four words, loaded before they are stored (eight would need callee-saved registers). */
static inline void copy4(word_t *d, const word_t *s)
{
    word_t w0 = s[0], w1 = s[1], w2 = s[2], w3 = s[3];

    d[0] = w0;
    d[1] = w1;
    d[2] = w2;
    d[3] = w3;
}

/* Eight words, as two groups of four. */
static inline void copy8(word_t *d, const word_t *s)
{
    copy4(d, s);
    copy4(d + 4, s + 4);
}

/* d, s word-aligned; copies the whole words of n, LARGE_BLOCK_WORDS per iteration while that
 * many are left (a kernel image then costs 16.75 instructions per 64 bytes instead of 19),
 * then eight per iteration, then one.  Returns the bytes copied. */
static size_t copy_aligned(word_t *d, const word_t *s, size_t n)
{
    size_t words = n / WORD_BYTES;
    const word_t *end = s + (words & ~(size_t)(LARGE_BLOCK_WORDS - 1));

    for (; s != end; s += LARGE_BLOCK_WORDS, d += LARGE_BLOCK_WORDS) {
        copy8(d, s);
        copy8(d + 8, s + 8);
        copy8(d + 16, s + 16);
        copy8(d + 24, s + 24);
    }
    for (end = s + (words & (LARGE_BLOCK_WORDS - 1) & ~(size_t)7); s != end; s += 8, d += 8)
        copy8(d, s);
    for (end = s + (words & 7); s != end;)
        *d++ = *s++;
    return words * WORD_BYTES;
}

/*
 * d word-aligned, s not: each destination word is the top of one aligned source word and
 * the bottom of the next (little endian).  Stops while the next source word still lies
 * wholly inside [s, s + n), so nothing beyond the source is read.  Returns the bytes copied.
 */
static size_t copy_shifted(word_t *d, const unsigned char *s, size_t n)
{
    size_t head = WORD_BYTES - misalignment(s); /* bytes of s before its next aligned word */
    unsigned lo = 8 * (unsigned)(WORD_BYTES - head), hi = (unsigned)WORD_BITS - lo;
    const word_t *sw = (const word_t *)(s + head);
    size_t done = 0;
    word_t prev = 0;

    if (n < 2 * WORD_BYTES)
        return 0;
    for (size_t i = 0; i < head; i++)
        prev |= (word_t)s[i] << (lo + 8 * i);
    for (; n - done >= 2 * WORD_BYTES; done += WORD_BYTES) {
        word_t next = *sw++;

        *d++ = (prev >> lo) | (next << hi);
        prev = next;
    }
    return done;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    size_t done;

    /* Bytes up to d's first aligned word. */
    for (size_t head = -(unsigned long)d & WORD_MASK; head && n; head--, n--)
        *d++ = *s++;
    done = misalignment(s) ? copy_shifted((word_t *)d, s, n)
                           : copy_aligned((word_t *)d, (const word_t *)s, n);
    for (size_t i = done; i < n; i++)
        d[i] = s[i];
    return dst;
}

/*
 * Backwards, for a destination above an overlapping source: d_end and s_end are the ends,
 * d_end word-aligned.  Each word is loaded before any store that could overwrite it, and
 * every store lands above what is still to be read.  Returns the bytes moved (whole words).
 */
static size_t move_down_aligned(word_t *d_end, const word_t *s_end, size_t n)
{
    size_t words = n / WORD_BYTES;
    const word_t *blocks_end = s_end - (words & ~(size_t)3), *end = s_end - words;

    while (s_end != blocks_end) {
        s_end -= 4;
        d_end -= 4;
        copy4(d_end, s_end);
    }
    while (s_end != end)
        *--d_end = *--s_end;
    return words * WORD_BYTES;
}

/* The same with s_end misaligned: each destination word is the top of one aligned source
 * word and the bottom of the next, as in copy_shifted(); nothing below s_end - n is read. */
static size_t move_down_shifted(word_t *d_end, const unsigned char *s_end, size_t n)
{
    size_t tail = misalignment(s_end); /* bytes of s after its last aligned word */
    unsigned lo = 8 * (unsigned)tail, hi = (unsigned)WORD_BITS - lo;
    const word_t *sw = (const word_t *)(s_end - tail);
    size_t done = 0;
    word_t next = 0;

    if (n < tail + WORD_BYTES)
        return 0;
    for (size_t i = 0; i < tail; i++)
        next |= (word_t)s_end[(ptrdiff_t)i - (ptrdiff_t)tail] << (8 * i);
    for (; n - done >= tail + WORD_BYTES; done += WORD_BYTES) {
        word_t prev = *--sw;

        *--d_end = (prev >> lo) | (next << hi);
        next = prev;
    }
    return done;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    size_t done;

    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    /* Bytes down to the last aligned word of d, then words, then the bytes at the start. */
    for (; misalignment(d + n) && n; n--)
        d[n - 1] = s[n - 1];
    done = misalignment(s + n) ? move_down_shifted((word_t *)(d + n), s + n, n)
                               : move_down_aligned((word_t *)(d + n), (const word_t *)(s + n), n);
    for (n -= done; n; n--)
        d[n - 1] = s[n - 1];
    return dst;
}

/* d word-aligned; fills the whole words of n with w, eight per iteration.  Returns the
 * bytes filled. */
static size_t fill_aligned(word_t *d, word_t w, size_t n)
{
    size_t words = n / WORD_BYTES;

#pragma GCC unroll 8
    for (size_t i = 0; i < words; i++)
        d[i] = w;
    return words * WORD_BYTES;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    size_t done;

    for (size_t head = -(unsigned long)d & WORD_MASK; head && n; head--, n--)
        *d++ = (unsigned char)c;
    done = fill_aligned((word_t *)d, (unsigned char)c * (~(word_t)0 / 0xff), n);
    for (size_t i = done; i < n; i++)
        d[i] = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;

    for (size_t i = 0; i < n; i++)
        if (p[i] == (unsigned char)c)
            return (void *)(p + i);
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i])
            return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;

    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (!*s)
            return (char *)last;
    }
}

char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);

    for (; *haystack; haystack++)
        if (!strncmp(haystack, needle, n))
            return (char *)haystack;
    return n ? NULL : (char *)haystack;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    unsigned long v = 0;

    while (*s == ' ' || *s == '\t')
        s++;
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        base = 16;
    } else if (base == 0) {
        base = s[0] == '0' ? 8 : 10;
    }
    for (; digit_value(*s) < base; s++)
        v = v * base + digit_value(*s);
    if (end)
        *end = (char *)s;
    return v;
}
