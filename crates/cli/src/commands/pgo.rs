//! `fastware pgo`: profile-guided optimisation in one command, with the
//! speed-up measured.

use std::io::Write;

use clap::Args;
use fastware_pgo::flow::{self, Request};

use super::selection::SelectionArgs;
use crate::{CmdResult, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware pgo --run 'target/release/app --bench-mode'
  fastware pgo --run 'target/release/app a.txt' --run 'target/release/app b.txt' --compare 'target/release/app c.txt'
  fastware pgo --run 'target/release/app input' --runs 9 --format json

Each workload's program is replaced by the build's own binary when their file names agree
(target/release/app runs the instrumented app, then the optimised and the baseline ones).
Everything is built and kept under <target-dir>/fastware/pgo/.";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct PgoCmd {
    /// A training workload (repeatable): a command run with the instrumented binary
    #[arg(long = "run", value_name = "CMD")]
    runs_: Vec<String>,
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
}

pub fn run(cmd: PgoCmd, out: &mut dyn Write) -> CmdResult {
    let project = cmd.selection.project()?;
    let req = Request {
        train: cmd.runs_.clone(),
        compare: cmd.compare.clone(),
        runs: cmd.runs as usize,
        selection: cmd.selection.selection(),
    };
    crate::signals::on_signal(fastware_cargo::run::interrupt);
    let report = flow::run(&project, &req, &|m| crate::note(m))?;
    fastware_report::emit(&report, cmd.output.format, out)
}
