# cli/cli.mk: the `shyper` command line, included by the top-level Makefile.
#
#   make cli        build/cli/host/shyper (host gcc) and build/cli/riscv64/shyper (static)
#   make test-cli   run cli/tests/check-cli.sh against the host binary (part of `make test`)
#
# Exported to other fragments:
#   CLI_HOST        build/cli/host/shyper: `shyper vm config --check` works on the build host
#   CLI_RISCV64     build/cli/riscv64/shyper: static, installed in the MVM as /usr/bin/shyper
#   CJSON_DIR       the cJSON sources (cJSON.c, cJSON.h); unit tests compile $(CJSON_DIR)/cJSON.c
#   CJSON_STAMP     a file target that exists once CJSON_DIR is populated
# Appended to image/image.mk's ROOTFS_FILES / ROOTFS_DEPS: the binary and the example configs,
# and to tests/tests.mk's UNIT_EXTRA_CFLAGS / UNIT_EXTRA_DEPS: cJSON for tests/unit/test_cli_*.c.
#
# cJSON is Debian bookworm's source package (with Debian's patches), fetched once by
# cli/fetch-cjson.sh into $(CACHE_DIR)/cjson-<version>; nothing of it is kept in this repository.

CJSON_VERSION := 1.7.15
CJSON_DIR     := $(CACHE_DIR)/cjson-$(CJSON_VERSION)
# This build's own stamp: the shared cache is never touched once filled (libfdt.mk says why).
CJSON_STAMP   := $(BUILD)/cjson/.fetched

CLI_HOST    := $(BUILD)/cli/host/shyper
CLI_RISCV64 := $(BUILD)/cli/riscv64/shyper
CLI_SRCS    := $(sort $(wildcard cli/*.c))
CLI_CFLAGS  := -std=gnu11 -O2 -Wall -Wextra -Werror -Icli -Iinclude -I$(CJSON_DIR) -MMD -MP

CLI_HOST_OBJS    := $(patsubst cli/%.c,$(BUILD)/cli/host/%.o,$(CLI_SRCS)) $(BUILD)/cli/host/cJSON.o
CLI_RISCV64_OBJS := $(patsubst cli/%.c,$(BUILD)/cli/riscv64/%.o,$(CLI_SRCS)) \
                    $(BUILD)/cli/riscv64/cJSON.o

.PHONY: cli test-cli
cli: $(CLI_HOST) $(CLI_RISCV64)

$(CJSON_STAMP): cli/fetch-cjson.sh | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(Q)bash cli/fetch-cjson.sh $(CJSON_VERSION) $(CJSON_DIR)
	@touch $@

$(CJSON_DIR)/cJSON.c: $(CJSON_STAMP) ;

# ---------------------------------------------------------------- host
$(BUILD)/cli/host/%.o: cli/%.c | $(CJSON_STAMP)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(CLI_CFLAGS) -c $< -o $@

$(BUILD)/cli/host/cJSON.o: $(CJSON_DIR)/cJSON.c
	@mkdir -p $(@D)
	@echo "  HOSTCC  cJSON.c"
	$(Q)$(HOSTCC) $(CLI_CFLAGS) -c $< -o $@

$(CLI_HOST): $(CLI_HOST_OBJS)
	@echo "  LD      $@"
	$(Q)$(HOSTCC) -o $@ $^

# ---------------------------------------------------------------- riscv64 (for the MVM)
$(BUILD)/cli/riscv64/%.o: cli/%.c | $(CJSON_STAMP) $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CROSS_COMPILE)gcc $(CLI_CFLAGS) -c $< -o $@

$(BUILD)/cli/riscv64/cJSON.o: $(CJSON_DIR)/cJSON.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      cJSON.c"
	$(Q)$(CROSS_COMPILE)gcc $(CLI_CFLAGS) -c $< -o $@

$(CLI_RISCV64): $(CLI_RISCV64_OBJS)
	@echo "  LD      $@"
	$(Q)$(CROSS_COMPILE)gcc -static -o $@ $^

-include $(CLI_HOST_OBJS:.o=.d) $(CLI_RISCV64_OBJS:.o=.d)

# ---------------------------------------------------------------- tests and MVM image
# A suite of `make test` (tests/tests.mk): results in $(RESULTS)/cli.
test-cli: $(CLI_HOST)
	@mkdir -p $(RESULTS)
	$(Q)bash cli/tests/check-cli.sh $(CLI_HOST) $(RESULTS)/cli
TEST_SUITES += test-cli

CLI_EXAMPLES := vm1.json vm2.json mediated-cfg.json
ROOTFS_FILES += $(CLI_RISCV64):/usr/bin/shyper \
                $(foreach f,$(CLI_EXAMPLES),cli/examples/$(f):/root/$(f))
ROOTFS_DEPS  += $(CLI_RISCV64)
UNIT_EXTRA_CFLAGS += -I$(CJSON_DIR)
UNIT_EXTRA_DEPS   += $(CJSON_STAMP)
