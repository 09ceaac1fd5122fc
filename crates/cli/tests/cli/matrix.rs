//! `fastware matrix` on a copy of `tests/fixtures/inliner` (a second's
//! build): each cell's settings reach rustc (cargo's own command lines, the
//! artifact's sections by objdump), sizes equal `stat`, the table equals the
//! per-rep results, the project is left byte-identical; bad axes, failing
//! cells and runs; a plan run cell by cell in separate processes and
//! merged; Ctrl-C and `--resume`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use super::common::*;

fn project(name: &str) -> fastware_testkit::Project {
    let p = fastware_testkit::copy_project(&fastware_testkit::fixture("inliner"), name);
    let _ = std::fs::remove_dir_all(p.join("target"));
    p
}

/// Every file of the project outside `target/fastware/`, with its bytes.
fn contents(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.ends_with("target/fastware") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

fn cell<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["cells"].as_array().expect("cells").iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no cell {name}"))
}

fn flags(c: &Value) -> Vec<String> {
    c["rustc_flags"].as_array().expect("flags").iter().map(|f| f.as_str().expect("flag").to_string()).collect()
}

/// The `results.jsonl` files under `<project>/target/fastware/matrix/`.
fn result_files(dir: &Path) -> Vec<PathBuf> {
    let root = dir.join("target/fastware/matrix");
    let plans = std::fs::read_dir(&root).into_iter().flatten().flatten();
    plans.map(|p| p.path().join("results.jsonl")).filter(|f| f.is_file()).collect()
}

