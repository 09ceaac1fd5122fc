//! What `fastware profile` reports, as values (`--format json` is each
//! serialised), rendered as text and CSV; and flamegraphs.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use fastware_report::json::share;
use fastware_report::units::{count, duration};
use fastware_report::{cells, Column, Error, OutputFile, Render, Table, Text};

use crate::findings::Findings;
use crate::model::{Meta, Profile};
use crate::tasks::AsyncTasks;
use crate::usercode::UserCode;
use crate::views::{by_total, grouped, By, Neighbour, Row};

/// The `schema` of a kept `profile` result.
pub const SCHEMA: &str = "fastware/profile/1";

/// What was profiled, for headers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    #[serde(flatten)]
    pub meta: Meta,
    /// The cost of everything, in `unit`.
    pub total: u64,
}

impl Header {
    pub fn of(p: &Profile) -> Header {
        Header { meta: p.meta.clone(), total: p.total }
    }

    fn write(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let m = &self.meta;
        let over = m.duration_us.map(|d| format!(" over {}", duration((d * 1e3) as i64))).unwrap_or_default();
        let threads = match m.threads.len() {
            0 => String::new(),
            1 => " on 1 thread".into(),
            n => format!(" on {n} threads"),
        };
        let lost = if m.lost > 0 { format!(", {} lost", count(m.lost)) } else { String::new() };
        out.line(format_args!(
            "{}: {} {} of {}{over}{threads}{lost}; stacks: {}",
            m.tool,
            count(self.total),
            m.unit,
            m.event,
            m.unwinding
        ))?;
        if let Some(c) = &m.command {
            out.line(format_args!("command: {}", c.trim()))?;
        }
        if let Some(b) = &m.binary {
            let id =
                m.build_id.as_deref().map(|i| format!(" (build id {})", &i[..i.len().min(16)])).unwrap_or_default();
            out.line(format_args!("binary: {b}{id}"))?;
        }
        if let Some(c) = &m.commit {
            out.line(format_args!("commit: {c}"))?;
        }
        for n in &m.notes {
            out.line(format_args!("note: {n}"))?;
        }
        Ok(())
    }
}

/// A function (or group) and its costs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionRow {
    pub function: String,
    #[serde(rename = "self")]
    pub self_cost: u64,
    pub self_share: Option<f64>,
    #[serde(rename = "total")]
    pub total_cost: u64,
    pub total_share: Option<f64>,
    /// Only ever seen inlined into other functions (DWARF's inlined frames).
    #[serde(default)]
    pub inlined: bool,
    /// The functions inlined into this one where its samples fell, most
    /// first (a part of its self cost): the first few shown beneath it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inlined_leaves: Vec<Leaf>,
    /// For an inlined function ranked as a row (`--inlined-rows`): the
    /// function its samples fell in most, and how many others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inlined_into: Option<(String, usize)>,
}

/// Code inlined into a function, and the samples that fell in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Leaf {
    pub function: String,
    #[serde(rename = "self")]
    pub self_cost: u64,
    pub self_share: Option<f64>,
}

/// How many inlined leaves a row shows beneath it in the text (the JSON has all).
const LEAVES: usize = 3;

impl FunctionRow {
    fn of(r: &Row, all: u64) -> FunctionRow {
        FunctionRow {
            function: r.key.clone(),
            self_cost: r.self_cost,
            self_share: share(r.self_cost as f64, all as f64),
            total_cost: r.total_cost,
            total_share: share(r.total_cost as f64, all as f64),
            inlined: r.inlined,
            inlined_leaves: Vec::new(),
            inlined_into: None,
        }
    }
}

/// Per inlined function (its key): the outer function its samples were in
/// most, and how many others it was inlined into — every inlined frame of
/// the stacks, not only leaves.
fn inlined_into(p: &Profile, by: By) -> std::collections::HashMap<String, (String, usize)> {
    use std::collections::HashMap;
    let mut cost: HashMap<String, HashMap<String, u64>> = HashMap::new();
    for s in p.stacks.iter().flatten() {
        let mut outer: Option<u32> = None;
        // root first: the last real function above each inlined frame
        for &f in &s.frames {
            let func = &p.functions[f as usize];
            if !func.inlined {
                outer = Some(f);
                continue;
            }
            if let Some(o) = outer {
                let o = crate::views::key(&p.functions[o as usize], by);
                *cost.entry(crate::views::key(func, by)).or_default().entry(o).or_default() += s.weight;
            }
        }
    }
    cost.into_iter()
        .filter_map(|(inl, outers)| {
            let n = outers.len();
            let best = outers.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?;
            Some((inl, (best.0, n - 1)))
        })
        .collect()
}

