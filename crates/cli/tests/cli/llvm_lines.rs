//! `fastware llvm-lines` on the bundled example: the root crate's rows equal
//! cargo-llvm-lines' on the same crate and settings, totals equal a plain
//! count of the `.ll` files, `--all-crates --with-trace` names
//! `sb_shapes::render::<_>` with copies and lines counted here from the IR
//! and LLVM time from the reference trace reader; `diff`; bad inputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use fastware_testkit::llvm_reference::compute;
use serde_json::Value;

fn example_copy(name: &str) -> fastware_testkit::Project {
    fastware_testkit::copy_project(&fastware_testkit::workspace_root().join("examples/slow-build"), name)
}

/// The name a `define` line defines, demangled without hash (rustc-demangle's alternate form).
fn defined(line: &str) -> Option<String> {
    let rest = line.strip_prefix("define ")?;
    let at = rest.find('@')? + 1;
    let name = &rest[at..at + rest[at..].find('(')?];
    Some(format!("{:#}", rustc_demangle::demangle(name.trim_matches('"'))))
}

/// Per demangled name: (copies, lines), counting each body's lines that
/// start with exactly two spaces — written here from the rule's statement.
fn plain_count(ll: &Path) -> BTreeMap<String, (u64, u64)> {
    let text = std::fs::read_to_string(ll).expect("read .ll");
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut body: Option<(String, u64)> = None;
    for line in text.split('\n') {
        if let Some(name) = defined(line) {
            body = Some((name, 0));
        } else if line == "}" {
            if let Some((name, n)) = body.take() {
                let e = out.entry(name).or_default();
                e.0 += 1;
                e.1 += n;
            }
        } else if let Some((_, n)) = body.as_mut() {
            if line.starts_with("  ") && !line.starts_with("   ") {
                *n += 1;
            }
        }
    }
    out
}

fn cargo_llvm_lines() -> bool {
    let ok = Command::new("cargo").args(["llvm-lines", "--version"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: the comparison with cargo-llvm-lines: it is not installed (cargo install --locked cargo-llvm-lines@0.4.48)");
    }
    ok
}

/// cargo-llvm-lines' rows: name → (copies, lines), with rustc-demangle's
/// `[hash]` crate disambiguators (v0) taken out, as fastware shows names.
fn theirs(project: &Path, extra: &[&str]) -> (BTreeMap<String, (u64, u64)>, (u64, u64)) {
    let target = project.join("cargo-llvm-lines-target");
    let mut c = Command::new("cargo");
    c.args(["llvm-lines", "-p", "sb-shapes", "--release", "--target-dir", s(&target)]).current_dir(project);
    if !extra.is_empty() {
        c.arg("--").args(extra);
    }
    let o = c.output().expect("run cargo llvm-lines");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let row = regex::Regex::new(r"^\s*(\d+)\s+\([^)]*\)\s+(\d+)\s+\([^)]*\)\s+(.+)$").expect("regex");
    let total = regex::Regex::new(r"^\s*(\d+)\s+(\d+)\s+\(TOTAL\)$").expect("regex");
    let disambiguator = regex::Regex::new(r"\[[0-9a-f]+\]").expect("regex");
    let mut rows = BTreeMap::new();
    let mut sum = (0, 0);
    for line in String::from_utf8_lossy(&o.stdout).lines() {
        if let Some(m) = total.captures(line) {
            sum = (m[2].parse().expect("copies"), m[1].parse().expect("lines"));
        } else if let Some(m) = row.captures(line) {
            let name = disambiguator.replace_all(&m[3], "").into_owned();
            rows.insert(name, (m[2].parse().expect("copies"), m[1].parse().expect("lines")));
        }
    }
    let _ = std::fs::remove_dir_all(target);
    (rows, sum)
}

fn ours(v: &Value) -> BTreeMap<String, (u64, u64)> {
    v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["key"].as_str().expect("key").to_string(),
                (r["copies"].as_u64().expect("n"), r["lines"].as_u64().expect("n")),
            )
        })
        .collect()
}

