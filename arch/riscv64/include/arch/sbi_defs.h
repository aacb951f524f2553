/*
 * SBI 2.0 definitions: extension ids, function ids, error codes and the return pair.
 * Shared by the hypervisor (both as SBI implementation and as SBI caller) and the
 * bare-metal test guests.
 */
#ifndef ARCH_SBI_DEFS_H
#define ARCH_SBI_DEFS_H

#define SBI_SUCCESS               0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED   -7
#define SBI_ERR_ALREADY_STOPPED   -8
#define SBI_ERR_NO_SHMEM          -9

#define SBI_EXT_LEGACY_SET_TIMER 0x00
#define SBI_EXT_LEGACY_PUTCHAR   0x01
#define SBI_EXT_LEGACY_GETCHAR   0x02
#define SBI_EXT_LEGACY_SHUTDOWN  0x08
#define SBI_EXT_BASE             0x10
#define SBI_EXT_TIME             0x54494D45
#define SBI_EXT_IPI              0x735049
#define SBI_EXT_RFENCE           0x52464E43
#define SBI_EXT_HSM              0x48534D
#define SBI_EXT_SRST             0x53525354
#define SBI_EXT_PMU              0x504D55
#define SBI_EXT_DBCN             0x4442434E

#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_GET_IMPL_ID      1
#define SBI_BASE_GET_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXT        3
#define SBI_BASE_GET_MVENDORID    4
#define SBI_BASE_GET_MARCHID      5
#define SBI_BASE_GET_MIMPID       6

#define SBI_HSM_HART_START            0
#define SBI_HSM_HART_STOP             1
#define SBI_HSM_HART_GET_STATUS       2
#define SBI_HSM_HART_SUSPEND          3
#define SBI_HSM_SUSPEND_RETENTIVE     0x00000000UL
#define SBI_HSM_SUSPEND_NON_RETENTIVE 0x80000000UL

#define SBI_SRST_RESET            0
#define SBI_SRST_TYPE_SHUTDOWN    0
#define SBI_SRST_TYPE_COLD_REBOOT 1
#define SBI_SRST_TYPE_WARM_REBOOT 2
#define SBI_SRST_REASON_NONE      0
#define SBI_SRST_REASON_SYSFAIL   1

#define SBI_DBCN_WRITE      0
#define SBI_DBCN_READ       1
#define SBI_DBCN_WRITE_BYTE 2

#define SBI_RFENCE_FENCE_I         0
#define SBI_RFENCE_SFENCE_VMA      1
#define SBI_RFENCE_SFENCE_VMA_ASID 2

#define SBI_SPEC_VERSION_2_0 ((2UL << 24) | 0)

/* Returned in a0/a1.  Aligned to its size only because GCC 12 then keeps a returned sbiret
 * in those registers instead of copying it to the stack first (vsbi_exit_fast()). */
struct __attribute__((aligned(16))) sbiret {
    long error;
    long value;
};

#endif
