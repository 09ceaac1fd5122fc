//! `fastware heap`: where the program allocates, how long the memory lives,
//! and what to change — the real artifact run under valgrind's DHAT, or DHAT
//! files read; and two heap profiles compared.

use std::io::Write;

use clap::{Args, Subcommand};
use fastware_heap::report::{By, DiffReport, HeapReport, Sort};
use fastware_heap::{saved, HeapProfile};
use fastware_runner::VALGRIND;

use super::binary::ArtifactArgs;
use super::under_tool::{self, Prepared};
use crate::{CmdResult, Error, OutputArgs};

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
    files: Vec<String>,
    #[command(flatten)]
    artifact: ArtifactArgs,
    /// Keep the profile as NAME (<target-dir>/fastware/heap/NAME.json), to compare later
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
struct ViewArgs {
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
enum Sub {
    /// Compare two heap profiles (files or names saved with --save): per site or function, blocks, bytes, peak
    #[command(
        after_help = "Examples:\n  fastware heap diff before after\n  fastware heap diff before after --by function"
    )]
    Diff(DiffArgs),
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// The profile before: a file, or a name saved with --save
    #[arg(value_name = "BASE")]
    base: String,
    /// The profile after
    #[arg(value_name = "NEW")]
    new: String,
    /// Rows: sites, functions or crates
    #[arg(long, value_enum, default_value = "site")]
    by: By,
    #[command(flatten)]
    artifact: ArtifactArgs,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(cmd: HeapCmd, out: &mut dyn Write) -> CmdResult {
    if let Some(Sub::Diff(a)) = cmd.sub {
        let base = saved::read(&resolve(&a.base, &a.artifact)?)?;
        let new = saved::read(&resolve(&a.new, &a.artifact)?)?;
        let report = DiffReport::new(&base, &new, a.by, a.output.top.unwrap_or(25));
        return fastware_report::emit(&report, a.output.format, out);
    }
    if let Some(name) = &cmd.save {
        fastware_report::output::check_name(name)?;
    }
    let (p, failed) = load(&cmd)?;
    let mut report =
        HeapReport::new(&p, cmd.view.by, cmd.view.sort, cmd.view.short_lived, cmd.output.top.unwrap_or(20));
    report.show_stacks = cmd.view.stack;
    report.saved_to = save(&cmd, &p)?;
    // a program run under valgrind here is a measuring run: kept, in the
    // project's history when there is a project (`--file` needs none)
    if let (true, Ok(project)) = (cmd.files.is_empty(), cmd.artifact.project()) {
        super::history::record(&project.workspace_root, &project.target_dir, "heap", cmd.save.as_deref(), &report);
    }
    fastware_report::emit(&report, cmd.output.format, out)?;
    failed.map_or(Ok(()), Err)
}

/// The profile, and the failure to report after it when the program did
/// not end well.
fn load(cmd: &HeapCmd) -> Result<(HeapProfile, Option<Error>), Error> {
    if let Some(f) = cmd.files.first() {
        if cmd.files.len() > 1 {
            return Err(Error::bad_input("give one heap profile (to compare two: fastware heap diff A B)"));
        }
        return Ok((read(&resolve(f, &cmd.artifact)?)?, None));
    }
    // the tool first: no build to wait for when it is missing
    let valgrind = VALGRIND.find()?;
    let run = Prepared::new(&cmd.artifact, false, &cmd.args, "heap", 1)?;
    let output = run.dir.join("dhat.json");
    let failed = run.record(saved::record_command(&valgrind, &output, &run.program, &run.args), &output, "valgrind")?;
    let mut p = read(&output)?;
    p.meta.binary = Some(run.program.display().to_string());
    p.meta.commit = run.commit();
    Ok((p, failed))
}

fn read(path: &std::path::Path) -> Result<HeapProfile, Error> {
    let bar = crate::spinner(&format!("reading {}", path.display()));
    let p = saved::read(path);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    p
}

fn save(cmd: &HeapCmd, p: &HeapProfile) -> Result<Option<String>, Error> {
    let Some(name) = &cmd.save else { return Ok(None) };
    let path = saved::path(&cmd.artifact.project()?.target_dir, name);
    saved::save(p, &path)?;
    crate::note(&format!("saved the heap profile as `{name}` ({})", path.display()));
    Ok(Some(path.display().to_string()))
}

fn resolve(text: &str, artifact: &ArtifactArgs) -> Result<std::path::PathBuf, Error> {
    under_tool::resolve(text, artifact, saved::path, "heap profile")
        .map_err(|e| e.with_hint("save one with `fastware heap --save NAME`, or give a DHAT file"))
}
