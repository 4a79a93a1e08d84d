#!/bin/sh
# Installs a released envm (static binaries, Linux x64 or arm64) without a Rust toolchain:
# downloads `envm` and `envm-shim` (what envm's shims run) for this host and the release's
# SHA256SUMS, refuses anything whose SHA-256 does not match (nothing is installed then), and
# puts both in ENVM_INSTALL_DIR.
#
#   sh get-envm.sh                      # latest release into ~/.local/bin
#   ENVM_VERSION=v0.1.0 sh get-envm.sh  # a given release
#
# Variables:
#   ENVM_VERSION           release tag (default: latest)
#   ENVM_INSTALL_DIR       where `envm` and `envm-shim` go (default: ~/.local/bin)
#   ENVM_INSTALL_BASE_URL  releases URL; files are read from BASE/download/TAG/FILE, or
#                          BASE/latest/download/FILE (default: envm's GitHub releases)
# In GitHub Actions (GITHUB_PATH set) the folder is also added to the job's PATH.
set -eu

DEFAULT_BASE_URL="https://github.com/envm/envm/releases"

say() { printf 'get-envm: %s\n' "$*" >&2; }
fail() {
    say "error: $*"
    exit 1
}

base=${ENVM_INSTALL_BASE_URL:-$DEFAULT_BASE_URL}
base=${base%/}
version=${ENVM_VERSION:-latest}
install_dir=${ENVM_INSTALL_DIR:-${HOME:?HOME is not set}/.local/bin}

case $(uname -s) in
    Linux) os=linux ;;
    *) fail "released binaries are built for Linux only; build from source with scripts/install" ;;
esac
case $(uname -m) in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) fail "no released binary for $(uname -m); build from source with scripts/install" ;;
esac
platform="$os-$arch"

case $version in
    latest) url="$base/latest/download" ;;
    *[!A-Za-z0-9._+-]*) fail "not a release tag: $version" ;;
    *) url="$base/download/$version" ;;
esac

fetch() {
    if command -v curl >/dev/null 2>&1; then
        curl --proto '=https,http' -fsSL --retry 3 -o "$2" "$1"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
    else
        fail "neither curl nor wget is installed"
    fi
}

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d ' ' -f 1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d ' ' -f 1
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 "$1" | sed 's/^.*= *//'
    else
        fail "no SHA-256 tool (sha256sum, shasum or openssl): refusing to install unverified"
    fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/get-envm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# Downloads the release file `envm-PLATFORM` or `envm-shim-PLATFORM` into $tmp and checks it
# against SHA256SUMS; exits on any mismatch or missing entry.
fetch_verified() {
    asset="$1-$platform"
    fetch "$url/$asset" "$tmp/$asset" || fail "cannot download $url/$asset"
    expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
    case $expected in
        "") fail "SHA256SUMS has no entry for $asset: refusing to install" ;;
        *[!0-9a-f]*) fail "SHA256SUMS entry for $asset is not one SHA-256: refusing to install" ;;
    esac
    [ ${#expected} -eq 64 ] || fail "SHA256SUMS entry for $asset is not one SHA-256: refusing to install"
    actual=$(sha256_of "$tmp/$asset")
    if [ "$actual" != "$expected" ]; then
        fail "checksum mismatch for $asset: expected $expected, got $actual; nothing was installed"
    fi
    say "verified $asset (sha256 $actual)"
    chmod 755 "$tmp/$asset"
}

say "downloading envm for $platform ($version) from $url"
fetch "$url/SHA256SUMS" "$tmp/SHA256SUMS" || fail "cannot download $url/SHA256SUMS"
fetch_verified envm
fetch_verified envm-shim
"$tmp/envm-$platform" --version >/dev/null 2>&1 || fail "the downloaded envm does not run on this host"
mkdir -p "$install_dir"
# Same folder, then rename: a running envm or shim (or a concurrent install) never sees half
# a file. The shim binary first, so the envm that lands finds its shim beside it.
for name in envm-shim envm; do
    cp "$tmp/$name-$platform" "$install_dir/.$name.new.$$"
    mv -f "$install_dir/.$name.new.$$" "$install_dir/$name"
done
say "installed $("$install_dir/envm" --version) at $install_dir/envm, with envm-shim beside it"

if [ -n "${GITHUB_PATH:-}" ]; then
    printf '%s\n' "$install_dir" >>"$GITHUB_PATH"
else
    case ":$PATH:" in
        *":$install_dir:"*) ;;
        *) say "add it to PATH: export PATH=\"$install_dir:\$PATH\"" ;;
    esac
fi
