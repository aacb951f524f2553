/* A checked VM configuration (vm_config.h) as the hypervisor takes it: struct shyper_vm_spec
 * of include/shyper/hypercall.h, the argument of CONFIG_CREATE.
 *
 * The conversion knows the sizes of the images (the files the configuration names), so it also
 * checks what only they decide: that each image fits in a memory region from its load address
 * and that the kernel, the ramdisk and the device tree do not overlap.  It refuses what the
 * JSON format allows but Shyper does not do (yet): an entry point other than the load address,
 * device-tree overlays, more passthrough regions than the ABI carries.  Errors go to diag with
 * the JSON path of the field, like the checks of vm_config_check(); nothing here does I/O.
 */
#ifndef SHYPER_CLI_VM_SPEC_H
#define SHYPER_CLI_VM_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include <shyper/hypercall.h>

#include "config_diag.h"
#include "vm_config.h"

/* Sizes of the files image.kernel_filename and image.ramdisk_filename, in bytes. */
struct vm_image_sizes {
    uint64_t kernel;
    uint64_t ramdisk; /* 0 when the VM has none (vm_config_has_ramdisk) */
};

/* Whether the configuration loads a ramdisk: image.ramdisk_load_ipa is not 0. */
bool vm_config_has_ramdisk(const struct vm_config_spec *cfg);

/* Fills *spec from a configuration vm_config_load() accepted.  Returns false if an error was
 * reported; *spec is then incomplete. */
bool vm_spec_from_config(const struct vm_config_spec *cfg, const struct vm_image_sizes *sizes,
                         struct shyper_vm_spec *spec, struct config_diag *diag);

#endif
