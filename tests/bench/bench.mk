# Benchmarks (`make bench`): tests/bench/run_bench.py builds hypervisor variants, runs the
# bench guests (tests/guests/bench_*.c) and boots the MVM under QEMU -icount, then
# tests/e2e/bench_gvm.py measures a guest VM's mediated disk and ping (alone: `make
# bench-gvm`).  Each figure is printed as "BENCH <name> <value> <unit>"; all of them also go
# to build/bench/results.txt (bench-gvm's to build/bench/gvm.txt).  See docs/performance.md.
# Not a test suite: a figure that misses its target does not fail.

BENCH_GUEST_DIR := $(BUILD)/bench/guests

# The stimecmp benchmark's baseline: the same guest making no stimecmp writes.
$(BENCH_GUEST_DIR)/bench_stimecmp_base.elf: tests/guests/bench_stimecmp.c $(GUEST_LIB_OBJS) \
                                            tests/guests/lib/guest.ld
	@mkdir -p $(@D)
	@echo "  CC      $< [guest, STIMECMP_WRITES=0]"
	$(Q)$(CC) $(GUEST_CFLAGS) -DSTIMECMP_WRITES=0 $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS) -lgcc

$(BENCH_GUEST_DIR)/%.bin: $(BENCH_GUEST_DIR)/%.elf
	$(Q)$(OBJCOPY) -O binary $< $@

# The MVM boot benchmark boots the MVM kernel under Shyper and natively from a copy of the
# MVM root filesystem that differs from vm0.img in two lines: init runs mvm-stamp
# (tests/bench/mvm_stamp.c) before rcS, and the login profile runs it just before the
# shell prints its first prompt.
MVM_STAMP        := $(BUILD)/bench/mvm-stamp
BENCH_INITTAB    := $(BUILD)/bench/inittab
BENCH_PROFILE    := $(BUILD)/bench/profile
BENCH_ROOTFS     := $(BUILD)/bench/mvm-rootfs.img
MVM_STAMP_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdlib \
                    -static -no-pie -fno-pic -mno-relax -Wl,--build-id=none

$(MVM_STAMP): tests/bench/mvm_stamp.c
	@mkdir -p $(@D)
	@echo "  CC      $< [linux user]"
	$(Q)$(CC) $(MVM_STAMP_CFLAGS) -o $@ $<

$(BENCH_INITTAB): image/rootfs/etc/inittab tests/bench/bench.mk
	@mkdir -p $(@D)
	$(Q)sed '0,/^::sysinit:/s||::sysinit:/usr/bin/mvm-stamp init\n&|' $< > $@.tmp
	$(Q)grep -qx '::sysinit:/usr/bin/mvm-stamp init' $@.tmp || \
		{ echo "bench: $< has no ::sysinit: line"; exit 1; }
	$(Q)mv $@.tmp $@

$(BENCH_PROFILE): image/rootfs/etc/profile tests/bench/bench.mk
	@mkdir -p $(@D)
	$(Q){ cat $<; echo 'mvm-stamp prompt'; } > $@

$(BENCH_ROOTFS): $(MVM_ROOTFS) $(MVM_STAMP) $(BENCH_INITTAB) $(BENCH_PROFILE) image/mkrootfs.sh
	$(Q)bash image/mkrootfs.sh $@ $(MVM_ROOTFS_SIZE) $(DEBS_STAMP) image/rootfs \
		$(BUILD)/bench/rootfs $(ROOTFS_FILES) $(MVM_STAMP):/usr/bin/mvm-stamp \
		$(BENCH_INITTAB):/etc/inittab $(BENCH_PROFILE):/etc/profile

# The guest VM benchmarks run on the machine of test-e2e-blk (tests/e2e/blk.mk) under
# -icount, on a private copy of vm0.img.  $(1): the file the BENCH lines are appended to.
GVM_BENCH_DISK := $(BUILD)/bench/gvm/vm0.img
GVM_BENCH_QEMU  = $(subst $(abspath $(BLK_TEST_DISK)),$(abspath $(GVM_BENCH_DISK)),$(BLK_TEST_QEMU)) \
                  -icount shift=0,sleep=on
run_gvm_bench   = mkdir -p $(BUILD)/bench/logs $(dir $(GVM_BENCH_DISK)) && \
                  cp --sparse=always $(MVM_ROOTFS) $(GVM_BENCH_DISK) && \
                  $(PYTHON) tests/e2e/bench_gvm.py --log $(BUILD)/bench/logs/gvm.log --results $(1) \
                      -- $(GVM_BENCH_QEMU)

.PHONY: bench-gvm
bench-gvm: all $(MVM_ROOTFS)
	$(Q)rm -f $(BUILD)/bench/gvm.txt
	$(Q)$(call run_gvm_bench,$(BUILD)/bench/gvm.txt)

bench: $(DEPS_STAMP) $(LINUX_IMAGE) $(BENCH_ROOTFS) all $(MVM_ROOTFS)
	$(Q)$(PYTHON) tests/bench/run_bench.py --linux $(LINUX_IMAGE) --rootfs $(BENCH_ROOTFS) \
		--mvm-rootfs $(abspath $(MVM_ROOTFS)) --bootargs "$(MVM_BOOTARGS)" \
		--devices "$(MVM_QEMU_DEVICES)"
	$(Q)$(call run_gvm_bench,$(BUILD)/bench/results.txt)
	@echo "bench: $$(wc -l < $(BUILD)/bench/results.txt) figures in $(BUILD)/bench/results.txt"

-include $(wildcard $(BENCH_GUEST_DIR)/*.d)
