//! The store with real results (the committed `build` and `profile` results
//! fastware wrote), on SQLite and on a real PostgreSQL server (when
//! `FASTWARE_TEST_POSTGRES` names one; `.ci/run` starts it): recorded and
//! read back whole, found by id, name and `last~N`, names moved, 8 writers at
//! once losing nothing, a newer schema refused; on SQLite a truncated file
//! and the bytes a run takes, on PostgreSQL a server that is not there.

use std::path::{Path, PathBuf};

use fastware_history::context::Context;
use fastware_history::{Filter, NewRun, Store};
use serde_json::Value;

fn result(name: &str) -> Value {
    let path = fastware_testkit::fixture("results").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("result")).expect("json")
}

fn new_run(command: &str, name: Option<&str>, result: Value) -> NewRun {
    let context = Context::capture(&fastware_testkit::workspace_root(), vec!["fastware".into(), command.into()]);
    NewRun { command: command.into(), name: name.map(str::to_string), context, result, uid: None }
}

fn store_path(test: &str) -> PathBuf {
    fastware_testkit::temp_dir(test).join("fastware/history.sqlite")
}

fn open(p: &Path) -> Store {
    Store::open(p.to_str().expect("utf-8")).expect("open")
}

/// The SQLite file of the test, and a PostgreSQL database when there is a server.
fn locations(test: &str) -> Vec<String> {
    let mut l = vec![store_path(test).display().to_string()];
    l.extend(fastware_testkit::postgres_database(test));
    l
}

#[test]
fn runs_recorded_and_found() {
    for at in locations("history-basic") {
        recorded_and_found(&at);
    }
}

fn recorded_and_found(at: &str) {
    let mut s = Store::open(at).expect("open");
    let build = result("build.json");
    let profile = result("profile.json");
    let a = s.record(&new_run("build", Some("before"), build.clone())).expect("record");
    let b = s.record(&new_run("profile", None, profile.clone())).expect("record");
    let c = s.record(&new_run("build", Some("before"), build.clone())).expect("record");
    assert!(a < b && b < c);
    // read back whole, by id, name and position
    let r = s.find(&a.to_string(), None).expect("by id");
    assert_eq!(r.result, build);
    assert_eq!(r.info.kind, "fastware/build/1");
    assert_eq!(r.info.name, None, "the name moved to the newer run");
    assert_eq!(s.find("before", None).expect("by name").info.id, c);
    assert_eq!(s.find("last", None).expect("last").info.id, c);
    assert_eq!(s.find("last~1", None).expect("last~1").info.id, b);
    assert_eq!(s.find("last~1", Some("build")).expect("last~1 of build").info.id, a);
    assert_eq!(s.find("last", Some("profile")).expect("last profile").result, profile);
    assert!(s.find("last~5", None).is_err());
    let e = s.find("nope", None).expect_err("no such run");
    assert!(e.to_string().contains("no run `nope`"), "{e}");
    // the context is what this process ran on
    let ctx = &r.context;
    assert_eq!(ctx.machine.cores, std::thread::available_parallelism().map_or(1, |n| n.get()));
    assert!(ctx.rustc.as_deref().is_some_and(|v| v.contains("LLVM version")), "{:?}", ctx.rustc);
    assert_eq!(ctx.argv, ["fastware", "build"]);
    // listing: newest first, filtered
    let all: Vec<i64> = s.list(&Filter::default()).expect("list").iter().map(|r| r.id).collect();
    assert_eq!(all, [c, b, a]);
    let builds = s.list(&Filter { command: Some("build".into()), ..Filter::default() }).expect("list");
    assert_eq!(builds.iter().map(|r| r.id).collect::<Vec<_>>(), [c, a]);
    assert_eq!(builds[0].result_bytes, serde_json::to_string(&build).expect("json").len() as i64);
    // removal
    assert_eq!(s.remove(&[b.to_string()]).expect("rm"), 1);
    assert_eq!(s.list(&Filter::default()).expect("list").len(), 2);
    // another handle on the same store sees the same runs
    assert_eq!(Store::open(at).expect("open").find("before", None).expect("by name").result, build);
}

#[test]
fn eight_writers_at_once_lose_nothing() {
    for at in locations("history-concurrent") {
        eight_writers(&at);
    }
}

fn eight_writers(at: &str) {
    drop(Store::open(at).expect("open"));
    let build = result("build.json");
    let per = 25;
    std::thread::scope(|scope| {
        for w in 0..8 {
            let build = &build;
            scope.spawn(move || {
                let mut s = Store::open(at).expect("open");
                for k in 0..per {
                    let mut r = build.clone();
                    r["notes"] = serde_json::json!([format!("writer {w} run {k}")]);
                    s.record(&new_run("build", None, r)).expect("record");
                }
            });
        }
    });
    let mut s = Store::open(at).expect("open");
    let runs = s.list(&Filter::default()).expect("list");
    assert_eq!(runs.len(), 8 * per, "{at}");
    let mut seen: Vec<String> = runs
        .iter()
        .map(|r| s.find(&r.id.to_string(), None).expect("read").result["notes"][0].as_str().expect("note").to_string())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 8 * per, "every run once, whole");
}

