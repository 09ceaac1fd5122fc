//! What `fastware bench compare` and `bench cargo` report, as values
//! (`--format json` is each serialised), rendered as text and CSV.

use serde::{Deserialize, Serialize};

use fastware_report::json::FineDuration;
use fastware_report::units::precise_duration;
use fastware_report::{cells, Column, Render, Table, Text};

use crate::compare::{Basis, Comparison, Options, Row, Test, Verdict};
use crate::results::{Results, Source};
use crate::saved::SavedResults;

/// One side of a comparison.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SideInfo {
    pub path: std::path::PathBuf,
    /// The format: `libtest`, `criterion`, `hyperfine`.
    pub source: String,
    pub baseline: Option<String>,
    /// Read from a file fastware saved.
    pub saved: bool,
    /// The words the table shows: "criterion baseline `base`".
    pub description: String,
    pub meta: Option<crate::results::Meta>,
}

impl SideInfo {
    fn of(r: &Results) -> SideInfo {
        let (source, baseline) = r.source.key();
        SideInfo {
            path: r.path.clone(),
            source: source.into(),
            baseline: baseline.map(str::to_string),
            saved: matches!(r.source, Source::Saved { .. }),
            description: r.source.name(),
            meta: r.meta.clone(),
        }
    }
}

/// One benchmark compared.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RowReport {
    pub name: String,
    pub statistic: String,
    pub base_us: FineDuration,
    pub new_us: FineDuration,
    pub base_spread_us: Option<FineDuration>,
    pub new_spread_us: Option<FineDuration>,
    /// new / base − 1.
    pub change: f64,
    /// base / new.
    pub speedup: f64,
    pub verdict: String,
    /// `samples` or `summaries`.
    pub basis: String,
    /// Confidence interval of new / base.
    pub ratio_ci: Option<[f64; 2]>,
    pub test: Option<String>,
    pub p: Option<f64>,
    /// p adjusted for the number of benchmarks tested (Benjamini–Hochberg):
    /// the verdict rests on it.
    #[serde(default)]
    pub q: Option<f64>,
    pub t: Option<f64>,
    pub df: Option<f64>,
    pub u: Option<f64>,
    pub z: Option<f64>,
    /// Samples on each side.
    pub samples: Option<[usize; 2]>,
    /// Runs on each side, when compared between runs (`--repeat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<[usize; 2]>,
    /// Each side's run-to-run spread (standard deviation of its runs' statistics / their mean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_spread: Option<[f64; 2]>,
    pub reason: String,
}

impl RowReport {
    fn of(r: &Row) -> RowReport {
        let welch = match r.test {
            Some(Test::Welch(w)) => Some(w),
            _ => None,
        };
        let mann_whitney = match r.test {
            Some(Test::MannWhitney(m)) => Some(m),
            _ => None,
        };
        RowReport {
            name: r.name.clone(),
            statistic: r.statistic.clone(),
            base_us: FineDuration(r.base),
            new_us: FineDuration(r.new),
            base_spread_us: r.base_spread.map(FineDuration),
            new_spread_us: r.new_spread.map(FineDuration),
            change: r.change(),
            speedup: r.speedup(),
            verdict: r.verdict.name().into(),
            basis: match r.basis {
                Basis::Samples => "samples",
                Basis::Runs => "runs",
                Basis::Summaries => "summaries",
            }
            .into(),
            ratio_ci: r.ratio_ci.map(|(lo, hi)| [lo, hi]),
            test: r.test.map(|t| t.name().into()),
            p: r.test.map(|t| t.p()),
            q: r.q,
            t: welch.map(|w| w.t),
            df: welch.map(|w| w.df),
            u: mann_whitney.map(|m| m.u),
            z: mann_whitney.map(|m| m.z),
            samples: r.samples.map(|(b, n)| [b, n]),
            runs: r.runs.map(|((b, _), (n, _))| [b, n]),
            run_spread: r.runs.map(|((_, b), (_, n))| [b, n]),
            reason: r.reason.clone(),
        }
    }
}

/// `fastware bench compare` (schema `fastware/bench-compare/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComparisonReport {
    pub schema: String,
    pub base: SideInfo,
    pub new: SideInfo,
    /// What one measurement times: `iteration` or `run`.
    pub measure: String,
    pub confidence: f64,
    pub noise: f64,
    /// Medians compared (Mann–Whitney U), else means (Welch's t-test).
    #[serde(default)]
    pub median: bool,
    pub regressed: usize,
    pub improved: usize,
    pub no_change: usize,
    /// Largest regression first.
    pub benchmarks: Vec<RowReport>,
    /// What past runs (the history) said about each benchmark's noise, when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<String>,
    pub only_in_base: Vec<String>,
    pub only_in_new: Vec<String>,
    /// Rows in the text (0: all).
    #[serde(skip)]
    pub top: usize,
}

