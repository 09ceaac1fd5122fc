#!/usr/bin/env bash
# `fastware llvm-lines` against cargo-llvm-lines on ripgrep 14.1.1 (33
# crates from crates.io): the root crate (the `rg` binary) cold and warm,
# then every crate (`--all-crates`, warm from the first build) and the
# traced build of `--with-trace`. Prints wall time, peak memory, the ratio
# fastware / cargo-llvm-lines, and both tools' totals for the root crate.
#
#   bench/llvm-lines.sh          # needs cargo-llvm-lines (cargo install --locked cargo-llvm-lines@0.4.48)
#
# Cold: both tools' target directories removed first. Warm: the same
# command again (cargo-llvm-lines recompiles the root crate each time, as
# its output goes to a new temporary directory; fastware finds it fresh).
source "$(dirname "$0")/common.sh"
command -v cargo-llvm-lines >/dev/null || { echo "cargo-llvm-lines is not installed"; exit 1; }
ripgrep_source
cd "$rg_src"
cll_target="$work/cll-target"
peer=(cargo llvm-lines --release --bin rg --target-dir "$cll_target" -- -Csymbol-mangling-version=v0)
ours=("$fw" llvm-lines --bin rg --by instance --top 0 --format json)
echo "== $(nproc) cores; ripgrep 14.1.1, release profile, v0 mangling"
seconds() { awk '{print $1}' "$work/time.txt"; }

rm -rf "$cll_target" target/fastware/llvm-lines
measure_once "cargo-llvm-lines --bin rg (cold)" "${peer[@]}"; peer_cold=$(seconds)
measure_once "fastware llvm-lines --bin rg (cold)" "${ours[@]}"; ours_cold=$(seconds)
measure_once "cargo-llvm-lines --bin rg (warm)" "${peer[@]}"; peer_warm=$(seconds)
measure_once "fastware llvm-lines --bin rg (warm)" "${ours[@]}"; ours_warm=$(seconds)
measure_once "fastware llvm-lines --all-crates (warm)" "$fw" llvm-lines --all-crates --format json
measure_once "fastware llvm-lines --all-crates --with-trace (traced build cold)" "$fw" llvm-lines --all-crates --with-trace --format json
awk -v a="$ours_cold" -v b="$peer_cold" -v c="$ours_warm" -v d="$peer_warm" \
    'BEGIN { printf "ratio fastware / cargo-llvm-lines: cold %.2f, warm %.2f\n", a / b, c / d }'

# the totals of the root crate, by both tools
theirs=$("${peer[@]}" 2>/dev/null | awk '/\(TOTAL\)/ { print $1 " lines, " $2 " copies" }')
mine=$("${ours[@]}" 2>/dev/null | jq -r '"\(.total_lines) lines, \(.total_copies) copies"')
echo "rg totals: cargo-llvm-lines $theirs; fastware $mine"
