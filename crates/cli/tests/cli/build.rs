//! `fastware build` end to end: real cargo builds of copies of the fixture
//! projects (the bundled example, tracee, a broken workspace).

use std::collections::HashMap;
use std::path::PathBuf;

use std::process::{Command, Stdio};
use std::time::Duration;

use super::common::*;
use serde_json::Value;

/// Builds are measured: one at a time, so that they do not slow each other.
static ONE_BUILD_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_BUILD_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn example_copy(name: &str) -> fastware_testkit::Project {
    fastware_testkit::copy_project(&fastware_testkit::workspace_root().join("examples/slow-build"), name)
}

fn rules(v: &Value) -> Vec<String> {
    v["findings"].as_array().expect("findings").iter().map(|f| f["rule"].as_str().expect("rule").to_string()).collect()
}

/// Every number a finding cites is in the report where it says.
fn check_evidence(v: &Value) {
    let all = v["findings"].as_array().expect("findings").iter();
    for f in all.flat_map(|f| std::iter::once(f).chain(f["also"].as_array().into_iter().flatten())) {
        let ev = f["evidence"].as_array().expect("evidence");
        assert!(!ev.is_empty(), "a finding without numbers: {f}");
        for e in ev {
            let pointer = e["pointer"].as_str().expect("pointer");
            let at = v.pointer(pointer).unwrap_or_else(|| panic!("{pointer} not in the report ({})", f["rule"]));
            assert_eq!(at.as_f64(), e["value"].as_f64(), "{} cites {pointer}", f["rule"]);
        }
        if f.get("rule").is_some() {
            assert!(!f["change"].as_str().expect("change").is_empty() && !f["why"].as_str().expect("why").is_empty());
        }
    }
}

/// The critical path from cargo's own record of which event unblocked each
/// unit (`unblocked` lists in the build log), compared with fastware's,
/// which is computed from dependencies and times.
fn check_critical_path(v: &Value) {
    let log = v["build"]["log"].as_str().expect("log path");
    let text = std::fs::read_to_string(log).expect("build log");
    let mut finish: HashMap<u64, f64> = HashMap::new();
    let mut started: HashMap<u64, f64> = HashMap::new();
    let mut unblocked_by: HashMap<u64, u64> = HashMap::new();
    for line in text.lines() {
        let e: Value = serde_json::from_str(line).expect("log line");
        let (Some(i), reason) = (e["index"].as_u64(), e["reason"].as_str().unwrap_or("")) else { continue };
        if reason == "unit-started" {
            started.insert(i, e["elapsed"].as_f64().expect("elapsed"));
        }
        if reason == "unit-finished" {
            finish.insert(i, e["elapsed"].as_f64().expect("elapsed"));
        }
        if reason == "unit-finished" || reason == "unit-rmeta-finished" {
            for u in e["unblocked"].as_array().into_iter().flatten() {
                unblocked_by.insert(u.as_u64().expect("index"), i);
            }
        }
    }
    let last = finish.iter().max_by(|a, b| a.1.partial_cmp(b.1).expect("times")).map(|(i, _)| *i).expect("units");
    let mut chain = vec![last];
    while let Some(&p) = unblocked_by.get(chain.last().expect("chain")) {
        chain.push(p);
    }
    chain.reverse();
    let ours: Vec<u64> =
        v["critical_path"].as_array().expect("path").iter().map(|s| s["index"].as_u64().expect("index")).collect();
    assert_eq!(ours, chain, "critical path");
    // the path's first unit had nothing to wait for but a free job: its
    // wait counts from the build's first start (issue 27, item 18)
    let build_start = started.values().copied().fold(f64::INFINITY, f64::min);
    let waited = (started[&chain[0]] - build_start) * 1e6;
    let shown = v["critical_path"][0]["waited_us"].as_f64().expect("waited");
    assert!((shown - waited).abs() <= 1.0, "first unit waited {shown} µs, the log says {waited}");
}

