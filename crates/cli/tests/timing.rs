//! `fastware` verdicts that rest on timings, in a test binary of their own:
//! cargo runs test binaries one after another, so no other test of the suite
//! builds or measures while these time the fixture's benchmarks; and one test
//! function, so nothing in this binary runs beside it either. (In the main
//! test binary, a dozen parallel tests load the two cores: a run slowed by
//! them is run-to-run noise no number of runs a side can average away.)

#[allow(dead_code, unused_imports)]
#[path = "cli/common.rs"]
mod common;

use std::path::Path;
use std::process::Command;

use common::bench_row as row;
use common::*;
use serde_json::Value;

/// criterion, quickly: the fixture's `crit` benchmarks, short measurements.
const QUICK: [&str; 8] = ["--bench", "crit", "--", "--warm-up-time", "0.2", "--measurement-time", "0.5", "--noplot"];

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

/// `bench ab` on two commits of the fixture, the second turning on the
/// `slow` feature by default (it doubles `checksum` and `parse`). Each side
/// is unpacked and built under fastware's directory, run interleaved, three
/// runs a side, and compared between runs.
///
/// A/A first, at the default settings: the first commit against itself —
/// no benchmark may be called changed. This can fail by chance: the
/// verdicts' p-values are adjusted for the three benchmarks
/// (Benjamini–Hochberg), so an A/A comparison calls anything changed at most
/// at the nominal 5%; with Welch's test on three runs a side the simulation
/// (`a_suite_compared_a_a_stays_quiet`) measures 1.5–3%. Without the
/// adjustment it was about 10% for three benchmarks; with one run a side,
/// most of them (bench/README.md). Then A/B: both slowed benchmarks called
/// regressed. And the user's tree and git state are as they were.
#[test]
fn bench_ab_a_a_is_quiet_and_a_slowdown_is_regressed() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIPPED bench ab: git is not installed");
        return;
    }
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("benchy"), "bench-ab");
    std::fs::write(project.join(".gitignore"), "target/\n").expect("write");
    git(&project, &["init", "-q"]);
    git(&project, &["add", "-A"]);
    git(&project, &["commit", "-qm", "base"]);
    let manifest = std::fs::read_to_string(project.join("Cargo.toml")).expect("manifest");
    std::fs::write(project.join("Cargo.toml"), manifest.replacen("slow = []", "default = [\"slow\"]\nslow = []", 1))
        .expect("write");
    git(&project, &["commit", "-qam", "slow by default"]);
    let head = git(&project, &["rev-parse", "HEAD"]);
    let before: Vec<(String, Vec<u8>)> = ["Cargo.toml", "Cargo.lock", "src/lib.rs", "benches/crit.rs"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(project.join(f)).expect("file")))
        .collect();
    let ab = |base: &str, new: &str, save: &str| {
        let mut args = vec!["bench", "ab", base, new, "--repeat", "3", "--save", save, "--format", "json", "--"];
        args.extend(QUICK);
        let o = run_in(&project, &args);
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)
    };

    // A/A: the same code on both sides
    let aa = ab("HEAD~1", "HEAD~1", "aa");
    assert_eq!(aa["benchmarks"].as_array().map(Vec::len), Some(3), "{aa}");
    for r in aa["benchmarks"].as_array().expect("rows") {
        assert_eq!((&r["basis"], &r["runs"]), (&"runs".into(), &serde_json::json!([3, 3])), "{r}");
        assert_eq!(r["verdict"], "no change", "A/A: the same build called changed: {r}");
    }
    assert_eq!((&aa["regressed"], &aa["improved"]), (&0.into(), &0.into()), "{aa}");

    // A/B: the slow feature doubles two workloads
    let v = ab("HEAD~1", "HEAD", "ab");
    for name in ["checksum/4k", "parse/200"] {
        let r = row(&v, name);
        assert_eq!((&r["basis"], &r["runs"]), (&"runs".into(), &serde_json::json!([3, 3])), "{r}");
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
    for save in ["aa", "ab"] {
        let started = |side: &str| -> Vec<u64> {
            let f = project.join(format!("target/fastware/bench/{save}-{side}.json"));
            let saved: Value = serde_json::from_str(&std::fs::read_to_string(&f).expect("saved side")).expect("json");
            saved["meta"]["runs_started_ms"]
                .as_array()
                .expect("starts")
                .iter()
                .map(|t| t.as_u64().expect("ms"))
                .collect()
        };
        let (b, n) = (started("base"), started("new"));
        assert!(b.len() == 3 && n.len() == 3, "{b:?} {n:?}");
        assert!((0..3).all(|k| b[k] < n[k] && (k == 2 || n[k] < b[k + 1])), "{save}: {b:?} {n:?}");
    }
    // a revision that is not there
    run_error(
        &run_in(&project, &["bench", "ab", "HEAD", "no-such-branch"]),
        2,
        "`no-such-branch`: no such git revision",
    );
}
