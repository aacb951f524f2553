/* A human-readable summary of a VM configuration, as printed by `shyper vm config --check`. */
#ifndef SHYPER_CLI_VM_CONFIG_PRINT_H
#define SHYPER_CLI_VM_CONFIG_PRINT_H

#include <stdio.h>

#include "vm_config.h"

void vm_config_print_summary(FILE *out, const struct vm_config_spec *cfg);

#endif
