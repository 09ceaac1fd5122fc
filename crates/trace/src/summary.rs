//! The figures `fastware trace` reports, collected over every input file:
//! functions and crates (grouped through `fastware_symbols`), passes with
//! self time beside LLVM's own totals, modules, files.

use std::path::PathBuf;
use std::sync::Mutex;

use fastware_symbols::Name;
use rayon::prelude::*;
use regex::Regex;

use crate::input::{self, TraceInput};
use crate::llvm::{Counts, FileAgg, FileSummary, LlvmConfig, Map, Piece, SubjectStat, LABEL_SEP};
use crate::parallel::{self, Analysis, FileOutcome, Options, Truncation};
use fastware_report::Error;

/// Which groupings of functions to compute.
#[derive(Debug, Clone, Copy, Default)]
pub struct Groupings {
    pub function: bool,
    pub instance: bool,
    /// By instantiating crate.
    pub crate_: bool,
    pub defining_crate: bool,
    pub type_crate: bool,
}

/// What to read and how.
#[derive(Debug, Clone, Default)]
pub struct TraceQuery {
    pub paths: Vec<PathBuf>,
    pub llvm: LlvmConfig,
    pub groupings: Groupings,
    /// Only functions whose demangled instance name matches.
    pub filter: Option<Regex>,
    pub options: Options,
}

/// Figures of one group of functions (or crate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupRow {
    pub key: String,
    /// LLVM time attributed to the group's functions (self time of every event on them).
    pub llvm_ns: i64,
    /// Inclusive time of the ranked event kind.
    pub event_ns: i64,
    pub event_count: u64,
    /// Distinct symbols in the group.
    pub instances: u64,
}

/// A pass (event label) with self time, beside LLVM's own total for its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassRow {
    /// The pass: the event name, or for `RunPass`/`RunLoopPass` the pass in `detail`.
    pub pass: String,
    /// The event name.
    pub event: String,
    pub self_ns: i64,
    pub total_ns: i64,
    pub count: u64,
}

/// One of LLVM's `Total <name>` events, summed over files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlvmTotal {
    pub name: String,
    pub dur_ns: i64,
    pub count: u64,
}

/// A codegen unit: busy time of the threads that worked on it, per phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRow {
    pub module: String,
    pub crate_name: Option<String>,
    /// (phase from the thread name, e.g. `opt` or `lto`, busy time).
    pub phases: Vec<(String, i64)>,
    pub busy_ns: i64,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    pub path: String,
    pub crate_name: Option<String>,
    pub events: u64,
    pub threads: u64,
    pub busy_ns: i64,
    pub span_ns: i64,
    pub event_ns: i64,
    pub bytes: u64,
}

/// Everything `fastware trace` reports.
#[derive(Debug, Clone, Default)]
pub struct TraceSummary {
    pub files: Vec<FileRow>,
    pub counts: Counts,
    pub threads: u64,
    /// From the earliest event start to the latest event end (across files,
    /// placed on one clock by `beginningOfTime` when every file has it).
    pub span_ns: i64,
    /// Sum over threads of the time inside any event.
    pub busy_ns: i64,
    /// Busy time under no function.
    pub unattributed_ns: i64,
    /// The ranked event kind and its total over all functions.
    pub event: String,
    pub event_ns: i64,
    pub event_count: u64,
    /// With a filter: the LLVM time of the functions it kept.
    pub filtered_llvm_ns: Option<i64>,
    pub functions: Vec<GroupRow>,
    pub instances: Vec<GroupRow>,
    pub crates: Vec<GroupRow>,
    pub defining_crates: Vec<GroupRow>,
    pub type_crates: Vec<GroupRow>,
    /// Drop glue (`core::ptr::drop_in_place`) share of the function time.
    pub drop_glue_ns: i64,
    pub passes: Vec<PassRow>,
    pub llvm_totals: Vec<LlvmTotal>,
    pub modules: Vec<ModuleRow>,
    /// Threads whose events were not in completion order (self times there are approximate).
    pub out_of_order_threads: u64,
    pub truncated: Vec<Truncation>,
}

