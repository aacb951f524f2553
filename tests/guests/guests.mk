# Bare-metal test guests: every tests/guests/*.c is one guest, linked with the runtime
# in tests/guests/lib/ into build/guests/<name>.bin (loaded at 0x90000000).

GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdlib \
                -fno-pic -fno-pie -mcmodel=medany -march=rv64gc -mabi=lp64d \
                -Iinclude -Ikernel/include -Ikernel/include/libc -Itests/guests -Itests/guests/configs \
                -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
                 -T tests/guests/lib/guest.ld
GUEST_LIB_SRCS := tests/guests/lib/crt0.S tests/guests/lib/guest.c kernel/lib/vsnprintf.c \
                  kernel/lib/string.c
GUEST_LIB_OBJS := $(patsubst %,$(BUILD)/guests/obj/%.o,$(GUEST_LIB_SRCS))
GUEST_NAMES := $(basename $(notdir $(wildcard tests/guests/*.c)))
GUEST_BINS := $(patsubst %,$(BUILD)/guests/%.bin,$(GUEST_NAMES))

$(BUILD)/guests/obj/%.c.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $< [guest]"
	$(Q)$(CC) $(GUEST_CFLAGS) $(GUEST_EMBED_DEFS) $(GUEST_DEFS) -c $< -o $@

# A guest whose first line is "// GUEST_EMBEDS: a b" carries build/guests/a.bin and b.bin
# (e.g. to start them as VMs of its own): they are built first, and the path of each is
# -DGUEST_EMBED_<name>="<path>" for an .incbin.
GUEST_EMBEDDERS := $(basename $(notdir $(shell grep -l '^// GUEST_EMBEDS:' tests/guests/*.c)))
guest_embeds = $(strip $(shell sed -n '1s|^// GUEST_EMBEDS:||p' tests/guests/$(1).c))
define guest_embed_rule
$(BUILD)/guests/obj/tests/guests/$(1).c.o: $(patsubst %,$(BUILD)/guests/%.bin,$(2))
$(BUILD)/guests/obj/tests/guests/$(1).c.o: private GUEST_EMBED_DEFS := $(foreach e,$(2),-DGUEST_EMBED_$(e)='"$(abspath $(BUILD)/guests/$(e).bin)"')
endef
$(foreach g,$(GUEST_EMBEDDERS),$(eval $(call guest_embed_rule,$(g),$(call guest_embeds,$(g)))))

$(BUILD)/guests/obj/%.S.o: %.S
	@mkdir -p $(@D)
	@echo "  AS      $< [guest]"
	$(Q)$(CC) $(GUEST_CFLAGS) -c $< -o $@

# A guest with lines "// GUEST_SOURCES: dir/a.c dir/b.S" (as many as needed) is linked
# with those files too (paths under tests/guests/, in a subdirectory so that they are not
# guests of their own).
GUEST_MULTI := $(basename $(notdir $(shell grep -l '^// GUEST_SOURCES:' tests/guests/*.c)))
guest_sources = $(patsubst %,$(BUILD)/guests/obj/tests/guests/%.o,$(strip $(shell sed -n 's|^// GUEST_SOURCES:||p' tests/guests/$(1).c)))
define guest_sources_rule
$(BUILD)/guests/$(1).elf: $(2)
$(BUILD)/guests/$(1).elf: private GUEST_EXTRA_OBJS := $(2)
endef
$(foreach g,$(GUEST_MULTI),$(eval $(call guest_sources_rule,$(g),$(call guest_sources,$(g)))))

$(BUILD)/guests/%.elf: $(BUILD)/guests/obj/tests/guests/%.c.o $(GUEST_LIB_OBJS) tests/guests/lib/guest.ld
	$(Q)$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_EXTRA_OBJS) $(GUEST_LIB_OBJS) -lgcc

$(BUILD)/guests/%.bin: $(BUILD)/guests/%.elf
	$(Q)$(OBJCOPY) -O binary $< $@

guests: $(DEPS_STAMP) $(GUEST_BINS)

# `make test-guests HOSTILE_SEED=0x...` replays the hostile guests with another seed
# (hostile_mvm.c prints the one it used), HOSTILE_SCALE=10 runs 10 % of their operations
# (for a quick try); a stamp rebuilds that guest when either changes.
HOSTILE_SEED ?=
HOSTILE_SCALE ?=
HOSTILE_DEFS := $(if $(HOSTILE_SEED),-DHOSTILE_SEED=$(HOSTILE_SEED)) \
                $(if $(HOSTILE_SCALE),-DHOSTILE_SCALE=$(HOSTILE_SCALE))
HOSTILE_STAMP := $(BUILD)/guests/hostile_defs.stamp
$(HOSTILE_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(HOSTILE_DEFS)' | cmp -s - $@ || echo '$(HOSTILE_DEFS)' > $@
$(BUILD)/guests/obj/tests/guests/hostile_mvm.c.o: $(HOSTILE_STAMP)
$(BUILD)/guests/obj/tests/guests/hostile_mvm.c.o: private GUEST_DEFS := $(HOSTILE_DEFS)

-include $(shell find $(BUILD)/guests/obj -name '*.d' 2>/dev/null)
