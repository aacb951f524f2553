#!/usr/bin/env bash
# Install every host package Shyper needs on Debian 12 (bookworm).
# Idempotent: prints one line and exits when everything is already present.
# QEMU 10 (H extension, Sstc) and OpenSBI 1.5 come from bookworm-backports.
set -euo pipefail

BACKPORTS_LIST=/etc/apt/sources.list.d/shyper-bookworm-backports.list
BACKPORTS_PKGS=(qemu-system-riscv opensbi)
PKGS=(gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross
      device-tree-compiler libfdt-dev bc flex bison libssl-dev libelf-dev cpio make gcc
      xz-utils rsync kmod dpkg-dev e2fsprogs python3 clang-format cppcheck
      clang libclang-rt-14-dev
      debian-archive-keyring ca-certificates gdb-multiarch)
# The Linux kernel source for the MVM/GVM image, pinned (image/image.mk reads the
# version from here; image/build-linux.sh refuses any other installed version).
LINUX_SOURCE_PKG=linux-source-6.12
LINUX_SOURCE_VERSION=6.12.117-1~deb12u1

missing() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
    done
}

sudo_if_needed() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

need_bp=$(missing "${BACKPORTS_PKGS[@]}")
need=$(missing "${PKGS[@]}" "$LINUX_SOURCE_PKG")
if [ -z "$need_bp" ] && [ -z "$need" ]; then
    echo "[deps] all host packages present"
    exit 0
fi

if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "[deps] adding bookworm-backports to $BACKPORTS_LIST"
    echo 'deb http://deb.debian.org/debian bookworm-backports main' | sudo_if_needed tee "$BACKPORTS_LIST" >/dev/null
fi
echo "[deps] apt-get update"
sudo_if_needed apt-get update -qq
export DEBIAN_FRONTEND=noninteractive
if [ -n "$need_bp" ]; then
    echo "[deps] installing from bookworm-backports: $(echo $need_bp)"
    sudo_if_needed apt-get install -y -qq --no-install-recommends -t bookworm-backports $need_bp >/dev/null
fi
if [ -n "$need" ]; then
    need=${need/$LINUX_SOURCE_PKG/$LINUX_SOURCE_PKG=$LINUX_SOURCE_VERSION}
    echo "[deps] installing: $(echo $need)"
    sudo_if_needed apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
echo "[deps] done: $(qemu-system-riscv64 --version | head -1)"