#[derive(Default)]
struct Groups {
    function: Map<String, GroupRow>,
    instance: Map<String, GroupRow>,
    crate_: Map<String, GroupRow>,
    defining: Map<String, GroupRow>,
    type_: Map<String, GroupRow>,
    kept_ns: i64,
    drop_glue_ns: i64,
}

fn add(map: &mut Map<String, GroupRow>, key: &str, s: &SubjectStat) {
    let row = match map.get_mut(key) {
        Some(r) => r,
        None => map.entry(key.to_string()).or_insert_with(|| GroupRow { key: key.to_string(), ..GroupRow::default() }),
    };
    row.llvm_ns += s.llvm_ns;
    row.event_ns += s.event_ns;
    row.event_count += s.event_count;
    row.instances += 1;
}

fn merge_rows(into: &mut Map<String, GroupRow>, from: Map<String, GroupRow>) {
    for (k, r) in from {
        let e = into.entry(k).or_insert_with(|| GroupRow { key: r.key.clone(), ..GroupRow::default() });
        e.llvm_ns += r.llvm_ns;
        e.event_ns += r.event_ns;
        e.event_count += r.event_count;
        e.instances += r.instances;
    }
}

impl Groups {
    fn merge(mut self, o: Groups) -> Groups {
        merge_rows(&mut self.function, o.function);
        merge_rows(&mut self.instance, o.instance);
        merge_rows(&mut self.crate_, o.crate_);
        merge_rows(&mut self.defining, o.defining);
        merge_rows(&mut self.type_, o.type_);
        self.kept_ns += o.kept_ns;
        self.drop_glue_ns += o.drop_glue_ns;
        self
    }
}

/// Crate label for symbols that are not Rust (C functions, LLVM intrinsics).
pub const NOT_RUST: &str = "(not Rust)";
/// Type-crate label for functions with no types in their generic arguments.
pub const NO_TYPES: &str = "(no type arguments)";

fn group_subjects(
    subjects: &[(Vec<u8>, SubjectStat)],
    file_crate: Option<&str>,
    g: Groupings,
    filter: Option<&Regex>,
) -> Groups {
    subjects
        .par_chunks(2048)
        .map(|part| {
            let mut out = Groups::default();
            for (raw, stat) in part {
                let name = Name::new(&String::from_utf8_lossy(raw));
                let instance = name.instance();
                if filter.is_some_and(|f| !f.is_match(&instance)) {
                    continue;
                }
                out.kept_ns += stat.llvm_ns;
                if name.is_drop_glue() {
                    out.drop_glue_ns += stat.llvm_ns;
                }
                if g.function {
                    add(&mut out.function, &name.function(), stat);
                }
                if g.crate_ {
                    let c = name.instantiating_crate().or(file_crate).or(name.symbol.as_ref().map(|_| "(unknown)"));
                    add(&mut out.crate_, c.unwrap_or(NOT_RUST), stat);
                }
                if g.defining_crate {
                    add(&mut out.defining, name.defining_crate().unwrap_or(NOT_RUST), stat);
                }
                if g.type_crate {
                    let crates = name.primary_type_crates();
                    if crates.is_empty() {
                        add(&mut out.type_, NO_TYPES, stat);
                    }
                    for c in crates {
                        add(&mut out.type_, c, stat);
                    }
                }
                if g.instance {
                    add(&mut out.instance, &instance, stat);
                }
            }
            out
        })
        .reduce(Groups::default, Groups::merge)
}

struct Collector {
    summary: TraceSummary,
    groups: Groups,
    labels: Map<Vec<u8>, crate::llvm::LabelStat>,
    totals: Map<Vec<u8>, (i64, u64)>,
    modules: Map<(Option<String>, String), Map<String, i64>>,
    /// (absolute start, absolute end) per file with `beginningOfTime`, else spans.
    spans: Vec<(Option<i64>, i64, i64)>,
}

struct LlvmAnalysis<'q> {
    query: &'q TraceQuery,
    collector: Mutex<Collector>,
}

