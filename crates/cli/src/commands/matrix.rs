//! `fastware matrix`: build-configuration experiments, measured. The axes
//! make a plan of cells; each cell builds in its own target directory and
//! is measured, the reps interleaved; results are kept as they finish
//! (`--resume` goes on after Ctrl-C); `--plan`/`--cell`/`merge` spread the
//! cells over CI jobs.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, Subcommand};
use fastware_matrix::axis;
use fastware_matrix::measure::{self, CellRun};
use fastware_matrix::plan::{self, Plan, Scope};
use fastware_matrix::report::{MatrixReport, Measure};
use fastware_matrix::store;

use super::selection::SelectionArgs;
use crate::{CmdResult, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware matrix --set profile.release.lto=off,thin,fat --set profile.release.debug=none,line-tables-only,full
  fastware matrix --set profile.release.opt-level=1,2,3 --set 'profile.release.package.\"*\".opt-level=3,s' --scope final
  fastware matrix --rustflags '-Cllvm-args=-inline-threshold={10,50,225,500}' --run 'target/release/app bench.txt'
  fastware matrix --linker default,lld,mold --hot src/main.rs
  fastware matrix --from-findings build.json           the experiments behind `fastware build`'s findings
  fastware matrix --set … --plan plan.json             write the plan for CI; then, in job K:
  fastware matrix --plan plan.json --cell K -o cell-K.json
  fastware matrix merge --plan plan.json cell-*.json

Settings go to cargo as --config KEY=VALUE (Cargo.toml is never edited); each cell builds in
<target-dir>/fastware/matrix/<plan>/cell-N. Results are kept as each cell finishes: after Ctrl-C,
run the same command with --resume.";

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, after_help = EXAMPLES)]
pub struct MatrixCmd {
    #[command(subcommand)]
    sub: Option<Sub>,
    /// An axis of cargo config values: KEY=V1,V2,… (passed as cargo --config KEY=V)
    #[arg(long = "set", value_name = "KEY=V1,V2")]
    pub(crate) sets: Vec<String>,
    /// An axis of RUSTFLAGS: one {a,b,…} group gives a cell per value
    #[arg(long, value_name = "FLAGS", allow_hyphen_values = true)]
    pub(crate) rustflags: Vec<String>,
    /// An axis of linkers: default, lld, mold (through -Clink-arg=-fuse-ld=…)
    #[arg(long, value_name = "L1,L2")]
    pub(crate) linker: Option<String>,
    /// An axis of installed rustup toolchains: stable, nightly, …
    #[arg(long, value_name = "T1,T2")]
    pub(crate) toolchain: Option<String>,
    /// The cells to run, one per line (AXIS=VALUE …), instead of the cross product
    #[arg(long, value_name = "FILE")]
    cells: Option<PathBuf>,
    /// What a timed build covers
    #[arg(long, value_enum, default_value = "all")]
    pub(crate) scope: Scope,
    /// Also time a rebuild after this file changes (it is marked changed, not touched)
    #[arg(long, value_name = "FILE")]
    pub(crate) hot: Option<PathBuf>,
    /// Time this command with each cell's artifact (its program is replaced by the cell's)
    #[arg(long, value_name = "CMD")]
    pub(crate) run: Option<String>,
    /// Runs of --run per measurement
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub(crate) runs: usize,
    /// Measurements per cell, interleaved (A B C A B C)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub(crate) reps: u64,
    /// The cell the others are compared with: its number or name [default: your own settings]
    #[arg(long, value_name = "CELL")]
    baseline: Option<String>,
    /// Rank and compare the cells by
    #[arg(long, value_enum)]
    pub(crate) sort: Option<Measure>,
    /// Go on with the measurements an interrupted run of the same plan did not make
    #[arg(long)]
    pub(crate) resume: bool,
    /// With axes: write the plan to FILE and stop. Without: run that plan
    #[arg(long, value_name = "FILE")]
    pub(crate) plan: Option<PathBuf>,
    /// With --plan: run only cell K (all its reps) and write its results to -o
    #[arg(long, value_name = "K", requires = "plan")]
    cell: Option<usize>,
    /// With --cell: where to write the cell's results
    #[arg(short = 'o', long, value_name = "FILE", requires = "cell")]
    output_file: Option<PathBuf>,
    /// With one numeric axis (a sweep): also draw time and size against the value, as SVG
    #[arg(long, value_name = "FILE.svg")]
    pub(crate) svg: Option<PathBuf>,
    /// Test the findings of a `fastware build --format json` result (or a new build's)
    #[arg(long, value_name = "BUILD.json", num_args = 0..=1, default_missing_value = "")]
    pub(crate) from_findings: Option<String>,
    #[command(flatten)]
    pub(crate) selection: SelectionArgs,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// Build the table from result files of one plan (from CI jobs: `--cell K -o FILE`)
    #[command(after_help = "Examples:\n  fastware matrix merge --plan plan.json results/cell-*.json")]
    Merge(MergeArgs),
}

