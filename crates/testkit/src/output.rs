//! What a test reads of a finished fastware process: its streams as text, its
//! standard output as JSON.

use std::process::Output;

use serde_json::Value;

/// Standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output parsed as JSON, whatever the exit status (a failed build
/// still reports); panics with standard error when it is not JSON.
pub fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("JSON output: {e}\n{}", stderr(o)))
}

/// Standard output of a successful run, parsed as JSON.
pub fn json(o: &Output) -> Value {
    assert!(o.status.success(), "fastware failed ({}): {}", o.status, stderr(o));
    json_of(o)
}

/// Runs the fastware executable `exe` (the test's `CARGO_BIN_EXE_fastware`)
/// with `args` in `dir` (this directory when `None`), as a user would: with
/// no `CARGO_TARGET_DIR` from the test's own cargo.
pub fn run_in(exe: &str, dir: Option<&std::path::Path>, args: &[&str]) -> Output {
    let mut c = std::process::Command::new(exe);
    c.args(args).env_remove("CARGO_TARGET_DIR");
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c.output().expect("run fastware")
}
