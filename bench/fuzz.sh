#!/usr/bin/env bash
# Fuzzes every parser fastware has (fuzz/fuzz_targets/*.rs, libFuzzer through
# cargo fuzz) for a set time each, from corpora seeded with the committed
# fixtures and small files the tools write here, and prints per target the
# executions, the corpus it grew to and the crashes found.
#
#   bench/fuzz.sh [TARGET…]    # FUZZ_SECONDS per target (default 60), or FUZZ_RUNS
#                              # executions each; needs cargo-fuzz (cargo install
#                              # cargo-fuzz), and perf/valgrind for some seeds
#
# Stable Rust with RUSTC_BOOTSTRAP=1 and no sanitizer (`-s none`: rustup's
# stable toolchain has no ASan runtime); panics, aborts and stack overflows
# are what is found. A crash input goes into a regression test of the
# ordinary `cargo test`.
source "$(dirname "$0")/common.sh"
secs=${FUZZ_SECONDS:-60}
limit="-max_total_time=$secs"
[ -n "${FUZZ_RUNS:-}" ] && limit="-runs=$FUZZ_RUNS"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(trace selfprof binary bench criterion profile heap history)
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is not installed: cargo install cargo-fuzz"; exit 1; }
corpus="$root/fuzz/corpus"
seed() { # target, files…
    local t=$1; shift
    mkdir -p "$corpus/$t"
    for f in "$@"; do [ -f "$f" ] && cp "$f" "$corpus/$t/" || true; done
}
fx="$root/tests/fixtures"
seed trace "$fx"/traces/tracee/tracee_types.llvm_timings.json.zst
zstd -dc "$fx/traces/tracee/tracee_types.llvm_timings.json.zst" 2>/dev/null > "$work/types.llvm_timings.json" && gzip -kf "$work/types.llvm_timings.json" && seed trace "$work/types.llvm_timings.json" "$work/types.llvm_timings.json.gz"
seed bench "$fx"/bench/*.txt "$fx"/bench/*.json "$fx"/results/bench-results.json
# criterion: the selector byte (0 benchmark.json, 1 estimates.json, 2 sample.json), then the file
mkdir -p "$corpus/criterion"
for i in 0 1 2; do
    f=$(echo benchmark estimates sample | cut -d' ' -f$((i + 1))).json
    { printf "\\x0$i"; cat "$fx/bench/criterion/parse_200/base/$f"; } > "$corpus/criterion/seed-$i"
done
# small real binaries and profiles, made here: a tiny Rust library (object
# file, rlib, self-profile) and a tiny C program (ELF with DWARF, its
# callgrind.out, DHAT and perf.data). Seeds are kept small (under 256 KB)
# so each execution is short; the big fixtures are for the tests.
mkdir -p "$work/fuzz-seeds" && cd "$work/fuzz-seeds"
cat > tiny.rs <<'RS'
pub fn f(x: u32) -> u32 { (0..x).map(|i| i.wrapping_mul(3)).fold(0, u32::wrapping_add) }
#[inline(never)]
pub fn g(v: &[u8]) -> usize { v.iter().filter(|b| **b > 3).count() + f(v.len() as u32) as usize }
RS
rustc --crate-type=rlib -O -g --emit=obj,link tiny.rs -o libtiny.rlib 2>/dev/null
rm -rf sp && RUSTC_BOOTSTRAP=1 rustc --crate-type=lib -Zself-profile=sp -Zself-profile-events=none tiny.rs --out-dir sp 2>/dev/null
cat > tiny.c <<'C'
#include <stdio.h>
#include <stdlib.h>
static inline long sq(long x) { return x * x; }
long work(long n) { long s = 0; for (long i = 0; i < n; i++) s += sq(i) % 7; return s; }
int main(int c, char **v) { char *p = malloc(64); printf("%ld\n", work(c * 20000000L) + (p != 0)); free(p); return 0; }
C
cc -g -O1 tiny.c -o tiny
seed binary libtiny.o libtiny.rlib tiny
seed selfprof sp/*.mm_profdata
if command -v valgrind >/dev/null; then
    valgrind -q --tool=callgrind --toggle-collect=main --callgrind-out-file=tiny.callgrind ./tiny >/dev/null
    valgrind -q --tool=dhat --dhat-out-file=tiny.dhat.json ./tiny >/dev/null
    seed profile tiny.callgrind
    seed heap tiny.dhat.json
fi
if perf record -q -e cpu-clock -F 999 -g -o tiny.perf.data -- ./tiny >/dev/null 2>&1; then
    seed profile tiny.perf.data
fi
# history: a real store holding a build of the tracee fixture, and its export
rm -rf tracee seed.sqlite* && cp -r "$fx/tracee" tracee
if (cd tracee && "$fw" --store "$PWD/../seed.sqlite" build --format json >/dev/null 2>&1 \
    && "$fw" --store "$PWD/../seed.sqlite" runs export >../runs.jsonl); then
    mkdir -p "$corpus/history"
    { printf '\x00'; cat runs.jsonl; } >"$corpus/history/seed-lines"
    { printf '\x01'; cat seed.sqlite; } >"$corpus/history/seed-store"
fi
cd "$root"
# only small seeds (and see max_len below)
find "$corpus" -type f -size +256k -delete

per="$secs s"
[ -n "${FUZZ_RUNS:-}" ] && per="$FUZZ_RUNS executions"
echo "== machine: $(nproc) cores, $(rustc --version), $per per target"
printf "%-10s %14s %8s %8s %8s\n" target executions seconds corpus crashes
cd "$root/fuzz"
RUSTC_BOOTSTRAP=1 cargo fuzz build -s none >/dev/null 2>&1
for t in "${targets[@]}"; do
    log="$work/fuzz-$t.log"
    start=$(date +%s)
    max_len=262144
    [ "$t" = heap ] && max_len=32768 # DHAT files parse slowly; small ones reach the same code
    find "corpus/$t" -type f -size +"$((max_len / 1024))"k -delete
    RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$t" "corpus/$t" -- \
        "$limit" -print_final_stats=1 -rss_limit_mb=4096 -max_len="$max_len" -timeout=10 >"$log" 2>&1 || true
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    crashes=$(ls artifacts/"$t"/ 2>/dev/null | grep -c '^crash-\|^oom-\|^timeout-' || true)
    printf "%-10s %14s %8s %8s %8s\n" "$t" "${execs:-?}" "$(($(date +%s) - start))" "$(ls "corpus/$t" | wc -l)" "$crashes"
done
