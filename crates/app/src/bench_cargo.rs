//! `fastware bench cargo`: runs `cargo bench` in the project, names the
//! bench binaries it built, reads the results the run wrote, and saves them
//! with what they were measured on.

use std::path::{Path, PathBuf};

use clap::Args;
use fastware_bench::saved::SavedResults;
use fastware_bench::{ComparisonReport, Meta, Options, Results, RunReport, Store};
use fastware_cargo::bench::BenchRun;
use fastware_report::{Render, Text};
use serde::Serialize;

use crate::{Ctx, Done, Error, OutputArgs};

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
    /// Keep the results in the history as NAME (and copies of the bench binaries), to compare later
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    /// After the run, compare with the results saved as NAME
    #[arg(long, value_name = "NAME")]
    compare: Option<String>,
    /// Run the benchmarks N times (separate processes), keeping each run, so that comparisons
    /// are made between runs and see run-to-run noise
    #[arg(long, value_name = "N", default_value = "1", value_parser = clap::value_parser!(u32).range(1..=1000))]
    repeat: u32,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    cargo: crate::args::CargoBenchArgs,
}

/// What `bench cargo` shows: the run's results, or, with `--compare`, the
/// comparison with the results named (and where the run's binaries are).
#[derive(Debug, Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // one value per command
pub enum CargoView {
    Run(RunReport),
    Compared {
        #[serde(flatten)]
        comparison: ComparisonReport,
        #[serde(skip)]
        run: RunReport,
    },
}

impl Render for CargoView {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        match self {
            CargoView::Run(r) => r.text(out),
            CargoView::Compared { comparison, run } => {
                comparison.text(out)?;
                run.footer(out)
            }
        }
    }

    fn csv(&self) -> fastware_report::Result<fastware_report::Table> {
        match self {
            CargoView::Run(r) => r.csv(),
            CargoView::Compared { comparison, .. } => comparison.csv(),
        }
    }
}

pub fn run(ctx: &Ctx, a: &CargoArgs) -> Result<Done<CargoView>, Error> {
    if let Some(name) = &a.save {
        crate::saved::check_name(name)?;
    }
    let cargo = ctx.tools.cargo();
    let manifest = a.cargo.manifest_path.as_deref().map(|m| ctx.path(m));
    let project = fastware_cargo::project::locate(&cargo, manifest.as_deref(), &ctx.cwd)?;
    let store = Store::new(&project.target_dir);
    // what to compare with is read before the benchmarks run, not after
    let base =
        a.compare.as_deref().map(|name| crate::bench::side(ctx, name.as_ref(), None, Some(&store))).transpose()?;
    let mut runs = Vec::new();
    let mut started = Vec::new();
    let mut last = None;
    for k in 1..=a.repeat {
        if a.repeat > 1 {
            ctx.note(&format!("run {k} of {}", a.repeat));
        }
        let run = fastware_cargo::bench::run_bench(
            &cargo,
            &project,
            &ctx.cwd,
            manifest.as_deref(),
            &a.cargo.cargo_args,
            None,
        )?;
        if !run.success {
            return Err(Error::failed("cargo bench failed (its errors are above)"));
        }
        runs.push(results_of(&run, &project.target_dir, &a.cargo.cargo_args)?);
        started.push(unix_ms(run.started));
        last = Some(run);
    }
    let run = last.expect("at least one run");
    let mut results = Results::of_runs(runs).expect("at least one run");
    results.meta = Some(meta_of(&run, &project.workspace_root, &a.cargo.cargo_args, started));
    let mut saved = SavedResults::new(&results);
    let kept = match &a.save {
        Some(name) => {
            let bins: Vec<PathBuf> = run.binaries.iter().map(|b| b.path.clone()).collect();
            let copies = store.save_binaries(name, &bins)?;
            saved.saved_to = Some(format!(
                "as `{name}` in the history, the bench binaries in {}",
                store.binaries_dir(name).display()
            ));
            ctx.note(&format!("kept copies of {} bench binaries (fastware bench ab saved:{name} …)", copies.len()));
            Some(crate::saved::keep(ctx, &project.workspace_root, &project.target_dir, name, &saved)?)
        }
        None => crate::history::record(ctx, &project.workspace_root, &project.target_dir, None, &saved),
    };
    let report = RunReport(saved);
    let Some(base) = base else {
        return Ok(Done::new(CargoView::Run(report), a.output.format));
    };
    // past runs set each benchmark's noise, except this run and the one compared with
    let with = a.compare.clone();
    let past = crate::history::past_bench_noise(ctx, Some(&project.target_dir), &|r| {
        Some(r.id) == kept || (r.name.is_some() && r.name == with)
    });
    let opts = Options { past, ..Options::default() };
    let c = fastware_bench::compare(&base, &results, &opts)?;
    let comparison = ComparisonReport::new(&c, &base, &results, &opts, 0);
    Ok(Done::new(CargoView::Compared { comparison, run: report }, a.output.format))
}

/// libtest's lines in a run's output, or the criterion samples it wrote.
pub(crate) fn results_of(
    run: &fastware_cargo::bench::BenchRun,
    target_dir: &Path,
    cargo_args: &[String],
) -> Result<Results, Error> {
    let saved = cargo_args.iter().position(|x| x == "--save-baseline").and_then(|i| cargo_args.get(i + 1));
    fastware_bench::input::of_run(&run.output, &target_dir.join("criterion"), run.started, saved.map(String::as_str))
}

pub(crate) fn unix_ms(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// What a run was measured on: commit, rustc, the bench binaries, when each run started.
pub(crate) fn meta_of(run: &BenchRun, dir: &Path, cargo_args: &[String], runs_started_ms: Vec<u64>) -> Meta {
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
