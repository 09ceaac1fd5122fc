//! The result of `fastware explain` (`fastware/explain/1`) and its text.

use std::collections::{BTreeMap, BTreeSet};
use std::io;

use fastware_report::kind::{DiffContext, DynRender, Kind, Metric};
use fastware_report::text::Text;
use fastware_report::units::count;
use fastware_report::{Error, Render};
use serde::{Deserialize, Serialize};

use crate::analysis::{Attributed, Events, Read, Sides};
use crate::code::{call_sites, code_change, simd_share, CallSite, CodeChange, Listings};
use crate::findings::Finding;

pub const SCHEMA: &str = "fastware/explain/1";

/// A side as the result names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideInfo {
    pub label: String,
    pub commit: Option<String>,
    pub binary: String,
}

/// A count on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub base: u64,
    pub new: u64,
    /// new/base − 1 (`null` when base is 0).
    pub change: Option<f64>,
}

impl Change {
    pub fn of(base: u64, new: u64) -> Change {
        Change { base, new, change: (base > 0).then(|| new as f64 / base as f64 - 1.0) }
    }
}

/// The cache simulation's figures (callgrind `--cache-sim=yes`): L1 and
/// last-level misses (instructions and data), and the estimated cycles
/// (L1 hits + 5 × last-level hits + 35 × last-level misses).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cache {
    pub l1_misses: Change,
    pub ll_misses: Change,
    pub estimated_cycles: Change,
}

impl Cache {
    /// From both recordings' totals.
    pub fn of(base: &std::path::Path, new: &std::path::Path) -> Result<Cache, Error> {
        let counts = |p: &std::path::Path| -> Result<fastware_bench::instructions::Counts, Error> {
            Ok(fastware_bench::instructions::Counts::from_events(&fastware_profile::callgrind::totals(p)?, 1))
        };
        let (b, n) = (counts(base)?, counts(new)?);
        let c = |x: f64, y: f64| Change::of(x.round() as u64, y.round() as u64);
        Ok(Cache {
            l1_misses: c(b.l1_misses, n.l1_misses),
            ll_misses: c(b.ll_misses, n.ll_misses),
            estimated_cycles: c(b.estimated_cycles, n.estimated_cycles),
        })
    }
}

/// The wall time of the timed runs, compared (filled in by the command).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeChange {
    pub runs: usize,
    pub base_us: f64,
    pub new_us: f64,
    pub change: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub verdict: String,
}

/// A function on one side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionSide {
    /// Instructions, reads and writes of its own code (with what is
    /// inlined into it, but a function matched through inlining).
    #[serde(rename = "self")]
    pub own: Events,
    /// With the calls it makes.
    pub inclusive_instructions: u64,
    /// How many times it was called.
    pub calls: u64,
    /// `out of line`, `inlined`, `not run`.
    pub status: String,
    /// The out-of-line functions its code ran in, when inlined.
    pub inlined_into: Vec<String>,
    /// Bytes of its out-of-line copies.
    pub size: u64,
}

/// A function's part of the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionRow {
    pub function: String,
    pub base: FunctionSide,
    pub new: FunctionSide,
    /// new − base of its own instructions.
    pub instructions_change: i64,
    /// Of the whole program's change of instructions.
    pub share: Option<f64>,
}

/// What is known of one of the top functions beyond its counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detail {
    pub function: String,
    /// Its machine code compared, when out of line on both sides.
    pub code: Option<CodeChange>,
    pub base_call_sites: Vec<CallSite>,
    pub new_call_sites: Vec<CallSite>,
    /// Of the instructions it ran, the share that was packed SIMD work.
    pub base_simd_share: f64,
    pub new_simd_share: f64,
}

