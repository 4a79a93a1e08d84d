#!/usr/bin/env bash
# Benchmark: cold `envm install node@<ver>` from a loopback node-shaped mirror, two envm binaries
# alternating (e.g. before/after release-signature verification). The mirror serves `index.json`,
# `v<ver>/node-v<ver>-linux-<arch>.tar.xz` (~SIZE_MB of real files from /usr), `SHASUMS256.txt`
# and `SHASUMS256.txt.asc`, clearsigned by a throwaway ed25519 gpg key whose armored public key a
# temp global config names in `[signatures] node-keys` (only for a binary that knows
# `[signatures]`; an older one reads the plain SHASUMS256.txt). Every run gets a fresh ENVM_HOME
# (empty data and cache: same download each time), into tmpfs. Prints both medians and AFTER/BEFORE.
# Usage: BEFORE=path/envm AFTER=path/envm [RUNS=7] [SIZE_MB=40] benches/node_install.sh
#   (defaults: target/release/envm for both; needs curl, python3, gpg, xz)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BEFORE=${BEFORE:-$ROOT/target/release/envm}
AFTER=${AFTER:-$ROOT/target/release/envm}
RUNS=${RUNS:-7}
SIZE_MB=${SIZE_MB:-40}
VER=9.9.9
for bin in "$BEFORE" "$AFTER"; do
    [ -x "$bin" ] || { echo "no envm binary at $bin (cargo build --release)" >&2; exit 1; }
done
TMP=$(mktemp -d /dev/shm/envm-node-bench.XXXXXX)
SERVER_PID=
export GNUPGHOME=$TMP/gnupg
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    gpgconf --kill gpg-agent 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

# --- a node-shaped tree of real files (binaries and text from /usr), deterministic order -----
ARCH=$(uname -m)
TOKEN=$([ "$ARCH" = aarch64 ] && echo arm64 || echo x64)
NAME=node-v$VER-linux-$TOKEN
TREE=$TMP/src/$NAME
mkdir -p "$TREE/bin" "$TREE/lib"
LIMIT=$((SIZE_MB * 1024 * 1024))
total=0
while IFS= read -r -d '' f; do
    size=$(stat -c %s "$f")
    [ "$size" -gt 0 ] || continue
    total=$((total + size))
    rel=${f#/usr/}
    mkdir -p "$TREE/lib/$(dirname "$rel")"
    cp "$f" "$TREE/lib/$rel" 2>/dev/null || true
    [ "$total" -lt "$LIMIT" ] || break
done < <(find /usr/lib /usr/share /usr/bin -type f -readable -print0 2>/dev/null | sort -z)
printf '#!/bin/sh\necho v%s\n' "$VER" > "$TREE/bin/node" && chmod +x "$TREE/bin/node"

WWW=$TMP/www
mkdir -p "$WWW/v$VER"
XZ=$NAME.tar.xz
(cd "$TMP/src" && tar -cf - "$NAME" | xz -6 -T1 > "$WWW/v$VER/$XZ")
rm -rf "$TMP/src"
XZ_MB=$(( $(stat -c %s "$WWW/v$VER/$XZ") / 1048576 ))
cat > "$WWW/index.json" <<JSON
[{"version":"v$VER","date":"2025-01-01","files":["linux-$TOKEN"],"lts":false}]
JSON
(cd "$WWW/v$VER" && sha256sum "$XZ" > SHASUMS256.txt)

# --- a throwaway signing key; its public half is the one extra trusted node key -------------
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'envm bench <bench@envm.invalid>' ed25519 sign never 2>/dev/null
gpg --batch --quiet --armor --export > "$TMP/node-key.asc"
gpg --batch --quiet --yes --clearsign --output "$WWW/v$VER/SHASUMS256.txt.asc" "$WWW/v$VER/SHASUMS256.txt"
mkdir -p "$TMP/config-signed"
printf '[signatures]\nnode-keys = ["%s"]\n' "$TMP/node-key.asc" > "$TMP/config-signed/config.toml"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$WWW" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
SERVER_PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/index.json" >/dev/null && break; sleep 0.1; done
MIRROR=http://127.0.0.1:$PORT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

run_envm() { # binary -> seconds of one cold install
    local bin=$1 home=$TMP/home-$RANDOM$RANDOM signed='' t0 t1
    mkdir -p "$home/config"
    # Only a build that verifies signatures gets the [signatures] table (older ones do not know it).
    if grep -qaF 'allow-unsigned' "$bin"; then
        signed=1
        cp "$TMP/config-signed/config.toml" "$home/config/"
    fi
    t0=$(now)
    if ! env -i PATH="$PATH" HOME="$TMP" CI=1 ENVM_HOME="$home" ENVM_NODE_MIRROR="$MIRROR" \
        "$bin" install "node@$VER" >/dev/null 2>"$TMP/err"; then
        echo "$bin install node@$VER failed:" >&2
        cat "$TMP/err" >&2
        exit 1
    fi
    t1=$(now)
    [ -x "$(find "$home/data" -path "*/$VER*/bin/node" -print -quit)" ] ||
        { echo "$bin: no bin/node after install" >&2; exit 1; }
    if [ -n "$signed" ] && ! grep -rqF '"pgp:' "$home/data"; then
        echo "$bin: the receipt does not record the pgp signature" >&2
        exit 1
    fi
    rm -rf "$home"
    echo "$t1 - $t0" | bc -l
}

echo "node-shaped .tar.xz ${XZ_MB} MB (${SIZE_MB} MB of files), $RUNS cold installs each, alternating, tmpfs, loopback"
run_envm "$BEFORE" >/dev/null # warm the page cache and the server, untimed
run_envm "$AFTER" >/dev/null
b=() a=()
for _ in $(seq "$RUNS"); do
    b+=("$(run_envm "$BEFORE")")
    a+=("$(run_envm "$AFTER")")
done
mb=$(printf '%s\n' "${b[@]}" | median)
ma=$(printf '%s\n' "${a[@]}" | median)
printf 'BEFORE %s: median %.3fs  (runs: %s)\n' "$BEFORE" "$mb" "$(printf '%.2f ' "${b[@]}")"
printf 'AFTER  %s: median %.3fs  (runs: %s)\n' "$AFTER" "$ma" "$(printf '%.2f ' "${a[@]}")"
printf 'ratio AFTER/BEFORE %.3f\n' "$(echo "$ma / $mb" | bc -l)"