#[derive(Args, Debug)]
struct MergeArgs {
    /// The plan the results belong to
    #[arg(long, value_name = "FILE")]
    plan: PathBuf,
    /// Result files
    #[arg(value_name = "RESULTS", required = true)]
    results: Vec<PathBuf>,
    #[arg(long, value_enum)]
    sort: Option<Measure>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(cmd: MatrixCmd, out: &mut dyn Write) -> CmdResult {
    if let Some(Sub::Merge(m)) = &cmd.sub {
        let plan = Plan::read(&m.plan)?;
        let runs = store::merge(&plan, &m.results)?;
        let report = MatrixReport::new(&plan, &runs, m.sort.unwrap_or(default_measure(&plan)));
        return fastware_report::emit(&report, m.output.format, out);
    }
    if cmd.from_findings.is_some() {
        return super::matrix_findings::run(&cmd, out);
    }
    if let Some(svg) = &cmd.svg {
        // checked before hours of builds, not after
        fastware_report::OutputFile::create(svg, &[], false)?;
    }
    let (report, failure) = match execute(&cmd)? {
        Executed::Done => return Ok(()),
        Executed::Report(r, f) => (r, f),
    };
    if let Some(path) = &cmd.svg {
        match fastware_matrix::chart::sweep(&report) {
            Some(points) => {
                let mut f = fastware_report::OutputFile::create(path, &[], false)?;
                fastware_report::output::write_marked_svg(
                    &mut f,
                    fastware_matrix::chart::svg(&report, &points).as_bytes(),
                )
                .map_err(|e| fastware_report::output::write_error(&path.display().to_string(), &e))?;
                f.commit()?;
                crate::note(&format!("wrote {}", path.display()));
            }
            None => crate::note("--svg: not a sweep (one axis of numbers, two values or more): no chart"),
        }
    }
    fastware_report::emit(&*report, cmd.output.format, out)?;
    failure.map_or(Ok(()), Err)
}

/// What a matrix run gave: nothing to show (a plan written), or the report
/// and the failure to report after it.
pub enum Executed {
    Done,
    Report(Box<MatrixReport>, Option<Error>),
}

/// Runs the matrix the command describes.
pub fn execute(cmd: &MatrixCmd) -> Result<Executed, Error> {
    let project = cmd.selection.project()?;
    let has_axes = !cmd.sets.is_empty() || !cmd.rustflags.is_empty() || cmd.linker.is_some() || cmd.toolchain.is_some();
    let plan = match (&cmd.plan, has_axes) {
        (Some(p), false) => Plan::read(p)?,
        (_, true) => make_plan(cmd, &project)?,
        (None, false) => {
            return Err(Error::bad_input("no axis: give --set KEY=V1,V2, --rustflags, --linker or --toolchain")
                .with_hint("e.g. fastware matrix --set profile.release.lto=off,thin,fat"))
        }
    };
    if plan.project != project.workspace_root.display().to_string() {
        return Err(Error::bad_input(format!("the plan is for the project at {}, not this one", plan.project)));
    }
    if let (Some(p), true) = (&cmd.plan, has_axes) {
        store::write_plan(p, &plan)?;
        crate::note(&format!("wrote the plan ({} cells × {} reps) to {}", plan.cells.len(), plan.reps, p.display()));
        for c in &plan.cells {
            crate::note(&format!("  cell {}: {}", c.id, c.name));
        }
        return Ok(Executed::Done);
    }
    let selection = cmd.selection.selection();
    let measure = cmd.sort.unwrap_or(default_measure(&plan));
    if let Some(k) = cmd.cell {
        let cell = plan
            .cells
            .get(k)
            .ok_or_else(|| Error::bad_input(format!("--cell {k}: the plan has cells 0 to {}", plan.cells.len() - 1)))?;
        let path = cmd.output_file.clone().unwrap_or_else(|| PathBuf::from(format!("cell-{k}.jsonl")));
        crate::signals::on_signal(fastware_cargo::run::interrupt);
        let mut runs = Vec::new();
        for rep in 0..plan.reps {
            crate::note(&format!("cell {k} ({}), rep {}", cell.name, rep + 1));
            match measure::measure(&project, &plan, cell, rep, &selection)? {
                Some(r) => {
                    runs.push(r);
                    store::write_all(&path, &runs)?;
                }
                None => return Err(Error::interrupted("interrupted: the measurements that finished are in the file")),
            }
        }
        crate::note(&format!("wrote {}", path.display()));
        return Ok(Executed::Report(Box::new(MatrixReport::new(&plan, &runs, measure)), None));
    }
    let results = store::results_path(&project.fastware_dir(), &plan);
    let mut runs: Vec<CellRun> = Vec::new();
    if cmd.resume {
        if results.is_file() {
            runs = store::read(&results)?;
            crate::note(&format!("resuming: {} measurement(s) kept from before", runs.len()));
        } else {
            crate::note("--resume: no earlier run of this plan; starting");
        }
    } else {
        let _ = std::fs::remove_file(&results);
    }
    std::fs::create_dir_all(store::dir(&project.fastware_dir(), &plan))
        .map_err(|e| Error::failed(format!("cannot create the matrix directory: {e}")))?;
    let planned = plan.cells.len() * plan.reps;
    crate::note(&format!(
        "plan {}: {} cells × {} reps = {planned} measurements ({}{}{}), results in {}",
        plan.id,
        plan.cells.len(),
        plan.reps,
        if plan.scope == Scope::All { "cold builds" } else { "builds of the workspace members" },
        if plan.hot.is_some() { ", hot rebuilds" } else { "" },
        if plan.run.is_some() { ", --run timed" } else { "" },
        results.display()
    ));
    for c in &plan.cells {
        crate::note(&format!("  cell {}: {}", c.id, c.name));
    }
    crate::signals::on_signal(fastware_cargo::run::interrupt);
    let started = Instant::now();
    let mut done_now = 0usize;
    let mut interrupted = false;
    'reps: for rep in 0..plan.reps {
        for cell in &plan.cells {
            if runs.iter().any(|r| r.cell == cell.id && r.rep == rep) {
                continue;
            }
            let n = runs.len() + 1;
            match measure::measure(&project, &plan, cell, rep, &selection)? {
                Some(r) => {
                    store::append(&results, &r)?;
                    done_now += 1;
                    let left = planned - runs.len() - 1;
                    let per = started.elapsed().as_secs_f64() / done_now as f64;
                    let eta =
                        if left > 0 { format!(", about {:.0} s to go", per * left as f64) } else { String::new() };
                    let what = match (&r.error, r.build_s) {
                        (Some(e), _) => format!("failed: {e}"),
                        (None, Some(b)) => format!(
                            "{b:.2} s{}",
                            r.size.map(|s| format!(", {}", fastware_report::units::bytes(s))).unwrap_or_default()
                        ),
                        _ => "-".into(),
                    };
                    crate::note(&format!("[{n}/{planned}] {}: {what}{eta}", cell.name));
                    runs.push(r);
                }
                None => {
                    interrupted = true;
                    break 'reps;
                }
            }
        }
    }
    let report = MatrixReport::new(&plan, &runs, measure);
    let failure = if interrupted {
        Some(Error::interrupted(format!(
            "interrupted: {} of {planned} measurements kept; run the same command with --resume to go on",
            runs.len()
        )))
    } else if report.cells.iter().any(|c| c.failed.is_some()) {
        Some(Error::failed("some cells failed (see the table); the others were measured"))
    } else {
        None
    };
    Ok(Executed::Report(Box::new(report), failure))
}

