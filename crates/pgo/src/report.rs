//! What `fastware pgo` reports (schema `fastware/pgo/2`): each step and its
//! time, the profile's coverage, and the optimised binary against the
//! baseline — for a command, medians and the change with its bootstrap
//! interval; for a benchmark target, each benchmark compared between runs
//! (`fastware bench`'s comparison) — and the sizes.

use serde::{Deserialize, Serialize};

use fastware_bench::{stats, ComparisonReport};
use fastware_report::json::Duration;
use fastware_report::units::bytes;
use fastware_report::{cells, Column, Error, Render, Table, Text};

/// The `schema` of a kept `pgo` result.
pub const SCHEMA: &str = "fastware/pgo/2";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    /// Its wall time (microseconds on the wire).
    pub wall_us: Duration,
    /// The artifact built, the command run, the tool used.
    pub detail: String,
}

/// The comparison runs and what they say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Wall time per run, in the order they ran (interleaved; microseconds).
    pub baseline_us: Vec<Duration>,
    pub optimized_us: Vec<Duration>,
    pub baseline_median_us: Duration,
    pub optimized_median_us: Duration,
    /// optimized / baseline − 1 of the medians (−0.1: 10% faster).
    pub change: f64,
    /// The 95% bootstrap interval of the ratio of medians, minus 1.
    pub ci_low: f64,
    pub ci_high: f64,
    pub verdict: String,
}

impl Comparison {
    pub fn new(a: Vec<Duration>, b: Vec<Duration>) -> Comparison {
        let ns = |v: &[Duration]| -> Vec<f64> { v.iter().map(|d| d.ns() as f64).collect() };
        let (fa, fb) = (ns(&a), ns(&b));
        let (ma, mb) = (stats::median(&fa), stats::median(&fb));
        let (lo, hi) = if a.len() >= 2 && b.len() >= 2 {
            stats::bootstrap_ratio(&fa, &fb, true, 0.95, 10_000, 0x960)
        } else {
            (f64::NAN, f64::NAN)
        };
        let change = if ma > 0.0 { mb / ma - 1.0 } else { 0.0 };
        let verdict = if lo.is_nan() {
            "one run each: no verdict (--runs 5)".to_string()
        } else if hi < 1.0 {
            "faster".to_string()
        } else if lo > 1.0 {
            "slower".to_string()
        } else {
            "no change (the interval holds 1)".to_string()
        };
        Comparison {
            baseline_us: a,
            optimized_us: b,
            baseline_median_us: Duration::from_nanos(ma.round() as i64),
            optimized_median_us: Duration::from_nanos(mb.round() as i64),
            change,
            ci_low: lo - 1.0,
            ci_high: hi - 1.0,
            verdict,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PgoReport {
    pub schema: String,
    pub project: String,
    pub training: Vec<String>,
    /// The comparison workload.
    pub workload: String,
    pub steps: Vec<Step>,
    pub raw_profiles: usize,
    pub merged: String,
    pub profdata_tool: String,
    pub functions_in_profile: Option<u64>,
    pub functions_with_counts: Option<u64>,
    /// rustc's "no profile data" warnings in the optimised build.
    pub missing_profile_warnings: usize,
    /// cargo's log shows rustc got `-Cprofile-use`.
    pub profile_use_seen: bool,
    /// The comparison on a command (absent when only a benchmark was the workload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// Each benchmark of a `--bench` workload, baseline against optimised, between runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benchmarks: Option<ComparisonReport>,
    pub baseline_binary: String,
    pub optimized_binary: String,
    pub baseline_size: u64,
    pub optimized_size: u64,
    /// The whole run's wall time (microseconds on the wire).
    pub total_us: Duration,
}

/// Upgrades a `fastware/pgo/1` result (times in seconds) to this version's.
fn upgrade(v: &mut serde_json::Value) {
    use fastware_report::json::seconds_to_micros;
    if let Some(obj) = v.as_object_mut() {
        seconds_to_micros(obj, "total_seconds", "total_us");
        obj.insert("schema".into(), SCHEMA.into());
    }
    for step in v["steps"].as_array_mut().into_iter().flatten().filter_map(|s| s.as_object_mut()) {
        seconds_to_micros(step, "seconds", "wall_us");
    }
    if let Some(c) = v.get_mut("comparison").and_then(|c| c.as_object_mut()) {
        for (from, to) in [
            ("baseline_s", "baseline_us"),
            ("optimized_s", "optimized_us"),
            ("baseline_median_s", "baseline_median_us"),
            ("optimized_median_s", "optimized_median_us"),
        ] {
            seconds_to_micros(c, from, to);
        }
    }
}

impl PgoReport {
    fn steps_table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("time", "wall_us"),
            Column::left("step", "step"),
            Column::left("", "detail"),
        ]);
        for s in &self.steps {
            t.row(vec![
                (format!("{:.2} s", s.wall_us.secs()), fastware_report::units::micros_text(s.wall_us.ns())),
                cells::text(&s.name),
                cells::text(&s.detail),
            ]);
        }
        t
    }
}

