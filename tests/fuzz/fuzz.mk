# tests/fuzz/fuzz.mk: libFuzzer targets on the host, included by the top-level Makefile.
#
#   make fuzz         run every target for FUZZ_SECONDS (default 60) each; a crash fails the
#                     run and leaves its reproducer in build/fuzz/artifacts/<name>/
#   make test-fuzz    suite of `make test` (results in $(RESULTS)/fuzz): every file in
#                     tests/fuzz/regressions/<name>/ through its target once, then a short
#                     pass of FUZZ_CI_SECONDS (default 10) per target
#   make fuzz-build   only build the targets (build/fuzz/fuzz_<name>)
#   FUZZ_TARGETS="vm_fdt vplic"   restrict either run to some targets
#
# Every tests/fuzz/fuzz_<name>.c is one target (docs/security.md lists them).  Like the unit
# tests, its FIRST LINE names the project sources it links:
#     // FUZZ_SOURCES: vmm/vm_fdt.c
# and an optional second line extra objects or libraries:
#     // FUZZ_LDLIBS: $(FUZZ_LIBFDT) -l:libfdt.a
# $(CJSON_DIR) and $(FUZZ_LIBFDT) may appear in both.  $(FUZZ_LIBFDT) is the hypervisor's own
# libfdt ($(LIBFDT_DIR)) built with the fuzzer's instrumentation; Debian's static libfdt then
# only adds fdt_check_full(), which the hypervisor's copy lacks.
#
# Corpora live in build/fuzz/corpus/<name>, seeded from tests/fuzz/seeds/<name>/ and the
# files FUZZ_SEEDS_<name> names; tests/fuzz/dicts/<name>.dict is passed as -dict when present.
# Included after tests/tests.mk (UNIT_DTBS, RESULTS, .SECONDEXPANSION).
# Needs clang with libFuzzer (Debian: clang and libclang-rt-14-dev, in scripts/deps.sh).

FUZZ_CC         ?= clang
FUZZ_SECONDS    ?= 60
FUZZ_CI_SECONDS ?= 10
FUZZ_DIR        := $(BUILD)/fuzz
FUZZ_SANITIZE   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS     := -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror \
                   $(FUZZ_SANITIZE) -Iinclude -Iarch/riscv64/include -Ikernel/include \
                   -Ivmm/include -Idevice/include -Iconfig/include -Icli -Itests/fuzz/lib \
                   -I$(CJSON_DIR) -I$(LIBFDT_DIR)
FUZZ_LIB_SRCS   := $(addprefix tests/fuzz/lib/,fuzz_host.c fuzz_input.c fuzz_ring.c)
# One compiler run builds a whole target from several sources, so -MMD cannot list the
# headers of each: any project header rebuilds every target.
FUZZ_HEADERS    := $(shell find include arch kernel vmm device config cli tests/fuzz/lib \
                     -name '*.h' 2>/dev/null)
FUZZ_NAMES      := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS    ?= $(FUZZ_NAMES)

# The hypervisor's libfdt, instrumented.  Third-party code: its warnings are not errors, and
# it reads the header fields of a blob at any alignment with byte loads (fdt64_ld_) through
# pointers to its structures, which -fsanitize=alignment would report.
FUZZ_LIBFDT      := $(FUZZ_DIR)/libfdt.a
FUZZ_LIBFDT_OBJS := $(patsubst %,$(FUZZ_DIR)/libfdt/%.o,$(LIBFDT_NAMES))

$(FUZZ_DIR)/libfdt/%.o: $(LIBFDT_STAMP) scripts/libfdt.mk
	@mkdir -p $(@D)
	@echo "  FUZZCC  libfdt/$*.c"
	$(Q)$(FUZZ_CC) $(filter-out -Wextra -Werror,$(FUZZ_CFLAGS)) -fsanitize=fuzzer-no-link \
		-fno-sanitize=alignment $(LIBFDT_ASSUME_FUZZ) -c $(LIBFDT_DIR)/$*.c -o $@

$(FUZZ_LIBFDT): $(FUZZ_LIBFDT_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

# Seeds besides tests/fuzz/seeds/<name>/: the CLI's example configs, the unit tests' trees.
FUZZ_SEEDS_cli_config := $(wildcard cli/examples/*.json cli/tests/*.json)
FUZZ_SEEDS_vm_fdt     := $(UNIT_DTBS)
# libFuzzer options of a target: room for what follows the seed (a host tree's parameters, a
# spec's image chunks).
FUZZ_OPTIONS_vm_fdt   := -max_len=16384
FUZZ_OPTIONS_vm_spec  := -max_len=8192

fuzz_expand = $(subst $$(FUZZ_LIBFDT),$(FUZZ_LIBFDT),$(subst $$(CJSON_DIR),$(CJSON_DIR),$(1)))
fuzz_line   = $(call fuzz_expand,$(shell sed -n '$(2)s|^// $(3):||p' tests/fuzz/fuzz_$(1).c))
fuzz_sources = $(call fuzz_line,$(1),1,FUZZ_SOURCES)
fuzz_ldlibs  = $(call fuzz_line,$(1),2,FUZZ_LDLIBS)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRCS) $(FUZZ_HEADERS) \
		$$(call fuzz_sources,$$*) $$(filter $(FUZZ_LIBFDT),$$(call fuzz_ldlibs,$$*)) \
		| $(CJSON_STAMP) $(LIBFDT_STAMP)
	@mkdir -p $(@D)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_SRCS) \
		$(call fuzz_sources,$*) $(call fuzz_ldlibs,$*)

FUZZ_RUN = $(PYTHON) tests/fuzz/run_fuzz.py --build $(FUZZ_DIR) \
	$(foreach n,$(FUZZ_TARGETS),--target $(n) $(FUZZ_DIR)/fuzz_$(n) \
		$(foreach s,$(FUZZ_SEEDS_$(n)),--seed $(n) $(s)) \
		$(foreach o,$(FUZZ_OPTIONS_$(n)),--option $(n)=$(o)))

.PHONY: fuzz fuzz-build test-fuzz
fuzz-build: $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))

fuzz: fuzz-build $(FUZZ_SEEDS_vm_fdt)
	$(Q)$(FUZZ_RUN) --seconds $(FUZZ_SECONDS)

test-fuzz: fuzz-build $(FUZZ_SEEDS_vm_fdt)
	@mkdir -p $(RESULTS)
	$(Q)$(FUZZ_RUN) --seconds $(FUZZ_CI_SECONDS) --regressions --results $(RESULTS)/fuzz

TEST_SUITES += test-fuzz
