#!/usr/bin/env bash
# `fastware explain`'s analysis after the runs (reading both callgrind
# recordings, matching functions through DWARF's inline records, listing
# and diffing the top functions' machine code) on ripgrep-sized binaries:
# ripgrep 14.1.1 built with debug = "line-tables-only", once as it comes
# (BASE) and once with codegen-units = 1 (NEW: different inlining), the
# workload `rg -c fn crates/` under callgrind. Target (issue 30): under
# 5 s. For scale, the same two recordings read by callgrind_annotate.
#
#   bench/explain.sh      # needs valgrind; builds ripgrep twice (minutes)
source "$(dirname "$0")/common.sh"
command -v valgrind >/dev/null || { echo "valgrind is not installed"; exit 1; }
base=$(ripgrep_line_tables)
new="$work/rg-lt-cgu1/release/rg"
if [ ! -x "$new" ]; then
    echo "== building ripgrep 14.1.1 again with codegen-units = 1 (a few minutes)" >&2
    (cd "$rg_src" && CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
        cargo build -q --release --target-dir "$work/rg-lt-cgu1") >&2
fi
echo "== $(nproc) cores; BASE $(stat -c %s "$base") bytes, NEW $(stat -c %s "$new") bytes"
for f in "$base" "$new"; do
    printf "%s: %s functions\n" "$f" "$(nm --defined-only "$f" | grep -c ' [tT] ')"
done
cd "$work"
"$fw" --no-history explain "$base" "$new" --run "rg -c fn $root/crates" --runs 0 >"$work/explain.txt" 2>"$work/explain.err"
grep "compared the recordings" "$work/explain.err"
sed -n '/^time\|^instructions/,+1p' "$work/explain.txt" | head -3
tmp=$(ls -d /tmp/fastware-explain-* 2>/dev/null | head -1 || true)
# the recordings are removed after a run outside a project: record them again for the peer
valgrind --tool=callgrind --dump-instr=yes --cache-sim=yes --callgrind-out-file="$work/base.cg" "$base" -c fn "$root/crates" >/dev/null 2>&1 || true
valgrind --tool=callgrind --dump-instr=yes --cache-sim=yes --callgrind-out-file="$work/new.cg" "$new" -c fn "$root/crates" >/dev/null 2>&1 || true
measure_once "callgrind_annotate base + new (no matching, no code)" sh -c "callgrind_annotate '$work/base.cg' >/dev/null && callgrind_annotate '$work/new.cg' >/dev/null"
