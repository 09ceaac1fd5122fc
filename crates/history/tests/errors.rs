//! Bad run histories and runs asked of them, made from real ones (the
//! committed store an earlier fastware wrote, copied and edited with
//! SQLite; its committed export cut or edited through a DOM; an SQLite
//! database of another program; a text file; a directory; a device), give
//! their kind of [`HistoryError`]; the messages are one snapshot.

use fastware_history::{HistoryError, Store};

#[test]
fn bad_histories_and_runs_are_told_apart_by_kind() {
    let fixtures = fastware_testkit::fixture("history");
    let tmp = fastware_testkit::temp_dir("history-errors");
    let said = std::cell::RefCell::new(Vec::new());
    let check = |name: &str, e: fastware_report::Error, want: HistoryError| {
        assert_eq!(e.typed::<HistoryError>(), Some(&want), "{name}: {e}");
        said.borrow_mut().push(fastware_testkit::said(name, &e.message, e.hint.as_deref()));
    };
    let s = |p: &std::path::Path| p.display().to_string();

    check(
        "directory",
        Store::open_read(&s(&fixtures)).expect_err("a directory"),
        HistoryError::NotAFile { what: "a directory".into() },
    );
    check(
        "device",
        Store::open_read("/dev/null").expect_err("a device"),
        HistoryError::NotAFile { what: "a device or pipe".into() },
    );
    let text = fixtures.join("v1-export.jsonl");
    check("a text file", Store::open_read(&s(&text)).expect_err("text"), HistoryError::NotSqlite);
    // an SQLite database of another program
    let other = tmp.join("other.sqlite");
    let db = rusqlite::Connection::open(&other).expect("sqlite");
    db.execute("CREATE TABLE notes (body TEXT)", []).expect("create");
    drop(db);
    check(
        "another program's database",
        Store::open_read(&s(&other)).expect_err("foreign"),
        HistoryError::Foreign { table: Some("notes".into()) },
    );

    // the committed store, its schema version made newer, then unreadable
    let newer = tmp.join("newer.sqlite");
    std::fs::copy(fixtures.join("v1.sqlite"), &newer).expect("copy");
    let set = |v: &str| {
        let db = rusqlite::Connection::open(&newer).expect("sqlite");
        db.execute("UPDATE fastware_meta SET value = ?1 WHERE key = 'schema_version'", [v]).expect("update");
    };
    set("99");
    check(
        "newer schema",
        Store::open(&s(&newer)).expect_err("newer"),
        HistoryError::NewerSchema { version: 99, reads: 2 },
    );
    set("two");
    check("schema unreadable", Store::open(&s(&newer)).expect_err("unreadable"), HistoryError::SchemaUnreadable);

    // runs asked of the committed store (copied: reading upgrades it), whose
    // runs SQLite counts
    let store_path = tmp.join("v1.sqlite");
    std::fs::copy(fixtures.join("v1.sqlite"), &store_path).expect("copy");
    let held: i64 = rusqlite::Connection::open(&store_path)
        .expect("sqlite")
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .expect("count");
    let mut store = Store::open(&s(&store_path)).expect("store");
    check("last~x", store.find("last~x", None).expect_err("last~x"), HistoryError::LastN { which: "last~x".into() });
    check(
        "last~9",
        store.find("last~9", None).expect_err("last~9"),
        HistoryError::NotThatMany { which: "last~9".into(), held: held as usize, of: String::new() },
    );
    check(
        "no such run",
        store.find("nope", Some("bench")).expect_err("nope"),
        HistoryError::NoSuchRun { which: "nope".into(), of: " of `bench`".into(), location: s(&store_path) },
    );

    // its committed export: a line cut short, then a run of another schema
    let export = std::fs::read_to_string(&text).expect("export");
    let first = export.lines().next().expect("a run");
    let cut = &first[..first.len() / 2];
    let e = fastware_history::run::read_lines(cut.as_bytes(), "export.jsonl").expect_err("cut");
    assert!(
        matches!(e.typed::<HistoryError>(), Some(HistoryError::NotAnExport { at, .. }) if at == "export.jsonl:1"),
        "{e}"
    );
    said.borrow_mut().push(format!("cut export: {}", e.message));
    let mut v: serde_json::Value = serde_json::from_str(first).expect("json");
    v["schema"] = "fastware/run/9".into();
    let e = fastware_history::run::read_lines(v.to_string().as_bytes(), "export.jsonl").expect_err("schema");
    check(
        "export schema",
        e,
        HistoryError::ExportSchema {
            schema: "fastware/run/9".into(),
            at: "export.jsonl:1".into(),
            reads: "fastware/run/1".into(),
        },
    );
    insta::assert_snapshot!(said
        .into_inner()
        .join("\n")
        .replace(&tmp.display().to_string(), "TMP")
        .replace(&s(&fixtures), "FIXTURES"));
    let _ = std::fs::remove_dir_all(&tmp);
}
