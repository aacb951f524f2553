#include "vm_image.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shyper_dev.h"

/* Files are read and handed to the module in chunks of this size. */
#define LOAD_CHUNK (UINT64_C(1) << 20)

static bool open_file(struct vm_images *images, const char *path, const char *name,
                      enum shyper_image image, uint64_t *size, struct config_diag *diag)
{
    struct stat st;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        config_error(diag, path, "\"%s\": %s", name, strerror(errno));
        return false;
    }
    images->files[images->count++] =
        (struct vm_image_file){.path = path, .name = name, .image = image, .fd = fd};
    if (fstat(fd, &st) != 0) {
        config_error(diag, path, "\"%s\": %s", name, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        config_error(diag, path, "\"%s\" is not a regular file", name);
        return false;
    }
    *size = images->files[images->count - 1].size = (uint64_t)st.st_size;
    return true;
}

bool vm_images_open(const struct vm_config_spec *cfg, struct vm_images *images,
                    struct vm_image_sizes *sizes, struct config_diag *diag)
{
    *images = (struct vm_images){.count = 0};
    *sizes = (struct vm_image_sizes){.kernel = 0};
    bool ok = open_file(images, "image.kernel_filename", cfg->image.kernel_filename,
                        SHYPER_IMAGE_KERNEL, &sizes->kernel, diag);
    if (vm_config_has_ramdisk(cfg))
        ok = open_file(images, "image.ramdisk_filename", cfg->image.ramdisk_filename,
                       SHYPER_IMAGE_INITRD, &sizes->ramdisk, diag) &&
             ok;
    return ok;
}

static int load_file(int dev, uint32_t id, const struct vm_image_file *file, void *buf,
                     const char *who)
{
    uint64_t offset = 0, loaded = 0;
    while (offset < file->size) {
        size_t want = file->size - offset < LOAD_CHUNK ? file->size - offset : LOAD_CHUNK;
        ssize_t n = pread(file->fd, buf, want, (off_t)offset);
        if (n <= 0) {
            fprintf(stderr, "%s: %s: %s\n", who, file->name,
                    n < 0 ? strerror(errno) : "shorter than when it was opened");
            return n < 0 ? errno : EIO;
        }
        int err = shyper_dev_vm_load(dev, id, file->image, offset, buf, (uint64_t)n, &loaded);
        if (err) {
            fprintf(stderr, "%s: loading %s into VM %u at byte %" PRIu64 ": %s\n", who, file->name,
                    id, offset, shyper_dev_strerror(err));
            return err;
        }
        offset += (uint64_t)n;
    }
    if (loaded != file->size) {
        fprintf(stderr, "%s: VM %u has %" PRIu64 " bytes of %s, not %" PRIu64 "\n", who, id, loaded,
                file->name, file->size);
        return EIO;
    }
    return 0;
}

int vm_images_load(int fd, uint32_t id, const struct vm_images *images, const char *who)
{
    void *buf = malloc(LOAD_CHUNK);
    int err = buf ? 0 : ENOMEM;
    if (!buf)
        fprintf(stderr, "%s: out of memory\n", who);
    for (unsigned i = 0; !err && i < images->count; i++)
        err = load_file(fd, id, &images->files[i], buf, who);
    free(buf);
    return err;
}

void vm_images_close(struct vm_images *images)
{
    for (unsigned i = 0; i < images->count; i++)
        close(images->files[i].fd);
    images->count = 0;
}
