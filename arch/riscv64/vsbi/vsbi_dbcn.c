/*
 * SBI DBCN extension (debug console).  Buffers are guest-physical: each page is checked
 * against the VM's RAM and translated before it is read or written.
 */
#include <arch/vsbi.h>
#include <vmm/vm.h>
#include <vmm/vm_console.h>

/* Bytes handled per call; the spec lets an implementation write fewer than asked. */
#define DBCN_MAX_CHUNK 4096

static enum vsbi_result dbcn_write(struct vcpu *vcpu, const struct vsbi_call *call,
                                   struct sbiret *ret)
{
    u64 len = MIN(call->args[0], (u64)DBCN_MAX_CHUNK);
    u64 gpa = call->args[1];

    if (call->args[2] != 0 || (len && !vm_gpa_to_hva(vcpu->vm, gpa, 1))) {
        ret->error = SBI_ERR_INVALID_PARAM;
        return VSBI_RETURN;
    }
    u64 done = 0;
    while (done < len) {
        u64 chunk = MIN(len - done, PAGE_SIZE - ((gpa + done) & (PAGE_SIZE - 1)));
        const char *p = vm_gpa_to_hva(vcpu->vm, gpa + done, chunk);
        if (!p) {
            ret->error = done ? SBI_SUCCESS : SBI_ERR_INVALID_PARAM;
            break;
        }
        vm_console_write(vcpu->vm, p, chunk);
        done += chunk;
    }
    if (done == len)
        ret->error = SBI_SUCCESS;
    ret->value = done;
    return VSBI_RETURN;
}

static enum vsbi_result dbcn_read(struct vcpu *vcpu, const struct vsbi_call *call,
                                  struct sbiret *ret)
{
    u64 len = MIN(call->args[0], (u64)DBCN_MAX_CHUNK);
    u64 gpa = call->args[1];
    u64 done = 0;

    if (call->args[2] != 0 || (len && !vm_gpa_to_hva(vcpu->vm, gpa, 1))) {
        ret->error = SBI_ERR_INVALID_PARAM;
        return VSBI_RETURN;
    }
    while (done < len) {
        char *p = vm_gpa_to_hva(vcpu->vm, gpa + done, 1);
        int c;
        if (!p || (c = vm_console_getc(vcpu->vm)) < 0)
            break;
        *p = (char)c;
        done++;
    }
    ret->error = SBI_SUCCESS;
    ret->value = done;
    return VSBI_RETURN;
}

static enum vsbi_result dbcn_handler(struct vcpu *vcpu, const struct vsbi_call *call,
                                     struct sbiret *ret)
{
    switch (call->fid) {
    case SBI_DBCN_WRITE:
        return dbcn_write(vcpu, call, ret);
    case SBI_DBCN_READ:
        return dbcn_read(vcpu, call, ret);
    case SBI_DBCN_WRITE_BYTE: {
        char c = (char)call->args[0];
        vm_console_write(vcpu->vm, &c, 1);
        ret->error = SBI_SUCCESS;
        return VSBI_RETURN;
    }
    default:
        return VSBI_RETURN;
    }
}

const struct vsbi_extension vsbi_ext_dbcn = {
    .eid_min = SBI_EXT_DBCN,
    .eid_max = SBI_EXT_DBCN,
    .name = "dbcn",
    .handler = dbcn_handler,
};
