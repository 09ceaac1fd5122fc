//! What can be wrong with a self-profile input, as values (all bad input:
//! exit 2); matched through [`fastware_report::Error::typed`].

use fastware_report::{ErrorKind, Typed};

/// Why a `.mm_profdata` input could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SelfProfError {
    #[error("empty file: no self-profile data")]
    Empty,
    #[error("not a rustc self-profile: no MMPD header")]
    NotSelfProfile,
    /// A measureme format this fastware does not read.
    #[error("self-profile format version {version}: fastware reads version {reads}")]
    Version { version: u32, reads: u32 },
    #[error("truncated self-profile: the file ends inside its header")]
    TruncatedHeader,
    /// The file ends inside a page (`size`: the file's size).
    #[error("truncated self-profile: the file ends inside a page ({size} bytes)")]
    TruncatedPage { size: u64 },
    /// One of the three streams is missing or not what it should be.
    #[error("corrupt or truncated self-profile: no valid {stream} stream")]
    NoStream { stream: &'static str },
    #[error("corrupt self-profile: {stream} stream has version {version}")]
    StreamVersion { stream: &'static str, version: u32 },
    /// Damage the decoder found.
    #[error("corrupt self-profile: {why}")]
    Corrupt { why: String },
    /// A directory without profiles.
    #[error("no *.mm_profdata files in this directory")]
    NoProfiles,
    #[error("no input given")]
    NoInput,
}

impl Typed for SelfProfError {
    fn fault(&self) -> ErrorKind {
        ErrorKind::BadInput
    }

    fn hint(&self) -> Option<String> {
        Some(
            match self {
                SelfProfError::Empty => "rustc writes the profile when it finishes; was it interrupted?",
                SelfProfError::NotSelfProfile => {
                    "self-profiles are the *.mm_profdata files written by RUSTFLAGS=-Zself-profile"
                }
                SelfProfError::Version { .. } => "record the profile with a recent rustc (1.9x writes version 9)",
                SelfProfError::TruncatedPage { .. } => {
                    "rustc writes the profile when it finishes; was it interrupted, or is the copy incomplete?"
                }
                SelfProfError::NoProfiles => "record with RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Zself-profile=<dir> cargo build",
                _ => return None,
            }
            .into(),
        )
    }
}
