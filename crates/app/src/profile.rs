//! `fastware profile`: where the running program spends its time — sampled
//! with perf or counted with callgrind — its top functions, callees and
//! callers, annotated machine code, flamegraphs, and two profiles compared.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use fastware_profile::report::{AnnotateReport, CallsReport, FlamegraphReport, ProfileDiffReport, ProfileReport};
use fastware_profile::views::{self, By, Shape};
use fastware_profile::Profile;
use fastware_report::Format;
use regex::Regex;

use crate::profile_run::{load, SourceArgs};
use crate::{one_of, Ctx, Done, Error, Lines, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware profile                             run the release binary under perf, top functions
  fastware profile --bench parse              a criterion bench (its --profile-time mode), binary named
  fastware profile --callgrind --bench parse   exact instruction counts (valgrind)
  fastware profile --callees my_app::eval      what eval's time is spent in (seed 001's view)
  fastware profile --annotate my_app::cast     the machine code, samples per instruction
  fastware profile --hide 'tokio::runtime' --focus 'my_app::'   past the executor's frames
  fastware profile perf.data --by crate        read a profile instead of running anything
  fastware profile --save before; …; fastware profile --save after; fastware profile diff before after
  fastware profile flamegraph -o cpu.svg -- input.txt

Arguments after -- go to the program. Its output goes to stderr, the report to stdout.";

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, after_help = EXAMPLES)]
pub struct ProfileCmd {
    #[command(subcommand)]
    sub: Option<Sub>,
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    view: ViewArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Subcommand, Debug)]
pub enum Sub {
    /// Draw a flamegraph (SVG) of the stacks
    #[command(
        after_help = "Examples:\n  fastware profile flamegraph -o cpu.svg\n  fastware profile flamegraph perf.data -o cpu.svg --hide 'tokio::runtime'"
    )]
    Flamegraph(FlameArgs),
    /// Write the profile for a profile viewer: speedscope's JSON (speedscope.app, `speedscope FILE`) or the Firefox Profiler's
    #[command(
        after_help = "Examples:\n  fastware profile export --speedscope cpu.speedscope.json\n  fastware profile export perf.data --speedscope cpu.json --per-thread\n  fastware profile export perf.data --firefox cpu.firefox.json   (profiler.firefox.com: Load a profile from file)"
    )]
    Export(ExportArgs),
    /// Print collapsed stacks ("root;…;leaf count") for other flamegraph tools
    #[command(after_help = "Examples:\n  fastware profile folded perf.data | inferno-flamegraph > cpu.svg")]
    Folded(FoldedArgs),
    /// Compare two profiles (files or names saved with --save): per function the change of self and total
    #[command(
        after_help = "Examples:\n  fastware profile diff before after\n  fastware profile diff a.perf.data b.perf.data --flamegraph diff.svg"
    )]
    Diff(crate::profile_diff::DiffArgs),
}

/// How the profile is looked at.
#[derive(Args, Debug, Clone)]
pub struct ViewArgs {
    /// Group functions: by function (generics erased, closures folded), instance, or crate
    #[arg(long, value_enum, default_value = "function")]
    by: By,
    /// The callees of the function matching REGEX: their cost when called from it
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex, conflicts_with_all = ["callers", "annotate"])]
    callees: Option<Regex>,
    /// The callers of the function matching REGEX: its cost when called from each
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex, conflicts_with = "annotate")]
    callers: Option<Regex>,
    /// The machine code of the function matching REGEX, with the cost of each instruction
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex)]
    annotate: Option<Regex>,
    #[command(flatten)]
    shape: ShapeArgs,
    /// Keep the frames every stack passes through (program entry, runtime start, thread start, executors) in "by total"
    #[arg(long)]
    all_frames: bool,
    /// Rank inlined functions as rows of their own (by default each function lists the code inlined into it beneath it)
    #[arg(long)]
    inlined_rows: bool,
}

/// Which stacks, and how cut.
#[derive(Args, Debug, Clone, Default)]
pub struct ShapeArgs {
    /// Fold frames whose name matches REGEX into their caller (e.g. an async runtime's)
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex)]
    hide: Option<Regex>,
    /// Keep only stacks through a frame matching REGEX, from that frame down
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex)]
    focus: Option<Regex>,
    /// One root per thread
    #[arg(long)]
    per_thread: bool,
    /// Fold inlined functions into the function they were inlined into (symbols only, as perf report --no-inline)
    #[arg(long)]
    no_inline: bool,
}

impl ShapeArgs {
    fn shape(&self) -> Shape {
        Shape {
            hide: self.hide.clone(),
            focus: self.focus.clone(),
            per_thread: self.per_thread,
            no_inline: self.no_inline,
        }
    }
}

#[derive(Args, Debug)]
pub struct FlameArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    shape: ShapeArgs,
    /// Where to write the SVG
    #[arg(short = 'o', long, value_name = "FILE.svg")]
    output: PathBuf,
    /// Replace an existing file that fastware did not write
    #[arg(long)]
    force: bool,
    /// How to say what was written: a line, or JSON
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("viewer").required(true).multiple(false))]
pub struct ExportArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    shape: ShapeArgs,
    /// Where to write speedscope's JSON
    #[arg(long, value_name = "FILE.json", group = "viewer")]
    speedscope: Option<PathBuf>,
    /// Where to write the Firefox Profiler's processed JSON (open it at profiler.firefox.com: Load a profile from file)
    #[arg(long, value_name = "FILE.json", group = "viewer")]
    firefox: Option<PathBuf>,
    /// Replace an existing file that fastware did not write
    #[arg(long)]
    force: bool,
    /// How to say what was written: a line, or JSON
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Args, Debug)]
pub struct FoldedArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    shape: ShapeArgs,
}

