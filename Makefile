# Shyper: a Type-1 RISC-V hypervisor.
#
#   make deps          install host packages (Debian 12; run automatically by run/test)
#   make               build the hypervisor (build/shyper.bin)
#   ARCH=riscv64 make run    boot QEMU -> OpenSBI -> Shyper -> VM0
#   make test          every test suite (unit, bare-metal guests, end-to-end)
#   make bench         benchmarks, printed as "BENCH <name> <value> <unit>"
#   make lint          clang-format check and cppcheck
#
# Variables:
#   VM0_IMAGE=<file>   image VM0 runs (default: the Linux MVM kernel)
#   SMP=<n> MEM=<size> QEMU harts and RAM for `make run`
#   V=1                echo every command

ARCH ?= riscv64
ifneq ($(ARCH),riscv64)
$(error ARCH=$(ARCH) is not supported; Shyper runs on riscv64 only)
endif

TOP        := $(abspath .)
BUILD      := build
CACHE_DIR  ?= $(HOME)/.cache/shyper
CROSS_COMPILE ?= riscv64-linux-gnu-
CC         := $(CROSS_COMPILE)gcc
AR         := $(CROSS_COMPILE)ar
OBJCOPY    := $(CROSS_COMPILE)objcopy
HOSTCC     ?= gcc
PYTHON     ?= python3
QEMU       ?= qemu-system-riscv64

ifeq ($(V),1)
Q :=
else
Q := @
endif

.DEFAULT_GOAL := all
.PHONY: all deps run test bench lint clean hyp unit guests test-unit test-guests \
        test-e2e format debug
.SUFFIXES:
.SECONDARY:

# ---------------------------------------------------------------- host packages
DEPS_STAMP := $(BUILD)/.deps-ok
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	$(Q)bash scripts/deps.sh
	$(Q)mkdir -p $(@D) && touch $@

# ---------------------------------------------------------------- libfdt (from linux-source)
include scripts/libfdt.mk

# ---------------------------------------------------------------- hypervisor
HYP_DIRS    := arch/riscv64 kernel vmm device
HYP_INCLUDE := -Iinclude -Iarch/riscv64/include -Ikernel/include -Ivmm/include \
               -Idevice/include -Iconfig/include -Ikernel/include/libc -I$(LIBFDT_DIR)
HYP_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
               -nostdlib -fno-pic -fno-pie -mcmodel=medany -march=rv64imac_zicsr_zifencei \
               -mabi=lp64 -fno-stack-protector -fno-common \
               -ffunction-sections -fdata-sections $(HYP_INCLUDE) -MMD -MP
HYP_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,--gc-sections \
               -Wl,--no-warn-rwx-segments -T linker/shyper.ld
HYP_SRCS    := $(sort $(foreach d,$(HYP_DIRS),$(shell find $(d) -name '*.c' -o -name '*.S' | grep -v '/include/')))
HYP_OBJS    := $(patsubst %,$(BUILD)/hyp/%.o,$(HYP_SRCS))
HYP_LIB     := $(BUILD)/hyp/libshyper.a

