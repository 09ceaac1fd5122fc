//! What `fastware matrix` reports (schema `fastware/matrix/2`): per cell
//! the median and spread of each measure over its reps, the change against
//! the baseline cell with a verdict that weighs the measured spread; with
//! two axes, the seed's two-axis table ("Time / Size" per cell).

use serde::{Deserialize, Serialize};

use fastware_bench::stats;
use fastware_report::json::Duration;
use fastware_report::units::bytes;
use fastware_report::{cells, Column, Error, Render, Table, Text};

use crate::axis::Axis;
use crate::measure::CellRun;
use crate::plan::{Machine, Plan, Scope};

/// The `schema` of a kept `matrix` result.
pub const SCHEMA: &str = "fastware/matrix/2";

/// A time for people: `12.34 s`, `1.2 ms`.
pub fn time(d: Duration) -> String {
    if d.secs() >= 1.0 {
        format!("{:.2} s", d.secs())
    } else {
        fastware_report::units::duration(d.ns())
    }
}

/// What the cells are ranked and compared by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// The timed build
    Build,
    /// The hot rebuild (--hot)
    Hot,
    /// The artifact's size
    Size,
    /// The --run command's time
    Run,
}

/// Median and range of one time over a cell's reps (microseconds on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
    pub n: usize,
}

impl Figure {
    /// Of times in nanoseconds.
    fn of(v: &[f64]) -> Option<Figure> {
        let (median, min, max) = median_range(v)?;
        let d = |ns: f64| Duration::from_nanos(ns.round() as i64);
        Some(Figure { median: d(median), min: d(min), max: d(max), n: v.len() })
    }

    /// The range as a share of the median.
    fn spread(&self) -> f64 {
        spread(self.median.ns() as f64, self.min.ns() as f64, self.max.ns() as f64)
    }
}

/// Median, least and greatest of `v`; `None` when it is empty.
fn median_range(v: &[f64]) -> Option<(f64, f64, f64)> {
    if v.is_empty() {
        return None;
    }
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((stats::median(v), min, max))
}

