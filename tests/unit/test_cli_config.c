// UNIT_SOURCES: cli/config_diag.c cli/config_number.c cli/json_comments.c cli/json_fields.c cli/vm_config_names.c cli/vm_config_parse.c cli/vm_config_check.c cli/vm_config_format.c cli/mediated_config.c $(CJSON_DIR)/cJSON.c
/* The `shyper vm config` JSON reader and validator (cli/), and the mediated-disk list parser.
 * cli/cli.mk adds -I$(CJSON_DIR) to UNIT_EXTRA_CFLAGS for cJSON.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/config_number.h"
#include "../../cli/json_comments.h"
#include "../../cli/mediated_config.h"
#include "../../cli/vm_config.h"
#include "../../cli/vm_config_format.h"
#include "unit_test.h"

/* ---------------------------------------------------------------- helpers */

/* A valid Linux guest, close to cli/examples/vm1.json.  Tests edit it with load_edited(). */
static const char base_config[] =
    "{\n"
    "  \"name\": \"guest\",\n"
    "  \"type\": \"VM_T_LINUX\",\n"
    "  // a comment\n"
    "  \"cmdline\": \"earlycon=sbi console=hvc1 root=/dev/vda rw\",\n"
    "  \"image\": {\n"
    "    \"kernel_filename\": \"Image\",\n"
    "    \"kernel_load_ipa\": \"0x80200000\",\n"
    "    \"kernel_entry_point\": \"0x80200000\",\n"
    "    \"device_tree_filename\": \"\",\n"
    "    \"device_tree_load_ipa\": \"0x8f000000\",\n"
    "    \"ramdisk_filename\": \"\",\n"
    "    \"ramdisk_load_ipa\": \"0\"\n"
    "  },\n"
    "  \"memory\": { \"region\": [ { \"ipa_start\": \"0x80000000\", \"length\": \"0x10000000\" } ] "
    "},\n"
    "  \"cpu\": { \"num\": 2, \"allocate_bitmap\": \"0b0110\", \"master\": 1 },\n"
    "  \"emulated_device\": { \"emulated_device_list\": [\n"
    "    { \"name\": \"plic@c000000\", \"base_ipa\": \"0xc000000\", \"length\": \"0x600000\",\n"
    "      \"type\": \"EMU_DEVICE_T_PLIC\" },\n"
    "    { \"name\": \"virtio_blk@10001000\", \"base_ipa\": \"0x10001000\", \"length\": "
    "\"0x1000\",\n"
    "      \"irq_id\": 19, \"cfg_list\": [0, 131072], \"type\": "
    "\"EMU_DEVICE_T_VIRTIO_BLK_MEDIATED\" },\n"
    "    { \"name\": \"virtio_net@50000000\", \"base_ipa\": \"0x50000000\", \"length\": "
    "\"0x1000\",\n"
    "      \"irq_id\": 20, \"cfg_list\": [\"0x74\", \"0x56\", \"0xaa\", \"0x0f\", \"0x47\", "
    "\"0xd1\"],\n"
    "      \"type\": \"EMU_DEVICE_T_VIRTIO_NET\" },\n"
    "    { \"name\": \"virtio_console@40001000\", \"base_ipa\": \"0x40001000\", \"length\": "
    "\"0x1000\",\n"
    "      \"irq_id\": 21, \"cfg_list\": [0, \"0x40001000\"], \"type\": "
    "\"EMU_DEVICE_T_VIRTIO_CONSOLE\" }\n"
    "  ] },\n"
    "  \"passthrough_device\": { \"passthrough_device_list\": [] }\n"
    "}\n";

#define TEXT_SIZE 16384

static struct vm_config_spec cfg;
static struct config_diag diag;
static char diag_text[CONFIG_DIAG_MAX * (CONFIG_PATH_SIZE + CONFIG_DIAG_MSG_SIZE + 16)];

/* Every diagnostic as "error: <path>: <msg>" or "warning: ...", one per line. */
static const char *render_diag(void)
{
    size_t n = 0;
    diag_text[0] = '\0';
    for (unsigned i = 0; i < diag.count; i++) {
        const struct config_diag_entry *e = &diag.entries[i];
        n += (size_t)snprintf(diag_text + n, sizeof(diag_text) - n, "%s: %s%s%s\n",
                              e->severity == CONFIG_ERROR ? "error" : "warning", e->path,
                              e->path[0] ? ": " : "", e->msg);
    }
    return diag_text;
}

static bool load_text(const char *text, const struct vm_machine *machine)
{
    config_diag_init(&diag);
    bool ok = vm_config_load(text, strlen(text), machine, &cfg, &diag);
    render_diag();
    return ok;
}

static bool load(const char *text)
{
    static const struct vm_machine machine = VM_MACHINE_DEFAULT;
    return load_text(text, &machine);
}

/* Replace the first occurrence of `from` by `to` in `text` (the edit must apply). */
static void edit(char *text, const char *from, const char *to)
{
    char *at = strstr(text, from);
    EXPECT_TRUE(at != NULL);
    if (!at)
        return;
    size_t from_len = strlen(from), to_len = strlen(to), tail = strlen(at + from_len);
    EXPECT_TRUE(strlen(text) - from_len + to_len < TEXT_SIZE);
    memmove(at + to_len, at + from_len, tail + 1);
    memcpy(at, to, to_len);
}

/* base_config with edits (from, to, from, to, ..., NULL) applied. */
static const char *edited(const char *from, ...)
{
    static char text[TEXT_SIZE];
    va_list ap;
    strcpy(text, base_config);
    va_start(ap, from);
    for (const char *f = from; f; f = va_arg(ap, const char *))
        edit(text, f, va_arg(ap, const char *));
    va_end(ap);
    return text;
}

#define load_edited(...) load(edited(__VA_ARGS__, NULL))

