//! Benchmarks measured in counts that do not move between runs
//! (`bench cargo --instructions`): per benchmark, what callgrind counted in
//! its iterations — instructions, data reads and writes, cache misses — per
//! iteration, with the functions the counts went to; and two such runs
//! compared exactly: no statistics, a change is called when it exceeds the
//! noise threshold.
//!
//! The counting itself (how a benchmark's iterations are isolated) is
//! `fastware_cargo::counted`'s; this module holds the figures, the rules
//! about them and their comparison.

use serde::{Deserialize, Serialize};

use fastware_report::units::count;
use fastware_report::{cells, Column, Error, Render, Table, Text};

use crate::saved::SavedResults;
use crate::Meta;

/// The `schema` of an [`InstructionRun`].
pub const SCHEMA: &str = "fastware/bench-instructions/1";

/// Below this many instructions per iteration, a benchmark may measure
/// nothing: an empty loop with `black_box` runs about 3 to 5 (issue 29:
/// evenfurther/pathfinding#833 had 7 of 14 benchmarks at 14–248, where the
/// compiler had folded the work away).
pub const NOTHING_BELOW: f64 = 50.0;

/// Where other threads ran during the iterations, their waiting moves the
/// count from run to run (up to about 0.1% on the fixture's two-thread
/// routine, README): a change must exceed this, or the noise if larger.
pub const THREADS_NOISE: f64 = 0.005;

/// A change smaller than this (relative) is no change. Counts of the same
/// binary and input are identical; between two builds of the same code in
/// different directories (`bench ab HEAD HEAD`) they can move by a few
/// instructions of the loop's own (its code placed at another address):
/// this is well above what the fixtures' A/A runs showed (bench/README.md).
pub const DEFAULT_NOISE: f64 = 0.001;

/// The events callgrind counted (with `--cache-sim=yes`), per iteration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub instructions: f64,
    pub reads: f64,
    pub writes: f64,
    /// I1mr + D1mr + D1mw.
    pub l1_misses: f64,
    /// ILmr + DLmr + DLmw.
    pub ll_misses: f64,
    /// L1 hits + 5·LL hits + 35·RAM accesses (gungraun's estimate).
    pub estimated_cycles: f64,
}

impl Counts {
    /// From callgrind's totals of `events` (`Ir Dr Dw I1mr D1mr D1mw ILmr
    /// DLmr DLmw`, any subset), over `iterations`.
    pub fn from_events(events: &[(String, u64)], iterations: u64) -> Counts {
        let get = |name: &str| events.iter().find(|(e, _)| e == name).map_or(0, |(_, v)| *v) as f64;
        let (ir, dr, dw) = (get("Ir"), get("Dr"), get("Dw"));
        let l1 = get("I1mr") + get("D1mr") + get("D1mw");
        let ll = get("ILmr") + get("DLmr") + get("DLmw");
        let ram = ll;
        let l1_hits = ir + dr + dw - l1;
        let ll_hits = l1 - ll;
        let n = iterations.max(1) as f64;
        Counts {
            instructions: ir / n,
            reads: dr / n,
            writes: dw / n,
            l1_misses: l1 / n,
            ll_misses: ll / n,
            estimated_cycles: (l1_hits + 5.0 * ll_hits + 35.0 * ram) / n,
        }
    }
}

/// A function's instructions in a benchmark's iterations (all of them, not
/// per iteration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCounts {
    pub function: String,
    pub self_instructions: u64,
    pub inclusive_instructions: u64,
}

