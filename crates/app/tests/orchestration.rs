//! The commands' orchestration, in-process: each test calls
//! `fastware_app`'s functions with a context of its own (its store, notes
//! kept in a list, a directory of its own) and stand-in tools — a script in
//! valgrind's place that writes a recording valgrind really made (the
//! committed fixtures) where valgrind would have written it. No perf,
//! valgrind, llvm-profdata or chromium is needed; the figures are checked
//! against the fixture files read by the test itself.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::{Args, FromArgMatches};
use fastware_app::{Ctx, Tools};
use serde_json::Value;

/// Parses `argv` (after the command's name) as the command's arguments, as
/// the binary would.
fn parse<A: Args + FromArgMatches>(argv: &[&str]) -> A {
    let cmd = A::augment_args(clap::Command::new("fastware-test").no_binary_name(true));
    let m = cmd.try_get_matches_from(argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    A::from_arg_matches(&m).expect("arguments")
}

/// A copy of the tracee fixture project (only its metadata is used: nothing
/// is built), and a context in it with a store of its own.
fn context(name: &str) -> (fastware_testkit::Project, Ctx, Arc<Mutex<Vec<String>>>) {
    let dir = fastware_testkit::copy_project(&fastware_testkit::fixture("tracee"), name);
    let store = dir.join("history.sqlite").display().to_string();
    let (ctx, notes) = Ctx::collecting(&dir, Some(store));
    (dir, ctx, notes)
}

/// A stand-in for valgrind: writes the recording `fixture` to the output
/// file the command line names (`--callgrind-out-file=` or
/// `--dhat-out-file=`), as valgrind would after running the program.
fn stand_in_valgrind(dir: &Path, fixture: &Path) -> PathBuf {
    let script = dir.join(format!("valgrind-{}", fixture.file_name().expect("name").to_string_lossy()));
    let body = format!(
        "#!/bin/sh\nfor a in \"$@\"; do\n  case \"$a\" in\n    --callgrind-out-file=*|--dhat-out-file=*) cp '{}' \"${{a#*=}}\" ;;\n  esac\ndone\n",
        fixture.display()
    );
    std::fs::write(&script, body).expect("write the stand-in");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

/// A binary with a symbol table, for `--file` (the program the stand-in
/// "runs": this test itself).
fn some_binary() -> String {
    std::env::current_exe().expect("the test binary").display().to_string()
}

/// The `summary:` line of a callgrind file: its total instructions.
fn callgrind_summary(file: &Path) -> u64 {
    let text = std::fs::read_to_string(file).expect("callgrind.out");
    text.lines().find_map(|l| l.strip_prefix("summary: ")?.trim().parse().ok()).expect("a summary line")
}

#[test]
fn profile_runs_are_kept_whole_named_and_compared_through_the_history() {
    let (dir, ctx, notes) = context("app-profile");
    let one = fastware_testkit::fixture("profiles/hotspots-1.callgrind.out");
    let three = fastware_testkit::fixture("profiles/hotspots-3.callgrind.out");
    let bin = some_binary();
    for (fixture, name) in [(&one, "before"), (&three, "after")] {
        let ctx = ctx.clone().with_tools(Tools::default().with("valgrind", stand_in_valgrind(&dir, fixture)));
        let args: fastware_app::profile::ProfileCmd =
            parse(&["--callgrind", "--file", &bin, "--save", name, "--format", "json"]);
        let done = fastware_app::profile::run(&ctx, &args).expect("profile");
        assert!(done.failure.is_none());
        let v = serde_json::to_value(&done.result).expect("json");
        // the header's total is the recording's own summary
        assert_eq!(v["header"]["total"].as_u64(), Some(callgrind_summary(fixture)), "{}", v["header"]);
    }
    let said = notes.lock().expect("notes").join("\n");
    assert!(said.contains("saved as `before`") && said.contains("saved as `after`"), "{said}");

    // `profile diff` by name reads the same models `runs show` shows
    let args: fastware_app::profile::ProfileCmd = parse(&["diff", "before", "after", "--format", "json"]);
    let diff = serde_json::to_value(&fastware_app::profile::run(&ctx, &args).expect("diff").result).expect("json");
    assert_eq!(diff["base"]["total"].as_u64(), Some(callgrind_summary(&one)));
    assert_eq!(diff["new"]["total"].as_u64(), Some(callgrind_summary(&three)));
    let runs: fastware_app::runs::RunsCmd = parse(&["show", "before", "--format", "json"]);
    let shown = serde_json::to_value(&fastware_app::runs::run(&ctx, &runs).expect("show").result).expect("json");
    assert_eq!(shown["result"]["schema"], "fastware/profile-data/1");
    assert_eq!(shown["result"]["total"].as_u64(), Some(callgrind_summary(&one)));
    // and `runs diff` compares them by the kind's own comparison
    let runs: fastware_app::runs::RunsCmd = parse(&["diff", "before", "after", "--format", "json"]);
    let compared = serde_json::to_value(&fastware_app::runs::run(&ctx, &runs).expect("diff").result).expect("json");
    assert_eq!(compared["schema"], "fastware/profile-diff/1");
    assert_eq!(compared["rows"], diff["rows"], "the same comparison");
}

#[test]
fn a_heap_profile_saved_by_name_is_one_model_for_heap_diff_and_runs_show() {
    let (dir, ctx, _notes) = context("app-heap");
    let fixture = fastware_testkit::fixture("heap/allocs.dhat.json");
    let ctx = ctx.with_tools(Tools::default().with("valgrind", stand_in_valgrind(&dir, &fixture)));
    let bin = some_binary();
    let args: fastware_app::heap::HeapCmd = parse(&["--file", &bin, "--save", "a", "--format", "json"]);
    let done = fastware_app::heap::run(&ctx, &args).expect("heap");
    let printed = serde_json::to_value(&done.result).expect("json");
    // totals as the file has them (an independent walk of its program points)
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&fixture).expect("dhat")).expect("json");
    let (bytes, blocks): (u64, u64) = file["pps"]
        .as_array()
        .expect("pps")
        .iter()
        .fold((0, 0), |(n, b), p| (n + p["tb"].as_u64().expect("tb"), b + p["tbk"].as_u64().expect("tbk")));
    assert_eq!(
        (printed["header"]["totals"]["bytes"].as_u64(), printed["header"]["totals"]["blocks"].as_u64()),
        (Some(bytes), Some(blocks)),
        "{}",
        printed["header"]
    );
    // `heap diff a a` reads the kept model: nothing changed
    let diff: fastware_app::heap::HeapCmd = parse(&["diff", "a", "a", "--format", "json"]);
    let d = serde_json::to_value(&fastware_app::heap::run(&ctx, &diff).expect("diff").result).expect("json");
    assert_eq!(d["rows_total"], 0, "{d}");
    // `runs show a` holds the same model, whole: every program point of the file
    let runs: fastware_app::runs::RunsCmd = parse(&["show", "a", "--format", "json"]);
    let shown = serde_json::to_value(&fastware_app::runs::run(&ctx, &runs).expect("show").result).expect("json");
    assert_eq!(shown["result"]["schema"], "fastware/heap-data/1");
    assert_eq!(shown["result"]["points"].as_array().map(Vec::len), file["pps"].as_array().map(Vec::len));
}

