//! `fastware pgo` on `tests/fixtures/dispatch` (a dispatch loop with a
//! skewed branch), the whole flow for real: the raw profiles exist, the
//! merged profile counts exactly the iterations the training run made
//! (`llvm-profdata show`, independently), rustc got `-Cprofile-use`, and the
//! report's medians are those of the runs it recorded. No speed-up is
//! asserted (machines are noisy; bench/pgo.sh measures it).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::common::*;

/// An llvm-profdata that reads rustc's raw profiles (llvm-19 or later), or SKIPPED.
fn profdata() -> Option<PathBuf> {
    for v in (19..=30).rev() {
        let p = PathBuf::from(format!("/usr/bin/llvm-profdata-{v}"));
        if p.is_file() {
            return Some(p);
        }
    }
    eprintln!("SKIPPED: no llvm-profdata-19 or later (apt-get install llvm-19; .ci/run installs it)");
    None
}

fn project(name: &str) -> fastware_testkit::Project {
    let p = fastware_testkit::copy_project(&fastware_testkit::fixture("dispatch"), name);
    let _ = std::fs::remove_dir_all(p.join("target"));
    p
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("f64")).collect()
}

/// The sum of `dispatch::op`'s block counts in the merged profile.
fn op_calls(tool: &Path, profile: &Path) -> u64 {
    let o = Command::new(tool).args(["show", "--all-functions", "--counts"]).arg(profile).output().expect("show");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut lines = text.lines().skip_while(|l| !l.contains("8dispatch2op"));
    let counts = lines.find(|l| l.trim().starts_with("Block counts:")).expect("op's counts");
    counts.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse::<u64>().ok()).sum()
}