/// `fastware explain BASE NEW`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub schema: String,
    pub command: String,
    pub base: SideInfo,
    pub new: SideInfo,
    pub time: Option<TimeChange>,
    pub instructions: Change,
    pub reads: Change,
    pub writes: Change,
    /// With `--cache-sim`: the whole program's cache misses and estimated cycles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache: Option<Cache>,
    /// Every function whose counts differ, largest change first.
    pub functions: Vec<FunctionRow>,
    pub rows_total: usize,
    pub details: Vec<Detail>,
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Both sides' code as a differential flamegraph draws it (`stack
    /// base new`, instructions, not scaled): each function's symbol, then
    /// the functions inlined where each instruction stands, outermost
    /// first (callgrind records calls, not call stacks); functions of
    /// other files (libc, the loader) one frame each. Heaviest first, at
    /// most [`fastware_profile::report::DIFFERENTIAL_STACKS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differential: Vec<String>,
    /// How many stacks there were in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub differential_total: Option<usize>,
}

/// A side's instructions as collapsed stacks: see [`Explanation::differential`].
fn inlined_stacks(r: &Read) -> Vec<(String, u64)> {
    let frame = |name: &str| name.replace(';', ":");
    let mut stacks: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for p in r.points.iter().filter(|p| p.events.instructions > 0) {
        let mut s = frame(&p.outer);
        for c in &p.chain {
            s.push(';');
            s.push_str(&frame(c));
        }
        *stacks.entry(s).or_default() += p.events.instructions;
    }
    for (name, (own, _)) in r.others.iter().filter(|(_, (own, _))| own.instructions > 0) {
        *stacks.entry(frame(name)).or_default() += own.instructions;
    }
    let mut out: Vec<(String, u64)> = stacks.into_iter().collect();
    out.sort();
    out
}

/// How many top functions get their code, call sites and rules looked at.
const DETAILED: usize = 5;

fn side_of(
    read: &Read,
    fns: &BTreeMap<String, Attributed>,
    hosts: &BTreeMap<String, BTreeSet<String>>,
    name: &str,
) -> FunctionSide {
    let a = fns.get(name);
    let (own, inclusive) = match (a, read.others.get(name)) {
        (Some(a), _) => (a.own, a.inclusive),
        (None, Some((e, incl))) => (*e, *incl),
        (None, None) => (Events::default(), 0),
    };
    let host = hosts.get(name);
    let out_of_line = host.is_some_and(|h| h.contains(name)) || read.others.contains_key(name);
    let inlined_into: Vec<String> =
        host.map(|h| h.iter().filter(|x| *x != name).cloned().collect()).unwrap_or_default();
    let status = if out_of_line {
        "out of line"
    } else if !inlined_into.is_empty() {
        "inlined"
    } else {
        "not run"
    };
    FunctionSide {
        own,
        inclusive_instructions: inclusive,
        calls: read.calls.iter().filter(|c| c.callee == name).map(|c| c.count).sum(),
        status: status.into(),
        inlined_into,
        size: read.sizes.get(name).copied().unwrap_or(0),
    }
}

