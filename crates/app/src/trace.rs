//! `fastware trace`: where LLVM spent its time, and `fastware trace slim`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use fastware_report::Format;
use fastware_trace::parallel::Options;
use fastware_trace::slim::{slim, SlimOptions};
use fastware_trace::{SlimReport, TraceQuery, TraceReport, View};

use crate::{Ctx, Error, OutputArgs};

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
    pub sub: Option<TraceSub>,
    #[command(flatten)]
    pub args: TraceArgs,
}

#[derive(Subcommand, Debug)]
pub enum TraceSub {
    /// Write a smaller trace that viewers (Perfetto, chrome://tracing) can open
    #[command(after_help = SLIM_EXAMPLES)]
    Slim(SlimArgs),
}

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Trace files or directories (every *.llvm_timings.json under a directory: a whole build); - for stdin. gzip and zstd are read too
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
    /// Show one view instead of the summary
    #[arg(long, value_enum, value_name = "KEY")]
    by: Option<View>,
    /// Event whose time and count are shown per function beside LLVM time (ranks with --by function/instance/crate…)
    #[arg(long, value_name = "NAME", default_value = "OptFunction")]
    event: String,
    /// Only functions whose demangled name matches this regex
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex)]
    filter: Option<regex::Regex>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Report the events of a truncated trace (rustc killed mid-build) instead of failing
    #[arg(long)]
    allow_truncated: bool,
    /// Threads to use [default: all cores]
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,
}

#[derive(Args, Debug)]
pub struct SlimArgs {
    /// Trace files or directories to slim (several are written into one output)
    #[arg(value_name = "INPUTS", required = true)]
    inputs: Vec<PathBuf>,
    /// Where to write the slimmed trace
    #[arg(short = 'o', long, value_name = "OUT")]
    pub output: PathBuf,
    /// Drop events shorter than this (e.g. 1ms, 200us; a bare number is µs)
    #[arg(long, value_name = "DURATION", default_value = "1ms", value_parser = fastware_report::parse::duration)]
    min_dur: i64,
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
    /// How to say what was written: a line, or JSON
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Where LLVM spent its time, in the views asked for.
pub fn summary(ctx: &Ctx, a: &TraceArgs) -> Result<TraceReport, Error> {
    let format = a.output.format;
    if format == Format::Csv && a.by.is_none() {
        return Err(crate::error::argument("--format csv writes one table")
            .with_hint("choose it with --by, e.g. --by function"));
    }
    let views: Vec<View> = a.by.map_or_else(|| View::SUMMARY.to_vec(), |v| vec![v]);
    let query = TraceQuery {
        paths: a.paths.iter().map(|p| if p.as_os_str() == "-" { p.clone() } else { ctx.path(p) }).collect(),
        llvm: fastware_trace::llvm::LlvmConfig { event: a.event.clone() },
        groupings: View::groupings(&views),
        filter: a.filter.clone(),
        options: Options { allow_truncated: a.allow_truncated, threads: a.jobs.unwrap_or(0), ..Options::default() },
    };
    let s = ctx.reading(&query.paths, || fastware_trace::summarize(&query))?;
    for t in &s.truncated {
        ctx.note(&format!(
            "{} is truncated at byte {}: reporting the events before byte {}",
            t.path, t.at, t.last_event_end
        ));
    }
    if s.out_of_order_threads > 0 {
        ctx.note(&format!(
            "{} thread(s) have events out of completion order: their self times are approximate",
            s.out_of_order_threads
        ));
    }
    let top = a.output.top.unwrap_or(if a.by.is_none() { 10 } else { 25 });
    Ok(TraceReport::new(&s, &views, top, a.filter.as_ref().map(|f| f.as_str())))
}

/// A smaller trace written to `-o`.
pub fn slim_trace(ctx: &Ctx, a: &SlimArgs) -> Result<SlimReport, Error> {
    let opts = SlimOptions {
        min_dur_ns: a.min_dur,
        keep: a.keep.clone(),
        demangle: a.demangle,
        read: Options { allow_truncated: a.allow_truncated, threads: a.jobs.unwrap_or(0), ..Options::default() },
        force: a.force,
    };
    let stats = ctx.reading(&a.inputs, || slim(&a.inputs, &a.output, &opts))?;
    for t in &stats.truncated {
        ctx.note(&format!(
            "{} is truncated at byte {}: slimmed the events before byte {}",
            t.path, t.at, t.last_event_end
        ));
    }
    Ok(SlimReport::new(&a.output, &stats))
}
