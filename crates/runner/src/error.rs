//! What can stop a tool or a program fastware runs, as values; matched
//! through [`fastware_core::Error::typed`]. A workload command that is no
//! command line is bad input (exit 2); the rest are failed runs (exit 1).

use std::path::PathBuf;

use fastware_core::{ErrorKind, Typed};

/// Why a tool or program could not be run, or how it ended.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RunnerError {
    /// A tool (perf, valgrind) not on `PATH`, with the package that installs it.
    #[error("{program} is not installed")]
    NotInstalled { program: String, package: String },
    #[error("perf may not sample programs here: kernel.perf_event_paranoid is {level}")]
    PerfNotAllowed { level: i32 },
    #[error("cannot run {program}: {why}")]
    CannotRun { program: String, why: String },
    #[error("waiting for a child process: {why}")]
    Waiting { why: String },
    /// The profiled program's non-zero end (`how`: "exited with status 3" …).
    #[error("the program {how} (what was recorded is reported)")]
    ProgramFailed { how: String },
    #[error("cannot create {}: {why}", path.display())]
    CannotCreate { path: PathBuf, why: String },
    /// A workload command shlex cannot split (an open quote).
    #[error("cannot split `{command}` into words")]
    NotACommand { command: String },
    #[error("an empty workload command")]
    EmptyCommand,
}

impl Typed for RunnerError {
    fn fault(&self) -> ErrorKind {
        match self {
            RunnerError::NotACommand { .. } | RunnerError::EmptyCommand => ErrorKind::BadInput,
            _ => ErrorKind::Failed,
        }
    }

    fn hint(&self) -> Option<String> {
        match self {
            RunnerError::NotInstalled { package, .. } => Some(format!("install it: sudo apt-get install {package}")),
            RunnerError::PerfNotAllowed { .. } => Some(
                "allow it for user programs: sudo sysctl kernel.perf_event_paranoid=2 (or profile with --callgrind)"
                    .into(),
            ),
            _ => None,
        }
    }
}
