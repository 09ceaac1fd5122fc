//! What can be wrong with a recording, as values (all bad input: exit 2).

use fastware_report::{ErrorKind, Typed};

/// Why a console-subscriber recording could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    #[error("empty file: no recording header")]
    Empty,
    /// The first line is not console-subscriber's `{"v":N}` header.
    #[error("not a console-subscriber recording: the first line is not its {{\"v\":N}} header")]
    NoHeader,
    /// A format version this fastware does not read.
    #[error("a console-subscriber recording of format version {version}: this fastware reads version 1")]
    UnknownVersion { version: u64 },
    /// A recording without a single task: tokio emitted no task events.
    #[error("no task in this recording ({events} events): tokio recorded no task spans")]
    NoTasks { events: u64 },
    /// A line that is not one of the recording's events.
    #[error("line {line}: not a recording event: {why}")]
    BadLine { line: u64, why: String },
    /// A profile whose times are not on the wall clock: they cannot be
    /// put beside the recording's.
    #[error("the profile's times are on {clock}, not the wall clock: they cannot be joined to the recording's")]
    ProfileClock { clock: String },
    /// A profile of another run.
    #[error("the profile and the recording do not overlap in time: {apart}")]
    ProfileNoOverlap { apart: String },
}

impl Typed for TaskError {
    fn fault(&self) -> ErrorKind {
        ErrorKind::BadInput
    }

    fn hint(&self) -> Option<String> {
        match self {
            TaskError::Empty => Some(
                "console-subscriber writes nothing until tokio reports a task: build with \
                 RUSTFLAGS=\"--cfg tokio_unstable\" and tokio's `tracing` feature"
                    .into(),
            ),
            TaskError::NoHeader => Some(
                "record with console-subscriber: ConsoleLayer::builder().recording_path(\"rec.jsonl\").init(), \
                 built with RUSTFLAGS=\"--cfg tokio_unstable\""
                    .into(),
            ),
            TaskError::UnknownVersion { .. } => {
                Some("console-subscriber 0.5 writes version 1; another format needs a fastware that reads it".into())
            }
            TaskError::NoTasks { .. } => Some(
                "build with RUSTFLAGS=\"--cfg tokio_unstable\" and tokio's `tracing` feature (without them tokio \
                 emits no task events)"
                    .into(),
            ),
            TaskError::BadLine { .. } => None,
            TaskError::ProfileClock { .. } => Some(
                "record with perf's wall clock, beside the recording: perf record -k realtime -e cpu-clock \
                 -e context-switches/period=1/ --call-graph dwarf -- PROGRAM"
                    .into(),
            ),
            TaskError::ProfileNoOverlap { .. } => {
                Some("give the profile recorded by the same run as the recording (perf record … -- PROGRAM)".into())
            }
        }
    }
}