/// Per outer function (its key): the inlined functions the samples' leaves
/// were in, with their cost, most first.
fn inlined_leaves(p: &Profile, by: By) -> std::collections::HashMap<String, Vec<(String, u64)>> {
    use std::collections::HashMap;
    let mut cost: HashMap<(String, String), u64> = HashMap::new();
    for s in p.stacks.iter().flatten() {
        let Some(&leaf) = s.frames.last() else { continue };
        let lf = &p.functions[leaf as usize];
        if !lf.inlined {
            continue;
        }
        let Some(&outer) = s.frames.iter().rev().find(|&&f| !p.functions[f as usize].inlined) else { continue };
        let outer = crate::views::key(&p.functions[outer as usize], by);
        *cost.entry((outer, format!("{} [inlined]", crate::views::key(lf, by)))).or_default() += s.weight;
    }
    let mut out: HashMap<String, Vec<(String, u64)>> = HashMap::new();
    for ((outer, leaf), c) in cost {
        out.entry(outer).or_default().push((leaf, c));
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
    out
}

fn pct(s: Option<f64>) -> (String, String) {
    match s {
        Some(v) => (format!("{:.1}%", v * 100.0), format!("{v:.4}")),
        None => ("-".into(), String::new()),
    }
}

fn function_table(rows: &[FunctionRow], title: &str) -> Table {
    table_of(rows, title, false)
}

/// The table, with each row's inlined leaves beneath it when `leaves`
/// (text only: CSV keeps one row per function).
fn table_of(rows: &[FunctionRow], title: &str, leaves: bool) -> Table {
    let mut t = Table::new(vec![
        Column::right("self", "self"),
        Column::right("self %", "self_share"),
        Column::right("total", "total"),
        Column::right("total %", "total_share"),
        Column::left(title, "function"),
    ]);
    for r in rows {
        t.row(vec![
            cells::count(r.self_cost),
            pct(r.self_share),
            cells::count(r.total_cost),
            pct(r.total_share),
            cells::text(&match (&r.inlined_into, r.inlined) {
                (Some((outer, 0)), _) => format!("{} [inlined into {outer}]", r.function),
                (Some((outer, n)), _) => format!("{} [inlined into {outer} and {n} more]", r.function),
                (None, true) => format!("{} [inlined]", r.function),
                (None, false) => r.function.clone(),
            }),
        ]);
        for l in r.inlined_leaves.iter().filter(|_| leaves).take(LEAVES) {
            t.row(vec![
                cells::count(l.self_cost),
                pct(l.self_share),
                cells::text(""),
                cells::text(""),
                cells::text(&format!("  ↳ {}", l.function)),
            ]);
        }
    }
    t
}

/// What `profile`'s top view is told beyond the profile.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The workspace's crates (empty: the crate of the binary's `main`).
    pub crates: Vec<String>,
    /// Keep the frames every stack passes through in "by total".
    pub all_frames: bool,
    /// Rows for inlined functions (else each function's inlined leaves
    /// beneath it, as perf report --no-inline ranks the functions).
    pub inlined_rows: bool,
}

/// `fastware profile` (schema `fastware/profile/1`): the user's own code,
/// the top functions by self cost and by total cost, and the findings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileReport {
    pub schema: String,
    pub header: Header,
    pub by: By,
    /// The hottest functions of the user's crates, with their hot lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_code: Option<UserCode>,
    /// An async program's CPU by the future each executor poll ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub async_tasks: Option<AsyncTasks>,
    /// Where threads waited off the CPU (a perf.data with context switches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_cpu: Option<crate::offcpu::OffCpu>,
    pub by_self: Vec<FunctionRow>,
    pub by_total: Vec<FunctionRow>,
    /// Functions (or groups) in the profile.
    pub rows_total: usize,
    /// Frames every stack passes through left out of `by_total` (`--all-frames` keeps them).
    #[serde(default)]
    pub left_out: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<Findings>,
    /// Where `--save` kept the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_to: Option<String>,
}

impl ProfileReport {
    pub fn new(p: &Profile, by: By, top: usize) -> ProfileReport {
        ProfileReport::with(p, by, top, &Context::default())
    }

