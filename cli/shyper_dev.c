#include "shyper_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cli.h"

#define MODULE_PATH "/root/shyper.ko"

int shyper_dev_open(int flags)
{
    return open(SHYPER_DEVICE, flags | O_CLOEXEC);
}

int shyper_dev_open_error(int err)
{
    const char *hint = "";
    if (err == ENOENT || err == ENODEV || err == ENXIO)
        hint = " (is shyper.ko loaded? try insmod " MODULE_PATH ")";
    else if (err == EACCES || err == EPERM)
        hint = " (VMs are managed by root)";
    fprintf(stderr, "%s: cannot open %s: %s%s\n", CLI_PROGRAM, SHYPER_DEVICE, strerror(err), hint);
    return CLI_EXIT_UNAVAILABLE;
}

const char *shyper_dev_strerror(int err)
{
    switch (err) {
    case EPERM:
        return "refused by the hypervisor";
    case EINVAL:
        return "the hypervisor rejected the request as invalid";
    case EOPNOTSUPP:
        return "not supported by this hypervisor";
    case EALREADY:
        return "already in that state";
    case EBUSY:
        return "not in a state that allows it";
    case EIO:
        return "the hypervisor failed";
    default:
        return strerror(err);
    }
}

int shyper_dev_status(int err)
{
    return err == EOPNOTSUPP || err == ENOTTY ? CLI_EXIT_UNAVAILABLE : CLI_EXIT_RUNTIME;
}

/* ioctl(2) with 0 or the errno as result. */
static int call(int fd, unsigned long request, unsigned long arg)
{
    return ioctl(fd, request, arg) == 0 ? 0 : errno;
}

static unsigned long ptr_arg(const void *p)
{
    return (unsigned long)(uintptr_t)p;
}

int shyper_dev_system_info(int fd, struct shyper_system_info *info)
{
    return call(fd, SHYPER_IOC_SYSTEM_INFO, ptr_arg(info));
}

int shyper_dev_vm_list(int fd, struct shyper_vm_info *vms, uint32_t capacity, uint32_t *count)
{
    struct shyper_ioc_vm_list req = {.vms = (uintptr_t)vms, .capacity = capacity};
    int err = call(fd, SHYPER_IOC_VM_LIST, ptr_arg(&req));
    *count = req.count;
    return err;
}

int shyper_dev_vm_info(int fd, uint32_t id, struct shyper_vm_info *info)
{
    memset(info, 0, sizeof(*info));
    info->id = id;
    return call(fd, SHYPER_IOC_VM_INFO, ptr_arg(info));
}

int shyper_dev_vm_stats(int fd, uint32_t id, struct shyper_vm_stats *stats)
{
    struct shyper_ioc_vm_stats req = {.id = id};
    int err = call(fd, SHYPER_IOC_VM_STATS, ptr_arg(&req));
    *stats = req.stats;
    return err;
}

int shyper_dev_vm_op(int fd, unsigned long request, uint32_t id)
{
    return call(fd, request, id);
}

int shyper_dev_vm_create(int fd, const struct shyper_vm_spec *spec, uint32_t *id)
{
    struct shyper_ioc_vm_create req = {.spec = (uintptr_t)spec};
    int err = call(fd, SHYPER_IOC_VM_CREATE, ptr_arg(&req));
    *id = req.id;
    return err;
}

int shyper_dev_vm_load(int fd, uint32_t id, enum shyper_image image, uint64_t offset,
                       const void *data, uint64_t length, uint64_t *loaded)
{
    struct shyper_ioc_vm_load req = {
        .id = id,
        .image = image,
        .offset = offset,
        .data = (uintptr_t)data,
        .length = length,
    };
    int err = call(fd, SHYPER_IOC_VM_LOAD, ptr_arg(&req));
    *loaded = req.loaded;
    return err;
}

int shyper_dev_mediated_attach(int fd, struct shyper_ioc_mediated_attach *req)
{
    return call(fd, SHYPER_IOC_MEDIATED_ATTACH, ptr_arg(req));
}

int shyper_dev_mediated_complete(int fd, const struct shyper_blk_done *done, uint32_t count,
                                 uint32_t *delivered)
{
    struct shyper_ioc_mediated_complete req = {.done = (uintptr_t)done, .count = count};
    int err = call(fd, SHYPER_IOC_MEDIATED_COMPLETE, ptr_arg(&req));
    *delivered = req.delivered;
    return err;
}
