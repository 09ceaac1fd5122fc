//! What every reader produces: a set of benchmarks with their figures.

use crate::BenchError;
use std::path::PathBuf;

use fastware_report::Error;

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
    /// When the samples come from several runs of the benchmarks
    /// (`bench cargo --repeat N`): how many samples each run gave, in order.
    pub runs: Option<Vec<usize>>,
}

impl Benchmark {
    /// The benchmark, when its figures are times: finite and not negative
    /// (a `NaN` or negative figure would read as "improved"). `path` and
    /// `offset` place the error.
    pub fn checked(self, path: &str, offset: Option<u64>) -> Result<Benchmark, Error> {
        // nanoseconds: none below a femtosecond but zero (a benchmark the
        // optimiser emptied), none above a century — a figure outside makes
        // every ratio infinite or a hundred digits long
        let ok = |v: f64| v.is_finite() && (v == 0.0 || (1e-6..=3.2e18).contains(&v));
        let first_bad = self.samples.iter().flatten().position(|v| !ok(*v));
        if let Some(r) = &self.runs {
            let n = self.samples.as_ref().map_or(0, Vec::len);
            if r.iter().sum::<usize>() != n || r.contains(&0) {
                let e = BenchError::RunsMismatch { name: self.name.clone(), runs: r.clone(), samples: n };
                return Err(Error::from(e).at(path).at_byte(offset));
            }
        }
        let time = fastware_report::units::precise_duration;
        let what = if !ok(self.estimate) {
            format!("its {} is {}", self.statistic, time(self.estimate))
        } else if let Some(s) = self.spread.filter(|s| !ok(*s)) {
            format!("its spread is {}", time(s))
        } else if let Some(i) = first_bad {
            format!("sample {i} is {}", time(self.samples.as_ref().map_or(0.0, |s| s[i])))
        } else {
            return Ok(self);
        };
        Err(Error::from(BenchError::ImpossibleTime { name: self.name.clone(), what }).at(path).at_byte(offset))
    }
}

/// The numbers of a JSON array of times, or the index of the first element
/// that is not a number (`null`, a string).
pub fn json_numbers(v: &serde_json::Value) -> Option<Result<Vec<f64>, usize>> {
    let a = v.as_array()?;
    Some(a.iter().enumerate().map(|(i, x)| x.as_f64().ok_or(i)).collect())
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
    /// What the reading noticed and the user should know (output cut short …).
    pub warnings: Vec<String>,
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
    /// When each run started (ms since the epoch), for `--repeat` and `bench ab`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs_started_ms: Vec<u64>,
}

/// A bench binary cargo built and ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BenchBinary {
    pub target: String,
    pub path: PathBuf,
    /// A digest of its bytes (SHA-256, 16 hex digits; FNV-1a before): tells builds apart.
    pub hash: Option<String>,
    pub fresh: bool,
}

impl Results {
    pub fn get(&self, name: &str) -> Option<&Benchmark> {
        self.benchmarks.iter().find(|b| b.name == name)
    }

    /// Several runs of the same benchmarks as one set whose benchmarks keep
    /// each run's samples apart (`runs`), so that comparisons can be made
    /// between runs. A run without samples (libtest) gives its figure as
    /// its one sample. Benchmarks missing from a run are left out.
    pub fn of_runs(runs: Vec<Results>) -> Option<Results> {
        let mut iter = runs.into_iter();
        let mut first = iter.next()?;
        let rest: Vec<Results> = iter.collect();
        if rest.is_empty() {
            return Some(first); // one run: as it came
        }
        let statistic = |b: &Benchmark| b.samples.clone().unwrap_or_else(|| vec![b.estimate]);
        first.benchmarks.retain(|b| rest.iter().all(|r| r.get(&b.name).is_some()));
        for b in &mut first.benchmarks {
            let mut all = statistic(b);
            let mut sizes = vec![all.len()];
            for r in &rest {
                let s = r.get(&b.name).map(statistic).unwrap_or_default();
                sizes.push(s.len());
                all.extend(s);
            }
            if b.samples.is_none() {
                // libtest: the runs' figures are the samples; their statistic stays
                b.estimate = crate::stats::median(&all);
            } else {
                b.estimate = crate::stats::mean(&all);
                b.statistic = "mean";
            }
            b.spread = (all.len() >= 2).then(|| crate::stats::std_dev(&all));
            b.samples = Some(all);
            b.runs = Some(sizes);
        }
        Some(first)
    }
}
