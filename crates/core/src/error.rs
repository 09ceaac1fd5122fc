//! The error every fastware library returns, as the edge prints it: what
//! went wrong, whether it is the input's fault (exit 2) or the run's (exit
//! 1), where (a file and a byte, when known), and a hint. Printed as
//! `<what> (<file>:<byte>)`.
//!
//! A library states *what* went wrong as its own typed error (a
//! `#[non_exhaustive]` enum implementing [`Typed`]: its fault, message and
//! hint); `Error::from` keeps that value, so callers and tests match the
//! kind ([`Error::typed`]) rather than the text.

use std::fmt;
use std::sync::Arc;

/// Whose fault a failure is; the CLI maps it to an exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad arguments or bad input (exit 2).
    BadInput,
    /// A failed run: the user's build failed, a disk could not be written (exit 1).
    Failed,
    /// Stopped by a signal (exit 130).
    Interrupted,
    /// Standard output was closed (`| head`): normal use, exit 0 quietly.
    OutputClosed,
}

/// A library's typed error: a value callers and tests can match, that
/// says whose fault it is and, where there is one, a line of advice. Its
/// `Display` is the message.
pub trait Typed: std::error::Error + Send + Sync + 'static {
    /// Bad input (exit 2) or a failed run (exit 1).
    fn fault(&self) -> ErrorKind;
    fn hint(&self) -> Option<String> {
        None
    }
}

impl<E: Typed> From<E> for Error {
    fn from(e: E) -> Error {
        let mut err = Error::new(e.fault(), e.to_string());
        err.hint = e.hint();
        let name = std::any::type_name::<E>().rsplit("::").next().unwrap_or_default();
        err.typed = Some(Arc::new(TypedError { name, error: Box::new(e) }));
        err
    }
}

/// A failure, with the input it concerns when there is one.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    /// What went wrong, e.g. "truncated trace: input ends inside the event array".
    pub message: String,
    /// The input it concerns (`-` for standard input).
    pub path: Option<String>,
    /// Byte offset in the (decompressed) input, when known.
    pub offset: Option<u64>,
    /// One line of advice, when there is one.
    pub hint: Option<String>,
    /// The library's typed error it was made from, when it was (behind
    /// one thin pointer: errors stay small to return).
    typed: Option<Arc<TypedError>>,
}

/// A library's typed error and its type's name (`CargoError`).
#[derive(Debug)]
struct TypedError {
    name: &'static str,
    error: Box<dyn std::error::Error + Send + Sync>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into(), path: None, offset: None, hint: None, typed: None }
    }

    /// The library's typed error this was made from, when it is an `E`.
    pub fn typed<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.typed.as_deref().and_then(|t| t.error.downcast_ref::<E>())
    }

    /// The typed error's name, `Type::Variant` (`CargoError::NoSuchRevision`),
    /// when the error was made from one.
    pub fn code(&self) -> Option<String> {
        let t = self.typed.as_deref()?;
        let ty = t.name;
        // the variant's name: what its Debug starts with
        let debug = format!("{:?}", t.error);
        let variant: String = debug.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        Some(if variant.is_empty() { ty.to_string() } else { format!("{ty}::{variant}") })
    }

    /// The same error, at byte `offset` of its input.
    pub fn at_byte(mut self, offset: Option<u64>) -> Error {
        self.offset = offset;
        self
    }

    /// Bad input: `path` at byte `offset`.
    pub fn input(path: &str, offset: Option<u64>, message: impl Into<String>) -> Error {
        Error { path: Some(path.to_string()), offset, ..Error::new(ErrorKind::BadInput, message) }
    }

    /// Bad arguments or input, not tied to one file.
    pub fn bad_input(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::BadInput, message)
    }

    /// A failed run.
    pub fn failed(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Failed, message)
    }

    /// Stopped by a signal.
    pub fn interrupted(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Interrupted, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// The same error, about `path`.
    pub fn at(mut self, path: &str) -> Error {
        self.path = Some(path.to_string());
        self
    }

    /// Reading `path` failed: bad input when it is missing, unreadable, a
    /// directory or not valid, a failed run for other faults of the machine.
    pub fn io(path: &str, err: &std::io::Error) -> Error {
        let kind = match err.kind() {
            std::io::ErrorKind::NotFound
            | std::io::ErrorKind::PermissionDenied
            | std::io::ErrorKind::InvalidData
            | std::io::ErrorKind::IsADirectory => ErrorKind::BadInput,
            _ => ErrorKind::Failed,
        };
        Error::new(kind, format!("cannot read: {}", io_message(err))).at(path)
    }

    /// True when the input is at fault.
    pub fn is_bad_input(&self) -> bool {
        self.kind == ErrorKind::BadInput
    }

    /// The exit status for this error.
    pub fn status(&self) -> u8 {
        match self.kind {
            ErrorKind::BadInput => 2,
            ErrorKind::Failed => 1,
            ErrorKind::Interrupted => 130,
            ErrorKind::OutputClosed => 0,
        }
    }
}

/// Writing the command's output failed. A closed pipe (`| head`) is normal
/// use, which ends the program quietly; anything else is a failed run.
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        let kind = if e.kind() == std::io::ErrorKind::BrokenPipe { ErrorKind::OutputClosed } else { ErrorKind::Failed };
        Error::new(kind, format!("cannot write output: {}", io_message(&e)))
    }
}

/// An io::Error's text without the "(os error N)" suffix.
pub fn io_message(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.offset) {
            (Some(p), Some(off)) => write!(f, "{} ({p}:{off})", self.message),
            (Some(p), None) => write!(f, "{} ({p})", self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}
