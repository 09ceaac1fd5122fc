//! `fastware` verdicts that rest on timings, in a test binary of their own:
//! cargo runs test binaries one after another, so no other test of the suite
//! builds or measures while these time the fixture's benchmarks; and each
//! test here holds one lock while it runs, so nothing in this binary runs
//! beside it either. (In the main test binary, a dozen parallel tests load the
//! two cores: a run slowed by them is run-to-run noise no number of runs a
//! side can average away, and a doubled workload measured alone against one
//! measured under that load can look 10% slower, not 100%.)

#[allow(dead_code, unused_imports)]
#[path = "cli/common.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use common::bench_data as data;
use common::bench_row as row;
use common::*;
use serde_json::Value;

/// criterion, quickly: the fixture's `crit` benchmarks, short measurements.
const QUICK: [&str; 8] = ["--bench", "crit", "--", "--warm-up-time", "0.2", "--measurement-time", "0.5", "--noplot"];

/// Held by each test while it builds and times: one at a time. (A test that
/// failed while holding it poisons it; the next still runs.)
fn alone() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(["-c", "user.name=fastware", "-c", "user.email=fastware@localhost"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `bench ab` on two commits of the fixture, the second doing in its code
/// what the `slow` feature does (double `checksum` and `parse`). Each side
/// is unpacked and built under fastware's directory, run interleaved, three
/// runs a side, and compared between runs.
///
/// A/A first, at the default settings: the first commit against itself —
/// no benchmark may be called changed (one false alarm is run again: see
/// below). A false alarm happens by chance: the
/// verdicts' p-values are adjusted for the three benchmarks
/// (Benjamini–Hochberg), so an A/A comparison calls anything changed at most
/// at the nominal 5%; with Welch's test on three runs a side the simulation
/// (`a_suite_compared_a_a_stays_quiet`) measures 1.5–3%. Without the
/// adjustment it was about 10% for three benchmarks; with one run a side,
/// most of them (bench/README.md). Then A/B: both slowed benchmarks called
/// regressed. And the user's tree and git state are as they were.
#[test]
fn bench_ab_a_a_is_quiet_and_a_slowdown_is_regressed() {
    let _alone = alone();
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIPPED bench ab: git is not installed");
        return;
    }
    // warm: the first revision starts from the user's own benchmark build
    let project = benchy("bench-ab");
    std::fs::write(project.join(".gitignore"), "target/\n").expect("write");
    git(&project, &["init", "-q"]);
    git(&project, &["add", "-A"]);
    git(&project, &["commit", "-qm", "base"]);
    // a change to the code alone (two revisions once shared one target
    // directory, and then cargo ran the base's build on both sides)
    let lib = project.join("src/lib.rs");
    let code = std::fs::read_to_string(&lib).expect("source");
    assert_eq!(code.matches("cfg!(feature = \"slow\")").count(), 2);
    std::fs::write(&lib, code.replace("cfg!(feature = \"slow\")", "true")).expect("write");
    git(&project, &["commit", "-qam", "slow in the code"]);
    let head = git(&project, &["rev-parse", "HEAD"]);
    let before: Vec<(String, Vec<u8>)> = ["Cargo.toml", "Cargo.lock", "src/lib.rs", "benches/crit.rs"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(project.join(f)).expect("file")))
        .collect();
    let ab = |base: &str, new: &str, save: &str, repeat: &str| {
        let mut args = vec!["bench", "ab", base, new, "--repeat", repeat, "--save", save, "--format", "json", "--"];
        args.extend(QUICK);
        let o = run_in(&project, &args);
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)
    };

    // A/A: the same code on both sides. A false alarm at the nominal rate
    // (a few percent) is what the statistics allow, so one is forgiven if a
    // second, independent A/A comparison is quiet: two in a row (well under
    // 1 in 1,000 at that rate) fail the test.
    let quiet = |aa: &Value| {
        assert_eq!(aa["benchmarks"].as_array().map(Vec::len), Some(3), "{aa}");
        for r in aa["benchmarks"].as_array().expect("rows") {
            assert_eq!((&r["basis"], &r["runs"]), (&"runs".into(), &serde_json::json!([3, 3])), "{r}");
        }
        let rows = aa["benchmarks"].as_array().expect("rows");
        let verdicts_quiet = rows.iter().all(|r| r["verdict"] == "no change");
        let counts_quiet = (&aa["regressed"], &aa["improved"]) == (&0.into(), &0.into());
        assert_eq!(verdicts_quiet, counts_quiet, "the counts agree with the verdicts: {aa}");
        verdicts_quiet
    };
    let mut aa_save = "aa";
    let first = ab("HEAD~1", "HEAD~1", aa_save, "3");
    if !quiet(&first) {
        eprintln!("A/A: one false alarm, run again: {first}");
        aa_save = "aa-again";
        let again = ab("HEAD~1", "HEAD~1", aa_save, "3");
        assert!(quiet(&again), "A/A: the same build called changed twice in a row: {first}\n{again}");
    }

    // A/B: the slow feature doubles two workloads. Five runs a side: with
    // three, one disturbed run on this 2-core VM (a third of the mean) left
    // Welch's test on the runs at p = 0.09 for a 3x change (df = 2)
    let v = ab("HEAD~1", "HEAD", "ab", "5");
    for name in ["checksum/4k", "parse/200"] {
        let r = row(&v, name);
        assert_eq!((&r["basis"], &r["runs"]), (&"runs".into(), &serde_json::json!([5, 5])), "{r}");
        assert!(r["change"].as_f64().is_some_and(|c| c > 0.2), "{r}");
        assert!(r["ratio_ci"][0].as_f64().is_some_and(|lo| lo > 1.0), "{r}");
        assert_eq!(r["verdict"], "regressed", "{r}");
    }

    // the user's tree: the same files, the same commit, nothing to commit
    for (f, bytes) in &before {
        assert_eq!(&std::fs::read(project.join(f)).expect("file"), bytes, "{f} changed");
    }
    assert_eq!(git(&project, &["rev-parse", "HEAD"]), head);
    assert_eq!(git(&project, &["status", "--porcelain"]), "");
    assert_eq!(git(&project, &["worktree", "list"]).lines().count(), 1, "no worktree registered");
    // interleaved: base 1, new 1, base 2, new 2, …, by the recorded start times
    for (save, runs) in [(aa_save, 3), ("ab", 5)] {
        let started = |side: &str| -> Vec<u64> {
            // the side kept in the history under its name
            let kept = json(&run_in(&project, &["runs", "show", &format!("{save}-{side}"), "--format", "json"]));
            kept["result"]["meta"]["runs_started_ms"]
                .as_array()
                .expect("starts")
                .iter()
                .map(|t| t.as_u64().expect("ms"))
                .collect()
        };
        let (b, n) = (started("base"), started("new"));
        assert!(b.len() == runs && n.len() == runs, "{b:?} {n:?}");
        assert!((0..runs).all(|k| b[k] < n[k] && (k + 1 == runs || n[k] < b[k + 1])), "{save}: {b:?} {n:?}");
    }
    // a revision that is not there
    run_error(
        &run_in(&project, &["bench", "ab", "HEAD", "no-such-branch"]),
        2,
        "`no-such-branch`: no such git revision",
    );
}