one_of! {
    /// What `profile` shows.
    pub enum ProfileView {
        Top(ProfileReport),
        Calls(CallsReport),
        Annotate(AnnotateReport),
        Flamegraph(FlamegraphReport),
        Exported(fastware_profile::export::ExportReport),
        Folded(Lines),
        Diff(ProfileDiffReport),
    }
}

/// The stacks to draw: where threads waited off the CPU with `--off-cpu`,
/// else the CPU samples.
fn waits_or_cpu<'p>(
    p: &'p fastware_profile::Profile,
    a: &SourceArgs,
) -> Result<std::borrow::Cow<'p, fastware_profile::Profile>, Error> {
    if a.off_cpu {
        fastware_profile::offcpu::as_profile(p).map(std::borrow::Cow::Owned)
    } else {
        Ok(std::borrow::Cow::Borrowed(p))
    }
}

pub fn run(ctx: &Ctx, cmd: &ProfileCmd) -> Result<Done<ProfileView>, Error> {
    use ProfileView as V;
    match &cmd.sub {
        Some(Sub::Flamegraph(a)) => {
            // checked before the program runs, not after
            fastware_report::OutputFile::check(&a.output, &[], a.force)?;
            let (p, failed) = load(ctx, &a.source)?;
            let source = waits_or_cpu(&p, &a.source)?;
            let p = views::reshape(&source, &a.shape.shape())?;
            let lines: Vec<String> = views::folded(&p)?.into_iter().map(|(s, w)| format!("{s} {w}")).collect();
            let title = format!("{} ({} {})", p.meta.command.as_deref().unwrap_or("profile"), p.total, p.meta.unit);
            let r = fastware_profile::report::flamegraph(&lines, &a.output, &title, &p.meta.unit, a.force)?;
            Ok(Done::wrote(V::Flamegraph(r), a.format, &a.output).failing(failed))
        }
        Some(Sub::Export(a)) => {
            use fastware_profile::export::Viewer;
            let (out, viewer) = match (&a.speedscope, &a.firefox) {
                (Some(f), _) => (f, Viewer::Speedscope),
                (None, Some(f)) => (f, Viewer::Firefox),
                (None, None) => return Err(crate::error::argument("say where: --speedscope FILE or --firefox FILE")),
            };
            // checked before the program runs, not after
            fastware_report::OutputFile::check(out, &[], a.force)?;
            let (p, failed) = load(ctx, &a.source)?;
            let source = waits_or_cpu(&p, &a.source)?;
            let p = views::reshape(&source, &a.shape.shape())?;
            let name = p.meta.command.clone().unwrap_or_else(|| p.meta.file.clone());
            let r = fastware_profile::export::write(&p, out, &name, a.force, viewer)?;
            Ok(Done::wrote(V::Exported(r), a.format, out).failing(failed))
        }
        Some(Sub::Folded(a)) => {
            let (p, failed) = load(ctx, &a.source)?;
            let lines = views::folded(&*views::reshape(&*waits_or_cpu(&p, &a.source)?, &a.shape.shape())?)?
                .into_iter()
                .map(|(stack, weight)| format!("{stack} {weight}"))
                .collect();
            Ok(Done::new(V::Folded(Lines(lines)), Format::Table).failing(failed))
        }
        Some(Sub::Diff(a)) => Ok(Done::new(V::Diff(crate::profile_diff::run(ctx, a)?), a.output.format)),
        None => {
            // the workspace's crates are the user's code (when there is a
            // project here): asked of cargo while the profile is read
            let (loaded, crates) = std::thread::scope(|s| {
                let crates = s.spawn(|| {
                    cmd.source
                        .artifact
                        .project(ctx)
                        .map(|pr| {
                            pr.members.iter().flat_map(|m| m.targets.iter().map(|t| t.name.replace('-', "_"))).collect()
                        })
                        .unwrap_or_default()
                });
                (load(ctx, &cmd.source), crates.join().unwrap_or_default())
            });
            let (p, failed) = loaded?;
            let view = show(&p, &cmd.view, &cmd.output, crates)?;
            fastware_core::free_later(p);
            Ok(Done::new(view, cmd.output.format).failing(failed))
        }
    }
}

/// The view asked for of `p`.
fn show(p: &Profile, v: &ViewArgs, o: &OutputArgs, crates: Vec<String>) -> Result<ProfileView, Error> {
    let p = views::reshape(p, &v.shape.shape())?;
    let top = o.top.unwrap_or(20);
    if let Some(re) = &v.annotate {
        return Ok(ProfileView::Annotate(fastware_profile::annotate::annotate(&p, re)?));
    }
    for (re, callees) in [(&v.callees, true), (&v.callers, false)] {
        if let Some(re) = re {
            let (row, n) = views::neighbours(&p, v.by, re, callees)?;
            return Ok(ProfileView::Calls(CallsReport::new(&p, callees, &row, &n, top)));
        }
    }
    let cx = fastware_profile::report::Context { crates, all_frames: v.all_frames, inlined_rows: v.inlined_rows };
    Ok(ProfileView::Top(ProfileReport::with(&p, v.by, top, &cx)))
}