#[test]
fn the_whole_flow_on_the_fixture() {
    let Some(tool) = profdata() else { return };
    let dir = project("pgo-flow");
    // a profile left half-written by an earlier, interrupted run is not used
    let stale = dir.join("target/fastware/pgo/profiles");
    std::fs::create_dir_all(&stale).expect("dir");
    std::fs::write(stale.join("0-0.profraw"), b"\xfflprofr\x81").expect("stale");
    let o = run_in(&dir, &["pgo", "--run", "target/release/dispatch 300000", "--runs", "3", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["raw_profiles"], 1);
    let raws: Vec<PathBuf> = std::fs::read_dir(&stale).expect("profiles").flatten().map(|e| e.path()).collect();
    assert_eq!(raws.len(), 1, "{raws:?}");
    assert!(std::fs::metadata(&raws[0]).expect("raw").len() > 100);
    let merged = PathBuf::from(v["merged"].as_str().expect("merged"));
    assert!(std::fs::metadata(&merged).expect("merged").len() > 0);
    // one call of op per iteration of the training run, counted by LLVM
    assert_eq!(op_calls(&tool, &merged), 300_000);
    assert_eq!(v["profile_use_seen"], true);
    assert!(v["functions_with_counts"].as_u64() > Some(0));
    let c = &v["comparison"];
    let (a, b) = (floats(&c["baseline_us"]), floats(&c["optimized_us"]));
    assert_eq!((a.len(), b.len()), (3, 3));
    assert_eq!(c["baseline_median_us"].as_f64(), Some(median(&a)));
    assert_eq!(c["optimized_median_us"].as_f64(), Some(median(&b)));
    for bin in ["baseline_binary", "optimized_binary"] {
        let p = v[bin].as_str().expect("binary");
        assert!(p.contains("target/fastware/pgo/"), "{p}");
    }
    let text = stdout(&run_in(&dir, &["pgo", "--run", "target/release/dispatch 1000", "--runs", "2"]));
    assert!(text.contains("Steps") && text.contains("instrumented build") && text.contains("(medians)"), "{text}");
    // on a terminal: a bar over the six steps, naming the one under way
    match on_a_terminal(&dir, "pgo --run 'target/release/dispatch 1000' --runs 2 --no-history") {
        Some(drawn) => {
            assert!(drawn.lines().any(|l| l.starts_with("optimised build [") && l.contains("step 3/6")), "{drawn}")
        }
        None => eprintln!("SKIPPED the progress bar on a terminal: util-linux's script cannot run here"),
    }
}

#[test]
fn bad_pgo_inputs() {
    let dir = project("pgo-bad");
    expect_kind_in(&dir, &["pgo"], 2, "PgoError::NoWorkload", &["no workload"]);
    if profdata().is_none() {
        return;
    }
    let o = run_in(&dir, &["pgo", "--run", "target/release/dispatch 10 fail", "--format", "json"]);
    json_error_of(&o, 1, "PgoError::StepFailed", &["the training run failed"]);
    assert!(stderr(&o).contains("exit status: 3"), "{}", stderr(&o));
    let o = command_in(&dir)
        .args(["pgo", "--run", "target/release/dispatch 10", "--format", "json"])
        .env("FASTWARE_LLVM_PROFDATA", "/nonexistent")
        .output()
        .expect("run");
    json_error_of(&o, 1, "PgoError::NoProfdata", &["llvm-profdata is not installed"]);
    // an llvm-profdata that says it merged but wrote nothing usable (an
    // empty file, then junk): refused before any optimised build
    for junk in ["", "junk"] {
        let tool = dir.join("llvm-profdata-standin");
        let script = format!("#!/bin/sh\n[ \"$1\" = merge ] && printf '{junk}' > \"$3\"\nexit 0\n");
        std::fs::write(&tool, script).expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let o = command_in(&dir)
            .args(["pgo", "--run", "target/release/dispatch 10", "--format", "json"])
            .env("FASTWARE_LLVM_PROFDATA", &tool)
            .output()
            .expect("run");
        json_error_of(&o, 1, "PgoError::EmptyProfile", &["the merged profile holds no counts of the training run"]);
        assert!(!stderr(&o).contains("optimised build"), "{}", stderr(&o));
    }
    let old = PathBuf::from("/usr/bin/llvm-profdata-14");
    if old.is_file() {
        let o = command_in(&dir)
            .args(["pgo", "--run", "target/release/dispatch 10", "--format", "json"])
            .env("FASTWARE_LLVM_PROFDATA", &old)
            .output()
            .expect("run");
        json_error_of(&o, 1, "PgoError::ProfdataCannotRead", &["raw profile version"]);
    } else {
        eprintln!("SKIPPED: the incompatible llvm-profdata case needs llvm-profdata-14");
    }
}

/// libtest's figure per benchmark in one run's output, in µs.
fn libtest_figures(text: &str) -> Vec<(String, f64)> {
    let re = regex::Regex::new(r"^test (\S+) +\.\.\. bench: +([\d,.]+) ns/iter").expect("regex");
    text.lines()
        .filter_map(|l| re.captures(l))
        .map(|m| (m[1].to_string(), m[2].replace(',', "").parse::<f64>().expect("ns") / 1000.0))
        .collect()
}

/// `--bench steps`: the fixture's libtest benchmark (nightly `#[bench]`, so
/// RUSTC_BOOTSTRAP=1 as a nightly user's build would have it) is built with
/// each build, trains the profile, and is compared between interleaved runs;
/// each benchmark's figures are the means of the run outputs fastware kept,
/// read here with a regex.
#[test]
fn a_benchmark_target_as_the_workload() {
    let Some(tool) = profdata() else { return };
    let dir = project("pgo-bench");
    let o = command_in(&dir)
        .args(["pgo", "--bench", "steps", "--runs", "2", "--format", "json"])
        .env("RUSTC_BOOTSTRAP", "1")
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["training"], serde_json::json!(["benchmark steps --bench"]));
    assert!(v["comparison"].is_null(), "no command to time: {}", v["comparison"]);
    let merged = PathBuf::from(v["merged"].as_str().expect("merged"));
    assert!(op_calls(&tool, &merged) > 1000, "the benchmark's calls of op were counted");
    assert_eq!(v["profile_use_seen"], true);
    let runs = dir.join("target/fastware/pgo/bench-runs");
    let mean = |side: &str, name: &str| {
        let figures: Vec<f64> = (1..=2)
            .flat_map(|k| {
                libtest_figures(&std::fs::read_to_string(runs.join(format!("{side}/run-{k}.txt"))).expect("run"))
            })
            .filter(|(n, _)| n == name)
            .map(|(_, f)| f)
            .collect();
        assert_eq!(figures.len(), 2, "{side} {name}");
        figures.iter().sum::<f64>() / 2.0
    };
    let rows = v["benchmarks"]["benchmarks"].as_array().expect("benchmarks");
    let mut names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().expect("name")).collect();
    names.sort();
    assert_eq!(names, ["op_skewed", "steps_10k"]);
    for r in rows {
        let name = r["name"].as_str().expect("name");
        assert_eq!((&r["basis"], &r["runs"]), (&"runs".into(), &serde_json::json!([2, 2])), "{r}");
        for (side, field) in [("baseline", "base_us"), ("optimized", "new_us")] {
            let got = r[field].as_f64().expect("figure");
            assert!((got - mean(side, name)).abs() < 1e-9 * got, "{name} {side}: {got} vs {}", mean(side, name));
        }
    }
    assert!(
        libtest_figures(&std::fs::read_to_string(runs.join("instrumented/run-1.txt")).expect("training")).len() == 2
    );
    let bin = v["optimized_binary"].as_str().expect("binary");
    assert!(bin.contains("target/fastware/pgo/optimized/") && bin.contains("steps-"), "{bin}");
    // arguments after -- without a benchmark, and a benchmark that is not there
    let args = ["pgo", "--run", "target/release/dispatch 10", "--", "--x"];
    expect_kind_in(&dir, &args, 2, "AppError::Argument", &["give --bench NAME"]);
    let args = ["pgo", "--bench", "nope", "--format", "json"];
    let o = command_in(&dir).args(args).env("RUSTC_BOOTSTRAP", "1").output().expect("run");
    json_error_of(
        &o,
        2,
        "PgoError::NoSuchTarget",
        &["no bench target `nope` in the project", "its bench targets: steps"],
    );
}
