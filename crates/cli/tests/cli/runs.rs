//! The run history, as a user meets it, on the default SQLite store and on
//! a real PostgreSQL server (`FASTWARE_TEST_POSTGRES`, started by
//! `.ci/run`): two `fastware build` runs of the tracee fixture kept and
//! compared unit by unit (against the two builds' own printed results, a DOM
//! walk), `--no-history`, `--store` and `FASTWARE_STORE`, export and import
//! between stores, a damaged store (the build still prints its result;
//! `runs` refuses clearly), and an import killed with SIGKILL mid-way (no
//! partial run).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::common::*;

fn tracee(name: &str) -> fastware_testkit::Project {
    fastware_testkit::copy_project(&fastware_testkit::fixture("tracee"), name)
}

/// unit → duration (ns) of the units a build report says were built.
fn built(v: &Value) -> BTreeMap<String, i64> {
    v["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter(|u| u["freshness"] != "fresh")
        .map(|u| (u["unit"].as_str().expect("unit").to_string(), ns(&u["duration_us"])))
        .collect()
}

/// fastware in `dir` with the store `FASTWARE_STORE` names (`None`: the default).
fn run_with(dir: &Path, store: Option<&str>, args: &[&str]) -> std::process::Output {
    let mut c = command_in(dir);
    if let Some(s) = store {
        c.env("FASTWARE_STORE", s);
    }
    c.args(args).output().expect("run fastware")
}

#[test]
fn two_builds_kept_and_compared_unit_by_unit() {
    two_builds(None);
    if let Some(url) = fastware_testkit::postgres_database("runs-builds") {
        two_builds(Some(&url));
    }
}

fn two_builds(store: Option<&str>) {
    let dir = tracee(if store.is_some() { "runs-builds-pg" } else { "runs-builds" });
    let run_in = |dir: &Path, args: &[&str]| run_with(dir, store, args);
    let ids = |dir: &Path, extra: &[&str]| {
        let v = json(&run_in(dir, &[&["runs", "list", "--format", "json"][..], extra].concat()));
        v["runs"].as_array().expect("runs").iter().map(|r| r["id"].as_i64().expect("id")).collect::<Vec<i64>>()
    };
    let a = json(&run_in(&dir, &["build", "--save", "first", "--format", "json"]));
    let b = json(&run_in(&dir, &["build", "--format", "json"]));
    assert_eq!(ids(&dir, &[]), [2, 1]);
    // the stored results are the printed ones
    let shown = json(&run_in(&dir, &["runs", "show", "first", "--format", "json"]));
    assert_eq!(shown["result"], a);
    assert_eq!(shown["command"], "build");
    assert!(shown["context"]["argv"].as_array().is_some_and(|v| v.iter().any(|x| x == "--save")), "{shown}");
    let d = json(&run_in(&dir, &["runs", "diff", "first", "last", "--format", "json"]));
    assert_eq!(d["schema"], "fastware/build-diff/1");
    assert_eq!(ns(&d["wall_change_us"]), ns(&b["build"]["wall_us"]) - ns(&a["build"]["wall_us"]));
    let (ua, ub) = (built(&a), built(&b));
    let rows = d["units"].as_array().expect("units");
    assert_eq!(rows.len(), ua.keys().chain(ub.keys()).collect::<std::collections::BTreeSet<_>>().len());
    for r in rows {
        let unit = r["unit"].as_str().expect("unit");
        assert_eq!(ns(&r["base_us"]), ua[unit], "{unit}");
        assert_eq!(ns(&r["new_us"]), ub[unit], "{unit}");
        assert_eq!(ns(&r["change_us"]), ub[unit] - ua[unit], "{unit}");
    }
    let text = stdout(&run_in(&dir, &["runs", "diff", "last~1", "last", "--command", "build"]));
    assert!(text.contains("build run 1 `first` → run 2") && text.contains("tracee-types"), "{text}");
    // --no-history keeps nothing; --store keeps elsewhere (over FASTWARE_STORE)
    run_in(&dir, &["build", "--no-history", "--format", "json"]);
    assert_eq!(ids(&dir, &[]).len(), 2);
    let other = dir.join("elsewhere.sqlite");
    let o = run_in(&dir, &["build", "--store", s(&other), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(ids(&dir, &["--store", s(&other)]), [1]);
    assert_eq!(ids(&dir, &[]).len(), 2);
    // export, import into another store: the same runs, whole
    let export = dir.join("runs.jsonl");
    run_in(&dir, &["runs", "export", "-o", s(&export)]);
    let copy = dir.join("copy.sqlite");
    let o = run_with(&dir, None, &["--store", s(&copy), "runs", "import", s(&export)]);
    assert!(stdout(&o).contains("imported 2 run(s)"), "{}", stderr(&o));
    let theirs = json(&run_with(&dir, None, &["--store", s(&copy), "runs", "show", "first", "--format", "json"]));
    assert_eq!(theirs["result"], a);
    assert_eq!(theirs["context"], shown["context"]);
    // a figure across the runs: the builds' own wall times, oldest first, and a chart
    let svg = dir.join("wall.svg");
    let t = json(&run_in(&dir, &["runs", "trend", "build.wall", "--svg", s(&svg), "--format", "json"]));
    let walls: Vec<i64> = t["points"]
        .as_array()
        .expect("points")
        .iter()
        .map(|p| (p["value"].as_f64().expect("µs") * 1e3).round() as i64)
        .collect();
    assert_eq!(walls, [ns(&a["build"]["wall_us"]), ns(&b["build"]["wall_us"])]);
    let chart = std::fs::read_to_string(&svg).expect("svg");
    assert!(
        chart.contains("<svg") && chart.contains("<polyline") && chart.contains("build.wall across 2 run(s)"),
        "{chart}"
    );
    let unit = json(&run_in(&dir, &["runs", "trend", "build.unit:tracee-types", "--last", "1", "--format", "json"]));
    assert_eq!(unit["points"].as_array().map(Vec::len), Some(1));
    assert_eq!((unit["points"][0]["value"].as_f64().expect("µs") * 1e3).round() as i64, ub["tracee-types"]);
    error_of(&run_in(&dir, &["runs", "trend", "nope"]), 2, &["unknown metric `nope`"]);
    // one page of the runs: each run's section, the trend, no fetches, no console errors
    let page = dir.join("report.html");
    let o = run_in(&dir, &["report", "--last", "5", "-o", s(&page)]);
    assert!(stdout(&o).contains("(2 run(s),"), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(html.len() < 2 << 20, "{} bytes", html.len());
    for fetch in ["<script", "<link", "src=\"http", "href=\"http", "url(http", "@import", "<img"] {
        assert!(!html.contains(fetch), "self-contained, but has {fetch}");
    }
    if let Some((dom, log)) = render_in_chromium(&page) {
        for id in [
            "id=\"runs\"",
            "id=\"trends\"",
            "id=\"run-1\"",
            "id=\"run-2\"",
            "data-metric=\"build.wall\"",
            "id=\"timeline\"",
        ] {
            assert!(dom.contains(id), "{id} on the page");
        }
        let errors: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
        assert!(errors.is_empty(), "console messages: {errors:?}");
        let shot = fastware_testkit::scratch_root()
            .join(format!("report-{}.png", if store.is_some() { "pg" } else { "sqlite" }));
        assert!(screenshot(&page, &shot), "a screenshot");
        eprintln!("note: a screenshot of the report page: {}", shot.display());
    }
    // bad names and kinds
    error_of(&run_in(&dir, &["runs", "show", "nope"]), 2, &["no run `nope`"]);
    error_of(&run_in(&dir, &["runs", "diff", "last~9", "last"]), 2, &["the store holds 2 run(s)"]);
    error_of(&run_in(&dir, &["runs", "list", "--since", "soon"]), 2, &["--since soon"]);
    std::fs::write(dir.join("bad.jsonl"), "{\"schema\": 3}\n").expect("write");
    error_of(&run_in(&dir, &["runs", "import", "bad.jsonl"]), 2, &["not a run exported by fastware", "bad.jsonl:1"]);
    error_of(&run_in(&dir, &["runs", "import", "target"]), 2, &["a directory"]);
    assert_eq!(stdout(&run_in(&dir, &["runs", "rm", "first"])).trim(), "removed 1 run(s)");
    assert_eq!(ids(&dir, &[]), [2]);
}

#[test]
fn a_damaged_store_does_not_stop_the_command() {
    let dir = tracee("runs-damaged");
    run_in(&dir, &["build", "--format", "json"]);
    let store = dir.join("target/fastware/history.sqlite");
    let bytes = std::fs::read(&store).expect("store");
    std::fs::write(&store, &bytes[..bytes.len() / 2]).expect("truncate");
    let _ = std::fs::remove_file(dir.join("target/fastware/history.sqlite-wal"));
    let o = run_in(&dir, &["build", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(json(&o)["units"].is_array(), "the result is printed");
    let err = stderr(&o);
    assert!(err.contains("warning: this run was not kept in the history: damaged run history"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    error_of(&run_in(&dir, &["runs", "list"]), 2, &["damaged run history", "history.sqlite"]);
    // not a store at all
    std::fs::write(&store, vec![b'x'; 8192]).expect("write");
    error_of(&run_in(&dir, &["runs", "list"]), 2, &["damaged run history"]);
}

/// Reading the history (`runs list`, `show`, `trend`, `export`, `report`)
/// creates nothing: not a mistyped `--store`'s directories, not a journal
/// beside a device; a store in a directory the user cannot write is read;
/// an SQLite file of another program is refused in one line.
#[test]
fn reading_the_history_creates_nothing() {
    let tmp = fastware_testkit::temp_dir("runs-read-only");
    let typo = tmp.join("typo/dir/x.sqlite");
    for args in [
        vec!["runs", "list"],
        vec!["runs", "show", "last"],
        vec!["runs", "export"],
        vec!["runs", "trend", "build.wall"],
    ] {
        let mut a = vec!["--store", s(&typo)];
        a.extend(args);
        if a.contains(&"export") {
            // (it writes JSON lines: no --format)
            expect_error(&a, 2, &["no run history at", s(&typo)]);
        } else {
            expect_kind(&a, 2, "AppError::NotFound", &["no run history at", s(&typo)]);
        }
        assert!(!tmp.join("typo").exists(), "{a:?} made the directories");
    }
    expect_error(&["--store", "/dev/null", "runs", "list"], 2, &["a device or pipe, not a run history file"]);
    assert!(!Path::new("/dev/null-journal").exists() && !Path::new("/dev/null-wal").exists());
    // a project whose history has not started: nothing listed, nothing made
    let dir = tracee("runs-read-only-project");
    let o = run_in(&dir, &["runs", "list", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["runs"].as_array().map(Vec::len), Some(0));
    assert!(!dir.join("target/fastware").exists());
    // another program's SQLite file
    let foreign = tmp.join("other.sqlite");
    let conn = rusqlite::Connection::open(&foreign).expect("sqlite");
    conn.execute_batch("CREATE TABLE runs (id INTEGER, name TEXT); INSERT INTO runs VALUES (1, 'x');").expect("table");
    drop(conn);
    let before = std::fs::read(&foreign).expect("read");
    // read, and opened to write (where an older store would be upgraded)
    for args in [&["runs", "list"][..], &["runs", "rm", "1"]] {
        let mut a = vec!["--store", s(&foreign)];
        a.extend(args);
        let err = expect_error(&a, 2, &["not a fastware run history"]);
        assert_eq!(err.trim_end().lines().count(), 2, "one error line and its hint: {err}");
    }
    assert_eq!(std::fs::read(&foreign).expect("read"), before, "the file is left as it was");
    // a kept store in a directory that cannot be written (as root, which
    // writes anyway, this only checks that it is listed)
    let ro = tmp.join("ro");
    std::fs::create_dir_all(&ro).expect("dir");
    let store = ro.join("h.sqlite");
    let o = run_in(&dir, &["--store", s(&store), "build", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let _ = std::fs::remove_file(ro.join("h.sqlite-wal"));
    let _ = std::fs::remove_file(ro.join("h.sqlite-shm"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let o = run(&["--store", s(&store), "runs", "list", "--format", "json"]);
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["runs"].as_array().map(Vec::len), Some(1));
}

/// `runs import` of many runs killed with SIGKILL while it writes: the file
/// is one transaction, so the store holds none of it (not the first few
/// hundred); the retry adds every run once, and another import of the same
/// file adds nothing (issue 27, item 3: 888 of 6,000 were kept, then the
/// retry made 6,888).
#[test]
fn an_import_killed_mid_way_keeps_nothing_and_the_retry_adds_each_run_once() {
    killed_import(None);
    if let Some(url) = fastware_testkit::postgres_database("runs-kill") {
        killed_import(Some(&url));
    }
}

fn run_count(dir: &Path, store: Option<&str>) -> usize {
    json(&run_with(dir, store, &["runs", "list", "--top", "0", "--format", "json"]))["runs"]
        .as_array()
        .expect("runs")
        .len()
}

fn killed_import(store: Option<&str>) {
    const MANY: i64 = 3000;
    let dir = tracee(if store.is_some() { "runs-kill-pg" } else { "runs-kill" });
    run_with(&dir, store, &["build", "--format", "json"]);
    let one = stdout(&run_with(&dir, store, &["runs", "export"]));
    let first: Value = serde_json::from_str(one.lines().next().expect("line")).expect("json");
    // 3,000 distinct runs: the build's run recorded at 3,000 other times,
    // without the identity the export gave it (as exports before it had)
    let mut many = String::new();
    for k in 1..=MANY {
        let mut r = first.clone();
        r.as_object_mut().expect("run").remove("uid");
        r["context"]["recorded_ms"] = Value::from(r["context"]["recorded_ms"].as_i64().expect("ms") - k);
        many.push_str(&serde_json::to_string(&r).expect("json"));
        many.push('\n');
    }
    std::fs::write(dir.join("many.jsonl"), many).expect("write");
    let mut child = command_in(&dir);
    if let Some(s) = store {
        child.env("FASTWARE_STORE", s);
    }
    let mut child = child
        .args(["runs", "import", "many.jsonl"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // kill it once it is writing: SQLite's write-ahead log has grown (the
    // transaction's pages spill into it), PostgreSQL has a write transaction open
    let wal = dir.join("target/fastware/history.sqlite-wal");
    let wal_before = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let mut writing = false;
    for _ in 0..2000 {
        writing = match store {
            None => std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > wal_before + 256 * 1024,
            Some(url) => std::process::Command::new("psql")
                .args([
                    "-tA",
                    url,
                    "-c",
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND datname = current_database()",
                ])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u64>().is_ok_and(|n| n > 0)),
        };
        if writing {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(writing, "the import was seen writing");
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "killed before it finished");
    assert_eq!(run_count(&dir, store), 1, "nothing of the killed import is kept");
    // the retry adds them all, once
    let o = run_with(&dir, store, &["runs", "import", "many.jsonl"]);
    assert!(stdout(&o).contains(&format!("imported {MANY} run(s)")), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(run_count(&dir, store), MANY as usize + 1);
    // and again: nothing new, each run counted as already kept
    let o = run_with(&dir, store, &["runs", "import", "many.jsonl"]);
    assert!(stdout(&o).contains("imported 0 run(s)"), "{}", stdout(&o));
    assert!(stdout(&o).contains(&format!("{MANY} already kept there")), "{}", stdout(&o));
    assert_eq!(run_count(&dir, store), MANY as usize + 1);
    // every run reads back whole: export walks them all
    let o = run_with(&dir, store, &["runs", "export"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), MANY as usize + 1);
    for line in stdout(&o).lines() {
        let r: Value = serde_json::from_str(line).expect("a whole run");
        assert_eq!(r["result"], first["result"]);
    }
    // an export imported into the store it came from adds nothing either
    std::fs::write(dir.join("all.jsonl"), stdout(&o)).expect("write");
    let o = run_with(&dir, store, &["runs", "import", "all.jsonl"]);
    assert!(stdout(&o).contains("imported 0 run(s)"), "{}", stdout(&o));
    assert_eq!(run_count(&dir, store), MANY as usize + 1);
}
