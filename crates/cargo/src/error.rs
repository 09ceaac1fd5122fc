//! What can go wrong finding a project, unpacking a revision, reading a
//! build log or building, as values; matched through
//! [`fastware_core::Error::typed`]. The first kinds are the input's fault
//! (exit 2), the rest failed runs (exit 1).

use std::path::PathBuf;

use fastware_core::{ErrorKind, Typed};

/// Why cargo, git or a build log could not give what was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CargoError {
    /// `cargo metadata` refused the place (`why`: cargo's first error line).
    #[error("not a cargo project: {why} ({place})")]
    NotAProject { place: String, why: String },
    #[error("{} is not in a git repository: {why}", dir.display())]
    NotInGit { dir: PathBuf, why: String },
    #[error("`{rev}`: no such git revision")]
    NoSuchRevision { rev: String },
    /// The revision exists but has no `Cargo.toml` where the project is.
    #[error("`{rev}` ({commit}) has no Cargo.toml at {at}: the project is not in that revision")]
    NoProjectInRevision { rev: String, commit: String, at: String },
    /// A line of a build log that is not JSON (`line` from 1).
    #[error("invalid build log line: {why} ({}:{line})", path.display())]
    BadBuildLog { path: PathBuf, line: usize, why: String },
    /// A `--timings` page without the unit data, or with unreadable data.
    #[error("{why} ({})", path.display())]
    BadTimingsPage { path: PathBuf, why: String },
    #[error("cargo built no {what}")]
    NoArtifact { what: String },
    #[error("the build has {} binaries: {}", names.len(), names.join(", "))]
    ManyBinaries { names: Vec<String> },
    /// `--hot FILE` where no unit of the build lists the file.
    #[error("no unit of this build depends on {}", file.display())]
    NoDependentUnit { file: PathBuf },
    #[error("cannot read {}: {why}", file.display())]
    UnreadableSource { file: PathBuf, why: String },
    #[error("the project uses several versions of criterion ({}): fastware counts benchmarks of one", versions.join(", "))]
    SeveralCriterions { versions: Vec<String> },
    #[error("criterion {version}: its Bencher is not one fastware knows how to count")]
    UncountableCriterion { version: String },
    /// A program (cargo, git, tar, a bench binary) that could not be started or waited for.
    #[error("cannot run {program}: {why}")]
    CannotRun { program: String, why: String },
    #[error("waiting for {program}: {why}")]
    Waiting { program: String, why: String },
    /// cargo ran and failed; its errors went to the terminal.
    #[error("{what} (its errors are above)")]
    BuildFailed { what: String },
    /// `cargo metadata` of the whole graph failed or said nothing readable.
    #[error("{what}: {why}")]
    Metadata { what: String, why: String },
    /// A file or directory of fastware's own that could not be made, copied or kept.
    #[error("cannot {what} {}: {why}", path.display())]
    Io { what: String, path: PathBuf, why: String },
    #[error("could not unpack {rev} ({commit}) with git archive and tar")]
    Unpack { rev: String, commit: String },
    /// git refused (a bad revision, not a repository): its first line.
    #[error("{said}")]
    Git { said: String },
}

impl Typed for CargoError {
    fn fault(&self) -> ErrorKind {
        match self {
            CargoError::CannotRun { .. }
            | CargoError::Waiting { .. }
            | CargoError::BuildFailed { .. }
            | CargoError::Metadata { .. }
            | CargoError::Io { .. }
            | CargoError::Unpack { .. } => ErrorKind::Failed,
            _ => ErrorKind::BadInput,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            CargoError::NotAProject { .. } => {
                "run fastware build in a cargo project, or pass --manifest-path path/to/Cargo.toml".into()
            }
            CargoError::NoSuchRevision { .. } => "give a commit, branch or tag".into(),
            CargoError::NoProjectInRevision { .. } => {
                "give a revision made after the project was added (git log -- Cargo.toml)".into()
            }
            CargoError::ManyBinaries { names } => format!("choose one with --bin {}", names.first()?),
            CargoError::NoDependentUnit { .. } => {
                "--hot takes a source file of a crate that is built, e.g. src/lib.rs".into()
            }
            CargoError::UncountableCriterion { .. } => {
                "fastware counts benchmarks of criterion 0.5 to 0.8 (Bencher::iter, iter_custom, iter_batched, iter_batched_ref)".into()
            }
            _ => return None,
        })
    }
}