/// One benchmark, counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counted {
    pub name: String,
    /// The bench target it belongs to.
    pub target: String,
    /// Iterations counted (1 for a whole run).
    pub iterations: u64,
    /// `iterations` (criterion's routine, isolated) or `run` (the whole
    /// process of a bench target that is not criterion's).
    pub measure: String,
    pub per_iteration: Counts,
    /// callgrind's totals, by event, of the counted iterations.
    pub totals: Vec<(String, u64)>,
    /// The functions that ran in the iterations, most instructions of their own first.
    pub functions: Vec<FunctionCounts>,
    /// Why it may measure nothing, with the figures (see [`NOTHING_BELOW`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measures_nothing: Option<String>,
    /// The recording (callgrind's dump of the iterations).
    pub recording: String,
    /// Other threads ran during the iterations (their instructions are counted).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub threads: bool,
}

/// A benchmark that could not be counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failed {
    pub name: String,
    pub target: String,
    pub why: String,
}

/// `bench cargo --instructions`: every benchmark counted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstructionRun {
    pub schema: String,
    /// `criterion X.Y.Z`, or `whole runs` when no criterion was found.
    pub harness: String,
    /// valgrind's version.
    pub valgrind: String,
    /// Whether cache misses are shown (they are always counted).
    pub cache_sim: bool,
    pub benchmarks: Vec<Counted>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<Failed>,
    /// Stopped by Ctrl-C: the benchmarks not counted by then are missing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Wall-time results of the same benchmarks (`--repeat N --instructions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<SavedResults>,
}

