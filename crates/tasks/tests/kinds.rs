//! Bad recordings, made from the real one, are told apart by their
//! [`TaskError`] kind.

use fastware_tasks::{parse, TaskError};

#[test]
fn bad_recordings_by_kind() {
    let text =
        std::fs::read_to_string(fastware_testkit::fixture("tasks").join("asyncy.console.jsonl")).expect("fixture");
    let ok = parse(&text).expect("reads");
    assert_eq!((ok.version, ok.tasks.len(), ok.torn), (1, 406, false));
    assert_eq!(parse(""), Err(TaskError::Empty));
    let body = text.split_once('\n').expect("header").1;
    assert_eq!(parse(body), Err(TaskError::NoHeader));
    assert_eq!(parse(&text.replacen(r#"{"v":1}"#, r#"{"v":7}"#, 1)), Err(TaskError::UnknownVersion { version: 7 }));
    let mut lines: Vec<&str> = text.lines().collect();
    let half = &lines[10][..lines[10].len() / 2];
    lines[10] = half;
    assert!(matches!(parse(&lines.join("\n")), Err(TaskError::BadLine { line: 11, .. })));
    // the program built without tokio_unstable: console-subscriber wrote nothing
    let none =
        std::fs::read_to_string(fastware_testkit::fixture("tasks").join("no-tasks.console.jsonl")).expect("fixture");
    assert_eq!(parse(&none), Err(TaskError::Empty));
    // events, but no task spawned among them
    let no_spawn: Vec<&str> = text.lines().filter(|l| !l.starts_with(r#"{"Spawn""#)).collect();
    assert!(matches!(parse(&no_spawn.join("\n")), Err(TaskError::NoTasks { events }) if events > 0));
    // a torn last line is left out, and said
    let cut = parse(&text[..text.len() - 30]).expect("reads");
    assert!(cut.torn && cut.events == ok.events - 1, "{} {}", cut.events, ok.events);
}
