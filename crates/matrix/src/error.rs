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
}

impl Typed for MatrixError {
    fn fault(&self) -> ErrorKind {
        ErrorKind::BadInput
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
                _ => return None,
            }
            .into(),
        )
    }
}