impl Analysis for LlvmAnalysis<'_> {
    type Chunk = Piece;
    type File = FileAgg;

    fn chunk(&self, _input: &TraceInput) -> Piece {
        Piece::new(&self.query.llvm)
    }

    fn file(&self, _input: &TraceInput) -> FileAgg {
        FileAgg::default()
    }

    fn needs_whole_file(&self, chunk: &Piece, first: bool, last: bool) -> bool {
        chunk.crosses_edges(first, last)
    }

    fn merge(&self, file: &mut FileAgg, chunk: Piece) {
        file.merge(chunk);
    }

    fn finish(&self, input: &TraceInput, file: FileAgg, outcome: &FileOutcome) -> Result<(), Error> {
        let fs = file.summarize();
        let groups =
            group_subjects(&fs.subjects, input.crate_name.as_deref(), self.query.groupings, self.query.filter.as_ref());
        let mut c = self.collector.lock().unwrap_or_else(|e| e.into_inner());
        c.add_file(input, fs, groups, outcome);
        Ok(())
    }
}

impl Collector {
    fn add_file(&mut self, input: &TraceInput, fs: FileSummary, groups: Groups, outcome: &FileOutcome) {
        let s = &mut self.summary;
        s.counts.add(&fs.counts);
        let busy: i64 = fs.threads.iter().map(|t| t.busy_ns).sum();
        let min_start = fs.threads.iter().map(|t| t.min_start).min().unwrap_or(0);
        let max_end = fs.threads.iter().map(|t| t.max_end).max().unwrap_or(0);
        let event_ns: i64 = fs.subjects.iter().map(|(_, st)| st.event_ns).sum();
        s.event_ns += event_ns;
        s.event_count += fs.subjects.iter().map(|(_, st)| st.event_count).sum::<u64>();
        s.busy_ns += busy;
        s.unattributed_ns += fs.unattributed_ns;
        s.threads += fs.threads.len() as u64;
        s.out_of_order_threads += fs.threads.iter().filter(|t| t.out_of_order > 0).count() as u64;
        let span = max_end.saturating_sub(min_start).max(0);
        // a beginningOfTime past i64 nanoseconds (a damaged file) is as good as none
        let beginning = outcome.outcome.beginning_of_time.and_then(|b| b.checked_mul(1000));
        self.spans.push((beginning, min_start, max_end));
        s.files.push(FileRow {
            path: input.display(),
            crate_name: input.crate_name.clone(),
            events: fs.counts.events,
            threads: fs.threads.len() as u64,
            busy_ns: busy,
            span_ns: span,
            event_ns,
            bytes: input.size,
        });
        for (label, st) in fs.labels {
            let e = self.labels.entry(label).or_default();
            e.self_ns += st.self_ns;
            e.total_ns += st.total_ns;
            e.count += st.count;
        }
        for (name, d, n) in fs.totals {
            let e = self.totals.entry(name).or_default();
            e.0 += d;
            e.1 += n;
        }
        // Modules: threads are named "<phase> <module>" by rustc ("opt cgu.1").
        let full_names: Vec<&str> = fs.threads.iter().filter_map(|t| t.module.as_deref()).collect();
        for t in &fs.threads {
            let (phase, short) = match t.name.as_deref().and_then(|n| n.split_once(' ')) {
                Some((p, m)) => (p.to_string(), m.to_string()),
                None => (t.name.clone().unwrap_or_else(|| "thread".to_string()), String::new()),
            };
            let module = if short.is_empty() {
                t.module.clone().unwrap_or_else(|| "(not a codegen unit)".to_string())
            } else {
                full_names
                    .iter()
                    .find(|f| f.rsplit_once('-').is_some_and(|(_, tail)| tail == short))
                    .map_or(short, |f| f.to_string())
            };
            *self.modules.entry((input.crate_name.clone(), module)).or_default().entry(phase).or_default() += t.busy_ns;
        }
        let groups = std::mem::take(&mut self.groups).merge(groups);
        self.groups = groups;
    }