    pub fn with(p: &Profile, by: By, top: usize, cx: &Context) -> ProfileReport {
        // the tables, and the user's code with the findings (which open the
        // program's files: a large library's symbols are read and sorted),
        // on both cores
        let tables = || {
            // the tables rank real (outer) functions, as perf report does, with
            // the inlined code their samples fell in beneath each; with
            // --inlined-rows, inlined functions are rows named with their outer one
            let any_inlined = by != By::Crate && p.functions.iter().any(|f| f.inlined);
            let outer = (any_inlined && !cx.inlined_rows)
                .then(|| crate::views::reshape(p, &crate::views::Shape { no_inline: true, ..Default::default() }).ok())
                .flatten();
            let leaves = if outer.is_some() { inlined_leaves(p, by) } else { Default::default() };
            let into = if any_inlined && outer.is_none() { inlined_into(p, by) } else { Default::default() };
            let row_of = |r: &Row| {
                let mut row = FunctionRow::of(r, p.total);
                if r.inlined {
                    row.inlined_into = into.get(&r.key).cloned();
                }
                row
            };
            let rows = grouped(outer.as_deref().unwrap_or(p), by);
            let n = rows.len();
            let by_self: Vec<FunctionRow> = cells::take(&rows, top)
                .iter()
                .map(|r| FunctionRow {
                    inlined_leaves: leaves.get(&r.key).map_or_else(Vec::new, |l| {
                        l.iter()
                            .map(|(f, c)| Leaf {
                                function: f.clone(),
                                self_cost: *c,
                                self_share: share(*c as f64, p.total as f64),
                            })
                            .collect()
                    }),
                    ..row_of(r)
                })
                .collect();
            let mut totals = by_total(rows);
            let mut left_out = Vec::new();
            if !cx.all_frames && by != By::Crate {
                totals.retain(|r| {
                    let scaffolding =
                        crate::usercode::is_scaffolding(&r.key, r.total_cost as f64 / p.total.max(1) as f64);
                    if scaffolding {
                        left_out.push(r.key.clone());
                    }
                    !scaffolding
                });
            }
            let by_total: Vec<FunctionRow> = cells::take(&totals, top).iter().map(row_of).collect();
            (by_self, by_total, n, left_out)
        };
        let user_side = || {
            let user = crate::usercode::User::of(p, &cx.crates);
            // the files are read once for the hot lines and the findings' machine code
            let mut modules = crate::annotate::Modules::default();
            let user_code = crate::usercode::summary(p, &user, &mut modules, 5);
            let findings = crate::findings::find(p, &user, &mut modules);
            // the files' symbols are freed while the report is written
            fastware_report::free_later(modules);
            (user_code, findings)
        };
        let ((by_self, by_total, n, left_out), (user_code, findings)) = rayon::join(tables, user_side);
        ProfileReport {
            schema: SCHEMA.into(),
            header: Header::of(p),
            by,
            user_code: (!user_code.functions.is_empty() || user_code.note.is_some()).then_some(user_code),
            async_tasks: crate::tasks::by_future(p, top),
            off_cpu: crate::offcpu::by_place(p, top.min(10)),
            by_self,
            by_total,
            rows_total: n,
            left_out,
            findings: Some(findings),
            saved_to: None,
        }
    }

    fn noun(&self) -> &'static str {
        match self.by {
            By::Function => "function",
            By::Instance => "instance",
            By::Crate => "crate",
        }
    }
}

/// The user-code summary as text.
fn write_user_code(u: &UserCode, unit: &str, out: &mut Text<'_>) -> std::io::Result<()> {
    out.blank()?;
    if let Some(n) = &u.note {
        return out.line(format_args!("Your code: not found — {n}"));
    }
    out.line(format!("Your code ({}): {:.1}% of all {unit} in its own code", u.crates.join(", "), u.share * 100.0))?;
    for f in &u.functions {
        out.line(format_args!("  {:>5.1}%  {}", f.self_share * 100.0, f.function))?;
        for l in &f.lines {
            out.line(format_args!("           {}:{}  {:.1}%", l.file, l.line, l.share * 100.0))?;
        }
        if !f.spends_in.is_empty() {
            let s: Vec<String> =
                f.spends_in.iter().map(|c| format!("{} {:.1}%", c.function, c.share * 100.0)).collect();
            out.line(format_args!("           calls: {}", s.join(", ")))?;
        }
    }
    if let Some(n) = &u.lines_note {
        out.line(format_args!("  ({n})"))?;
    }
    Ok(())
}

