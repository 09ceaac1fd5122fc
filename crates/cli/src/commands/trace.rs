//! `fastware trace`: where LLVM spent its time, and `fastware trace slim`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use fastware_report::cells::{self, take};
use fastware_report::units::{bytes, count, duration, micros_json, micros_text, parse_duration, percent, share_json};
use fastware_report::{Column, Format, Table};
use fastware_trace::parallel::Options;
use fastware_trace::slim::{slim, SlimOptions};
use fastware_trace::{GroupRow, Groupings, TraceQuery, TraceSummary};
use serde_json::{json, Value};

use crate::{note, CmdResult, Failure, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Zllvm-time-trace cargo build --release
  fastware trace target/release/deps/                    summary of the whole build
  fastware trace target/release/deps/my_app-*.llvm_timings.json --by function --top 30
  fastware trace trace.json.zst --by pass                passes by self time
  fastware trace trace.json --by instance --filter 'photos::init'
  fastware trace trace.json --event InstCombinePass      rank by another event
  fastware trace slim trace.json -o small.json --min-dur 1ms";

const SLIM_EXAMPLES: &str = "\
Examples:
  fastware trace slim huge.llvm_timings.json -o small.json              drop events under 1 ms
  fastware trace slim huge.json -o small.json --min-dur 200us --keep OptModule --demangle";

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true, after_help = EXAMPLES)]
pub struct TraceCmd {
    #[command(subcommand)]
    sub: Option<TraceSub>,
    #[command(flatten)]
    args: TraceArgs,
}

#[derive(Subcommand, Debug)]
enum TraceSub {
    /// Write a smaller trace that viewers (Perfetto, chrome://tracing) can open
    #[command(after_help = SLIM_EXAMPLES)]
    Slim(SlimArgs),
}

#[derive(Args, Debug)]
struct TraceArgs {
    /// Trace files or directories (every *.llvm_timings.json under a directory: a whole build); - for stdin. gzip and zstd are read too
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
    /// Show one view instead of the summary
    #[arg(long, value_enum, value_name = "KEY")]
    by: Option<By>,
    /// Event whose time and count are shown per function beside LLVM time (ranks with --by function/instance/crate…)
    #[arg(long, value_name = "NAME", default_value = "OptFunction")]
    event: String,
    /// Only functions whose demangled name matches this regex
    #[arg(long, value_name = "REGEX")]
    filter: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
    /// Report the events of a truncated trace (rustc killed mid-build) instead of failing
    #[arg(long)]
    allow_truncated: bool,
    /// Threads to use [default: all cores]
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
}

