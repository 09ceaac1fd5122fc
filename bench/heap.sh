#!/usr/bin/env bash
# Speed and memory of `fastware heap` on a big real DHAT file, against the
# Python walk a user writes today (bench/heap_top.py: json.load, then the top
# table by first frame past the allocator):
#
#   bench/heap.sh              # needs: valgrind, python3, GNU time
#
# Input: valgrind --tool=dhat of rustc compiling a generated 1,200-line crate
# (bench/make_big_rs.py) with -O and full debug info, until the file passes
# 300 MB (several compilations, one file each; the largest is read).
# Target (issue 12): at least 10x faster than the walk, peak RSS no more than
# the file's size.
source "$(dirname "$0")/common.sh"

data="$work/rustc.dhat.json"
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
if [ "$(size "$data")" -lt 300000000 ]; then
    echo "== recording $data (rustc under valgrind --tool=dhat; minutes)"
    mkdir -p "$work/cg"
    python3 "$root/bench/make_big_rs.py" "$work/cg/big.rs"
    valgrind -q --tool=dhat --demangle=no --dhat-out-file="$data" \
        "$(rustc --print sysroot)/bin/rustc" --edition 2021 -O -Cdebuginfo=2 -Ccodegen-units=1 \
        "$work/cg/big.rs" -o "$work/cg/big-dhat"
fi
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version), $(python3 --version)"
echo "== input: $data ($(size "$data" | awk '{printf "%.0f MB", $1/1e6}'), $(grep -c '"tb"' "$data") program points)"
cat "$data" >/dev/null
measure_once "fastware heap FILE (sites by bytes)" "$fw" heap "$data"
measure_once "fastware heap FILE --by function --sort short-lived" "$fw" heap "$data" --by function --sort short-lived
measure_once "python3 bench/heap_top.py FILE (json.load + walk)" python3 "$root/bench/heap_top.py" "$data"
