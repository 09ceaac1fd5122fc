#!/usr/bin/env bash
# Fuzzes every parser fastware has (fuzz/fuzz_targets/*.rs, libFuzzer through
# cargo fuzz) for a set time each, from corpora seeded with the committed
# fixtures and small files the tools write here, and prints per target the
# executions, the corpus it grew to and the crashes found.
#
#   bench/fuzz.sh              # FUZZ_SECONDS per target (default 60); needs cargo-fuzz
#                              # (cargo install cargo-fuzz), and perf/valgrind for seeds
#
# Stable Rust with RUSTC_BOOTSTRAP=1 and no sanitizer (`-s none`: rustup's
# stable toolchain has no ASan runtime); panics, aborts and stack overflows
# are what is found. A crash input goes into a regression test of the
# ordinary `cargo test`.
source "$(dirname "$0")/common.sh"
secs=${FUZZ_SECONDS:-60}
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is not installed: cargo install cargo-fuzz"; exit 1; }
corpus="$root/fuzz/corpus"
seed() { # target, files…
    local t=$1; shift
    mkdir -p "$corpus/$t"
    for f in "$@"; do [ -f "$f" ] && cp "$f" "$corpus/$t/" || true; done
}
fx="$root/tests/fixtures"
seed trace "$fx"/traces/tracee/*
zstd -dc "$fx/traces/tracee/tracee_app.llvm_timings.json.zst" 2>/dev/null > "$work/app.llvm_timings.json" && gzip -kf "$work/app.llvm_timings.json" && seed trace "$work/app.llvm_timings.json" "$work/app.llvm_timings.json.gz"
seed selfprof "$fx"/profiles/*.mm_profdata
seed bench "$fx"/bench/*.txt "$fx"/bench/*.json "$fx"/results/bench-results.json
seed heap "$fx"/heap/*.json
# small real binaries and profiles of the inliner fixture
(cd "$fx/inliner" && cargo build -q --release --target-dir "$work/fuzz-inliner")
inliner="$work/fuzz-inliner/release/inliner"
seed binary "$inliner" "$work/fuzz-inliner/release/libinliner.rlib"
if command -v valgrind >/dev/null; then
    valgrind -q --tool=callgrind --dump-instr=yes --callgrind-out-file="$work/inliner.callgrind" "$inliner" >/dev/null
    seed profile "$work/inliner.callgrind"
fi
if perf record -q -e cpu-clock -F 99 -g -o "$work/inliner.perf.data" -- "$inliner" >/dev/null 2>&1; then
    seed profile "$work/inliner.perf.data"
fi

echo "== machine: $(nproc) cores, $(rustc --version), $secs s per target"
printf "%-10s %14s %8s %8s\n" target executions corpus crashes
cd "$root/fuzz"
for t in trace selfprof binary bench profile heap; do
    log="$work/fuzz-$t.log"
    RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$t" "corpus/$t" -- \
        -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=4096 -max_len=1048576 >"$log" 2>&1 || true
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    crashes=$(ls artifacts/"$t"/ 2>/dev/null | grep -c '^crash-\|^oom-\|^timeout-' || true)
    printf "%-10s %14s %8s %8s\n" "$t" "${execs:-?}" "$(ls "corpus/$t" | wc -l)" "$crashes"
done
