//! `fastware heap`: where the program allocates, how long the memory lives,
//! and what to change — the real artifact run under valgrind's DHAT, or DHAT
//! files read; and two heap profiles compared.

use std::path::Path;

use clap::{Args, Subcommand};
use fastware_heap::report::{By, DiffReport, HeapReport, Sort};
use fastware_heap::saved::{self, SavedHeap};
use fastware_heap::HeapProfile;
use fastware_runner::VALGRIND;

use crate::artifact::ArtifactArgs;
use crate::under_tool::Prepared;
use crate::{one_of, Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware heap                                the release binary under valgrind's DHAT: sites by bytes
  fastware heap --bench parse                  a benchmark target (criterion's --profile-time mode)
  fastware heap --sort short-lived             allocations freed almost at once, with advice
  fastware heap --by function --sort blocks    roll-up by the function in your code
  fastware heap dhat.out.12345 --stack         read a DHAT file (valgrind's or dhat-heap.json)
  fastware heap --save before; …; fastware heap --save after; fastware heap diff before after

Arguments after -- go to the program. Its output goes to stderr, the report to stdout.";

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, after_help = EXAMPLES)]
pub struct HeapCmd {
    #[command(subcommand)]
    sub: Option<Sub>,
    /// DHAT files to read instead of running anything (dhat.out.<pid>, dhat-heap.json), or names saved with --save
    #[arg(value_name = "FILE")]
    files: Vec<std::ffi::OsString>,
    #[command(flatten)]
    artifact: ArtifactArgs,
    /// Keep the heap profile in the history as NAME, to compare later (fastware heap diff NAME …)
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    #[command(flatten)]
    view: ViewArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Arguments for the program
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ViewArgs {
    /// Rows: allocation sites (the first frame in your code), functions, or crates
    #[arg(long, value_enum, default_value = "site")]
    by: By,
    /// Order of the rows
    #[arg(long, value_enum, default_value = "bytes")]
    sort: Sort,
    /// Show each row's whole stack
    #[arg(long)]
    stack: bool,
    /// Blocks living less than this on average are short-lived, in the profile's time unit
    /// (instructions for valgrind, µs for the dhat crate) [default: the file's own, 500 instrs or 10 µs]
    #[arg(long, value_name = "TIME")]
    short_lived: Option<f64>,
}

#[derive(Subcommand, Debug)]
pub enum Sub {
    /// Compare two heap profiles (files or names saved with --save): per site or function, blocks, bytes, peak
    #[command(
        after_help = "Examples:\n  fastware heap diff before after\n  fastware heap diff before after --by function"
    )]
    Diff(DiffArgs),
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    #[command(flatten)]
    sides: crate::args::Sides,
    /// Rows: sites, functions or crates
    #[arg(long, value_enum, default_value = "site")]
    by: By,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    output: OutputArgs,
}

one_of! {
    /// What `heap` shows.
    pub enum HeapView {
        Sites(HeapReport),
        Diff(DiffReport),
    }
}

pub fn run(ctx: &Ctx, cmd: &HeapCmd) -> Result<Done<HeapView>, Error> {
    if let Some(Sub::Diff(a)) = &cmd.sub {
        let base = named(ctx, &a.sides.base, &a.artifact)?;
        let new = named(ctx, &a.sides.new, &a.artifact)?;
        let report = DiffReport::new(&base, &new, a.by, a.output.top.unwrap_or(25));
        return Ok(Done::new(HeapView::Diff(report), a.output.format));
    }
    if let Some(name) = &cmd.save {
        crate::saved::check(ctx, name)?;
    }
    let (p, failed, project) = load(ctx, cmd)?;
    let mut report =
        HeapReport::new(&p, cmd.view.by, cmd.view.sort, cmd.view.short_lived, cmd.output.top.unwrap_or(20));
    report.show_stacks = cmd.view.stack;
    // a program run under valgrind here is a measuring run: kept (the whole
    // profile), in the project's history when there is a project (`--file`
    // needs none); a file read is kept only when --save names it
    match (&cmd.save, project) {
        (Some(name), Some(pr)) => {
            let id = crate::saved::keep(ctx, &pr.workspace_root, &pr.target_dir, name, &SavedHeap::from(p))?;
            report.saved_to = Some(format!("run {id} `{name}`"));
        }
        (Some(_), None) => {
            return Err(crate::error::argument("--save keeps the heap profile in a cargo project's history")
                .with_hint("run it in the project, or give --store FILE"))
        }
        (None, Some(pr)) if cmd.files.is_empty() => {
            crate::history::record(ctx, &pr.workspace_root, &pr.target_dir, None, &SavedHeap::from(p));
        }
        (None, _) => {}
    }
    Ok(Done::new(HeapView::Sites(report), cmd.output.format).failing(failed))
}

/// The profile, the failure to report after it when the program did not
/// end well, and the project it belongs to (when there is one).
fn load(
    ctx: &Ctx,
    cmd: &HeapCmd,
) -> Result<(HeapProfile, Option<Error>, Option<fastware_cargo::project::Project>), Error> {
    if let Some(f) = cmd.files.first() {
        if cmd.files.len() > 1 {
            return Err(crate::error::argument("give one heap profile (to compare two: fastware heap diff A B)"));
        }
        let project = cmd.artifact.project(ctx).ok();
        return Ok((named(ctx, f, &cmd.artifact)?, None, project));
    }
    // the tool first: no build to wait for when it is missing
    let valgrind = ctx.tools.find(&VALGRIND)?;
    let run = Prepared::new(ctx, &cmd.artifact, false, &cmd.args, "heap", 1)?;
    let output = run.dir.join("dhat.json");
    let log = run.dir.join("valgrind.log");
    let record = saved::record_command(&valgrind, &output, &log, &run.program, &run.args);
    let failed = run.record(ctx, record, &output, "valgrind", Some(&log))?;
    let mut p = read(ctx, &output)?;
    p.meta.binary = Some(run.program.display().to_string());
    p.meta.commit = run.commit();
    let project = run.loaded.project.clone().or_else(|| cmd.artifact.project(ctx).ok());
    Ok((p, failed, project))
}

fn read(ctx: &Ctx, path: &Path) -> Result<HeapProfile, Error> {
    let bar = ctx.spinner(&format!("reading {}", path.display()));
    let p = saved::read(path);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    p
}

/// A DHAT file, or a heap profile saved with `--save` in the project here.
fn named(ctx: &Ctx, arg: &std::ffi::OsStr, artifact: &ArtifactArgs) -> Result<HeapProfile, Error> {
    let p = Path::new(arg);
    if p.exists() {
        return read(ctx, p);
    }
    // a name is text; other bytes can only be a path
    let Some(text) = arg.to_str() else {
        return Err(crate::error::not_found(format!("{}: no such file or directory", p.display())));
    };
    if let Ok(project) = artifact.project(ctx) {
        let legacy = saved::path(&project.target_dir, text);
        let old = |f: &Path| -> Result<SavedHeap, Error> { Ok(SavedHeap::from(saved::read(f)?)) };
        if let Some(kept) = crate::saved::find::<SavedHeap>(ctx, &project.target_dir, text, Some((legacy, &old)))? {
            return kept.into_profile(text);
        }
    }
    Err(crate::error::not_found(format!("{text}: no such file, and no heap profile saved under that name"))
        .with_hint("save one with `fastware heap --save NAME`, or give a DHAT file"))
}
