//! Self-profile figures on real rustc profiles equal two independent
//! computations, exactly:
//! - measureme's own analysis (`analyzeme`'s `perform_analysis`, what
//!   `summarize summarize` prints), label by label, every column;
//! - a plain sum over the raw events: each thread's intervals sorted by start
//!   (longest first), nested with a stack, self time = duration minus direct
//!   children.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use analyzeme::{EventPayload, ProfilingData, Timestamp};
use fastware_selfprof::{summarize, LabelFigures};

fn profiles_of(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fastware_testkit::files_with_suffix(dir, ".mm_profdata")
        .into_iter()
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("___-")))
        .collect();
    v.sort();
    v
}

fn analyzeme_figures(path: &Path) -> (HashMap<String, LabelFigures>, i64, Vec<(String, u64)>) {
    let data = ProfilingData::new(&path.with_extension("")).expect("analyzeme reads it");
    let r = data.perform_analysis();
    let ns = |d: std::time::Duration| d.as_nanos() as i64;
    let labels = r
        .query_data
        .iter()
        .map(|q| {
            (
                q.label.clone(),
                LabelFigures {
                    self_ns: ns(q.self_time),
                    total_ns: ns(q.time),
                    count: q.invocation_count as u64,
                    cache_hits: q.number_of_cache_hits as u64,
                    cache_misses: q.number_of_cache_misses as u64,
                    blocked_ns: ns(q.blocked_time),
                    incr_load_ns: ns(q.incremental_load_time),
                    incr_hash_ns: ns(q.incremental_hashing_time),
                },
            )
        })
        .collect();
    let mut artifacts: Vec<(String, u64)> = r.artifact_sizes.iter().map(|a| (a.label.clone(), a.value)).collect();
    artifacts.sort();
    (labels, ns(r.total_time), artifacts)
}

/// Self time per label from the raw events, by sorting intervals.
fn raw_self_times(path: &Path) -> HashMap<String, i64> {
    let data = ProfilingData::new(&path.with_extension("")).expect("analyzeme reads it");
    let start = data.metadata().start_time;
    let mut by_thread: HashMap<u32, Vec<(i64, i64, usize, String)>> = HashMap::new();
    for (i, e) in data.iter_full().enumerate() {
        if let EventPayload::Timestamp(Timestamp::Interval { start: s, end }) = e.payload {
            let s = s.duration_since(start).expect("after start").as_nanos() as i64;
            let end = end.duration_since(start).expect("after start").as_nanos() as i64;
            by_thread.entry(e.thread_id).or_default().push((s, end, i, e.label.to_string()));
        }
    }
    let mut out: HashMap<String, i64> = HashMap::new();
    for mut evs in by_thread.into_values() {
        // parents first: earlier start, then longer, then written later (a
        // parent is written after its children)
        evs.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
        let mut stack: Vec<usize> = Vec::new();
        let mut self_ns: Vec<i64> = evs.iter().map(|e| e.1 - e.0).collect();
        for i in 0..evs.len() {
            while let Some(&top) = stack.last() {
                if evs[top].0 <= evs[i].0 && evs[i].1 <= evs[top].1 {
                    break;
                }
                stack.pop();
            }
            if let Some(&parent) = stack.last() {
                self_ns[parent] -= evs[i].1 - evs[i].0;
            }
            stack.push(i);
        }
        for (e, s) in evs.iter().zip(self_ns) {
            *out.entry(e.3.clone()).or_default() += s;
        }
    }
    out
}

fn check(dir: &Path) {
    let files = profiles_of(dir);
    assert!(!files.is_empty(), "no profiles in {}", dir.display());
    let ours = summarize(&[dir.to_path_buf()]).expect("summarize");
    assert_eq!(ours.profiles.len(), files.len());
    for f in &files {
        let p = ours.profiles.iter().find(|p| Path::new(&p.path) == f).expect("profile summarized");
        let (reference, total, artifacts) = analyzeme_figures(f);
        let mine: HashMap<String, LabelFigures> = p.labels.iter().cloned().collect();
        assert_eq!(mine.len(), reference.len(), "{}: label count", f.display());
        for (label, r) in &reference {
            assert_eq!(mine.get(label), Some(r), "{}: {label}", f.display());
        }
        assert_eq!(p.total_ns, total, "{}: total time", f.display());
        let mut a = p.artifacts.clone();
        a.sort();
        assert_eq!(a, artifacts, "{}: artifact sizes", f.display());
        let raw = raw_self_times(f);
        for (label, r) in &raw {
            assert_eq!(mine[label].self_ns, *r, "{}: raw self time of {label}", f.display());
        }
        assert_eq!(p.busy_ns, raw.values().sum::<i64>(), "self times add up to busy time");
        // read in many small pieces, stitched: the same figures
        let profile = fastware_selfprof::open(f).expect("open");
        for piece in [997, 4096, 20_011] {
            let split = fastware_selfprof::summarize_in_pieces(&profile, piece).expect("summarize");
            assert_eq!(split.labels, p.labels, "{}: pieces of {piece}", f.display());
            assert_eq!((split.total_ns, split.busy_ns), (p.total_ns, p.busy_ns));
        }
    }
    // the build's figures are the profiles' sums
    let typeck: i64 =
        ours.profiles.iter().flat_map(|p| p.labels.iter()).filter(|(l, _)| l == "typeck").map(|(_, f)| f.self_ns).sum();
    let build_typeck = ours.labels.iter().find(|(l, _)| l == "typeck").map_or(0, |(_, f)| f.self_ns);
    assert_eq!(typeck, build_typeck);
}

#[test]
fn whole_build_profiles_equal_measureme_and_the_raw_events() {
    check(&fastware_testkit::self_profiles("tracee", None, &["--release"]));
}

#[test]
fn trait_heavy_crate_with_arguments_equals_measureme_and_shows_trait_solving() {
    let dir = fastware_testkit::self_profiles("traity", Some("default,args"), &[]);
    check(&dir);
    let s = summarize(&[dir]).expect("summarize");
    let labels: HashMap<&str, &LabelFigures> = s.labels.iter().map(|(l, f)| (l.as_str(), f)).collect();
    assert!(labels["evaluate_obligation"].count > 50, "{:?}", labels["evaluate_obligation"]);
    assert!(labels["typeck"].total_ns > 0 && labels["typeck"].count >= 10);
}
