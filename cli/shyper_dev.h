/* The kernel module's device, /dev/shyper (include/shyper/ioctl.h), as the commands use it.
 *
 * The calls return 0 or an errno and print nothing: a command knows best what to tell the user,
 * with shyper_dev_strerror() for the hypervisor's reasons.  Opening prints why it failed.
 */
#ifndef SHYPER_CLI_SHYPER_DEV_H
#define SHYPER_CLI_SHYPER_DEV_H

#include <stdint.h>

#include <shyper/ioctl.h>

/* Opens SHYPER_DEVICE with open(2) flags (O_CLOEXEC is added).  Returns the descriptor, or -1
 * with errno set. */
int shyper_dev_open(int flags);

/* Prints why SHYPER_DEVICE could not be opened (errno err) and what to do:
 *   shyper: cannot open /dev/shyper: No such file or directory (is shyper.ko loaded? ...)
 * Returns the exit status for it, CLI_EXIT_UNAVAILABLE. */
int shyper_dev_open_error(int err);

/* The hypervisor's reason for a failed call, for messages. */
const char *shyper_dev_strerror(int err);

/* The exit status for a failed call: CLI_EXIT_UNAVAILABLE when the hypervisor does not offer
 * the function, CLI_EXIT_RUNTIME otherwise. */
int shyper_dev_status(int err);

int shyper_dev_system_info(int fd, struct shyper_system_info *info);
/* Fills vms[0, min(*count, capacity)) and sets *count to the number of VMs. */
int shyper_dev_vm_list(int fd, struct shyper_vm_info *vms, uint32_t capacity, uint32_t *count);
int shyper_dev_vm_info(int fd, uint32_t id, struct shyper_vm_info *info);
int shyper_dev_vm_stats(int fd, uint32_t id, struct shyper_vm_stats *stats);
/* request: SHYPER_IOC_VM_BOOT, _SHUTDOWN, _REBOOT or _REMOVE. */
int shyper_dev_vm_op(int fd, unsigned long request, uint32_t id);
int shyper_dev_vm_create(int fd, const struct shyper_vm_spec *spec, uint32_t *id);
/* Loads data[0, length) at offset of the image; *loaded = bytes of the image loaded so far. */
int shyper_dev_vm_load(int fd, uint32_t id, enum shyper_image image, uint64_t offset,
                       const void *data, uint64_t length, uint64_t *loaded);

/* SHYPER_IOC_MEDIATED_ATTACH: fd becomes the mediated-disk daemon; req's outputs are filled. */
int shyper_dev_mediated_attach(int fd, struct shyper_ioc_mediated_attach *req);
/* SHYPER_IOC_MEDIATED_COMPLETE of done[0, count); *delivered = results that reached their guest.
 * EINVAL when a result named no request in flight (the others were returned). */
int shyper_dev_mediated_complete(int fd, const struct shyper_blk_done *done, uint32_t count,
                                 uint32_t *delivered);

#endif