/// An async program's CPU by future as text.
fn write_async_tasks(a: &AsyncTasks, unit: &str, out: &mut Text<'_>) -> std::io::Result<()> {
    out.blank()?;
    if let Some(n) = &a.note {
        return out.line(format_args!("Async ({}): an executor ran; {n}", a.executor));
    }
    out.line(format_args!(
        "Async ({}): {:.1}% of all {unit} in the executor; by the future each task poll ran:",
        a.executor,
        a.share * 100.0
    ))?;
    for f in &a.futures {
        let what = match (crate::tasks::kind(&f.future), f.blocking) {
            ("function", _) => String::new(),
            (k, false) => format!("  ({k})"),
            (k, true) => format!("  ({k}, spawn_blocking)"),
        };
        let name = if what.is_empty() { &f.future } else { &f.within };
        out.line(format_args!("  {:>5.1}%  {name}{what}", f.share * 100.0))?;
    }
    if a.executor_own > 0 {
        out.line(format_args!(
            "  {:>5.1}%  the executor's own work (scheduling, waking, polling the OS)",
            a.executor_own_share * 100.0
        ))?;
    }
    Ok(())
}

fn write_off_cpu(o: &crate::offcpu::OffCpu, out: &mut Text<'_>) -> std::io::Result<()> {
    out.blank()?;
    out.line(format_args!(
        "Off CPU: threads waited {} in all ({} threads; from the context switches), by where they blocked:",
        duration(o.ns as i64),
        o.threads
    ))?;
    for w in &o.rows {
        let under =
            w.under.as_ref().filter(|u| **u != w.blocked_in).map(|u| format!("  under {u}")).unwrap_or_default();
        out.line(format_args!("  {:>9}  {:>5.1}%  {}{under}", duration(w.ns as i64), w.share * 100.0, w.blocked_in))?;
    }
    if o.rows_total > o.rows.len() {
        out.line(format_args!("  … {} more", o.rows_total - o.rows.len()))?;
    }
    Ok(())
}

/// The findings as text: why there are none, or each numbered.
fn write_findings(f: &Findings, out: &mut Text<'_>) -> std::io::Result<()> {
    if let Some(n) = &f.note {
        out.blank()?;
        return out.line(format_args!("no findings: {n}"));
    }
    fastware_report::finding::write(&f.findings, out)
}

impl Render for ProfileReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        self.header.write(out)?;
        let unit = &self.header.meta.unit;
        let noun = self.noun();
        if let Some(a) = &self.async_tasks {
            write_async_tasks(a, unit, out)?;
        }
        if let Some(o) = &self.off_cpu {
            write_off_cpu(o, out)?;
        }
        if let Some(u) = &self.user_code {
            write_user_code(u, unit, out)?;
        }
        let inlined = if self.by_self.iter().any(|r| !r.inlined_leaves.is_empty()) {
            "; ↳ code inlined into it, --inlined-rows ranks it apart"
        } else {
            ""
        };
        out.section(
            format!("By self {unit} (the {noun}'s own code; % of all {unit}{inlined})"),
            &table_of(&self.by_self, noun, true),
            self.rows_total,
        )?;
        let how = if self.header.meta.tool == "callgrind" {
            "as callgrind_annotate --inclusive=yes counts: the cost of the calls to it, recursion at each level"
        } else {
            "each stack counts it once"
        };
        let left = match self.left_out.len() {
            0 => String::new(),
            n => format!("; {n} frames every stack passes through left out: --all-frames keeps them"),
        };
        out.section(
            format!("By total {unit} (the {noun} and what it calls; {how}{left})"),
            &function_table(&self.by_total, noun),
            self.rows_total - self.left_out.len(),
        )?;
        if let Some(f) = &self.findings {
            write_findings(f, out)?;
        }
        out.saved_to(self.saved_to.as_deref())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(function_table(&self.by_self, "function"))
    }
}

impl fastware_report::Kind for ProfileReport {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "profile";

    fn show(&self, _top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        self.text(out)
    }
}

/// A neighbour in the call graph.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NeighbourRow {
    pub function: String,
    /// The cost on the edge.
    pub cost: u64,
    /// Of the function's total.
    pub share: Option<f64>,
    #[serde(rename = "self")]
    pub self_cost: u64,
    #[serde(rename = "total")]
    pub total_cost: u64,
}

