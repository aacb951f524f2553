/* What the commands print about the hypervisor and its VMs, from the records of
 * include/shyper/hypercall.h.  Pure formatting to a stream; the commands fetch the records.
 *
 *   vm list      a table: ID NAME STATE VCPUS HARTS MEMORY DEVICES REASON (why it stopped)
 *   vm info      one JSON object: id, name, type, state, stop_reason, cpu, memory, devices
 *   vm stats     one line per exit cause and the total
 *   system info  ABI version, harts, memory (free and total pages), VMs, interrupts
 *   the daemon   one line per notification: vm1 (guest-os-1): stopped: powered off by the guest
 */
#ifndef SHYPER_CLI_VM_SHOW_H
#define SHYPER_CLI_VM_SHOW_H

#include <stdint.h>
#include <stdio.h>

#include <shyper/hypercall.h>

/* Room for a set of harts or VM ids as text ("0-3,5"). */
#define VM_SET_TEXT_SIZE 192

/* "configured", "running", "stopped", "removed" (or "unknown"). */
const char *vm_state_name(uint32_t state);

/* The set bits of mask as a list of ranges, "1-3,5"; "none" when empty. */
void vm_format_set(char out[VM_SET_TEXT_SIZE], uint64_t mask);

void vm_print_list(FILE *out, const struct shyper_vm_info *vms, unsigned count);
void vm_print_info(FILE *out, const struct shyper_vm_info *info);
void vm_print_stats(FILE *out, const struct shyper_vm_info *info,
                    const struct shyper_vm_stats *stats);
void system_print_info(FILE *out, const struct shyper_system_info *info);

/* A SHYPER_MSG_VM_STATE notification.  name and stop_reason may be NULL (not known);
 * stop_reason is shown for SHYPER_VM_EVENT_FAULTED. */
void vm_print_state_change(FILE *out, uint32_t id, const char *name, uint32_t state, uint32_t event,
                           const char *stop_reason);

#endif