/// The example, cold with `--deep`, then hot on that build (as a user runs
/// them: the hot run's warm-up has nothing left to build).
#[test]
fn example_cold_deep_then_hot_gives_findings_with_evidence_and_touches_nothing() {
    let _one = serial();
    let project = example_copy("build-example-cold");
    let target = project.join("target");
    let before = fastware_testkit::snapshot(&project, &target);
    let html = fastware_testkit::temp_dir("build-example-html").join("report.html");
    let o =
        command_in(&project).args(["build", "--deep", "--format", "json", "--html"]).arg(&html).output().expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json_of(&o);

    // each rule the example is written to trigger fires, with its numbers in the report
    let fired = rules(&v);
    for rule in
        ["lto", "debuginfo", "few-functions", "drop-glue", "trait-obligation", "opt-level", "alone-on-critical-path"]
    {
        assert!(fired.iter().any(|r| r == rule), "{rule} did not fire: {fired:?}");
    }
    check_evidence(&v);
    check_critical_path(&v);
    assert_eq!(v["build"]["units_built"], 4, "shapes, pipeline, routes, app and nothing else");
    assert!(v["deep"].as_array().expect("deep").len() >= 4, "every member profiled");
    let trait_finding =
        v["findings"].as_array().expect("f").iter().find(|f| f["rule"] == "trait-obligation").expect("finding");
    assert!(trait_finding["change"].as_str().expect("change").contains("TraitPredicate(<Map<Or<"), "{trait_finding}");
    // the findings that suggest a setting name the matrix run that tests it (the profile's own keys)
    // (the experiment is a typed value: its config keys and values, as `--set KEY=V1,V2` gives them)
    for f in v["findings"].as_array().expect("f") {
        let args: Vec<String> = f["experiment"]["sets"].as_array().map_or(Vec::new(), |sets| {
            sets.iter()
                .flat_map(|s| {
                    let values: Vec<&str> =
                        s["values"].as_array().expect("values").iter().filter_map(Value::as_str).collect();
                    ["--set".to_string(), format!("{}={}", s["key"].as_str().expect("key"), values.join(","))]
                })
                .collect()
        });
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match f["rule"].as_str().expect("rule") {
            "lto" => assert_eq!(args, ["--set", "profile.release.lto=off"], "{f}"),
            "debuginfo" => assert_eq!(args, ["--set", "profile.release.debug=line-tables-only,none"], "{f}"),
            "opt-level" => assert!(args.contains(&"profile.release.opt-level=1,2"), "{f}"),
            _ => assert!(args.is_empty(), "{f}"),
        }
    }

    // nothing of the project changed, and fastware wrote only under target/fastware
    assert_eq!(fastware_testkit::snapshot(&project, &target), before, "the project's files are untouched");
    let in_target: Vec<String> = std::fs::read_dir(&target)
        .expect("target")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(in_target, ["fastware"]);

    // the page renders in a browser with its timeline and findings, and no errors
    let page = std::fs::read_to_string(&html).expect("html report");
    for fetch in ["<script src", "<link", "src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!page.contains(fetch), "self-contained, but has {fetch}");
    }
    if let Some((dom, log)) = render_in_chromium(&html) {
        assert!(
            dom.contains("id=\"timeline\"") && dom.contains("class=\"unit critical\""),
            "timeline with the critical path"
        );
        for rule in &fired {
            assert!(dom.contains(&format!("data-rule=\"{rule}\"")), "finding {rule} on the page");
        }
        let errors: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
        assert!(errors.is_empty(), "console messages: {errors:?}");
    }

    // hot, on the build above: the crate root marked changed, one unit rebuilt
    // (and the libraries the cold build made are used as they are)
    let libraries = || -> Vec<(PathBuf, std::time::SystemTime)> {
        let deps = target.join("fastware/build/release/deps");
        let mut libs: Vec<_> = fastware_testkit::files_with_suffix(&deps, ".rlib")
            .into_iter()
            .map(|p| {
                let modified = std::fs::metadata(&p).and_then(|m| m.modified()).expect("mtime");
                (p, modified)
            })
            .collect();
        libs.sort();
        libs
    };
    let cold_libraries = libraries();
    assert_eq!(cold_libraries.len(), 3, "shapes, pipeline, routes: {cold_libraries:?}");
    let o = command_in(&project).args(["build", "--hot", "--deep", "--format", "json"]).output().expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json_of(&o);
    let rebuilt = v["hot"]["rebuilt"].as_array().expect("rebuilt");
    assert_eq!(rebuilt.len(), 1, "{rebuilt:?}");
    assert_eq!(rebuilt[0]["unit"], "sb-app (bin sb-app)");
    assert!(rebuilt[0]["reason"].as_str().expect("reason").ends_with("crates/app/src/main.rs"), "{rebuilt:?}");
    assert_eq!(v["build"]["units_fresh"], 3);
    assert!(rules(&v).contains(&"incremental".to_string()), "{:?}", rules(&v));
    check_evidence(&v);
    check_critical_path(&v);
    assert_eq!(fastware_testkit::snapshot(&project, &target), before, "--hot did not touch main.rs");
    assert_eq!(libraries(), cold_libraries, "the warm-up had nothing to build");
}

