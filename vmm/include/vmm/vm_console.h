/*
 * A VM's SBI debug console.  VM 0 owns the machine's console and writes to it as is;
 * output of other VMs is line-buffered and each line is prefixed "[vmN] ".
 */
#ifndef VMM_VM_CONSOLE_H
#define VMM_VM_CONSOLE_H

#include <kernel/types.h>

struct vm;

#define VM_CONSOLE_LINE_MAX 160

struct vm_console {
    char line[VM_CONSOLE_LINE_MAX];
    u32 len;
};

void vm_console_write(struct vm *vm, const char *buf, u64 len);
/* Ends a partly written line of a VM that stopped (adds the newline it never wrote). */
void vm_console_flush(struct vm *vm);
/* A character of console input for the VM, or -1 (only VM 0 reads the console). */
int vm_console_getc(struct vm *vm);

#endif
