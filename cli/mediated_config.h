/* The mediated-disk list given to `shyper system daemon [mediated-cfg.json]`:
 *
 *   { "mediated": [ "/root/vm1.img", "/dev/sda1" ] }   // comments allowed
 *
 * Entry i backs the i-th mediated virtio-blk device configured by any guest.  Paths are
 * non-empty, at most MEDIATED_PATH_SIZE-1 bytes, and listed once each (two guests writing one
 * disk through separate caches would corrupt it).  Whether the files exist is the daemon's
 * business, not this parser's.
 */
#ifndef SHYPER_CLI_MEDIATED_CONFIG_H
#define SHYPER_CLI_MEDIATED_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "config_diag.h"
#include "vm_config.h"

#define MEDIATED_DISK_MAX  16
#define MEDIATED_PATH_SIZE VM_PATH_SIZE

struct mediated_config {
    unsigned count;
    char paths[MEDIATED_DISK_MAX][MEDIATED_PATH_SIZE];
};

/* Returns true when no error was reported. */
bool mediated_config_parse(const char *text, size_t len, struct mediated_config *cfg,
                           struct config_diag *diag);

#endif
