#!/usr/bin/env bash
# Speed of `fastware bench compare` on a large criterion directory against
# critcmp on the same directory: a copy of tests/fixtures/benchy with 300
# criterion benchmarks (the fixture's three workloads at 100 sizes), run as
# baselines `base` and `slow` (--features slow) with short measurement times.
#
#   bench/compare.sh        # needs: cargo (crates.io), GNU time; critcmp is
#                           # installed into target/bench/tools when missing
#
# Also an A/A check on real data: baseline `again` is the unchanged code run a
# second time; how many of its 300 benchmarks does each statistic call changed?
#
# critcmp prints means and ratios; fastware also bootstraps a confidence
# interval (10,000 resamples) and runs a test per benchmark, so it does more
# work. No target in the issue; the figure says what the statistics cost.
source "$(dirname "$0")/common.sh"
critcmp=$(command -v critcmp || echo "$work/tools/bin/critcmp")
[ -x "$critcmp" ] || cargo install -q --root "$work/tools" critcmp

crate="$work/many-benches"
if [ ! -d "$crate/target/criterion" ]; then
    rm -rf "$crate" && mkdir -p "$crate/benches"
    cp -r tests/fixtures/benchy/{Cargo.toml,Cargo.lock,src,benches} "$crate/"
    cat >>"$crate/Cargo.toml" <<'TOML'

[[bench]]
name = "many"
harness = false
TOML
    cat >"$crate/benches/many.rs" <<'RS'
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("many");
    g.warm_up_time(Duration::from_millis(20)).measurement_time(Duration::from_millis(60));
    for size in (1..=100).map(|i| i * 8) {
        let data: Vec<u8> = (0..size * 4).map(|i| (i * 31 % 251) as u8).collect();
        g.bench_with_input(BenchmarkId::new("checksum", size), &data, |b, d| b.iter(|| benchy::checksum(black_box(d))));
        let text = benchy::numbers(size);
        g.bench_with_input(BenchmarkId::new("parse", size), &text, |b, t| b.iter(|| benchy::parse(black_box(t))));
        g.bench_with_input(BenchmarkId::new("xorshift", size), &size, |b, &n| {
            b.iter(|| benchy::xorshift(black_box(7), black_box(n as u32)))
        });
    }
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
RS
    echo "== criterion: 300 benchmarks, three times (a few minutes)"
    (cd "$crate" && cargo bench -q --bench many -- --save-baseline base --noplot >/dev/null)
    (cd "$crate" && cargo bench -q --bench many --features slow -- --save-baseline slow --noplot >/dev/null)
    (cd "$crate" && cargo bench -q --bench many -- --save-baseline again --noplot >/dev/null)
fi
n=$(find "$crate/target/criterion" -path '*/base/sample.json' | wc -l)
[ -n "$(find "$crate/target/criterion" -path '*/again/sample.json' | head -1)" ] ||
    (cd "$crate" && cargo bench -q --bench many -- --save-baseline again --noplot >/dev/null 2>&1)
echo "== $n benchmarks per baseline, $(nproc) cores"

time_of() { # prints "seconds max_rss_kb" of the median of 5 runs
    for _ in 1 2 3 4 5; do
        /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1
    done | sort -n | sed -n 3p
}
read -r cc_s cc_kb < <(time_of "$critcmp" --target-dir "$crate/target" base slow)
read -r fw_s fw_kb < <(time_of "$fw" bench compare "$crate/target/criterion@base" "$crate/target/criterion@slow")
read -r fm_s fm_kb < <(time_of "$fw" bench compare "$crate/target/criterion@base" "$crate/target/criterion@slow" --median)
printf '%-44s %8s %10s\n' tool seconds "max RSS"
printf '%-44s %8s %8s MB\n' "critcmp base slow" "$cc_s" "$((cc_kb / 1024))"
printf '%-44s %8s %8s MB\n' "fastware bench compare (means, Welch)" "$fw_s" "$((fw_kb / 1024))"
printf '%-44s %8s %8s MB\n' "fastware bench compare --median (Mann-Whitney)" "$fm_s" "$((fm_kb / 1024))"
awk -v a="$fw_s" -v b="$cc_s" 'BEGIN { if (b > 0) printf "ratio fastware/critcmp: %.1f\n", a / b; else print "critcmp under 10 ms" }'
"$fw" bench compare "$crate/target/criterion@base" "$crate/target/criterion@slow" --top 5 | head -9
echo "== A/A: the same code run twice (base vs again); changed = regressed + improved of $n"
for noise in 2 5; do
    for stat in "" --median; do
        "$fw" bench compare "$crate/target/criterion@base" "$crate/target/criterion@again" --noise "$noise" $stat \
            --format json | jq -r --arg s "${stat:-mean}" --arg n "$noise" \
            '"noise \($n)%, \($s): \(.regressed + .improved) changed (\(.regressed) regressed, \(.improved) improved); p < 0.05 alone (unadjusted): \([.benchmarks[] | select(.p != null and .p < 0.05 and (.change | fabs) >= ($n | tonumber) / 100)] | length); largest |change| \([.benchmarks[].change | fabs] | max * 1000 | round / 10)%"'
    done
done

# A/A again with --repeat: three runs a side (each a separate `cargo bench`),
# compared between runs; and the same three runs of the slow build, which
# should still be found. Compare with the single-run A/A above.
echo "== A/A with bench cargo --repeat 3 (a few minutes)"
reps=${REPEAT:-3}
(cd "$crate" && "$fw" bench cargo --repeat "$reps" --save aa1 -- --bench many -- --noplot >/dev/null 2>&1)
(cd "$crate" && "$fw" bench cargo --repeat "$reps" --save aa2 -- --bench many -- --noplot >/dev/null 2>&1)
(cd "$crate" && "$fw" bench cargo --repeat "$reps" --save slow3 -- --bench many --features slow -- --noplot >/dev/null 2>&1)
for pair in "aa1 aa2" "aa1 slow3"; do
    for noise in 2 5; do
        for stat in "" --median; do
            (cd "$crate" && "$fw" bench compare $pair --noise "$noise" $stat --format json) | jq -r --arg p "$pair" --arg s "${stat:-mean}" --arg n "$noise" \
                '"\($p), noise \($n)%, \($s): \(.regressed + .improved) changed (\(.regressed) regressed, \(.improved) improved); p < 0.05 alone (unadjusted): \([.benchmarks[] | select(.p != null and .p < 0.05 and (.change | fabs) >= ($n | tonumber) / 100)] | length); largest |change| \([.benchmarks[].change | fabs] | max * 1000 | round / 10)%"'
        done
    done
done
