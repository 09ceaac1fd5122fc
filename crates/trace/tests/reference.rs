//! `fastware trace` figures on real rustc traces equal an independent
//! computation (testkit::llvm_reference: a serde_json DOM walk rebuilding each
//! thread's tree in reverse order), exactly, however the files are split
//! into pieces and however many threads read them.

use std::collections::HashMap;
use std::path::PathBuf;

use fastware_symbols::Name;
use fastware_testkit::llvm_reference::{compute, Figures, Reference};
use fastware_trace::parallel::Options;
use fastware_trace::{summarize, GroupRow, Groupings, TraceQuery, TraceSummary};

fn all_groupings() -> Groupings {
    Groupings { function: true, instance: true, crate_: true, defining_crate: true, type_crate: true }
}

fn run(paths: Vec<PathBuf>, chunk_size: u64, threads: usize) -> TraceSummary {
    let q = TraceQuery {
        paths,
        groupings: all_groupings(),
        options: Options { chunk_size, threads, ..Options::default() },
        ..TraceQuery::default()
    };
    summarize(&q).expect("summarize")
}

fn as_map(rows: &[GroupRow]) -> HashMap<String, Figures> {
    rows.iter()
        .map(|r| (r.key.clone(), Figures { llvm_ns: r.llvm_ns, event_ns: r.event_ns, event_count: r.event_count }))
        .collect()
}

fn assert_same(what: &str, ours: &HashMap<String, Figures>, reference: &HashMap<String, Figures>) {
    let mut diffs = Vec::new();
    for (k, r) in reference {
        match ours.get(k) {
            Some(o) if o == r => {}
            other => diffs.push(format!("{k}: ours {other:?}, reference {r:?}")),
        }
    }
    for k in ours.keys() {
        if !reference.contains_key(k) {
            diffs.push(format!("{k}: only ours"));
        }
    }
    assert!(diffs.is_empty(), "{what}: {} differ, e.g.\n{}", diffs.len(), diffs[..diffs.len().min(10)].join("\n"));
}

fn check(s: &TraceSummary, r: &Reference) {
    assert_eq!(s.counts.events, r.events, "events");
    assert_eq!(s.busy_ns, r.busy_ns, "busy time");
    assert_eq!(s.unattributed_ns, r.unattributed_ns, "time under no function");
    // passes: self time, total, count
    let ours: HashMap<String, (i64, i64, u64)> = s
        .passes
        .iter()
        .map(|p| {
            let key = if p.pass == p.event { p.pass.clone() } else { format!("{} ({})", p.pass, p.event) };
            (key, (p.self_ns, p.total_ns, p.count))
        })
        .collect();
    let reference: HashMap<String, (i64, i64, u64)> =
        r.passes.iter().map(|(k, p)| (k.clone(), (p.self_ns, p.total_ns, p.count))).collect();
    assert_eq!(ours, reference, "pass self times");
    assert_eq!(s.passes.iter().map(|p| p.self_ns).sum::<i64>(), s.busy_ns, "self times add up to busy time");
    // functions, instances, crates
    assert_same("functions", &as_map(&s.functions), &r.group(|sym, _| vec![Name::new(sym).function()]));
    assert_same("instances", &as_map(&s.instances), &r.group(|sym, _| vec![Name::new(sym).instance()]));
    assert_same(
        "crates (instantiating)",
        &as_map(&s.crates),
        &r.group(|sym, file_crate| {
            let n = Name::new(sym);
            let c = n.instantiating_crate().map(str::to_string).or(file_crate.map(str::to_string));
            vec![c.unwrap_or_else(|| "(not Rust)".into())]
        }),
    );
    assert_same(
        "defining crates",
        &as_map(&s.defining_crates),
        &r.group(|sym, _| vec![Name::new(sym).defining_crate().unwrap_or("(not Rust)").to_string()]),
    );
}

#[test]
fn whole_build_figures_equal_the_reference_for_any_split() {
    let dir = fastware_testkit::tracee_traces();
    let files = fastware_testkit::files_with_suffix(&dir, ".llvm_timings.json");
    assert_eq!(files.len(), 2, "one trace per crate: {files:?}");
    let reference = compute(&files, "OptFunction");
    assert!(reference.subjects.len() > 100, "a real trace names many functions");
    for (chunk, threads) in [(48 << 20, 0), (1 << 20, 2), (97_000, 2), (300_001, 1)] {
        let s = run(vec![dir.clone()], chunk, threads);
        check(&s, &reference);
    }
}

#[test]
fn tiny_pieces_of_a_small_trace_equal_the_reference() {
    let dir = fastware_testkit::tracee_traces();
    let files: Vec<PathBuf> = fastware_testkit::files_with_suffix(&dir, ".llvm_timings.json")
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("tracee_types"))
        .collect();
    let reference = compute(&files, "OptFunction");
    for chunk in [1_000, 2_048, 5_555] {
        check(&run(files.clone(), chunk, 3), &reference);
    }
}

#[test]
fn legacy_mangling_gives_the_same_figures_as_the_reference() {
    let dir = fastware_testkit::tracee_traces_legacy();
    let files = fastware_testkit::files_with_suffix(&dir, ".llvm_timings.json");
    let reference = compute(&files, "OptFunction");
    let s = run(vec![dir], 1 << 20, 2);
    check(&s, &reference);
    // closures of legacy symbols fold into their function too
    assert!(s.functions.iter().all(|f| !f.key.contains("{{closure}}")), "closures folded");
}

#[test]
fn ranking_by_another_event() {
    let dir = fastware_testkit::tracee_traces();
    let files = fastware_testkit::files_with_suffix(&dir, ".llvm_timings.json");
    let reference = compute(&files, "InstCombinePass");
    let q = TraceQuery {
        paths: vec![dir],
        llvm: fastware_trace::llvm::LlvmConfig { event: "InstCombinePass".into() },
        groupings: all_groupings(),
        ..TraceQuery::default()
    };
    let s = summarize(&q).expect("summarize");
    assert_same(
        "functions by InstCombinePass",
        &as_map(&s.functions),
        &reference.group(|sym, _| vec![Name::new(sym).function()]),
    );
    assert!(s.event_count > 100);
}
