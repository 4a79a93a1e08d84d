#!/usr/bin/env bash
# Cost of the sandbox: `envm exec --sandbox -- true` against `envm exec -- true`, release build,
# medians compared (target: at most 5 ms added). Every layer is on: Landlock, seccomp, user,
# network, IPC, mount and PID namespaces (read-only pin files, private /tmp, /dev/shm, /proc).
# Runs ROUNDS (default 3) measurements and prints each and the median of the added times.
# Uses hyperfine when installed, else a Python loop (same comparison, coarser).
# Usage: benches/sandbox.sh [ENVM_BINARY]   (default: builds target/release/envm)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then
  envm=$(realpath "$1")
else
  cargo build --release --quiet
  envm=$PWD/target/release/envm
fi
rounds=${ROUNDS:-3}
# The project lives outside /tmp, as projects do (BENCH_DIR=/tmp measures a project inside
# the replaced /tmp: its folders are then bound back into the private one, which costs more).
root=$(mktemp -d -p "${BENCH_DIR:-/var/tmp}")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/home" "$root/project/.git/hooks"
printf '[tools]\n' >"$root/project/envm.toml"
printf '[core]\n' >"$root/project/.git/config"
cd "$root/project"
export HOME=$root/home ENVM_HOME=$root/envm
"$envm" exec --sandbox -- true # fails loudly here if this host lacks a layer

measure() { # prints "plain boxed" medians in ms
  if command -v hyperfine >/dev/null; then
    local json=$root/result.json
    hyperfine --warmup 20 --min-runs 200 -N --export-json "$json" \
      "$envm exec -- true" "$envm exec --sandbox -- true" >/dev/null
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(*(x["median"]*1000 for x in r))' "$json"
  else
    python3 - "$envm" <<'PY'
import statistics, subprocess, sys, time
envm = sys.argv[1]
def median_ms(args, runs=200):
    for _ in range(20):
        subprocess.run(args, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
print(median_ms([envm, "exec", "--", "true"]), median_ms([envm, "exec", "--sandbox", "--", "true"]))
PY
  fi
}

added=()
for i in $(seq "$rounds"); do
  read -r plain boxed < <(measure)
  add=$(python3 -c "print(f'{$boxed - $plain:.2f}')")
  added+=("$add")
  printf 'run %d: plain %.2f ms, sandboxed %.2f ms, added %s ms\n' "$i" "$plain" "$boxed" "$add"
done
python3 -c 'import statistics,sys; a=[float(x) for x in sys.argv[1:]]; print(f"added (median of {len(a)} runs): {statistics.median(a):.2f} ms (target <= 5 ms)")' "${added[@]}"
