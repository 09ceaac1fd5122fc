#!/usr/bin/env bash
# Speed of fastware's machine-code commands on a real release binary:
# ripgrep 14.1.1 built with debug = "line-tables-only" (22 MB, 7,000 functions).
#
#   bench/binary.sh            # needs: cargo (crates.io), GNU time, objdump
#
#   fastware asm FUNC --file rg            vs  objdump -d --disassemble=SYMBOL rg
#   fastware asm FUNC --source --file rg
#   fastware inline FUNC --file rg         (whole-binary call-site scan + DWARF inlined places)
#   fastware size / diff on the same file
#   cargo asm (cargo-show-asm), when installed: it rebuilds the crate with --emit asm
#     (set CARGO_SHOW_ASM=/path/to/cargo-asm, or have it on PATH)
# Targets (issue 5): asm under 0.3 s, inline under 1 s, no dependency rebuilds.
source "$(dirname "$0")/common.sh"

rg=$(ripgrep_line_tables)
func='regex_automata::nfa::thompson::pikevm::PikeVM::search_slots'
raw=$(nm "$rg" | awk '/PikeVM12search_slots/ && !f {print $3; f=1}')

measure() { # name, command...
    local name=$1; shift
    local best=""
    for _ in 1 2 3; do
        /usr/bin/time -o "$work/time.txt" -f "%e %M" "$@" >/dev/null 2>"$work/stderr.txt" || {
            echo "FAILED: $name"; cat "$work/stderr.txt"; return 1; }
        read -r wall rss <"$work/time.txt"
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $wall < $best else 1)"; then best=$wall; best_rss=$rss; fi
    done
    printf "%-58s %6.2f s %6.0f MB\n" "$name" "$best" "$((best_rss / 1024))"
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
echo "== input: $rg ($(stat -c %s "$rg" | awk '{printf "%.1f MB", $1/1e6}'), $("$fw" size --file "$rg" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["functions"])') functions); best of 3"
cat "$rg" >/dev/null
measure "fastware asm FUNC --file rg" "$fw" asm "$func" --file "$rg"
measure "fastware asm FUNC --source --file rg" "$fw" asm "$func" --source --file "$rg"
measure "objdump -d --disassemble=SYMBOL rg" objdump -d "--disassemble=$raw" "$rg"
measure "objdump -d rg (the whole file, what | rg pipelines read)" objdump -d "$rg"
# the target of issue 34: asm no slower than objdump on one symbol; times of
# tens of ms need more runs than best-of-3 to tell apart: hyperfine, 40 runs
if command -v hyperfine >/dev/null; then
    hyperfine -N -w 3 -r 40 --export-json "$work/asm.json" \
        "$fw asm $func --file $rg --no-history" \
        "objdump -d --disassemble=$raw $rg" \
        "objdump -l -d --disassemble=$raw $rg" >/dev/null 2>&1
    python3 - "$work/asm.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
fw = r[0]["mean"]
for x in r:
    print(f"  {x['command'][:70]:<70} {x['mean']*1e3:6.1f} ms ± {x['stddev']*1e3:4.1f}   fastware asm / this: {fw / x['mean']:.2f}")
PY
else
    echo "hyperfine is not installed: the asm/objdump ratio is not measured (apt-get install hyperfine)"
fi
measure "fastware inline FUNC --file rg" "$fw" inline "$func" --file "$rg"
measure "fastware size --by generic-set --file rg" "$fw" size --by generic-set --file "$rg"
measure "fastware diff rg rg (every function decoded, twice)" "$fw" diff "$rg" "$rg"
measure "fastware asm rg::run --file rg" "$fw" asm rg::run --file "$rg"
csa=${CARGO_SHOW_ASM:-$(command -v cargo-asm || true)}
if [ -n "$csa" ]; then
    # cargo-show-asm builds the crate again with --emit asm (in its own target dir here)
    asm_of() { (cd "$rg_src" && CARGO_PROFILE_RELEASE_DEBUG=line-tables-only "$csa" asm --release --target-dir "$work/rg-csa" --bin rg "$@"); }
    rm -rf "$work/rg-csa"
    start=$(date +%s.%N)
    asm_of rg::run >/dev/null 2>&1 || true
    printf "%-58s %6.2f s\n" "cargo asm --bin rg rg::run (cargo-show-asm), first run" "$(python3 -c "print($(date +%s.%N)-$start)")"
    export -f asm_of; export csa rg_src work
    measure "cargo asm --bin rg rg::run (cargo-show-asm), built" bash -c 'asm_of rg::run'
    # a function the real binary has, but the --emit asm build does not
    missing=$(asm_of rg::flags::parse::parse 2>&1 || true)
    if grep -q "Can't find" <<<"$missing"; then
        echo "cargo asm rg::flags::parse::parse: not found in the --emit asm build; fastware finds it in the real binary:"
        "$fw" asm rg::flags::parse::parse --file "$rg" | head -1
    fi
else
    echo "cargo-show-asm is not installed: not timed (cargo install cargo-show-asm)"
fi
