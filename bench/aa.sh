#!/usr/bin/env bash
# How often does a real A/A `bench ab` call something changed? The fixture
# crate (tests/fixtures/benchy, three criterion benchmarks) committed in a
# scratch git repository, then `fastware bench ab HEAD HEAD --repeat 3` at
# the default settings, TRIALS times (default 30; short measurements, as in
# the timing test). Each trial prints its verdicts; the summary counts the
# trials in which any benchmark was called changed — with the p-values
# adjusted for the three benchmarks (the verdicts), and as each benchmark's
# own p would have had it (p < 0.05 and |change| ≥ 2%, unadjusted).
#
#   bench/aa.sh             # needs: cargo, git, jq; ~30 s a trial
#
# No peer tool: critcmp and criterion compare one run a side (their A/A
# false alarms are the single-run figures of bench/compare.sh).
source "$(dirname "$0")/common.sh"
trials=${TRIALS:-30}
crate="$work/aa-fixture"
if [ ! -d "$crate/.git" ]; then
    rm -rf "$crate" && mkdir -p "$crate"
    cp -r tests/fixtures/benchy/{Cargo.toml,Cargo.lock,src,benches} "$crate/"
    printf 'target/\n' >"$crate/.gitignore"
    git -C "$crate" init -q
    git -C "$crate" add -A
    git -C "$crate" -c user.name=bench -c user.email=bench@localhost commit -qm fixture
fi
echo "== $trials A/A trials of bench ab HEAD HEAD --repeat 3, $(nproc) cores"
called=0
alone=0
for k in $(seq "$trials"); do
    line=$(cd "$crate" && "$fw" --no-history bench ab HEAD HEAD --repeat 3 --format json -- \
        --bench crit -- --warm-up-time 0.2 --measurement-time 0.5 --noplot 2>/dev/null | jq -r '
        "\(.regressed + .improved) \([.benchmarks[] | select(.p != null and .p < 0.05 and (.change | fabs) >= 0.02)] | length) " +
        ([.benchmarks[] | "\(.name) \(.change * 1000 | round / 10)% p=\(.p // "-" | tostring | .[0:6]) q=\(.q // "-" | tostring | .[0:6]) \(.verdict)"] | join("; "))')
    echo "trial $k: $line"
    read -r c a _ <<<"$line"
    [ "$c" -gt 0 ] && called=$((called + 1))
    [ "$a" -gt 0 ] && alone=$((alone + 1))
done
echo "any benchmark called changed: $called of $trials trials (adjusted, the verdicts); by each benchmark's own p: $alone of $trials"