/* The directory of this file, to find the fixtures in cli/. */
static void repo_path(char *out, size_t size, const char *relative)
{
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    snprintf(out, size, "%.*s/../../%s", dir_len, slash ? __FILE__ : ".", relative);
}

static char *read_fixture(const char *relative, size_t *len)
{
    char path[512];
    repo_path(path, sizeof(path), relative);
    FILE *f = fopen(path, "rb");
    EXPECT_TRUE(f != NULL);
    if (!f)
        return NULL;
    static char text[TEXT_SIZE];
    *len = fread(text, 1, sizeof(text) - 1, f);
    text[*len] = '\0';
    fclose(f);
    return text;
}

static bool load_fixture(const char *relative)
{
    size_t len;
    char *text = read_fixture(relative, &len);
    return text && load(text);
}

/* ---------------------------------------------------------------- accepted files */

TEST(cli_config_guide_example_parses)
{
    EXPECT_TRUE(load_fixture("cli/tests/vm1_config_riscv.json"));
    EXPECT_EQ(diag.errors, 0);
    EXPECT_EQ(diag.warnings, 1); /* the named initrd is not loaded: ramdisk_load_ipa is "0" */
    EXPECT_STR_CONTAINS(diag_text, "warning: image.ramdisk_filename: \"initrd.gz\" is not loaded");
    EXPECT_STR_EQ(cfg.name, "guest-os-1");
    EXPECT_EQ(cfg.type, VM_TYPE_LINUX);
    EXPECT_STR_EQ(cfg.cmdline, "earlycon=sbi console=hvc1 root=/dev/vda rw audit=0");
    EXPECT_STR_EQ(cfg.image.kernel_filename, "Image");
    EXPECT_EQ(cfg.image.kernel_load_ipa, 0x80200000);
    EXPECT_EQ(cfg.image.device_tree_load_ipa, 0xa0000000);
    EXPECT_EQ(cfg.mem_region_count, 1);
    EXPECT_EQ(cfg.mem_regions[0].ipa_start, 0x80000000);
    EXPECT_EQ(cfg.mem_regions[0].length, 0x40000000);
    EXPECT_EQ(cfg.cpu.num, 3);
    EXPECT_EQ(cfg.cpu.allocate_bitmap, 0xe);
    EXPECT_EQ(cfg.cpu.master, 1);
    EXPECT_EQ(cfg.emu_device_count, 4);
    EXPECT_EQ(cfg.emu_devices[0].type, EMU_DEVICE_T_PLIC);
    EXPECT_EQ(cfg.emu_devices[1].type, EMU_DEVICE_T_VIRTIO_BLK_MEDIATED);
    EXPECT_EQ(cfg.emu_devices[1].cfg_list[1], 8192000);
    EXPECT_EQ(cfg.emu_devices[2].type, EMU_DEVICE_T_VIRTIO_NET);
    EXPECT_EQ(cfg.emu_devices[2].irq_id, 20);
    EXPECT_EQ(cfg.emu_devices[2].cfg_count, 6);
    EXPECT_EQ(cfg.emu_devices[2].cfg_list[0], 0x74);
    EXPECT_EQ(cfg.emu_devices[2].cfg_list[5], 0xd1);
    EXPECT_EQ(cfg.emu_devices[3].type, EMU_DEVICE_T_VIRTIO_CONSOLE);
    EXPECT_EQ(cfg.emu_devices[3].cfg_list[1], 0x40001000);
    EXPECT_EQ(cfg.passthrough.region_count, 0);
    EXPECT_EQ(cfg.dtb_device_count, 0);
}

TEST(cli_config_examples_are_clean)
{
    EXPECT_TRUE(load_fixture("cli/examples/vm1.json"));
    EXPECT_EQ(diag.count, 0);
    EXPECT_EQ(vm_cpu_harts(&cfg.cpu), 0x2);
    EXPECT_EQ(cfg.image.ramdisk_load_ipa, 0); /* the root is the mediated disk */
    EXPECT_EQ(cfg.emu_device_count, 4);
    EXPECT_EQ(cfg.emu_devices[0].type, EMU_DEVICE_T_PLIC);
    EXPECT_EQ(cfg.emu_devices[1].type, EMU_DEVICE_T_VIRTIO_BLK_MEDIATED);
    EXPECT_EQ(cfg.emu_devices[1].cfg_list[0], 0);
    EXPECT_TRUE(load_fixture("cli/examples/vm2.json"));
    EXPECT_EQ(diag.count, 0);
    EXPECT_STR_EQ(cfg.name, "guest-os-2");
    EXPECT_EQ(vm_cpu_harts(&cfg.cpu), 0x2); /* shared with vm1.json's guest */
}

TEST(cli_config_base_is_clean)
{
    EXPECT_TRUE(load(base_config));
    EXPECT_STR_EQ(diag_text, "");
    EXPECT_EQ(cfg.image.kernel_entry_point, 0x80200000);
}

TEST(cli_config_vm_types)
{
    EXPECT_TRUE(load_edited("VM_T_LINUX", "VM_T_BARE_MATEL_APP"));
    EXPECT_EQ(cfg.type, VM_TYPE_BARE_METAL);
    EXPECT_TRUE(load_edited("VM_T_LINUX", "VM_T_BARE_METAL_APP"));
    EXPECT_EQ(cfg.type, VM_TYPE_BARE_METAL);
    EXPECT_TRUE(!load_edited("VM_T_LINUX", "VM_T_FREERTOS"));
    EXPECT_STR_CONTAINS(diag_text, "error: type: \"VM_T_FREERTOS\" is not supported");
    EXPECT_TRUE(!load_edited("VM_T_LINUX", "linux"));
    EXPECT_STR_CONTAINS(diag_text, "error: type: \"linux\" is not a VM type");
}