impl InstructionRun {
    pub fn new(harness: String, valgrind: String, cache_sim: bool, mut benchmarks: Vec<Counted>) -> InstructionRun {
        flag_nothing(&mut benchmarks);
        InstructionRun {
            schema: SCHEMA.into(),
            harness,
            valgrind,
            cache_sim,
            benchmarks,
            failed: Vec::new(),
            interrupted: false,
            notes: Vec::new(),
            meta: None,
            timing: None,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Counted> {
        self.benchmarks.iter().find(|b| b.name == name)
    }

    fn table(&self) -> Table {
        let mut cols = vec![
            Column::right("instructions", "instructions"),
            Column::right("reads", "reads"),
            Column::right("writes", "writes"),
        ];
        if self.cache_sim {
            cols.extend([
                Column::right("L1 misses", "l1_misses"),
                Column::right("LL misses", "ll_misses"),
                Column::right("est. cycles", "estimated_cycles"),
            ]);
        }
        cols.push(Column::right("iterations", "iterations"));
        if self.timing.is_some() {
            cols.push(Column::right("time", "time_us"));
        }
        cols.push(Column::left("benchmark", "name"));
        let mut t = Table::new(cols);
        for b in &self.benchmarks {
            let c = &b.per_iteration;
            let mut row = vec![figure(c.instructions), figure(c.reads), figure(c.writes)];
            if self.cache_sim {
                row.extend([figure(c.l1_misses), figure(c.ll_misses), figure(c.estimated_cycles)]);
            }
            row.push(cells::count(b.iterations));
            if let Some(timing) = &self.timing {
                // the estimate of the timed runs (criterion's mean per iteration)
                row.push(match timing.benchmarks.iter().find(|t| t.name == b.name) {
                    Some(t) => (
                        fastware_report::units::precise_duration(t.estimate_us.ns()),
                        (t.estimate_us.ns() / 1e3).to_string(),
                    ),
                    None => cells::text("-"),
                });
            }
            let mut name = b.name.clone();
            if b.threads {
                name.push_str(" (threads)");
            }
            if b.measures_nothing.is_some() {
                name.push_str(" (!)");
            }
            row.push(cells::text(&name));
            t.row(row);
        }
        t
    }
}

/// A per-iteration figure: whole when it is, one decimal when not.
fn figure(v: f64) -> (String, String) {
    let text = if (v - v.round()).abs() < 1e-9 { count(v.round() as u64) } else { format!("{v:.1}") };
    (text, v.to_string())
}

/// Flags the benchmarks that may measure nothing: too few instructions per
/// iteration, or the same count for every input of one function (ids
/// `GROUP/FUNCTION/INPUT` with numeric inputs).
fn flag_nothing(benchmarks: &mut [Counted]) {
    let same_for_inputs: Vec<String> = {
        let mut by_function: std::collections::BTreeMap<&str, Vec<(f64, f64)>> = Default::default();
        for b in benchmarks.iter() {
            let Some((function, input)) = b.name.rsplit_once('/') else { continue };
            let Ok(input) = input.parse::<f64>() else { continue };
            by_function.entry(function).or_default().push((input, b.per_iteration.instructions));
        }
        by_function
            .into_iter()
            .filter(|(_, v)| {
                v.len() >= 2 && v.iter().any(|(i, _)| *i != v[0].0) && v.iter().all(|(_, c)| (c - v[0].1).abs() < 0.5)
            })
            .map(|(f, _)| f.to_string())
            .collect()
    };
    for b in benchmarks.iter_mut().filter(|b| b.measure == "iterations") {
        let n = b.per_iteration.instructions;
        if n < NOTHING_BELOW {
            b.measures_nothing = Some(format!(
                "{n:.1} instructions per iteration (under {NOTHING_BELOW}): the work may have been optimised away; is its input passed through `black_box`?"
            ));
        } else if let Some(f) =
            b.name.rsplit_once('/').map(|(f, _)| f).filter(|f| same_for_inputs.iter().any(|s| s == f))
        {
            b.measures_nothing = Some(format!(
                "{n:.0} instructions per iteration for every input of {f}: the input may not reach the work (optimised away? see `black_box`)"
            ));
        }
    }
}

impl Render for InstructionRun {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "{} counted by callgrind ({}; {}), per iteration — the same for the same binary whatever the machine is doing",
            fastware_report::units::counted(self.benchmarks.len(), "benchmark"),
            self.valgrind,
            self.harness
        ))?;
        out.table(&self.table())?;
        let nothing: Vec<&Counted> = self.benchmarks.iter().filter(|b| b.measures_nothing.is_some()).collect();
        if !nothing.is_empty() {
            out.blank()?;
            out.line("May measure nothing:")?;
            for b in nothing {
                out.line(format_args!("  {}: {}", b.name, b.measures_nothing.as_deref().unwrap_or_default()))?;
                for f in b.functions.iter().filter(|f| f.self_instructions > 0).take(3) {
                    out.line(format_args!(
                        "    {:.1} instructions per iteration in {}",
                        f.self_instructions as f64 / b.iterations.max(1) as f64,
                        f.function
                    ))?;
                }
            }
        }
        for f in &self.failed {
            out.line(format_args!("not counted: {} ({}): {}", f.name, f.target, f.why))?;
        }
        if self.benchmarks.iter().any(|b| b.threads) {
            out.line("(threads): other threads ran during the iterations; their instructions are counted too, and how long they spin waiting can move the count a little from run to run")?;
        }
        for n in &self.notes {
            out.line(format_args!("note: {n}"))?;
        }
        if let Some(t) = &self.timing {
            out.blank()?;
            crate::RunReport(t.clone()).text(out)?;
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}

/// One benchmark in both runs, compared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountChange {
    pub name: String,
    pub base: Counts,
    pub new: Counts,
    /// new/base − 1 of instructions per iteration.
    pub change: f64,
    pub reads_change: f64,
    pub writes_change: f64,
    /// `regressed`, `improved`, `no change`.
    pub verdict: String,
    /// The functions whose instructions moved most (per iteration: base, new).
    pub functions: Vec<FunctionChange>,
    /// The same benchmark's time, compared between runs, when both sides
    /// were timed too (`bench cargo --repeat N --instructions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<TimeChange>,
}

/// A benchmark's wall-time change, as `bench compare` finds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeChange {
    /// new/base − 1 of the compared statistic.
    pub change: f64,
    /// The confidence interval of the change, when samples gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    pub verdict: String,
}

