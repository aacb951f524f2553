# Benchmarks (`make bench`): tests/bench/run_bench.py builds hypervisor variants, runs the
# bench guests (tests/guests/bench_*.c) under QEMU -icount and prints each figure as
# "BENCH <name> <value> <unit>"; the figures also go to build/bench/results.txt.  See
# docs/performance.md.  Not a test suite: a figure that misses its target does not fail.

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

bench: $(DEPS_STAMP) $(LINUX_IMAGE) $(BENCH_ROOTFS)
	$(Q)$(PYTHON) tests/bench/run_bench.py --linux $(LINUX_IMAGE) --rootfs $(BENCH_ROOTFS) \
		--mvm-rootfs $(abspath $(MVM_ROOTFS)) --bootargs "$(MVM_BOOTARGS)" \
		--devices "$(MVM_QEMU_DEVICES)"

-include $(wildcard $(BENCH_GUEST_DIR)/*.d)
