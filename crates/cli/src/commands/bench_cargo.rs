//! `fastware bench cargo`: runs `cargo bench` in the project, names the
//! bench binaries it built, reads the results the run wrote, and saves them
//! with what they were measured on.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use fastware_bench::saved::SavedResults;
use fastware_bench::store::read_side;
use fastware_bench::{ComparisonReport, Meta, Options, Results, RunReport, Store};
use fastware_cargo::bench::BenchRun;
use fastware_report::{Format, Text};

use super::cargo_program;
use crate::{CmdResult, Error, OutputArgs};

const CARGO_EXAMPLES: &str = "\
Examples:
  fastware bench cargo --save base
  fastware bench cargo --save pr -- --bench parsing -- --measurement-time 10
  fastware bench cargo --save quick -- --bench crit -- --warm-up-time 0.5 --measurement-time 1
  fastware bench cargo --repeat 5 --save base   (5 runs, compared between runs later)

Arguments after -- go to cargo bench (and after a second --, to the harness). Criterion
results are read from the raw samples the run wrote; libtest's from its output.";

#[derive(Args, Debug)]
#[command(after_help = CARGO_EXAMPLES)]
pub struct CargoArgs {
    /// Save the results as NAME (<target-dir>/fastware/bench/NAME.json), to compare later
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    /// After the run, compare with the results saved as NAME
    #[arg(long, value_name = "NAME")]
    compare: Option<String>,
    /// Run the benchmarks N times (separate processes), keeping each run, so that comparisons
    /// are made between runs and see run-to-run noise
    #[arg(long, value_name = "N", default_value = "1", value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
    /// The project's Cargo.toml [default: the one in this directory or above]
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
    /// Arguments for cargo bench
    #[arg(last = true, value_name = "CARGO_BENCH_ARGS")]
    cargo_args: Vec<String>,
}

pub fn run(a: CargoArgs, out: &mut dyn Write) -> CmdResult {
    if let Some(name) = &a.save {
        fastware_report::output::check_name(name)?;
    }
    let cargo = cargo_program();
    let cwd = std::env::current_dir().map_err(|e| Error::failed(format!("no current directory: {e}")))?;
    let project = fastware_cargo::project::locate(&cargo, a.manifest_path.as_deref(), &cwd)?;
    let store = Store::new(&project.target_dir);
    // what to compare with is read before the benchmarks run, not after
    let base = a.compare.as_deref().map(|name| read_side(name.as_ref(), None, Some(&store))).transpose()?;
    let mut runs = Vec::new();
    let mut started = Vec::new();
    let mut last = None;
    for k in 1..=a.repeat {
        if a.repeat > 1 {
            crate::note(&format!("run {k} of {}", a.repeat));
        }
        let run =
            fastware_cargo::bench::run_bench(&cargo, &project, &cwd, a.manifest_path.as_deref(), &a.cargo_args, None)?;
        if !run.success {
            return Err(Error::failed("cargo bench failed (its errors are above)"));
        }
        runs.push(results_of(&run, &project.target_dir, &a.cargo_args)?);
        started.push(unix_ms(run.started));
        last = Some(run);
    }
    let run = last.expect("at least one run");
    let mut results = Results::of_runs(runs).expect("at least one run");
    results.meta = Some(meta_of(&run, &project.workspace_root, &a.cargo_args, started));
    let mut saved = SavedResults::new(&results);
    if let Some(name) = &a.save {
        saved.saved_to = Some(store.save(&saved, name)?.display().to_string());
        let bins: Vec<PathBuf> = run.binaries.iter().map(|b| b.path.clone()).collect();
        store.save_binaries(name, &bins)?;
    }
    let report = RunReport(saved);
    let kept =
        super::history::record(&project.workspace_root, &project.target_dir, "bench", a.save.as_deref(), &report);
    let Some(base) = base else {
        return fastware_report::emit(&report, a.output.format, out);
    };
    // past runs set each benchmark's noise, except this run and the one compared with
    let with = a.compare.clone();
    let past = super::history::past_bench_noise(Some(&project.target_dir), &|r| {
        Some(r.id) == kept || (r.name.is_some() && r.name == with)
    });
    let opts = Options { past, ..Options::default() };
    let c = fastware_bench::compare(&base, &results, &opts)?;
    let comparison = ComparisonReport::new(&c, &base, &results, &opts, 0);
    fastware_report::emit(&comparison, a.output.format, out)?;
    if a.output.format == Format::Table {
        report.footer(&mut Text::stdout(out), a.save.as_deref())?;
    }
    Ok(())
}

/// libtest's lines in a run's output, or the criterion samples it wrote.
pub(super) fn results_of(
    run: &fastware_cargo::bench::BenchRun,
    target_dir: &Path,
    cargo_args: &[String],
) -> Result<Results, Error> {
    let saved = cargo_args.iter().position(|x| x == "--save-baseline").and_then(|i| cargo_args.get(i + 1));
    fastware_bench::input::of_run(&run.output, &target_dir.join("criterion"), run.started, saved.map(String::as_str))
}

pub(super) fn unix_ms(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// What a run was measured on: commit, rustc, the bench binaries, when each run started.
pub(super) fn meta_of(run: &BenchRun, dir: &Path, cargo_args: &[String], runs_started_ms: Vec<u64>) -> Meta {
    Meta {
        created_unix: unix_ms(std::time::SystemTime::now()) / 1000,
        git_commit: fastware_cargo::bench::git_commit(dir),
        rustc: fastware_cargo::bench::rustc_version(dir),
        cargo_args: cargo_args.to_vec(),
        binaries: run
            .binaries
            .iter()
            .map(|b| fastware_bench::BenchBinary {
                target: b.target.clone(),
                path: b.path.clone(),
                hash: fastware_cargo::bench::file_hash(&b.path),
                fresh: b.fresh,
            })
            .collect(),
        runs_started_ms,
    }
}
