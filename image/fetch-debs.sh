#!/usr/bin/env bash
# Download Debian trixie riscv64 packages for the MVM root filesystem and unpack them,
# through a private apt configuration under the cache (the host's apt and dpkg state is
# never read or written).
#
#   fetch-debs.sh key   <package>...                print the cache key
#   fetch-debs.sh fetch <cache-dir> <package>...    fill <cache-dir>/debs-<key>
#
# The key is the sha256 of the package list and this script.  An entry holds debs/
# (the .deb files) and root/ (all of them unpacked with dpkg-deb -x); it is built in a
# temporary directory and renamed into place, so it is either complete or absent.
set -euo pipefail

SUITE=trixie
MIRROR=http://deb.debian.org/debian
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

die() { echo "[image] error: $*" >&2; exit 1; }

compute_key() {
    { printf '%s\n' "$SUITE" "$@"; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16
}

# A private apt root: its own sources, lists, archive cache and an empty dpkg status.
setup_apt() {
    local d=$1
    mkdir -p "$d"/etc/apt/{sources.list.d,preferences.d,apt.conf.d,trusted.gpg.d} \
             "$d"/var/lib/apt/lists/partial "$d"/var/cache/apt/archives/partial "$d"/var/lib/dpkg
    touch "$d/var/lib/dpkg/status"
    echo "deb [arch=riscv64 signed-by=$KEYRING] $MIRROR $SUITE main" > "$d/etc/apt/sources.list"
    # Not `Dir "$d"`: that would also move Dir::Bin::methods away from the host's apt.
    cat > "$d/apt.conf" <<EOF
Dir::Etc "$d/etc/apt";
Dir::State "$d/var/lib/apt";
Dir::Cache "$d/var/cache/apt";
Dir::State::status "$d/var/lib/dpkg/status";
APT::Architecture "riscv64";
APT::Architectures { "riscv64"; };
Acquire::Languages "none";
APT::Sandbox::User "root";
EOF
}

cmd_fetch() {
    local cache=$1; shift
    local key entry apt tmp deb
    [ -r "$KEYRING" ] || die "$KEYRING missing; run 'make deps' (debian-archive-keyring)"
    key=$(compute_key "$@")
    entry=$cache/debs-$key
    [ -d "$entry" ] && exit 0

    echo "[image] fetching $SUITE riscv64 packages: $*"
    apt=$cache/apt-$SUITE-riscv64
    mkdir -p "$cache"
    exec 9> "$apt.lock"
    flock 9
    [ -d "$entry" ] && exit 0          # another make fetched them while we waited
    setup_apt "$apt"
    export APT_CONFIG=$apt/apt.conf
    apt-get -q=2 update || die "apt-get update for $SUITE riscv64 failed (is $MIRROR reachable?)"

    tmp=$(mktemp -d "$cache/.debs-$key.XXXXXX")
    mkdir "$tmp/debs" "$tmp/root"
    (cd "$tmp/debs" && apt-get -q=2 download "$@") || die "apt-get download $* failed"
    for deb in "$tmp"/debs/*.deb; do
        dpkg-deb -x "$deb" "$tmp/root"
    done
    mv -T "$tmp" "$entry"
    set -- "$entry"/debs/*.deb
    echo "[image] $# packages cached in $entry"
}

case ${1:-} in
key)   shift; [ $# -gt 0 ] || die "usage: $0 key <package>..."
       compute_key "$@" ;;
fetch) [ $# -gt 2 ] || die "usage: $0 fetch <cache-dir> <package>..."
       shift; cmd_fetch "$@" ;;
*)     die "usage: $0 key|fetch ..." ;;
esac
