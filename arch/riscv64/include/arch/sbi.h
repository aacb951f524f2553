/*
 * The calls the hypervisor makes to the SBI firmware below it (OpenSBI).  The SBI
 * spec's ids and codes are in sbi_defs.h.
 */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#include <arch/sbi_defs.h>
#include <kernel/types.h>

struct sbiret sbi_ecall(unsigned long eid, unsigned long fid, unsigned long a0, unsigned long a1,
                        unsigned long a2, unsigned long a3);

/* Calls the hypervisor makes to the firmware. */
long sbi_hart_start(unsigned long hartid, unsigned long addr, unsigned long opaque);
long sbi_send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
void sbi_set_timer(u64 deadline);
void sbi_system_reset(u32 type, u32 reason) __noreturn;
void sbi_dbcn_putc(char c);
bool sbi_probe(unsigned long eid);

#endif