/* ---------------------------------------------------------------- comments and syntax */

TEST(cli_config_comments_inside_strings_survive)
{
    EXPECT_TRUE(load_edited("earlycon=sbi console=hvc1 root=/dev/vda rw",
                            "x=http://a/*b*/ y=\\\"//\\\" z=C:\\\\", /* "..\"//\".. C:\\" */
                            "\"cmdline\"", "/* block\n comment */ \"cmdline\"", "\"memory\"",
                            "// \"memory\": 1,\n \"memory\""));
    EXPECT_STR_EQ(cfg.cmdline, "x=http://a/*b*/ y=\"//\" z=C:\\");
}

TEST(cli_config_blank_comments_keeps_offsets)
{
    char text[] = "\xef\xbb\xbf{ \"a\": \"//\\\\\", // c\n \"b\": /* x\n y */ 1 }";
    size_t open;
    EXPECT_TRUE(json_blank_comments(text, strlen(text), &open));
    EXPECT_STR_EQ(text, "   { \"a\": \"//\\\\\",     \n \"b\":     \n      1 }");
    char unclosed[] = "{ \"a\": 1 /* never\n closed }";
    EXPECT_TRUE(!json_blank_comments(unclosed, strlen(unclosed), &open));
    EXPECT_EQ(open, 9);
}