impl Explanation {
    pub(crate) fn of(s: &Sides, top: usize) -> Explanation {
        let command = s.command.as_str();
        let info = |r: &Read| SideInfo {
            label: r.side.label.clone(),
            commit: r.side.commit.clone(),
            binary: r.side.binary.display().to_string(),
        };
        let (bt, nt) = (s.base.totals, s.new.totals);
        let total_change = nt.instructions as i64 - bt.instructions as i64;
        let names: BTreeSet<&String> =
            s.base_fns.keys().chain(s.new_fns.keys()).chain(s.base.others.keys()).chain(s.new.others.keys()).collect();
        let mut rows: Vec<FunctionRow> = names
            .into_iter()
            .map(|name| {
                let base = side_of(&s.base, &s.base_fns, &s.base_hosts, name);
                let new = side_of(&s.new, &s.new_fns, &s.new_hosts, name);
                let d = new.own.instructions as i64 - base.own.instructions as i64;
                FunctionRow {
                    function: name.clone(),
                    share: (total_change != 0).then(|| d as f64 / total_change as f64),
                    instructions_change: d,
                    base,
                    new,
                }
            })
            .filter(|r| r.instructions_change != 0 || r.base.own != r.new.own)
            .collect();
        // ranked by their part of the change, the way the program went: a
        // function whose code moves behind a call (or back) counts with
        // where it ran before, as the change of the two is its doing
        let grouped: BTreeMap<String, i64> = rows
            .iter()
            .filter_map(|r| {
                let b = crate::findings::boundary(s, r)?;
                let (base, new) = crate::findings::group_events(s, &b);
                Some((r.function.clone(), new.instructions as i64 - base.instructions as i64))
            })
            .collect();
        let sign = if total_change < 0 { -1 } else { 1 };
        let rank = |r: &FunctionRow| sign * grouped.get(&r.function).copied().unwrap_or(r.instructions_change);
        rows.sort_by(|a, b| rank(b).cmp(&rank(a)).then_with(|| a.function.cmp(&b.function)));
        // what a run's surroundings move (the loader, the environment's
        // length) is not part of the answer: under 0.1% of the program's
        // instructions and writes, a function is left out
        let small = |c: i64, base: u64| (c.unsigned_abs() as f64) < base as f64 * 0.001;
        rows.retain(|r| {
            !small(r.instructions_change, bt.instructions)
                || !small(r.new.own.writes as i64 - r.base.own.writes as i64, bt.instructions)
        });
        let rows_total = rows.len();
        let mut base_listings = Listings::new(&s.base.binary);
        let mut new_listings = Listings::new(&s.new.binary);
        let empty = Attributed::default();
        let details: Vec<Detail> = rows
            .iter()
            .take(DETAILED)
            .map(|r| {
                let name = &r.function;
                Detail {
                    function: name.clone(),
                    code: code_change(&mut base_listings, &mut new_listings, name),
                    base_call_sites: call_sites(&s.base, &mut base_listings, name),
                    new_call_sites: call_sites(&s.new, &mut new_listings, name),
                    base_simd_share: simd_share(&s.base, &mut base_listings, s.base_fns.get(name).unwrap_or(&empty)),
                    new_simd_share: simd_share(&s.new, &mut new_listings, s.new_fns.get(name).unwrap_or(&empty)),
                }
            })
            .collect();
        let findings = crate::findings::find(s, &rows, &details, &mut new_listings);
        let mut notes = Vec::new();
        for r in [&s.base, &s.new] {
            if !r.has_debug {
                notes.push(format!(
                    "{} has no line tables: functions inlined into others cannot be matched to themselves (build with `debug = \"line-tables-only\"`, or --debuginfo)",
                    r.side.label
                ));
            }
        }
        rows.truncate(if top == 0 { rows.len() } else { top.max(DETAILED) });
        Explanation {
            schema: SCHEMA.into(),
            command: command.into(),
            base: info(&s.base),
            new: info(&s.new),
            time: None,
            instructions: Change::of(bt.instructions, nt.instructions),
            reads: Change::of(bt.reads, nt.reads),
            writes: Change::of(bt.writes, nt.writes),
            cache: None,
            functions: rows,
            rows_total,
            details,
            findings,
            notes,
            differential: Vec::new(),
            differential_total: None,
        }
        .with_stacks(s)
    }

    fn with_stacks(mut self, s: &Sides) -> Explanation {
        use fastware_profile::report::{differential_of, heaviest};
        let (lines, total) = heaviest(differential_of(&inlined_stacks(&s.base), &inlined_stacks(&s.new), false));
        (self.differential, self.differential_total) = (lines, Some(total));
        self
    }

    /// The differential flamegraph of [`Explanation::differential`],
    /// inline, without script.
    fn flamegraph(&self) -> Option<String> {
        use fastware_profile::report::{flamegraph_svg, inline_svg};
        if self.differential.is_empty() {
            return None;
        }
        let title = format!("{} → {}", self.base.label, self.new.label);
        let svg = flamegraph_svg(&self.differential, &title, "instructions", false).ok()?;
        let cut = match self.differential_total {
            Some(n) if n > self.differential.len() => {
                format!(" (the heaviest {} of {n} stacks)", self.differential.len())
            }
            _ => String::new(),
        };
        Some(format!(
            "<p>Differential flamegraph{cut}: each function with the code inlined into it (callgrind records calls, not call stacks); widths are the new side's instructions, red grew, blue shrank</p><div class=\"flamegraph differential\">{}</div>",
            inline_svg(&svg)?
        ))
    }

