//! `fastware bench noise`: an A/A report. From repeated runs of the same
//! code (`bench cargo --repeat N`, or several single-run results), per
//! benchmark: how far its runs' figures spread, the largest change between
//! two of its runs (what an A/A comparison of one run against another would
//! have shown), and the `--noise` that would have kept every such
//! comparison quiet.

use serde::{Deserialize, Serialize};

use fastware_report::json::FineDuration;
use fastware_report::{cells, Column, Render, Table, Text};

use crate::results::{Benchmark, Results};
use crate::stats;

pub const SCHEMA: &str = "fastware/bench-noise/1";

/// A benchmark whose runs differ by more than this is too noisy to judge
/// changes of a few percent by single runs.
pub const TOO_NOISY: f64 = 0.10;

/// One benchmark's run-to-run noise.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoiseRow {
    pub name: String,
    pub runs: usize,
    /// The median of its runs' figures.
    pub typical_us: FineDuration,
    /// Standard deviation of the runs' figures over their mean.
    pub spread: f64,
    /// The largest |b/a − 1| over every pair of its runs.
    pub largest_change: f64,
    pub too_noisy: bool,
    /// The usual cause, when too noisy.
    pub cause: Option<String>,
}

/// `fastware bench noise` (schema `fastware/bench-noise/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoiseReport {
    pub schema: String,
    pub inputs: Vec<String>,
    pub statistic: String,
    /// The `--noise` that would have kept every A/A pair of every benchmark quiet.
    pub quiet_noise: f64,
    /// Noisiest first.
    pub benchmarks: Vec<NoiseRow>,
    #[serde(skip)]
    pub top: usize,
}

/// The figure of each run of `b`: its runs' statistics when it has runs,
/// else its one figure.
fn run_figures(b: &Benchmark, median: bool) -> Vec<f64> {
    let stat = |s: &[f64]| if median { stats::median(s) } else { stats::mean(s) };
    match (&b.samples, &b.runs) {
        (Some(s), Some(r)) => stats::split_runs(s, r).into_iter().filter(|r| !r.is_empty()).map(stat).collect(),
        (Some(s), None) if !s.is_empty() => vec![stat(s)],
        _ => vec![b.estimate],
    }
}

fn cause(typical_ns: f64) -> String {
    if typical_ns < 100.0 {
        "under 100 ns an iteration: timer and loop overhead, and code alignment, weigh as much as the work".into()
    } else {
        "the usual causes: allocation (the allocator's state differs run to run), memory layout, CPU frequency scaling, neighbours on a shared machine".into()
    }
}

