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

bench: $(DEPS_STAMP)
	$(Q)$(PYTHON) tests/bench/run_bench.py

-include $(wildcard $(BENCH_GUEST_DIR)/*.d)