    /// The change in one line: `time +15% [+11%, +19%] · instructions
    /// +18.0% · reads +3.1% · writes ×1.9`.
    pub fn headline(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.time {
            let pct = |c: f64| format!("{:+.0}%", (c * 100.0).round() + 0.0);
            parts.push(match (t.low, t.high) {
                (Some(l), Some(h)) => format!("time {} [{}, {}] ({})", pct(t.change), pct(l), pct(h), t.verdict),
                _ => format!("time {} ({})", pct(t.change), t.verdict),
            });
        }
        parts.push(format!("instructions {}", relative(&self.instructions)));
        parts.push(format!("reads {}", relative(&self.reads)));
        parts.push(format!("writes {}", relative(&self.writes)));
        if let Some(c) = &self.cache {
            parts.push(format!("L1 misses {}", relative(&c.l1_misses)));
            parts.push(format!("LL misses {}", relative(&c.ll_misses)));
            parts.push(format!("est. cycles {}", relative(&c.estimated_cycles)));
        }
        parts.join(" · ")
    }
}

/// `+18.0%`, or `×1.9` for a change beyond +100%.
pub fn relative(c: &Change) -> String {
    match c.change {
        Some(x) if x >= 1.0 => format!("×{:.1}", x + 1.0),
        Some(x) => format!("{:+.1}%", x * 100.0),
        None if c.new == 0 => "0".into(),
        None => format!("0 → {}", count(c.new)),
    }
}

fn signed(v: i64) -> String {
    if v >= 0 {
        format!("+{}", count(v as u64))
    } else {
        format!("-{}", count(v.unsigned_abs()))
    }
}

fn where_(f: &FunctionSide) -> String {
    match f.status.as_str() {
        "inlined" => format!("inlined into {}", f.inlined_into.join(", ")),
        "out of line" if f.calls > 0 => format!("out of line, {} calls", count(f.calls)),
        s => s.to_string(),
    }
}

