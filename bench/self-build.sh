#!/usr/bin/env bash
# fastware's own clean release build, timed: `cargo build --release` of the
# committed tree (git archive of HEAD) into an empty target directory, the
# registry already fetched; then the units that took longest (cargo's
# --timings). The target: under 2 minutes on 2 cores.
#
#   bench/self-build.sh
source "$(dirname "$0")/common.sh"
tree="$work/self-build"
rm -rf "$tree" && mkdir -p "$tree"
git archive HEAD | tar -xf - -C "$tree"
cargo fetch -q --manifest-path "$tree/Cargo.toml"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
start=$(date +%s.%N)
cargo build --release -q --manifest-path "$tree/Cargo.toml" --target-dir "$tree/target" --timings
end=$(date +%s.%N)
python3 - "$start" "$end" "$tree/target/cargo-timings/cargo-timing.html" <<'PY'
import json, re, sys
start, end, timings = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
wall = end - start
print(f"clean release build: {wall:.1f} s (target 120 s: {wall / 120:.2f}× the target)")
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", open(timings).read(), re.S).group(1))
units.sort(key=lambda u: -u["duration"])
print("longest units:")
for u in units[:10]:
    print(f"  {u['duration']:6.1f} s  {u['name']} {u.get('target', '').strip()}")
PY