fn change_text(c: f64) -> String {
    format!("{:+.1}%", c * 100.0)
}

impl RowReport {
    /// The interval of the change from samples, else the spreads that decided.
    fn interval(&self) -> String {
        let spread = |x: Option<FineDuration>| x.map_or("?".to_string(), |x| format!("±{}", precise_duration(x.0)));
        match self.ratio_ci {
            Some([lo, hi]) => format!("{} … {}", change_text(lo - 1.0), change_text(hi - 1.0)),
            None => format!("{}, {}", spread(self.base_spread_us), spread(self.new_spread_us)),
        }
    }
}

impl ComparisonReport {
    pub fn new(c: &Comparison, base: &Results, new: &Results, o: &Options, top: usize) -> ComparisonReport {
        let count = |v: Verdict| c.rows.iter().filter(|r| r.verdict == v).count();
        ComparisonReport {
            schema: "fastware/bench-compare/1".into(),
            base: SideInfo::of(base),
            new: SideInfo::of(new),
            measure: base.measure.name().into(),
            confidence: o.confidence,
            noise: o.noise,
            median: o.median,
            regressed: count(Verdict::Regressed),
            improved: count(Verdict::Improved),
            no_change: count(Verdict::NoChange),
            benchmarks: c.rows.iter().map(RowReport::of).collect(),
            history: o.past.as_ref().map(crate::past::PastNoise::describe),
            only_in_base: c.only_base.clone(),
            only_in_new: c.only_new.clone(),
            top,
        }
    }

    fn table(&self, top: usize) -> Table {
        // the interval of the change from samples, else the spreads that decided
        let ci_header = format!("{:.0}% CI", self.confidence * 100.0);
        let rows = cells::take(&self.benchmarks, top);
        let evidence = match (rows.iter().any(|r| r.ratio_ci.is_some()), rows.iter().any(|r| r.ratio_ci.is_none())) {
            (true, false) => ci_header,
            (false, _) => "± base, new".to_string(),
            (true, true) => format!("{ci_header} or ±"),
        };
        let mut t = Table::new(vec![
            Column::right("base", "base_us"),
            Column::right("new", "new_us"),
            Column::right("change", "change"),
            Column::right("speedup", "speedup"),
            Column::right(&evidence, "ratio_ci"),
            Column::left("verdict", "verdict"),
            Column::left("benchmark", "name"),
        ]);
        for r in rows {
            let ci = (r.interval(), r.ratio_ci.map_or(String::new(), |[lo, hi]| format!("{lo};{hi}")));
            t.row(vec![
                (precise_duration(r.base_us.0), (r.base_us.0 / 1000.0).to_string()),
                (precise_duration(r.new_us.0), (r.new_us.0 / 1000.0).to_string()),
                (change_text(r.change), r.change.to_string()),
                (format!("×{:.2}", r.speedup), r.speedup.to_string()),
                ci,
                cells::text(&r.verdict),
                cells::text(&r.name),
            ]);
            let colour = |c| Some(anstyle::Style::new().fg_color(Some(anstyle::Color::Ansi(c))));
            t.style_last(match r.verdict.as_str() {
                "regressed" => colour(anstyle::AnsiColor::Red),
                "improved" => colour(anstyle::AnsiColor::Green),
                _ => None,
            });
        }
        t
    }
}

