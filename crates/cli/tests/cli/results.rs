//! The committed results in `tests/fixtures/results/` (one of each kind this
//! version writes, made by `tests/fixtures/make-result-fixtures.sh` on real
//! data): each is read back with the library type that wrote it and written
//! again unchanged, and its text and CSV are snapshots (`snapshots/`), so a
//! change of format or of rendering is a reviewed diff.

use fastware_report::{Render, Text};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::common::{attr, attr_text, same};

/// Reads `results/<kind>.json` as `T`, checks it writes back the same, and
/// snapshots its text (and CSV, when it has one table).
fn check<T: Serialize + DeserializeOwned + Render>(kind: &str, schema: &str) {
    let path = fastware_testkit::fixture("results").join(format!("{kind}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let r: T = fastware_report::json::read(&text, schema, &path.display().to_string()).expect("reads back");
    let file: Value = serde_json::from_str(&text).expect("json");
    same(&serde_json::to_value(&r).expect("serialise"), &file, kind);
    let mut out = Vec::new();
    r.text(&mut Text::new(&mut out, None, false)).expect("text");
    insta::assert_snapshot!(format!("{kind}.txt"), String::from_utf8(out).expect("utf-8"));
    if let Ok(t) = r.csv() {
        let mut out = Vec::new();
        t.write_csv(&mut out).expect("csv");
        insta::assert_snapshot!(format!("{kind}.csv"), String::from_utf8(out).expect("utf-8"));
    }
}

#[test]
fn trace_results() {
    check::<fastware_trace::TraceReport>("trace", "fastware/trace/1");
    check::<fastware_trace::SlimReport>("trace-slim", "fastware/trace-slim/1");
}

#[test]
fn self_profile_results() {
    use fastware_selfprof::{DiffReport, LongestReport, SummaryReport, WrittenReport};
    check::<SummaryReport>("self-profile", "fastware/self-profile/1");
    check::<DiffReport>("self-profile-diff", "fastware/self-profile-diff/1");
    check::<LongestReport>("self-profile-longest", "fastware/self-profile-longest/1");
    check::<WrittenReport>("self-profile-flamegraph", "fastware/self-profile-flamegraph/1");
    check::<WrittenReport>("self-profile-chrome", "fastware/self-profile-chrome/1");
}

#[test]
fn machine_code_results() {
    use fastware_binary::report::*;
    check::<AsmReport>("asm", "fastware/asm/1");
    check::<InlineReport>("inline", "fastware/inline/1");
    check::<SizeReport>("size", "fastware/size/1");
    check::<SizeDiffReport>("size-diff", "fastware/size-diff/1");
    check::<WholeDiffReport>("diff", "fastware/diff/1");
    check::<FunctionDiffReport>("diff-function", "fastware/diff-function/1");
    check::<Matches>("matches", "fastware/matches/1");
}

#[test]
fn bench_results() {
    check::<fastware_bench::ComparisonReport>("bench-compare", "fastware/bench-compare/1");
    check::<fastware_bench::RunReport>("bench-results", "fastware/bench-results/1");
    // a saved file is read as results to compare, too
    let path = fastware_testkit::fixture("results/bench-results.json");
    let r = fastware_bench::input::read(&path, None, None).expect("saved results");
    assert_eq!(r.benchmarks.len(), 3);
}

#[test]
fn build_results() {
    check::<fastware_build::BuildReport>("build", "fastware/build/1");
}

#[test]
fn profile_matrix_and_pgo_results() {
    use fastware_profile::report::{CallsReport, ProfileDiffReport, ProfileReport};
    check::<ProfileReport>("profile", "fastware/profile/1");
    check::<CallsReport>("profile-calls", "fastware/profile-calls/1");
    check::<ProfileDiffReport>("profile-diff", "fastware/profile-diff/1");
    check::<fastware_matrix::report::MatrixReport>("matrix", "fastware/matrix/2");
    check::<fastware_pgo::report::PgoReport>("pgo", "fastware/pgo/2");
}

/// `--format markdown` (a pull-request comment) of the committed results
/// of the kinds a pull request shows, as snapshots.
#[test]
fn markdown_of_committed_results() {
    fn md<T: DeserializeOwned + Render>(kind: &str, schema: &str) {
        let path = fastware_testkit::fixture("results").join(format!("{kind}.json"));
        let text = std::fs::read_to_string(&path).expect("result");
        let r: T = fastware_report::json::read(&text, schema, &path.display().to_string()).expect("reads back");
        insta::assert_snapshot!(format!("{kind}.md"), r.markdown().expect("markdown"));
    }
    md::<fastware_bench::ComparisonReport>("bench-compare", "fastware/bench-compare/1");
    md::<fastware_build::BuildReport>("build", "fastware/build/1");
}

/// A committed result's JSON.
fn result_json(kind: &str) -> Value {
    let path = fastware_testkit::fixture("results").join(format!("{kind}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

/// The report page's pictures of the committed matrix and pgo results: a
/// bar per measured cell (or side) whose value is the result's median, the
/// whisker its reps' range, as the JSON says.
#[test]
fn matrix_and_pgo_are_drawn_as_bars() {
    use fastware_report::Kind;
    fn section<K: Kind>(kind: &str) -> (String, Value) {
        let v = result_json(kind);
        let r = K::from_kept(K::SCHEMA, v.clone()).expect("reads");
        (r.section().expect("a section"), v)
    }
    let (html, v) = section::<fastware_matrix::report::MatrixReport>("matrix");
    let cells: Vec<&Value> =
        v["cells"].as_array().expect("cells").iter().filter(|c| !c["build_us"].is_null()).collect();
    let medians: Vec<f64> = cells.iter().map(|c| c["build_us"]["median"].as_f64().expect("median")).collect();
    assert_eq!(attr(&html, "data-value"), medians);
    let lows: Vec<f64> = cells.iter().map(|c| c["build_us"]["min"].as_f64().expect("min")).collect();
    assert_eq!(attr(&html, "data-low"), lows);
    assert!(html.contains("<svg") && !html.contains("<script"), "{html}");
    // the trade-off: a dot per cell with a time and a size, those no other
    // cell beats on both (by the test's own comparison of the JSON's
    // figures) marked as the front
    let both: Vec<(&str, f64, u64)> = v["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .filter_map(|c| Some((c["name"].as_str()?, c["build_us"]["median"].as_f64()?, c["size"].as_u64()?)))
        .collect();
    let beaten =
        |&(_, t, z): &(&str, f64, u64)| both.iter().any(|&(_, t2, z2)| t2 <= t && z2 <= z && (t2 < t || z2 < z));
    let mut front: Vec<&str> = both.iter().filter(|c| !beaten(c)).map(|c| c.0).collect();
    let cells = attr_text(&html, "data-cell");
    let flags = attr_text(&html, "data-front");
    let mut drawn: Vec<&str> =
        cells.iter().zip(&flags).filter(|(_, f)| *f == "true").map(|(c, _)| c.as_str()).collect();
    assert_eq!(cells.len(), both.len());
    assert_eq!(attr(&html, "data-size"), both.iter().map(|c| c.2 as f64).collect::<Vec<_>>());
    front.sort();
    drawn.sort();
    assert!(!front.is_empty() && front.len() < both.len(), "{front:?}");
    assert_eq!(drawn, front);
    let (html, v) = section::<fastware_pgo::report::PgoReport>("pgo");
    let c = &v["comparison"];
    let runs =
        |k: &str| -> Vec<f64> { c[k].as_array().expect("runs").iter().map(|x| x.as_f64().expect("µs")).collect() };
    assert_eq!(
        attr(&html, "data-value"),
        [c["baseline_median_us"].as_f64().expect("m"), c["optimized_median_us"].as_f64().expect("m")]
    );
    let min = |v: Vec<f64>| v.into_iter().fold(f64::INFINITY, f64::min);
    assert_eq!(attr(&html, "data-low"), [min(runs("baseline_us")), min(runs("optimized_us"))]);
}

/// A kept heap profile on the report page: a bar per site, bytes allocated,
/// in the order and with the figures of the committed `heap` result of the
/// same DHAT file.
#[test]
fn heap_is_drawn_as_bars() {
    use fastware_report::Kind;
    let dhat = fastware_testkit::fixture("heap").join("allocs.dhat.json");
    let kept = fastware_heap::saved::SavedHeap::from(&fastware_heap::saved::read(&dhat).expect("dhat"));
    let html = kept.section().expect("a section");
    let v = result_json("heap");
    let mut want: Vec<f64> =
        v["rows"].as_array().expect("rows").iter().take(15).map(|r| r["bytes"].as_f64().expect("bytes")).collect();
    // then the lifetime histogram: blocks by their program point's average
    // lifetime (tl ÷ tbk, rounded down) in powers of two, from the file's
    // own records; the buckets between the first and last kept, empty or not
    let raw: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&dhat).expect("read")).expect("json");
    let mut by_bucket: std::collections::BTreeMap<u32, u64> = Default::default();
    for pp in raw["pps"].as_array().expect("pps") {
        let (tl, tbk) = (pp["tl"].as_u64().expect("tl"), pp["tbk"].as_u64().expect("tbk"));
        if let Some(avg) = tl.checked_div(tbk) {
            let bucket = (0..=64).find(|&k| k == 64 || avg < 1u64 << k).expect("a bucket");
            *by_bucket.entry(bucket).or_default() += tbk;
        }
    }
    let (lo, hi) = (*by_bucket.keys().next().expect("lifetimes"), *by_bucket.keys().last().expect("lifetimes"));
    want.extend((lo..=hi).map(|k| by_bucket.get(&k).copied().unwrap_or(0) as f64));
    assert!(hi > lo, "several buckets: {by_bucket:?}");
    assert_eq!(attr(&html, "data-value"), want);
    let total: u64 = raw["pps"].as_array().expect("pps").iter().map(|p| p["tbk"].as_u64().expect("tbk")).sum();
    assert_eq!(want[want.len() - (hi - lo + 1) as usize..].iter().sum::<f64>(), total as f64, "every block once");
    // each site's short-lived blocks: those of its stacks whose own average
    // lifetime is under the threshold; over all sites, the file's own count
    let t = v["short_lived_under"].as_f64().expect("a threshold");
    let short: u64 = raw["pps"]
        .as_array()
        .expect("pps")
        .iter()
        .map(|p| (p["tl"].as_u64().expect("tl") as f64, p["tbk"].as_u64().expect("tbk")))
        .filter(|&(tl, tbk)| tbk > 0 && tl / (tbk as f64) < t)
        .map(|(_, tbk)| tbk)
        .sum();
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(v["rows_total"].as_u64(), Some(rows.len() as u64), "every site in the result");
    let theirs: u64 = rows.iter().map(|r| r["short_lived_blocks"].as_u64().expect("short-lived blocks")).sum();
    assert!(short > 0);
    assert_eq!(theirs, short);
    // and on the bars: the site whose every block is short-lived says so
    let all_short = rows.iter().find(|r| r["short_lived_blocks"] == r["blocks"] && r["blocks"].as_u64() > Some(1));
    let all_short = all_short.expect("a site of short-lived blocks only");
    let n = all_short["blocks"].as_u64().expect("blocks").to_string();
    let grouped: Vec<String> = n.as_bytes().rchunks(3).rev().map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    assert!(html.contains(&format!("{} blocks, 100% short-lived", grouped.join(","))), "{html}");
}

/// Kept benchmark results on the report page: a bar per benchmark, its
/// estimate in µs and ± its spread, as the committed result holds them.
#[test]
fn bench_results_are_drawn_as_bars() {
    use fastware_report::Kind;
    let v = result_json("bench-results");
    let kept = fastware_bench::saved::SavedResults::from_kept(fastware_bench::saved::SCHEMA, v.clone()).expect("reads");
    let html = kept.section().expect("a section");
    let attr = |name: &str| attr(&html, name);
    let benches = v["benchmarks"].as_array().expect("benchmarks");
    let est: Vec<f64> = benches.iter().map(|b| b["estimate_us"].as_f64().expect("µs")).collect();
    let close = |a: &[f64], b: &[f64]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-9 * y.abs().max(1.0))
    };
    assert!(close(&attr("data-value"), &est), "{:?} {est:?}", attr("data-value"));
    let lows: Vec<f64> = benches
        .iter()
        .filter(|b| !b["spread_us"].is_null())
        .map(|b| b["estimate_us"].as_f64().expect("µs") - b["spread_us"].as_f64().expect("µs"))
        .collect();
    assert!(close(&attr("data-low"), &lows), "{:?} {lows:?}", attr("data-low"));
}

/// The committed `bench compare` result drawn as a forest plot: a dot per
/// benchmark at its change, a line for its interval (ratio − 1), its verdict's
/// colour, and the band of the noise threshold, each as the JSON says.
#[test]
fn a_comparison_is_drawn_as_a_forest_plot() {
    let v = result_json("bench-compare");
    let report: fastware_bench::ComparisonReport = serde_json::from_value(v.clone()).expect("reads");
    let html = Render::html(&report).expect("a picture");
    let rows = v["benchmarks"].as_array().expect("benchmarks");
    let num = |r: &Value, k: &str| r[k].as_f64().expect("number");
    assert_eq!(attr(&html, "data-change"), rows.iter().map(|r| num(r, "change")).collect::<Vec<_>>());
    let ci = |i: usize| -> Vec<f64> {
        rows.iter().filter(|r| r["ratio_ci"].is_array()).map(|r| r["ratio_ci"][i].as_f64().expect("ci") - 1.0).collect()
    };
    assert_eq!(attr(&html, "data-low"), ci(0));
    assert_eq!(attr(&html, "data-high"), ci(1));
    assert_eq!(attr(&html, "data-band"), [num(&v, "noise")]);
    for r in rows {
        let colour = if r["verdict"] == "regressed" {
            "#d62728"
        } else if r["verdict"] == "improved" {
            "#2ca02c"
        } else {
            "#555555"
        };
        let dot = format!(r#"fill="{colour}" data-change="{}""#, num(r, "change"));
        assert!(html.contains(&dot), "{dot}: {html}");
    }
    // the text follows the picture
    assert!(html.contains(&fastware_report::html::escape(&fastware_report::plain_text(&report))), "{html}");
}

/// A kept run of an earlier version (`results/earlier/<kind>-1.json`, times
/// in seconds, written by that version) reads with this one as its kind's
/// current type: the text is what that version printed for it
/// (`<kind>-1.txt`), and every time is the earlier one in microseconds.
fn check_earlier<K: fastware_report::Kind + Render>(kind: &str, times: &[(&str, &str)]) -> Value {
    let dir = fastware_testkit::fixture("results").join("earlier");
    let text = std::fs::read_to_string(dir.join(format!("{kind}-1.json"))).expect("earlier result");
    let old: Value = serde_json::from_str(&text).expect("json");
    let schema = old["schema"].as_str().expect("schema");
    assert!(K::reads(schema) && schema != K::SCHEMA, "{schema}");
    let r = K::from_kept(schema, old.clone()).expect("reads");
    let mut out = Vec::new();
    r.text(&mut Text::new(&mut out, None, false)).expect("text");
    let printed = std::fs::read_to_string(dir.join(format!("{kind}-1.txt"))).expect("earlier text");
    assert_eq!(String::from_utf8(out).expect("utf-8").trim_end(), printed.trim_end());
    let new = serde_json::to_value(&r).expect("serialise");
    assert_eq!(new["schema"], K::SCHEMA);
    // every number in seconds, at its place, against the new one in µs
    fn walk(old: &Value, new: &Value, times: &[(&str, &str)], seen: &mut usize) {
        match (old, new) {
            (Value::Object(o), Value::Object(n)) => {
                for (k, v) in o {
                    match times.iter().find(|(from, _)| from == k) {
                        Some((_, to)) => seconds_match(v, &n[*to], seen),
                        None if k == "schema" => {}
                        None => walk(v, &n[k], times, seen),
                    }
                }
            }
            (Value::Array(o), Value::Array(n)) => {
                assert_eq!(o.len(), n.len());
                o.iter().zip(n).for_each(|(o, n)| walk(o, n, times, seen));
            }
            (o, n) => assert_eq!(o, n),
        }
    }
    fn seconds_match(old: &Value, new: &Value, seen: &mut usize) {
        match (old, new) {
            (Value::Number(s), Value::Number(us)) => {
                let (s, us) = (s.as_f64().expect("s"), us.as_f64().expect("us"));
                // held to the nanosecond: within half a nanosecond, in µs
                assert!((s * 1e6 - us).abs() <= 5e-4 + s * 1e-9, "{s} s against {us} µs");
                *seen += 1;
            }
            (Value::Array(o), Value::Array(n)) => o.iter().zip(n).for_each(|(o, n)| seconds_match(o, n, seen)),
            (Value::Object(o), Value::Object(n)) => {
                for (k, v) in o {
                    if k == "n" {
                        assert_eq!(v, &n[k]);
                    } else {
                        seconds_match(v, &n[k], seen);
                    }
                }
            }
            (o, n) => assert_eq!(o, n),
        }
    }
    let mut seen = 0;
    walk(&old, &new, times, &mut seen);
    assert!(seen > 10, "{kind}: {seen} times compared");
    new
}

#[test]
fn earlier_matrix_and_pgo_results_read_in_microseconds() {
    let matrix = [("build_s", "build_us"), ("hot_s", "hot_us"), ("run_s", "run_us")];
    check_earlier::<fastware_matrix::report::MatrixReport>("matrix", &matrix);
    let pgo = [
        ("seconds", "wall_us"),
        ("total_seconds", "total_us"),
        ("baseline_s", "baseline_us"),
        ("optimized_s", "optimized_us"),
        ("baseline_median_s", "baseline_median_us"),
        ("optimized_median_s", "optimized_median_us"),
    ];
    check_earlier::<fastware_pgo::report::PgoReport>("pgo", &pgo);
}

#[test]
fn heap_results() {
    check::<fastware_heap::report::HeapReport>("heap", "fastware/heap/1");
    check::<fastware_heap::report::DiffReport>("heap-diff", "fastware/heap-diff/1");
    check::<fastware_tasks::TasksReport>("tasks", "fastware/tasks/1");
}

/// The JSON of commands on committed inputs equals the committed results:
/// a change of what a command computes is a reviewed diff too.
#[test]
fn commands_on_committed_inputs_write_the_committed_results() {
    let root = fastware_testkit::workspace_root();
    let profile = "tests/fixtures/profiles/traity-0001385.mm_profdata";
    for (kind, args) in [
        ("trace", vec!["trace", "tests/fixtures/traces/tracee", "--format", "json"]),
        ("self-profile", vec!["self-profile", profile, "--format", "json"]),
        ("self-profile-diff", vec!["self-profile", "diff", profile, profile, "--format", "json"]),
        ("self-profile-longest", vec!["self-profile", "longest", profile, "--top", "3", "--format", "json"]),
        ("heap", vec!["heap", "tests/fixtures/heap/allocs.dhat.json", "--format", "json"]),
        ("tasks", vec!["tasks", "tests/fixtures/tasks/asyncy.console.jsonl", "--format", "json"]),
        ("profile", vec!["profile", "tests/fixtures/profiles/hotspots-1.callgrind.out", "--format", "json"]),
        (
            "profile-calls",
            vec![
                "profile",
                "tests/fixtures/profiles/hotspots-1.callgrind.out",
                "--callees",
                "hotspots::heavy",
                "--format",
                "json",
            ],
        ),
        (
            "profile-diff",
            vec![
                "profile",
                "diff",
                "tests/fixtures/profiles/hotspots-1.callgrind.out",
                "tests/fixtures/profiles/hotspots-3.callgrind.out",
                "--format",
                "json",
            ],
        ),
        (
            "heap-diff",
            vec![
                "heap",
                "diff",
                "tests/fixtures/heap/allocs.dhat.json",
                "tests/fixtures/heap/allocs-reuse.dhat.json",
                "--format",
                "json",
            ],
        ),
        (
            "bench-compare",
            vec![
                "bench",
                "compare",
                "tests/fixtures/bench/criterion@base",
                "tests/fixtures/bench/criterion@slow",
                "--format",
                "json",
                // past bench runs of this workspace would set thresholds: not an input here
                "--no-history",
            ],
        ),
    ] {
        let o = super::common::run_in(&root, &args);
        let ours: Value = super::common::json(&o);
        let text = std::fs::read_to_string(root.join(format!("tests/fixtures/results/{kind}.json"))).expect("result");
        let theirs: Value = serde_json::from_str(&text.replace("$ROOT", &root.display().to_string())).expect("json");
        same(&ours, &theirs, kind);
    }
}
