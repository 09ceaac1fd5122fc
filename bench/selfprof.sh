#!/usr/bin/env bash
# Speed and memory of `fastware self-profile` against measureme's summarize,
# on real rustc self-profiles.
#
#   bench/selfprof.sh            # needs: cargo (crates.io), GNU time
#
#  1. release build of ripgrep 14.1.1 (33 crates from crates.io) under
#     RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zself-profile=<dir> -Zself-profile-events=default,args"
#     (cached under $FASTWARE_BENCH_DIR, default target/bench);
#  2. timings on the largest profile (> 100 MB) and on the whole directory:
#       fastware self-profile FILE|DIR
#       summarize summarize FILE  (measureme's tool, when installed; it is not
#         on crates.io: cargo install --git https://github.com/rust-lang/measureme summarize)
#       bench/analyzeme-summarize FILE  (measureme's reader and analysis through
#         the analyzeme crate: summarize's work, always available)
#     For the directory, the peers run once per file, one after the other.
source "$(dirname "$0")/common.sh"
cargo build --release -q --manifest-path bench/analyzeme-summarize/Cargo.toml --target-dir "$work/analyzeme-summarize"
am="$work/analyzeme-summarize/release/analyzeme-summarize"

profiles="$work/ripgrep-selfprofile/profiles"
if [ ! -f "$work/ripgrep-selfprofile/.done" ]; then
    echo "== building ripgrep 14.1.1 with -Zself-profile (about a minute)"
    rm -rf "$work/ripgrep-selfprofile" && mkdir -p "$profiles"
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zself-profile=$profiles -Zself-profile-events=default,args" \
        CARGO_TARGET_DIR="$work/ripgrep-selfprofile/target" \
        cargo install ripgrep --version 14.1.1 --locked --root "$work/ripgrep-selfprofile/root" --force -q
    rm -f "$profiles"/___-*.mm_profdata   # cargo's target-info probes
    touch "$work/ripgrep-selfprofile/.done"
fi
big=$(ls -S "$profiles"/*.mm_profdata | head -1)

measure() { # name, command...
    local name=$1; shift
    /usr/bin/time -o "$work/time.txt" -f "%e %M %U %S" "$@" >/dev/null 2>"$work/stderr.txt" || {
        echo "FAILED: $name"; cat "$work/stderr.txt"; return 1; }
    read -r wall rss user sys <"$work/time.txt"
    printf "%-52s %8.2f s %8.0f MB  cpu %3.0f%%\n" "$name" "$wall" "$((rss / 1024))" \
        "$(python3 -c "print(($user+$sys)/max($wall,0.001)*100)")"
}
each() { # run a command once per profile, sequentially
    local cmd=$1
    for f in "$profiles"/*.mm_profdata; do "$cmd" summarize "$f" >/dev/null 2>&1 || return 1; done
}
each_am() { for f in "$profiles"/*.mm_profdata; do "$am" "$f" >/dev/null || return 1; done; }
export -f each_am; export am profiles

n=$(ls "$profiles"/*.mm_profdata | wc -l)
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== inputs: $(basename "$big") ($(stat -c %s "$big" | awk '{printf "%.0f MB", $1/1e6}')), and $n profiles ($(cat "$profiles"/*.mm_profdata | wc -c | awk '{printf "%.0f MB", $1/1e6}'))"
cat "$profiles"/*.mm_profdata >/dev/null   # page cache

measure "fastware self-profile FILE" "$fw" self-profile "$big"
measure "analyzeme-summarize FILE" "$am" "$big"
if command -v summarize >/dev/null; then
    measure "summarize summarize FILE" summarize summarize "$big"
else
    echo "note: measureme's summarize is not installed (not on crates.io; needs network to GitHub):"
    echo "      compared with analyzeme-summarize, which runs its reader and analysis"
fi
measure "fastware self-profile DIR ($n profiles)" "$fw" self-profile "$profiles"
measure "analyzeme-summarize per file ($n runs)" bash -c each_am
if command -v summarize >/dev/null; then
    measure "summarize summarize per file ($n runs)" bash -c "for f in $profiles/*.mm_profdata; do summarize summarize \$f; done"
fi
measure "fastware self-profile longest DIR --label typeck" "$fw" self-profile longest "$profiles" --label typeck
measure "fastware self-profile flamegraph FILE" "$fw" self-profile flamegraph "$big" -o "$work/rustc.svg"
measure "fastware self-profile chrome DIR --min-dur 500us" "$fw" self-profile chrome "$profiles" -o "$work/rustc.json" --min-dur 500us
