#!/usr/bin/env bash
# `fastware bench cargo --instructions` against the valgrind runs it makes,
# run by hand: on tests/fixtures/counted (11 criterion benchmarks), once
# built, fastware lists the benchmarks, runs each under callgrind (two at a
# time on 2 cores), reads every recording and keeps the run; the peer is the
# same valgrind command lines fastware runs (built by this script), run by
# `xargs -P $(nproc)` with nothing read afterwards. Prints both wall times
# and the ratio: fastware's own overhead (the run kept in the history, as
# by default).
#
#   bench/instructions.sh      # needs valgrind
source "$(dirname "$0")/common.sh"
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 1; }
proj="$work/counted"
rm -rf "$proj" && cp -r "$root/tests/fixtures/counted" "$proj"
cd "$proj"
echo "== $(nproc) cores; $(valgrind --version); tests/fixtures/counted"
# the first run builds the counting copy; the timed runs find it fresh
"$fw" --no-history bench cargo --instructions >/dev/null 2>&1
bin=$(ls target/fastware/instructions/target/release/deps/count-* | grep -v '\.d$' | head -1)
names=$("$bin" --bench --list | sed -n 's/: benchmark$//p')
jobs="$work/valgrind-jobs.txt"
: >"$jobs"
k=0
while read -r name; do
    echo "FASTWARE_ITERATIONS=10 valgrind --tool=callgrind --cache-sim=yes --dump-instr=yes --fair-sched=yes --callgrind-out-file=$work/peer-$k.out $bin --bench --test --exact '$name'" >>"$jobs"
    k=$((k + 1))
done <<<"$names"
best() { sort -n | head -1; }
ours=$(for i in 1 2 3; do
    /usr/bin/time -f "%e" -o "$work/t.txt" "$fw" bench cargo --instructions >/dev/null 2>&1; cat "$work/t.txt"
done | best)
peer=$(for i in 1 2 3; do
    rm -f "$work"/peer-*.out*
    /usr/bin/time -f "%e" -o "$work/t.txt" sh -c "xargs -P $(nproc) -I{} sh -c '{} >/dev/null 2>&1' <'$jobs'"; cat "$work/t.txt"
done | best)
printf "%-60s %8.2f s\n" "fastware bench cargo --instructions ($k benchmarks)" "$ours"
printf "%-60s %8.2f s\n" "the same valgrind runs by xargs -P $(nproc)" "$peer"
awk -v a="$ours" -v b="$peer" 'BEGIN { printf "ratio fastware / valgrind alone: %.3f (overhead %+.1f%%)\n", a / b, (a / b - 1) * 100 }'