fn results(dir: &Path) -> Vec<Value> {
    let files = result_files(dir);
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::read_to_string(&files[0])
        .expect("results")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn has_debug_line(artifact: &str) -> bool {
    let o = Command::new("objdump").args(["-h", artifact]).output().expect("objdump");
    String::from_utf8_lossy(&o.stdout).contains(".debug_line")
}

#[test]
fn cells_build_what_they_say_and_leave_the_project_alone() {
    let dir = project("matrix-cells");
    std::fs::create_dir_all(dir.join("target/release")).expect("target");
    std::fs::write(dir.join("target/release/mine"), b"the user's").expect("file");
    let before = contents(&dir);
    let o = run_in(
        &dir,
        &[
            "matrix",
            "--set",
            "profile.release.debug=none,line-tables-only",
            "--set",
            "profile.release.opt-level=1,3",
            "--rustflags",
            "-Cllvm-args=-inline-threshold={10,500}",
            "--reps",
            "2",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(contents(&dir), before, "the project changed");
    let v = json(&o);
    assert_eq!(v["cells"].as_array().expect("cells").len(), 9);
    assert_eq!((v["done"].as_u64(), v["planned"].as_u64()), (Some(18), Some(18)));
    let runs = results(&dir);
    assert_eq!(runs.len(), 18);
    // interleaved: every cell once before any cell twice
    let order: Vec<u64> = runs.iter().map(|r| r["rep"].as_u64().expect("rep")).collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
    for debug in ["none", "line-tables-only"] {
        for opt in ["1", "3"] {
            for t in ["10", "500"] {
                let name = format!("debug={debug} opt-level={opt} RUSTFLAGS=-Cllvm-args=-inline-threshold={t}");
                let c = cell(&v, &name);
                let f = flags(c);
                assert!(f.contains(&format!("opt-level={opt}")), "{name}: {f:?}");
                assert!(f.contains(&format!("llvm-args=-inline-threshold={t}")), "{name}: {f:?}");
                assert_eq!(f.iter().any(|x| x == "debuginfo=line-tables-only"), debug == "line-tables-only", "{f:?}");
                let mine: Vec<&Value> = runs.iter().filter(|r| r["cell"] == c["id"]).collect();
                assert_eq!(mine.len(), 2);
                let artifact = mine[0]["artifact"].as_str().expect("artifact");
                assert!(artifact.contains("target/fastware/matrix/"), "{artifact}");
                assert_eq!(has_debug_line(artifact), debug == "line-tables-only", "{artifact}");
                assert_eq!(c["size"].as_u64(), Some(std::fs::metadata(artifact).expect("stat").len()));
                // the table's figure is the median of the reps
                let mut b: Vec<f64> = mine.iter().map(|r| r["build_us"].as_f64().expect("build")).collect();
                b.sort_by(f64::total_cmp);
                let median = (b[0] + b[1]) / 2.0;
                // microseconds held to the nanosecond: within half of one
                assert!((c["build_us"]["median"].as_f64().expect("median") - median).abs() <= 5e-4 + 1e-6);
            }
        }
    }
    let text = stdout(&run_in(
        &dir,
        &["matrix", "--set", "profile.release.debug=none,line-tables-only", "--set", "profile.release.opt-level=1,3"],
    ));
    // the seed's table: rows one axis, columns the other, "Time / Size"
    let grid: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("build time / size")).skip(1).take(3).collect();
    assert!(grid[0].contains("opt-level=1") && grid[0].contains("opt-level=3"), "{text}");
    assert!(grid[1].trim_start().starts_with("none") && grid[1].contains("s / "), "{text}");
    assert!(grid[2].trim_start().starts_with("line-tables-only"), "{text}");
    assert_eq!(contents(&dir), before, "the project changed");
    // on a terminal: a bar over the measurements, naming the cell being built
    match on_a_terminal(&dir, "matrix --set profile.release.opt-level=0,1 --no-history") {
        Some(drawn) => {
            assert!(drawn.lines().any(|l| l.contains("measuring opt-level=0 [") && l.contains("1/3 (")), "{drawn}")
        }
        None => eprintln!("SKIPPED the progress bar on a terminal: util-linux's script cannot run here"),
    }
}

#[test]
fn bad_axes_and_failing_cells() {
    let dir = project("matrix-bad");
    let o = run_in(&dir, &["matrix", "--set", "profile.release.lto"]);
    run_error(&o, 2, "expected KEY=V1,V2");
    expect_kind_in(&dir, &["matrix"], 2, "AppError::Argument", &["no axis"]);
    // one key as two axes: cargo would build every cell with one of them
    let twice = ["matrix", "--set", "profile.release.opt-level=1,2", "--set", "profile.release.opt-level=3"];
    expect_kind_in(&dir, &twice, 2, "MatrixError::KeyTwice", &["`profile.release.opt-level` given twice"]);
    // options that cannot mean anything: refused before any build
    let o = run_in(&dir, &["matrix", "--set", "profile.release.opt-level=1", "--run", "true", "--runs", "0"]);
    run_error(&o, 2, "--runs");
    let sort = ["matrix", "--set", "profile.release.opt-level=1", "--sort", "run"];
    expect_kind_in(&dir, &sort, 2, "AppError::Argument", &["--sort run: the plan times no command"]);
    assert!(!dir.join("target").exists(), "nothing was built");
    // a mistyped key: cargo ignores it, rustc gets the same flags in every
    // cell, and no cell is called faster or slower for it
    let o = run_in(&dir, &["matrix", "--set", "profile.relase.opt-level=1,3", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json_of(&o);
    assert_eq!(v["no_effect"], serde_json::json!(["profile.relase.opt-level"]), "{v:#}");
    let (one, three) = (cell(&v, "opt-level=1"), cell(&v, "opt-level=3"));
    assert_eq!(one["rustc_flags"], three["rustc_flags"]);
    assert!(three["verdict"].as_str().is_some_and(|s| s.starts_with("no verdict")), "{three:#}");
    assert!(three["change"].is_null() && three["best"] == false, "{three:#}");
    let o = run_in(&dir, &["matrix", "--set", "profile.relase.opt-level=1,3"]);
    assert!(stdout(&o).contains("warning: `profile.relase.opt-level` changed none of rustc's flags"), "{}", stdout(&o));
    let o = run_in(&dir, &["matrix", "--linker", "default,nosuchld", "--format", "json"]);
    json_error_of(&o, 1, "MatrixError::LinkerMissing", &["ld"]);
    let o = run_in(&dir, &["matrix", "--toolchain", "no-such-toolchain"]);
    assert_ne!(o.status.code(), Some(0));
    // a value cargo rejects: that cell fails, the others are measured
    let o = run_in(&dir, &["matrix", "--set", "profile.release.opt-level=1,9", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json_of(&o);
    assert!(
        cell(&v, "opt-level=9")["failed"].as_str().is_some_and(|e| e.contains("opt-level")),
        "{:#}",
        cell(&v, "opt-level=9")
    );
    assert!(cell(&v, "opt-level=1")["build_us"]["median"].as_f64().is_some());
    assert!(stderr(&o).contains("some cells failed"));
    // a --run command that fails
    let o = run_in(
        &dir,
        &[
            "matrix",
            "--set",
            "profile.release.opt-level=1",
            "--run",
            "sh -c 'echo nope >&2; exit 3'",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json_of(&o);
    assert!(cell(&v, "opt-level=1")["failed"]
        .as_str()
        .is_some_and(|e| e.contains("--run command failed") && e.contains("nope")));
}

#[test]
fn a_plan_runs_cell_by_cell_and_merges() {
    let dir = project("matrix-plan");
    let plan = dir.join("plan.json");
    let o = run_in(&dir, &["matrix", "--set", "profile.release.opt-level=1,3", "--plan", s(&plan)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p: Value = serde_json::from_str(&std::fs::read_to_string(&plan).expect("plan")).expect("json");
    let n = p["cells"].as_array().expect("cells").len();
    assert_eq!(n, 3);
    // one process per cell, each writing into a directory of its own (as CI jobs would)
    let mut files = Vec::new();
    for k in 0..n {
        let out = fastware_testkit::temp_dir(&format!("matrix-job-{k}")).join(format!("cell-{k}.jsonl"));
        let o = run_in(&dir, &["matrix", "--plan", s(&plan), "--cell", &k.to_string(), "-o", s(&out)]);
        assert!(o.status.success(), "{}", stderr(&o));
        files.push(out);
    }
    let mut args = vec!["matrix", "merge", "--plan", s(&plan)];
    args.extend(files.iter().map(|f| s(f)));
    args.extend(["--format", "json"]);
    let v = json_of(&run_in(&dir, &args));
    assert_eq!(v["done"].as_u64(), Some(3));
    for (k, f) in files.iter().enumerate() {
        let r: Value = serde_json::from_str(std::fs::read_to_string(f).expect("cell").lines().next().expect("line"))
            .expect("json");
        assert_eq!(v["cells"][k]["build_us"]["median"], r["build_us"]);
        assert_eq!(v["cells"][k]["size"], r["size"]);
    }
    // results of another plan are refused
    let other = dir.join("other.json");
    assert!(run_in(&dir, &["matrix", "--set", "profile.release.opt-level=2", "--plan", s(&other)]).status.success());
    let foreign = fastware_testkit::temp_dir("matrix-job-x").join("x.jsonl");
    assert!(run_in(&dir, &["matrix", "--plan", s(&other), "--cell", "1", "-o", s(&foreign)]).status.success());
    let o = run_in(&dir, &["matrix", "merge", "--plan", s(&plan), s(&files[0]), s(&foreign), "--format", "json"]);
    json_error_of(&o, 2, "MatrixError::OtherPlan", &["another plan"]);
    // one file given twice: each (cell, rep) counted once, the repeat said
    let o = run_in(&dir, &["matrix", "merge", "--plan", s(&plan), s(&files[0]), s(&files[0]), "--format", "json"]);
    assert_eq!(json_of(&o)["done"].as_u64(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("left out 1 repeated measurement"), "{}", stderr(&o));
    // measurements that could not be of this plan, and files with none
    let line: Value = serde_json::from_str(std::fs::read_to_string(&files[1]).expect("cell").trim()).expect("json");
    let bad = dir.join("bad.jsonl");
    for (field, value, kind, needle) in [
        ("rep", Value::from(77), "MatrixError::RepNotInPlan", "rep 77"),
        ("build_us", Value::from(-1.5), "MatrixError::NegativeTime", "-1.5 µs"),
    ] {
        let mut l = line.clone();
        l[field] = value;
        std::fs::write(&bad, format!("{l}\n")).expect("write");
        let o = run_in(&dir, &["matrix", "merge", "--plan", s(&plan), s(&files[0]), s(&bad), "--format", "json"]);
        json_error_of(&o, 2, kind, &[needle]);
    }
    std::fs::write(&bad, "").expect("write");
    let merge = |x: &Path| run_in(&dir, &["matrix", "merge", "--plan", s(&plan), s(x), "--format", "json"]);
    json_error_of(&merge(&bad), 2, "MatrixError::NoResults", &["no matrix result"]);
    json_error_of(&merge(&plan), 2, "MatrixError::NotAResult", &["not a matrix result"]);
}

#[test]
fn ctrl_c_keeps_what_finished_and_resume_goes_on() {
    let dir = project("matrix-resume");
    let args = ["matrix", "--set", "profile.release.opt-level=1,2,3", "--reps", "2"];
    let child = command_in(&dir).args(args).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn");
    // wait for two measurements, then Ctrl-C
    let started = std::time::Instant::now();
    loop {
        let files = result_files(&dir);
        let lines = files.first().map_or(0, |f| std::fs::read_to_string(f).unwrap_or_default().lines().count());
        if lines >= 2 || started.elapsed().as_secs() > 120 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // the same plan again while it runs: refused, nothing measured twice
    let mut again = args.to_vec();
    again.push("--resume");
    again.extend(["--format", "json"]);
    let o = run_in(&dir, &again);
    json_error_of(&o, 2, "MatrixError::Busy", &["another fastware matrix is running plan", "--resume"]);
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");
    let kept = results(&dir);
    assert!(kept.len() >= 2 && kept.len() < 8, "{}", kept.len());
    let mut resumed = args.to_vec();
    resumed.extend(["--resume", "--format", "json"]);
    let o = run_in(&dir, &resumed);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("{} measurement(s) kept", kept.len())), "{}", stderr(&o));
    let all = results(&dir);
    assert_eq!(all.len(), 8);
    assert_eq!(&all[..kept.len()], &kept[..], "the kept measurements were redone");
    assert_eq!(json(&o)["done"].as_u64(), Some(8));
}

#[test]
fn a_numeric_sweep_is_also_a_chart() {
    let dir = project("matrix-sweep");
    let svg = fastware_testkit::temp_dir("matrix-sweep-out").join("sweep.svg");
    let o = run_in(&dir, &["matrix", "--set", "profile.release.opt-level=0,1,3", "--svg", s(&svg), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(text.contains("generator: fastware") && text.matches("<polyline").count() == 2, "{text}");
    // one point per value and series, titled with the cell's own figures
    for level in ["0", "1", "3"] {
        let c = cell(&v, &format!("opt-level={level}"));
        let t = c["build_us"]["median"].as_f64().expect("time");
        let shown = fastware_matrix::report::time(fastware_report::Duration::from_nanos((t * 1e3).round() as i64));
        assert!(text.contains(&format!("<title>{level}: {shown}</title>")), "{level} {t}: {text}");
        let size = fastware_report::units::bytes(c["size"].as_u64().expect("size"));
        assert!(text.contains(&format!("<title>{level}: {size}</title>")), "{level} {size}");
    }
    // two axes are no sweep: said, and no file
    let flat = fastware_testkit::temp_dir("matrix-sweep-out").join("none.svg");
    let o = run_in(
        &dir,
        &["matrix", "--set", "profile.release.opt-level=1", "--set", "profile.release.debug=none", "--svg", s(&flat)],
    );
    assert!(o.status.success() && stderr(&o).contains("not a sweep") && !flat.exists(), "{}", stderr(&o));
}

/// A plan and a cell's results written by an earlier fastware, whose
/// results held seconds (`tests/fixtures/matrix-earlier/make.sh`): merged by
/// this version, every time is the earlier one in microseconds (the medians
/// taken here from the raw lines).
#[test]
fn results_of_an_earlier_version_merge_in_microseconds() {
    let dir = fastware_testkit::fixture("matrix-earlier");
    let lines: Vec<Value> = std::fs::read_to_string(dir.join("cell-1.jsonl"))
        .expect("results")
        .lines()
        .map(|l| serde_json::from_str(l).expect("line"))
        .collect();
    assert_eq!(lines.len(), 2);
    let o =
        run_in(&dir, &["matrix", "merge", "--plan", "plan.json", "cell-1.jsonl", "--format", "json", "--no-history"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["schema"], "fastware/matrix/2");
    let c = cell(&v, "opt-level=1");
    let median = |mut x: Vec<f64>| {
        x.sort_by(f64::total_cmp);
        let n = x.len();
        if n % 2 == 1 {
            x[n / 2]
        } else {
            (x[n / 2 - 1] + x[n / 2]) / 2.0
        }
    };
    for (old, new) in [("build_s", "build_us"), ("hot_s", "hot_us"), ("run_s", "run_us")] {
        let secs: Vec<f64> = lines
            .iter()
            .flat_map(|l| match &l[old] {
                Value::Array(a) => a.iter().map(|x| x.as_f64().expect("s")).collect(),
                x => vec![x.as_f64().expect("s")],
            })
            .collect();
        assert_eq!(c[new]["n"].as_u64(), Some(secs.len() as u64), "{new}");
        let want = median(secs) * 1e6;
        let got = c[new]["median"].as_f64().expect("median");
        assert!((got - want).abs() <= 5e-4 + 1e-6, "{new}: {got} µs, the lines say {want} µs");
    }
}
