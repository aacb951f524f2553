/* The image files a VM configuration names, image.kernel_filename and (when
 * image.ramdisk_load_ipa is not 0) image.ramdisk_filename, and their upload into a VM the
 * hypervisor has created.  Names are relative to the current directory, as in Rust-Shyper.
 */
#ifndef SHYPER_CLI_VM_IMAGE_H
#define SHYPER_CLI_VM_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <shyper/hypercall.h>

#include "config_diag.h"
#include "vm_config.h"
#include "vm_spec.h"

#define VM_IMAGE_FILES 2 /* kernel, ramdisk */

struct vm_image_file {
    const char *path;        /* JSON path of the field naming it */
    const char *name;        /* the file name */
    enum shyper_image image; /* which image of the VM it is */
    int fd;
    uint64_t size;
};

struct vm_images {
    unsigned count;
    struct vm_image_file files[VM_IMAGE_FILES];
};

/* Opens the files cfg names and fills *sizes.  A file that cannot be opened or is not a regular
 * file is an error at its field ("image.kernel_filename: \"Image\": No such file or directory").
 * Returns false if there was one; the files that were opened must still be closed. */
bool vm_images_open(const struct vm_config_spec *cfg, struct vm_images *images,
                    struct vm_image_sizes *sizes, struct config_diag *diag);

/* Uploads every image into VM id through /dev/shyper (fd).  On failure prints why, prefixed with
 * who ("shyper vm config"), and returns the errno. */
int vm_images_load(int fd, uint32_t id, const struct vm_images *images, const char *who);

void vm_images_close(struct vm_images *images);

#endif
