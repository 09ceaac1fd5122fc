#!/usr/bin/env bash
# Overhead of `fastware build` (without --deep) against a plain `cargo build`
# of the same project and profile, both cold, runs alternating.
#
#   bench/build.sh [RUNS]        # default 3 runs of each; needs cargo (crates.io)
#
# Projects: the bundled example (examples/slow-build, 4 crates) and ripgrep
# 14.1.1 (33 crates from crates.io, its own Cargo.lock), copied under
# $FASTWARE_BENCH_DIR (default target/bench). Runs alternate which of the
# two goes first. Each run starts cold: the plain
# build's target directory is removed first; fastware empties its own
# (<target>/fastware/build). Both build the release profile.
source "$(dirname "$0")/common.sh"
runs=${1:-3}

# the projects, copied so that nothing of the repository or the registry is written
example="$work/build-example"
rm -rf "$example" && mkdir -p "$example"
(cd examples/slow-build && tar --exclude=./target -cf - .) | tar -xf - -C "$example"
rg="$work/build-ripgrep"
if [ ! -f "$rg/Cargo.toml" ]; then
    src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ripgrep-14.1.1 2>/dev/null | head -1 || true)
    mkdir -p "$rg"
    if [ -n "$src" ]; then
        cp -r "$src"/. "$rg"/
    else
        curl -sSfL https://static.crates.io/crates/ripgrep/14.1.1/download | tar -xzf - -C "$rg" --strip-components=1
    fi
    # its own workspace, not part of the one the bench directory sits in
    printf '\n[workspace]\n' >>"$rg/Cargo.toml"
fi
cargo fetch -q --manifest-path "$rg/Cargo.toml"

now() { date +%s.%N; }
median() { python3 -c "import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))" "$@"; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
for project in "$example" "$rg"; do
    name=$(basename "$project")
    plain=(); fast=(); own=()
    run_plain() {
        rm -rf "$project/target/plain"
        local t0; t0=$(now)
        cargo build --release -q --manifest-path "$project/Cargo.toml" --target-dir "$project/target/plain" 2>/dev/null
        p=$(python3 -c "print($(now)-$t0)")
    }
    run_fastware() {
        local t0; t0=$(now)
        "$fw" build --manifest-path "$project/Cargo.toml" --format json >"$work/build-$name.json" 2>/dev/null
        f=$(python3 -c "print($(now)-$t0)")
        # fastware's own time: its process's wall time minus cargo's
        o=$(python3 -c "import json; print($f - json.load(open('$work/build-$name.json'))['build']['wall_s'])")
    }
    for i in $(seq "$runs"); do
        # alternate which goes first, so neither always runs on a warmer machine
        if [ $((i % 2)) = 1 ]; then run_plain; run_fastware; else run_fastware; run_plain; fi
        plain+=("$p"); fast+=("$f"); own+=("$o")
        printf "%-16s run %d: cargo build %7.2f s   fastware build %7.2f s (outside cargo %.2f s)\n" "$name" "$i" "$p" "$f" "$o"
    done
    mp=$(median "${plain[@]}"); mf=$(median "${fast[@]}"); mo=$(median "${own[@]}")
    units=$(python3 -c "import json; d=json.load(open('$work/build-$name.json')); print(len(d['units']))")
    python3 -c "print('%-16s median of $runs: cargo build %.2f s, fastware build %.2f s, overhead %+.1f%%; fastware outside cargo %.2f s (%.1f%%); %s units' % ('$name', $mp, $mf, ($mf/$mp-1)*100, $mo, $mo/$mp*100, '$units'))"
done