#[derive(Args, Debug)]
struct SlimArgs {
    /// Trace files or directories to slim (several are written into one output)
    #[arg(value_name = "INPUTS", required = true)]
    inputs: Vec<PathBuf>,
    /// Where to write the slimmed trace
    #[arg(short = 'o', long, value_name = "OUT")]
    output: PathBuf,
    /// Drop events shorter than this (e.g. 1ms, 200us; a bare number is µs)
    #[arg(long, value_name = "DURATION", default_value = "1ms")]
    min_dur: String,
    /// Event names to keep whatever their duration (comma-separated)
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    keep: Vec<String>,
    /// Replace mangled symbols in args.detail by their demangled names
    #[arg(long)]
    demangle: bool,
    /// Slim what a truncated trace holds instead of failing
    #[arg(long)]
    allow_truncated: bool,
    /// Replace an existing file that fastware did not write (never an input)
    #[arg(long)]
    force: bool,
    /// Threads to use [default: all cores]
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum By {
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

pub fn run(cmd: TraceCmd, out: &mut dyn Write) -> CmdResult {
    match cmd.sub {
        Some(TraceSub::Slim(a)) => run_slim(a, out),
        None => run_summary(cmd.args, out),
    }
}

fn run_summary(a: TraceArgs, out: &mut dyn Write) -> CmdResult {
    let format = a.output.format();
    if format == Format::Csv && a.by.is_none() {
        return Err(Failure::bad_input("--format csv writes one table").hint("choose it with --by, e.g. --by function"));
    }
    let filter = match &a.filter {
        Some(f) => Some(regex::Regex::new(f).map_err(|e| Failure::bad_input(format!("invalid --filter regex: {e}")))?),
        None => None,
    };
    let groupings = match a.by {
        None => Groupings { function: true, crate_: true, ..Groupings::default() },
        Some(By::Function) => Groupings { function: true, ..Groupings::default() },
        Some(By::Instance) => Groupings { instance: true, ..Groupings::default() },
        Some(By::Crate) => Groupings { crate_: true, ..Groupings::default() },
        Some(By::DefiningCrate) => Groupings { defining_crate: true, ..Groupings::default() },
        Some(By::TypeCrate) => Groupings { type_crate: true, ..Groupings::default() },
        Some(By::Pass | By::Module | By::File) => Groupings::default(),
    };
    let query = TraceQuery {
        paths: a.paths,
        llvm: fastware_trace::llvm::LlvmConfig { event: a.event },
        groupings,
        filter,
        options: Options { allow_truncated: a.allow_truncated, threads: a.jobs.unwrap_or(0), ..Options::default() },
    };
    let s = fastware_trace::summarize(&query)?;
    for t in &s.truncated {
        note(&format!(
            "{} is truncated at byte {}: reporting the events before byte {}",
            t.path, t.at, t.last_event_end
        ));
    }
    if s.out_of_order_threads > 0 {
        note(&format!(
            "{} thread(s) have events out of completion order: their self times are approximate",
            s.out_of_order_threads
        ));
    }
    let top = a.output.top.unwrap_or(if a.by.is_none() { 10 } else { 25 });
    let views: Vec<By> = match a.by {
        Some(b) => vec![b],
        None => vec![By::Function, By::Crate, By::Pass, By::Module],
    };
    match format {
        Format::Json => fastware_report::write_json(out, &json_report(&s, &views, top, query.filter.as_ref()))?,
        Format::Csv => table(&s, views[0], top).write_csv(out)?,
        Format::Table => write_text(out, &s, &views, top, query.filter.as_ref())?,
    }
    Ok(())
}

/// (title, csv name) of the first column of a group view.
fn group_key_column(by: By) -> (&'static str, &'static str) {
    match by {
        By::Function => ("function", "function"),
        By::Instance => ("instance", "instance"),
        By::Crate => ("crate (instantiating)", "crate"),
        By::DefiningCrate => ("crate (defining)", "defining_crate"),
        By::TypeCrate => ("crate (of types)", "type_crate"),
        _ => ("key", "key"),
    }
}

fn group_rows(s: &TraceSummary, by: By) -> &[GroupRow] {
    match by {
        By::Function => &s.functions,
        By::Instance => &s.instances,
        By::Crate => &s.crates,
        By::DefiningCrate => &s.defining_crates,
        By::TypeCrate => &s.type_crates,
        _ => &[],
    }
}

/// The table of one view.
fn table(s: &TraceSummary, by: By, top: usize) -> Table {
    let ev = s.event.as_str();
    match by {
        By::Function | By::Instance | By::Crate | By::DefiningCrate | By::TypeCrate => {
            let (title, csv) = group_key_column(by);
            let mut t = Table::new(vec![
                Column::right("LLVM time", "llvm_time_us"),
                Column::right("% of busy", "share_of_busy"),
                Column::right(ev, "event_time_us"),
                Column::right("count", "event_count"),
                Column::right("instances", "instances"),
                Column::left(title, csv),
            ]);
            for r in take(group_rows(s, by), top) {
                t.row(vec![
                    cells::time(r.llvm_ns),
                    cells::share(r.llvm_ns, s.busy_ns),
                    cells::time(r.event_ns),
                    cells::count(r.event_count),
                    cells::count(r.instances),
                    cells::text(&r.key),
                ]);
            }
            t
        }
        By::Pass => {
            let mut t = Table::new(vec![
                Column::right("self time", "self_time_us"),
                Column::right("% of busy", "share_of_busy"),
                Column::right("total", "total_time_us"),
                Column::right("count", "count"),
                Column::right("LLVM Total", "llvm_total_us"),
                Column::left("pass", "pass"),
            ]);
            for p in take(&s.passes, top) {
                let total = (p.pass == p.event).then(|| s.llvm_totals.iter().find(|t| t.name == p.event)).flatten();
                let name = if p.pass == p.event { p.pass.clone() } else { format!("{} ({})", p.pass, p.event) };
                t.row(vec![
                    cells::time(p.self_ns),
                    cells::share(p.self_ns, s.busy_ns),
                    cells::time(p.total_ns),
                    cells::count(p.count),
                    total.map_or_else(|| ("-".to_string(), String::new()), |t| cells::time(t.dur_ns)),
                    (name, p.pass.clone()),
                ]);
            }
            t
        }
        By::Module => {
            let mut t = Table::new(vec![
                Column::right("busy", "busy_us"),
                Column::right("% of busy", "share_of_busy"),
                Column::left("phases", "phases"),
                Column::left("crate", "crate"),
                Column::left("module", "module"),
            ]);
            for m in take(&s.modules, top) {
                let phases: Vec<String> = m.phases.iter().map(|(p, d)| format!("{p} {}", duration(*d))).collect();
                let phases_csv: Vec<String> =
                    m.phases.iter().map(|(p, d)| format!("{p}={}", micros_text(*d))).collect();
                t.row(vec![
                    cells::time(m.busy_ns),
                    cells::share(m.busy_ns, s.busy_ns),
                    (phases.join(", "), phases_csv.join(";")),
                    cells::text(m.crate_name.as_deref().unwrap_or("-")),
                    cells::text(&m.module),
                ]);
            }
            t
        }
        By::File => {
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
            for f in take(&s.files, top) {
                t.row(vec![
                    cells::time(f.busy_ns),
                    cells::share(f.busy_ns, s.busy_ns),
                    cells::time(f.event_ns),
                    cells::time(f.span_ns),
                    cells::count(f.events),
                    cells::count(f.threads),
                    cells::bytes(f.bytes),
                    cells::text(f.crate_name.as_deref().unwrap_or("-")),
                    cells::text(&f.path),
                ]);
            }
            t
        }
    }
}

fn title(by: By, s: &TraceSummary) -> String {
    match by {
        By::Function => "Functions by LLVM time (generic arguments erased, closures folded into their function)".into(),
        By::Instance => "Instances by LLVM time (full generic arguments)".into(),
        By::Crate => "Crates by LLVM time (the crate that instantiated the code)".into(),
        By::DefiningCrate => "Crates by LLVM time (the crate that defines the function)".into(),
        By::TypeCrate => {
            "Crates by LLVM time (crates of the types in generic arguments; a function naming several counts for each)".into()
        }
        By::Pass => format!(
            "Passes by self time (time in the pass minus passes nested in it; \"LLVM Total\" is LLVM's own figure, {} events, never added in)",
            count(s.llvm_totals.len() as u64)
        ),
        By::Module => "Codegen units by busy time (threads named \"<phase> <unit>\" by rustc)".into(),
        By::File => "Files by busy time".into(),
    }
}

fn write_text(
    out: &mut dyn Write,
    s: &TraceSummary,
    views: &[By],
    top: usize,
    filter: Option<&regex::Regex>,
) -> std::io::Result<()> {
    let width = fastware_report::terminal_width();
    writeln!(
        out,
        "{} {}, {} events on {} threads; wall span {}, LLVM busy {} (summed over threads)",
        count(s.files.len() as u64),
        if s.files.len() == 1 { "file" } else { "files" },
        count(s.counts.events),
        count(s.threads),
        duration(s.span_ns),
        duration(s.busy_ns),
    )?;
    let fn_time = s.busy_ns - s.unattributed_ns;
    writeln!(
        out,
        "LLVM time on functions {} ({} of busy), in module-level work {}; {} ({} events) {}",
        duration(fn_time),
        percent(fn_time, s.busy_ns),
        duration(s.unattributed_ns),
        s.event,
        count(s.event_count),
        duration(s.event_ns),
    )?;
    if let (Some(f), Some(kept)) = (filter, s.filtered_llvm_ns) {
        writeln!(
            out,
            "filter /{}/ keeps functions with {} of LLVM time ({} of busy)",
            f.as_str(),
            duration(kept),
            percent(kept, s.busy_ns)
        )?;
    }
    for &by in views {
        let t = table(s, by, top);
        writeln!(out)?;
        writeln!(out, "{}", title(by, s))?;
        if t.is_empty() {
            writeln!(out, "  (none)")?;
            continue;
        }
        t.write_text(out, 2, width)?;
        let total_rows = match by {
            By::Pass => s.passes.len(),
            By::Module => s.modules.len(),
            By::File => s.files.len(),
            _ => group_rows(s, by).len(),
        };
        if top != 0 && total_rows > top {
            writeln!(out, "  … {} more (--top 0 shows all)", count((total_rows - top) as u64))?;
        }
    }
    if views.contains(&By::Function) && s.drop_glue_ns > 0 {
        writeln!(out)?;
        writeln!(
            out,
            "Drop glue (core::ptr::drop_in_place) takes {} of function time ({} of busy); --by type-crate attributes it to the crates of the dropped types.",
            duration(s.drop_glue_ns),
            percent(s.drop_glue_ns, s.busy_ns)
        )?;
    }
    Ok(())
}

fn group_json(rows: &[GroupRow], key: &str, busy: i64) -> Value {
    Value::Array(
        rows.iter()
            .map(|r| {
                json!({
                    key: r.key,
                    "llvm_time_us": micros_json(r.llvm_ns),
                    "share_of_busy": share_json(r.llvm_ns, busy),
                    "event_time_us": micros_json(r.event_ns),
                    "event_count": r.event_count,
                    "instances": r.instances,
                })
            })
            .collect(),
    )
}

fn json_report(s: &TraceSummary, views: &[By], top: usize, filter: Option<&regex::Regex>) -> Value {
    let mut obj = serde_json::Map::new();
    obj.insert(
        "inputs".into(),
        json!({
            "files": s.files.len(),
            "events": s.counts.events,
            "complete_events": s.counts.complete,
            "begin_end_events": s.counts.begin_end,
            "metadata_events": s.counts.metadata,
            "llvm_total_events": s.counts.llvm_totals,
            "threads": s.threads,
            "span_us": micros_json(s.span_ns),
            "busy_us": micros_json(s.busy_ns),
            "function_time_us": micros_json(s.busy_ns - s.unattributed_ns),
            "module_level_time_us": micros_json(s.unattributed_ns),
            "out_of_order_threads": s.out_of_order_threads,
            "truncated": s.truncated.iter().map(|t| json!({"path": t.path, "at_byte": t.at, "last_event_end": t.last_event_end})).collect::<Vec<_>>(),
        }),
    );
    obj.insert("event".into(), json!({"name": s.event, "count": s.event_count, "time_us": micros_json(s.event_ns)}));
    if let (Some(f), Some(kept)) = (filter, s.filtered_llvm_ns) {
        obj.insert("filter".into(), json!({"regex": f.as_str(), "llvm_time_us": micros_json(kept)}));
    }
    for &by in views {
        let (key, value) = match by {
            By::Function => ("functions", group_json(take(&s.functions, top), "function", s.busy_ns)),
            By::Instance => ("instances", group_json(take(&s.instances, top), "instance", s.busy_ns)),
            By::Crate => ("crates", group_json(take(&s.crates, top), "crate", s.busy_ns)),
            By::DefiningCrate => ("defining_crates", group_json(take(&s.defining_crates, top), "crate", s.busy_ns)),
            By::TypeCrate => ("type_crates", group_json(take(&s.type_crates, top), "crate", s.busy_ns)),
            By::Pass => {
                let passes: Vec<Value> = take(&s.passes, top)
                    .iter()
                    .map(|p| {
                        json!({
                            "pass": p.pass,
                            "event": p.event,
                            "self_time_us": micros_json(p.self_ns),
                            "share_of_busy": share_json(p.self_ns, s.busy_ns),
                            "total_time_us": micros_json(p.total_ns),
                            "count": p.count,
                        })
                    })
                    .collect();
                let totals: Vec<Value> = s
                    .llvm_totals
                    .iter()
                    .map(|t| json!({"name": t.name, "time_us": micros_json(t.dur_ns), "count": t.count}))
                    .collect();
                obj.insert("llvm_totals".into(), Value::Array(totals));
                ("passes", Value::Array(passes))
            }
            By::Module => (
                "modules",
                take(&s.modules, top)
                    .iter()
                    .map(|m| {
                        let phases: serde_json::Map<String, Value> = m.phases.iter().map(|(p, d)| (p.clone(), micros_json(*d))).collect();
                        json!({"module": m.module, "crate": m.crate_name, "busy_us": micros_json(m.busy_ns), "share_of_busy": share_json(m.busy_ns, s.busy_ns), "phases": phases})
                    })
                    .collect(),
            ),
            By::File => (
                "files",
                take(&s.files, top)
                    .iter()
                    .map(|f| {
                        json!({"path": f.path, "crate": f.crate_name, "events": f.events, "threads": f.threads, "busy_us": micros_json(f.busy_ns), "span_us": micros_json(f.span_ns), "event_time_us": micros_json(f.event_ns), "bytes": f.bytes})
                    })
                    .collect(),
            ),
        };
        obj.insert(key.into(), value);
    }
    if views.contains(&By::Function) {
        obj.insert("drop_glue_time_us".into(), micros_json(s.drop_glue_ns));
    }
    Value::Object(obj)
}

fn run_slim(a: SlimArgs, out: &mut dyn Write) -> CmdResult {
    let min_dur_ns = parse_duration(&a.min_dur).map_err(|e| Failure::bad_input(format!("--min-dur: {e}")))?;
    let opts = SlimOptions {
        min_dur_ns,
        keep: a.keep,
        demangle: a.demangle,
        read: Options { allow_truncated: a.allow_truncated, threads: a.jobs.unwrap_or(0), ..Options::default() },
        force: a.force,
    };
    let stats = slim(&a.inputs, &a.output, &opts)?;
    for t in &stats.truncated {
        note(&format!("{} is truncated at byte {}: slimmed the events before byte {}", t.path, t.at, t.last_event_end));
    }
    crate::wrote(
        out,
        &a.output,
        &format!(
            ": {} of {} events ({}), {} from {} in {} {}",
            count(stats.events_out),
            count(stats.events_in),
            percent(stats.events_out as i64, stats.events_in as i64),
            bytes(stats.bytes_out),
            bytes(stats.bytes_in),
            stats.files,
            if stats.files == 1 { "file" } else { "files" },
        ),
    )?;
    Ok(())
}
