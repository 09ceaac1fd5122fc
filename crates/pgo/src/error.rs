//! What can stop the PGO flow, as values; matched through
//! [`fastware_report::Error::typed`]. A request the project cannot serve is
//! bad input (exit 2); a build, a run or llvm-profdata failing is a failed
//! run (exit 1).

use std::path::PathBuf;

use fastware_report::{ErrorKind, Typed};

/// Why `fastware pgo` stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PgoError {
    #[error("no workload: give --run 'COMMAND' (the program is replaced by each build's) or --bench NAME")]
    NoWorkload,
    /// `--bench NAME` or `--bin NAME` naming no target (`known`: the project's of that kind).
    #[error("no {kind} target `{name}` in the project")]
    NoSuchTarget { kind: String, name: String, known: Vec<String> },
    #[error("the build made no executable to run (pgo needs a binary: --bin NAME)")]
    NoExecutable,
    #[error("the build made no benchmark `{name}`")]
    NoBenchmark { name: String },
    /// A step (a build, the training run, a comparison run) that failed, and why.
    #[error("the {what} failed: {why}")]
    StepFailed { what: String, why: String },
    #[error("llvm-profdata is not installed")]
    NoProfdata,
    /// Every llvm-profdata found refused the raw profiles.
    #[error("no llvm-profdata here reads these raw profiles (raw profile version {version}): tried {}", tried.join("; "))]
    ProfdataCannotRead { version: String, tried: Vec<String> },
    #[error("cannot run {program}: {why}")]
    CannotRun { program: String, why: String },
    #[error("the instrumented program wrote no raw profile")]
    NoRawProfile,
    #[error("the merged profile holds no counts of the training run: {} wrote an empty or unreadable {}", tool.display(), merged.display())]
    EmptyProfile { tool: PathBuf, merged: PathBuf },
    /// rustc's warning that it could not read the profile.
    #[error("rustc could not use the merged profile, so the optimised build has no PGO: {warning}")]
    ProfileUnused { warning: String },
    #[error("the comparison made no runs")]
    NoComparisonRuns,
    #[error("cannot {what} {}: {why}", path.display())]
    Io { what: String, path: PathBuf, why: String },
}

impl Typed for PgoError {
    fn fault(&self) -> ErrorKind {
        match self {
            PgoError::NoWorkload
            | PgoError::NoSuchTarget { .. }
            | PgoError::NoExecutable
            | PgoError::NoBenchmark { .. } => ErrorKind::BadInput,
            _ => ErrorKind::Failed,
        }
    }

    fn hint(&self) -> Option<String> {
        const RUSTC_LLVM: &str = "use the llvm-profdata of rustc's LLVM (rustup component add llvm-tools)";
        Some(match self {
            PgoError::NoWorkload => "e.g. fastware pgo --run 'target/release/app --bench-mode'".into(),
            PgoError::NoSuchTarget { kind, known, .. } if known.is_empty() => {
                format!("the project has no {kind} targets")
            }
            PgoError::NoSuchTarget { kind, known, .. } => format!("its {kind} targets: {}", known.join(", ")),
            PgoError::NoBenchmark { .. } => "name a [[bench]] target of the package (cargo bench --bench NAME)".into(),
            PgoError::NoProfdata => {
                "install it: rustup component add llvm-tools, or sudo apt-get install llvm-19".into()
            }
            PgoError::ProfdataCannotRead { .. } => "rustc's LLVM is newer: install rustup's copy (rustup component add llvm-tools) or a newer llvm (apt-get install llvm-19)".into(),
            PgoError::NoRawProfile => "does the workload run the program this build made? its program must be named like the build's binary".into(),
            PgoError::EmptyProfile { .. } => format!("PGO cannot happen with it: {RUSTC_LLVM}"),
            PgoError::ProfileUnused { .. } => RUSTC_LLVM.into(),
            _ => return None,
        })
    }
}