$(BUILD)/hyp/%.c.o: %.c $(LIBFDT_STAMP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(HYP_CFLAGS) -c $< -o $@

$(BUILD)/hyp/%.S.o: %.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(HYP_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(HYP_LIB): $(HYP_OBJS) $(LIBFDT_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

-include $(HYP_OBJS:.o=.d)

# A "variant" is the hypervisor core linked with one VM configuration (config/*.c)
# and the guest images that configuration embeds.  `make hyp VARIANT=x HYP_CONFIG=c
# VM0_IMAGE=... [VM1_IMAGE=...]` builds build/variants/x/shyper.bin.
VARIANT    ?= default
HYP_CONFIG ?= config/mvm.c
VARIANT_DIR := $(BUILD)/variants/$(VARIANT)
VM_IMAGE_VARS := VM0_IMAGE VM1_IMAGE VM2_IMAGE VM3_IMAGE
VM_IMAGE_DEFS := $(foreach v,$(VM_IMAGE_VARS),$(if $($(v)),-D$(v)='"$(abspath $($(v)))"'))
VM_IMAGE_FILES := $(foreach v,$(VM_IMAGE_VARS),$($(v)))

# Rebuild the config object whenever the variant's inputs change.
VARIANT_KEY := $(HYP_CONFIG) $(VM_IMAGE_DEFS) $(HYP_CONFIG_DEFS)
$(VARIANT_DIR)/inputs: FORCE
	@mkdir -p $(@D)
	@echo '$(VARIANT_KEY)' | cmp -s - $@ || echo '$(VARIANT_KEY)' > $@

$(VARIANT_DIR)/config.o: $(HYP_CONFIG) $(VARIANT_DIR)/inputs $(VM_IMAGE_FILES) $(LIBFDT_STAMP)
	@echo "  CC      $(HYP_CONFIG) [$(VARIANT)]"
	$(Q)$(CC) $(HYP_CFLAGS) $(VM_IMAGE_DEFS) $(HYP_CONFIG_DEFS) -c $(HYP_CONFIG) -o $@

$(VARIANT_DIR)/shyper.elf: $(VARIANT_DIR)/config.o $(HYP_LIB) linker/shyper.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(HYP_CFLAGS) $(HYP_LDFLAGS) -o $@ $(VARIANT_DIR)/config.o \
		-Wl,--whole-archive $(HYP_LIB) -Wl,--no-whole-archive

$(VARIANT_DIR)/shyper.bin: $(VARIANT_DIR)/shyper.elf
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(VARIANT_DIR)/config.d

hyp: $(DEPS_STAMP) $(VARIANT_DIR)/shyper.bin

.PHONY: FORCE
FORCE:

# ---------------------------------------------------------------- fragments
# Each fragment owns one area; see the comment at its top.
include tests/guests/guests.mk
-include image/image.mk
-include cli/cli.mk
-include kmod/kmod.mk
-include image/gvm.mk
include tests/e2e/net.mk
include tests/e2e/blk.mk
include tests/tests.mk
include tests/fuzz/fuzz.mk
include tests/bench/bench.mk

# ---------------------------------------------------------------- run
SMP ?= 4
MEM ?= 2G
QEMU_MACHINE := -machine virt -cpu rv64 -smp $(SMP) -m $(MEM) -bios default
# VM0 is the Linux management VM (image/image.mk) with its root disk and NIC.
VM0_IMAGE ?= $(LINUX_IMAGE)
RUN_DEPS := $(MVM_ROOTFS)
RUN_QEMU_ARGS := $(MVM_QEMU_DEVICES)

all: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory hyp VARIANT=default HYP_CONFIG=$(HYP_CONFIG) VM0_IMAGE=$(VM0_IMAGE)
	$(Q)cp $(BUILD)/variants/default/shyper.bin $(BUILD)/shyper.bin
	$(Q)cp $(BUILD)/variants/default/shyper.elf $(BUILD)/shyper.elf
	@echo "  BUILT   $(BUILD)/shyper.bin (VM0: $(VM0_IMAGE))"

run: all $(RUN_DEPS)
	$(QEMU) $(QEMU_MACHINE) -nographic -kernel $(BUILD)/shyper.bin $(RUN_QEMU_ARGS)

debug: all
	@echo "debug: QEMU waits on :1234; in another terminal: gdb-multiarch -x scripts/gdbinit"
	$(QEMU) $(QEMU_MACHINE) -nographic -kernel $(BUILD)/shyper.bin $(RUN_QEMU_ARGS) -s -S

# ---------------------------------------------------------------- quality
LINT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
lint:
	$(Q)clang-format --dry-run --Werror $(LINT_SRCS)
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem --std=c11 \
		-Iinclude -Iarch/riscv64/include -Ikernel/include -Ivmm/include -Idevice/include \
		-Iconfig/include $(filter-out tests/%,$(LINT_SRCS))
	@echo "lint: clean"

format:
	$(Q)clang-format -i $(LINT_SRCS)

clean:
	rm -rf $(BUILD)
