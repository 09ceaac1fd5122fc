//! `fastware self-profile`: rustc's own profile, one crate or a whole build.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use fastware_report::Format;
use fastware_selfprof::chrome::{chrome, ChromeOptions};
use fastware_selfprof::diff::diff;
use fastware_selfprof::longest::longest;
use fastware_selfprof::stacks::{flamegraph, folded};
use fastware_selfprof::{summarize, By, DiffReport, LongestReport, SummaryReport, WrittenReport};

use crate::{one_of, Ctx, Done, Error, Lines, OutputArgs};

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
pub enum Sub {
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
pub struct SummaryArgs {
    /// Self-profiles (*.mm_profdata) or directories of them (a whole build)
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
    /// Summarize by label (summed over the build) or by crate
    #[arg(long, value_enum, default_value = "label")]
    by: By,
    /// Only labels matching this regex
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex)]
    filter: Option<regex::Regex>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The build before the change (a profile or a directory of them)
    #[arg(value_name = "BASE")]
    base: PathBuf,
    /// The build after it
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// Hide labels whose self time changed by less than PCT percent (of the larger side)
    #[arg(long, value_name = "PCT", default_value = "0", value_parser = fastware_report::parse::non_negative)]
    threshold: f64,
    /// Compare labels (summed) or crates' totals
    #[arg(long, value_enum, default_value = "label")]
    by: By,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct LongestArgs {
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
pub struct FlamegraphArgs {
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
    /// How to say what was written: a line, or JSON
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Args, Debug)]
pub struct ChromeArgs {
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
    /// Where to write the trace
    #[arg(short = 'o', long, value_name = "FILE.json")]
    output: PathBuf,
    /// Leave out events shorter than this (e.g. 500us, 1ms)
    #[arg(long, value_name = "DURATION", default_value = "0", value_parser = fastware_report::parse::duration)]
    min_dur: i64,
    /// Threads that never run at the same time share one row
    #[arg(long)]
    collapse_threads: bool,
    /// Replace an existing file that fastware did not write (never an input)
    #[arg(long)]
    force: bool,
    /// How to say what was written: a line, or JSON
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Args, Debug)]
pub struct FoldedArgs {
    #[arg(value_name = "PATHS", required = true)]
    paths: Vec<PathBuf>,
}

one_of! {
    /// What `self-profile` shows.
    pub enum SelfProfileView {
        Summary(SummaryReport),
        Diff(DiffReport),
        Longest(LongestReport),
        Written(WrittenReport),
        Folded(Lines),
    }
}

pub fn run(ctx: &Ctx, cmd: &SelfProfileCmd) -> Result<Done<SelfProfileView>, Error> {
    use SelfProfileView as V;
    Ok(match &cmd.sub {
        None => {
            let a = &cmd.args;
            let s = ctx.reading(&a.paths, || summarize(&a.paths))?;
            let keep = |l: &str| a.filter.as_ref().is_none_or(|f| f.is_match(l));
            let report = SummaryReport::new(&s, a.by, keep, a.output.top.unwrap_or(25));
            Done::new(V::Summary(report), a.output.format)
        }
        Some(Sub::Diff(a)) => {
            let both = [a.base.clone(), a.new.clone()];
            let (base, new) = ctx.reading(&both, || {
                rayon::join(|| summarize(std::slice::from_ref(&a.base)), || summarize(std::slice::from_ref(&a.new)))
            });
            let d = diff(&base?, &new?);
            let report = DiffReport::new(&d, a.by, a.threshold, a.output.top.unwrap_or(25));
            Done::new(V::Diff(report), a.output.format)
        }
        Some(Sub::Longest(a)) => {
            let top = a.output.top.unwrap_or(10);
            let l = ctx.reading(&a.paths, || longest(&a.paths, &a.label, if top == 0 { usize::MAX } else { top }))?;
            if !l.args_recorded {
                ctx.note("these profiles were recorded without query arguments: add -Zself-profile-events=default,args to see them");
            }
            if !a.label.is_empty() && l.matched == 0 {
                return Err(crate::error::not_found(format!(
                    "no events labelled {} in these profiles",
                    a.label.join(" or ")
                ))
                .with_hint("fastware self-profile PATHS lists the labels there are"));
            }
            Done::new(V::Longest(LongestReport::new(&l, &a.label, a.depth)), a.output.format)
        }
        Some(Sub::Flamegraph(a)) => {
            let size = flamegraph(&a.paths, &a.output, &a.title, a.force)?;
            Done::wrote(V::Written(WrittenReport::flamegraph(&a.output, size)), a.format, &a.output)
        }
        Some(Sub::Chrome(a)) => {
            let opts = ChromeOptions { min_dur_ns: a.min_dur, collapse_threads: a.collapse_threads, force: a.force };
            let stats = chrome(&a.paths, &a.output, opts)?;
            Done::wrote(V::Written(WrittenReport::chrome(&a.output, &stats)), a.format, &a.output)
        }
        Some(Sub::Folded(a)) => {
            let lines = folded(&a.paths)?.into_iter().map(|(stack, weight)| format!("{stack} {weight}")).collect();
            Done::new(V::Folded(Lines(lines)), Format::Table)
        }
    })
}