#[test]
fn names_saved_by_earlier_versions_as_files_are_still_read() {
    let (dir, ctx, _notes) = context("app-legacy");
    // where fastware before the history was the store wrote `heap --save old`
    let profile = fastware_heap::saved::read(&fastware_testkit::fixture("heap/allocs.dhat.json")).expect("dhat");
    let legacy = fastware_heap::saved::path(&dir.join("target"), "old");
    fastware_heap::saved::save(&profile, &legacy).expect("the old file");
    let diff: fastware_app::heap::HeapCmd = parse(&["diff", "old", "old", "--format", "json"]);
    let d = serde_json::to_value(&fastware_app::heap::run(&ctx, &diff).expect("diff").result).expect("json");
    assert_eq!(d["rows_total"], 0);
}

#[test]
fn save_refuses_names_that_address_runs() {
    let (_dir, ctx, _notes) = context("app-names");
    for bad in ["last", "last~2", "17", "a\nb", "../x", ".hidden", ""] {
        let args: fastware_app::heap::HeapCmd = parse(&["--file", "/nonexistent", "--save", bad]);
        let e = fastware_app::heap::run(&ctx, &args).expect_err(bad);
        assert!(e.is_bad_input() && e.message.starts_with("--save"), "{bad:?}: {e}");
    }
}

#[test]
fn a_findings_experiment_is_the_typed_value_matrix_runs() {
    // a build result of the version whose findings held `fastware matrix`
    // arguments: read as the typed experiment, shown as the same command
    let path = fastware_testkit::fixture("history/build-experiment-args.json");
    let text = std::fs::read_to_string(&path).expect("build result");
    let file: Value = serde_json::from_str(&text).expect("json");
    let report: fastware_build::BuildReport =
        fastware_report::json::read(&text, "fastware/build/1", "build-experiment-args.json").expect("reads");
    let mut tested = 0;
    for (f, raw) in report.findings.iter().zip(file["findings"].as_array().expect("findings")) {
        let args: Vec<String> = raw["experiment"]
            .as_array()
            .map_or(Vec::new(), |a| a.iter().map(|x| x.as_str().expect("arg").into()).collect());
        match &f.experiment {
            Some(e) => {
                assert_eq!(e.args(), args, "{}", f.rule);
                let axes = fastware_matrix::axis::of_experiment(e).expect("axes");
                if let Ok(axes) = axes {
                    let keys: Vec<String> = e.sets.iter().map(|s| s.key.clone()).collect();
                    assert!(keys.iter().all(|k| axes.iter().any(|a| &a.name == k)), "{keys:?}");
                }
                tested += 1;
            }
            None => assert!(args.is_empty(), "{}", f.rule),
        }
    }
    assert!(tested >= 2, "the fixture's findings carry experiments");
}
