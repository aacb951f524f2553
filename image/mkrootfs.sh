#!/usr/bin/env bash
# Assemble the MVM root filesystem and write it as an ext4 image, without root
# privileges (mke2fs -d, then debugfs to make every inode owned by root).
#
#   mkrootfs.sh <out.img> <size> <debs-root> <overlay-dir> <staging-dir> [src:dst]...
#
# <debs-root>    the trixie riscv64 packages unpacked by fetch-debs.sh
# <overlay-dir>  image/rootfs: /etc (inittab, rcS, profile, ...)
# src:dst        extra files (ROOTFS_FILES); a dst ending in / is a directory
#
# Layout is usrmerged like trixie: /bin, /sbin -> usr/bin, /lib -> usr/lib and
# /usr/sbin -> bin, so every program lives in /usr/bin and every path works.
set -euo pipefail

die() { echo "[image] error: $*" >&2; exit 1; }

[ $# -ge 5 ] || die "usage: $0 <out.img> <size> <debs-root> <overlay-dir> <staging-dir> [src:dst]..."
out=$1 size=$2 debs=$3 overlay=$4 stage=$5
shift 5
[ -x "$debs/usr/bin/busybox" ] || die "$debs has no usr/bin/busybox; the package cache is broken"

rm -rf "$stage"
mkdir -p "$stage"
cp -a "$debs/." "$stage/"
rm -rf "$stage"/usr/share/{doc,man,locale,lintian}

for d in bin sbin lib usr/sbin; do
    [ ! -e "$stage/$d" ] || die "a package installs /$d; extend the usrmerge step in $0"
done
ln -s usr/bin "$stage/bin"
ln -s usr/bin "$stage/sbin"
ln -s usr/lib "$stage/lib"
ln -s bin "$stage/usr/sbin"

# Busybox applet links.  The binary cannot run on the build host, so the applet
# names are read from its NUL-separated name table "[\0[[\0acpid\0...\0\0" (the
# byte before the leading "[" is not a NUL, hence the /\[$/ match).
applets=$(tr '\0' '\n' < "$debs/usr/bin/busybox" |
          awk 'on && $0 == "" { on = 0; done = 1 } on { print }
               !done && $0 == "[[" && prev ~ /\[$/ { on = 1; print "["; print "[[" } { prev = $0 }')
for a in sh init mount ip ping poweroff cttyhack hostname; do
    grep -qxF "$a" <<< "$applets" || die "busybox applet table not found or lacks '$a'"
done
while read -r a; do
    [ -e "$stage/usr/bin/$a" ] || ln -s busybox "$stage/usr/bin/$a"
done <<< "$applets"

mkdir -p "$stage"/{dev,proc,sys,run,mnt,root,tmp,var/log,var/tmp}
chmod 1777 "$stage/tmp" "$stage/var/tmp"
chmod 0700 "$stage/root"
ln -s ../run/lock "$stage/var/lock"
ln -s ../run "$stage/var/run"

cp -R "$overlay/." "$stage/"
chmod -R a+rX,u+w "$stage/etc"

for pair in "$@"; do
    src=${pair%%:*} dst=${pair#*:}
    if [ "$src" = "$pair" ] || [ -z "$src" ] || [[ $dst != /* ]]; then
        die "ROOTFS_FILES entry '$pair' is not src:/absolute/dst"
    fi
    [ -e "$src" ] || die "ROOTFS_FILES: $src does not exist"
    [[ $dst == */ ]] && dst=$dst$(basename "$src")
    mkdir -p "$stage$(dirname "$dst")"
    cp -R "$src" "$stage$dst"
    chmod -R a+rX,u+w "$stage$dst"
done

# Every shared library a dynamic program or library needs must be in the image.
missing=
for f in "$stage"/usr/bin/* "$stage"/usr/lib/riscv64-linux-gnu/*.so*; do
    if [ ! -f "$f" ] || [ -L "$f" ]; then continue; fi
    for lib in $(riscv64-linux-gnu-readelf -d "$f" 2>/dev/null |
                 sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p'); do
        [ -e "$stage/usr/lib/riscv64-linux-gnu/$lib" ] || [ -e "$stage/usr/lib/$lib" ] ||
            missing="$missing ${f#"$stage"}:$lib"
    done
done
[ -z "$missing" ] || die "shared libraries missing from the rootfs (add their packages to MVM_DEBS):$missing"

# Build next to the output and rename, so a failed run never leaves a truncated image.
tmp=$out.tmp
rm -f "$tmp"
mkdir -p "$(dirname "$out")"
mke2fs -q -F -t ext4 -L shyper-mvm -E root_owner=0:0 -d "$stage" "$tmp" "$size" > /dev/null
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
echo "[image] $out: $size ext4, $(du -sh --apparent-size "$stage" | cut -f1) of files"