/// `max − min` as a share of `median`.
fn spread(median: f64, min: f64, max: f64) -> f64 {
    if median > 0.0 {
        (max - min) / median
    } else {
        0.0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellSummary {
    pub id: usize,
    pub name: String,
    pub settings: Vec<(String, String)>,
    /// Reps measured (failed ones included).
    pub reps: usize,
    pub failed: Option<String>,
    /// The timed build, its hot rebuild, the `--run` command (microseconds).
    pub build_us: Option<Figure>,
    pub hot_us: Option<Figure>,
    pub size: Option<u64>,
    pub stripped_size: Option<u64>,
    pub run_us: Option<Figure>,
    /// The chosen measure's change against the baseline (0.1 = 10% more).
    pub change: Option<f64>,
    pub verdict: String,
    /// The best cell by the chosen measure.
    pub best: bool,
    /// The `-C` flags rustc got for the workspace members.
    pub rustc_flags: Vec<String>,
}

impl CellSummary {
    /// The figure of time `m` (`--measure size` gives the build's).
    pub fn time(&self, m: Measure) -> Option<Figure> {
        match m {
            Measure::Hot => self.hot_us,
            Measure::Run => self.run_us,
            Measure::Build | Measure::Size => self.build_us,
        }
    }

    /// The cell's median of measure `m`: nanoseconds, or bytes for the size.
    pub fn figure(&self, m: Measure) -> Option<f64> {
        match m {
            Measure::Size => self.size.map(|s| s as f64),
            _ => self.time(m).map(|f| f.median.ns() as f64),
        }
    }
}

/// The two-axis layout: rows are the first axis's values, columns the second's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// Cell ids, `cells[row][column]`.
    pub cells: Vec<Vec<Option<usize>>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixReport {
    pub schema: String,
    pub plan: String,
    pub project: String,
    pub profile: String,
    pub scope: Scope,
    pub reps: usize,
    pub measure: Measure,
    pub axes: Vec<Axis>,
    pub baseline: usize,
    pub machines: Vec<Machine>,
    /// Measurements done, of those planned.
    pub done: usize,
    pub planned: usize,
    pub cells: Vec<CellSummary>,
    pub grid: Option<Grid>,
    /// Axes none of whose values changed the flags rustc got for the
    /// workspace members (a mistyped key cargo ignored): no verdict for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_effect: Vec<String>,
}

/// The reps' figures of measure `m`: nanoseconds, or bytes for the size.
fn samples(runs: &[&CellRun], m: Measure) -> Vec<f64> {
    let ns = |d: Duration| d.ns() as f64;
    match m {
        Measure::Build => runs.iter().filter_map(|r| r.build_us).map(ns).collect(),
        Measure::Hot => runs.iter().filter_map(|r| r.hot_us).map(ns).collect(),
        Measure::Size => runs.iter().filter_map(|r| r.size.map(|s| s as f64)).collect(),
        Measure::Run => runs.iter().flat_map(|r| r.run_us.iter().copied()).map(ns).collect(),
    }
}

/// The change of `b` against `a` and what it means, the spread weighed.
fn verdict(a: &[f64], b: &[f64], m: Measure) -> (Option<f64>, String) {
    let (Some(fa), Some(fb)) = (median_range(a), median_range(b)) else { return (None, "-".into()) };
    if fa.0 == 0.0 {
        return (None, "-".into());
    }
    let change = fb.0 / fa.0 - 1.0;
    let (better, worse) = if m == Measure::Size { ("smaller", "larger") } else { ("faster", "slower") };
    if m == Measure::Size {
        // a build's size does not vary between reps
        let v = if change.abs() < 1e-9 {
            "same".into()
        } else if change < 0.0 {
            better.into()
        } else {
            worse.into()
        };
        return (Some(change), v);
    }
    if a.len() < 2 || b.len() < 2 {
        return (Some(change), "one rep: no verdict (--reps 3)".into());
    }
    let spread = spread(fa.0, fa.1, fa.2).max(spread(fb.0, fb.1, fb.2));
    let (lo, hi) = stats::bootstrap_ratio(a, b, true, 0.95, 2000, 0x5eed);
    let v = if hi < 1.0 && -change > spread {
        better.to_string()
    } else if lo > 1.0 && change > spread {
        worse.to_string()
    } else {
        format!("within noise (spread {:.0}%)", spread * 100.0)
    };
    (Some(change), v)
}

/// Whether rustc's flags for the workspace members tell the values of
/// `axis` apart: a `profile.*` key, RUSTFLAGS or the linker always reach
/// them (a toolchain, `build.*` keys and settings of dependencies or build
/// scripts do not, and are not judged). `None`: not judged, or no flags
/// recorded (results of an older fastware).
fn changes_flags(axis: &Axis, plan: &Plan, cells: &[CellSummary]) -> Option<bool> {
    use crate::axis::AxisKind;
    let judged = match &axis.kind {
        AxisKind::Config { key } => {
            key.starts_with("profile.") && !key.contains(".package.") && !key.contains(".build-override.")
        }
        AxisKind::Rustflags | AxisKind::Linker => true,
        AxisKind::Toolchain => false,
    };
    let ok: Vec<&CellSummary> = cells.iter().filter(|c| c.build_us.is_some() && !c.rustc_flags.is_empty()).collect();
    if !judged || ok.len() < 2 {
        return None;
    }
    let others = |c: &CellSummary| -> Vec<(String, String)> {
        let cell = &plan.cells[c.id];
        cell.settings.iter().filter(|(k, _)| *k != axis.name).cloned().collect()
    };
    // cells alike in every other axis: do their flags differ along this one?
    let mut compared = false;
    for (i, a) in ok.iter().enumerate() {
        for b in &ok[i + 1..] {
            if others(a) == others(b) && plan.cells[a.id].settings != plan.cells[b.id].settings {
                compared = true;
                if a.rustc_flags != b.rustc_flags {
                    return Some(true);
                }
            }
        }
    }
    compared.then_some(false)
}

impl MatrixReport {
    pub fn new(plan: &Plan, runs: &[CellRun], measure: Measure) -> MatrixReport {
        let mut machines: Vec<Machine> = Vec::new();
        for r in runs {
            if !machines.contains(&r.machine) {
                machines.push(r.machine.clone());
            }
        }
        let of = |id: usize| -> Vec<&CellRun> { runs.iter().filter(|r| r.cell == id && r.success).collect() };
        let base = samples(&of(plan.baseline), measure);
        let mut cells: Vec<CellSummary> = plan
            .cells
            .iter()
            .map(|c| {
                let all: Vec<&CellRun> = runs.iter().filter(|r| r.cell == c.id).collect();
                let ok = of(c.id);
                let failed = all.iter().find(|r| !r.success).and_then(|r| r.error.clone());
                let (change, verdict) = if c.id == plan.baseline {
                    (None, "baseline".to_string())
                } else if failed.is_some() && ok.is_empty() {
                    (None, "failed".to_string())
                } else {
                    verdict(&base, &samples(&ok, measure), measure)
                };
                CellSummary {
                    id: c.id,
                    name: c.name.clone(),
                    settings: c.settings.clone(),
                    reps: all.len(),
                    failed,
                    build_us: Figure::of(&samples(&ok, Measure::Build)),
                    hot_us: Figure::of(&samples(&ok, Measure::Hot)),
                    size: ok.last().and_then(|r| r.size),
                    stripped_size: ok.last().and_then(|r| r.stripped_size),
                    run_us: Figure::of(&samples(&ok, Measure::Run)),
                    change,
                    verdict,
                    best: false,
                    rustc_flags: ok.last().map(|r| r.rustc_flags.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let no_effect: Vec<String> = plan
            .axes
            .iter()
            .filter(|a| changes_flags(a, plan, &cells) == Some(false))
            .map(|a| a.name.clone())
            .collect();
        if !no_effect.is_empty() {
            let base_settings = &plan.cells[plan.baseline].settings;
            for c in cells.iter_mut().filter(|c| c.id != plan.baseline) {
                let differs_only_there = plan.cells[c.id]
                    .settings
                    .iter()
                    .zip(base_settings)
                    .all(|(s, b)| s == b || no_effect.contains(&s.0));
                if differs_only_there && c.build_us.is_some() {
                    c.change = None;
                    c.verdict = "no verdict: rustc got the baseline's flags".into();
                }
            }
        }
        let key = |c: &CellSummary| c.figure(measure);
        // a cell whose settings did not reach rustc is not ranked against the others
        let ranked = |c: &&CellSummary| c.id == plan.baseline || c.change.is_some();
        if let Some(best) =
            cells.iter().filter(ranked).filter_map(|c| key(c).map(|k| (k, c.id))).min_by(|a, b| a.0.total_cmp(&b.0))
        {
            cells[best.1].best = true;
        }
        let grid = (plan.axes.len() == 2).then(|| {
            let (a, b) = (&plan.axes[0], &plan.axes[1]);
            let find = |x: &str, y: &str| {
                plan.cells
                    .iter()
                    .find(|c| c.settings == [(a.name.clone(), x.to_string()), (b.name.clone(), y.to_string())])
                    .map(|c| c.id)
            };
            Grid {
                rows: a.values.clone(),
                columns: b.values.clone(),
                cells: a.values.iter().map(|x| b.values.iter().map(|y| find(x, y)).collect()).collect(),
            }
        });
        MatrixReport {
            schema: SCHEMA.into(),
            plan: plan.id.clone(),
            project: plan.project.clone(),
            profile: plan.profile.clone(),
            scope: plan.scope,
            reps: plan.reps,
            measure,
            axes: plan.axes.clone(),
            baseline: plan.baseline,
            machines,
            done: runs.len(),
            planned: plan.cells.len() * plan.reps,
            cells,
            grid,
            no_effect,
        }
    }

    fn secs(f: Option<Figure>) -> String {
        match f {
            Some(f) if f.n > 1 => format!("{} ±{:.0}%", time(f.median), f.spread() * 50.0),
            Some(f) => time(f.median),
            None => "-".into(),
        }
    }

    /// "Time / Size" of a cell, as the seed's table has it.
    fn time_size(&self, c: &CellSummary) -> String {
        if c.failed.is_some() && c.build_us.is_none() {
            return "failed".into();
        }
        let t = c.time(self.measure).map_or("-".into(), |f| self::time(f.median));
        let s = c.size.map_or("-".into(), bytes);
        format!("{t} / {s}{}", if c.best { " *" } else { "" })
    }

    fn list(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("build", "build_us"),
            Column::right("hot", "hot_us"),
            Column::right("size", "size"),
            Column::right("stripped", "stripped_size"),
            Column::right("run", "run_us"),
            Column::right("change", "change"),
            Column::left("verdict", "verdict"),
            Column::left("cell", "cell"),
        ]);
        let mut order: Vec<&CellSummary> = self.cells.iter().collect();
        let key = |c: &CellSummary| c.figure(self.measure).unwrap_or(f64::INFINITY);
        order.sort_by(|a, b| key(a).total_cmp(&key(b)).then(a.id.cmp(&b.id)));
        let opt = |v: Option<u64>| v.map_or(("-".into(), String::new()), cells::bytes);
        let fig = |f: Option<Figure>| {
            (Self::secs(f), f.map_or(String::new(), |f| fastware_report::units::micros_text(f.median.ns())))
        };
        for c in order {
            let name = if c.best { format!("{} *", c.name) } else { c.name.clone() };
            let verdict = match &c.failed {
                Some(e) if c.build_us.is_none() => format!("failed: {e}"),
                _ => c.verdict.clone(),
            };
            t.row(vec![
                fig(c.build_us),
                fig(c.hot_us),
                opt(c.size),
                opt(c.stripped_size),
                fig(c.run_us),
                c.change.map_or(("-".into(), String::new()), |x| (format!("{:+.1}%", x * 100.0), format!("{x:.4}"))),
                cells::text(&verdict),
                (name, c.name.clone()),
            ]);
        }
        t
    }
}

impl Render for MatrixReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let machines: Vec<String> = self.machines.iter().map(|m| format!("{} ({} cores)", m.host, m.cores)).collect();
        out.line(format_args!(
            "matrix {}: {} cells × {} reps ({} of {} measured), profile {}, scope {}; on {}",
            self.plan,
            self.cells.len(),
            self.reps,
            self.done,
            self.planned,
            self.profile,
            if self.scope == Scope::All { "all (cold)" } else { "final (workspace members)" },
            if machines.is_empty() { "-".into() } else { machines.join(", ") }
        ))?;
        if self.machines.len() > 1 {
            out.line("note: measured on more than one machine: times of different machines are not comparable")?;
        }
        for a in &self.no_effect {
            out.line(format_args!(
                "warning: `{a}` changed none of rustc's flags for the workspace's crates: cargo ignored it \
                 (a mistyped key?) — no verdict for it"
            ))?;
        }
        let base = &self.cells[self.baseline];
        out.line(format_args!("baseline: {} — {}", base.name, self.time_size(base)))?;
        if let Some(g) = &self.grid {
            let what = match self.measure {
                Measure::Hot => "Hot rebuild",
                Measure::Run => "Run time",
                _ => "Build time",
            };
            let mut cols = vec![Column::left(&self.axes[0].name, "row")];
            for c in &g.columns {
                cols.push(Column::right(&format!("{}={c}", crate::plan::short_key(&self.axes[1].name)), c));
            }
            let mut t = Table::new(cols);
            for (r, row) in g.rows.iter().zip(&g.cells) {
                let mut cells_ = vec![cells::text(r)];
                for id in row {
                    cells_.push(cells::text(&id.map_or("-".into(), |i| self.time_size(&self.cells[i]))));
                }
                t.row(cells_);
            }
            out.section(
                format!("{what} / size per cell (* best by {:?})", self.measure).to_lowercase(),
                &t,
                g.rows.len(),
            )?;
        }
        out.section("Cells, best first", &self.list(), self.cells.len())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.list())
    }
}

impl fastware_report::Kind for MatrixReport {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "matrix";
    const EARLIER: &'static [&'static str] = &["fastware/matrix/1"];

    /// Each measured cell's figure as a bar (median, the reps' range as a
    /// whisker; the best green), a numeric sweep's chart, then the tables.
    fn section(&self) -> Option<String> {
        use fastware_report::html::{bars, picture_and_text, Bar};
        let what = match self.measure {
            Measure::Build => "build time (median of the reps; the line: their range)",
            Measure::Hot => "hot rebuild (median of the reps; the line: their range)",
            Measure::Run => "run time (median of the runs; the line: their range)",
            Measure::Size => "artifact size",
        };
        let rows: Vec<Bar> = self
            .cells
            .iter()
            .filter_map(|c| {
                let colour = if c.best { Some("#2ca02c") } else { None };
                match self.measure {
                    Measure::Size => c.size.map(|s| Bar {
                        label: c.name.clone(),
                        value: s as f64,
                        shown: bytes(s),
                        interval: None,
                        colour,
                    }),
                    m => c.time(m).map(|f| Bar {
                        label: c.name.clone(),
                        value: f.median.micros(),
                        shown: time(f.median),
                        interval: (f.n > 1).then(|| (f.min.micros(), f.max.micros())),
                        colour,
                    }),
                }
            })
            .collect();
        let mut html = bars(&rows, what);
        if let Some(points) = crate::chart::sweep(self) {
            let svg = crate::chart::svg(self, &points);
            html.push_str(svg.find("<svg").map_or(&svg[..], |i| &svg[i..]));
        }
        if let Some(svg) = crate::chart::tradeoff(self) {
            html.push_str(&svg);
        }
        Some(picture_and_text(html, self))
    }

    fn from_kept(schema: &str, value: serde_json::Value) -> Result<Self, serde_json::Error> {
        let value = if schema == SCHEMA { value } else { crate::measure::upgrade_report(value) };
        serde_json::from_value(value)
    }

    fn show(&self, _top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        self.text(out)
    }
}
