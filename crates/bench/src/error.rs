//! What can be wrong with benchmark results given to fastware, as values
//! (all bad input: exit 2); matched through [`fastware_report::Error::typed`].

use fastware_report::{ErrorKind, Typed};

/// Why benchmark results (libtest output, hyperfine JSON, a criterion
/// directory, a fastware bench file) could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BenchError {
    #[error("empty file: no benchmark results")]
    Empty,
    #[error("not JSON")]
    NotJson,
    #[error(
        "no benchmark results recognised: not libtest output, hyperfine JSON, a criterion directory or a fastware bench file"
    )]
    Unrecognised,
    #[error("the benchmarks ran, but no libtest or criterion results came out of them")]
    NoResultsFromRun,
    /// A line of libtest's output that names a benchmark but whose figures do not read.
    #[error("libtest line of `{name}` without a readable time")]
    LibtestLine { name: String },
    #[error("no libtest benchmark results (`test NAME ... bench: N ns/iter (+/- M)`)")]
    NoLibtestResults,
    /// `results[index].times[sample]` is not a number.
    #[error("hyperfine result `{name}`: results[{index}].times[{sample}] is {value}, not a time")]
    HyperfineTime { name: String, index: usize, sample: usize, value: String },
    #[error("hyperfine result `{name}` without a mean or times")]
    HyperfineNoMean { name: String },
    #[error("hyperfine export without results")]
    HyperfineEmpty,
    #[error("a directory without criterion results (no */<baseline>/benchmark.json)")]
    NoCriterionResults,
    #[error("this run wrote several criterion baselines ({})", .baselines.join(", "))]
    SeveralBaselines { baselines: Vec<String> },
    /// The baseline asked for is not there; `found` lists those that are.
    #[error("no criterion baseline `{baseline}` here (baselines: {})", if .found.is_empty() { "none".to_string() } else { .found.join(", ") })]
    NoBaseline { baseline: String, found: Vec<String> },
    #[error("criterion sample without matching `iters` and `times`")]
    CriterionSample,
    #[error("criterion results without samples or estimates")]
    CriterionNoEstimate,
    #[error("benchmark `{name}`: its runs ({runs:?}) do not add up to its {samples} samples")]
    RunsMismatch { name: String, runs: Vec<usize>, samples: usize },
    /// A time that is not finite, negative, or outside a femtosecond..a century.
    #[error("benchmark `{name}` has an impossible time: {what}")]
    ImpossibleTime { name: String, what: String },
    #[error("saved results from an unknown source `{from}`")]
    UnknownSource { from: String },
    #[error("saved results without benchmarks")]
    SavedEmpty,
    /// The first saved format (`"fastware_bench": N`) of another version,
    /// or one of its fields missing.
    #[error("{0}")]
    Version1(String),
    /// A side of a comparison that is no file, directory, saved name or
    /// criterion baseline (`hint`: what the project has, or how to save).
    #[error("{side}: no such file or directory, and no saved results or criterion baseline by that name")]
    NoSuchSide { side: String, hint: String },
    /// The two sides time different things (one iteration, one run …).
    #[error("mismatched units: {base} times one {base_measure} per measurement, {new} one {new_measure}")]
    MismatchedUnits { base: String, base_measure: String, new: String, new_measure: String },
    /// No benchmark name on both sides (the first few of each).
    #[error("no benchmark in common (base has {}; new has {})", .base.join(", "), .new.join(", "))]
    NothingInCommon { base: Vec<String>, new: Vec<String> },
}

impl Typed for BenchError {
    fn fault(&self) -> ErrorKind {
        ErrorKind::BadInput
    }

    fn hint(&self) -> Option<String> {
        Some(
            match self {
                BenchError::Unrecognised => "force a format with --input-format",
                BenchError::NoResultsFromRun => {
                    "fastware reads libtest's `bench:` lines and criterion's target/criterion"
                }
                BenchError::NoBaseline { .. } => {
                    "criterion writes `new` on each run, and a named one with `cargo bench -- --save-baseline NAME`"
                }
                BenchError::ImpossibleTime { .. } => {
                    "times are finite, not negative, and between a femtosecond and a century; was the file edited or damaged?"
                }
                BenchError::NoSuchSide { hint, .. } => return Some(hint.clone()),
                _ => return None,
            }
            .into(),
        )
    }
}