impl Render for ComparisonReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let side = |s: &SideInfo| format!("{} ({})", s.path.display(), s.description);
        out.line(format_args!("base: {}", side(&self.base)))?;
        out.line(format_args!("new:  {}", side(&self.new)))?;
        let basis = if self.benchmarks.iter().all(|r| r.basis == "runs") {
            format!(
                "between runs: {:.0}% CI of new/base (hierarchical bootstrap: runs, then samples) and Welch's t-test on the runs; a change must exceed {:.0}% and the run-to-run spread",
                self.confidence * 100.0,
                self.noise * 100.0
            )
        } else if self.benchmarks.iter().all(|r| r.basis == "samples") {
            format!(
                "from the samples: {:.0}% CI of new/base (bootstrap; normal from 10,000 samples) and {}; under {:.0}% is no change; one run a side cannot show run-to-run noise (bench cargo --repeat N)",
                self.confidence * 100.0,
                if self.median { "the Mann–Whitney U test" } else { "Welch's t-test" },
                self.noise * 100.0
            )
        } else if self.benchmarks.iter().all(|r| r.basis == "summaries") {
            format!(
                "from summaries only (no samples): the ± spreads decide; under {:.0}% is no change",
                self.noise * 100.0
            )
        } else {
            "from samples where both sides have them, else from summaries".to_string()
        };
        let tested = self.benchmarks.iter().filter(|r| r.q.is_some()).count();
        let adjusted = if tested > 1 {
            format!("; p adjusted for the {tested} benchmarks tested (Benjamini–Hochberg)")
        } else {
            String::new()
        };
        out.line(format_args!(
            "{} regressed, {} improved, {} no change — {basis}{adjusted}",
            self.regressed, self.improved, self.no_change
        ))?;
        if let Some(h) = &self.history {
            out.line(h)?;
        }
        out.table(&self.table(self.top))?;
        let with_runs: Vec<&RowReport> = self.benchmarks.iter().filter(|r| r.runs.is_some()).collect();
        if !with_runs.is_empty() {
            let mut t = Table::new(vec![
                Column::right("runs", "runs"),
                Column::right("base spread", "base_spread"),
                Column::right("new spread", "new_spread"),
                Column::left("benchmark", "benchmark"),
            ]);
            for r in &with_runs {
                let (runs, spread) = (r.runs.unwrap_or_default(), r.run_spread.unwrap_or_default());
                t.row(vec![
                    cells::text(&format!("{} / {}", runs[0], runs[1])),
                    cells::text(&format!("{:.1}%", spread[0] * 100.0)),
                    cells::text(&format!("{:.1}%", spread[1] * 100.0)),
                    cells::text(&r.name),
                ]);
            }
            out.section("Run-to-run spread (standard deviation of the runs' figures)", &t, with_runs.len())?;
        }
        out.more(cells::take(&self.benchmarks, self.top).len(), self.benchmarks.len())?;
        if !self.only_in_base.is_empty() {
            out.line(format_args!("only in base: {}", self.only_in_base.join(", ")))?;
        }
        if !self.only_in_new.is_empty() {
            out.line(format_args!("only in new: {}", self.only_in_new.join(", ")))?;
        }
        Ok(())
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.table(0))
    }

    /// A forest plot of the changes (each with its interval, against the
    /// noise threshold's band), then the text.
    fn html(&self) -> Option<String> {
        use fastware_report::html::{forest, picture_and_text, ForestRow};
        let rows: Vec<ForestRow> = self
            .benchmarks
            .iter()
            .map(|r| ForestRow {
                label: r.name.clone(),
                change: r.change,
                interval: r.ratio_ci.map(|[lo, hi]| (lo - 1.0, hi - 1.0)),
                colour: fastware_report::html::verdict_colour(&r.verdict),
                verdict: r.verdict.clone(),
            })
            .collect();
        let what = format!(
            "{} change, new vs base, {:.0}% interval; shaded: ±{:.0}% noise threshold",
            if self.median { "median" } else { "mean" },
            self.confidence * 100.0,
            self.noise * 100.0
        );
        Some(picture_and_text(forest(&rows, self.noise, &what), self))
    }

    fn markdown(&self) -> fastware_report::Result<String> {
        use fastware_report::markdown::{self, cell, code, Compared};
        let rows = self
            .benchmarks
            .iter()
            .map(|r| Compared {
                verdict: r.verdict.clone(),
                change: r.change,
                cells: vec![
                    code(&r.name),
                    precise_duration(r.base_us.0),
                    precise_duration(r.new_us.0),
                    change_text(r.change),
                    cell(&r.interval()),
                ],
            })
            .collect();
        let mut notes = vec![format!(
            "base: {} — new: {} — {:.0}% intervals; a change under {:.0}% is no change",
            cell(&format!("{} ({})", self.base.path.display(), self.base.description)),
            cell(&format!("{} ({})", self.new.path.display(), self.new.description)),
            self.confidence * 100.0,
            self.noise * 100.0
        )];
        for (what, names) in [("only in base", &self.only_in_base), ("only in new", &self.only_in_new)] {
            if !names.is_empty() {
                notes.push(format!("{what}: {}", names.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")));
            }
        }
        let headline = format!(
            "fastware bench: {} regressed, {} improved, {} no change",
            self.regressed, self.improved, self.no_change
        );
        Ok(markdown::comparison(&headline, &["benchmark", "base:", "new:", "change:", "interval"], rows, &notes))
    }
}

/// `fastware bench cargo`: the results of the run (schema
/// `fastware/bench-results/1`, the same as a saved file), and where the
/// bench binaries and the saved file are.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunReport(pub SavedResults);

impl RunReport {
    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("estimate", "estimate_us"),
            Column::right("±", "spread_us"),
            Column::right("samples", "samples"),
            Column::left("benchmark", "name"),
        ]);
        for b in &self.0.benchmarks {
            t.row(vec![
                (
                    format!("{} ({})", precise_duration(b.estimate_us.0), b.statistic),
                    (b.estimate_us.0 / 1000.0).to_string(),
                ),
                b.spread_us
                    .map_or((String::new(), String::new()), |s| (precise_duration(s.0), (s.0 / 1000.0).to_string())),
                b.samples_us.as_ref().map_or((String::new(), String::new()), |s| cells::count(s.len() as u64)),
                cells::text(&b.name),
            ]);
        }
        t
    }

    /// Where the bench binaries are, and where the results went.
    pub fn footer(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let binaries = self.0.meta.as_ref().map(|m| m.binaries.as_slice()).unwrap_or_default();
        if !binaries.is_empty() {
            out.line("bench binaries (point a profiler at these; their names change with every build):")?;
            for b in binaries {
                out.line(format_args!("  {}  {}", b.target, b.path.display()))?;
            }
        }
        match &self.0.saved_to {
            Some(p) => out.line(format_args!("saved: {p}")),
            None => out.line("not saved (add --save NAME to compare with later)"),
        }
    }
}