impl TimeChange {
    fn shown(&self) -> String {
        // a change that rounds to 0 is +0%, not -0%
        let pct = |c: f64| format!("{:+.0}%", (c * 100.0).round() + 0.0);
        match (self.low, self.high) {
            (Some(l), Some(h)) => format!("{} [{}, {}] {}", pct(self.change), pct(l), pct(h), self.verdict),
            _ => format!("{} {}", pct(self.change), self.verdict),
        }
    }
}

/// The times of both runs compared, by benchmark, when both hold times.
fn times_compared(base: &InstructionRun, new: &InstructionRun) -> std::collections::BTreeMap<String, TimeChange> {
    let (Some(b), Some(n)) = (&base.timing, &new.timing) else { return Default::default() };
    let here = std::path::Path::new("");
    let (Ok(b), Ok(n)) = (b.results(here), n.results(here)) else { return Default::default() };
    let Ok(c) = crate::compare(&b, &n, &crate::Options::default()) else { return Default::default() };
    c.rows
        .iter()
        .map(|r| {
            let (low, high) = r.ratio_ci.map_or((None, None), |(l, h)| (Some(l - 1.0), Some(h - 1.0)));
            (r.name.clone(), TimeChange { change: r.change(), low, high, verdict: r.verdict.name().to_string() })
        })
        .collect()
}

/// A function's instructions per iteration in both runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionChange {
    pub function: String,
    pub base_self: f64,
    pub new_self: f64,
    pub base_inclusive: f64,
    pub new_inclusive: f64,
}

/// Two counted runs compared (`bench compare`, `bench ab --instructions`, `runs diff`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountComparison {
    pub schema: String,
    pub base: String,
    pub new: String,
    pub noise: f64,
    pub benchmarks: Vec<CountChange>,
    pub only_in_base: Vec<String>,
    pub only_in_new: Vec<String>,
    pub regressed: usize,
    pub improved: usize,
    pub no_change: usize,
}

/// A function name without the hash suffixes that differ between builds.
fn matched_name(name: &str) -> &str {
    match name.find(".llvm.") {
        Some(i) => &name[..i],
        None => name,
    }
}

fn rel(base: f64, new: f64) -> f64 {
    if base > 0.0 {
        new / base - 1.0
    } else if new > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

impl CountComparison {
    /// Compares `new` with `base`; a change is called beyond `noise` (relative).
    pub fn new(base_label: &str, base: &InstructionRun, new_label: &str, new: &InstructionRun, noise: f64) -> Self {
        let mut rows = Vec::new();
        let mut times = times_compared(base, new);
        for b in &base.benchmarks {
            let Some(n) = new.get(&b.name) else { continue };
            let change = rel(b.per_iteration.instructions, n.per_iteration.instructions);
            let noise = if b.threads || n.threads { noise.max(THREADS_NOISE) } else { noise };
            let verdict = if change > noise {
                "regressed"
            } else if change < -noise {
                "improved"
            } else {
                "no change"
            };
            rows.push(CountChange {
                name: b.name.clone(),
                base: b.per_iteration,
                new: n.per_iteration,
                change,
                reads_change: rel(b.per_iteration.reads, n.per_iteration.reads),
                writes_change: rel(b.per_iteration.writes, n.per_iteration.writes),
                verdict: verdict.into(),
                functions: function_changes(b, n),
                time: times.remove(&b.name),
            });
        }
        rows.sort_by(|a, b| b.change.total_cmp(&a.change).then_with(|| a.name.cmp(&b.name)));
        let count_of = |v: &str| rows.iter().filter(|r| r.verdict == v).count();
        CountComparison {
            schema: "fastware/bench-instructions-compare/1".into(),
            base: base_label.into(),
            new: new_label.into(),
            noise,
            regressed: count_of("regressed"),
            improved: count_of("improved"),
            no_change: count_of("no change"),
            only_in_base: base
                .benchmarks
                .iter()
                .filter(|b| new.get(&b.name).is_none())
                .map(|b| b.name.clone())
                .collect(),
            only_in_new: new
                .benchmarks
                .iter()
                .filter(|b| base.get(&b.name).is_none())
                .map(|b| b.name.clone())
                .collect(),
            benchmarks: rows,
        }
    }

    /// The benchmarks that regressed by more than `limit` (relative), for `--fail-on-regression`.
    pub fn regressed_beyond(&self, limit: f64) -> Vec<String> {
        self.benchmarks
            .iter()
            .filter(|r| r.verdict == "regressed" && r.change > limit)
            .map(|r| format!("{} (+{:.2}% instructions)", r.name, r.change * 100.0))
            .collect()
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("base", "base_instructions"),
            Column::right("new", "new_instructions"),
            Column::right("change", "change"),
            Column::right("reads", "reads_change"),
            Column::right("writes", "writes_change"),
            Column::left("verdict", "verdict"),
        ]);
        let timed = self.benchmarks.iter().any(|r| r.time.is_some());
        if timed {
            t.columns.push(Column::left("time (between runs)", "time"));
        }
        t.columns.push(Column::left("benchmark", "name"));
        let pct = |c: f64| (format!("{:+.2}%", c * 100.0), format!("{c:.6}"));
        for r in &self.benchmarks {
            let mut row = vec![
                figure(r.base.instructions),
                figure(r.new.instructions),
                pct(r.change),
                pct(r.reads_change),
                pct(r.writes_change),
                cells::text(&r.verdict),
            ];
            if timed {
                row.push(cells::text(&r.time.as_ref().map_or_else(|| "-".to_string(), TimeChange::shown)));
            }
            row.push(cells::text(&r.name));
            t.row(row);
        }
        t
    }
}