#[test]
fn small_project_cold_and_hot_and_rules_that_do_not_fire() {
    let _one = serial();
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("tracee"), "build-tracee");
    let target = project.join("target");
    let before = fastware_testkit::snapshot(&project, &target);
    let o = command_in(&project).args(["build", "--deep", "--format", "json"]).output().expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json_of(&o);
    check_critical_path(&v);
    // a 1-second build: no rule reaches its thresholds in seconds
    assert!(rules(&v).is_empty(), "{:?}", rules(&v));
    let deep = v["deep"].as_array().expect("deep");
    assert_eq!(deep.len(), 2);
    let app = deep.iter().find(|c| c["crate"] == "tracee_app").expect("tracee_app");
    assert!(app["llvm"]["top_functions"].as_array().expect("functions").len() >= 3);

    // hot, dev profile (incremental on): the app is rebuilt for the change, no incremental finding
    let o = command_in(&project)
        .args(["build", "--hot", "app/src/main.rs", "--profile", "dev", "--format", "json"])
        .output()
        .expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json_of(&o);
    let rebuilt = v["hot"]["rebuilt"].as_array().expect("rebuilt");
    assert_eq!(rebuilt.len(), 1);
    assert!(
        rebuilt[0]["reason"].as_str().expect("reason").contains("changed file")
            && rebuilt[0]["reason"].as_str().expect("r").ends_with("app/src/main.rs")
    );
    assert!(!rules(&v).contains(&"incremental".to_string()));
    check_critical_path(&v);

    // the text report
    let o = command_in(&project).args(["build"]).output().expect("run");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("cold release build of ") && text.contains("Critical path") && text.contains("No findings"),
        "{text}"
    );
    assert_eq!(fastware_testkit::snapshot(&project, &target), before);
}

#[test]
fn a_failed_build_shows_cargos_errors_and_what_was_measured() {
    let _one = serial();
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("broken"), "build-broken");
    let o = command_in(&project).args(["build", "--format", "json"]).output().expect("run");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("the build failed"));
    let v = json_of(&o);
    assert_eq!(v["build"]["success"], false);
    let errors = v["build"]["errors"].as_array().expect("errors");
    assert!(errors.iter().any(|e| e.as_str().expect("line").contains("mismatched types")), "{errors:?}");
    let ok = v["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["package"] == "broken-ok")
        .expect("the crate that built");
    assert!(ok["duration_us"].as_f64().expect("duration") > 0.0);
    let o = command_in(&project).args(["build"]).output().expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("cargo's errors:"));
}

