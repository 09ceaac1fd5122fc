//! What can be wrong with a heap-profile input, as values (all bad input:
//! exit 2); matched through [`fastware_report::Error::typed`].

use fastware_report::{ErrorKind, Typed};

/// Why a DHAT file or saved heap profile could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeapError {
    #[error("a directory, not a heap profile")]
    Directory,
    #[error("empty file: no heap profile")]
    Empty,
    #[error("not a heap profile: not UTF-8 text")]
    NotText,
    #[error("not a heap profile: fastware reads DHAT JSON (dhatFileVersion 2) and saved heap profiles")]
    NotHeapProfile,
    /// A DHAT file of another format version.
    #[error("dhatFileVersion {version}: fastware reads version 2 (valgrind 3.15 and later, the dhat crate)")]
    Version { version: u64 },
    #[error(
        "unknown DHAT mode `{mode}` (heap, copy and ad-hoc, and the dhat crate's rust-heap and rust-ad-hoc, are known)"
    )]
    Mode { mode: String },
    /// A DHAT file whose JSON is not what DHAT writes (serde_json's or the
    /// reader's words), or that ends early.
    #[error("not a DHAT file fastware can read: {why}")]
    Json { why: String },
    #[error("not a DHAT file fastware can read (truncated): {why}")]
    Truncated { why: String },
    /// A program point naming a frame the table does not have.
    #[error("a program point names frame {frame}, but the frame table has {frames}")]
    FrameOutOfRange { frame: u64, frames: u64 },
}

impl Typed for HeapError {
    fn fault(&self) -> ErrorKind {
        ErrorKind::BadInput
    }

    fn hint(&self) -> Option<String> {
        Some(
            match self {
                HeapError::Directory => "give a dhat.out.<pid> or dhat-heap.json file",
                HeapError::NotHeapProfile => {
                    "record one with `fastware heap`, `valgrind --tool=dhat` or the dhat crate"
                }
                HeapError::Empty | HeapError::NotText => return None,
                _ => "give a file valgrind --tool=dhat or the dhat crate wrote",
            }
            .into(),
        )
    }
}