impl Render for Explanation {
    fn text(&self, out: &mut Text<'_>) -> io::Result<()> {
        out.line(format_args!("base: {} ({})", self.base.label, self.base.binary))?;
        out.line(format_args!("new:  {} ({})", self.new.label, self.new.binary))?;
        out.line(format_args!("workload: {}", self.command))?;
        out.blank()?;
        out.line(self.headline())?;
        out.line(format_args!(
            "  instructions {} → {}, reads {} → {}, writes {} → {} (callgrind, exact)",
            count(self.instructions.base),
            count(self.instructions.new),
            count(self.reads.base),
            count(self.reads.new),
            count(self.writes.base),
            count(self.writes.new)
        ))?;
        out.blank()?;
        if self.functions.is_empty() {
            out.line("No function's counts changed.")?;
        } else {
            out.line("Functions by their part of the change (their own instructions; reads and writes):")?;
            let mut t = fastware_report::Table::new(vec![
                fastware_report::Column::right("change", "instructions_change"),
                fastware_report::Column::right("share", "share"),
                fastware_report::Column::right("base", "base_instructions"),
                fastware_report::Column::right("new", "new_instructions"),
                fastware_report::Column::right("writes", "writes"),
                fastware_report::Column::left("function", "function"),
            ]);
            for r in &self.functions {
                let moved = if r.base.status != r.new.status {
                    format!("  ({} → {})", where_(&r.base), where_(&r.new))
                } else {
                    String::new()
                };
                t.row(vec![
                    (signed(r.instructions_change), r.instructions_change.to_string()),
                    r.share
                        .map_or_else(|| ("-".into(), String::new()), |s| (format!("{:.0}%", s * 100.0), s.to_string())),
                    (count(r.base.own.instructions), r.base.own.instructions.to_string()),
                    (count(r.new.own.instructions), r.new.own.instructions.to_string()),
                    (
                        format!("{} → {}", count(r.base.own.writes), count(r.new.own.writes)),
                        format!("{}:{}", r.base.own.writes, r.new.own.writes),
                    ),
                    (format!("{}{moved}", r.function), r.function.clone()),
                ]);
            }
            out.table(&t)?;
            if self.rows_total > self.functions.len() {
                out.line(format_args!("  … {} more", self.rows_total - self.functions.len()))?;
            }
        }
        for d in &self.details {
            let Some(r) = self.functions.iter().find(|r| r.function == d.function) else { continue };
            out.blank()?;
            out.line(format_args!("{}", d.function))?;
            for (label, side, sites) in [("base", &r.base, &d.base_call_sites), ("new ", &r.new, &d.new_call_sites)] {
                let mut what = where_(side);
                if side.size > 0 {
                    what.push_str(&format!(", {} bytes", count(side.size)));
                }
                if !sites.is_empty() {
                    let shown: Vec<String> = sites
                        .iter()
                        .take(3)
                        .map(|c| {
                            let how = if c.indirect { ", through a register" } else { "" };
                            format!("{} × from {}{how}", count(c.calls), c.caller)
                        })
                        .collect();
                    what.push_str(&format!("; called {}", shown.join(", ")));
                }
                out.line(format_args!("  {label}: {what}"))?;
            }
            if let Some(c) = &d.code {
                let mut line = format!(
                    "  machine code: {} → {} instructions, {} added, {} removed",
                    c.base_instructions, c.new_instructions, c.added, c.removed
                );
                if !c.calls_appeared.is_empty() {
                    line.push_str(&format!("; calls that appeared: {}", c.calls_appeared.join(", ")));
                }
                if !c.calls_vanished.is_empty() {
                    line.push_str(&format!("; calls that vanished: {}", c.calls_vanished.join(", ")));
                }
                out.line(line)?;
            }
        }
        out.blank()?;
        if self.findings.is_empty() {
            out.line("Findings: none — no rule matched the evidence (the table above is where the change went)")?;
        } else {
            out.line("Findings:")?;
            for (i, f) in self.findings.iter().enumerate() {
                out.line(format_args!("  {}. {}", i + 1, f.title))?;
                for e in &f.evidence {
                    out.line(format_args!("     {e}"))?;
                }
                for w in &f.why {
                    out.line(format_args!("     why: {w}"))?;
                }
                out.line(format_args!("     try: {}", f.suggestion))?;
                out.line(format_args!("     test it: {}", f.test))?;
            }
        }
        for n in &self.notes {
            out.line(format_args!("note: {n}"))?;
        }
        Ok(())
    }

    fn markdown(&self) -> fastware_report::Result<String> {
        use fastware_report::markdown::{cell, code, details, prose, table};
        let mut s = format!("### fastware explain: {}\n\n", cell(&self.headline()));
        s.push_str(&format!(
            "instructions {} → {}, reads {} → {}, writes {} → {} (callgrind, exact) — base {}, new {}, workload {}\n\n",
            count(self.instructions.base),
            count(self.instructions.new),
            count(self.reads.base),
            count(self.reads.new),
            count(self.writes.base),
            count(self.writes.new),
            code(&self.base.label),
            code(&self.new.label),
            code(&self.command)
        ));
        let rows: Vec<Vec<String>> = self
            .functions
            .iter()
            .map(|r| {
                let moved = if r.base.status != r.new.status {
                    format!(" ({} → {})", cell(&where_(&r.base)), cell(&where_(&r.new)))
                } else {
                    String::new()
                };
                vec![
                    format!("{}{moved}", code(&r.function)),
                    signed(r.instructions_change),
                    r.share.map_or_else(|| "-".into(), |x| format!("{:.0}%", x * 100.0)),
                    count(r.base.own.instructions),
                    count(r.new.own.instructions),
                ]
            })
            .collect();
        if rows.is_empty() {
            s.push_str("No function's counts changed.\n\n");
        } else {
            let t = table(&["function", "change:", "share:", "base:", "new:"], &rows);
            let t = if self.rows_total > rows.len() {
                format!("{t}\n… {} more\n", self.rows_total - rows.len())
            } else {
                t
            };
            s.push_str(&details("the functions, by their part of the change", &t));
            s.push('\n');
        }
        let items: Vec<String> = self
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let more = format!(
                    "{}\n\n{}\n\n{}",
                    f.evidence.iter().map(|e| format!("- {}", prose(e))).collect::<Vec<_>>().join("\n"),
                    f.why.iter().map(|w| format!("- why: {}", prose(w))).collect::<Vec<_>>().join("\n"),
                    prose(&f.test)
                );
                fastware_report::markdown::finding(i + 1, &f.rule, &f.title, &f.suggestion, &more)
            })
            .collect();
        s.push_str(&fastware_report::markdown::findings(&items));
        Ok(s)
    }
}