/// `--callees FN` / `--callers FN` (schema `fastware/profile-calls/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallsReport {
    pub schema: String,
    pub header: Header,
    /// `callees` or `callers`.
    pub direction: String,
    pub function: FunctionRow,
    pub rows: Vec<NeighbourRow>,
    pub rows_total: usize,
}

impl CallsReport {
    pub fn new(p: &Profile, callees: bool, row: &Row, neighbours: &[Neighbour], top: usize) -> CallsReport {
        CallsReport {
            schema: "fastware/profile-calls/1".into(),
            header: Header::of(p),
            direction: if callees { "callees" } else { "callers" }.into(),
            function: FunctionRow::of(row, p.total),
            rows: cells::take(neighbours, top)
                .iter()
                .map(|n| NeighbourRow {
                    function: n.key.clone(),
                    cost: n.cost,
                    share: share(n.cost as f64, row.total_cost as f64),
                    self_cost: n.self_cost,
                    total_cost: n.total_cost,
                })
                .collect(),
            rows_total: neighbours.len(),
        }
    }

    fn table(&self) -> Table {
        let callees = self.direction == "callees";
        let mut t = Table::new(vec![
            Column::right(if callees { "in call" } else { "from it" }, "cost"),
            Column::right("% of fn", "share"),
            Column::right("self", "self"),
            Column::right("total", "total"),
            Column::left(if callees { "callee" } else { "caller" }, "function"),
        ]);
        for r in &self.rows {
            t.row(vec![
                cells::count(r.cost),
                pct(r.share),
                cells::count(r.self_cost),
                cells::count(r.total_cost),
                cells::text(&r.function),
            ]);
        }
        t
    }
}

impl Render for CallsReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        self.header.write(out)?;
        let f = &self.function;
        let unit = &self.header.meta.unit;
        out.blank()?;
        out.line(format_args!(
            "{}: self {} ({}), total {} ({}) {unit}",
            f.function,
            count(f.self_cost),
            pct(f.self_share).0,
            count(f.total_cost),
            pct(f.total_share).0
        ))?;
        let title = if self.direction == "callees" {
            format!("Its callees: {unit} in each when called from it (% of its total)")
        } else {
            format!("Its callers: its {unit} when called from each (% of its total)")
        };
        out.section(title, &self.table(), self.rows_total)
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}

/// One instruction of an annotated function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnnotatedLine {
    /// As `fastware asm` shows it.
    pub address: u64,
    pub text: String,
    /// Self cost at this instruction.
    pub cost: u64,
    pub share: Option<f64>,
    /// Callgrind: the inclusive cost of the call made here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_cost: Option<u64>,
    pub file: Option<String>,
    pub line: Option<u32>,
    /// Among the hottest instructions (the fewest that hold half the cost).
    pub hot: bool,
}

/// `--annotate FN` (schema `fastware/profile-annotate/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnnotateReport {
    pub schema: String,
    pub header: Header,
    pub function: String,
    pub address: u64,
    /// The function's self cost (the sum of `lines`' costs).
    pub cost: u64,
    /// Cost the profile has in the function at addresses outside its code.
    pub cost_elsewhere: u64,
    pub lines: Vec<AnnotatedLine>,
}

impl AnnotateReport {
    /// `lines`: every instruction of the listing with its costs; `share` and
    /// `hot` are filled in here.
    pub fn new(
        p: &Profile,
        function: &str,
        address: u64,
        mut lines: Vec<AnnotatedLine>,
        cost_elsewhere: u64,
    ) -> AnnotateReport {
        let cost: u64 = lines.iter().map(|l| l.cost).sum();
        // the hottest: the fewest instructions that hold half the cost
        let mut order: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].cost > 0).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(lines[i].cost));
        let mut acc = 0u64;
        for i in order {
            if acc * 2 >= cost {
                break;
            }
            acc += lines[i].cost;
            lines[i].hot = true;
        }
        for l in &mut lines {
            l.share = share(l.cost as f64, cost as f64);
        }
        AnnotateReport {
            schema: "fastware/profile-annotate/1".into(),
            header: Header::of(p),
            function: function.into(),
            address,
            cost,
            cost_elsewhere,
            lines,
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("address", "address"),
            Column::right("cost", "cost"),
            Column::right("share", "share"),
            Column::right("calls", "call_cost"),
            Column::left("instruction", "instruction"),
        ]);
        for l in &self.lines {
            t.row(vec![
                (format!("{:x}", l.address), l.address.to_string()),
                cells::count(l.cost),
                pct(l.share),
                l.call_cost.map_or((String::new(), String::new()), cells::count),
                cells::text(&l.text),
            ]);
        }
        t
    }
}

