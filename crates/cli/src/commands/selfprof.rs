//! `fastware self-profile`: rustc's own profile, one crate or a whole build.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use fastware_report::cells::{self, take};
use fastware_report::units::{bytes, count, duration, micros_json, parse_duration, share_json};
use fastware_report::{Column, Format, Table};
use fastware_selfprof::chrome::{chrome, ChromeOptions};
use fastware_selfprof::diff::{diff, percent_change, Diff};
use fastware_selfprof::longest::{abbreviate, longest, readable_arg};
use fastware_selfprof::stacks::{flamegraph, folded};
use fastware_selfprof::{summarize, BuildSummary, LabelFigures};
use regex::Regex;
use serde_json::{json, Value};

use crate::{note, CmdResult, Failure, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  RUSTC_BOOTSTRAP=1 RUSTFLAGS=\"-Zself-profile=$PWD/profiles\" cargo build --release
  fastware self-profile profiles/                         every label, summed over the build
  fastware self-profile profiles/ --by crate              each crate's total and top labels
  fastware self-profile profiles/my_app-12345.mm_profdata --filter 'typeck|evaluate_obligation'
  fastware self-profile diff before/ after/               what changed, crate by crate
  fastware self-profile longest profiles/ --label evaluate_obligation
  fastware self-profile flamegraph profiles/ -o rustc.svg";

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true, after_help = EXAMPLES)]
pub struct SelfProfileCmd {
    #[command(subcommand)]
    sub: Option<Sub>,
    #[command(flatten)]
    args: SummaryArgs,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// Compare two builds (files or directories; directories are matched crate by crate)
    #[command(
        after_help = "Examples:\n  fastware self-profile diff base/ new/\n  fastware self-profile diff base.mm_profdata new.mm_profdata --threshold 5"
    )]
    Diff(DiffArgs),
    /// The longest single events, with their arguments (record with -Zself-profile-events=default,args)
    #[command(
        after_help = "Examples:\n  fastware self-profile longest profiles/ --label evaluate_obligation\n  fastware self-profile longest my_app-1234.mm_profdata --top 5 --format json"
    )]
    Longest(LongestArgs),
    /// Draw a flamegraph (SVG) of where rustc spent its time
    #[command(after_help = "Examples:\n  fastware self-profile flamegraph profiles/ -o rustc.svg")]
    Flamegraph(FlamegraphArgs),
    /// Write a Chrome trace for Perfetto or chrome://tracing
    #[command(
        after_help = "Examples:\n  fastware self-profile chrome profiles/ -o build.json --min-dur 500us --collapse-threads"
    )]
    Chrome(ChromeArgs),
    /// Print collapsed stacks ("crate;query;query self_ns") for other flamegraph tools
    #[command(after_help = "Examples:\n  fastware self-profile folded profiles/ | inferno-flamegraph > rustc.svg")]
    Folded(FoldedArgs),
}