/// The functions whose instructions per iteration moved most between the
/// two counts of one benchmark, matched by name.
fn function_changes(base: &Counted, new: &Counted) -> Vec<FunctionChange> {
    let per = |c: &Counted, v: u64| v as f64 / c.iterations.max(1) as f64;
    let mut all: std::collections::BTreeMap<&str, FunctionChange> = Default::default();
    let blank = |f: &str| FunctionChange {
        function: f.to_string(),
        base_self: 0.0,
        new_self: 0.0,
        base_inclusive: 0.0,
        new_inclusive: 0.0,
    };
    for f in &base.functions {
        let e = all.entry(matched_name(&f.function)).or_insert_with(|| blank(matched_name(&f.function)));
        e.base_self += per(base, f.self_instructions);
        e.base_inclusive += per(base, f.inclusive_instructions);
    }
    for f in &new.functions {
        let e = all.entry(matched_name(&f.function)).or_insert_with(|| blank(matched_name(&f.function)));
        e.new_self += per(new, f.self_instructions);
        e.new_inclusive += per(new, f.inclusive_instructions);
    }
    let mut v: Vec<FunctionChange> = all
        .into_values()
        .filter(|f| (f.new_self - f.base_self).abs() >= 0.5 || (f.new_inclusive - f.base_inclusive).abs() >= 0.5)
        .collect();
    v.sort_by(|a, b| (b.new_self - b.base_self).abs().total_cmp(&(a.new_self - a.base_self).abs()));
    v.truncate(5);
    v
}