impl Render for AnnotateReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        self.header.write(out)?;
        let unit = &self.header.meta.unit;
        out.blank()?;
        out.line(format_args!(
            "{}  {:#x}: {} {unit} in its own code (> marks the fewest instructions that hold half of them)",
            self.function,
            self.address,
            count(self.cost)
        ))?;
        if self.cost_elsewhere > 0 {
            out.line(format_args!("  ({} {unit} at addresses outside the listing)", count(self.cost_elsewhere)))?;
        }
        let mut last: Option<(&str, u32)> = None;
        for l in &self.lines {
            if let (Some(f), Some(n)) = (&l.file, l.line) {
                if last != Some((f.as_str(), n)) {
                    out.line(format_args!("  {}:{n}", short(f)))?;
                    last = Some((f.as_str(), n));
                }
            }
            let cost = if l.cost > 0 { format!("{:>9} {:>6}", count(l.cost), pct(l.share).0) } else { " ".repeat(16) };
            let call = l.call_cost.map(|c| format!("    ; calls: {} {unit}", count(c))).unwrap_or_default();
            let mark = if l.hot { '>' } else { ' ' };
            out.line(format_args!("{mark} {cost}  {:>8x}  {}{call}", l.address, l.text))?;
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}

fn short(path: &str) -> String {
    fastware_binary::report::short_path(path)
}

/// Per function, its cost in two profiles.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChangeRow {
    pub function: String,
    pub base_self: u64,
    pub new_self: u64,
    pub base_total: u64,
    pub new_total: u64,
    /// Change of the self share of all cost, in percentage points.
    pub self_share_change: f64,
    pub total_share_change: f64,
}

/// `fastware profile diff A B` (schema `fastware/profile-diff/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileDiffReport {
    pub schema: String,
    pub base: Header,
    pub new: Header,
    pub by: By,
    /// Largest change of self share first.
    pub rows: Vec<ChangeRow>,
    pub rows_total: usize,
    /// Both sides' stacks as a differential flamegraph draws them (`stack
    /// base new`, the base scaled to the new total), heaviest first, at
    /// most [`DIFFERENTIAL_STACKS`]; empty without stacks (callgrind) or
    /// unless asked for ([`ProfileDiffReport::with_stacks`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differential: Vec<String>,
    /// How many stacks there were in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub differential_total: Option<usize>,
}

/// At most this many stacks of a comparison are kept for its picture.
pub const DIFFERENTIAL_STACKS: usize = 2_000;

/// Differential lines (`stack base new`), heaviest (base + new) first, cut
/// to [`DIFFERENTIAL_STACKS`]; and how many there were.
pub fn heaviest(mut lines: Vec<String>) -> (Vec<String>, usize) {
    let weight = |l: &String| -> f64 { l.rsplitn(3, ' ').take(2).filter_map(|w| w.parse::<f64>().ok()).sum() };
    lines.sort_by(|x, y| weight(y).total_cmp(&weight(x)).then_with(|| x.cmp(y)));
    let total = lines.len();
    lines.truncate(DIFFERENTIAL_STACKS);
    (lines, total)
}

impl ProfileDiffReport {
    /// With both sides' stacks for the differential flamegraph, when both
    /// have stacks.
    pub fn with_stacks(mut self, base: &Profile, new: &Profile) -> ProfileDiffReport {
        let (Ok(a), Ok(b)) = (crate::views::folded(base), crate::views::folded(new)) else { return self };
        let (lines, total) = heaviest(differential(&a, &b));
        (self.differential, self.differential_total) = (lines, Some(total));
        self
    }

    /// Whether two profiles can be compared: their costs are one unit.
    pub fn comparable(base: &Profile, new: &Profile) -> Result<(), Error> {
        if base.meta.unit != new.meta.unit {
            return Err(crate::ProfileError::DifferentUnits {
                base: base.meta.unit.clone(),
                new: new.meta.unit.clone(),
            }
            .into());
        }
        Ok(())
    }