    fn finish(mut self, query: &TraceQuery, truncated: Vec<Truncation>) -> TraceSummary {
        let mut s = self.summary;
        s.event = query.llvm.event.clone();
        s.truncated = truncated;
        s.files.sort_by(|a, b| b.busy_ns.cmp(&a.busy_ns).then(a.path.cmp(&b.path)));
        s.span_ns = if !self.spans.is_empty() && self.spans.iter().all(|(b, ..)| b.is_some()) {
            let start = self.spans.iter().map(|(b, s, _)| b.unwrap_or(0).saturating_add(*s)).min().unwrap_or(0);
            let end = self.spans.iter().map(|(b, _, e)| b.unwrap_or(0).saturating_add(*e)).max().unwrap_or(0);
            end.saturating_sub(start)
        } else {
            self.spans.iter().map(|(_, s, e)| e.saturating_sub(*s)).max().unwrap_or(0)
        };
        if query.filter.is_some() {
            s.filtered_llvm_ns = Some(self.groups.kept_ns);
        }
        s.drop_glue_ns = self.groups.drop_glue_ns;
        s.functions = sorted(self.groups.function);
        s.instances = sorted(self.groups.instance);
        s.crates = sorted(self.groups.crate_);
        s.defining_crates = sorted(self.groups.defining);
        s.type_crates = sorted(self.groups.type_);
        let mut passes: Vec<PassRow> = self
            .labels
            .drain()
            .map(|(label, st)| {
                let (event, pass) = match label.iter().position(|&b| b == LABEL_SEP) {
                    Some(i) => (
                        String::from_utf8_lossy(&label[..i]).into_owned(),
                        String::from_utf8_lossy(&label[i + 1..]).into_owned(),
                    ),
                    None => {
                        let n = String::from_utf8_lossy(&label).into_owned();
                        (n.clone(), n)
                    }
                };
                PassRow { pass, event, self_ns: st.self_ns, total_ns: st.total_ns, count: st.count }
            })
            .collect();
        passes.sort_by(|a, b| b.self_ns.cmp(&a.self_ns).then_with(|| a.pass.cmp(&b.pass)));
        s.passes = passes;
        let mut totals: Vec<LlvmTotal> = self
            .totals
            .drain()
            .map(|(n, (d, c))| LlvmTotal { name: String::from_utf8_lossy(&n).into_owned(), dur_ns: d, count: c })
            .collect();
        totals.sort_by(|a, b| b.dur_ns.cmp(&a.dur_ns).then_with(|| a.name.cmp(&b.name)));
        s.llvm_totals = totals;
        let mut modules: Vec<ModuleRow> = self
            .modules
            .drain()
            .map(|((crate_name, module), phases)| {
                let mut phases: Vec<(String, i64)> = phases.into_iter().collect();
                phases.sort();
                let busy_ns = phases.iter().map(|(_, d)| d).sum();
                ModuleRow { module, crate_name, phases, busy_ns }
            })
            .collect();
        modules.sort_by(|a, b| b.busy_ns.cmp(&a.busy_ns).then_with(|| a.module.cmp(&b.module)));
        s.modules = modules;
        s
    }
}

fn sorted(map: Map<String, GroupRow>) -> Vec<GroupRow> {
    let mut rows: Vec<GroupRow> = map.into_values().collect();
    rows.sort_by(|a, b| {
        b.llvm_ns.cmp(&a.llvm_ns).then_with(|| b.event_ns.cmp(&a.event_ns)).then_with(|| a.key.cmp(&b.key))
    });
    rows
}

/// Reads the traces and computes everything the query asks for.
pub fn summarize(query: &TraceQuery) -> Result<TraceSummary, Error> {
    let inputs = input::resolve(&query.paths)?;
    let analysis = LlvmAnalysis {
        query,
        collector: Mutex::new(Collector {
            summary: TraceSummary::default(),
            groups: Groups::default(),
            labels: Map::default(),
            totals: Map::default(),
            modules: Map::default(),
            spans: Vec::new(),
        }),
    };
    let truncated = parallel::run(&inputs, &analysis, query.options)?;
    let collector = analysis.collector.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(collector.finish(query, truncated))
}
