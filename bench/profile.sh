#!/usr/bin/env bash
# Speed and memory of `fastware profile` on big real profiles, against the
# tools users run today on the same files:
#
#   bench/profile.sh           # needs: perf, valgrind, GNU time, cargo (crates.io)
#
#   perf.data of ripgrep 14.1.1 (line tables) searching the cargo registry,
#   recorded with --call-graph dwarf until the file passes 1 GB:
#     fastware profile perf.data               vs  perf report --stdio
#     fastware profile flamegraph perf.data    vs  perf script | inferno-collapse-perf | inferno-flamegraph
#   callgrind.out of ripgrep (--dump-instr=yes):
#     fastware profile callgrind.out           vs  callgrind_annotate
# Targets (issue 11): >= 10x the perf script pipeline, >= 2x perf report, less
# peak memory; a 100 MB callgrind.out in under 1 s.
source "$(dirname "$0")/common.sh"
rg=$(ripgrep_line_tables)
corpus=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)

if ! command -v inferno-flamegraph >/dev/null; then
    echo "== installing inferno (cargo install inferno)"
    cargo install -q inferno --locked
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version), $(perf --version)"

data="$work/rg.perf.data"
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
if [ "$(size "$data")" -lt 1000000000 ]; then
    echo "== recording $data (rg searching $corpus, --call-graph dwarf, until it passes 1 GB)"
    perf record -q -e cpu-clock -F 4999 --call-graph dwarf -o "$data" -- \
        bash -c "for i in \$(seq 1 200); do '$rg' -c 'fn [a-z_]+\(' '$corpus' >/dev/null; s=\$(stat -c %s '$data'); [ \$s -gt 1100000000 ] && break; done" 2>&1 | tail -2
fi
echo "== input: $data ($(size "$data" | awk '{printf "%.2f GB", $1/1e9}'))"
cat "$data" >/dev/null

measure_once "fastware profile perf.data (top functions)" "$fw" profile "$data"
measure_once "fastware profile flamegraph perf.data -o fw.svg" "$fw" profile flamegraph "$data" -o "$work/fw.svg" --force
measure_once "perf report --stdio --no-children (perf's own)" perf report --stdio --no-children -i "$data"
measure_once "perf script | inferno-collapse-perf | inferno-flamegraph" \
    bash -c "perf script -i '$data' | inferno-collapse-perf | inferno-flamegraph > '$work/inferno.svg'"
if command -v samply >/dev/null; then
    measure_once "samply import perf.data (no browser)" samply import --no-open --save-only -o "$work/samply.json.gz" "$data"
else
    echo "samply is not installed: not timed (cargo install samply)"
fi

cg="$work/rg.callgrind.out"
if [ ! -s "$cg" ]; then
    echo "== recording $cg (valgrind --tool=callgrind --dump-instr=yes --dump-line=yes)"
    valgrind -q --tool=callgrind --dump-instr=yes --dump-line=yes --callgrind-out-file="$cg" \
        "$rg" -j1 -c 'fn [a-z_]+\(' "$corpus" >/dev/null 2>"$work/valgrind.txt" || true
fi
echo "== input: $cg ($(size "$cg" | awk '{printf "%.1f MB", $1/1e6}'))"
cat "$cg" >/dev/null
measure_once "fastware profile callgrind.out (top functions)" "$fw" profile "$cg"
measure_once "callgrind_annotate callgrind.out" callgrind_annotate "$cg"
measure_once "callgrind_annotate --inclusive=yes callgrind.out" callgrind_annotate --inclusive=yes "$cg"
