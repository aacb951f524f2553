#!/usr/bin/env bash
# Command-line behaviour of the host-built `shyper`: exit codes, messages and --check.
# Usage: check-cli.sh <path to shyper> [<results file>]
# Prints "PASS name" / "FAIL name" per check and ends with "N passed, M failed"; the counts are
# also written as "N M" to the results file if one is given (for tests/run_suite.py --summary).
set -uo pipefail

shyper=$1 results=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
examples=$here/../examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

passed=0 failed=0

# check <name> <expected exit code> <text expected in stdout+stderr, or ""> -- <args...>
check() {
    local name=$1 want_rc=$2 want_text=$3
    shift 4
    local out rc
    out=$("$shyper" "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want_rc" ] &&
        { [ -z "$want_text" ] || grep -qF -- "$want_text" <<<"$out"; }; then
        echo "PASS $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name: exit $rc (want $want_rc); output:"
        sed 's/^/    /' <<<"$out"
        [ -z "$want_text" ] || echo "    (expected to contain: $want_text)"
        failed=$((failed + 1))
    fi
}

check help 0 "exit status:" -- --help
check no_args 2 "usage: shyper <group>" --
check unknown_group 2 "unknown command group 'vmm'" -- vmm list
check vm_help 0 "shyper vm config [--check] [--harts <n>] <file.json>" -- vm --help
check vm_config_help 0 "--harts <n>" -- vm config --help
check unknown_command 2 "unknown command 'start'" -- vm start 1

check guide_example 0 'VM "guest-os-1" (VM_T_LINUX)' \
    -- vm config --check "$here/vm1_config_riscv.json"
check guide_example_warns 0 'warning: image.ramdisk_filename: "initrd.gz" is not loaded' \
    -- vm config --check "$here/vm1_config_riscv.json"
check example_vm1 0 "VIRTIO_BLK_MEDIATED  [0x10001000, 0x10002000) irq 19" \
    -- vm config --check "$examples/vm1.json"
check example_vm2 0 'VM "guest-os-2" (VM_T_LINUX)' -- vm config --check "$examples/vm2.json"
check example_vm2_shares 0 "harts     0b0010 (1 vCPU), master hart 1" \
    -- vm config --check "$examples/vm2.json"
check four_harts 2 "selects hart 4, but the machine has 4 harts (0..3)" \
    -- vm config --check --harts 4 <(sed 's/"0b0010"/"0b10000"/; s/"master": 1/"master": 4/' \
    "$examples/vm1.json")
check bad_harts_option 2 "--harts needs a number in 1..8" -- vm config --check --harts 9 x.json
check harts_without_check 2 "--harts goes with --check" -- vm config --harts 4 x.json

bad=$here/bad_vm.json
check bad_dtb 2 \
    "bad_vm.json: error: image.device_tree_load_ipa: 0xa0000000 is not inside a memory region" \
    -- vm config --check "$bad"
check bad_master 2 "bad_vm.json: error: cpu.master: 5 is not in allocate_bitmap 0b1110" \
    -- vm config --check "$bad"
overlap='error: emulated_device.emulated_device_list[1].base_ipa: device "virtio_net@50000000"'
overlap+=' [0xc001000, 0xc002000) overlaps device "plic" [0xc000000, 0xc600000)'
check bad_overlap 2 "$overlap" \
    -- vm config --check "$bad"
check bad_count 2 "bad_vm.json: 3 errors; the VM was not configured" -- vm config --check "$bad"

sed 's/"length": "0x10000000"/"length": "0x4000000g"/' "$examples/vm1.json" >"$tmp/hex.json"
check bad_hex 2 'error: memory.region[0].length: "0x4000000g" is not a hex number' \
    -- vm config --check "$tmp/hex.json"
printf '{ "name": "x", }\n' >"$tmp/comma.json"
check bad_syntax 2 "comma.json: error: line 1, column 14: invalid JSON: a comma before '}'" \
    -- vm config --check "$tmp/comma.json"
check missing_file 2 "nonexistent.json: No such file or directory" \
    -- vm config --check "$tmp/nonexistent.json"
check missing_arg 2 "missing <file.json>" -- vm config --check

no_module="shyper: cannot open /dev/shyper: No such file or directory"
no_module+=" (is shyper.ko loaded? try insmod /root/shyper.ko)"
check config_no_module 3 "$no_module" -- vm config "$examples/vm1.json"
check config_invalid_first 2 "3 errors" -- vm config "$bad"
check boot_no_module 3 "$no_module" -- vm boot 1
check boot_bad_id 2 "'x' is not a VM id (0..7)" -- vm boot x
check boot_id_range 2 "'8' is not a VM id (0..7)" -- vm boot 8
check reboot_force 3 "$no_module" -- vm reboot -f 1
check remove_no_force 2 "unknown option '-f'" -- vm remove -f 1
check list_no_module 3 "$no_module" -- vm list
check info_no_module 3 "$no_module" -- vm info 1
check stats_no_module 3 "$no_module" -- vm stats 1
check system_info_no_module 3 "$no_module" -- system info
check system_info_args 2 "unexpected argument 'x'" -- system info x
check list_args 2 "unexpected argument '1'" -- vm list 1

check daemon_check 0 "2 mediated disks" -- system daemon --check "$examples/mediated-cfg.json"
check daemon_guide 0 "[2] /root/vm0_busybox.img" \
    -- system daemon --check "$here/mediated_guide.json"
printf '{ "mediated": ["/a", "/a"] }\n' >"$tmp/dup.json"
check daemon_duplicate 2 'error: mediated[1]: "/a" is already mediated[0]' \
    -- system daemon --check "$tmp/dup.json"
check daemon_no_module 3 "$no_module" -- system daemon
check daemon_file_no_module 3 "$no_module" -- system daemon "$examples/mediated-cfg.json"

echo "$passed passed, $failed failed"
[ -z "$results" ] || echo "$passed $failed" >"$results"
[ "$failed" -eq 0 ]
