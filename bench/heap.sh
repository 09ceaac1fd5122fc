#!/usr/bin/env bash
# Speed and memory of `fastware heap` on a big real DHAT file, against the
# Python walk a user writes today (bench/heap_top.py: json.load, then the top
# table by first frame past the allocator):
#
#   bench/heap.sh              # needs: valgrind, python3, GNU time
#
# Input: valgrind --tool=dhat --num-callers=100 of rustc compiling the
# regex-syntax crate (from the cargo registry) with -O: rustc allocates from
# a great many distinct stacks, so the file is large (about 15 minutes to
# record here).
# Target (issue 12): at least 10x faster than the walk, peak RSS no more than
# the file's size.
source "$(dirname "$0")/common.sh"

data="$work/rustc-big.dhat.json"
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
if [ "$(size "$data")" -eq 0 ]; then
    src=$(regex_syntax_src)
    echo "== recording $data (rustc -O of regex-syntax under valgrind --tool=dhat; about 15 minutes)"
    valgrind -q --tool=dhat --demangle=no --num-callers=100 --dhat-out-file="$data" \
        "$(real_rustc)" --edition 2021 --crate-type lib --crate-name regex_syntax -O \
        "$src/src/lib.rs" -o "$work/regex_syntax.rlib"
fi
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version), $(python3 --version)"
echo "== input: $data ($(size "$data" | awk '{printf "%.0f MB", $1/1e6}'), $(grep -c '"tb"' "$data") program points)"
cat "$data" >/dev/null
measure_once "fastware heap FILE (sites by bytes)" "$fw" heap "$data"
measure_once "fastware heap FILE --by function --sort short-lived" "$fw" heap "$data" --by function --sort short-lived
measure_once "python3 bench/heap_top.py FILE (json.load + walk)" python3 "$root/bench/heap_top.py" "$data"
