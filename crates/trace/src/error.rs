//! What can be wrong with a trace input, as values: the CLI prints their
//! message and hint (all are bad input: exit 2); callers and tests match
//! them through [`fastware_report::Error::typed`].

use fastware_report::{ErrorKind, Typed};

/// Why a trace input could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    #[error("empty file: no trace events")]
    Empty,
    /// The first byte cannot start JSON.
    #[error("not a JSON trace: starts with {}", shown_byte(*first))]
    NotJson { first: u8 },
    /// JSON, but not the Chrome Trace Event format.
    #[error("not a Chrome trace: {what}")]
    NotChromeTrace { what: &'static str },
    #[error("invalid trace JSON: {what}")]
    Syntax { what: &'static str },
    /// The input ends inside the document.
    #[error("truncated trace: input ends inside the document (last complete event ends at byte {last_event_end})")]
    Truncated { last_event_end: u64 },
    #[error("a single JSON value is larger than 1 GiB")]
    TooLarge,
    /// gzip or zstd data that does not decompress.
    #[error("corrupt or truncated {format} data: {why}")]
    Compressed { format: &'static str, why: String },
    /// A directory without trace files.
    #[error("no *.llvm_timings.json files in this directory")]
    NoTraces,
    #[error("standard input given twice")]
    StdinTwice,
    #[error("standard input cannot be read twice")]
    StdinReread,
    #[error("no input given")]
    NoInput,
}

fn shown_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

impl Typed for TraceError {
    fn fault(&self) -> ErrorKind {
        ErrorKind::BadInput
    }

    fn hint(&self) -> Option<String> {
        Some(
            match self {
                TraceError::Empty => "a trace is written when rustc finishes; was the build interrupted?",
                TraceError::NotJson { .. } => {
                    "expected a Chrome Trace Event file, e.g. from RUSTFLAGS=-Zllvm-time-trace (gzip and zstd are read too)"
                }
                TraceError::Truncated { .. } => {
                    "rustc was probably stopped mid-build; --allow-truncated reports the events before that point"
                }
                TraceError::NoTraces => {
                    "build with RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Zllvm-time-trace; traces land in target/<profile>/deps/"
                }
                _ => return None,
            }
            .into(),
        )
    }
}
