//! `fastware llvm-lines`: lines of unoptimised LLVM IR and copies per
//! function, for the selected crates or every crate of the build, with the
//! LLVM time of a trace beside them; and two saved runs compared.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use fastware_llvmlines::diff::LlvmLinesDiff;
use fastware_llvmlines::report::View;
use fastware_llvmlines::saved::{self, SavedLines};
use fastware_llvmlines::{By, LlvmLinesReport, Sort};

use crate::args::SelectionArgs;
use crate::llvm_lines_build as built;
use crate::{one_of, Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware llvm-lines                               the package's crates, by function (generics erased)
  fastware llvm-lines --by instance --top 20        each instance, as cargo-llvm-lines lists them
  fastware llvm-lines --all-crates --with-trace     every crate, with the LLVM time each function cost
  fastware llvm-lines --crates serde_json,regex --filter 'Deserialize'
  fastware llvm-lines --save before; …; fastware llvm-lines --save after; fastware llvm-lines diff before after

The IR is built in <target-dir>/fastware/llvm-lines/ with cargo-llvm-lines' flags
(--emit=llvm-ir -Cno-prepopulate-passes -Cpasses=name-anon-globals) and one codegen
unit per crate, through fastware as the rustc wrapper; your target directory and
files are not touched.";

/// Symbol mangling of the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mangling {
    /// v0: generic arguments in every name, so copies can be told apart
    V0,
    /// legacy: rustc's default (what cargo-llvm-lines shows without flags)
    Legacy,
}

impl Mangling {
    pub fn name(self) -> &'static str {
        match self {
            Mangling::V0 => "v0",
            Mangling::Legacy => "legacy",
        }
    }
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, after_help = EXAMPLES)]
pub struct LlvmLinesCmd {
    #[command(subcommand)]
    sub: Option<Sub>,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Only the package's library
    #[arg(long, conflicts_with = "bin")]
    pub lib: bool,
    /// Only the binary NAME
    #[arg(long, value_name = "NAME")]
    pub bin: Option<String>,
    /// Count every crate of the build, dependencies too [default: the selected packages' crates]
    #[arg(long, conflicts_with = "crates")]
    pub all_crates: bool,
    /// Count these crates of the build (comma-separated)
    #[arg(long, value_name = "CRATES", value_delimiter = ',')]
    pub crates: Vec<String>,
    /// Also record -Zllvm-time-trace in a normal build of the same crates (or read the traces in DIR)
    /// and show the LLVM time of each row
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub with_trace: Option<Option<PathBuf>>,
    /// Symbol mangling of the build
    #[arg(long, value_enum, default_value = "v0")]
    pub mangling: Mangling,
    /// Jobs for cargo
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    #[command(flatten)]
    view: ViewArgs,
    /// Keep the counts in the history as NAME, for `diff`
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct ViewArgs {
    /// Rows
    #[arg(long, value_enum, default_value = "function")]
    by: By,
    /// Order of the rows (time needs --with-trace)
    #[arg(long, value_enum, default_value = "lines")]
    sort: Sort,
    /// Only functions whose demangled instance name matches this regex
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex)]
    filter: Option<regex::Regex>,
}

#[derive(Subcommand, Debug)]
pub enum Sub {
    /// Compare two runs saved with --save: per row, lines and copies before and after
    #[command(
        after_help = "Examples:\n  fastware llvm-lines diff before after\n  fastware llvm-lines diff before after --by crate"
    )]
    Diff(DiffArgs),
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The run before: a name saved with --save, or its file
    #[arg(value_name = "BEFORE")]
    before: std::ffi::OsString,
    /// The run after
    #[arg(value_name = "AFTER")]
    after: std::ffi::OsString,
    #[command(flatten)]
    view: ViewArgs,
    /// The project's Cargo.toml (where the saved names are)
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

impl LlvmLinesCmd {
    /// What the rows are.
    pub fn view_by(&self) -> By {
        self.view.by
    }
}

one_of! {
    /// What `llvm-lines` shows.
    pub enum LlvmLinesView {
        Lines(LlvmLinesReport),
        Diff(LlvmLinesDiff),
    }
}

pub fn run(ctx: &Ctx, cmd: &LlvmLinesCmd) -> Result<Done<LlvmLinesView>, Error> {
    if let Some(Sub::Diff(a)) = &cmd.sub {
        return Ok(Done::new(LlvmLinesView::Diff(diff(ctx, a)?), a.output.format));
    }
    if let Some(name) = &cmd.save {
        crate::saved::check(ctx, name)?;
    }
    if cmd.view.sort == Sort::Time && cmd.with_trace.is_none() {
        return Err(crate::error::argument("--sort time needs LLVM times").with_hint("add --with-trace"));
    }
    let counted = built::count(ctx, cmd)?;
    let view = View {
        by: cmd.view.by,
        sort: cmd.view.sort,
        filter: cmd.view.filter.clone(),
        top: cmd.output.top.unwrap_or(25),
    };
    let mut report =
        LlvmLinesReport::new(&counted.crates, &counted.profile, cmd.mangling.name(), &view, counted.times.as_ref());
    report.notes.extend(counted.notes);
    let project = &counted.project;
    let mut kept = SavedLines::new(&counted.profile, cmd.mangling.name(), counted.crates);
    kept.shown = Some(report.clone());
    match &cmd.save {
        Some(name) => {
            let id = crate::saved::keep(ctx, &project.workspace_root, &project.target_dir, name, &kept)?;
            report.saved_to = Some(format!("run {id} `{name}` in the history"));
        }
        None => {
            crate::history::record(ctx, &project.workspace_root, &project.target_dir, None, &kept);
        }
    }
    Ok(Done::new(LlvmLinesView::Lines(report), cmd.output.format))
}

/// A saved run: its file, or its name (in the history, else the file an
/// earlier fastware saved it to).
fn named(ctx: &Ctx, a: &DiffArgs, arg: &std::ffi::OsStr) -> Result<SavedLines, Error> {
    let as_path = PathBuf::from(arg);
    let text = &*arg.to_string_lossy();
    if as_path.is_file() {
        return saved::read(&as_path);
    }
    if as_path.is_dir() {
        return Err(crate::error::argument("a directory, not a saved llvm-lines run").at(text));
    }
    let sel = SelectionArgs { manifest_path: a.manifest_path.clone(), ..SelectionArgs::default() };
    let target_dir = sel.project(ctx)?.target_dir;
    let legacy = saved::path(&target_dir, text);
    let old = |f: &Path| saved::read(f);
    crate::saved::find::<SavedLines>(ctx, &target_dir, text, Some((legacy, &old)))?.ok_or_else(|| {
        crate::error::not_found(format!("no saved llvm-lines run named `{text}`"))
            .with_hint("save one with `fastware llvm-lines --save NAME`, or give its file")
    })
}

fn diff(ctx: &Ctx, a: &DiffArgs) -> Result<LlvmLinesDiff, Error> {
    let before = named(ctx, a, &a.before)?;
    let after = named(ctx, a, &a.after)?;
    Ok(SavedLines::diff(
        (&a.before.to_string_lossy(), &before),
        (&a.after.to_string_lossy(), &after),
        a.view.by,
        a.view.filter.as_ref(),
        a.output.top.unwrap_or(25),
    ))
}
