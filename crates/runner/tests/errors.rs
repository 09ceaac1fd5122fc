//! Each kind of [`RunnerError`] a user can meet, made by running things
//! for real: a tool that is not installed, workload commands that are no
//! command line, a program that does not exist, one that exits with a
//! status; the messages are one snapshot.

use std::path::Path;
use std::process::Command;

use fastware_core::ErrorKind;
use fastware_runner::{timed_run, timed_workload, RunnerError, Tool};

#[test]
fn tools_commands_and_programs_are_told_apart_by_kind() {
    let mut said = Vec::new();
    let mut check = |name: &str, e: fastware_core::Error, fault: ErrorKind, is: &dyn Fn(&RunnerError) -> bool| {
        let kind = e.typed::<RunnerError>().unwrap_or_else(|| panic!("{name}: untyped: {e}"));
        assert!(is(kind), "{name}: {kind:?}");
        assert_eq!(e.kind, fault, "{name}");
        said.push(fastware_testkit::said(name, &e.message, e.hint.as_deref()));
    };
    let missing = Tool { program: "fastware-no-such-tool", package: "no-such-package" };
    let e = missing.find().expect_err("not installed");
    check("not installed", e, ErrorKind::Failed, &|k| matches!(k, RunnerError::NotInstalled { .. }));

    let here = Path::new(".");
    let e = timed_workload("app 'open quote", Path::new("app"), here, &[]).expect_err("no command line");
    check("open quote", e, ErrorKind::BadInput, &|k| matches!(k, RunnerError::NotACommand { .. }));
    let e = timed_workload("  ", Path::new("app"), here, &[]).expect_err("empty");
    check("empty command", e, ErrorKind::BadInput, &|k| matches!(k, RunnerError::EmptyCommand));
    let e = timed_run(Path::new("/nonexistent/fastware-program"), &[], here, &[], false).expect_err("no program");
    check("no program", e, ErrorKind::Failed, &|k| matches!(k, RunnerError::CannotRun { .. }));

    // a program that fails is the workload's result, not an error of the runner
    let failed = timed_run(Path::new("false"), &[], here, &[], false).expect("it ran");
    assert!(failed.expect_err("exit 1").starts_with("failed (exit status: 1)"), "false exits with 1");
    // … and after recording, the program's status is the failure reported
    let status = Command::new("sh").args(["-c", "exit 3"]).status().expect("sh");
    let outcome = fastware_runner::Outcome {
        status: status.code(),
        signal: None,
        interrupted: false,
        wall: std::time::Duration::ZERO,
    };
    let e = outcome.failure().expect("a failure");
    check(
        "exit 3",
        e,
        ErrorKind::Failed,
        &|k| matches!(k, RunnerError::ProgramFailed { how } if how == "exited with status 3"),
    );
    insta::assert_snapshot!(said.join("\n"));
}
