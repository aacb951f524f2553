#!/usr/bin/env bash
# Extract libfdt from Debian's linux-source tarball into a cache directory.
# Usage: extract-libfdt.sh <package> <tarball> <dest-dir>
set -euo pipefail
pkg=$1 tar=$2 dest=$3
ver=$(dpkg-query -W -f='${Version}' "$pkg")
# Filled for this version: nothing to do (and nothing touched: other checkouts use it).
if [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$ver" ]; then
    exit 0
fi
echo "  FETCH   libfdt from $pkg $ver"
tmp=$(mktemp -d "$(dirname "$dest")/.libfdt.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$dest")"; mktemp -d "$(dirname "$dest")/.libfdt.XXXXXX"; })
tar -xJf "$tar" -C "$tmp" --wildcards --strip-components=4 '*/scripts/dtc/libfdt/*'
echo "$ver" > "$tmp/.version"
rm -rf "$dest"
mv "$tmp" "$dest"
