#!/usr/bin/env bash
# Benchmark: `envm install python@3.11.7` against `uv python install 3.11.7` on the same
# python-build-standalone-shaped archive (`cpython-3.11.7+TAG-ARCH-unknown-linux-gnu-
# install_only_stripped.tar.gz`, top folder `python/`, bin/python3 …) served from loopback,
# both reading the same uv-style download-metadata JSON (UV_PYTHON_DOWNLOADS_JSON_URL /
# ENVM_PYTHON_DOWNLOADS_JSON_URL), cold caches, installing into tmpfs, alternating runs.
# The archive is built from a real CPython 3.11 prefix on this machine (site-packages,
# tests and __pycache__ left out), ~40-60 MB. Prints median wall times and envm/uv.
# Measured 2026-11-30 (2 shared cores, load ~7, tmpfs, 37 MB archive, 94 MB / 1258 files
# unpacked, uv 0.13.9), 9 runs: before the unpack changes envm 0.485 s vs uv 0.632 s (0.77x);
# after them (256 KiB writes, tar entries written on their own thread while the main one
# inflates) envm 0.319 s vs uv 0.516 s (0.62x). envm's critical path is inflating (zlib-rs,
# ~0.18 s CPU); file writes (~0.07 s) and download + SHA-256 (~0.05 s) overlap it. uv also
# runs the new interpreter after installing (execve/wait4 in strace -c); envm does not.
# Usage: benches/python_vs_uv.sh [RUNS]   (release build of envm, uv on PATH, python3, curl)
# Skips (exit 0) when uv is absent: `pip install uv` provides it.
set -euo pipefail

RUNS=${1:-7}
if ! command -v uv >/dev/null 2>&1; then
    echo "skip: uv is not on PATH (pip install uv)"
    exit 0
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENVM=${ENVM_BIN:-$ROOT/target/release/envm}
[ -x "$ENVM" ] || (cd "$ROOT" && cargo build --release --quiet)
TMP=$(mktemp -d /dev/shm/envm-pybench.XXXXXX)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

PREFIX=${PYTHON_PREFIX:-$(python3 -c 'import sys; print(sys.base_prefix)')}
[ -x "$PREFIX/bin/python3" ] || { echo "skip: no CPython prefix at $PREFIX"; exit 0; }
ARCH=$(uname -m)
TAG=20240107
NAME="cpython-3.11.7+$TAG-$ARCH-unknown-linux-gnu-install_only_stripped.tar.gz"
WWW=$TMP/www
mkdir -p "$WWW/$TAG" "$TMP/src/python"
# python-build-standalone's install_only layout: python/{bin,include,lib,share}.
(cd "$PREFIX" && tar -cf - --exclude='site-packages' --exclude='__pycache__' \
    --exclude='lib/python3*/test' --exclude='*.a' bin include lib share 2>/dev/null) |
    tar -xf - -C "$TMP/src/python"
(cd "$TMP/src" && tar -cf - python | gzip -6 > "$WWW/$TAG/$NAME")
rm -rf "$TMP/src"
SHA=$(sha256sum "$WWW/$TAG/$NAME" | cut -d' ' -f1)
MB=$(( $(stat -c %s "$WWW/$TAG/$NAME") / 1048576 ))

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
cat > "$WWW/downloads.json" <<JSON
{"cpython-3.11.7-linux-$ARCH-gnu": {"name": "cpython", "arch": {"family": "$ARCH", "variant": null},
 "os": "linux", "libc": "gnu", "major": 3, "minor": 11, "patch": 7, "prerelease": "",
 "url": "$BASE/$TAG/${NAME//+/%2B}", "sha256": "$SHA", "variant": null, "build": "$TAG"}}
JSON
(cd "$WWW" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
SERVER_PID=$!
for _ in $(seq 50); do curl -sf "$BASE/downloads.json" >/dev/null && break; sleep 0.1; done

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

run_envm() {
    local home=$TMP/envm-$RANDOM t0 t1
    t0=$(now)
    env -i PATH="$PATH" HOME="$TMP" CI=1 ENVM_HOME="$home" \
        ENVM_PYTHON_DOWNLOADS_JSON_URL="$BASE/downloads.json" \
        "$ENVM" install python@3.11.7 >/dev/null 2>&1
    t1=$(now)
    "$home"/data/installs/python/3.11.7/bin/python3 -c 'import os' 2>/dev/null ||
        [ -e "$home/data/installs/python/3.11.7/bin/python3" ] || { echo "envm install incomplete" >&2; exit 1; }
    rm -rf "$home"
    echo "$t1 - $t0" | bc -l
}

run_uv() {
    local dir=$TMP/uv-$RANDOM t0 t1
    t0=$(now)
    env -i PATH="$PATH" HOME="$TMP" UV_CACHE_DIR="$dir/cache" UV_PYTHON_INSTALL_DIR="$dir/py" \
        UV_PYTHON_BIN_DIR="$dir/bin" UV_PYTHON_DOWNLOADS_JSON_URL="$BASE/downloads.json" \
        UV_NO_PROGRESS=1 uv python install 3.11.7 >/dev/null 2>&1
    t1=$(now)
    ls -d "$dir"/py/cpython-3.11.7* >/dev/null || { echo "uv install incomplete" >&2; exit 1; }
    rm -rf "$dir"
    echo "$t1 - $t0" | bc -l
}

run_envm >/dev/null; run_uv >/dev/null # warm the page cache and the server
: > "$TMP/envm.t"; : > "$TMP/uv.t"
for _ in $(seq "$RUNS"); do
    run_envm >> "$TMP/envm.t"
    run_uv >> "$TMP/uv.t"
done
E=$(median < "$TMP/envm.t")
U=$(median < "$TMP/uv.t")
printf 'archive: %s (%d MB), %d runs each, medians\n' "$NAME" "$MB" "$RUNS"
printf 'envm install python@3.11.7   %.3f s\n' "$E"
printf 'uv python install 3.11.7     %.3f s\n' "$U"
printf 'envm / uv                    %.2fx\n' "$(echo "$E / $U" | bc -l)"
