#!/usr/bin/env bash
# Cost of the sandbox: `envm exec --sandbox -- true` against `envm exec -- true`, release build,
# one hyperfine run, medians compared (target: at most 5 ms added).
# Usage: benches/sandbox.sh [ENVM_BINARY]   (default: builds target/release/envm)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then
  envm=$(realpath "$1")
else
  cargo build --release --quiet
  envm=$PWD/target/release/envm
fi
command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install hyperfine)" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/home" "$root/project"
printf '[tools]\n' >"$root/project/envm.toml"
cd "$root/project"
export HOME=$root/home ENVM_HOME=$root/envm
json=$root/result.json
hyperfine --warmup 20 --min-runs 200 -N --export-json "$json" \
  "$envm exec -- true" \
  "$envm exec --sandbox -- true"
python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
plain, boxed = (x["median"] * 1000 for x in r)
print(f"median: plain {plain:.2f} ms, sandboxed {boxed:.2f} ms, added {boxed - plain:.2f} ms (target <= 5 ms)")
PY
