//! What the application's own checks refuse, and the runs it drives that
//! fail: kinds for scripts to branch on (`--format json`'s `kind`), each
//! with the message the check wrote. The libraries' inputs have kinds of
//! their own (`TraceError`, `ProfileError` …); these are the application's:
//! arguments, names, comparisons, and the builds and workloads it runs.

use fastware_core::{Error, ErrorKind, Typed};

/// An error of the application layer (its message is the check's own).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// An option's value that cannot be used, options that do not go
    /// together, or one a command needs that is missing (exit 2).
    #[error("{0}")]
    Argument(String),
    /// A name that names nothing here: a saved run, a revision, a function,
    /// a benchmark, a crate, a file (exit 2).
    #[error("{0}")]
    NotFound(String),
    /// Two things that cannot be compared, or a run of another kind (exit 2).
    #[error("{0}")]
    Mismatch(String),
    /// An input fastware cannot use as it is: a stripped binary, one
    /// without line tables, damaged debug info (exit 2).
    #[error("{0}")]
    Unusable(String),
    /// A comparison's gate: something got slower than allowed (exit 1).
    #[error("{0}")]
    Regressed(String),
    /// A build, benchmark or workload that fastware ran and that failed;
    /// its own errors were shown (exit 1).
    #[error("{0}")]
    RunFailed(String),
    /// fastware's own files, directories or tools (exit 1).
    #[error("{0}")]
    Io(String),
}

impl Typed for AppError {
    fn fault(&self) -> ErrorKind {
        match self {
            AppError::Argument(_) | AppError::NotFound(_) | AppError::Mismatch(_) | AppError::Unusable(_) => {
                ErrorKind::BadInput
            }
            AppError::Regressed(_) | AppError::RunFailed(_) | AppError::Io(_) => ErrorKind::Failed,
        }
    }
}

/// [`AppError::Argument`] as an [`Error`].
pub fn argument(message: impl Into<String>) -> Error {
    AppError::Argument(message.into()).into()
}

/// [`AppError::NotFound`] as an [`Error`].
pub fn not_found(message: impl Into<String>) -> Error {
    AppError::NotFound(message.into()).into()
}

/// [`AppError::Mismatch`] as an [`Error`].
pub fn mismatch(message: impl Into<String>) -> Error {
    AppError::Mismatch(message.into()).into()
}

/// [`AppError::Unusable`] as an [`Error`].
pub fn unusable(message: impl Into<String>) -> Error {
    AppError::Unusable(message.into()).into()
}

/// [`AppError::Regressed`] as an [`Error`].
pub fn regressed(message: impl Into<String>) -> Error {
    AppError::Regressed(message.into()).into()
}

/// [`AppError::RunFailed`] as an [`Error`].
pub fn run_failed(message: impl Into<String>) -> Error {
    AppError::RunFailed(message.into()).into()
}

/// [`AppError::Io`] as an [`Error`].
pub fn io(message: impl Into<String>) -> Error {
    AppError::Io(message.into()).into()
}