impl NoiseReport {
    /// From results of the same code: each input's runs (or the input as
    /// one run) pooled per benchmark. `None` when no benchmark has two runs.
    pub fn new(inputs: &[Results], median: bool, top: usize) -> Option<NoiseReport> {
        let mut names: Vec<&str> = Vec::new();
        for r in inputs {
            for b in &r.benchmarks {
                if !names.contains(&b.name.as_str()) {
                    names.push(&b.name);
                }
            }
        }
        let mut rows: Vec<NoiseRow> = names
            .iter()
            .filter_map(|name| {
                let figures: Vec<f64> =
                    inputs.iter().filter_map(|r| r.get(name)).flat_map(|b| run_figures(b, median)).collect();
                if figures.len() < 2 {
                    return None;
                }
                let (lo, hi) = figures.iter().fold((f64::MAX, 0.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
                let largest_change = if lo > 0.0 { hi / lo - 1.0 } else { f64::INFINITY };
                let typical = stats::median(&figures);
                let too_noisy = largest_change > TOO_NOISY;
                Some(NoiseRow {
                    name: name.to_string(),
                    runs: figures.len(),
                    typical_us: FineDuration(typical),
                    spread: stats::std_dev(&figures) / stats::mean(&figures),
                    largest_change,
                    too_noisy,
                    cause: too_noisy.then(|| cause(typical)),
                })
            })
            .collect();
        if rows.is_empty() {
            return None;
        }
        rows.sort_by(|a, b| b.largest_change.total_cmp(&a.largest_change).then_with(|| a.name.cmp(&b.name)));
        Some(NoiseReport {
            schema: SCHEMA.into(),
            inputs: inputs.iter().map(|r| r.path.display().to_string()).collect(),
            statistic: if median { "median" } else { "mean" }.into(),
            quiet_noise: rows[0].largest_change,
            benchmarks: rows,
            top,
        })
    }

    fn table(&self, top: usize) -> Table {
        let mut t = Table::new(vec![
            Column::right("runs", "runs"),
            Column::right("typical", "typical_us"),
            Column::right("spread", "spread"),
            Column::right("largest A/A", "largest_change"),
            Column::left("benchmark", "benchmark"),
        ]);
        for r in cells::take(&self.benchmarks, top) {
            t.row(vec![
                cells::count(r.runs as u64),
                cells::text(&fastware_report::units::precise_duration(r.typical_us.0)),
                cells::text(&format!("{:.1}%", r.spread * 100.0)),
                cells::text(&format!("{:+.1}%", r.largest_change * 100.0)),
                cells::text(&if r.too_noisy { format!("{} (too noisy)", r.name) } else { r.name.clone() }),
            ]);
        }
        t
    }
}

impl Render for NoiseReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let noisy: Vec<&NoiseRow> = self.benchmarks.iter().filter(|r| r.too_noisy).collect();
        out.line(format_args!(
            "{} benchmarks, the same code run {} times or more ({}s of runs): --noise {:.0}% would have kept every A/A comparison of single runs quiet",
            self.benchmarks.len(),
            self.benchmarks.iter().map(|r| r.runs).min().unwrap_or(0),
            self.statistic,
            (self.quiet_noise * 100.0).ceil()
        ))?;
        out.table(&self.table(self.top))?;
        if !noisy.is_empty() {
            out.line(format_args!(
                "{} too noisy to judge changes of a few percent from single runs (runs differ by over {:.0}%):",
                fastware_report::units::counted(noisy.len(), "benchmark"),
                TOO_NOISY * 100.0
            ))?;
            for r in cells::take(&noisy, self.top) {
                out.line(format_args!("  {}: {}", r.name, r.cause.as_deref().unwrap_or("")))?;
            }
            out.line("compare such benchmarks between runs (bench cargo --repeat N on both sides), or measure longer")?;
        }
        Ok(())
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.table(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Measure, Source};

    fn results(name: &str, samples: Vec<f64>, runs: Option<Vec<usize>>) -> Results {
        Results {
            source: Source::Hyperfine,
            measure: Measure::Iteration,
            benchmarks: vec![Benchmark {
                name: name.into(),
                estimate: stats::mean(&samples),
                statistic: "mean",
                spread: None,
                samples: Some(samples),
                runs,
            }],
            path: "x".into(),
            meta: None,
            warnings: Vec::new(),
        }
    }

    /// Figures by hand: runs of means 100, 108, 104 → largest change 8%,
    /// spread sd/mean; one input with runs equals three single-run inputs.
    #[test]
    fn spreads_and_largest_changes_by_hand() {
        let runs = results("b", vec![99.0, 101.0, 107.0, 109.0, 104.0, 104.0], Some(vec![2, 2, 2]));
        let r = NoiseReport::new(std::slice::from_ref(&runs), false, 0).expect("report");
        let row = &r.benchmarks[0];
        assert_eq!(row.runs, 3);
        assert!((row.largest_change - 0.08).abs() < 1e-12, "{row:?}");
        let (m, sd) = (
            312.0 / 3.0,
            ((100.0f64 - 312.0 / 3.0).powi(2) + (108.0f64 - 312.0 / 3.0).powi(2) + (104.0f64 - 312.0 / 3.0).powi(2))
                / 2.0,
        );
        assert!((row.spread - sd.sqrt() / m).abs() < 1e-12, "{row:?}");
        assert!(!row.too_noisy && (r.quiet_noise - 0.08).abs() < 1e-12);
        let singles: Vec<Results> = [vec![99.0, 101.0], vec![107.0, 109.0], vec![104.0, 104.0]]
            .into_iter()
            .map(|s| results("b", s, None))
            .collect();
        let r2 = NoiseReport::new(&singles, false, 0).expect("report");
        assert_eq!(r2.benchmarks[0].largest_change, row.largest_change);
        // one run only: nothing to say
        assert!(NoiseReport::new(&singles[..1], false, 0).is_none());
        // a short benchmark that moved by 50%: too noisy, and why
        let short = results("tiny", vec![20.0, 30.0], Some(vec![1, 1]));
        let r3 = NoiseReport::new(&[short], false, 0).expect("report");
        assert!(r3.benchmarks[0].too_noisy && r3.benchmarks[0].cause.as_deref().is_some_and(|c| c.contains("100 ns")));
    }
}
