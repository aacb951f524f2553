/* Fixed-width types and small helpers shared by every part of the hypervisor. */
#ifndef KERNEL_TYPES_H
#define KERNEL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

/* Host-physical address (the hypervisor runs with satp = Bare, so PA == HS VA). */
typedef u64 paddr_t;
/* Guest-physical address (intermediate physical address, IPA). */
typedef u64 gpaddr_t;

#define KIB(x) ((u64)(x) << 10)
#define MIB(x) ((u64)(x) << 20)
#define GIB(x) ((u64)(x) << 30)

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)

#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + ((a)-1)) & ~((u64)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a)-1)) == 0)
#define BIT(n)           (1UL << (n))
#define MIN(a, b)        ((a) < (b) ? (a) : (b))
#define MAX(a, b)        ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define __unused     __attribute__((unused))
#define __noreturn   __attribute__((noreturn))
#define __aligned(x) __attribute__((aligned(x)))
#define __section(s) __attribute__((section(s)))
#define __packed     __attribute__((packed))
#define likely(x)    __builtin_expect(!!(x), 1)
#define unlikely(x)  __builtin_expect(!!(x), 0)

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* True when [base, base + size) does not wrap and lies inside [lo, lo + lo_size). */
static inline bool range_within(u64 base, u64 size, u64 lo, u64 lo_size)
{
    return size <= lo_size && base >= lo && base - lo <= lo_size - size;
}

/* True when [a, a + as) and [b, b + bs) share at least one byte (sizes non-zero). */
static inline bool ranges_overlap(u64 a, u64 as, u64 b, u64 bs)
{
    return a < b + bs && b < a + as;
}

#endif
