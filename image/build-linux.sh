#!/usr/bin/env bash
# Build the Shyper riscv64 Linux kernel (Image + modules) from Debian's linux-source
# package into a cache directory shared by every clone on this machine.
#
#   build-linux.sh key   <fragment> <package> <version>        print the cache key
#   build-linux.sh build <fragment> <package> <version> <tarball> <cache-dir>
#
# The key is the sha256 of the config fragment, the pinned package version, the
# cross compiler's --version and this script, so changing any of them selects a new
# cache entry.  An entry is <cache-dir>/linux-<key> -> .linux-<key>.XXXXXX, holding
# src/ (the unpacked source) and build/ (the O= tree).  The kernel is built inside the
# hidden directory and published by atomically replacing the linux-<key> symlink, so an
# interrupted build never leaves a usable-looking entry, and the source and build trees
# keep the absolute path they were built at (out-of-tree modules are built against it).
set -euo pipefail

ARCH_ARGS=(ARCH=riscv CROSS_COMPILE=riscv64-linux-gnu-)
# A fixed build user, host and date, so `uname -a` is the same for every build.
REPRO_ARGS=(KBUILD_BUILD_USER=shyper KBUILD_BUILD_HOST=shyper
            "KBUILD_BUILD_TIMESTAMP=Sat Nov  1 00:00:00 UTC 2025")

die() { echo "[image] error: $*" >&2; exit 1; }

# The kernel's make must not inherit the calling make's command-line variables
# (V=, CC=, ...) or jobserver; it runs with its own -j.
unset MAKEFLAGS MFLAGS MAKELEVEL

check_version() {
    local pkg=$1 want=$2 have
    have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) ||
        die "$pkg is not installed; run 'make deps'"
    [ "$have" = "$want" ] ||
        die "$pkg $have is installed but Shyper pins $want (LINUX_SOURCE_VERSION in scripts/deps.sh);" \
            "install it with: apt-get install $pkg=$want, or move the pin and check the kernel still boots"
}

compute_key() {
    local frag=$1 pkg=$2 ver=$3
    {
        cat "$frag"
        echo "$pkg $ver"
        riscv64-linux-gnu-gcc --version
        cat "${BASH_SOURCE[0]}"
    } | sha256sum | cut -c1-16
}

# Every CONFIG_ line of the fragment must appear verbatim in .config; every
# "# CONFIG_X is not set" must not be set.  Kconfig silently drops options whose
# dependencies are missing, so this is the only way to notice.
verify_config() {
    local frag=$1 config=$2 line sym bad=0
    while IFS= read -r line; do
        case $line in
        CONFIG_*=*)
            grep -qxF -- "$line" "$config" || {
                echo "[image]   fragment wants '$line', .config has '$(grep -E "^(# )?${line%%=*}[= ]" "$config" || echo unset)'" >&2
                bad=1
            } ;;
        "# CONFIG_"*" is not set")
            sym=${line#\# }; sym=${sym%% *}
            if grep -q "^$sym=" "$config"; then
                echo "[image]   fragment wants $sym unset, .config has '$(grep "^$sym=" "$config")'" >&2
                bad=1
            fi ;;
        esac
    done < "$frag"
    [ "$bad" -eq 0 ] || die "kernel config fragment $frag did not take effect (see above)"
}

cmd_build() {
    local frag=$1 pkg=$2 ver=$3 tarball=$4 cache=$5 key entry tmp jobs start
    frag=$(realpath "$frag")
    check_version "$pkg" "$ver"
    [ -r "$tarball" ] || die "$tarball not found; run 'make deps'"
    key=$(compute_key "$frag" "$pkg" "$ver")
    entry=$cache/linux-$key
    mkdir -p "$cache"

    # One builder per key; a second make (another clone, say) waits and then hits.
    exec 9> "$entry.lock"
    flock -n 9 || { echo "[image] waiting for another build of linux-$key to finish"; flock 9; }
    if [ -e "$entry/build/.shyper-complete" ]; then
        exit 0
    fi
    rm -rf "$cache/.linux-$key".*     # leftovers of interrupted builds of this key

    start=$(date +%s)
    echo "[image] building linux ${ver%%-*} (first time, ~5-10 min) into $entry"
    tmp=$(mktemp -d "$cache/.linux-$key.XXXXXX")
    echo "[image]   unpacking $tarball"
    mkdir "$tmp/src" "$tmp/build"
    tar -xJf "$tarball" -C "$tmp/src" --strip-components=1

    echo "[image]   allnoconfig + $frag"
    make -s -C "$tmp/src" O="$tmp/build" "${ARCH_ARGS[@]}" KCONFIG_ALLCONFIG="$frag" allnoconfig
    verify_config "$frag" "$tmp/build/.config"

    jobs=$(( $(nproc) + 1 ))
    echo "[image]   make -j$jobs Image modules (log: $tmp/build/build.log)"
    if ! make -C "$tmp/src" O="$tmp/build" "${ARCH_ARGS[@]}" "${REPRO_ARGS[@]}" -j"$jobs" \
            Image modules > "$tmp/build/build.log" 2>&1; then
        tail -n 40 "$tmp/build/build.log" >&2
        die "kernel build failed; full log in $tmp/build/build.log"
    fi
    touch "$tmp/build/.shyper-complete"

    ln -sfn "$(basename "$tmp")" "$entry.new"
    mv -T "$entry.new" "$entry"
    echo "[image] linux ${ver%%-*} built in $(( $(date +%s) - start )) s: $entry/build/arch/riscv/boot/Image"
}

case ${1:-} in
key)   [ $# -eq 4 ] || die "usage: $0 key <fragment> <package> <version>"
       compute_key "$2" "$3" "$4" ;;
build) [ $# -eq 6 ] || die "usage: $0 build <fragment> <package> <version> <tarball> <cache-dir>"
       cmd_build "$2" "$3" "$4" "$5" "$6" ;;
*)     die "usage: $0 key|build ..." ;;
esac
