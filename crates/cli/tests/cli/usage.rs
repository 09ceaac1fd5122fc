//! Mistakes on the command line: one `error:` line that names what is
//! wrong (and a hint), exit 2, never clap's whole help or a 100 KB echo.

use super::common::*;

#[test]
fn usage_errors_are_one_line_that_names_what_is_missing() {
    // a missing argument is named, not cut off after "not provided:"
    expect_error(&["profile", "flamegraph"], 2, &["required arguments were not provided: --output <FILE.svg>"]);
    expect_error(&["asm"], 2, &["required arguments were not provided: <PATTERN>"]);
    // a command group alone: its subcommands, not its description as an error
    let err = expect_error(&["bench"], 2, &["a subcommand is missing: ", "compare", "cargo", "ab"]);
    assert!(!err.contains("Did it get faster"), "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    // an input echoed in the error is cut: 100,000 characters of regex
    let regex = format!("({}", "a".repeat(100_000));
    let err = expect_error(&["profile", "x", "--callees", &regex], 2, &["invalid value", "characters left out"]);
    assert!(err.len() < 1_000, "{} bytes", err.len());
}
