//! `fastware matrix --from-findings`: each `fastware build` finding that
//! suggests a setting, with the matrix that tested it and what it measured
//! next to the figure the finding cited (schema `fastware/matrix-findings/2`).

use serde::{Deserialize, Serialize};

use fastware_report::{cells, Column, Error, Render, Table, Text};

use crate::report::{MatrixReport, Measure};

/// A figure of `measure` for people: `1.23 s` (from microseconds), or bytes.
fn amount(measure: Option<Measure>, v: f64, signed: bool) -> String {
    match measure {
        Some(Measure::Size) => {
            let sign = if signed && v >= 0.0 {
                "+"
            } else if v < 0.0 {
                "-"
            } else {
                ""
            };
            format!("{sign}{}", fastware_report::units::bytes(v.abs() as u64))
        }
        _ if signed => format!("{:+.2} s", v / 1e6),
        _ => format!("{:.2} s", v / 1e6),
    }
}

/// One finding and its experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tested {
    pub rule: String,
    pub subject: String,
    pub title: String,
    /// The figure the finding cited first (microseconds), and what it is.
    pub cited: Option<(String, f64)>,
    pub command: String,
    /// Why the experiment was not run (a linker missing, no hot file).
    pub skipped: Option<String>,
    pub measure: Option<Measure>,
    /// The baseline's figure and the best other cell's, microseconds (bytes
    /// for `measure` size).
    pub baseline: Option<f64>,
    pub best_cell: Option<String>,
    pub best: Option<f64>,
    /// baseline − best: positive when the change paid.
    pub saving: Option<f64>,
    pub verdict: String,
    pub matrix: Option<MatrixReport>,
}

impl Tested {
    /// A finding about to be tested (`command`: the matrix run that tests it).
    pub fn new(
        rule: String,
        subject: String,
        title: String,
        cited: Option<(String, f64)>,
        command: Option<String>,
    ) -> Tested {
        Tested {
            rule,
            subject,
            title,
            cited,
            command: command.unwrap_or_default(),
            skipped: None,
            measure: None,
            baseline: None,
            best_cell: None,
            best: None,
            saving: None,
            verdict: String::new(),
            matrix: None,
        }
    }

    /// Reads the saving off the experiment's report.
    pub fn measured(mut self, m: MatrixReport) -> Tested {
        // microseconds, or bytes for the size
        let scale = if m.measure == Measure::Size { 1.0 } else { 1e-3 };
        let figure = |c: &crate::report::CellSummary| c.figure(m.measure).map(|f| f * scale);
        let base = m.cells.get(m.baseline).and_then(figure);
        let best = m
            .cells
            .iter()
            .filter(|c| c.id != m.baseline)
            .filter_map(|c| figure(c).map(|f| (f, c)))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        self.measure = Some(m.measure);
        self.baseline = base;
        if let (Some(b), Some((f, c))) = (base, best) {
            self.best_cell = Some(c.name.clone());
            self.best = Some(f);
            self.saving = Some(b - f);
            let pct = if b > 0.0 { (b - f) / b * 100.0 } else { 0.0 };
            self.verdict = match c.verdict.as_str() {
                "faster" | "smaller" => {
                    format!("pays: {} saves {} ({pct:.0}%)", c.name, amount(Some(m.measure), b - f, false))
                }
                v if v.starts_with("one rep") && f < b => format!(
                    "{} saved {} ({pct:.0}%) in one rep (--reps 3 to judge)",
                    c.name,
                    amount(Some(m.measure), b - f, false)
                ),
                v => format!(
                    "did not pay: the best cell, {}, changed {} ({v})",
                    c.name,
                    amount(Some(m.measure), f - b, true)
                ),
            };
        } else {
            self.verdict = "no measurement: every cell failed".into();
        }
        self.matrix = Some(m);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingsReport {
    pub schema: String,
    pub project: String,
    pub findings: Vec<Tested>,
}

/// The `schema` of a [`FindingsReport`].
pub const SCHEMA: &str = "fastware/matrix-findings/2";

impl FindingsReport {
    pub fn new(project: &str, findings: Vec<Tested>) -> FindingsReport {
        FindingsReport { schema: SCHEMA.into(), project: project.into(), findings }
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::left("finding", "rule"),
            Column::right("cited", "cited_us"),
            Column::right("baseline", "baseline"),
            Column::right("best", "best"),
            Column::right("saving", "saving"),
            Column::left("verdict", "verdict"),
        ]);
        let s = |m: Option<Measure>, v: Option<f64>| {
            v.map_or(("-".into(), String::new()), |x| (amount(m, x, false), format!("{x}")))
        };
        for f in &self.findings {
            t.row(vec![
                cells::text(&format!("{} ({})", f.rule, f.subject)),
                s(None, f.cited.as_ref().map(|c| c.1)),
                s(f.measure, f.baseline),
                s(f.measure, f.best),
                s(f.measure, f.saving),
                cells::text(f.skipped.as_deref().map_or(f.verdict.as_str(), |x| x)),
            ]);
        }
        t
    }
}

impl Render for FindingsReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        if self.findings.is_empty() {
            return out.line("No finding of this build suggests a setting to test.");
        }
        out.line("Findings tested")?;
        for (n, f) in self.findings.iter().enumerate() {
            out.line(format_args!("{}. [{}] {}", n + 1, f.rule, f.title))?;
            if let Some((what, v)) = &f.cited {
                out.line(format_args!("   cited: {what}: {}", amount(None, *v, false)))?;
            }
            out.line(format_args!("   tested: {}", f.command))?;
            match &f.skipped {
                Some(why) => out.line(format_args!("   not run: {why}"))?,
                None => {
                    if let (Some(b), Some(best), Some(name)) = (f.baseline, f.best, &f.best_cell) {
                        let what = match f.measure {
                            Some(Measure::Hot) => "hot rebuild",
                            Some(Measure::Run) => "run",
                            _ => "build",
                        };
                        let (b, best) = (amount(f.measure, b, false), amount(f.measure, best, false));
                        out.line(format_args!("   measured: {what} {b} with your settings, {best} with {name}"))?;
                    }
                    out.line(format_args!("   {}", f.verdict))?;
                }
            }
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}