#[test]
fn cargo_bench_save_then_compare_by_name() {
    let _alone = alone();
    let project = benchy("bench-cargo-criterion");
    let lock = std::fs::read(project.join("Cargo.lock")).expect("the fixture's lock file");
    let run = |save: &str, features: &[&str]| {
        let mut args = vec!["bench", "cargo", "--save", save, "--format", "json", "--"];
        args.extend(features);
        args.extend(QUICK);
        let o = run_in(&project, &args);
        json(&o)
    };
    let base = run("base", &[]);
    assert_eq!(base["source"], "criterion");
    assert_eq!(base["benchmarks"].as_array().expect("b").len(), 3);
    let binaries = base["meta"]["binaries"].as_array().expect("binaries");
    assert!(binaries
        .iter()
        .any(|b| b["target"] == "crit" && b["path"].as_str().is_some_and(|p| Path::new(p).is_file())));
    assert!(base["meta"]["rustc"].as_str().is_some_and(|r| r.starts_with("rustc ")));
    // kept in the history under its name (the one store of results), with the bench binaries copied
    let kept = json(&run_in(&project, &["runs", "show", "base", "--format", "json"]));
    assert_eq!(kept["result"]["benchmarks"], base["benchmarks"]);
    assert!(project.join("target/fastware/bench/bin/base").is_dir());
    let slow = run("slow", &["--features", "slow"]);
    assert_ne!(binaries[0]["hash"], slow["meta"]["binaries"][0]["hash"], "a new bench binary");
    // saved names, found from the project
    let v = json(&run_in(&project, &["bench", "compare", "base", "slow", "--format", "json"]));
    assert_eq!(row(&v, "checksum/4k")["verdict"], "regressed", "{v}");
    assert_eq!(row(&v, "checksum/4k")["basis"], "samples");
    // both runs were kept in the history: runs diff of them is bench compare of the same results
    let d = json(&run_in(&project, &["runs", "diff", "base", "slow", "--format", "json"]));
    assert_eq!(d["benchmarks"], v["benchmarks"], "runs diff equals bench compare");
    assert_eq!((&d["regressed"], &d["improved"], &d["no_change"]), (&v["regressed"], &v["improved"], &v["no_change"]));
    // the same runs moved to a PostgreSQL store compare the same
    if let Some(url) = fastware_testkit::postgres_database("bench-runs") {
        let export = project.join("target/runs.jsonl");
        run_in(&project, &["runs", "export", "-o", s(&export)]);
        let o = run_in(&project, &["--store", &url, "runs", "import", s(&export)]);
        assert!(o.status.success(), "{}", stderr(&o));
        let d = json(&run_in(&project, &["--store", &url, "runs", "diff", "base", "slow", "--format", "json"]));
        assert_eq!(d["benchmarks"], v["benchmarks"], "runs diff on PostgreSQL equals bench compare");
    }
    // a name that is neither: the error lists those there are
    let o = run_in(&project, &["bench", "compare", "base", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("saved: base, slow; criterion baselines: base, new"), "{}", stderr(&o));
    // a saved file against criterion's own directory (the same run's samples): with the
    // baseline named, a bare directory (baseline `new`), and `new` as a name in the project
    for crit in ["target/criterion@new", "target/criterion", "new"] {
        let v = json(&run_in(&project, &["bench", "compare", "slow", crit, "--format", "json"]));
        assert_eq!((&v["new"]["source"], &v["new"]["baseline"]), (&"criterion".into(), &"new".into()), "{crit}");
        assert_eq!((&v["base"]["source"], &v["base"]["saved"]), (&"criterion".into(), &true.into()));
        // the same samples: equal up to the order they are summed in
        let same = |r: &Value| r["change"].as_f64().is_some_and(|c| c.abs() < 1e-12);
        assert!(v["benchmarks"].as_array().expect("b").iter().all(same), "{v}");
        assert_eq!(v["no_change"], 3);
    }
    // a run compared at once with a saved one; the text says where the bench binary is
    let mut args = vec!["bench", "cargo", "--compare", "slow", "--"];
    args.extend(QUICK);
    let o = run_in(&project, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("bench binaries") && text.contains("target/release/deps/crit-"), "{text}");
    assert!(text.contains("not saved"));
    // (the base is the name the results are kept under in the history)
    assert!(text.contains("base: slow (saved results") && text.contains("target/criterion (criterion"), "{text}");
    // against `slow`, the unchanged code is faster: checksum and parse do half the work
    let improved = text.lines().filter(|l| l.contains(" improved ")).count();
    assert!(text.lines().any(|l| l.contains("improved") && l.ends_with("checksum/4k")), "{text}");
    assert!(improved >= 2, "{text}");
    // cargo read the project's lock file as it is (current: with --locked,
    // which never writes it), with no copy of it in fastware's directory
    assert_eq!(std::fs::read(project.join("Cargo.lock")).expect("lock file"), lock);
    assert!(!project.join("target/fastware/Cargo.lock").exists());
}

/// `--repeat`: each run kept, and comparisons made between runs. The
/// verdicts' rates are the simulation's to test (a real A/A pair may raise a
/// false alarm at the nominal rate); the fixture's `slow` feature doubles
/// two workloads, which the between-run interval must show.
#[test]
fn repeated_runs_are_compared_between_runs() {
    let _alone = alone();
    let project = benchy("bench-repeat");
    let save = |name: &str, features: &[&str]| {
        let mut args = vec!["bench", "cargo", "--repeat", "3", "--save", name, "--format", "json", "--"];
        args.extend(features);
        args.extend(QUICK);
        let o = run_in(&project, &args);
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)
    };
    let base = save("base", &[]);
    // each benchmark's samples keep their runs apart: three runs adding up to the samples
    for b in base["benchmarks"].as_array().expect("benchmarks") {
        let sizes: Vec<u64> =
            b["run_sizes"].as_array().expect("run_sizes").iter().map(|n| n.as_u64().expect("n")).collect();
        assert_eq!(sizes.len(), 3, "{b}");
        assert_eq!(sizes.iter().sum::<u64>(), b["samples_us"].as_array().expect("samples").len() as u64);
    }
    // bench noise: each benchmark's runs, recomputed from the saved samples (a DOM walk)
    let noise = json(&run_in(&project, &["bench", "noise", "base", "--format", "json"]));
    for b in base["benchmarks"].as_array().expect("benchmarks") {
        let samples: Vec<f64> = b["samples_us"].as_array().expect("s").iter().map(|x| x.as_f64().expect("f")).collect();
        let mut means = Vec::new();
        let mut at = 0;
        for n in b["run_sizes"].as_array().expect("sizes").iter().map(|n| n.as_u64().expect("n") as usize) {
            means.push(samples[at..at + n].iter().sum::<f64>() / n as f64);
            at += n;
        }
        let (lo, hi) = means.iter().fold((f64::MAX, 0.0f64), |(l, h), &m| (l.min(m), h.max(m)));
        let r = noise["benchmarks"].as_array().expect("rows").iter().find(|r| r["name"] == b["name"]).expect("row");
        assert_eq!(r["runs"], 3);
        assert!((r["largest_change"].as_f64().expect("change") - (hi / lo - 1.0)).abs() < 1e-9, "{r} / {means:?}");
    }
    let largest = noise["benchmarks"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["largest_change"].as_f64().expect("c"))
        .fold(0.0, f64::max);
    assert_eq!(noise["quiet_noise"].as_f64(), Some(largest));
    let o = run_in(&project, &["bench", "noise", &data("criterion@base")]);
    run_error(&o, 2, "no benchmark has two runs");
    save("slow", &["--features", "slow"]);
    let v = json(&run_in(&project, &["bench", "compare", "base", "slow", "--format", "json"]));
    for name in ["checksum/4k", "parse/200"] {
        let r = row(&v, name);
        assert_eq!((&r["basis"], &r["runs"]), (&"runs".into(), &serde_json::json!([3, 3])), "{r}");
        // double the work: clearly slower, and the interval says so (the verdict, which
        // also needs Welch's test on 3 runs a side, is bench ab's A/B test above)
        assert!(r["change"].as_f64().is_some_and(|c| c > 0.2), "{r}");
        assert!(r["ratio_ci"][0].as_f64().is_some_and(|lo| lo > 1.0), "{r}");
        assert!(r["run_spread"].as_array().is_some_and(|s| s.len() == 2), "{r}");
    }
    let text = stdout(&run_in(&project, &["bench", "compare", "base", "slow"]));
    assert!(text.contains("between runs") && text.contains("Run-to-run spread"), "{text}");
    // the saved bench binaries as the sides of bench ab: the slow one is slower
    let kept = project.join("target/fastware/bench/bin/slow");
    let bins: Vec<String> = std::fs::read_dir(&kept)
        .expect("saved binaries")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(bins.len() == 1 && bins[0].starts_with("crit-"), "{bins:?}");
    let mut args = vec!["bench", "ab", "saved:base", "saved:slow", "--repeat", "2", "--format", "json", "--"];
    args.extend(QUICK);
    let o = run_in(&project, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let ab = json(&o);
    for name in ["checksum/4k", "parse/200"] {
        let r = row(&ab, name);
        assert_eq!((&r["basis"], &r["runs"]), (&"runs".into(), &serde_json::json!([2, 2])), "{r}");
        assert!(r["change"].as_f64().is_some_and(|c| c > 0.2), "{r}");
    }
    run_error(
        &run_in(&project, &["bench", "ab", "saved:nope", "saved:slow"]),
        2,
        "no bench binaries were saved as `nope`",
    );
    // one run a side says what it cannot see
    let single = stdout(&run(&["bench", "compare", &data("criterion@base"), &data("criterion@slow")]));
    assert!(single.contains("one run a side cannot show run-to-run noise"), "{single}");
}

/// `locking` on a perf profile of two threads taking one `Mutex` (the
/// slowpaths fixture's `lock` mode): the threads contend only when both run
/// at once, on two free cores — so here, alone, not beside the main binary's
/// parallel tests. The share under lock code is at least perf report's
/// inclusive share of the contended path's own symbol.
#[test]
fn two_threads_on_one_mutex_give_the_locking_finding() {
    let _alone = alone();
    let probe = fastware_testkit::temp_dir("timing-lock").join("probe.data");
    if !can_run("perf", &["record", "-e", "cpu-clock", "-o", s(&probe), "--", "true"]) {
        eprintln!("SKIPPED locking: perf cannot record here");
        return;
    }
    let bin = fastware_testkit::cargo_build_stable("slowpaths", "", &["--release"]).join("release/slowpaths");
    let data = fastware_testkit::temp_dir("timing-lock").join("lock.data");
    let st = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-F", "999", "--call-graph", "dwarf", "-o", s(&data), "--"])
        .arg(&bin)
        .args(["lock", "200"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("perf record");
    assert!(st.success());
    let o = run(&["profile", s(&data), "--format", "json", "--no-history"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let found = v["findings"]["findings"].as_array().expect("findings");
    let f = found.iter().find(|f| f["rule"] == "locking").unwrap_or_else(|| panic!("no locking: {}", v["findings"]));
    let share = v["findings"]["shares"]["locking"]["share"].as_f64().expect("share");
    assert_eq!(f["evidence"][0]["value"].as_f64(), Some(share), "{f}");
    let report = Command::new("perf")
        .args(["report", "-i", s(&data), "--stdio", "--children", "--sort", "symbol", "-g", "none"])
        .output()
        .expect("perf report");
    let contended = String::from_utf8_lossy(&report.stdout)
        .lines()
        .find(|l| l.contains(">::lock_contended") && !l.contains("(inlined)"))
        .and_then(|l| l.split_whitespace().next()?.trim_end_matches('%').parse::<f64>().ok())
        .expect("perf report's lock_contended");
    assert!(share * 100.0 >= contended - 0.01 && share >= 0.05, "ours {share}, perf's lock_contended {contended}%");
}