#[test]
fn example_root_crate_all_crates_with_trace_and_diff() {
    let project = example_copy("llvm-lines-example");
    let target = project.join("target");
    let before = fastware_testkit::snapshot(&project, &target);
    let with_ours = cargo_llvm_lines();
    for (mangling, extra) in [("v0", &["-Csymbol-mangling-version=v0"][..]), ("legacy", &[][..])] {
        let args = ["llvm-lines", "-p", "sb-shapes", "--by", "instance", "--top", "0", "--mangling", mangling];
        let v = json(&run_in(&project, &[&args[..], &["--format", "json"]].concat()));
        assert_eq!(v["crates"].as_array().expect("crates").len(), 1);
        let ll = PathBuf::from(v["crates"][0]["file"].as_str().expect("file"));
        assert!(ll.starts_with(target.join("fastware/llvm-lines")), "{}", ll.display());
        // totals: a plain count of the .ll file
        let plain = plain_count(&ll);
        let (copies, lines) = plain.values().fold((0, 0), |(c, l), (a, b)| (c + a, l + b));
        assert_eq!((v["total_copies"].as_u64(), v["total_lines"].as_u64()), (Some(copies), Some(lines)), "{mangling}");
        assert!(lines > 1000, "a real crate's IR: {lines} lines");
        if with_ours {
            let (rows, total) = theirs(&project, extra);
            assert_eq!(total, (copies, lines), "cargo-llvm-lines' total, {mangling}");
            assert_eq!(ours(&v), rows, "every row equals cargo-llvm-lines', {mangling}");
        }
    }
    // the project's files are unchanged; its target dir holds only fastware/
    assert_eq!(fastware_testkit::snapshot(&project, &target), before);
    let entries: Vec<String> = std::fs::read_dir(&target)
        .expect("target")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["fastware"]);

    // every crate, with LLVM time: render::<_> and its figures
    let o = run_in(
        &project,
        &["llvm-lines", "--all-crates", "--with-trace", "--top", "0", "--format", "json", "--save", "all"],
    );
    let v = json(&o);
    let crates: Vec<&str> =
        v["crates"].as_array().expect("crates").iter().map(|c| c["crate"].as_str().expect("name")).collect();
    for c in ["sb_app", "sb_shapes", "sb_routes", "sb_pipeline"] {
        assert!(crates.contains(&c), "{crates:?}");
    }
    let render =
        v["rows"].as_array().expect("rows").iter().find(|r| r["key"] == "sb_shapes::render::<_>").expect("render row");
    let is_render = |n: &str| n.starts_with("sb_shapes::render::<");
    let (mut copies, mut lines) = (0, 0);
    for c in v["crates"].as_array().expect("crates") {
        for (name, (k, l)) in plain_count(Path::new(c["file"].as_str().expect("file"))) {
            if is_render(&name) {
                copies += k;
                lines += l;
            }
        }
    }
    assert!(copies > 10, "render is monomorphised many times: {copies}");
    assert_eq!((render["copies"].as_u64(), render["lines"].as_u64()), (Some(copies), Some(lines)));
    let traces = fastware_testkit::files_with_suffix(
        &target.join("fastware/llvm-lines/trace-v0/release/deps"),
        ".llvm_timings.json",
    );
    assert_eq!(traces.len(), 4, "{traces:?}");
    let reference = compute(&traces, "OptFunction");
    let render_ns: i64 = reference
        .subjects
        .iter()
        .filter(|(sym, _)| is_render(&format!("{:#}", rustc_demangle::demangle(sym))))
        .map(|(_, f)| f.llvm_ns)
        .sum();
    assert!(render_ns > 0);
    assert_eq!(ns(&render["llvm_time"]), render_ns, "render's LLVM time");
    let per_k = render["ms_per_1000_lines"].as_f64().expect("ms per 1k");
    assert!((per_k - render_ns as f64 / 1e6 / (lines as f64 / 1000.0)).abs() < 0.001, "{per_k}");
    // on the report page: the top functions by lines as bars, as the run printed them
    let page = fastware_testkit::temp_dir("llvm-lines-page").join("page.html");
    run_in(&project, &["report", "all", "-o", s(&page)]);
    let html = std::fs::read_to_string(&page).expect("page");
    let top: Vec<f64> =
        v["rows"].as_array().expect("rows").iter().take(15).map(|r| r["lines"].as_f64().expect("lines")).collect();
    assert_eq!(attr(&html, "data-value"), top, "bars of the 15 functions with most lines");
    let text = stdout(&run_in(
        &project,
        &["llvm-lines", "--all-crates", "--with-trace", "--sort", "time", "--filter", "render"],
    ));
    assert!(text.contains("sb_shapes::render::<_>") && text.contains("LLVM time"), "{text}");

    // diff: the root crate alone against every crate, per crate
    run_in(&project, &["llvm-lines", "-p", "sb-shapes", "--save", "shapes"]);
    let d = json(&run_in(&project, &["llvm-lines", "diff", "shapes", "all", "--by", "crate", "--format", "json"]));
    let changed: BTreeMap<String, i64> = d["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["key"].as_str().expect("key").to_string(), r["lines_change"].as_i64().expect("n")))
        .collect();
    let added: BTreeMap<String, i64> = v["crates"]
        .as_array()
        .expect("crates")
        .iter()
        .filter(|c| c["crate"] != "sb_shapes")
        .map(|c| (c["crate"].as_str().expect("name").to_string(), c["lines"].as_i64().expect("n")))
        .collect();
    assert_eq!(changed, added, "the crates added, with all their lines; sb_shapes unchanged");
    let same = stdout(&run_in(&project, &["llvm-lines", "diff", "all", "all"]));
    assert!(same.contains("no row changed"), "{same}");
    assert_eq!(fastware_testkit::snapshot(&project, &target), before);
}

