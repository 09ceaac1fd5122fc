//! `fastware runs`: the kept runs — listed, shown, compared, exported,
//! imported, removed. Comparing two runs calls the comparison of their kind
//! (`build`: per unit and phase; `bench`: `bench compare`).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use fastware_history::report::RunList;
use fastware_history::trend::{Trend, TrendPoint, Unit};
use fastware_history::{Filter, Run};
use fastware_report::{DynRender, Format, Metric, OutputFile, Render, Table, Text};
use serde::Serialize;

use crate::{history, kinds, one_of, Ctx, Done, Error, Lines, OutputArgs};

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
    pub command: RunsSub,
}

#[derive(Subcommand, Debug)]
pub enum RunsSub {
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
pub struct ListArgs {
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
pub struct ShowArgs {
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
pub struct DiffArgs {
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
pub struct TrendArgs {
    /// COMMAND.NAME: build.wall, build.span, build.unit:NAME (a unit's or package's time), bench.NAME (a benchmark; also bench:NAME)
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
pub struct ExportArgs {
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
pub struct ImportArgs {
    /// JSON lines from `runs export` (- for stdin)
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// The runs: ids, names, last, last~N
    #[arg(value_name = "RUN", required = true)]
    runs: Vec<String>,
}

one_of! {
    /// What `runs` shows.
    pub enum RunsView {
        List(RunList),
        Show(Shown),
        Diff(Compared),
        Trend(Trend),
        Exported(Lines),
        Done(Said),
    }
}

/// A kept run as `runs show` prints it: what it ran on, and its result as
/// its command printed it (`--top` rows); as JSON, the whole run.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Shown {
    pub run: Run,
    #[serde(skip)]
    pub top: Option<usize>,
}

impl Render for Shown {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        fastware_history::report::header(&self.run, out)?;
        out.blank()?;
        match kinds::of(&self.run) {
            Some(k) => k.show(&self.run, self.top, out).or_else(|e| out.line(format_args!("error: {e}"))),
            None => writeln!(out.raw(), "{}", self.run.result_pretty()),
        }
    }

    fn csv(&self) -> Result<Table, Error> {
        Err(crate::error::argument("runs show writes text or JSON").with_hint("use --format json"))
    }
}

/// Two runs compared by their kind's comparison.
pub struct Compared(pub Box<dyn DynRender>);

impl std::fmt::Debug for Compared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compared")
    }
}

impl Serialize for Compared {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.json().map_err(serde::ser::Error::custom)?.serialize(s)
    }
}

impl Render for Compared {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        self.0.text(out)
    }
    fn csv(&self) -> Result<Table, Error> {
        self.0.csv()
    }
    fn markdown(&self) -> Result<String, Error> {
        self.0.markdown()
    }
}

/// What an import or a removal did: one line, or JSON.
#[derive(Debug, Serialize)]
pub struct Said {
    pub schema: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<usize>,
}

impl Said {
    fn new(message: String) -> Said {
        Said { schema: "fastware/runs-done/1".into(), message, added: None, skipped: None, removed: None }
    }
}

impl Render for Said {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(&self.message)
    }
}

pub fn run(ctx: &Ctx, cmd: &RunsCmd) -> Result<Done<RunsView>, Error> {
    use RunsView as V;
    Ok(match &cmd.command {
        RunsSub::List(a) => {
            let since_ms = a.since.as_deref().map(fastware_history::report::parse_since).transpose()?;
            let mut store = history::open_read(ctx)?;
            let filter = Filter { command: a.command.clone(), branch: a.branch.clone(), since_ms, ..Filter::default() };
            let runs = store.list(&filter)?;
            let list = RunList::new(store.location(), runs, a.output.top.unwrap_or(25));
            Done::new(V::List(list), a.output.format)
        }
        RunsSub::Show(a) => {
            let run = history::open_read(ctx)?.find(&a.run, a.command.as_deref())?;
            if a.output.format == Format::Csv {
                return Err(crate::error::argument("runs show writes text or JSON").with_hint("use --format json"));
            }
            Done::new(V::Show(Shown { run, top: a.output.top }), a.output.format)
        }
        RunsSub::Diff(a) => {
            let mut store = history::open_read(ctx)?;
            let (base, new) = (store.find(&a.base, a.command.as_deref())?, store.find(&a.new, a.command.as_deref())?);
            Done::new(V::Diff(diff(ctx, &base, &new, store, a.output.top)?), a.output.format)
        }
        RunsSub::Trend(a) => Done::new(V::Trend(trend(ctx, a)?), a.output.format),
        RunsSub::Export(a) => {
            let mut store = history::open_read(ctx)?;
            let runs = if a.runs.is_empty() {
                let infos = store.list(&Filter::default())?;
                infos.iter().rev().map(|r| store.get(r.id)).collect::<Result<Vec<_>, _>>()?
            } else {
                a.runs.iter().map(|w| store.find(w, None)).collect::<Result<Vec<_>, _>>()?
            };
            let mut text = Vec::new();
            fastware_history::run::write_lines(&runs, &mut text)?;
            match &a.output {
                None => Done::new(
                    V::Exported(Lines(String::from_utf8_lossy(&text).lines().map(str::to_string).collect())),
                    Format::Table,
                ),
                Some(p) => {
                    let mut f = OutputFile::create(p, &[], a.force)?;
                    f.write_all(&text)
                        .map_err(|e| fastware_report::output::write_error(&p.display().to_string(), &e))?;
                    f.commit()?;
                    let said = Said::new(format!("wrote {} run(s) to {}", runs.len(), p.display()));
                    Done::wrote(V::Done(said), Format::Table, p)
                }
            }
        }
        RunsSub::Import(a) => {
            let runs = read_export(&a.file)?;
            let mut store = history::open(ctx)?;
            let done = store.import(&runs)?;
            let skipped = match done.skipped {
                0 => String::new(),
                n => format!("; {n} already kept there, not added again"),
            };
            let mut said =
                Said::new(format!("imported {} run(s) into {}{skipped}", done.added.len(), store.location()));
            (said.added, said.skipped) = (Some(done.added.len()), Some(done.skipped));
            Done::new(V::Done(said), Format::Table)
        }
        RunsSub::Rm(a) => {
            let n = history::open(ctx)?.remove(&a.runs)?;
            let mut said = Said::new(format!("removed {n} run(s)"));
            said.removed = Some(n);
            Done::new(V::Done(said), Format::Table)
        }
    })
}