impl Render for PgoReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!("pgo of {}: {:.1} s in all", self.project, self.total_us.secs()))?;
        out.section("Steps", &self.steps_table(), self.steps.len())?;
        out.blank()?;
        out.line(format_args!(
            "profile: {} raw file(s) merged into {} ({})",
            self.raw_profiles, self.merged, self.profdata_tool
        ))?;
        if let (Some(n), Some(k)) = (self.functions_in_profile, self.functions_with_counts) {
            out.line(format_args!(
                "coverage: {k} of {n} functions in the profile got counts ({:.0}%)",
                k as f64 * 100.0 / n.max(1) as f64
            ))?;
        }
        if self.missing_profile_warnings > 0 {
            out.line(format_args!(
                "warning: rustc found no profile data for {} function(s) of the optimised build: was the workload the real load?",
                self.missing_profile_warnings
            ))?;
        }
        out.blank()?;
        if let Some(c) = &self.comparison {
            out.line(format_args!("on `{}` ({} runs each, interleaved):", self.workload, c.baseline_us.len()))?;
            out.line(format_args!(
                "  release {:.3} s, PGO {:.3} s (medians): {:+.1}% [{:+.1}%, {:+.1}%] — {}",
                c.baseline_median_us.secs(),
                c.optimized_median_us.secs(),
                c.change * 100.0,
                c.ci_low * 100.0,
                c.ci_high * 100.0,
                c.verdict
            ))?;
        }
        if let Some(b) = &self.benchmarks {
            out.line(format_args!("benchmarks, release (base) against PGO (new), runs interleaved:"))?;
            b.text(out)?;
            out.blank()?;
        }
        out.line(format_args!("  size: {} → {}", bytes(self.baseline_size), bytes(self.optimized_size)))?;
        out.line(format_args!("  optimised binary: {}", self.optimized_binary))
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.steps_table())
    }
}

impl fastware_report::Kind for PgoReport {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "pgo";
    const EARLIER: &'static [&'static str] = &["fastware/pgo/1"];

    /// Release against PGO as two bars (median, the runs' range as a
    /// whisker), then the report.
    fn section(&self) -> Option<String> {
        use fastware_report::html::{bars, picture_and_text, Bar};
        let mut html = String::new();
        if let Some(c) = &self.comparison {
            let range = |v: &[Duration]| {
                let lo = v.iter().min().map_or(0.0, |d| d.micros());
                let hi = v.iter().max().map_or(0.0, |d| d.micros());
                (lo, hi)
            };
            let bar = |label: &str, median: Duration, runs: &[Duration], colour| Bar {
                label: label.into(),
                value: median.micros(),
                shown: format!("{:.3} s", median.secs()),
                interval: Some(range(runs)),
                colour,
            };
            let faster = c.verdict == "faster";
            html.push_str(&bars(
                &[
                    bar("release", c.baseline_median_us, &c.baseline_us, None),
                    bar("PGO", c.optimized_median_us, &c.optimized_us, faster.then_some("#2ca02c")),
                ],
                &format!(
                    "`{}`: median of {} runs each, the line their range; {:+.1}% [{:+.1}%, {:+.1}%] — {}",
                    self.workload,
                    c.baseline_us.len(),
                    c.change * 100.0,
                    c.ci_low * 100.0,
                    c.ci_high * 100.0,
                    c.verdict
                ),
            ));
        }
        Some(picture_and_text(html, self))
    }

    fn from_kept(schema: &str, mut value: serde_json::Value) -> Result<Self, serde_json::Error> {
        if schema != SCHEMA {
            upgrade(&mut value);
        }
        serde_json::from_value(value)
    }

    fn show(&self, _top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        self.text(out)
    }
}