#[test]
fn bad_inputs() {
    // outside the workspace (cargo would find fastware's own manifest above it)
    let empty = std::env::temp_dir().join(format!("fastware-llvm-lines-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("mkdir");
    let o = run_in(&empty, &["llvm-lines"]);
    error_of(&o, 2, &["Cargo.toml"]);
    let _ = std::fs::remove_dir(&empty);
    let broken = fastware_testkit::copy_project(&fastware_testkit::fixture("broken"), "llvm-lines-broken");
    let o = run_in(&broken, &["llvm-lines", "--all-crates"]);
    let err = error_of(&o, 1, &["the build of the IR failed"]);
    assert!(err.contains("mismatched types"), "cargo's errors are shown: {err}");
    let tracee = fastware_testkit::copy_project(&fastware_testkit::fixture("tracee"), "llvm-lines-tracee");
    error_of(&run_in(&tracee, &["llvm-lines", "--crates", "nope"]), 2, &["no crate nope in this build"]);
    error_of(&run_in(&tracee, &["llvm-lines", "-p", "nope"]), 2, &["nope"]);
    error_of(&run_in(&tracee, &["llvm-lines", "--sort", "time"]), 2, &["--with-trace"]);
    error_of(&run_in(&tracee, &["llvm-lines", "diff", "a", "b"]), 2, &["no saved llvm-lines run named `a`"]);
    let other = fastware_testkit::fixture("results").join("heap.json");
    error_of(
        &run_in(&tracee, &["llvm-lines", "diff", s(&other), s(&other)]),
        2,
        &["fastware/heap/1", "expected fastware/llvm-lines-data/1"],
    );
    error_of(&run_in(&tracee, &["llvm-lines", "--save", "a/b"]), 2, &["a name without slashes"]);
    assert!(
        !tracee.join("Cargo.lock").exists() || fastware_testkit::fixture("tracee").join("Cargo.lock").exists(),
        "no Cargo.lock made"
    );
}