impl Render for CountComparison {
    /// A forest plot of the instruction counts' changes (exact: no
    /// interval), each benchmark's time change with its interval beneath
    /// it when both sides were timed too; then the text.
    fn html(&self) -> Option<String> {
        use fastware_report::html::{forest, picture_and_text, verdict_colour, ForestRow};
        let mut rows = Vec::new();
        for r in &self.benchmarks {
            rows.push(ForestRow {
                label: format!("{} (instructions)", r.name),
                change: r.change,
                interval: None,
                colour: verdict_colour(&r.verdict),
                verdict: r.verdict.clone(),
            });
            if let Some(t) = &r.time {
                rows.push(ForestRow {
                    label: format!("{} (time)", r.name),
                    change: t.change,
                    interval: t.low.zip(t.high),
                    colour: verdict_colour(&t.verdict),
                    verdict: t.verdict.clone(),
                });
            }
        }
        let what = format!(
            "instructions per iteration, new vs base, counted exactly; times (where timed) with their interval; shaded: ±{:.2}% noise threshold of counts",
            self.noise * 100.0
        );
        Some(picture_and_text(forest(&rows, self.noise, &what), self))
    }

    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!("base: {}", self.base))?;
        out.line(format_args!("new:  {}", self.new))?;
        out.line(format_args!(
            "{} regressed, {} improved, {} no change — instructions per iteration, counted exactly (a change within {:.2}% is no change)",
            self.regressed,
            self.improved,
            self.no_change,
            self.noise * 100.0
        ))?;
        out.table(&self.table())?;
        for r in self.benchmarks.iter().filter(|r| r.verdict != "no change" && !r.functions.is_empty()) {
            out.blank()?;
            out.line(format_args!(
                "{}: the functions that changed (instructions per iteration, self / inclusive)",
                r.name
            ))?;
            for f in &r.functions {
                out.line(format_args!(
                    "  {:+.1} self ({:.1} → {:.1}), {:+.1} inclusive  {}",
                    f.new_self - f.base_self,
                    f.base_self,
                    f.new_self,
                    f.new_inclusive - f.base_inclusive,
                    f.function
                ))?;
            }
        }
        for (what, names) in [("only in base", &self.only_in_base), ("only in new", &self.only_in_new)] {
            if !names.is_empty() {
                out.line(format_args!("{what}: {}", names.join(", ")))?;
            }
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }

    fn markdown(&self) -> Result<String, Error> {
        use fastware_report::markdown::{self, cell, code, Compared};
        let timed = self.benchmarks.iter().any(|r| r.time.is_some());
        let pct = |c: f64| format!("{:+.2}%", c * 100.0);
        let rows = self
            .benchmarks
            .iter()
            .map(|r| {
                let mut cells = vec![
                    code(&r.name),
                    figure(r.base.instructions).0,
                    figure(r.new.instructions).0,
                    pct(r.change),
                    pct(r.reads_change),
                    pct(r.writes_change),
                ];
                if timed {
                    cells.push(cell(&r.time.as_ref().map_or_else(|| "-".to_string(), TimeChange::shown)));
                }
                Compared { verdict: r.verdict.clone(), change: r.change, cells }
            })
            .collect();
        let mut header = vec!["benchmark", "base:", "new:", "instructions:", "reads:", "writes:"];
        if timed {
            header.push("time (between runs)");
        }
        let note = format!(
            "instructions per iteration, counted exactly under valgrind (base: {} — new: {}); a change within {:.2}% is no change",
            cell(&self.base),
            cell(&self.new),
            self.noise * 100.0
        );
        let headline = format!(
            "fastware bench --instructions: {} regressed, {} improved, {} no change",
            self.regressed, self.improved, self.no_change
        );
        Ok(markdown::comparison(&headline, &header, rows, &[note]))
    }
}

impl fastware_report::Kind for InstructionRun {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "bench";
    const METRICS: &'static str = "NAME:instructions, NAME:reads, NAME:writes, NAME:cycles (counts per iteration)";
    const COMPARED_ON_PAGE: bool = true;

    fn show(&self, _top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        self.text(out)
    }

    /// Instructions per iteration of each benchmark as bars (orange: it
    /// may measure nothing), then the text.
    fn section(&self) -> Option<String> {
        use fastware_report::html::{bars, picture_and_text, Bar};
        let rows: Vec<Bar> = self
            .benchmarks
            .iter()
            .map(|b| Bar {
                label: b.name.clone(),
                value: b.per_iteration.instructions,
                shown: format!("{} instructions", count(b.per_iteration.instructions.round() as u64)),
                interval: None,
                colour: b.measures_nothing.is_some().then_some("#ff7f0e"),
            })
            .collect();
        Some(picture_and_text(bars(&rows, "instructions per iteration (orange: may measure nothing)"), self))
    }

