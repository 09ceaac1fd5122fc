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