#[derive(Args, Debug)]
struct SummaryArgs {
    /// Self-profiles (*.mm_profdata) or directories of them (a whole build)
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
    /// Summarize by label (summed over the build) or by crate
    #[arg(long, value_enum, default_value = "label")]
    by: By,
    /// Only labels matching this regex
    #[arg(long, value_name = "REGEX")]
    filter: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Label,
    Crate,
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// The build before the change (a profile or a directory of them)
    #[arg(value_name = "BASE")]
    base: PathBuf,
    /// The build after it
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Hide labels whose self time changed by less than PCT percent (of the larger side)
    #[arg(long, value_name = "PCT", default_value = "0")]
    threshold: f64,
    /// Compare labels (summed) or crates' totals
    #[arg(long, value_enum, default_value = "label")]
    by: By,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct LongestArgs {
    /// Self-profiles or directories of them
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
    /// Only events of these labels (e.g. evaluate_obligation, typeck); repeat or comma-separate
    #[arg(long, value_name = "LABEL", value_delimiter = ',')]
    label: Vec<String>,
    /// Nesting of generic arguments kept in the table (the JSON output has the whole text)
    #[arg(long, value_name = "N", default_value = "3")]
    depth: usize,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct FlamegraphArgs {
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
    /// Where to write the SVG
    #[arg(short = 'o', long, value_name = "FILE.svg")]
    output: PathBuf,
    /// Title drawn on top
    #[arg(long, default_value = "rustc self-profile")]
    title: String,
    /// Replace an existing file that fastware did not write (never an input)
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct ChromeArgs {
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
    /// Where to write the trace
    #[arg(short = 'o', long, value_name = "FILE.json")]
    output: PathBuf,
    /// Leave out events shorter than this (e.g. 500us, 1ms)
    #[arg(long, value_name = "DURATION", default_value = "0")]
    min_dur: String,
    /// Threads that never run at the same time share one row
    #[arg(long)]
    collapse_threads: bool,
    /// Replace an existing file that fastware did not write (never an input)
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct FoldedArgs {
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(cmd: SelfProfileCmd, out: &mut dyn Write) -> CmdResult {
    match cmd.sub {
        None => run_summary(cmd.args, out),
        Some(Sub::Diff(a)) => run_diff(a, out),
        Some(Sub::Longest(a)) => run_longest(a, out),
        Some(Sub::Flamegraph(a)) => {
            let size = flamegraph(&a.paths, &a.output, &a.title, a.force)?;
            crate::wrote(out, &a.output, &format!(" ({})", bytes(size)))?;
            Ok(())
        }
        Some(Sub::Chrome(a)) => {
            let min_dur_ns = parse_duration(&a.min_dur).map_err(|e| Failure::bad_input(format!("--min-dur: {e}")))?;
            let stats = chrome(
                &a.paths,
                &a.output,
                ChromeOptions { min_dur_ns, collapse_threads: a.collapse_threads, force: a.force },
            )?;
            crate::wrote(
                out,
                &a.output,
                &format!(
                    ": {} of {} events from {} {} ({})",
                    count(stats.events_out),
                    count(stats.events_in),
                    stats.profiles,
                    if stats.profiles == 1 { "profile" } else { "profiles" },
                    bytes(stats.bytes)
                ),
            )?;
            Ok(())
        }
        Some(Sub::Folded(a)) => {
            for (stack, weight) in folded(&a.paths)? {
                writeln!(out, "{stack} {weight}")?;
            }
            Ok(())
        }
    }
}

fn filter(f: &Option<String>) -> Result<Option<Regex>, Failure> {
    f.as_ref()
        .map(|f| Regex::new(f).map_err(|e| Failure::bad_input(format!("invalid --filter regex: {e}"))))
        .transpose()
}

fn label_table(labels: &[(String, LabelFigures)], total: i64) -> Table {
    let mut t = Table::new(vec![
        Column::right("self time", "self_time_us"),
        Column::right("% of total", "share_of_total"),
        Column::right("time", "time_us"),
        Column::right("count", "count"),
        Column::right("cache hits", "cache_hits"),
        Column::right("blocked", "blocked_time_us"),
        Column::right("incr. load", "incremental_load_time_us"),
        Column::right("incr. hashing", "incremental_hashing_time_us"),
        Column::left("label", "label"),
    ]);
    for (label, f) in labels {
        t.row(vec![
            cells::time(f.self_ns),
            cells::share(f.self_ns, total),
            cells::time(f.total_ns),
            cells::count(f.count),
            cells::count(f.cache_hits),
            cells::time(f.blocked_ns),
            cells::time(f.incr_load_ns),
            cells::time(f.incr_hash_ns),
            cells::text(label),
        ]);
    }
    t
}

fn label_json(label: &str, f: &LabelFigures, total: i64) -> Value {
    json!({
        "label": label,
        "self_time_us": micros_json(f.self_ns),
        "share_of_total": share_json(f.self_ns, total),
        "time_us": micros_json(f.total_ns),
        "count": f.count,
        "cache_hits": f.cache_hits,
        "cache_misses": f.cache_misses,
        "blocked_time_us": micros_json(f.blocked_ns),
        "incremental_load_time_us": micros_json(f.incr_load_ns),
        "incremental_hashing_time_us": micros_json(f.incr_hash_ns),
    })
}

/// A crate's total and its top labels.
struct CrateRow {
    name: String,
    total_ns: i64,
    busy_ns: i64,
    events: u64,
    /// (label, self time) of its three largest labels
    top: Vec<(String, i64)>,
}

fn crate_rows(s: &BuildSummary, filter: Option<&Regex>) -> Vec<CrateRow> {
    s.profiles
        .iter()
        .map(|p| CrateRow {
            name: p.crate_name.clone(),
            total_ns: p.total_ns,
            busy_ns: p.busy_ns,
            events: p.events,
            top: p
                .labels
                .iter()
                .filter(|(l, _)| filter.is_none_or(|f| f.is_match(l)))
                .take(3)
                .map(|(l, f)| (l.clone(), f.self_ns))
                .collect(),
        })
        .collect()
}

fn run_summary(a: SummaryArgs, out: &mut dyn Write) -> CmdResult {
    let re = filter(&a.filter)?;
    let s = summarize(&a.paths)?;
    let labels: Vec<(String, LabelFigures)> =
        s.labels.iter().filter(|(l, _)| re.as_ref().is_none_or(|f| f.is_match(l))).cloned().collect();
    let top = a.output.top.unwrap_or(25);
    let threads: u64 = s.profiles.iter().map(|p| p.threads).sum();
    match (a.output.format(), a.by) {
        (Format::Json, by) => {
            let mut obj = serde_json::Map::new();
            obj.insert(
                "inputs".into(),
                json!({
                    "profiles": s.profiles.len(),
                    "events": s.events,
                    "threads": threads,
                    "total_time_us": micros_json(s.total_ns),
                    "busy_time_us": micros_json(s.busy_ns),
                }),
            );
            if by == By::Label {
                let rows: Vec<Value> = take(&labels, top).iter().map(|(l, f)| label_json(l, f, s.total_ns)).collect();
                obj.insert("labels".into(), Value::Array(rows));
                let arts: Vec<Value> = s.artifacts.iter().map(|(l, v)| json!({"artifact": l, "bytes": v})).collect();
                obj.insert("artifact_sizes".into(), Value::Array(arts));
            } else {
                let rows: Vec<Value> = take(&crate_rows(&s, re.as_ref()), top)
                    .iter()
                    .map(|r| {
                        let tops: Vec<Value> = r.top.iter().map(|(l, t)| json!({"label": l, "self_time_us": micros_json(*t)})).collect();
                        json!({"crate": r.name, "total_time_us": micros_json(r.total_ns), "share_of_total": share_json(r.total_ns, s.total_ns), "busy_time_us": micros_json(r.busy_ns), "events": r.events, "top_labels": tops})
                    })
                    .collect();
                obj.insert("crates".into(), Value::Array(rows));
            }
            fastware_report::write_json(out, &Value::Object(obj))?;
        }
        (format, By::Label) => {
            let t = label_table(take(&labels, top), s.total_ns);
            if format == Format::Csv {
                t.write_csv(out)?;
                return Ok(());
            }
            header(out, &s, threads)?;
            writeln!(out)?;
            writeln!(out, "Labels by self time (an event's time minus the events nested in it; % of the total time)")?;
            t.write_text(out, 2, fastware_report::terminal_width())?;
            if top != 0 && labels.len() > top {
                writeln!(out, "  … {} more (--top 0 shows all)", count((labels.len() - top) as u64))?;
            }
            if !s.artifacts.is_empty() {
                writeln!(out)?;
                writeln!(out, "Artifact sizes")?;
                let mut t = Table::new(vec![Column::right("size", "bytes"), Column::left("artifact", "artifact")]);
                for (l, v) in &s.artifacts {
                    t.row(vec![cells::bytes(*v), cells::text(l)]);
                }
                t.write_text(out, 2, None)?;
            }
        }
        (format, By::Crate) => {
            let rows = crate_rows(&s, re.as_ref());
            let mut t = Table::new(vec![
                Column::right("total", "total_time_us"),
                Column::right("% of total", "share_of_total"),
                Column::right("events", "events"),
                Column::left("crate", "crate"),
                Column::left("top labels (self time)", "top_labels"),
            ]);
            for r in take(&rows, top) {
                let shown: Vec<String> = r.top.iter().map(|(l, t)| format!("{l} {}", duration(*t))).collect();
                let csv: Vec<String> =
                    r.top.iter().map(|(l, t)| format!("{l}={}", fastware_report::units::micros_text(*t))).collect();
                t.row(vec![
                    cells::time(r.total_ns),
                    cells::share(r.total_ns, s.total_ns),
                    cells::count(r.events),
                    cells::text(&r.name),
                    (shown.join(", "), csv.join(";")),
                ]);
            }
            if format == Format::Csv {
                t.write_csv(out)?;
                return Ok(());
            }
            header(out, &s, threads)?;
            writeln!(out)?;
            writeln!(out, "Crates by total time (each profile's threads, first event to last)")?;
            t.write_text(out, 2, fastware_report::terminal_width())?;
            if top != 0 && rows.len() > top {
                writeln!(out, "  … {} more (--top 0 shows all)", count((rows.len() - top) as u64))?;
            }
        }
    }
    Ok(())
}

fn header(out: &mut dyn Write, s: &BuildSummary, threads: u64) -> std::io::Result<()> {
    let n = s.profiles.len();
    writeln!(
        out,
        "{} {}, {} events on {} threads; total time {} (sum of each thread's span), busy {}",
        count(n as u64),
        if n == 1 { "profile" } else { "profiles" },
        count(s.events),
        count(threads),
        duration(s.total_ns),
        duration(s.busy_ns)
    )
}

fn run_diff(a: DiffArgs, out: &mut dyn Write) -> CmdResult {
    let (base, new) =
        rayon::join(|| summarize(std::slice::from_ref(&a.base)), || summarize(std::slice::from_ref(&a.new)));
    let (base, new) = (base?, new?);
    let d = diff(&base, &new);
    let top = a.output.top.unwrap_or(25);
    let shown: Vec<&fastware_selfprof::diff::LabelDelta> = d
        .labels
        .iter()
        .filter(|l| {
            let larger = l.base.self_ns.abs().max(l.new.self_ns.abs());
            larger > 0 && (l.self_delta().abs() as f64) * 100.0 >= a.threshold * larger as f64 && l.self_delta() != 0
        })
        .collect();
    let hidden = d.labels.len() - shown.len();
    match (a.output.format(), a.by) {
        (Format::Json, _) => fastware_report::write_json(out, &diff_json(&d, &shown, top, a.threshold))?,
        (format, By::Label) => {
            let mut t = Table::new(vec![
                Column::right("Δ self", "self_change_us"),
                Column::right("Δ self %", "self_change_share"),
                Column::right("base self", "base_self_time_us"),
                Column::right("new self", "new_self_time_us"),
                Column::right("Δ time", "time_change_us"),
                Column::right("Δ count", "count_change"),
                Column::left("label", "label"),
            ]);
            for l in take(&shown, top) {
                t.row(vec![
                    cells::time_change(l.self_delta()),
                    cells::change_percent(l.base.self_ns, l.self_delta()),
                    cells::time(l.base.self_ns),
                    cells::time(l.new.self_ns),
                    cells::time_change(l.total_delta()),
                    cells::count_change(l.count_delta()),
                    cells::text(&l.label),
                ]);
            }
            if format == Format::Csv {
                t.write_csv(out)?;
                return Ok(());
            }
            diff_header(out, &d)?;
            writeln!(out)?;
            writeln!(out, "Labels by change of self time")?;
            t.write_text(out, 2, fastware_report::terminal_width())?;
            if top != 0 && shown.len() > top {
                writeln!(out, "  … {} more (--top 0 shows all)", count((shown.len() - top) as u64))?;
            }
            if hidden > 0 {
                writeln!(out, "  ({} labels unchanged or below --threshold {}%)", count(hidden as u64), a.threshold)?;
            }
        }
        (format, By::Crate) => {
            let mut t = Table::new(vec![
                Column::right("Δ total", "total_change_us"),
                Column::right("Δ %", "total_change_share"),
                Column::right("base", "base_total_us"),
                Column::right("new", "new_total_us"),
                Column::left("crate", "crate"),
            ]);
            for c in take(&d.crates, top) {
                let side = |v: Option<i64>| v.map_or_else(|| ("-".to_string(), String::new()), cells::time);
                t.row(vec![
                    cells::time_change(c.delta()),
                    cells::change_percent(c.base_ns.unwrap_or(0), c.delta()),
                    side(c.base_ns),
                    side(c.new_ns),
                    cells::text(&c.crate_name),
                ]);
            }
            if format == Format::Csv {
                t.write_csv(out)?;
                return Ok(());
            }
            diff_header(out, &d)?;
            writeln!(out)?;
            writeln!(out, "Crates by change of total time (\"-\": not in that build)")?;
            t.write_text(out, 2, fastware_report::terminal_width())?;
        }
    }
    Ok(())
}

fn diff_header(out: &mut dyn Write, d: &Diff) -> std::io::Result<()> {
    let change = d.new_total_ns - d.base_total_ns;
    let pct = percent_change(d.base_total_ns, change).map_or_else(|| "new".to_string(), |p| format!("{p:+.1}%"));
    writeln!(
        out,
        "total time {} → {} ({}{}, {pct})",
        duration(d.base_total_ns),
        duration(d.new_total_ns),
        if change > 0 { "+" } else { "" },
        duration(change)
    )
}

fn diff_json(d: &Diff, shown: &[&fastware_selfprof::diff::LabelDelta], top: usize, threshold: f64) -> Value {
    let labels: Vec<Value> = take(shown, top)
        .iter()
        .map(|l| {
            json!({
                "label": l.label,
                "base": {"self_time_us": micros_json(l.base.self_ns), "time_us": micros_json(l.base.total_ns), "count": l.base.count},
                "new": {"self_time_us": micros_json(l.new.self_ns), "time_us": micros_json(l.new.total_ns), "count": l.new.count},
                "self_change_us": micros_json(l.self_delta()),
                "self_change_percent": percent_change(l.base.self_ns, l.self_delta()),
                "time_change_us": micros_json(l.total_delta()),
                "count_change": l.count_delta(),
            })
        })
        .collect();
    let crates: Vec<Value> = d
        .crates
        .iter()
        .map(|c| json!({"crate": c.crate_name, "base_total_us": c.base_ns.map(micros_json), "new_total_us": c.new_ns.map(micros_json), "change_us": micros_json(c.delta())}))
        .collect();
    json!({
        "base_total_time_us": micros_json(d.base_total_ns),
        "new_total_time_us": micros_json(d.new_total_ns),
        "threshold_percent": threshold,
        "labels": labels,
        "crates": crates,
    })
}

fn run_longest(a: LongestArgs, out: &mut dyn Write) -> CmdResult {
    let top = a.output.top.unwrap_or(10);
    let l = longest(&a.paths, &a.label, if top == 0 { usize::MAX } else { top })?;
    if !l.args_recorded {
        note(
            "these profiles were recorded without query arguments: add -Zself-profile-events=default,args to see them",
        );
    }
    if !a.label.is_empty() && l.matched == 0 {
        return Err(Failure::bad_input(format!("no events labelled {} in these profiles", a.label.join(" or ")))
            .hint("fastware self-profile PATHS lists the labels there are"));
    }
    match a.output.format() {
        Format::Json => {
            let rows: Vec<Value> = l
                .events
                .iter()
                .map(|e| {
                    json!({"label": e.label, "kind": e.kind.name(), "duration_us": micros_json(e.dur_ns), "start_us": micros_json(e.start_ns), "thread": e.thread, "crate": e.crate_name, "profile": e.path, "args": e.args})
                })
                .collect();
            fastware_report::write_json(out, &json!({"matched_events": l.matched, "events": rows}))?;
        }
        format => {
            let mut t = Table::new(vec![
                Column::right("duration", "duration_us"),
                Column::left("label", "label"),
                Column::left("crate", "crate"),
                Column::left("arguments", "arguments"),
            ]);
            for e in &l.events {
                let args = e.args.join(", ");
                let short = if format == Format::Csv {
                    args.clone()
                } else {
                    e.args.iter().map(|x| abbreviate(readable_arg(x), a.depth, 300)).collect::<Vec<_>>().join(", ")
                };
                t.row(vec![cells::time(e.dur_ns), cells::text(&e.label), cells::text(&e.crate_name), (short, args)]);
            }
            if format == Format::Csv {
                t.write_csv(out)?;
                return Ok(());
            }
            writeln!(
                out,
                "The {} longest of {} events{} (arguments: the predicate, brackets nested deeper than {} shown as …; --format json has them whole)",
                l.events.len(),
                count(l.matched),
                if a.label.is_empty() { String::new() } else { format!(" labelled {}", a.label.join(" or ")) },
                a.depth
            )?;
            t.write_text(out, 2, fastware_report::terminal_width())?;
        }
    }
    Ok(())
}