    pub fn new(base: &Profile, new: &Profile, by: By, top: usize) -> ProfileDiffReport {
        use std::collections::BTreeMap;
        let mut m: BTreeMap<String, ChangeRow> = BTreeMap::new();
        let blank = |k: &str| ChangeRow {
            function: k.to_string(),
            base_self: 0,
            new_self: 0,
            base_total: 0,
            new_total: 0,
            self_share_change: 0.0,
            total_share_change: 0.0,
        };
        for r in grouped(base, by) {
            let e = m.entry(r.key.clone()).or_insert_with(|| blank(&r.key));
            e.base_self = r.self_cost;
            e.base_total = r.total_cost;
        }
        for r in grouped(new, by) {
            let e = m.entry(r.key.clone()).or_insert_with(|| blank(&r.key));
            e.new_self = r.self_cost;
            e.new_total = r.total_cost;
        }
        let frac = |c: u64, all: u64| if all == 0 { 0.0 } else { c as f64 / all as f64 * 100.0 };
        let mut rows: Vec<ChangeRow> = m
            .into_values()
            .map(|mut r| {
                r.self_share_change = frac(r.new_self, new.total) - frac(r.base_self, base.total);
                r.total_share_change = frac(r.new_total, new.total) - frac(r.base_total, base.total);
                r
            })
            .filter(|r| r.base_self != r.new_self || r.base_total != r.new_total)
            .collect();
        rows.sort_by(|a, b| {
            b.self_share_change.abs().total_cmp(&a.self_share_change.abs()).then_with(|| a.function.cmp(&b.function))
        });
        let n = rows.len();
        rows.truncate(if top == 0 { n } else { top });
        ProfileDiffReport {
            schema: "fastware/profile-diff/1".into(),
            base: Header::of(base),
            new: Header::of(new),
            by,
            rows,
            rows_total: n,
            differential: Vec::new(),
            differential_total: None,
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("Δ self", "self_share_change"),
            Column::right("Δ total", "total_share_change"),
            Column::right("base self", "base_self"),
            Column::right("new self", "new_self"),
            Column::right("base total", "base_total"),
            Column::right("new total", "new_total"),
            Column::left("function", "function"),
        ]);
        let pp = |v: f64| (format!("{v:+.1} pp"), format!("{v:.4}"));
        for r in &self.rows {
            t.row(vec![
                pp(r.self_share_change),
                pp(r.total_share_change),
                cells::count(r.base_self),
                cells::count(r.new_self),
                cells::count(r.base_total),
                cells::count(r.new_total),
                cells::text(&r.function),
            ]);
        }
        t
    }
}

impl Render for ProfileDiffReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let u = &self.new.meta.unit;
        out.line(format_args!("base: {} ({} {u})", self.base.meta.file, count(self.base.total)))?;
        out.line(format_args!("new:  {} ({} {u})", self.new.meta.file, count(self.new.total)))?;
        if self.base.meta.unit == "instructions" && self.new.meta.unit == "instructions" {
            let change = self.new.total as f64 / self.base.total.max(1) as f64 - 1.0;
            out.line(format_args!("instructions {:+.2}% (exact counts: every change is real)", change * 100.0))?;
        }
        out.section(
            "Functions by change of their share of all cost (percentage points; exact counts beside)",
            &self.table(),
            self.rows_total,
        )
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }

    /// The functions whose share of all cost moved most, as bars either
    /// side of zero (grew right, shrank left), and the differential
    /// flamegraph of the stacks (red grew, blue shrank), inline.
    fn html(&self) -> Option<String> {
        use fastware_report::html::{diverging, Bar};
        let bars: Vec<Bar> = self
            .rows
            .iter()
            // a share that moved less than 0.05 points is drawn as nothing
            .filter(|r| r.self_share_change.abs() >= 0.05)
            .take(15)
            .map(|r| Bar {
                label: r.function.clone(),
                value: r.self_share_change,
                shown: format!("{:+.1} pp", r.self_share_change),
                interval: None,
                colour: None,
            })
            .collect();
        let mut html = String::new();
        if !bars.is_empty() {
            html.push_str(&diverging(&bars, "change of each function's self share of all cost (percentage points)"));
        }
        if !self.differential.is_empty() {
            let title = format!("{} → {}", self.base.meta.file, self.new.meta.file);
            let svg = flamegraph_svg(&self.differential, &title, &self.new.meta.unit, false).ok()?;
            let cut = match self.differential_total {
                Some(n) if n > self.differential.len() => {
                    format!(" (the heaviest {} of {n} stacks)", self.differential.len())
                }
                _ => String::new(),
            };
            html.push_str(&format!(
                "<p>Differential flamegraph{cut}: widths are the new run's, red grew, blue shrank</p><div class=\"flamegraph differential\">{}</div>",
                inline_svg(&svg)?
            ));
        }
        (!html.is_empty()).then_some(html)
    }
}

