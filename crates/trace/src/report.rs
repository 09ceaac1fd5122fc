//! What `fastware trace` reports, as a value: the views the user chose of a
//! [`TraceSummary`], their top rows, and how many rows each had. Its JSON is
//! `--format json` (schema `fastware/trace/1`); it renders itself as text
//! and CSV.

use serde::{Deserialize, Serialize};

use fastware_report::cells;
use fastware_report::json::share;
use fastware_report::units::{count, duration, micros_text, percent};
use fastware_report::{Column, Duration, Error, Render, Table, Text};

use crate::slim::SlimStats;
use crate::summary::{GroupRow, Groupings, TraceSummary};

pub const SCHEMA: &str = "fastware/trace/1";

/// One view of the figures (`--by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum View {
    /// Functions: generic arguments erased, closures folded into their function
    Function,
    /// Every instance with its full generic arguments
    Instance,
    /// The crate that instantiated the code (v0 symbol suffix, else the trace's crate)
    Crate,
    /// The crate that defines the function
    DefiningCrate,
    /// The crates of the types in the generic arguments (drop glue: the dropped type's)
    TypeCrate,
    /// Passes by self time, beside LLVM's own Total figures
    Pass,
    /// Codegen units, by thread busy time per phase
    Module,
    /// Input files (one per crate for a whole build)
    File,
}

impl View {
    /// The summary's views when no `--by` is given.
    pub const SUMMARY: [View; 4] = [View::Function, View::Crate, View::Pass, View::Module];

    /// The groupings of functions these views need computed.
    pub fn groupings(views: &[View]) -> Groupings {
        let mut g = Groupings::default();
        for v in views {
            match v {
                View::Function => g.function = true,
                View::Instance => g.instance = true,
                View::Crate => g.crate_ = true,
                View::DefiningCrate => g.defining_crate = true,
                View::TypeCrate => g.type_crate = true,
                View::Pass | View::Module | View::File => {}
            }
        }
        g
    }
}

/// The inputs: files, events, threads, time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inputs {
    pub files: usize,
    pub events: u64,
    pub complete_events: u64,
    pub begin_end_events: u64,
    pub metadata_events: u64,
    pub llvm_total_events: u64,
    pub threads: u64,
    pub span_us: Duration,
    pub busy_us: Duration,
    pub function_time_us: Duration,
    pub module_level_time_us: Duration,
    pub out_of_order_threads: u64,
    pub truncated: Vec<Truncated>,
}

/// A truncated input and where its last whole event ended.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truncated {
    pub path: String,
    pub at_byte: u64,
    pub last_event_end: u64,
}

/// The event ranked beside LLVM time (`--event`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventTotal {
    pub name: String,
    pub count: u64,
    pub time_us: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Filter {
    pub regex: String,
    pub llvm_time_us: Duration,
}

/// Figures of a group of functions; the key is named after the view.
macro_rules! group_row {
    ($name:ident, $key:ident, $json:literal) => {
        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub struct $name {
            #[serde(rename = $json)]
            pub $key: String,
            pub llvm_time_us: Duration,
            pub share_of_busy: Option<f64>,
            pub event_time_us: Duration,
            pub event_count: u64,
            pub instances: u64,
        }

        impl $name {
            fn of(r: &GroupRow, busy_ns: i64) -> $name {
                $name {
                    $key: r.key.clone(),
                    llvm_time_us: Duration(r.llvm_ns),
                    share_of_busy: share(r.llvm_ns as f64, busy_ns as f64),
                    event_time_us: Duration(r.event_ns),
                    event_count: r.event_count,
                    instances: r.instances,
                }
            }

            fn cells(&self) -> [(String, String); 6] {
                [
                    cells::time(self.llvm_time_us.ns()),
                    share_cell(self.share_of_busy),
                    cells::time(self.event_time_us.ns()),
                    cells::count(self.event_count),
                    cells::count(self.instances),
                    cells::text(&self.$key),
                ]
            }
        }
    };
}

