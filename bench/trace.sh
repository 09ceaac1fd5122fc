#!/usr/bin/env bash
# Speed and memory of `fastware trace` on large LLVM time traces made of real
# rustc events, against the seed's jq pipeline and a Python json.load.
#
#   bench/trace.sh            # needs: cargo (crates.io), python3, jq, GNU time
#
# Steps (cached under $FASTWARE_BENCH_DIR, default target/bench):
#  1. release build of ripgrep 14.1.1 (from crates.io, ~30 crates) under
#     RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Zllvm-time-trace: one real trace per crate;
#  2. bench/make_big_trace.py: those real events repeated (with fresh thread
#     ids) into single files of at least 1.5 GB ("big": all 33 traces once,
#     1.94 GB) and at least 5 GB ("huge": 3 repeats, 5.87 GB);
#  3. timings: wall time, peak RSS (largest process) and GB/s of
#       fastware trace FILE --by function          (both cores, and -j 1)
#       sed | jq | rustfilt | awk   (the seed's pipeline, streamed through one rustfilt)
#       python3 bench/sum_optfunction.py           (json.load + sum)
#     and fastware on the whole-build directory and on the 5 GB file.
source "$(dirname "$0")/common.sh"

rg_target="$work/ripgrep-target"
if [ ! -f "$rg_target/.done" ]; then
    echo "== building ripgrep 14.1.1 with -Zllvm-time-trace (a few minutes)"
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zllvm-time-trace" CARGO_TARGET_DIR="$rg_target" \
        cargo install ripgrep --version 14.1.1 --locked --root "$work/ripgrep-root" --force -q
    touch "$rg_target/.done"
fi
traces="$rg_target/release/deps"
if ! command -v rustfilt >/dev/null && [ ! -x "$work/tools/bin/rustfilt" ]; then
    cargo install rustfilt --version 0.2.1 --locked --root "$work/tools" -q
fi
export PATH="$work/tools/bin:$PATH"

big="$work/big.llvm_timings.json"
huge="$work/huge.llvm_timings.json"
[ -f "$big" ] || python3 bench/make_big_trace.py --size 1.5 -o "$big" "$traces"/*.llvm_timings.json
[ -f "$huge" ] || python3 bench/make_big_trace.py --size 5 -o "$huge" "$traces"/*.llvm_timings.json

measure() { # name, bytes, command...
    local name=$1 bytes=$2; shift 2
    local stats="$work/time.txt"
    /usr/bin/time -o "$stats" -f "%e %M %U %S" "$@" >/dev/null 2>"$work/stderr.txt" || {
        echo "FAILED: $name"; cat "$work/stderr.txt"; return 1; }
    read -r wall rss user sys <"$stats"
    local gbs
    gbs=$(python3 -c "print(f'{$bytes/1e9/max($wall,0.001):.2f}')")
    printf "%-46s %8.2f s %9.0f MB %8s GB/s  cpu %.0f%%\n" "$name" "$wall" "$((rss / 1024))" "$gbs" \
        "$(python3 -c "print(($user+$sys)/max($wall,0.001)*100)")"
    eval "t_${name//[^a-zA-Z0-9]/_}=$wall; m_${name//[^a-zA-Z0-9]/_}=$rss"
}

bytes() { stat -c %s "$1"; }
dirbytes() { cat "$1"/*.llvm_timings.json | wc -c; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== inputs: $(ls "$traces"/*.llvm_timings.json | wc -l) real traces ($(dirbytes "$traces" | awk '{printf "%.2f GB", $1/1e9}')), $(basename "$big") ($(bytes "$big" | awk '{printf "%.2f GB", $1/1e9}')), $(basename "$huge") ($(bytes "$huge" | awk '{printf "%.2f GB", $1/1e9}'))"
# warm the page cache so every tool reads from memory
cat "$big" >/dev/null

B=$(bytes "$big")
measure "cat big > /dev/null (the read's floor)" "$B" cat "$big"
measure "fastware trace big --by function" "$B" "$fw" trace "$big" --by function
measure "fastware trace big --by function -j 1" "$B" "$fw" trace "$big" --by function -j 1
measure "fastware trace big (summary)" "$B" "$fw" trace "$big"
measure "jq pipeline big (sed|jq|rustfilt|awk)" "$B" bash -c \
    "sed -E 's/},/}\n/g;s/^\{\"traceEvents\":\[//;s/\],\"beginningOfTime\":[0-9]+}\$//' '$big' \
     | jq -r 'select(.name == \"OptFunction\") | \"\(.dur) \(.args.detail)\"' \
     | rustfilt | awk '{d=\$1; \$1=\"\"; s[\$0]+=d} END {for (k in s) print s[k], k}' | sort -rn | head"
measure "python json.load big" "$B" python3 bench/sum_optfunction.py "$big"
cat "$huge" >/dev/null 2>&1 || true
H=$(bytes "$huge")
measure "fastware trace huge --by function" "$H" "$fw" trace "$huge" --by function
D=$(dirbytes "$traces")
measure "fastware trace whole build dir" "$D" "$fw" trace "$traces"
measure "fastware trace slim big --min-dur 1ms" "$B" "$fw" trace slim "$big" -o "$work/slim.json" --min-dur 1ms
python3 -c "import json,sys; d=json.load(open('$work/slim.json')); print('slim output: valid JSON, %d events, %.1f MB' % (len(d['traceEvents']), $(bytes "$work/slim.json")/1e6))"

ratio() { python3 -c "print(f'{$1/$2:.1f}')"; }
echo
echo "ratios (big file, fastware trace --by function):"
echo "  jq pipeline / fastware:     $(ratio "$t_jq_pipeline_big__sed_jq_rustfilt_awk_" "$t_fastware_trace_big___by_function") x wall time"
echo "  fastware / cat (the floor):  $(ratio "$t_fastware_trace_big___by_function" "$t_cat_big____dev_null__the_read_s_floor_") x wall time"
echo "  python json.load / fastware: $(ratio "$t_python_json_load_big" "$t_fastware_trace_big___by_function") x wall time, $(ratio "$m_python_json_load_big" "$m_fastware_trace_big___by_function") x peak RSS"
echo "  huge / big peak RSS:          $(python3 -c "print(f'{$m_fastware_trace_huge___by_function/$m_fastware_trace_big___by_function:.2f}')") x"
