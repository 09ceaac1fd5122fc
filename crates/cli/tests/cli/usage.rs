//! Mistakes on the command line: one `error:` line that names what is
//! wrong (and a hint), exit 2, never clap's whole help or a 100 KB echo.

use super::common::*;

#[test]
fn usage_errors_are_one_line_that_names_what_is_missing() {
    // a missing argument is named, not cut off after "not provided:"
    expect_error(&["profile", "flamegraph"], 2, &["required arguments were not provided: --output <FILE.svg>"]);
    expect_error(&["asm"], 2, &["required arguments were not provided: <PATTERN>"]);
    // a command group alone: its subcommands, not its description as an error
    let err = expect_error(&["bench"], 2, &["a subcommand is missing: compare, cargo, ab, noise\n"]);
    assert!(!err.contains("Did it get faster"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    // an input echoed in the error is cut: 100,000 characters of regex
    let regex = format!("({}", "a".repeat(100_000));
    let err = expect_error(&["profile", "x", "--callees", &regex], 2, &["invalid value", "characters left out"]);
    assert!(err.len() < 1_000, "{} bytes", err.len());
}

/// `fastware` alone, as `cargo` alone: what it is for, the usage and every
/// command with what it does, on stdout, exit 0 (it was a garbled one-line
/// error: the names were cut out of clap's wrapped help text).
#[test]
fn fastware_alone_shows_what_it_is_and_its_commands() {
    let o = run(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("Why is my Rust slow"), "{text}");
    assert!(text.contains("Usage: fastware [OPTIONS] <COMMAND>"), "{text}");
    // the commands, by hand: the README's tour names the same
    let commands = [
        "build",
        "trace",
        "self-profile",
        "asm",
        "inline",
        "size",
        "diff",
        "bench",
        "explain",
        "profile",
        "heap",
        "tasks",
        "matrix",
        "llvm-lines",
        "pgo",
        "runs",
        "report",
        "doctor",
    ];
    let listed: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().expect("name"))
        .collect();
    assert_eq!(listed, commands, "{text}");
    assert!(text.lines().any(|l| l.starts_with("  tasks ") && l.contains("async")), "{text}");
    // a group alone is still a usage error naming its subcommands
    expect_error(&["runs"], 2, &["a subcommand is missing: list, show, diff, trend, export, import, rm\n"]);
}

/// With `--format json`, an error is one JSON object on stderr
/// (`fastware/error/1`) naming the library's kind of error; its `error` is
/// the line the same command prints without `--format json`. Bad inputs
/// made from committed files of other kinds, one per library.
#[test]
fn errors_in_json_name_their_kind() {
    let f = |rel: &str| fastware_testkit::fixture(rel).display().to_string();
    let callgrind = f("profiles/hotspots-1.callgrind.out");
    let tmp = fastware_testkit::temp_dir("json-errors");
    let empty = fastware_testkit::file_in(&tmp, "empty.jsonl", b"");
    let braces = fastware_testkit::file_in(&tmp, "braces.json", b"{}\n");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["bench".into(), "compare".into(), callgrind.clone(), callgrind.clone()], "BenchError::Unrecognised"),
        (vec!["heap".into(), callgrind.clone()], "HeapError::NotHeapProfile"),
        (vec!["trace".into(), braces.display().to_string()], "TraceError::NotChromeTrace"),
        (vec!["self-profile".into(), callgrind.clone()], "SelfProfError::NotSelfProfile"),
        (vec!["tasks".into(), empty.display().to_string()], "TaskError::Empty"),
        (vec!["asm".into(), "main".into(), "--file".into(), callgrind.clone()], "BinaryError::NotElf"),
        (vec!["pgo".into(), "--manifest-path".into(), f("dispatch/Cargo.toml")], "PgoError::NoWorkload"),
        (
            vec![
                "--store".into(),
                tmp.join("none.sqlite").display().to_string(),
                "runs".into(),
                "list".into(),
                "--since".into(),
                "soon".into(),
            ],
            "HistoryError::BadSince",
        ),
        // the application's own checks: an argument, a name that names nothing
        (
            vec!["tasks".into(), f("tasks/asyncy.console.jsonl"), "--blocking-poll".into(), "0".into()],
            "AppError::Argument",
        ),
        (
            vec!["tasks".into(), f("tasks/asyncy.console.jsonl"), "--profile".into(), "never-saved".into()],
            "AppError::NotFound",
        ),
    ];
    for (args, kind) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run_in(&tmp, &[&args[..], &["--format", "json"]].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let line = stderr(&o).lines().last().unwrap_or_default().to_string();
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{args:?}: {e}: {line}"));
        assert_eq!((v["schema"].as_str(), v["kind"].as_str()), (Some("fastware/error/1"), Some(kind)), "{v}");
        assert_eq!((v["fault"].as_str(), v["exit"].as_u64()), (Some("bad input"), Some(2)), "{v}");
        let text = run_in(&tmp, &args);
        let first = stderr(&text).lines().find(|l| l.starts_with("error: ")).map(str::to_string);
        assert_eq!(first, Some(format!("error: {}", v["error"].as_str().expect("error"))), "{args:?}");
    }
    assert!(!tmp.join("x.json").exists() && !tmp.join("none.sqlite").exists(), "nothing written");
}