group_row!(FunctionRow, function, "function");
group_row!(InstanceRow, instance, "instance");
group_row!(CrateRow, crate_name, "crate");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PassRow {
    pub pass: String,
    pub event: String,
    pub self_time_us: Duration,
    pub share_of_busy: Option<f64>,
    pub total_time_us: Duration,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LlvmTotalRow {
    pub name: String,
    pub time_us: Duration,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModuleRow {
    pub module: String,
    #[serde(rename = "crate")]
    pub crate_name: Option<String>,
    pub busy_us: Duration,
    pub share_of_busy: Option<f64>,
    /// Busy time per phase (`opt`, `lto` …).
    pub phases: std::collections::BTreeMap<String, Duration>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRow {
    pub path: String,
    #[serde(rename = "crate")]
    pub crate_name: Option<String>,
    pub events: u64,
    pub threads: u64,
    pub busy_us: Duration,
    pub span_us: Duration,
    pub event_time_us: Duration,
    pub bytes: u64,
}

/// Everything `fastware trace` printed, as a value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TraceReport {
    pub schema: String,
    /// The views shown, in order.
    pub views: Vec<View>,
    pub inputs: Inputs,
    pub event: EventTotal,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub filter: Option<Filter>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub functions: Option<Vec<FunctionRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub instances: Option<Vec<InstanceRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub crates: Option<Vec<CrateRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub defining_crates: Option<Vec<CrateRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub type_crates: Option<Vec<CrateRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub passes: Option<Vec<PassRow>>,
    /// LLVM's own `Total <pass>` figures, with the passes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub llvm_totals: Option<Vec<LlvmTotalRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub modules: Option<Vec<ModuleRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub files: Option<Vec<FileRow>>,
    /// With the functions: drop glue's share of function time.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub drop_glue_time_us: Option<Duration>,
    /// Rows each view had before `--top` (the lists hold the top rows).
    pub rows_total: std::collections::BTreeMap<String, usize>,
}

fn share_cell(s: Option<f64>) -> (String, String) {
    match s {
        Some(v) => (format!("{:.1}%", v * 100.0), format!("{v:.4}")),
        None => ("-".to_string(), String::new()),
    }
}

fn top_of<T>(rows: &[T], top: usize) -> &[T] {
    cells::take(rows, top)
}

impl TraceReport {
    /// The report of `views` of `s`, `top` rows each (0: all); `filter` is
    /// the regex the functions were filtered with.
    pub fn new(s: &TraceSummary, views: &[View], top: usize, filter: Option<&str>) -> TraceReport {
        let busy = s.busy_ns;
        let groups = |rows: &[GroupRow]| top_of(rows, top).iter().map(|r| CrateRow::of(r, busy)).collect::<Vec<_>>();
        let mut r = TraceReport {
            schema: SCHEMA.into(),
            views: views.to_vec(),
            inputs: Inputs {
                files: s.files.len(),
                events: s.counts.events,
                complete_events: s.counts.complete,
                begin_end_events: s.counts.begin_end,
                metadata_events: s.counts.metadata,
                llvm_total_events: s.counts.llvm_totals,
                threads: s.threads,
                span_us: Duration(s.span_ns),
                busy_us: Duration(busy),
                function_time_us: Duration(busy - s.unattributed_ns),
                module_level_time_us: Duration(s.unattributed_ns),
                out_of_order_threads: s.out_of_order_threads,
                truncated: s
                    .truncated
                    .iter()
                    .map(|t| Truncated { path: t.path.clone(), at_byte: t.at, last_event_end: t.last_event_end })
                    .collect(),
            },
            event: EventTotal { name: s.event.clone(), count: s.event_count, time_us: Duration(s.event_ns) },
            filter: filter
                .zip(s.filtered_llvm_ns)
                .map(|(f, kept)| Filter { regex: f.into(), llvm_time_us: Duration(kept) }),
            functions: None,
            instances: None,
            crates: None,
            defining_crates: None,
            type_crates: None,
            passes: None,
            llvm_totals: None,
            modules: None,
            files: None,
            drop_glue_time_us: None,
            rows_total: Default::default(),
        };
        for &v in views {
            let (key, total) = match v {
                View::Function => {
                    r.functions = Some(top_of(&s.functions, top).iter().map(|g| FunctionRow::of(g, busy)).collect());
                    r.drop_glue_time_us = Some(Duration(s.drop_glue_ns));
                    ("functions", s.functions.len())
                }
                View::Instance => {
                    r.instances = Some(top_of(&s.instances, top).iter().map(|g| InstanceRow::of(g, busy)).collect());
                    ("instances", s.instances.len())
                }
                View::Crate => {
                    r.crates = Some(groups(&s.crates));
                    ("crates", s.crates.len())
                }
                View::DefiningCrate => {
                    r.defining_crates = Some(groups(&s.defining_crates));
                    ("defining_crates", s.defining_crates.len())
                }
                View::TypeCrate => {
                    r.type_crates = Some(groups(&s.type_crates));
                    ("type_crates", s.type_crates.len())
                }
                View::Pass => {
                    r.passes = Some(
                        top_of(&s.passes, top)
                            .iter()
                            .map(|p| PassRow {
                                pass: p.pass.clone(),
                                event: p.event.clone(),
                                self_time_us: Duration(p.self_ns),
                                share_of_busy: share(p.self_ns as f64, busy as f64),
                                total_time_us: Duration(p.total_ns),
                                count: p.count,
                            })
                            .collect(),
                    );
                    r.llvm_totals = Some(
                        s.llvm_totals
                            .iter()
                            .map(|t| LlvmTotalRow { name: t.name.clone(), time_us: Duration(t.dur_ns), count: t.count })
                            .collect(),
                    );
                    ("passes", s.passes.len())
                }
                View::Module => {
                    r.modules = Some(
                        top_of(&s.modules, top)
                            .iter()
                            .map(|m| ModuleRow {
                                module: m.module.clone(),
                                crate_name: m.crate_name.clone(),
                                busy_us: Duration(m.busy_ns),
                                share_of_busy: share(m.busy_ns as f64, busy as f64),
                                phases: m.phases.iter().map(|(p, d)| (p.clone(), Duration(*d))).collect(),
                            })
                            .collect(),
                    );
                    ("modules", s.modules.len())
                }
                View::File => {
                    r.files = Some(
                        top_of(&s.files, top)
                            .iter()
                            .map(|f| FileRow {
                                path: f.path.clone(),
                                crate_name: f.crate_name.clone(),
                                events: f.events,
                                threads: f.threads,
                                busy_us: Duration(f.busy_ns),
                                span_us: Duration(f.span_ns),
                                event_time_us: Duration(f.event_ns),
                                bytes: f.bytes,
                            })
                            .collect(),
                    );
                    ("files", s.files.len())
                }
            };
            r.rows_total.insert(key.into(), total);
        }
        r
    }

    fn total(&self, key: &str) -> usize {
        self.rows_total.get(key).copied().unwrap_or(0)
    }

    /// The table of one view, and the number of rows it had.
    fn table(&self, v: View) -> (Table, usize) {
        let ev = self.event.name.as_str();
        let group_table = |title: &str, csv: &str| {
            Table::new(vec![
                Column::right("LLVM time", "llvm_time_us"),
                Column::right("% of busy", "share_of_busy"),
                Column::right(ev, "event_time_us"),
                Column::right("count", "event_count"),
                Column::right("instances", "instances"),
                Column::left(title, csv),
            ])
        };
        let crates = |rows: &Option<Vec<CrateRow>>, title: &str, csv: &str| {
            let mut t = group_table(title, csv);
            for r in rows.iter().flatten() {
                t.row(r.cells().to_vec());
            }
            t
        };
        match v {
            View::Function => {
                let mut t = group_table("function", "function");
                for r in self.functions.iter().flatten() {
                    t.row(r.cells().to_vec());
                }
                (t, self.total("functions"))
            }
            View::Instance => {
                let mut t = group_table("instance", "instance");
                for r in self.instances.iter().flatten() {
                    t.row(r.cells().to_vec());
                }
                (t, self.total("instances"))
            }
            View::Crate => (crates(&self.crates, "crate (instantiating)", "crate"), self.total("crates")),
            View::DefiningCrate => {
                (crates(&self.defining_crates, "crate (defining)", "defining_crate"), self.total("defining_crates"))
            }
            View::TypeCrate => (crates(&self.type_crates, "crate (of types)", "type_crate"), self.total("type_crates")),
            View::Pass => {
                let mut t = Table::new(vec![
                    Column::right("self time", "self_time_us"),
                    Column::right("% of busy", "share_of_busy"),
                    Column::right("total", "total_time_us"),
                    Column::right("count", "count"),
                    Column::right("LLVM Total", "llvm_total_us"),
                    Column::left("pass", "pass"),
                ]);
                let totals = self.llvm_totals.as_deref().unwrap_or_default();
                for p in self.passes.iter().flatten() {
                    let total = (p.pass == p.event).then(|| totals.iter().find(|t| t.name == p.event)).flatten();
                    let name = if p.pass == p.event { p.pass.clone() } else { format!("{} ({})", p.pass, p.event) };
                    t.row(vec![
                        cells::time(p.self_time_us.ns()),
                        share_cell(p.share_of_busy),
                        cells::time(p.total_time_us.ns()),
                        cells::count(p.count),
                        total.map_or_else(|| ("-".to_string(), String::new()), |t| cells::time(t.time_us.ns())),
                        (name, p.pass.clone()),
                    ]);
                }
                (t, self.total("passes"))
            }
            View::Module => {
                let mut t = Table::new(vec![
                    Column::right("busy", "busy_us"),
                    Column::right("% of busy", "share_of_busy"),
                    Column::left("phases", "phases"),
                    Column::left("crate", "crate"),
                    Column::left("module", "module"),
                ]);
                for m in self.modules.iter().flatten() {
                    let phases: Vec<String> =
                        m.phases.iter().map(|(p, d)| format!("{p} {}", duration(d.ns()))).collect();
                    let csv: Vec<String> =
                        m.phases.iter().map(|(p, d)| format!("{p}={}", micros_text(d.ns()))).collect();
                    t.row(vec![
                        cells::time(m.busy_us.ns()),
                        share_cell(m.share_of_busy),
                        (phases.join(", "), csv.join(";")),
                        cells::text(m.crate_name.as_deref().unwrap_or("-")),
                        cells::text(&m.module),
                    ]);
                }
                (t, self.total("modules"))
            }
            View::File => {
                let mut t = Table::new(vec![
                    Column::right("busy", "busy_us"),
                    Column::right("% of busy", "share_of_busy"),
                    Column::right(ev, "event_time_us"),
                    Column::right("span", "span_us"),
                    Column::right("events", "events"),
                    Column::right("threads", "threads"),
                    Column::right("size", "bytes"),
                    Column::left("crate", "crate"),
                    Column::left("file", "file"),
                ]);
                let busy = self.inputs.busy_us.ns();
                for f in self.files.iter().flatten() {
                    t.row(vec![
                        cells::time(f.busy_us.ns()),
                        cells::share(f.busy_us.ns(), busy),
                        cells::time(f.event_time_us.ns()),
                        cells::time(f.span_us.ns()),
                        cells::count(f.events),
                        cells::count(f.threads),
                        cells::bytes(f.bytes),
                        cells::text(f.crate_name.as_deref().unwrap_or("-")),
                        cells::text(&f.path),
                    ]);
                }
                (t, self.total("files"))
            }
        }
    }

    fn title(&self, v: View) -> String {
        match v {
            View::Function => {
                "Functions by LLVM time (generic arguments erased, closures folded into their function)".into()
            }
            View::Instance => "Instances by LLVM time (full generic arguments)".into(),
            View::Crate => "Crates by LLVM time (the crate that instantiated the code)".into(),
            View::DefiningCrate => "Crates by LLVM time (the crate that defines the function)".into(),
            View::TypeCrate => {
                "Crates by LLVM time (crates of the types in generic arguments; a function naming several counts for each)"
                    .into()
            }
            View::Pass => format!(
                "Passes by self time (time in the pass minus passes nested in it; \"LLVM Total\" is LLVM's own figure, {} events, never added in)",
                count(self.llvm_totals.as_ref().map_or(0, Vec::len) as u64)
            ),
            View::Module => "Codegen units by busy time (threads named \"<phase> <unit>\" by rustc)".into(),
            View::File => "Files by busy time".into(),
        }
    }
}

impl Render for TraceReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let i = &self.inputs;
        let busy = i.busy_us.ns();
        out.line(format_args!(
            "{} {}, {} events on {} threads; wall span {}, LLVM busy {} (summed over threads)",
            count(i.files as u64),
            if i.files == 1 { "file" } else { "files" },
            count(i.events),
            count(i.threads),
            duration(i.span_us.ns()),
            duration(busy),
        ))?;
        let fn_time = i.function_time_us.ns();
        out.line(format_args!(
            "LLVM time on functions {} ({} of busy), in module-level work {}; {} ({} events) {}",
            duration(fn_time),
            percent(fn_time, busy),
            duration(i.module_level_time_us.ns()),
            self.event.name,
            count(self.event.count),
            duration(self.event.time_us.ns()),
        ))?;
        if let Some(f) = &self.filter {
            out.line(format_args!(
                "filter /{}/ keeps functions with {} of LLVM time ({} of busy)",
                f.regex,
                duration(f.llvm_time_us.ns()),
                percent(f.llvm_time_us.ns(), busy)
            ))?;
        }
        for &v in &self.views {
            let (t, total) = self.table(v);
            out.section(self.title(v), &t, total)?;
        }
        if let Some(glue) = self.drop_glue_time_us.filter(|g| g.ns() > 0) {
            out.blank()?;
            out.line(format_args!(
                "Drop glue (core::ptr::drop_in_place) takes {} of function time ({} of busy); --by type-crate attributes it to the crates of the dropped types.",
                duration(glue.ns()),
                percent(glue.ns(), busy)
            ))?;
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        match self.views.as_slice() {
            [one] => Ok(self.table(*one).0),
            _ => Err(fastware_report::FormatError::ChooseOne { choose: "--by, e.g. --by function".into() }.into()),
        }
    }
}

/// What `fastware trace slim` wrote (schema `fastware/trace-slim/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SlimReport {
    pub schema: String,
    pub output: String,
    pub files: usize,
    pub events_in: u64,
    pub events_out: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub truncated: Vec<Truncated>,
}

impl SlimReport {
    pub fn new(output: &std::path::Path, s: &SlimStats) -> SlimReport {
        SlimReport {
            schema: "fastware/trace-slim/1".into(),
            output: output.display().to_string(),
            files: s.files,
            events_in: s.events_in,
            events_out: s.events_out,
            bytes_in: s.bytes_in,
            bytes_out: s.bytes_out,
            truncated: s
                .truncated
                .iter()
                .map(|t| Truncated { path: t.path.clone(), at_byte: t.at, last_event_end: t.last_event_end })
                .collect(),
        }
    }
}

impl Render for SlimReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "wrote {}: {} of {} events ({}), {} from {} in {} {}",
            self.output,
            count(self.events_out),
            count(self.events_in),
            percent(self.events_out as i64, self.events_in as i64),
            fastware_report::units::bytes(self.bytes_out),
            fastware_report::units::bytes(self.bytes_in),
            self.files,
            if self.files == 1 { "file" } else { "files" },
        ))
    }
}
