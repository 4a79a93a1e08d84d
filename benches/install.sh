#!/usr/bin/env bash
# Benchmark: `envm install` of a ~50 MB .tar.gz (go layout) and a ~50 MB .tar.xz (zig layout)
# from a loopback server, cold cache, into tmpfs, against the by-hand pipeline
#   curl -s URL | tee >(sha256sum >&2) | tar -xz   (or -xJ)
# measured in the same run, alternating. Prints median wall times, the ratio, and envm's peak
# RSS (/usr/bin/time -v). Usage: benches/install.sh [RUNS]   (needs a release build, curl, python3
# with `cryptography`). The zig tarball carries a `.minisig` made by a throwaway minisign key
# (prehashed ED, trusted comment naming the file) that the temp global config trusts through
# `[signatures] zig-keys`, so the envm figure includes signature verification.
set -euo pipefail

RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENVM=${ENVM_BIN:-$ROOT/target/release/envm}
[ -x "$ENVM" ] || (cd "$ROOT" && cargo build --release --quiet)
TMP=$(mktemp -d /dev/shm/envm-bench.XXXXXX)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# --- a ~150 MB tree of real files (binaries and text from /usr), deterministic order ---------
SRC=$TMP/src
mkdir -p "$SRC"
LIMIT=$((150 * 1024 * 1024))
total=0
while IFS= read -r -d '' f; do
    size=$(stat -c %s "$f")
    [ "$size" -gt 0 ] || continue
    total=$((total + size))
    rel=${f#/usr/}
    mkdir -p "$SRC/tree/$(dirname "$rel")"
    cp "$f" "$SRC/tree/$rel" 2>/dev/null || true
    [ "$total" -lt "$LIMIT" ] || break
done < <(find /usr/lib /usr/share /usr/bin -type f -readable -print0 2>/dev/null | sort -z)
mkdir -p "$SRC/tree/bin" && printf '#!/bin/sh\necho 9.9.9\n' > "$SRC/tree/bin/go" && chmod +x "$SRC/tree/bin/go"
cp "$SRC/tree/bin/go" "$SRC/tree/zig"

ARCH=$(uname -m)
GOARCH=$([ "$ARCH" = aarch64 ] && echo arm64 || echo amd64)
WWW=$TMP/www
mkdir -p "$WWW/go" "$WWW/zig/9.9.9"
GZ=go9.9.9.linux-$GOARCH.tar.gz
XZ=zig-$ARCH-linux-9.9.9.tar.xz
(cd "$SRC" && mv tree go && tar -cf - go | gzip -6 > "$WWW/go/$GZ" && mv go tree)
(cd "$SRC" && mv tree "zig-$ARCH-linux-9.9.9" && tar -cf - "zig-$ARCH-linux-9.9.9" | xz -6 -T1 > "$WWW/zig/9.9.9/$XZ")
rm -rf "$SRC"
GZ_SHA=$(sha256sum "$WWW/go/$GZ" | cut -d' ' -f1)
XZ_SHA=$(sha256sum "$WWW/zig/9.9.9/$XZ" | cut -d' ' -f1)
GZ_MB=$(( $(stat -c %s "$WWW/go/$GZ") / 1048576 ))
XZ_MB=$(( $(stat -c %s "$WWW/zig/9.9.9/$XZ") / 1048576 ))

# go's index is fetched as `/go/?mode=json&include=all`: a directory index file answers it.
cat > "$WWW/go/index.html" <<JSON
[{"version":"go9.9.9","stable":true,"files":[{"filename":"$GZ","os":"linux","arch":"$GOARCH","version":"go9.9.9","sha256":"$GZ_SHA","size":1,"kind":"archive"}]}]
JSON
cat > "$WWW/zig/index.json" <<JSON
{"9.9.9":{"date":"2025-01-01","$ARCH-linux":{"tarball":"https://ziglang.org/download/9.9.9/$XZ","shasum":"$XZ_SHA","size":"1"}}}
JSON

# --- a throwaway minisign key signs the zig tarball the way Zig's release process does --------
mkdir -p "$TMP/config"
ZIG_KEY=$(python3 - "$WWW/zig/9.9.9/$XZ" <<'PY'
import base64, hashlib, os, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
path = sys.argv[1]
key, key_id = Ed25519PrivateKey.generate(), os.urandom(8)
public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
with open(path, "rb") as f:
    signature = key.sign(hashlib.blake2b(f.read(), digest_size=64).digest())
comment = "timestamp:1748000000\tfile:%s\thashed" % os.path.basename(path)
b64 = lambda raw: base64.b64encode(raw).decode()
with open(path + ".minisig", "w") as f:
    f.write("untrusted comment: signature from minisign secret key\n%s\ntrusted comment: %s\n%s\n" % (
        b64(b"ED" + key_id + signature), comment, b64(key.sign(signature + comment.encode()))))
print(b64(b"Ed" + key_id + public))
PY
)
printf '[signatures]\nzig-keys = ["%s"]\n' "$ZIG_KEY" > "$TMP/config/config.toml"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$WWW" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
SERVER_PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/zig/index.json" >/dev/null && break; sleep 0.1; done
BASE=http://127.0.0.1:$PORT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

run_envm() { # tool spec -> seconds; RSS (KiB) appended to $TMP/rss-$tool
    local tool=$1 home=$TMP/home-$RANDOM
    local t0 t1
    mkdir -p "$home/config" && cp "$TMP/config/config.toml" "$home/config/"
    t0=$(now)
    env -i PATH="$PATH" HOME="$TMP" CI=1 ENVM_HOME="$home" \
        ENVM_GO_MIRROR="$BASE/go" ENVM_ZIG_MIRROR="$BASE/zig" \
        /usr/bin/time -f %M -o "$TMP/rss" "$ENVM" install "$tool@9.9.9" >/dev/null
    t1=$(now)
    cat "$TMP/rss" >> "$TMP/rss-$tool"
    rm -rf "$home"
    echo "$t1 - $t0" | bc -l
}

run_by_hand() { # url flag -> seconds
    local url=$1 flag=$2 dir=$TMP/hand-$RANDOM t0 t1
    mkdir -p "$dir"
    t0=$(now)
    bash -c "curl -s '$url' | tee >(sha256sum >&2) | tar $flag -C '$dir'" 2>/dev/null
    t1=$(now)
    rm -rf "$dir"
    echo "$t1 - $t0" | bc -l
}

report() { # label tool url flag
    local label=$1 tool=$2 url=$3 flag=$4 e=() h=()
    : > "$TMP/rss-$tool"
    for _ in $(seq "$RUNS"); do
        e+=("$(run_envm "$tool")")
        h+=("$(run_by_hand "$url" "$flag")")
    done
    local me mh rss
    me=$(printf '%s\n' "${e[@]}" | median)
    mh=$(printf '%s\n' "${h[@]}" | median)
    rss=$(sort -n "$TMP/rss-$tool" | tail -1)
    printf '%-8s envm %.3fs  by-hand %.3fs  ratio %.2fx  envm peak RSS %d MiB\n' \
        "$label" "$me" "$mh" "$(echo "$me / $mh" | bc -l)" $((rss / 1024))
}

echo "archives: .tar.gz ${GZ_MB} MB, .tar.xz ${XZ_MB} MB; $RUNS runs each, alternating, tmpfs, loopback"
report ".tar.gz" go "$BASE/go/$GZ" -xz
report ".tar.xz" zig "$BASE/zig/9.9.9/$XZ" -xJ