impl Kind for Explanation {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "explain";
    const METRICS: &'static str = "instructions, reads, writes, time";

    fn show(&self, _top: Option<usize>, out: &mut Text<'_>) -> io::Result<()> {
        Render::text(self, out)
    }

    fn section(&self) -> Option<String> {
        use fastware_report::html::{escape, table};
        let mut t = fastware_report::Table::new(vec![
            fastware_report::Column::right("change", "instructions_change"),
            fastware_report::Column::right("share", "share"),
            fastware_report::Column::left("base", "base"),
            fastware_report::Column::left("new", "new"),
            fastware_report::Column::left("function", "function"),
        ]);
        for r in &self.functions {
            t.row(vec![
                (signed(r.instructions_change), String::new()),
                (r.share.map_or_else(|| "-".into(), |s| format!("{:.0}%", s * 100.0)), String::new()),
                (where_(&r.base), String::new()),
                (where_(&r.new), String::new()),
                (r.function.clone(), String::new()),
            ]);
        }
        // the functions whose instructions moved most, either side of zero
        let bars: Vec<fastware_report::html::Bar> = self
            .functions
            .iter()
            .take(15)
            .map(|r| fastware_report::html::Bar {
                label: r.function.clone(),
                value: r.instructions_change as f64,
                shown: signed(r.instructions_change),
                interval: None,
                colour: None,
            })
            .collect();
        let picture = if bars.is_empty() {
            String::new()
        } else {
            fastware_report::html::diverging(&bars, "instructions, new − base, per function (red: more, green: fewer)")
        };
        let mut html = format!(
            "<p>{} → {}, <code>{}</code></p><p><strong>{}</strong></p>{picture}{}{}",
            escape(&self.base.label),
            escape(&self.new.label),
            escape(&self.command),
            escape(&self.headline()),
            self.flamegraph().unwrap_or_default(),
            table(&t)
        );
        if !self.findings.is_empty() {
            html.push_str("<ol>");
            for f in &self.findings {
                html.push_str(&format!(
                    "<li><strong>{}</strong><br>{}<br>try: {}<br>test it: <code>{}</code></li>",
                    escape(&f.title),
                    f.evidence.iter().map(|e| escape(e)).collect::<Vec<_>>().join("<br>"),
                    escape(&f.suggestion),
                    escape(&f.test)
                ));
            }
            html.push_str("</ol>");
        }
        Some(html)
    }

    fn metric(&self, name: &str) -> Option<Metric> {
        let c = |c: &Change| Some(Metric::Count(c.change.unwrap_or(0.0) * 100.0));
        match name {
            "instructions" => c(&self.instructions),
            "reads" => c(&self.reads),
            "writes" => c(&self.writes),
            "time" => self.time.as_ref().map(|t| Metric::Count(t.change * 100.0)),
            _ => None,
        }
    }

    fn diff(_: &Self, _: &Self, _: &DiffContext<'_, Self>) -> Result<Option<Box<dyn DynRender>>, Error> {
        Ok(None)
    }
}