TEST(cli_config_syntax_errors_have_line_and_column)
{
    EXPECT_TRUE(!load_edited("\"ramdisk_load_ipa\": \"0\"\n", "\"ramdisk_load_ipa\": \"0\",\n"));
    EXPECT_STR_CONTAINS(diag_text, "error: line 13, column 28: invalid JSON: a comma before '}'");
    EXPECT_TRUE(!load_edited("\"type\": \"VM_T_LINUX\",", "\"type\": \"VM_T_LINUX\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: line 5, column 3: invalid JSON at '\"cmdline\": \"earlycon=sbi'");
    EXPECT_TRUE(!load_edited("// a comment", "/* a comment"));
    EXPECT_STR_CONTAINS(diag_text, "error: line 4, column 3: comment is never closed");
    EXPECT_TRUE(!load(""));
    EXPECT_STR_CONTAINS(diag_text, "error: the file is empty");
    EXPECT_TRUE(!load("[1, 2]"));
    EXPECT_STR_CONTAINS(diag_text, "error: the top level must be a JSON object, not an array");
    EXPECT_TRUE(!load("{} {}"));
    EXPECT_STR_CONTAINS(diag_text, "error: line 1, column 4: invalid JSON at '{}'");
}

/* ---------------------------------------------------------------- numbers */

static const char *num(const char *text, enum number_format format, uint64_t *value)
{
    *value = 0xdead;
    return number_from_string(text, format, value);
}

TEST(cli_config_number_strings)
{
    uint64_t v;
    EXPECT_TRUE(num("0x1F", NUMBER_HEX, &v) == NULL);
    EXPECT_EQ(v, 31);
    EXPECT_TRUE(num(" 0X1f\t", NUMBER_HEX, &v) == NULL);
    EXPECT_EQ(v, 31);
    EXPECT_TRUE(num("0", NUMBER_HEX, &v) == NULL);
    EXPECT_EQ(v, 0);
    EXPECT_TRUE(num("0xffffffffffffffff", NUMBER_HEX, &v) == NULL);
    EXPECT_EQ(v, -1);
    EXPECT_TRUE(num("0b0110", NUMBER_BITMAP, &v) == NULL);
    EXPECT_EQ(v, 6);
    EXPECT_TRUE(num("0x6", NUMBER_BITMAP, &v) == NULL);
    EXPECT_EQ(v, 6);
    EXPECT_TRUE(num("42", NUMBER_ANY, &v) == NULL);
    EXPECT_EQ(v, 42);
    EXPECT_TRUE(num("0b101", NUMBER_ANY, &v) == NULL);
    EXPECT_EQ(v, 5);

    /* Rust-Shyper dropped any two leading characters: "4096" meant 0x96. */
    EXPECT_STR_EQ(num("4096", NUMBER_HEX, &v), "is not a hex number");
    EXPECT_STR_EQ(num("1x10", NUMBER_HEX, &v), "is not a hex number");
    EXPECT_STR_EQ(num("0b1", NUMBER_HEX, &v), "is not a hex number");
    EXPECT_STR_EQ(num("0x", NUMBER_HEX, &v), "is not a hex number");
    EXPECT_STR_EQ(num("0x4000000g", NUMBER_HEX, &v), "is not a hex number");
    EXPECT_STR_EQ(num("0x1_0000", NUMBER_HEX, &v), "is not a hex number");
    EXPECT_STR_EQ(num("110", NUMBER_BITMAP, &v), "is not a binary number");
    EXPECT_STR_EQ(num("0b012", NUMBER_BITMAP, &v), "is not a binary number");
    EXPECT_STR_EQ(num("-1", NUMBER_ANY, &v), "is not a number");
    EXPECT_STR_EQ(num("", NUMBER_ANY, &v), "is not a number");
    EXPECT_STR_EQ(num("0x10000000000000000", NUMBER_HEX, &v), "does not fit in 64 bits");
    EXPECT_STR_EQ(num("18446744073709551616", NUMBER_ANY, &v), "does not fit in 64 bits");
    EXPECT_EQ(v, 0xdead); /* untouched on failure */
}

TEST(cli_config_number_json)
{
    uint64_t v = 0;
    EXPECT_TRUE(number_from_json(0, &v) == NULL);
    EXPECT_TRUE(number_from_json(4096, &v) == NULL);
    EXPECT_EQ(v, 4096);
    EXPECT_TRUE(number_from_json((double)JSON_EXACT_INT_MAX, &v) == NULL);
    EXPECT_TRUE(v == JSON_EXACT_INT_MAX);
    EXPECT_STR_EQ(number_from_json(-1, &v), "is negative");
    EXPECT_STR_EQ(number_from_json(1.5, &v), "is not an integer");
    EXPECT_STR_CONTAINS(number_from_json(9007199254740992.0, &v), "is too large");
    EXPECT_STR_CONTAINS(number_from_json(1e30, &v), "write it as a hex string");
}

TEST(cli_config_number_forms_in_fields)
{
    /* JSON integers are accepted where Rust-Shyper wanted hex strings. */
    EXPECT_TRUE(load_edited("\"0x80000000\"", "2147483648", "\"0b0110\"", "6", "\"irq_id\": 19",
                            "\"irq_id\": \"0x13\""));
    EXPECT_EQ(cfg.mem_regions[0].ipa_start, 0x80000000);
    EXPECT_EQ(cfg.cpu.allocate_bitmap, 6);
    EXPECT_EQ(cfg.emu_devices[1].irq_id, 19);

    EXPECT_TRUE(!load_edited("\"length\": \"0x10000000\"", "\"length\": \"0x4000000g\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: memory.region[0].length: \"0x4000000g\" is not a hex number\n");
    EXPECT_TRUE(!load_edited("\"irq_id\": 20", "\"irq_id\": -1"));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: emulated_device.emulated_device_list[2].irq_id: -1 is negative");
    EXPECT_TRUE(!load_edited("\"irq_id\": 20", "\"irq_id\": 20.5"));
    EXPECT_STR_CONTAINS(diag_text, "irq_id: 20.5 is not an integer");
    EXPECT_TRUE(!load_edited("\"num\": 2", "\"num\": \"0x100000000\""));
    EXPECT_STR_CONTAINS(diag_text, "error: cpu.num: 0x100000000 does not fit in 32 bits");
    EXPECT_TRUE(!load_edited("\"0x10000000\"", "\"0x10000000000000000\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "memory.region[0].length: \"0x10000000000000000\" does not fit in 64 bits");
    EXPECT_TRUE(!load_edited("\"0x10000000\"", "1e20"));
    EXPECT_STR_CONTAINS(diag_text, "memory.region[0].length: 1e+20 is too large");
    EXPECT_TRUE(!load_edited("\"0b0110\"", "\"6\""));
    EXPECT_STR_CONTAINS(diag_text, "error: cpu.allocate_bitmap: \"6\" is not a binary number");
    EXPECT_TRUE(!load_edited("\"0x80200000\",\n    \"kernel_entry_point\"",
                             "[],\n    \"kernel_entry_point\""));
    EXPECT_STR_CONTAINS(diag_text, "error: image.kernel_load_ipa: expected a hex string "
                                   "(\"0x...\") or an integer, got an array");
}

/* ---------------------------------------------------------------- fields */

TEST(cli_config_required_fields_and_types)
{
    EXPECT_TRUE(!load_edited("\"name\": \"guest\",", ""));
    EXPECT_STR_CONTAINS(diag_text, "error: name: missing\n");
    EXPECT_TRUE(
        !load_edited("\"name\": \"guest\"", "\"name\": \"0123456789012345678901234567890x\""));
    EXPECT_STR_CONTAINS(diag_text, "error: name: \"0123456789012345678901234567890x\" is longer "
                                   "than 31 bytes");
    EXPECT_TRUE(
        load_edited("\"name\": \"guest\"", "\"name\": \"0123456789012345678901234567890\""));
    EXPECT_TRUE(!load_edited("\"name\": \"guest\"", "\"name\": \"\""));
    EXPECT_STR_CONTAINS(diag_text, "error: name: must not be empty");
    EXPECT_TRUE(!load_edited("\"name\": \"guest\"", "\"name\": \"a\\tb\""));
    EXPECT_STR_CONTAINS(diag_text, "error: name: contains a control character");
    EXPECT_TRUE(!load_edited("\"cpu\": {", "\"cpu\": [], \"x\": {"));
    EXPECT_STR_CONTAINS(diag_text, "error: cpu: expected an object, got an array");
    EXPECT_TRUE(!load_edited("\"kernel_filename\": \"Image\",", ""));
    EXPECT_STR_CONTAINS(diag_text, "error: image.kernel_filename: missing");
    EXPECT_TRUE(!load_edited("\"type\": \"VM_T_LINUX\"", "\"type\": 0"));
    EXPECT_STR_CONTAINS(diag_text, "error: type: expected a string, got a number");
}

TEST(cli_config_all_errors_in_one_run)
{
    EXPECT_TRUE(!load_edited("\"name\": \"guest\",", "", "\"0x80200000\"", "\"0x8020000z\"",
                             "\"0b0110\"", "\"0b0120\"", "\"irq_id\": 21", "\"irq_id\": \"x\""));
    EXPECT_EQ(diag.errors, 4);
    EXPECT_STR_CONTAINS(diag_text, "error: name: missing\n");
    EXPECT_STR_CONTAINS(diag_text, "error: image.kernel_load_ipa: \"0x8020000z\" is not a hex");
    EXPECT_STR_CONTAINS(diag_text, "error: cpu.allocate_bitmap: \"0b0120\" is not a binary");
    EXPECT_STR_CONTAINS(diag_text, "error: emulated_device.emulated_device_list[3].irq_id: \"x\"");
}

TEST(cli_config_unknown_keys_and_counts_warn)
{
    EXPECT_TRUE(load_edited("\"ramdisk_load_ipa\"", "\"ramdisk_load_ip\": 1, \"ramdisk_load_ipa\"",
                            "\"region\"", "\"num\": 2, \"region\""));
    EXPECT_STR_CONTAINS(diag_text, "warning: image.ramdisk_load_ip: unknown key (ignored)\n");
    EXPECT_STR_CONTAINS(diag_text,
                        "warning: memory.num: 2 does not match the actual count, 1 (ignored)\n");
    EXPECT_TRUE(!load_edited("\"region\"", "\"colors\": \"0-3\", \"region\""));
    EXPECT_STR_CONTAINS(diag_text, "error: memory.colors: cache colouring is not supported");
}

/* ---------------------------------------------------------------- memory and image */

TEST(cli_config_memory_regions)
{
    EXPECT_TRUE(
        !load_edited("[ { \"ipa_start\": \"0x80000000\", \"length\": \"0x10000000\" } ]", "[]"));
    EXPECT_STR_CONTAINS(diag_text, "error: memory.region: must list at least one region");
    EXPECT_TRUE(!load_edited("\"0x80000000\", \"length\"", "\"0x80000800\", \"length\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: memory.region[0].ipa_start: 0x80000800 is not 4 KiB-aligned");
    EXPECT_TRUE(!load_edited("\"length\": \"0x10000000\"", "\"length\": \"0x10000001\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: memory.region[0].length: 0x10000001 is not 4 KiB-aligned");
    EXPECT_TRUE(!load_edited("\"length\": \"0x10000000\"", "\"length\": \"0\""));
    EXPECT_STR_CONTAINS(diag_text, "error: memory.region[0].length: must not be 0");
    EXPECT_TRUE(!load_edited("\"0x80000000\", \"length\": \"0x10000000\"",
                             "\"0xfffffffffffff000\", \"length\": \"0x2000\""));
    EXPECT_STR_CONTAINS(diag_text, "error: memory.region[0]: [0xfffffffffffff000, +0x2000) ends "
                                   "beyond the 41-bit guest-physical address space");
    EXPECT_TRUE(!load_edited("\"length\": \"0x10000000\" }",
                             "\"length\": \"0x10000000\" }, { \"ipa_start\": \"0x8ffff000\", "
                             "\"length\": \"0x2000\" }"));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: memory.region[1]: memory.region[1] [0x8ffff000, "
                        "0x90001000) overlaps memory.region[0] [0x80000000, 0x90000000)");
    EXPECT_TRUE(load_edited("\"length\": \"0x10000000\" }",
                            "\"length\": \"0x10000000\" }, { \"ipa_start\": \"0x90000000\", "
                            "\"length\": \"0x2000\" }"));
}

TEST(cli_config_too_many_regions)
{
    char regions[1024] = "";
    for (unsigned i = 0; i <= VM_MEM_REGION_MAX; i++)
        snprintf(regions + strlen(regions), sizeof(regions) - strlen(regions),
                 "%s{ \"ipa_start\": \"0x%x\", \"length\": \"0x1000\" }", i ? ", " : "",
                 0x80000000u + i * 0x10000000u);
    EXPECT_TRUE(
        !load_edited("{ \"ipa_start\": \"0x80000000\", \"length\": \"0x10000000\" }", regions));
    EXPECT_STR_CONTAINS(diag_text, "error: memory.region: has 9 entries; at most 8 are allowed");
}

TEST(cli_config_image_addresses)
{
    EXPECT_TRUE(!load_edited("\"0x80200000\"", "\"0x70000000\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: image.kernel_load_ipa: 0x70000000 is not inside a memory region");
    EXPECT_TRUE(
        !load_edited("\"0x80200000\"", "\"0x80100000\"", "\"0x80200000\"", "\"0x80100000\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: image.kernel_load_ipa: 0x80100000 is not aligned to 0x200000");
    EXPECT_TRUE(load_edited("VM_T_LINUX", "VM_T_BARE_METAL_APP", "\"0x80200000\"", "\"0x80100000\"",
                            "\"0x80200000\"", "\"0x80100004\""));
    EXPECT_EQ(cfg.image.kernel_entry_point, 0x80100004);
    EXPECT_TRUE(!load_edited("\"kernel_entry_point\": \"0x80200000\"",
                             "\"kernel_entry_point\": \"0x1000\""));
    EXPECT_STR_CONTAINS(diag_text, "error: image.kernel_entry_point: 0x1000 is not inside");
    EXPECT_TRUE(!load_edited("\"0x8f000000\"", "\"0xa0000000\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: image.device_tree_load_ipa: 0xa0000000 is not inside a memory");
    EXPECT_TRUE(!load_edited("\"0x8f000000\"", "\"0x8f000004\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: image.device_tree_load_ipa: 0x8f000004 is not aligned to 0x8");
    EXPECT_TRUE(!load_edited("\"0x8f000000\"", "\"0x80200000\""));
    EXPECT_STR_CONTAINS(
        diag_text, "error: image.device_tree_load_ipa: 0x80200000 is also image.kernel_load_ipa");
}

TEST(cli_config_ramdisk)
{
    EXPECT_TRUE(load_edited("\"ramdisk_filename\": \"\"", "\"ramdisk_filename\": \"initrd.gz\"",
                            "\"ramdisk_load_ipa\": \"0\"", "\"ramdisk_load_ipa\": \"0x8c000000\""));
    EXPECT_EQ(diag.count, 0);
    EXPECT_EQ(cfg.image.ramdisk_load_ipa, 0x8c000000);
    EXPECT_TRUE(
        !load_edited("\"ramdisk_load_ipa\": \"0\"", "\"ramdisk_load_ipa\": \"0x8c000000\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: image.ramdisk_filename: missing, but image.ramdisk_load_ipa is "
                        "0x8c000000");
    EXPECT_TRUE(!load_edited("\"ramdisk_filename\": \"\"", "\"ramdisk_filename\": \"x\"",
                             "\"ramdisk_load_ipa\": \"0\"", "\"ramdisk_load_ipa\": \"0x10000\""));
    EXPECT_STR_CONTAINS(diag_text, "error: image.ramdisk_load_ipa: 0x10000 is not inside");
}

/* ---------------------------------------------------------------- harts */

TEST(cli_config_harts)
{
    EXPECT_TRUE(!load_edited("\"0b0110\", \"master\": 1", "\"0b1110\", \"master\": 5"));
    EXPECT_STR_CONTAINS(diag_text, "error: cpu.master: 5 is not in allocate_bitmap 0b1110\n");

    EXPECT_TRUE(load_edited("\"0b0110\"", "\"0b1110\""));
    EXPECT_STR_CONTAINS(diag_text, "warning: cpu.num: 2 is less than the 3 harts in "
                                   "allocate_bitmap 0b1110; only harts 0b0110 are used\n");
    EXPECT_EQ(vm_cpu_harts(&cfg.cpu), 0x6);

    EXPECT_TRUE(!load_edited("\"0b0110\", \"master\": 1", "\"0b1110\", \"master\": 3"));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: cpu.master: 3 is not among the harts used (0b0110: cpu.num is 2)");
    EXPECT_TRUE(!load_edited("\"num\": 2", "\"num\": 3"));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: cpu.num: 3 is more than the 2 harts in allocate_bitmap 0b0110");
    EXPECT_TRUE(!load_edited("\"num\": 2", "\"num\": 0"));
    EXPECT_STR_CONTAINS(diag_text, "error: cpu.num: must be at least 1");
    EXPECT_TRUE(!load_edited("\"0b0110\"", "\"0b0000\""));
    EXPECT_STR_CONTAINS(diag_text, "error: cpu.allocate_bitmap: 0b0000 selects no hart");
    EXPECT_TRUE(!load_edited("\"0b0110\"", "\"0b0011\""));
    EXPECT_STR_CONTAINS(diag_text, "error: cpu.allocate_bitmap: 0b0011 selects hart 0, which the "
                                   "MVM (VM 0) owns exclusively");
    EXPECT_TRUE(!load_edited("\"0b0110\"", "\"0b100000110\""));
    EXPECT_STR_CONTAINS(diag_text, "error: cpu.allocate_bitmap: 0b100000110 selects hart 8, but "
                                   "the machine has 8 harts (0..7)");
}

TEST(cli_config_harts_of_the_machine)
{
    const struct vm_machine four = {.hart_count = 4, .reserved_harts = 0x1};
    const struct vm_machine shared = {.hart_count = 8, .reserved_harts = 0x0};
    EXPECT_TRUE(!load_text(edited("\"0b0110\"", "\"0b10010\"", NULL), &four));
    EXPECT_STR_CONTAINS(diag_text, "error: cpu.allocate_bitmap: 0b10010 selects hart 4, but the "
                                   "machine has 4 harts (0..3)");
    EXPECT_TRUE(load_text(edited("\"0b0110\"", "\"0b0011\"", NULL), &shared));
}

/* ---------------------------------------------------------------- devices */

TEST(cli_config_device_overlaps)
{
    EXPECT_TRUE(!load_edited("\"0x50000000\"", "\"0x10001000\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: emulated_device.emulated_device_list[2].base_ipa: device "
                        "\"virtio_net@50000000\" [0x10001000, 0x10002000) overlaps "
                        "device \"virtio_blk@10001000\" [0x10001000, 0x10002000)\n");
    EXPECT_TRUE(!load_edited("\"0x40001000\", \"length\"", "\"0x8ffff000\", \"length\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: emulated_device.emulated_device_list[3].base_ipa: device "
                        "\"virtio_console@40001000\" [0x8ffff000, 0x90000000) overlaps "
                        "memory.region[0] [0x80000000, 0x90000000)");
    EXPECT_TRUE(!load_edited("\"length\": \"0x600000\"", "\"length\": \"0x0\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "error: emulated_device.emulated_device_list[0].length: must not be 0");
    EXPECT_TRUE(!load_edited("\"0x50000000\", \"length\": \"0x1000\"",
                             "\"0x1fffffff000\", \"length\": \"0x2000\""));
    EXPECT_STR_CONTAINS(diag_text, "error: emulated_device.emulated_device_list[2].length: "
                                   "[0x1fffffff000, +0x2000) ends beyond");
}

TEST(cli_config_device_types)
{
    EXPECT_TRUE(!load_edited("EMU_DEVICE_T_PLIC", "EMU_DEVICE_T_FOO"));
    EXPECT_STR_CONTAINS(diag_text, "error: emulated_device.emulated_device_list[0].type: "
                                   "\"EMU_DEVICE_T_FOO\" is not an emulated device type");
    EXPECT_TRUE(!load_edited("EMU_DEVICE_T_PLIC", "EMU_DEVICE_T_GICD"));
    EXPECT_STR_CONTAINS(diag_text, "\"EMU_DEVICE_T_GICD\" is not supported on riscv64");
    EXPECT_TRUE(!load_edited("{ \"name\": \"virtio_net@50000000\"",
                             "{ \"name\": \"aplic\", \"base_ipa\": \"0xd000000\", \"length\": "
                             "\"0x8000\", \"type\": \"EMU_DEVICE_T_APLIC\" },\n"
                             "{ \"name\": \"virtio_net@50000000\""));
    EXPECT_STR_CONTAINS(diag_text, "error: emulated_device.emulated_device_list[2].type: a VM has "
                                   "one interrupt controller; device \"plic@c000000\" is one");
    EXPECT_TRUE(load_edited("EMU_DEVICE_T_PLIC", "EMU_DEVICE_T_CONSOLE"));
    EXPECT_STR_CONTAINS(diag_text, "warning: emulated_device.emulated_device_list: there is no "
                                   "EMU_DEVICE_T_PLIC device");
}

TEST(cli_config_device_irqs)
{
    EXPECT_TRUE(!load_edited("\"irq_id\": 20, ", ""));
    EXPECT_STR_CONTAINS(diag_text, "error: emulated_device.emulated_device_list[2].irq_id: "
                                   "missing: EMU_DEVICE_T_VIRTIO_NET needs an IRQ in 1..1023");
    EXPECT_TRUE(!load_edited("\"irq_id\": 20", "\"irq_id\": 1024"));
    EXPECT_STR_CONTAINS(diag_text, "list[2].irq_id: 1024 is not in 1..1023");
    EXPECT_TRUE(!load_edited("\"irq_id\": 21", "\"irq_id\": 20"));
    EXPECT_STR_CONTAINS(diag_text, "error: emulated_device.emulated_device_list[3].irq_id: 20 is "
                                   "already used by device \"virtio_net@50000000\"");
    /* The interrupt controller's irq_id is ignored (the guide gives its PLIC irq_id 1). */
    EXPECT_TRUE(load_edited("\"type\": \"EMU_DEVICE_T_PLIC\"",
                            "\"irq_id\": 19, \"type\": \"EMU_DEVICE_T_PLIC\""));
}

TEST(cli_config_device_cfg_lists)
{
    EXPECT_TRUE(!load_edited("[0, \"0x40001000\"]", "[0]"));
    EXPECT_STR_CONTAINS(diag_text, "error: emulated_device.emulated_device_list[3].cfg_list: has 1 "
                                   "entry; EMU_DEVICE_T_VIRTIO_CONSOLE needs 2: peer VM id, peer "
                                   "console base IPA");
    EXPECT_TRUE(!load_edited("[0, \"0x40001000\"]", "[9, \"0x40001000\"]"));
    EXPECT_STR_CONTAINS(diag_text, "list[3].cfg_list[0]: peer VM id 9 is not in 0..7");
    EXPECT_TRUE(!load_edited("\"0xd1\"", "\"0x100\""));
    EXPECT_STR_CONTAINS(diag_text, "list[2].cfg_list[5]: 0x100 is not a byte (0..0xff)");
    EXPECT_TRUE(!load_edited("\"0x74\"", "\"0x75\""));
    EXPECT_STR_CONTAINS(diag_text,
                        "list[2].cfg_list: 75:56:aa:0f:47:d1 is a multicast MAC address");
    EXPECT_TRUE(!load_edited(", \"0xd1\"]", "]"));
    EXPECT_STR_CONTAINS(diag_text, "list[2].cfg_list: has 5 entries; EMU_DEVICE_T_VIRTIO_NET needs "
                                   "6: the 6 bytes of the MAC address");
    EXPECT_TRUE(!load_edited("[0, 131072]", "[0, 0]"));
    EXPECT_STR_CONTAINS(diag_text, "list[1].cfg_list[1]: the sector count must not be 0");
    EXPECT_TRUE(!load_edited("[0, 131072]", "[16, 131072]"));
    EXPECT_STR_CONTAINS(diag_text, "list[1].cfg_list[0]: mediated disk 16 is not in 0..15");
    EXPECT_TRUE(!load_edited("[0, 131072]", "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
                                            "15, 16]"));
    EXPECT_STR_CONTAINS(diag_text, "list[1].cfg_list: has 17 entries; at most 16 are allowed");
    EXPECT_TRUE(!load_edited("[0, 131072]", "[0, true]"));
    EXPECT_STR_CONTAINS(diag_text, "list[1].cfg_list[1]: expected a number, got true");
}

TEST(cli_config_duplicate_mac)
{
    EXPECT_TRUE(!load_edited("\"irq_id\": 21, \"cfg_list\": [0, \"0x40001000\"], \"type\": "
                             "\"EMU_DEVICE_T_VIRTIO_CONSOLE\"",
                             "\"irq_id\": 21, \"cfg_list\": [116, 86, 170, 15, 71, 209], \"type\": "
                             "\"EMU_DEVICE_T_VIRTIO_NET\""));
    EXPECT_STR_CONTAINS(diag_text, "list[3].cfg_list: MAC address 74:56:aa:0f:47:d1 is also used "
                                   "by device \"virtio_net@50000000\"");
}

/* ---------------------------------------------------------------- passthrough */

static const char pt_uart[] =
    "\"passthrough_device_list\": [ { \"name\": \"uart\", \"base_pa\": \"0x10000000\", "
    "\"base_ipa\": \"0x10000000\", \"length\": \"0x1000\", \"irq_num\": 1, \"irq_list\": [10] } ]";

TEST(cli_config_passthrough)
{
    EXPECT_TRUE(load_edited("\"passthrough_device_list\": []", pt_uart));
    EXPECT_EQ(cfg.passthrough.region_count, 1);
    EXPECT_EQ(cfg.passthrough.irq_count, 1);
    EXPECT_EQ(cfg.passthrough.irqs[0], 10);
    EXPECT_TRUE(!load_edited("\"passthrough_device_list\": []", pt_uart, "[10]", "[20]"));
    EXPECT_STR_CONTAINS(diag_text, "error: passthrough_device.passthrough_device_list[0]."
                                   "irq_list[0]: 20 is already used by device "
                                   "\"virtio_net@50000000\"");
    EXPECT_TRUE(!load_edited("\"passthrough_device_list\": []", pt_uart, "[10]", "[0]"));
    EXPECT_STR_CONTAINS(diag_text, "list[0].irq_list[0]: 0 is not in 1..1023");
    EXPECT_TRUE(!load_edited("\"passthrough_device_list\": []", pt_uart,
                             "\"base_ipa\": \"0x10000000\"", "\"base_ipa\": \"0x10001000\""));
    EXPECT_STR_CONTAINS(diag_text, "error: passthrough_device.passthrough_device_list[0].base_ipa: "
                                   "passthrough device \"uart\" [0x10001000, 0x10002000) overlaps "
                                   "device \"virtio_blk@10001000\" [0x10001000, 0x10002000)");
    EXPECT_TRUE(!load_edited("\"passthrough_device_list\": []", pt_uart,
                             "\"base_pa\": \"0x10000000\"", "\"base_pa\": \"0x10000010\""));
    EXPECT_STR_CONTAINS(diag_text, "list[0].base_pa: 0x10000010 is not 4 KiB-aligned");
    EXPECT_TRUE(load_edited("\"passthrough_device_list\": []", pt_uart, "\"irq_num\": 1",
                            "\"smmu_id\": 3, \"irq_num\": 2"));
    EXPECT_STR_CONTAINS(diag_text,
                        "warning: passthrough_device.passthrough_device_list[0].smmu_id: "
                        "there is no IOMMU on riscv64 (ignored)");
    EXPECT_STR_CONTAINS(diag_text,
                        "warning: passthrough_device.passthrough_device_list[0].irq_num: "
                        "2 does not match the actual count, 1 (ignored)");
}

TEST(cli_config_passthrough_irq_limit)
{
    char list[2048] = "\"passthrough_device_list\": [";
    for (unsigned dev = 0; dev < 2; dev++) {
        snprintf(list + strlen(list), sizeof(list) - strlen(list),
                 "%s{ \"name\": \"d%u\", \"base_pa\": \"0x%x\", \"base_ipa\": \"0x%x\", "
                 "\"length\": \"0x1000\", \"irq_list\": [",
                 dev ? ", " : "", dev, 0x20000000u + dev * 0x1000u, 0x20000000u + dev * 0x1000u);
        for (unsigned k = 0; k < 40; k++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%u", k ? ", " : "",
                     100 + dev * 40 + k);
        strcat(list, "] }");
    }
    strcat(list, "]");
    EXPECT_TRUE(!load_edited("\"passthrough_device_list\": []", list));
    EXPECT_STR_CONTAINS(diag_text, "error: passthrough_device.passthrough_device_list[1].irq_list: "
                                   "brings the passthrough IRQs of all devices to 80; at most 64 "
                                   "are allowed");
}

/* ---------------------------------------------------------------- mediated disks */

static bool load_mediated(const char *text, struct mediated_config *m)
{
    config_diag_init(&diag);
    bool ok = mediated_config_parse(text, strlen(text), m, &diag);
    render_diag();
    return ok;
}

TEST(cli_config_mediated_guide_example)
{
    static struct mediated_config m;
    size_t len;
    const char *text = read_fixture("cli/tests/mediated_guide.json", &len);
    EXPECT_TRUE(text && load_mediated(text, &m));
    EXPECT_EQ(m.count, 3);
    EXPECT_STR_EQ(m.paths[0], "/root/vm0_ubuntu.img");
    EXPECT_STR_EQ(m.paths[2], "/root/vm0_busybox.img");
    EXPECT_TRUE(load_mediated("{ \"mediated\": [] }", &m));
    EXPECT_EQ(m.count, 0);
}

TEST(cli_config_mediated_errors)
{
    static struct mediated_config m;
    EXPECT_TRUE(!load_mediated("{ \"mediated\": [\"/a\", \"\", 3, \"/a\"] }", &m));
    EXPECT_STR_CONTAINS(diag_text, "error: mediated[1]: must not be empty\n");
    EXPECT_STR_CONTAINS(diag_text, "error: mediated[2]: expected a file name string\n");
    EXPECT_STR_CONTAINS(diag_text, "error: mediated[3]: \"/a\" is already mediated[0]\n");
    EXPECT_TRUE(!load_mediated("{ \"disks\": [] }", &m));
    EXPECT_STR_CONTAINS(diag_text, "error: mediated: missing\n");
    EXPECT_STR_CONTAINS(diag_text, "warning: disks: unknown key (ignored)\n");
    EXPECT_TRUE(!load_mediated("{ \"mediated\": \"/a\" }", &m));
    EXPECT_STR_CONTAINS(diag_text, "error: mediated: expected an array, got a string");
}

/* ---------------------------------------------------------------- diagnostics and formats */

TEST(cli_config_diag_first_error_per_field_and_cap)
{
    config_diag_init(&diag);
    config_error(&diag, "a", "first");
    config_error(&diag, "a", "second");
    config_warning(&diag, "a", "a warning is kept");
    EXPECT_EQ(diag.count, 2);
    EXPECT_STR_EQ(diag.entries[0].msg, "first");
    for (unsigned i = 0; i < CONFIG_DIAG_MAX + 5; i++) {
        char path[16];
        snprintf(path, sizeof(path), "p%u", i);
        config_error(&diag, path, "bad");
    }
    EXPECT_EQ(diag.count, CONFIG_DIAG_MAX);
    EXPECT_TRUE(diag.truncated);
    EXPECT_EQ(diag.errors, 1 + CONFIG_DIAG_MAX + 5);
}

TEST(cli_config_formats)
{
    char text[VM_BITMAP_TEXT_SIZE];
    vm_format_bitmap(text, 0x6);
    EXPECT_STR_EQ(text, "0b0110");
    vm_format_bitmap(text, 0x106);
    EXPECT_STR_EQ(text, "0b100000110");
    vm_format_size(text, 0x10000000);
    EXPECT_STR_EQ(text, "256 MiB");
    vm_format_size(text, 0x600000);
    EXPECT_STR_EQ(text, "6 MiB");
    vm_format_size(text, 0x1234);
    EXPECT_STR_EQ(text, "4660 bytes");
    const uint64_t mac[VM_MAC_LEN] = {0x74, 0x56, 0xaa, 0x0f, 0x47, 0xd1};
    vm_format_mac(text, mac);
    EXPECT_STR_EQ(text, "74:56:aa:0f:47:d1");
}
