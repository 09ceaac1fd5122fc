//! `fastware pgo`: profile-guided optimisation in one command, with the
//! speed-up measured.

use clap::Args;
use fastware_pgo::flow::{self, BenchWorkload, Request};
use fastware_pgo::report::PgoReport;

use crate::args::SelectionArgs;
use crate::{Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware pgo --run 'target/release/app --bench-mode'
  fastware pgo --run 'target/release/app a.txt' --run 'target/release/app b.txt' --compare 'target/release/app c.txt'
  fastware pgo --run 'target/release/app input' --runs 9 --format json
  fastware pgo --bench parse -- --measurement-time 2     trained and compared on a benchmark target

Each workload's program is replaced by the build's own binary when their file names agree
(target/release/app runs the instrumented app, then the optimised and the baseline ones).
With --bench NAME, the benchmark target is built with each build and run as cargo bench runs
it (arguments after -- go to its harness); without a --run, each benchmark is compared
between the interleaved runs, as `fastware bench compare` does. Everything is built and
kept under <target-dir>/fastware/pgo/.";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct PgoCmd {
    /// A training workload (repeatable): a command run with the instrumented binary
    #[arg(long = "run", value_name = "CMD")]
    runs_: Vec<String>,
    /// A benchmark target as the training workload (and, without --run, the comparison's)
    #[arg(long, value_name = "NAME")]
    bench: Option<String>,
    /// The binary the --run commands run, when the package has several
    #[arg(long, value_name = "NAME")]
    bin: Option<String>,
    /// The workload the optimised binary is measured on [default: the first --run]
    #[arg(long, value_name = "CMD")]
    compare: Option<String>,
    /// Runs of each binary in the comparison, interleaved
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    runs: u64,
    #[command(flatten)]
    selection: SelectionArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Arguments for the benchmark's harness (with --bench)
    #[arg(last = true, value_name = "HARNESS_ARGS")]
    harness_args: Vec<String>,
}

pub fn run(ctx: &Ctx, cmd: &PgoCmd) -> Result<Done<PgoReport>, Error> {
    if cmd.bench.is_none() && !cmd.harness_args.is_empty() {
        return Err(crate::error::argument("arguments after -- go to a benchmark's harness: give --bench NAME"));
    }
    let project = cmd.selection.project(ctx)?;
    let req = Request {
        train: cmd.runs_.clone(),
        bench: cmd.bench.clone().map(|name| BenchWorkload { name, args: cmd.harness_args.clone() }),
        bin: cmd.bin.clone(),
        compare: cmd.compare.clone(),
        runs: cmd.runs as usize,
        selection: cmd.selection.selection(),
    };
    ctx.cancel.listen();
    // on a terminal, a bar over the flow's steps, each of which says what
    // it starts with a note: three builds, the training runs, the merge,
    // the comparison
    let trainings = req.train.len() + usize::from(req.bench.is_some());
    let bar = ctx.steps(5 + trainings as u64);
    let started = std::cell::Cell::new(0u64);
    let note = |m: &str| {
        ctx.note_above(bar.as_ref(), m);
        if let Some(b) = &bar {
            b.set_position(started.get());
            b.set_message(m.split(':').next().unwrap_or(m).to_string());
        }
        started.set(started.get() + 1);
    };
    let report = flow::run(&project, &req, &note);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let report = report?;
    crate::history::record(ctx, &project.workspace_root, &project.target_dir, None, &report);
    Ok(Done::new(report, cmd.output.format))
}
