/*
 * SBI DBCN extension (debug console).  Buffers are guest-physical: the whole buffer must
 * be the VM's RAM (SBI 2.0 section 3.2, else SBI_ERR_INVALID_PARAM and nothing is done),
 * and each page is translated before it is read or written.
 */
#include <arch/vsbi.h>
#include <vmm/vm.h>
#include <vmm/vm_console.h>

/* Bytes handled per call; the spec lets an implementation write fewer than asked. */
#define DBCN_MAX_CHUNK 4096

/* Bytes of RAM from gpa to the end of the RAM region holding it (0: gpa is not RAM). */
static u64 ram_bytes_from(const struct vm *vm, u64 gpa)
{
    for (u32 i = 0; i < vm->nr_mem; i++) {
        const struct vm_mem_region *r = &vm->mem[i];
        if (gpa >= r->ipa && gpa - r->ipa < r->size)
            return r->size - (gpa - r->ipa);
    }
    return 0;
}

/* A DBCN buffer: base_hi is 0 and every byte is RAM (possibly of adjoining regions). */
static bool valid_buffer(const struct vm *vm, const u64 *args)
{
    u64 gpa = args[1], len = args[0];

    if (args[2] != 0)
        return false;
    while (len) {
        u64 avail = ram_bytes_from(vm, gpa);
        if (!avail)
            return false;
        if (avail >= len)
            return true;
        gpa += avail;
        len -= avail;
    }
    return true;
}

static struct sbiret dbcn_write(struct vcpu *vcpu, const u64 *args)
{
    u64 len = MIN(args[0], (u64)DBCN_MAX_CHUNK);
    u64 gpa = args[1];

    if (!valid_buffer(vcpu->vm, args))
        return vsbi_error(SBI_ERR_INVALID_PARAM);
    for (u64 done = 0, chunk; done < len; done += chunk) {
        chunk = MIN(len - done, PAGE_SIZE - ((gpa + done) & (PAGE_SIZE - 1)));
        vm_console_write(vcpu->vm, vm_gpa_to_hva(vcpu->vm, gpa + done, chunk), chunk);
    }
    return vsbi_success(len);
}

static struct sbiret dbcn_read(struct vcpu *vcpu, const u64 *args)
{
    u64 len = MIN(args[0], (u64)DBCN_MAX_CHUNK);
    u64 gpa = args[1];
    u64 done = 0;
    int c;

    if (!valid_buffer(vcpu->vm, args))
        return vsbi_error(SBI_ERR_INVALID_PARAM);
    for (; done < len && (c = vm_console_getc(vcpu->vm)) >= 0; done++)
        *(char *)vm_gpa_to_hva(vcpu->vm, gpa + done, 1) = (char)c;
    return vsbi_success(done);
}

static struct sbiret dbcn_handler(struct vcpu *vcpu, unsigned long eid, unsigned long fid,
                                  const u64 *args)
{
    char c;

    (void)eid;
    switch (fid) {
    case SBI_DBCN_WRITE:
        return dbcn_write(vcpu, args);
    case SBI_DBCN_READ:
        return dbcn_read(vcpu, args);
    case SBI_DBCN_WRITE_BYTE:
        c = (char)args[0];
        vm_console_write(vcpu->vm, &c, 1);
        return vsbi_success(0);
    default:
        return vsbi_error(SBI_ERR_NOT_SUPPORTED);
    }
}

const struct vsbi_extension vsbi_ext_dbcn = {
    .eid_min = SBI_EXT_DBCN,
    .eid_max = SBI_EXT_DBCN,
    .name = "dbcn",
    .handler = dbcn_handler,
};
