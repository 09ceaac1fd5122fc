//! The committed results in `tests/fixtures/results/` (one of each kind this
//! version writes, made by `tests/fixtures/make-result-fixtures.sh` on real
//! data): each is read back with the library type that wrote it and written
//! again unchanged, and its text and CSV are snapshots (`snapshots/`), so a
//! change of format or of rendering is a reviewed diff.

use fastware_report::{Render, Text};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::common::same;

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
    check::<fastware_matrix::report::MatrixReport>("matrix", "fastware/matrix/1");
    check::<fastware_pgo::report::PgoReport>("pgo", "fastware/pgo/1");
}

#[test]
fn heap_results() {
    check::<fastware_heap::report::HeapReport>("heap", "fastware/heap/1");
    check::<fastware_heap::report::DiffReport>("heap-diff", "fastware/heap-diff/1");
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
