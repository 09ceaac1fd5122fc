//! What can be wrong with a matrix plan, a `--cells` file or the results
//! given to merge, as values (all bad input: exit 2); matched through
//! [`fastware_report::Error::typed`].

use fastware_report::{ErrorKind, Typed};

/// Why a plan, cells file or results file could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MatrixError {
    #[error("the plan was changed after it was written (its id does not match)")]
    PlanChanged,
    /// A line of a results file that is not a measurement (`line` from 1).
    #[error("line {line}: not a matrix result: {why}")]
    NotAResult { line: usize, why: String },
    #[error("no matrix result in it")]
    NoResults,
    #[error("a result of another plan ({found}; this plan is {plan})")]
    OtherPlan { found: String, plan: String },
    #[error("cell {cell} is not in the plan (it has {cells})")]
    CellNotInPlan { cell: usize, cells: usize },
    #[error("cell {cell}: rep {rep} is not in the plan (it has {reps} reps)")]
    RepNotInPlan { cell: usize, rep: usize, reps: usize },
    #[error("cell {cell} rep {rep}: a time of {micros} µs")]
    NegativeTime { cell: usize, rep: usize, micros: f64 },
    #[error("--cells line {line}: `{pair}` is not AXIS=VALUE")]
    CellsPair { line: usize, pair: String },
    #[error("--cells line {line}: no axis `{axis}` (give it with --set, --rustflags, --linker or --toolchain)")]
    CellsAxis { line: usize, axis: String },
    #[error("--cells: the file lists no cell")]
    CellsEmpty,
    /// An axis given with an empty value (`--set k=a,,b`).
    #[error("{what}: an empty value in `{text}`")]
    EmptyValue { what: String, text: String },
    /// One value twice in an axis.
    #[error("{what}: `{value}` given twice")]
    GivenTwice { what: String, value: String },
    #[error("--set {text}: expected KEY=V1,V2 (e.g. profile.release.lto=off,thin,fat)")]
    NotKeyValues { text: String },
    #[error("--set {text}: `{key}` is not a cargo config key")]
    NotConfigKey { text: String, key: String },
    /// One key as two axes: cargo would build every cell with one of them.
    #[error("--set: `{key}` given twice")]
    KeyTwice { key: String },
    #[error("--rustflags: one {{a,b,…}} group per axis (give --rustflags twice for two)")]
    RustflagsGroups,
    #[error("--rustflags {text}: unbalanced {{…}}")]
    Unbalanced { text: String },
    /// A `--linker` value whose program is not installed (exit 1).
    #[error("linker `{linker}`: {program} is not installed")]
    LinkerMissing { linker: String, program: String },
    /// `--toolchain` without rustup (exit 1).
    #[error("--toolchain needs rustup: {why}")]
    NoRustup { why: String },
    /// A `--toolchain` rustup does not have (exit 1).
    #[error("toolchain `{toolchain}` is not installed (rustup has: {installed})")]
    ToolchainMissing { toolchain: String, installed: String },
    /// `--hot` naming a file no unit of the build depends on.
    #[error("--hot {file}: no unit of this build depends on it")]
    HotNoUnit { file: String },
    #[error("--cell {cell}: the plan has cells 0 to {last}")]
    NoSuchCell { cell: usize, last: usize },
    /// Another fastware holds the plan's lock.
    #[error("another fastware matrix is running plan {plan} (it holds {lock})")]
    Busy { plan: String, lock: String },
    /// The matrix's own files and directories (exit 1).
    #[error("{0}")]
    Io(String),
}

impl Typed for MatrixError {
    fn fault(&self) -> ErrorKind {
        match self {
            MatrixError::LinkerMissing { .. }
            | MatrixError::NoRustup { .. }
            | MatrixError::ToolchainMissing { .. }
            | MatrixError::Io(_) => ErrorKind::Failed,
            _ => ErrorKind::BadInput,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(
            match self {
                MatrixError::PlanChanged => "write a new one with --plan",
                MatrixError::NotAResult { .. } | MatrixError::NoResults => {
                    "give results.jsonl files or the files `fastware matrix --cell K` wrote"
                }
                MatrixError::OtherPlan { .. }
                | MatrixError::CellNotInPlan { .. }
                | MatrixError::RepNotInPlan { .. }
                | MatrixError::NegativeTime { .. } => "merge the results of one plan",
                MatrixError::NotConfigKey { .. } => {
                    "keys are dotted TOML keys, e.g. profile.release.debug or 'profile.release.package.\"*\".opt-level'"
                }
                MatrixError::KeyTwice { .. } => {
                    "give every value of a key in one --set, e.g. --set profile.release.opt-level=1,2,3"
                }
                MatrixError::HotNoUnit { .. } => "--hot takes a source file of a crate that is built, e.g. src/lib.rs",
                MatrixError::Busy { .. } => "wait for it to finish, then run with --resume to fill in what is missing",
                _ => return None,
            }
            .into(),
        )
    }
}
