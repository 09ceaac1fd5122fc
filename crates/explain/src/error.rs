//! What keeps a side from being explained, as values (bad input, exit 2);
//! matched through [`fastware_report::Error::typed`].

use fastware_report::{ErrorKind, Typed};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// A side's binary without function symbols (`label`: how the user named the side).
    #[error("{binary} ({label}) has no symbol table: it is stripped")]
    Stripped { binary: String, label: String },
    /// A recording without the event asked for (made without `--cache-sim`).
    #[error("{recording}: the recording has no {event} counts")]
    NoEvent { recording: String, event: String },
}

impl Typed for ExplainError {
    fn fault(&self) -> ErrorKind {
        ErrorKind::BadInput
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            ExplainError::Stripped { .. } => {
                "build it with `strip = false` in its cargo profile (and `debug = \"line-tables-only\"` to match inlined functions)".into()
            }
            ExplainError::NoEvent { .. } => {
                "record with valgrind --tool=callgrind --cache-sim=yes --dump-instr=yes".into()
            }
        })
    }
}
