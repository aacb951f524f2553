# Test suites.  `make test` runs every suite even when one fails, then prints the total
# as "N passed, M failed" and fails if anything failed.  Each suite writes its counts to
# build/test-results/<suite>.
#
#   test-unit     host unit tests: tests/unit/test_*.c
#   test-guests   bare-metal guests under the hypervisor in QEMU (tests/guests/cases.py)
#   + suites other fragments add to TEST_SUITES

RESULTS := $(BUILD)/test-results

# ---------------------------------------------------------------- host unit tests
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined -Iinclude -Iarch/riscv64/include -Ikernel/include \
               -Ivmm/include -Idevice/include -Iconfig/include -Itests/unit -Icli -DUNIT_TEST
UNIT_NAMES := $(basename $(notdir $(wildcard tests/unit/test_*.c)))
UNIT_BINS := $(patsubst %,$(BUILD)/unit/%,$(UNIT_NAMES))
# Sources named on the first line of a test file ("// UNIT_SOURCES: ...").
unit_sources = $(subst $$(CJSON_DIR),$(CJSON_DIR),$(shell sed -n '1s|^// UNIT_SOURCES:||p' tests/unit/$(1).c))
# Host libraries named on the second line ("// UNIT_LDLIBS: -lfdt").
unit_ldlibs = $(shell sed -n '2s|^// UNIT_LDLIBS:||p' tests/unit/$(1).c)
# Device trees tests read: tests/unit/data/*.dts compiled into UNIT_DATA_DIR (QEMU's trees
# have interrupt controllers without #address-cells, hence the -W).
UNIT_DATA := $(BUILD)/unit/data
UNIT_DTBS := $(patsubst tests/unit/data/%.dts,$(UNIT_DATA)/%.dtb,$(wildcard tests/unit/data/*.dts))
UNIT_CFLAGS += -DUNIT_DATA_DIR='"$(abspath $(UNIT_DATA))"'

$(UNIT_DATA)/%.dtb: tests/unit/data/%.dts
	@mkdir -p $(@D)
	@echo "  DTC     $@"
	$(Q)dtc -Wno-interrupt_provider -I dts -O dtb -o $@ $<

.SECONDEXPANSION:
$(BUILD)/unit/%: tests/unit/%.c tests/unit/unit_main.c tests/unit/unit_test.h $$(call unit_sources,$$*) $(UNIT_DTBS) $(UNIT_EXTRA_DEPS)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_EXTRA_CFLAGS) -o $@ $< tests/unit/unit_main.c $(call unit_sources,$*) $(call unit_ldlibs,$*)
	@# The headers of every source, not only the last one's (-MMD with several inputs).
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) $(UNIT_EXTRA_CFLAGS) -MM -MP -MT $@ $< tests/unit/unit_main.c $(filter %.c,$(call unit_sources,$*)) > $@.d

-include $(UNIT_BINS:=.d)

unit: $(UNIT_BINS)

test-unit: $(UNIT_BINS)
	@mkdir -p $(RESULTS)
	$(Q)$(PYTHON) tests/run_suite.py unit $(RESULTS)/unit $(UNIT_BINS)

# ---------------------------------------------------------------- bare-metal guests
test-guests: $(DEPS_STAMP) $(GUEST_BINS) $(HYP_LIB)
	@mkdir -p $(RESULTS)
	$(Q)$(PYTHON) tests/guests/cases.py --results $(RESULTS)/guests

# ---------------------------------------------------------------- Linux MVM under Shyper
# The MVM boots to its shell through OpenSBI and Shyper with its real disk and NIC; the
# checks are those of the native boot (tests/e2e/test_mvm_boot.py).
MVM_SHYPER_QEMU = $(QEMU) $(QEMU_MACHINE) -nographic -no-reboot -kernel $(abspath $(BUILD)/shyper.bin) \
                  $(MVM_QEMU_DEVICES)
test-e2e-mvm: all $(MVM_ROOTFS)
	@mkdir -p $(RESULTS) $(BUILD)/test-logs
	$(Q)$(PYTHON) tests/e2e/test_mvm_boot.py --log $(BUILD)/test-logs/e2e-mvm.log \
		--results $(RESULTS)/e2e-mvm -- $(MVM_SHYPER_QEMU)

# ---------------------------------------------------------------- everything
# Fragments included earlier (cli/, image/, kmod/) have appended their suites already.
TEST_SUITES := test-unit test-guests $(TEST_SUITES) test-e2e-mvm

test: $(DEPS_STAMP)
	@rm -rf $(RESULTS)
	-$(Q)for s in $(TEST_SUITES); do $(MAKE) --no-print-directory $$s || true; done
	$(Q)$(PYTHON) tests/run_suite.py --summary $(RESULTS) $(TEST_SUITES)
