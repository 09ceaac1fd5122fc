#!/usr/bin/env bash
# Speed and memory of `fastware profile` on big real profiles, against the
# tools users run today on the same files:
#
#   bench/profile.sh           # needs: perf, valgrind, GNU time, cargo (crates.io)
#   bench/profile.sh small     # only a small callgrind.out: rustc -O of a 1-line
#                              # program (17 s to record; loading librustc_driver's
#                              # symbols is much of what `profile` does with it)
#
#   perf.data of ripgrep 14.1.1 (line tables) searching the cargo registry,
#   recorded with --call-graph dwarf until the file passes 1 GB:
#     fastware profile perf.data               vs  perf report --stdio
#     fastware profile flamegraph perf.data    vs  perf script | inferno-collapse-perf | inferno-flamegraph
#   callgrind.out of rustc compiling regex-syntax with -O (--dump-instr=yes
#   --dump-line=yes; rustc's driver is a big real program):
#     fastware profile callgrind.out           vs  callgrind_annotate
# Targets (issue 11): >= 10x the perf script pipeline, >= 2x perf report, less
# peak memory; a 100 MB callgrind.out in under 1 s.
source "$(dirname "$0")/common.sh"
size() { stat -c %s "$1" 2>/dev/null || echo 0; }

if [ "${1:-}" = small ]; then
    echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
    cg="$work/rustc-hello.callgrind.out"
    if [ ! -s "$cg" ]; then
        printf 'fn main() { let v: Vec<u64> = (0..100).collect(); println!("{}", v.iter().sum::<u64>()); }\n' > "$work/hello.rs"
        valgrind -q --tool=callgrind --dump-instr=yes --dump-line=yes --callgrind-out-file="$cg" \
            "$(real_rustc)" --edition 2021 -O "$work/hello.rs" -o "$work/hello"
    fi
    echo "== input: $cg ($(size "$cg" | awk '{printf "%.1f MB", $1/1e6}'))"
    cat "$cg" >/dev/null
    cargo build -q --release -p fastware-profile --example read_callgrind
    for _ in 1 2 3; do "$root/target/release/examples/read_callgrind" "$cg"; done
    if command -v hyperfine >/dev/null; then
        hyperfine -N -w 1 -r 3 "$fw profile $cg" "callgrind_annotate $cg"
    fi
    measure_once "fastware profile callgrind.out (top functions)" "$fw" profile "$cg"
    measure_once "callgrind_annotate callgrind.out" callgrind_annotate "$cg"
    exit 0
fi

rg=$(ripgrep_line_tables)
corpus=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)

if ! command -v inferno-flamegraph >/dev/null; then
    echo "== installing inferno (cargo install inferno)"
    cargo install -q inferno --locked
fi

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version), $(perf --version)"

data="$work/rg.perf.data"
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
    # symbols resolved as fastware does (without it samply leaves that to its web UI)
    measure_once "samply import --save-only --unstable-presymbolicate" \
        samply import --no-open --save-only --unstable-presymbolicate -o "$work/samply.json.gz" "$data"
else
    echo "samply is not installed: not timed (cargo install samply)"
fi

cg="$work/rustc-regex-syntax.callgrind.out"
if [ ! -s "$cg" ]; then
    src=$(regex_syntax_src)
    echo "== recording $cg (rustc -O of regex-syntax under valgrind --tool=callgrind; about 20 minutes)"
    valgrind -q --tool=callgrind --dump-instr=yes --dump-line=yes --callgrind-out-file="$cg" \
        "$(real_rustc)" --edition 2021 --crate-type lib --crate-name regex_syntax -O "$src/src/lib.rs" -o "$work/regex_syntax-cg.rlib"
fi
echo "== input: $cg ($(size "$cg" | awk '{printf "%.1f MB", $1/1e6}'))"
cat "$cg" >/dev/null
cargo build -q --release -p fastware-profile --example read_callgrind
for _ in 1 2 3; do "$root/target/release/examples/read_callgrind" "$cg"; done
measure_once "fastware profile callgrind.out (top functions)" "$fw" profile "$cg"
measure_once "callgrind_annotate callgrind.out" callgrind_annotate "$cg"
measure_once "callgrind_annotate --inclusive=yes callgrind.out" callgrind_annotate --inclusive=yes "$cg"