#[test]
fn bad_projects_and_arguments() {
    let _one = serial();
    // outside any cargo project (the test's own scratch dir is inside fastware's)
    let empty = std::env::temp_dir().join(format!("fastware-not-a-project-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("mkdir");
    let o = command_in(&empty).args(["build"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: not a cargo project") && stderr(&o).contains("--manifest-path"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&empty);

    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("tracee"), "build-bad-args");
    let o = command_in(&project).args(["build", "-p", "no-such-package"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no-such-package"), "{}", stderr(&o));
    let o = command_in(&project).args(["build", "--hot", "src/nowhere.rs"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));
    let o = command_in(&project).args(["build", "--format", "csv"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("panicked"));
    // --html onto the project's own files: refused before anything is built
    let before = fastware_testkit::snapshot(&project, &project.join("target"));
    for (path, why) in [
        ("app/src/main.rs", "cargo reads it"),
        ("Cargo.toml", "cargo reads it"),
        ("app/src/bin/report.rs", "cargo reads it"),
        ("app/Cargo.lock", "cargo reads it"),
    ] {
        let o = command_in(&project).args(["build", "--html", path]).output().expect("run");
        assert_eq!(o.status.code(), Some(2), "{path}: {}", stderr(&o));
        // --force is no way round this rule, so the hint does not offer it (issue 27, item 1)
        assert!(stderr(&o).contains(why) && !stderr(&o).contains("--force"), "{path}: {}", stderr(&o));
    }
    std::fs::write(project.join("notes.html"), b"<p>mine</p>").expect("write");
    let o = command_in(&project).args(["build", "--html", "notes.html"]).output().expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not written by fastware"), "{}", stderr(&o));
    std::fs::remove_file(project.join("notes.html")).expect("rm");
    assert_eq!(fastware_testkit::snapshot(&project, &project.join("target")), before);
    assert!(!project.join("target/fastware/build").exists(), "nothing was built");
}

#[test]
fn a_cargo_without_build_analysis_falls_back_to_timings() {
    let _one = serial();
    // Real cargo, given a -Z flag it does not know in place of
    // -Zbuild-analysis, answers as an older cargo does.
    let dir = fastware_testkit::temp_dir("old-cargo");
    let script = dir.join("cargo");
    let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    std::fs::write(
        &script,
        format!("#!/usr/bin/env bash\nargs=()\nfor a in \"$@\"; do [ \"$a\" = -Zbuild-analysis ] && a=-Zbuild-analysis-from-the-future; args+=(\"$a\"); done\nexec '{real}' \"${{args[@]}}\"\n"),
    )
    .expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("tracee"), "build-old-cargo");
    let o =
        command_in(&project).env("FASTWARE_CARGO", &script).args(["build", "--format", "json"]).output().expect("run");
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json_of(&o);
    assert_eq!(v["source"], "timings");
    assert!(v["notes"].as_array().expect("notes").iter().any(|n| n.as_str().expect("n").contains("--timings only")));
    assert_eq!(v["build"]["units_built"], 2);
    assert!(!v["critical_path"].as_array().expect("path").is_empty());
}

#[test]
fn ctrl_c_stops_the_build_and_leaves_nothing_half_written() {
    let _one = serial();
    let project = example_copy("build-interrupt");
    let target = project.join("target");
    let before = fastware_testkit::snapshot(&project, &target);
    let out = fastware_testkit::temp_dir("build-interrupt-out");
    let html = out.join("report.html");
    let child = command_in(&project)
        .args(["build", "--deep", "--html"])
        .arg(&html)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_secs(4));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let o = child.wait_with_output().expect("wait");
    // stopped, not run to the end: the final binary was never linked
    let binary = target.join("fastware/build/release/sb-app");
    assert!(!binary.exists(), "the build ran to completion after Ctrl-C");
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
    assert!(std::fs::read_dir(&out).expect("out dir").next().is_none(), "no report, no temporary file");
    assert_eq!(fastware_testkit::snapshot(&project, &target), before);
    // no compiler left running for the interrupted build
    std::thread::sleep(Duration::from_millis(500));
    let ps = Command::new("sh")
        .arg("-c")
        .arg(format!("ps -eo args | grep -F '{}' | grep -v grep | grep rustc || true", project.display()))
        .output()
        .expect("ps");
    assert!(
        String::from_utf8_lossy(&ps.stdout).trim().is_empty(),
        "left running: {}",
        String::from_utf8_lossy(&ps.stdout)
    );
}

/// Bad arguments are bad input (exit 2) with cargo's own line, not a failed
/// build; a `--deep` crate name that is no crate of the build is said, not
/// ignored (issue 18, item 14).
#[test]
fn bad_build_arguments_are_bad_input() {
    let project = fastware_testkit::copy_project(&fastware_testkit::fixture("inliner"), "build-usage-errors");
    for (args, needle) in [
        (vec!["build", "--profile", "nonexist"], "profile `nonexist` is not defined"),
        (vec!["build", "--features", "nope"], "does not contain this feature: nope"),
        (vec!["build", "-j", "0"], "--jobs"),
        (vec!["build", "--deep", "nope"], "--deep: no crate of this build is named `nope`"),
    ] {
        let o = run_in(&project, &args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.lines().any(|l| l.starts_with("error: ") && l.contains(needle)), "{args:?}: {err}");
    }
    let dir = project.join("src");
    for cmd in [
        vec!["asm", "main", "--file", s(&dir)],
        vec!["inline", "main", "--file", s(&dir)],
        vec!["size", "--file", s(&dir)],
    ] {
        let o = run_in(&project, &cmd);
        assert_eq!(o.status.code(), Some(2), "{cmd:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("a directory"), "{}", stderr(&o));
    }
}