impl Render for RunReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let n = self.0.benchmarks.len();
        let source = match (self.0.source.as_str(), &self.0.baseline) {
            ("criterion", Some(b)) => format!("criterion baseline `{b}`"),
            (s, _) => s.to_string(),
        };
        out.line(format_args!("{} from {source}", fastware_report::units::counted(n, "benchmark")))?;
        out.table(&self.table())?;
        self.footer(out)
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.table())
    }
}

impl fastware_report::Kind for SavedResults {
    const SCHEMA: &'static str = crate::saved::SCHEMA;
    const COMMAND: &'static str = "bench";
    const METRICS: &'static str = "NAME (a benchmark's estimate)";
    const COMPARED_ON_PAGE: bool = true;

    fn show(&self, _top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        RunReport(self.clone()).text(out)
    }

    fn metric(&self, name: &str) -> Option<fastware_report::Metric> {
        let b = self.benchmarks.iter().find(|b| b.name == name)?;
        Some(fastware_report::Metric::Nanos(b.estimate_us.0))
    }

    /// Each benchmark's estimate as a bar (its spread as a whisker), then
    /// the results as text. Times in microseconds.
    fn section(&self) -> Option<String> {
        use fastware_report::html::{bars, picture_and_text, Bar};
        let rows: Vec<Bar> = self
            .benchmarks
            .iter()
            .map(|b| {
                let us = b.estimate_us.0 / 1000.0;
                Bar {
                    label: b.name.clone(),
                    value: us,
                    shown: precise_duration(b.estimate_us.0),
                    interval: b.spread_us.map(|s| (us - s.0 / 1000.0, us + s.0 / 1000.0)),
                    colour: None,
                }
            })
            .collect();
        let statistic = self.benchmarks.first().map_or("estimate", |b| b.statistic.as_str());
        let chart = bars(&rows, &format!("each benchmark's {statistic} ({}); the line: ± its spread", self.source));
        Some(picture_and_text(chart, &RunReport(self.clone())))
    }

    /// `bench compare` of the two runs' results, with the noise thresholds
    /// their command's past runs on this machine set.
    fn diff(
        base: &Self,
        new: &Self,
        ctx: &fastware_report::DiffContext<'_, Self>,
    ) -> Result<Option<Box<dyn fastware_report::DynRender>>, fastware_report::Error> {
        let a = base.results(std::path::Path::new(&ctx.base_label))?;
        let b = new.results(std::path::Path::new(&ctx.new_label))?;
        let past = (ctx.past)().map(|past| crate::past::PastNoise::from_runs(&past));
        let opts = crate::Options { past, ..Default::default() };
        let c = crate::compare(&a, &b, &opts)?;
        fastware_report::compared(ComparisonReport::new(&c, &a, &b, &opts, ctx.top.unwrap_or(0)))
    }
}
