//! `fastware matrix`: build-configuration experiments, measured. The axes
//! make a plan of cells; each cell builds in its own target directory and
//! is measured, the reps interleaved; results are kept as they finish
//! (`--resume` goes on after Ctrl-C); `--plan`/`--cell`/`merge` spread the
//! cells over CI jobs.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use fastware_matrix::findings::FindingsReport;
use fastware_matrix::plan::{Plan, Scope};
use fastware_matrix::report::{MatrixReport, Measure};
use fastware_matrix::store;

use crate::args::SelectionArgs;
use crate::matrix_run::{default_measure, Executed};
use crate::{one_of, Ctx, Done, Error, Lines, OutputArgs};

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

#[derive(Args, Debug, Default)]
#[command(args_conflicts_with_subcommands = true, after_help = EXAMPLES)]
pub struct MatrixCmd {
    #[command(subcommand)]
    pub sub: Option<Sub>,
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
    pub(crate) cells: Option<PathBuf>,
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
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub(crate) runs: u64,
    /// Measurements per cell, interleaved (A B C A B C)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
    pub(crate) reps: u64,
    /// The cell the others are compared with: its number or name [default: your own settings]
    #[arg(long, value_name = "CELL")]
    pub(crate) baseline: Option<String>,
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
    pub(crate) cell: Option<usize>,
    /// With --cell: where to write the cell's results
    #[arg(short = 'o', long, value_name = "FILE", requires = "cell")]
    pub(crate) output_file: Option<PathBuf>,
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
pub enum Sub {
    /// Build the table from result files of one plan (from CI jobs: `--cell K -o FILE`)
    #[command(after_help = "Examples:\n  fastware matrix merge --plan plan.json results/cell-*.json")]
    Merge(MergeArgs),
}

#[derive(Args, Debug)]
pub struct MergeArgs {
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

one_of! {
    /// What `matrix` shows.
    pub enum MatrixView {
        Matrix(MatrixReport),
        Findings(FindingsReport),
        /// A plan written (`--plan FILE` with axes): what it holds is in the notes.
        Planned(Lines),
    }
}

pub fn run(ctx: &Ctx, cmd: &MatrixCmd) -> Result<Done<MatrixView>, Error> {
    if let Some(Sub::Merge(m)) = &cmd.sub {
        let plan = Plan::read(&m.plan)?;
        let (runs, repeats) = store::merge(&plan, &m.results)?;
        if repeats > 0 {
            ctx.note(&format!("left out {repeats} repeated measurement(s) of the same cell and rep"));
        }
        let measure = m.sort.unwrap_or(default_measure(&plan));
        crate::matrix_run::check_measure(measure, &plan)?;
        let report = MatrixReport::new(&plan, &runs, measure);
        return Ok(Done::new(MatrixView::Matrix(report), m.output.format));
    }
    if cmd.from_findings.is_some() {
        let report = crate::matrix_findings::run(ctx, cmd)?;
        return Ok(Done::new(MatrixView::Findings(report), cmd.output.format));
    }
    if let Some(svg) = &cmd.svg {
        // checked before hours of builds, not after (and not opened: a
        // FIFO's reader would see its end)
        fastware_report::OutputFile::check(svg, &[], false)?;
    }
    let axes = crate::matrix_run::axes_of(cmd)?;
    let (report, failure) = match crate::matrix_run::execute(ctx, cmd, axes, cmd.hot.clone())? {
        Executed::Done => return Ok(Done::new(MatrixView::Planned(Lines(Vec::new())), cmd.output.format)),
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
                ctx.note(&format!("wrote {}", path.display()));
            }
            None => ctx.note("--svg: not a sweep (one axis of numbers, two values or more): no chart"),
        }
    }
    Ok(Done::new(MatrixView::Matrix(*report), cmd.output.format).failing(failure))
}
