#!/usr/bin/env bash
# Build the root disk of an example guest VM as an ext4 image, without root privileges
# (mke2fs -d, then debugfs to make every inode owned by root): busybox, and the guests'
# init script as /sbin/init, which the kernel runs from a disk root (root=/dev/vda).  The
# image is sparse: its free space takes no room, here or in the MVM's rootfs.
#
#   mkgvmdisk.sh <out.img> <size> <busybox> <init> <staging-dir>
set -euo pipefail

die() { echo "[image] error: $*" >&2; exit 1; }

[ $# -eq 5 ] || die "usage: $0 <out.img> <size> <busybox> <init> <staging-dir>"
out=$1 size=$2 busybox=$3 init=$4 stage=$5
[ -x "$busybox" ] || die "$busybox is not an executable busybox"
[ -f "$init" ] || die "no init script $init"

rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,dev,proc,sys,root,tmp}
chmod 1777 "$stage/tmp"
chmod 0700 "$stage/root"
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$init" "$stage/sbin/init"
chmod 0755 "$stage/bin/busybox" "$stage/sbin/init"

# Build next to the output and rename, so a failed run never leaves a truncated image.
tmp=$out.tmp
rm -f "$tmp"
mkdir -p "$(dirname "$out")"
mke2fs -q -F -t ext4 -L "$(basename "$out" .img)" -E root_owner=0:0 -d "$stage" "$tmp" "$size" \
    > /dev/null
(cd "$stage" && find . -mindepth 1 | cut -c2- |
    sed 's/.*/sif "&" uid 0\nsif "&" gid 0/') > "$tmp.owners"
debugfs -w -f "$tmp.owners" "$tmp" > /dev/null 2> "$tmp.log" ||
    { cat "$tmp.log" >&2; die "debugfs could not set file owners"; }
if grep -v '^debugfs ' "$tmp.log" | grep -q .; then
    cat "$tmp.log" >&2
    die "debugfs reported errors while setting file owners"
fi
rm -f "$tmp.owners" "$tmp.log"
mv -f "$tmp" "$out"
echo "[image] $out: $size ext4, $(du -sh "$out" | cut -f1) used"
