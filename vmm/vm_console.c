/* SBI debug console of a VM (see vm_console.h). */
#include <kernel/log.h>
#include <vmm/vm.h>
#include <vmm/vm_console.h>

static void flush_line(struct vm *vm)
{
    char out[VM_CONSOLE_LINE_MAX + 16];
    int n =
        snprintf(out, sizeof(out), "[vm%u] %.*s", vm->id, (int)vm->console.len, vm->console.line);

    console_write(out, MIN((size_t)n, sizeof(out) - 1));
    vm->console.len = 0;
}

void vm_console_write(struct vm *vm, const char *buf, u64 len)
{
    if (vm_is_mvm(vm)) {
        console_write(buf, len);
        return;
    }
    spin_lock(&vm->lock);
    for (u64 i = 0; i < len; i++) {
        vm->console.line[vm->console.len++] = buf[i];
        if (buf[i] == '\n' || vm->console.len == VM_CONSOLE_LINE_MAX)
            flush_line(vm);
    }
    spin_unlock(&vm->lock);
}

void vm_console_flush(struct vm *vm)
{
    spin_lock(&vm->lock);
    if (vm->console.len) {
        if (vm->console.len == VM_CONSOLE_LINE_MAX)
            vm->console.len--;
        vm->console.line[vm->console.len++] = '\n';
        flush_line(vm);
    }
    spin_unlock(&vm->lock);
}

int vm_console_getc(struct vm *vm)
{
    return vm_is_mvm(vm) ? console_getc() : -1;
}
