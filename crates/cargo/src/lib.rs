//! Running cargo for measurement: the user's project (`cargo metadata`), one
//! instrumented build in fastware's own target directory, cargo's record of
//! it (`-Zbuild-analysis`, or the `--timings` page), the critical path
//! through its unit graph, fastware as a rustc wrapper for `--deep`, and the
//! artifact of a normal build for the commands that read machine code.

pub mod artifact;
pub mod bench;
pub mod critical;
pub mod invocation;
pub mod log;
pub mod project;
pub mod run;
pub mod wrapper;

use std::fmt;

/// A failure: bad input (exit 2) or a failed run (exit 1), with a hint.
#[derive(Debug, Clone)]
pub struct Error {
    pub message: String,
    pub hint: Option<String>,
    pub bad_input: bool,
}

impl Error {
    pub fn bad_input(message: impl Into<String>) -> Error {
        Error { message: message.into(), hint: None, bad_input: true }
    }

    pub fn failed(message: impl Into<String>) -> Error {
        Error { message: message.into(), hint: None, bad_input: false }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
