#!/usr/bin/env bash
# Fetch Debian bookworm's cJSON source (with Debian's patches applied) into a cache directory.
# Nothing of cJSON is kept in this repository; the CLI compiles <dest>/cJSON.c directly.
#
# Usage: fetch-cjson.sh <upstream-version> <dest-dir>
#   e.g. fetch-cjson.sh 1.7.15 ~/.cache/shyper/cjson-1.7.15
#
# Idempotent: when <dest>/.version exists the script exits, touching nothing (other checkouts
# build from it).  On a miss it runs `apt-get source cjson` with a private, throw-away
# APT_CONFIG (deb-src bookworm and bookworm-security), so the host's apt state is never
# modified, checks that the upstream version is the requested one, and moves the tree into
# place atomically.
set -euo pipefail

want=$1 dest=$2
stamp=$dest/.version
if [ -f "$stamp" ] && [ -f "$dest/cJSON.c" ]; then
    exit 0
fi

parent=$(dirname "$dest")
mkdir -p "$parent"
work=$(mktemp -d "$parent/.cjson.XXXXXX")
trap 'rm -rf "$work"' EXIT

apt_dir=$work/apt
mkdir -p "$apt_dir"/etc/apt/{sources.list.d,preferences.d,apt.conf.d,trusted.gpg.d} \
    "$apt_dir"/var/lib/apt/lists/partial "$apt_dir"/var/cache/apt/archives/partial \
    "$apt_dir"/var/lib/dpkg
touch "$apt_dir/var/lib/dpkg/status"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat >"$apt_dir/etc/apt/sources.list" <<EOF
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian-security bookworm-security main
EOF
cat >"$apt_dir/apt.conf" <<EOF
Dir::Etc "$apt_dir/etc/apt";
Dir::State "$apt_dir/var/lib/apt";
Dir::Cache "$apt_dir/var/cache/apt";
Dir::State::status "$apt_dir/var/lib/dpkg/status";
Acquire::Languages "none";
APT::Sandbox::User "root";
EOF

echo "  FETCH   cjson $want (apt-get source, bookworm)"
export APT_CONFIG=$apt_dir/apt.conf
apt-get -qq update
src=$work/src
mkdir -p "$src"
(cd "$src" && apt-get -qq source cjson >/dev/null)

tree=$src/cjson-$want
if [ ! -f "$tree/cJSON.c" ]; then
    echo "fetch-cjson: apt-get source did not produce cjson-$want; got:" \
        "$(cd "$src" && ls -d cjson-* 2>/dev/null)" >&2
    exit 1
fi
(cd "$src" && ls cjson_*.dsc) | sed -e 's/^cjson_//' -e 's/\.dsc$//' >"$tree/.version"
rm -rf "$dest"
mv "$tree" "$dest"
