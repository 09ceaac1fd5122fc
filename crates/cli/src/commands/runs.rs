//! `fastware runs`: the kept runs — listed, shown, compared, exported,
//! imported, removed. Comparing two runs calls the comparison of their kind
//! (`build`: per unit and phase; `bench`: `bench compare`).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use fastware_history::report::RunList;
use fastware_history::{Filter, Run};
use fastware_report::{Format, OutputFile, Text};

use super::history;
use crate::{CmdResult, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware runs list                         every run kept for this project, newest first
  fastware runs list --command build --since 7d
  fastware runs show last                    the newest run: what it ran on, and its result
  fastware runs diff last~1 last --command build   the two newest builds, unit by unit
  fastware runs diff before after            two bench runs (named with --save): bench compare
  fastware runs trend build.wall --last 20 --svg wall.svg   a figure across runs, table and chart
  fastware runs trend bench:parse/200        a benchmark's estimate across bench runs
  fastware runs export -o runs.jsonl && fastware --store team.sqlite runs import runs.jsonl

A run is named by its id, its name (--save NAME), `last` or `last~N` (the Nth before the
newest; with --command, among that command's runs). The store is
<target-dir>/fastware/history.sqlite, or --store FILE (FASTWARE_STORE).";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct RunsCmd {
    #[command(subcommand)]
    command: RunsSub,
}

#[derive(Subcommand, Debug)]
enum RunsSub {
    /// The runs kept, newest first
    List(ListArgs),
    /// One run: what it was measured on, and its result
    Show(ShowArgs),
    /// Two runs of one kind compared (build: per unit and phase; bench: bench compare)
    Diff(DiffArgs),
    /// A figure across runs: build.wall, build.span, build.unit:NAME, bench:NAME
    Trend(TrendArgs),
    /// Runs as JSON lines, to move them to another store
    Export(ExportArgs),
    /// Runs from `runs export` added to this store
    Import(ImportArgs),
    /// Remove runs
    Rm(RmArgs),
}

#[derive(Args, Debug)]
struct ListArgs {
    /// Only runs of this command (build, bench, profile, heap, matrix, pgo, llvm-lines)
    #[arg(long, value_name = "COMMAND")]
    command: Option<String>,
    /// Only runs made on this git branch
    #[arg(long, value_name = "BRANCH")]
    branch: Option<String>,
    /// Only runs recorded since: a date (2026-12-01, UTC) or an age (7d, 12h, 30m)
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct ShowArgs {
    /// The run: id, name, last, last~N
    #[arg(value_name = "RUN")]
    run: String,
    /// With last/last~N: among this command's runs
    #[arg(long, value_name = "COMMAND")]
    command: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// The run before: id, name, last~N
    #[arg(value_name = "BASE")]
    base: String,
    /// The run after
    #[arg(value_name = "NEW")]
    new: String,
    /// With last/last~N: among this command's runs
    #[arg(long, value_name = "COMMAND")]
    command: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct TrendArgs {
    /// build.wall, build.span, build.unit:NAME (a unit's or package's time), bench:NAME (a benchmark)
    #[arg(value_name = "METRIC")]
    metric: String,
    /// Only the last N runs that have it
    #[arg(long, value_name = "N")]
    last: Option<usize>,
    /// Also draw it as an SVG line chart here
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    /// Overwrite a file fastware did not write
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// The runs to export [default: all]
    #[arg(value_name = "RUN")]
    runs: Vec<String>,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite a file fastware did not write
    #[arg(long)]
    force: bool,
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// JSON lines from `runs export` (- for stdin)
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

#[derive(Args, Debug)]
struct RmArgs {
    /// The runs: ids, names, last, last~N
    #[arg(value_name = "RUN", required = true)]
    runs: Vec<String>,
}

pub fn run(cmd: RunsCmd, out: &mut dyn Write) -> CmdResult {
    match cmd.command {
        RunsSub::List(a) => {
            let since_ms = a.since.as_deref().map(fastware_history::report::parse_since).transpose()?;
            let mut store = history::open()?;
            let filter = Filter { command: a.command, branch: a.branch, since_ms, ..Filter::default() };
            let runs = store.list(&filter)?;
            let list = RunList::new(store.location(), runs, a.output.top.unwrap_or(25));
            fastware_report::emit(&list, a.output.format, out)
        }
        RunsSub::Show(a) => {
            let run = history::open()?.find(&a.run, a.command.as_deref())?;
            match a.output.format {
                Format::Json => Ok(fastware_report::json::write(out, &run)?),
                Format::Csv => Err(Error::bad_input("runs show writes text or JSON").with_hint("use --format json")),
                Format::Table => {
                    fastware_history::report::header(&run, &mut Text::stdout(out))?;
                    writeln!(out)?;
                    show_result(&run, a.output.top, out)
                }
            }
        }
        RunsSub::Diff(a) => {
            let mut store = history::open()?;
            let (base, new) = (store.find(&a.base, a.command.as_deref())?, store.find(&a.new, a.command.as_deref())?);
            diff(&base, &new, store, &a.output, out)
        }
        RunsSub::Trend(a) => trend(&a, out),
        RunsSub::Export(a) => {
            let mut store = history::open()?;
            let runs = if a.runs.is_empty() {
                let infos = store.list(&Filter::default())?;
                infos.iter().rev().map(|r| store.get(r.id)).collect::<Result<Vec<_>, _>>()?
            } else {
                a.runs.iter().map(|w| store.find(w, None)).collect::<Result<Vec<_>, _>>()?
            };
            let mut text = Vec::new();
            fastware_history::run::write_lines(&runs, &mut text)?;
            match &a.output {
                None => out.write_all(&text).map_err(Error::from),
                Some(p) => {
                    let mut f = OutputFile::create(p, &[], a.force)?;
                    f.write_all(&text)
                        .map_err(|e| fastware_report::output::write_error(&p.display().to_string(), &e))?;
                    f.commit()?;
                    crate::note(&format!("wrote {} run(s) to {}", runs.len(), p.display()));
                    Ok(())
                }
            }
        }
        RunsSub::Import(a) => {
            let runs = read_export(&a.file)?;
            let mut store = history::open()?;
            let done = store.import(&runs)?;
            let skipped = match done.skipped {
                0 => String::new(),
                n => format!("; {n} already kept there, not added again"),
            };
            writeln!(out, "imported {} run(s) into {}{skipped}", done.added.len(), store.location())?;
            Ok(())
        }
        RunsSub::Rm(a) => {
            let n = history::open()?.remove(&a.runs)?;
            writeln!(out, "removed {n} run(s)")?;
            Ok(())
        }
    }
}

/// Runs exported as JSON lines, from a file or stdin (`-`).
fn read_export(path: &Path) -> Result<Vec<Run>, Error> {
    let shown = path.display().to_string();
    if path == Path::new("-") {
        return fastware_history::run::read_lines(std::io::stdin().lock(), "stdin");
    }
    if path.is_dir() {
        return Err(Error::input(&shown, None, "a directory, not runs exported by fastware"));
    }
    let file = fastware_report::input::open(path)?;
    fastware_history::run::read_lines(std::io::BufReader::new(file), &shown)
}

/// A run's result as its command prints it, or `None` for a kind without a view here.
pub(super) fn text_of(run: &Run, top: Option<usize>) -> Result<Option<String>, Error> {
    use fastware_report::plain_text;
    Ok(Some(match run.info.kind.as_str() {
        fastware_build::report::SCHEMA => {
            let mut r: fastware_build::BuildReport = run.result_as()?;
            r.top = top.unwrap_or(15);
            plain_text(&r)
        }
        fastware_bench::saved::SCHEMA => plain_text(&fastware_bench::RunReport(run.result_as()?)),
        "fastware/pgo/1" => plain_text(&run.result_as::<fastware_pgo::report::PgoReport>()?),
        "fastware/matrix/1" => plain_text(&run.result_as::<fastware_matrix::report::MatrixReport>()?),
        "fastware/llvm-lines/1" => plain_text(&run.result_as::<fastware_llvmlines::report::LlvmLinesReport>()?),
        "fastware/heap/1" => plain_text(&run.result_as::<fastware_heap::report::HeapReport>()?),
        "fastware/profile/1" => plain_text(&run.result_as::<fastware_profile::report::ProfileReport>()?),
        _ => return Ok(None),
    }))
}

/// A run's result as its command printed it (JSON for a kind without a view).
fn show_result(run: &Run, top: Option<usize>, out: &mut dyn Write) -> CmdResult {
    match text_of(run, top)? {
        Some(text) => Ok(out.write_all(text.as_bytes())?),
        None => Ok(fastware_report::json::write(out, &run.result)?),
    }
}

/// Two runs compared by their kind's comparison.
fn diff(base: &Run, new: &Run, store: fastware_history::Store, o: &OutputArgs, out: &mut dyn Write) -> CmdResult {
    if base.info.kind != new.info.kind {
        return Err(Error::bad_input(format!(
            "run {} is a {} result and run {} a {}: runs diff compares two runs of one kind",
            base.info.id, base.info.kind, new.info.id, new.info.kind
        )));
    }
    let label = |r: &Run| match &r.info.name {
        Some(n) => format!("run {} `{n}`", r.info.id),
        None => format!("run {}", r.info.id),
    };
    match base.info.kind.as_str() {
        fastware_build::report::SCHEMA => {
            let (a, b): (fastware_build::BuildReport, fastware_build::BuildReport) =
                (base.result_as()?, new.result_as()?);
            let d = fastware_build::diff::BuildDiff::new(&label(base), &a, &label(new), &b, o.top.unwrap_or(25));
            fastware_report::emit(&d, o.format, out)
        }
        fastware_bench::saved::SCHEMA => {
            let read = |r: &Run| fastware_bench::saved::parse(&r.result, Path::new(&label(r)));
            let (a, b) = (read(base)?, read(new)?);
            let ids = [base.info.id, new.info.id];
            let past = history::past_noise_in(Ok(store), &|r| ids.contains(&r.id));
            let opts = fastware_bench::Options { past, ..fastware_bench::Options::default() };
            let c = fastware_bench::compare(&a, &b, &opts)?;
            let report = fastware_bench::ComparisonReport::new(&c, &a, &b, &opts, o.top.unwrap_or(0));
            fastware_report::emit(&report, o.format, out)
        }
        kind => Err(Error::bad_input(format!("runs diff does not compare {kind} runs yet"))
            .with_hint("build and bench runs can be compared; runs show prints any run")),
    }
}

/// A figure's value in one run, by the metric's command.
pub(super) fn metric_of(run: &Run, metric: &str) -> Result<Option<f64>, Error> {
    if let Some(name) = metric.strip_prefix("build.") {
        let r: fastware_build::BuildReport = run.result_as()?;
        return Ok(r.metric(name));
    }
    let name = metric.strip_prefix("bench:").unwrap_or_default();
    let r: fastware_bench::saved::SavedResults = run.result_as()?;
    Ok(r.estimate_s(name))
}

/// The trend of `metric` over `runs` (in their order; runs without it are left out).
pub(super) fn trend_of(runs: &[Run], metric: &str) -> Result<fastware_history::trend::Trend, Error> {
    let mut points = Vec::new();
    for run in runs {
        if let Some(v) = metric_of(run, metric)? {
            let i = &run.info;
            points.push(fastware_history::trend::TrendPoint {
                id: i.id,
                name: i.name.clone(),
                recorded_ms: i.recorded_ms,
                git_commit: i.git_commit.clone(),
                value_s: v,
            });
        }
    }
    Ok(fastware_history::trend::Trend::new(metric, points))
}

fn trend(a: &TrendArgs, out: &mut dyn Write) -> CmdResult {
    let command = if a.metric.starts_with("build.") {
        "build"
    } else if a.metric.starts_with("bench:") {
        "bench"
    } else {
        return Err(Error::bad_input(format!("unknown metric `{}`", a.metric))
            .with_hint("build.wall, build.span, build.unit:NAME, bench:NAME"));
    };
    if let Some(svg) = &a.svg {
        // checked before the store is read, not after (and not opened: a
        // FIFO's reader would see its end); never the store itself
        history::protect_store()?;
        OutputFile::check(svg, &[], a.force)?;
    }
    let mut store = history::open()?;
    let runs = store.list(&Filter { command: Some(command.into()), ..Filter::default() })?;
    let mut kept = Vec::new();
    for info in &runs {
        let run = store.get(info.id)?;
        if metric_of(&run, &a.metric)?.is_some() {
            kept.push(run);
            if a.last.is_some_and(|n| kept.len() >= n) {
                break;
            }
        }
    }
    kept.reverse();
    let t = trend_of(&kept, &a.metric)?;
    if let Some(path) = &a.svg {
        let mut f = OutputFile::create(path, &[], a.force)?;
        fastware_report::output::write_marked_svg(&mut f, t.svg().as_bytes())
            .map_err(|e| fastware_report::output::write_error(&path.display().to_string(), &e))?;
        f.commit()?;
        crate::note(&format!("wrote {}", path.display()));
    }
    fastware_report::emit(&t, a.output.format, out)
}
