//! What every reader produces: a set of benchmarks with their figures.

use std::path::PathBuf;

/// Where results came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Libtest,
    /// A criterion directory and the baseline read from it.
    Criterion {
        baseline: String,
    },
    Hyperfine,
    /// A file fastware saved (`fastware bench cargo --save`), and what it was read from.
    Saved {
        from: Box<Source>,
    },
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::Libtest => "libtest".into(),
            Source::Criterion { baseline } => format!("criterion baseline `{baseline}`"),
            Source::Hyperfine => "hyperfine".into(),
            Source::Saved { from } => format!("saved results ({})", from.name()),
        }
    }

    /// The format underneath a saved file, as a stable key (`libtest`,
    /// `criterion`, `hyperfine`), and the criterion baseline.
    pub fn key(&self) -> (&'static str, Option<&str>) {
        match self.format() {
            Source::Libtest => ("libtest", None),
            Source::Criterion { baseline } => ("criterion", Some(baseline)),
            Source::Hyperfine => ("hyperfine", None),
            Source::Saved { .. } => unreachable!("format() looks through saved files"),
        }
    }

    /// The format underneath a saved file.
    pub fn format(&self) -> &Source {
        match self {
            Source::Saved { from } => from.format(),
            s => s,
        }
    }
}

/// What one measurement times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// One iteration of a benchmark loop (libtest, criterion).
    Iteration,
    /// One run of a whole command (hyperfine).
    Run,
}

impl Measure {
    pub fn name(self) -> &'static str {
        match self {
            Measure::Iteration => "iteration",
            Measure::Run => "run",
        }
    }
}

/// One benchmark. Times are nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Benchmark {
    pub name: String,
    /// The figure the source reports: libtest's median, criterion's and
    /// hyperfine's mean.
    pub estimate: f64,
    /// Which statistic `estimate` is.
    pub statistic: &'static str,
    /// The source's spread around it: libtest's `+/-` (the range of its
    /// samples after winsorizing), or the standard deviation.
    pub spread: Option<f64>,
    /// The raw measurements (per iteration or per run), when kept.
    pub samples: Option<Vec<f64>>,
}

/// A set of results from one source.
#[derive(Debug, Clone)]
pub struct Results {
    pub source: Source,
    pub measure: Measure,
    pub benchmarks: Vec<Benchmark>,
    /// The file or directory read.
    pub path: PathBuf,
    /// What was saved with the results (`bench cargo`): commit, rustc, binaries.
    pub meta: Option<Meta>,
}

/// What a run of `fastware bench cargo` was measured on.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    pub created_unix: u64,
    /// `git rev-parse HEAD`, with `-dirty` when files changed.
    pub git_commit: Option<String>,
    /// `rustc -V`.
    pub rustc: Option<String>,
    pub cargo_args: Vec<String>,
    pub binaries: Vec<BenchBinary>,
}

/// A bench binary cargo built and ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BenchBinary {
    pub target: String,
    pub path: PathBuf,
    /// FNV-1a of its bytes: tells builds apart.
    pub hash: Option<String>,
    pub fresh: bool,
}

impl Results {
    pub fn get(&self, name: &str) -> Option<&Benchmark> {
        self.benchmarks.iter().find(|b| b.name == name)
    }
}