/// An SVG inferno drew, made fit for a page that runs no script: without
/// its XML prolog and doctype, and without what inferno keeps for its
/// script even with `no_javascript` (its settings, `onload`).
pub fn inline_svg(svg: &[u8]) -> Option<String> {
    let svg = String::from_utf8_lossy(svg);
    let svg = svg.find("<svg").map_or(&*svg, |i| &svg[i..]);
    let script = regex::Regex::new(r#"(?s)<script\b.*?</script>|\son[a-z]+="[^"]*""#).ok()?;
    Some(script.replace_all(svg, "").into_owned())
}

/// What `profile flamegraph` wrote (schema `fastware/profile-flamegraph/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlamegraphReport {
    pub schema: String,
    pub output: String,
    pub bytes: u64,
    pub stacks: usize,
}

impl Render for FlamegraphReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "wrote {} ({}, {} stacks)",
            self.output,
            fastware_report::units::bytes(self.bytes),
            count(self.stacks as u64)
        ))
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(fastware_report::table::written(&self.output, self.bytes, &[("stacks", self.stacks as u64)]))
    }
}

/// Draws `lines` (collapsed stacks, `stack weight`, or `stack base new`
/// for a differential graph: red grew, blue shrank) as a flamegraph SVG.
/// The flamegraph of collapsed `lines` as SVG (inferno): with its search
/// and zoom script, or without (`script`: false: each frame still has its
/// tooltip), for a page that runs no script.
pub fn flamegraph_svg(lines: &[String], title: &str, unit: &str, script: bool) -> Result<Vec<u8>, Error> {
    let mut opts = inferno::flamegraph::Options::default();
    // XML 1.0 has no control characters, escaped or not
    opts.title = title.replace(|c: char| c.is_control(), " ");
    opts.count_name = unit.to_string();
    opts.no_javascript = !script;
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut opts, lines.iter().map(String::as_str), &mut svg)
        .map_err(|e| Error::from(crate::ProfileError::Draw { why: e.to_string() }))?;
    Ok(svg)
}

pub fn flamegraph(
    lines: &[String],
    out: &Path,
    title: &str,
    unit: &str,
    force: bool,
) -> Result<FlamegraphReport, Error> {
    if lines.is_empty() {
        return Err(crate::ProfileError::NoStacksToDraw.into());
    }
    let mut file = OutputFile::create(out, &[], force)?;
    let svg = flamegraph_svg(lines, title, unit, true)?;
    let name = out.display().to_string();
    fastware_report::output::write_marked_svg(&mut file, &svg)
        .and_then(|()| file.flush())
        .map_err(|e| fastware_report::output::write_error(&name, &e))?;
    let bytes = file.commit()?;
    Ok(FlamegraphReport { schema: "fastware/profile-flamegraph/1".into(), output: name, bytes, stacks: lines.len() })
}

/// Collapsed stacks of two profiles side by side (`stack base new`), for a
/// differential flamegraph; each side scaled to the same total first, so
/// that the colours show shares that moved.
pub fn differential(base: &[(String, u64)], new: &[(String, u64)]) -> Vec<String> {
    differential_of(base, new, true)
}

/// Collapsed stacks of two sides (`stack base new`), the base scaled to
/// the new total first when `normalize` (shares), as they are when not
/// (exact counts: instructions).
pub fn differential_of(base: &[(String, u64)], new: &[(String, u64)], normalize: bool) -> Vec<String> {
    let text = |lines: &[(String, u64)]| lines.iter().map(|(s, w)| format!("{s} {w}\n")).collect::<String>();
    let mut out = Vec::new();
    let opts = inferno::differential::Options { normalize, ..Default::default() };
    if inferno::differential::from_readers(opts, text(base).as_bytes(), text(new).as_bytes(), &mut out).is_err() {
        return Vec::new();
    }
    String::from_utf8_lossy(&out).lines().map(str::to_string).collect()
}