fn default_measure(plan: &Plan) -> Measure {
    if plan.run.is_some() {
        Measure::Run
    } else if plan.hot.is_some() {
        Measure::Hot
    } else {
        Measure::Build
    }
}

fn make_plan(cmd: &MatrixCmd, project: &fastware_cargo::project::Project) -> Result<Plan, Error> {
    let mut axes = Vec::new();
    for s in &cmd.sets {
        axes.push(axis::parse_set(s)?);
    }
    for r in &cmd.rustflags {
        axes.push(axis::parse_rustflags(r)?);
    }
    if let Some(l) = &cmd.linker {
        axes.push(axis::parse_linker(l)?);
    }
    if let Some(t) = &cmd.toolchain {
        axes.push(axis::parse_toolchain(t)?);
    }
    let cells = match &cmd.cells {
        Some(f) => {
            plan::listed(&axes, &std::fs::read_to_string(f).map_err(|e| Error::io(&f.display().to_string(), &e))?)?
        }
        None => plan::cross(&axes),
    };
    let baseline = match &cmd.baseline {
        None => 0,
        Some(b) => match b.parse::<usize>() {
            Ok(i) if i < cells.len() => i,
            _ => cells.iter().position(|c| &c.name == b).ok_or_else(|| {
                Error::bad_input(format!("--baseline {b}: no such cell (give its number, 0 to {})", cells.len() - 1))
            })?,
        },
    };
    if let Some(h) = &cmd.hot {
        if !h.is_file() && !project.workspace_root.join(h).is_file() {
            return Err(Error::bad_input(format!("--hot {}: no such file", h.display())));
        }
    }
    let hot = cmd.hot.as_ref().map(|h| {
        let abs = if h.is_absolute() { h.clone() } else { std::env::current_dir().unwrap_or_default().join(h) };
        abs.canonicalize().unwrap_or(abs).display().to_string()
    });
    Ok(Plan {
        schema: plan::SCHEMA.into(),
        generator: format!("fastware {}", env!("CARGO_PKG_VERSION")),
        id: String::new(),
        project: project.workspace_root.display().to_string(),
        profile: cmd.selection.profile.clone().unwrap_or_else(|| "release".into()),
        scope: cmd.scope,
        hot,
        run: cmd.run.clone(),
        runs: cmd.runs.max(1),
        reps: cmd.reps as usize,
        axes,
        cells,
        baseline,
    }
    .sealed())
}
