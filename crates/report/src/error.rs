//! Errors about inputs (a trace, a profile, a binary), printed as
//! `<what> (<file>:<byte>)`.

use std::fmt;

/// A problem with one input.
#[derive(Debug, Clone)]
pub struct InputError {
    /// What went wrong, e.g. "truncated trace: input ends inside the event array".
    pub message: String,
    /// The input it concerns (`-` for standard input).
    pub path: String,
    /// Byte offset in the (decompressed) input, when known.
    pub offset: Option<u64>,
    /// One line of advice, when there is one.
    pub hint: Option<String>,
    /// True when the input itself is bad (exit 2); false for failures of the
    /// machine, like an unreadable disk (exit 1).
    pub bad_input: bool,
}

impl InputError {
    pub fn input(path: &str, offset: Option<u64>, message: impl Into<String>) -> InputError {
        InputError { message: message.into(), path: path.to_string(), offset, hint: None, bad_input: true }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> InputError {
        self.hint = Some(hint.into());
        self
    }

    pub fn io(path: &str, err: &std::io::Error) -> InputError {
        let bad_input = matches!(
            err.kind(),
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::InvalidData
        );
        InputError {
            message: format!("cannot read: {}", io_message(err)),
            path: path.to_string(),
            offset: None,
            hint: None,
            bad_input,
        }
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

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(off) => write!(f, "{} ({}:{})", self.message, self.path, off),
            None => write!(f, "{} ({})", self.message, self.path),
        }
    }
}

impl std::error::Error for InputError {}