#[test]
fn a_run_takes_few_bytes() {
    let p = store_path("history-size");
    let mut s = open(&p);
    let build = result("build.json");
    let json_bytes = serde_json::to_string(&build).expect("json").len() as u64;
    for _ in 0..40 {
        s.record(&new_run("build", None, build.clone())).expect("record");
    }
    drop(s);
    // everything on disk: the database and its write-ahead log
    let on_disk: u64 = std::fs::read_dir(p.parent().expect("dir"))
        .expect("dir")
        .flatten()
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    let per_run = on_disk / 40;
    assert!(per_run < json_bytes / 3, "{per_run} bytes a run for a result of {json_bytes} bytes as JSON");
}

#[test]
fn a_damaged_or_newer_store_is_refused_clearly() {
    let p = store_path("history-damaged");
    let mut s = open(&p);
    for _ in 0..20 {
        s.record(&new_run("build", None, result("build.json"))).expect("record");
    }
    drop(s);
    // cut to its first half (the write-ahead log was checkpointed on close)
    let bytes = std::fs::read(&p).expect("read");
    std::fs::write(&p, &bytes[..bytes.len() / 2]).expect("truncate");
    let _ = std::fs::remove_file(p.with_extension("sqlite-wal"));
    let err = Store::open(p.to_str().expect("utf-8")).and_then(|mut s| s.list(&Filter::default()).map(|_| ()));
    let e = err.expect_err("damaged");
    assert!(e.to_string().contains("damaged run history"), "{e}");
    assert!(e.to_string().contains("history.sqlite"), "{e}");
    // not a database at all
    std::fs::write(&p, b"hello, this is not SQLite at all, not even a little bit.....................").expect("w");
    let e = Store::open(p.to_str().expect("utf-8")).expect_err("not a database");
    assert!(e.to_string().contains("damaged run history"), "{e}");
    // a store from a newer fastware
    let q = store_path("history-newer");
    drop(open(&q));
    let conn = rusqlite::Connection::open(&q).expect("open");
    conn.execute("UPDATE fastware_meta SET value = '99' WHERE key = 'schema_version'", []).expect("update");
    drop(conn);
    let e = Store::open(q.to_str().expect("utf-8")).expect_err("newer");
    assert!(e.to_string().contains("schema version 99"), "{e}");
}

#[test]
fn a_newer_or_absent_server_is_refused_clearly() {
    // nothing listens on port 9 of this machine
    let e = Store::open("postgres://fastware:secret@127.0.0.1:9/runs").expect_err("no server");
    let text = e.to_string();
    assert!(text.contains("cannot reach the run history at postgres://fastware@127.0.0.1:9/runs"), "{text}");
    assert!(!text.contains("secret"), "the password is never shown: {text}");
    let Some(url) = fastware_testkit::postgres_database("history-newer-pg") else { return };
    drop(Store::open(&url).expect("open"));
    let o = std::process::Command::new("psql")
        .args([url.as_str(), "-c", "UPDATE fastware_meta SET value = '99' WHERE key = 'schema_version'"])
        .output()
        .expect("psql");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e = Store::open(&url).expect_err("newer");
    assert!(e.to_string().contains("schema version 99"), "{e}");
}

/// A store fastware of schema 1 wrote (`tests/fixtures/history`, made by
/// `make-history-fixtures.sh` with the release before run uids) opens
/// with this one: its runs and names are there, each run has a uid, and its
/// own export (without uids) imported into it adds nothing — the uids the
/// migration gave are the ones an import of the same runs computes.
#[test]
fn a_schema_1_store_is_migrated_and_its_export_is_recognised() {
    let dir = fastware_testkit::temp_dir("history-v1");
    let db = dir.join("v1.sqlite");
    std::fs::copy(fastware_testkit::fixture("history/v1.sqlite"), &db).expect("copy");
    let export = fastware_testkit::fixture("history/v1-export.jsonl");
    let lines = std::fs::read_to_string(&export).expect("export");
    assert!(!lines.contains("\"uid\""), "an export of schema 1 has no uids");
    let runs = fastware_history::run::read_lines(lines.as_bytes(), "v1-export.jsonl").expect("runs");
    assert_eq!(runs.len(), 2);

    let mut store = open(&db);
    let listed = store.list(&Filter::default()).expect("list");
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|r| r.uid.as_deref().is_some_and(|u| u.len() == 32)), "{listed:?}");
    assert_eq!(store.find("before", None).expect("named").info.id, runs[1].info.id);
    for r in &runs {
        assert_eq!(store.get(r.info.id).expect("run").result, r.result);
    }
    let done = store.import(&runs).expect("import");
    assert_eq!((done.added.len(), done.skipped), (0, 2), "the runs are the store's own");
    drop(store);

    // into other stores: added once, then recognised
    for at in locations("history-v1-import") {
        let mut other = Store::open(&at).expect("open");
        let done = other.import(&runs).expect("import");
        assert_eq!((done.added.len(), done.skipped), (2, 0), "{at}");
        let done = other.import(&runs).expect("import");
        assert_eq!((done.added.len(), done.skipped), (0, 2), "{at}");
        assert_eq!(other.find("before", Some("build")).expect("named").result, runs[1].result, "{at}");
    }
}
