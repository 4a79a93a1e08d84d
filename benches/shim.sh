#!/usr/bin/env bash
# Shim and activation benchmark (issue 4). Release build; prints medians and ratios.
#
# Shim overhead: a fixture node whose binary is a copy of /bin/true, 200 installed versions,
# run from a folder 20 levels below the pin: directly; through a 3-line C program that only
# execv()s it (the floor for any shim: one extra execve); through the shim binary as
# scripts/install installs it (`envm-shim` built for musl, static and non-PIE: no loader, no
# relocations, and none of glibc's start-up `cpuid` probes, which trap to the hypervisor on a
# VM); through the same `envm-shim` built for glibc (what stays where musl-gcc is missing);
# and through `envm` itself standing in as the shim (no `envm-shim` beside it). hyperfine
# runs whole commands in turn, so the commands are alternated over ROUNDS rounds and every
# run's time is pooled before taking medians. Target (issue 12): the installed shim's
# overhead <= 1.3x the floor's.
#
# hook-env: the prompt hook with nothing changed (target <= 1 ms) and right after a cd into
# another project (<= 3 ms), run as activation runs it (`envm-shim hook-env bash`) and as
# `envm hook-env bash` (what it runs without envm-shim).
#
# Usage: benches/shim.sh [ROUNDS] [RUNS_PER_ROUND]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
runs=${2:-60}
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }
command -v cc >/dev/null || { echo "a C compiler is needed for the execv floor" >&2; exit 1; }

host=$(rustc -vV | sed -n 's/^host: //p')
musl=${host%%-*}-unknown-linux-musl
static="-C target-feature=+crt-static -C relocation-model=static"
RUSTFLAGS="$static" CARGO_TARGET_DIR=$PWD/target/static \
  cargo build --release --quiet --target "$host" --bin envm --bin envm-shim
envm=$PWD/target/static/$host/release/envm
shim_glibc=$PWD/target/static/$host/release/envm-shim
# As scripts/install: musl when the target and musl-gcc are there.
shim_musl=
if command -v musl-gcc >/dev/null && rustup target add "$musl" >/dev/null 2>&1; then
  RUSTFLAGS="$static" CARGO_TARGET_DIR=$PWD/target/static \
    cargo build --release --quiet --target "$musl" --bin envm-shim
  shim_musl=$PWD/target/static/$musl/release/envm-shim
else
  echo "no musl build here (needs musl-gcc and rustup's $musl): the glibc envm-shim stands in" >&2
  shim_musl=$shim_glibc
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ENVM_HOME=$work/home
installs=$ENVM_HOME/data/installs/node
for i in $(seq 0 199); do
  bin=$installs/$((i / 10 + 1)).$((i % 10)).0/bin
  mkdir -p "$bin"
  cp /bin/true "$bin/node"
done
target=$installs/20.9.0/bin/node
"$envm" reshim >/dev/null

proj=$work/proj
deep=$proj
for i in $(seq 1 20); do deep=$deep/d$i; done
mkdir -p "$deep"
echo 20 >"$proj/.nvmrc"
other=$work/other
mkdir -p "$other"
echo 19 >"$other/.nvmrc"
for i in $(seq 1 20); do other=$other/d$i; done
mkdir -p "$other"

for variant in musl glibc envm; do mkdir -p "$work/$variant"; done
ln -s "$shim_musl" "$work/musl/node"
ln -s "$shim_glibc" "$work/glibc/node"
ln -s "$envm" "$work/envm/node"
cat >"$work/floor.c" <<C
#include <unistd.h>
int main(int argc, char **argv) { (void)argc; execv("$target", argv); return 127; }
C
cc -O2 -o "$work/floor" "$work/floor.c"

export PATH="$ENVM_HOME/data/shims:$PATH"
cd "$deep"
[ "$("$ENVM_HOME/data/shims/node" && echo ok)" = ok ] || { echo "shim failed" >&2; exit 1; }
[ "$("$envm" which node)" = "$target" ] || { echo "shim resolves to $("$envm" which node), not $target" >&2; exit 1; }

# Runs hyperfine ROUNDS times over the given name=command pairs; prints "name median_ms" lines
# from all runs pooled.
measure() {
  local names=() cmds=() pair json
  for pair in "$@"; do names+=("${pair%%=*}"); cmds+=("${pair#*=}"); done
  for r in $(seq 1 "$rounds"); do
    json=$work/round-$r.json
    hyperfine -N --style none --warmup 5 --runs "$runs" --export-json "$json" "${cmds[@]}" >/dev/null 2>&1
  done
  python3 - "$work" "$rounds" "${names[@]}" <<'PY'
import json, statistics, sys
work, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = {n: [] for n in names}
for r in range(1, rounds + 1):
    results = json.load(open(f"{work}/round-{r}.json"))["results"]
    for name, res in zip(names, results):
        times[name].extend(res["times"])
for n in names:
    print(n, "%.4f" % (statistics.median(times[n]) * 1000))
PY
}

echo "shim: 200 installed versions, pin 20 levels up, $rounds rounds x $runs runs"
declare -A med
while read -r name ms; do med[$name]=$ms; done < <(measure \
  "direct=$target" \
  "floor=$work/floor" \
  "musl=$work/musl/node" \
  "glibc=$work/glibc/node" \
  "envm=$work/envm/node")
python3 - "${med[direct]}" "${med[floor]}" "${med[musl]}" "${med[glibc]}" "${med[envm]}" <<'PY'
import sys
direct, floor, musl, glibc, envm = map(float, sys.argv[1:])
fo = floor - direct
print(f"  direct run of the binary       {direct:.3f} ms (median)")
print(f"  C execv floor                  {floor:.3f} ms  overhead {fo:.3f} ms")
for name, t, target in (
    ("envm-shim, musl (installed)", musl, "  (target <= 1.3x)"),
    ("envm-shim, glibc static", glibc, ""),
    ("envm as the shim (fallback)", envm, ""),
):
    o = t - direct
    print(f"  {name:<30} {t:.3f} ms  overhead {o:.3f} ms  = {o / fo:.2f}x the floor's{target}")
PY

echo "hook-env bash (pins 20 levels up): what activation runs (envm-shim, musl), and envm"
eval "$("$shim_musl" hook-env bash)"
export __ENVM_STATE
declare -A hook
while read -r name ms; do hook[$name]=$ms; done < <(measure \
  "shim=$shim_musl hook-env bash" \
  "envm=$envm hook-env bash")
cd "$other"
while read -r name ms; do hook[cd-$name]=$ms; done < <(measure \
  "shim=$shim_musl hook-env bash" \
  "envm=$envm hook-env bash")
for bin in "$shim_musl" "$envm"; do
  [ -n "$("$bin" hook-env bash)" ] || { echo "$bin hook-env did not notice the cd" >&2; exit 1; }
done
cd "$deep"
for bin in "$shim_musl" "$envm"; do
  [ -z "$("$bin" hook-env bash)" ] || { echo "$bin hook-env not silent when unchanged" >&2; exit 1; }
done
echo "  unchanged, envm-shim         ${hook[shim]} ms (median; target <= 1 ms)"
echo "  unchanged, envm              ${hook[envm]} ms"
echo "  after cd, envm-shim          ${hook[cd-shim]} ms (median; target <= 3 ms)"
echo "  after cd, envm               ${hook[cd-envm]} ms"
