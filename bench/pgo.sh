#!/usr/bin/env bash
# The effect of `fastware pgo` on a real program: ripgrep 14.1.1, trained
# and measured on a search of the cargo registry (its sources),
# the optimised binary against a plain release build, runs interleaved.
#
#   bench/pgo.sh               # needs: llvm-profdata-19 (apt-get install llvm-19), cargo
#
# Prints fastware's own report: each step's time, the profile's coverage,
# the medians with the change's 95% bootstrap interval, the sizes, and the
# whole flow's time.
source "$(dirname "$0")/common.sh"
ripgrep_line_tables >/dev/null
corpus=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version)"
cat "$(find "$corpus" -type f | head -2000)" >/dev/null 2>&1 || true
# one thread, every match printed as JSON: the searcher, the printer and the
# JSON writer run (a literal search alone is memchr and I/O, which PGO cannot change)
"$fw" pgo --manifest-path "$rg_src/Cargo.toml" \
    --run "target/release/rg -j1 --json -w '[a-z_]+\\(' $corpus" --runs "${PGO_RUNS:-11}"