    fn metric(&self, name: &str) -> Option<fastware_report::Metric> {
        let (bench, what) = name.rsplit_once(':')?;
        let c = &self.get(bench)?.per_iteration;
        let v = match what {
            "instructions" => c.instructions,
            "reads" => c.reads,
            "writes" => c.writes,
            "cycles" => c.estimated_cycles,
            _ => return None,
        };
        Some(fastware_report::Metric::Count(v))
    }

    fn diff(
        base: &Self,
        new: &Self,
        ctx: &fastware_report::DiffContext<'_, Self>,
    ) -> Result<Option<Box<dyn fastware_report::DynRender>>, Error> {
        fastware_report::compared(CountComparison::new(&ctx.base_label, base, &ctx.new_label, new, DEFAULT_NOISE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(name: &str, instructions: u64, iterations: u64) -> Counted {
        let totals = vec![("Ir".to_string(), instructions * iterations)];
        Counted {
            name: name.into(),
            target: "t".into(),
            iterations,
            measure: "iterations".into(),
            per_iteration: Counts::from_events(&totals, iterations),
            totals,
            functions: Vec::new(),
            measures_nothing: None,
            recording: String::new(),
            threads: false,
        }
    }

    #[test]
    fn gungraun_s_cycle_estimate() {
        // 100 instructions, 20 reads, 10 writes; 6 L1 misses of which 2 reach RAM
        let events: Vec<(String, u64)> = [
            ("Ir", 100),
            ("Dr", 20),
            ("Dw", 10),
            ("I1mr", 1),
            ("D1mr", 4),
            ("D1mw", 1),
            ("ILmr", 0),
            ("DLmr", 2),
            ("DLmw", 0),
        ]
        .iter()
        .map(|(e, v)| (e.to_string(), *v))
        .collect();
        let c = Counts::from_events(&events, 2);
        // L1 hits 130 − 6 = 124, LL hits 6 − 2 = 4, RAM 2: 124 + 20 + 70 = 214, over 2 iterations
        assert_eq!(c.estimated_cycles, 107.0);
        assert_eq!((c.instructions, c.reads, c.writes, c.l1_misses, c.ll_misses), (50.0, 10.0, 5.0, 3.0, 1.0));
    }

    #[test]
    fn counts_compare_exactly_against_the_noise() {
        let base =
            InstructionRun::new("c".into(), "v".into(), false, vec![counted("a", 1000, 10), counted("b", 1000, 10)]);
        let new =
            InstructionRun::new("c".into(), "v".into(), false, vec![counted("a", 1200, 10), counted("b", 1000, 10)]);
        let c = CountComparison::new("base", &base, "new", &new, DEFAULT_NOISE);
        assert_eq!((c.regressed, c.no_change), (1, 1));
        assert!((c.benchmarks[0].change - 0.2).abs() < 1e-12);
        assert_eq!(c.regressed_beyond(0.1).len(), 1);
        assert!(c.regressed_beyond(0.3).is_empty());
    }

    #[test]
    fn too_few_instructions_or_the_same_for_every_input_measure_nothing() {
        let r = InstructionRun::new(
            "c".into(),
            "v".into(),
            false,
            vec![
                counted("empty", 4, 10),
                counted("f/10", 900, 10),
                counted("f/100", 900, 10),
                counted("g/10", 90, 10),
                counted("g/100", 900, 10),
            ],
        );
        let flagged: Vec<&str> =
            r.benchmarks.iter().filter(|b| b.measures_nothing.is_some()).map(|b| b.name.as_str()).collect();
        assert_eq!(flagged, ["empty", "f/10", "f/100"]);
    }
}