/// Runs exported as JSON lines, from a file or stdin (`-`).
fn read_export(path: &Path) -> Result<Vec<Run>, Error> {
    let shown = path.display().to_string();
    if path == Path::new("-") {
        return fastware_history::run::read_lines(std::io::stdin().lock(), "stdin");
    }
    if path.is_dir() {
        return Err(crate::error::argument("a directory, not runs exported by fastware").at(&shown));
    }
    let file = fastware_report::input::open(path)?;
    fastware_history::run::read_lines(std::io::BufReader::new(file), &shown)
}

/// Two runs compared by their kind's comparison.
fn diff(
    ctx: &Ctx,
    base: &Run,
    new: &Run,
    store: fastware_history::Store,
    top: Option<usize>,
) -> Result<Compared, Error> {
    if base.info.kind != new.info.kind {
        return Err(crate::error::mismatch(format!(
            "run {} is a {} result and run {} a {}: runs diff compares two runs of one kind",
            base.info.id, base.info.kind, new.info.id, new.info.kind
        )));
    }
    let kind = kinds::of(base).ok_or_else(|| {
        crate::error::mismatch(format!("runs diff does not know {} runs", base.info.kind))
            .with_hint("a newer fastware may; runs show prints any run")
    })?;
    Ok(Compared(kind.diff(ctx, base, new, store, top)?))
}

/// `COMMAND.NAME` (or `COMMAND:NAME`, as `bench:NAME`): the command whose
/// runs have the metric, and the metric's name in their kinds.
pub fn metric_of(metric: &str) -> Result<(String, String), Error> {
    let split = metric.find(['.', ':']).map(|i| (&metric[..i], &metric[i + 1..]));
    match split {
        Some((command, name))
            if !name.is_empty() && kinds::all_of_command(command).any(|k| !k.metrics().is_empty()) =>
        {
            Ok((command.to_string(), name.to_string()))
        }
        _ => {
            let known: Vec<String> = kinds::all()
                .iter()
                .filter(|k| !k.metrics().is_empty())
                .map(|k| format!("{}.{{{}}}", k.command(), k.metrics()))
                .collect();
            Err(crate::error::not_found(format!("unknown metric `{metric}`"))
                .with_hint(format!("metrics: {}", known.join("; "))))
        }
    }
}

/// The value of metric `name` in `run`, by its kind (`None`: it has none).
fn value_in(run: &Run, name: &str) -> Result<Option<Metric>, Error> {
    match kinds::of(run) {
        Some(k) => k.metric(run, name),
        None => Ok(None),
    }
}

/// The trend of `metric` over `runs` (in their order; runs without it are left out).
pub fn trend_of(runs: &[Run], metric: &str) -> Result<Trend, Error> {
    let (command, name) = metric_of(metric)?;
    let mut points = Vec::new();
    let mut unit = Unit::Us;
    for run in runs.iter().filter(|r| r.info.command == command) {
        let Some(m) = value_in(run, &name)? else { continue };
        let value = match m {
            Metric::Nanos(ns) => ns / 1e3,
            Metric::Count(n) => {
                unit = Unit::Count;
                n
            }
        };
        let i = &run.info;
        points.push(TrendPoint {
            id: i.id,
            name: i.name.clone(),
            recorded_ms: i.recorded_ms,
            git_commit: i.git_commit.clone(),
            value,
        });
    }
    Ok(Trend::new(metric, unit, points))
}

fn trend(ctx: &Ctx, a: &TrendArgs) -> Result<Trend, Error> {
    let (command, name) = metric_of(&a.metric)?;
    if let Some(svg) = &a.svg {
        // checked before the store is read, not after (and not opened: a
        // FIFO's reader would see its end); never the store itself
        history::protect_store(ctx)?;
        OutputFile::check(svg, &[], a.force)?;
    }
    let mut store = history::open_read(ctx)?;
    let runs = store.list(&Filter { command: Some(command), ..Filter::default() })?;
    let mut kept = Vec::new();
    for info in &runs {
        let run = store.get(info.id)?;
        if value_in(&run, &name)?.is_some() {
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
        ctx.note(&format!("wrote {}", path.display()));
    }
    Ok(t)
}
