//! `fastware bench cargo`: runs `cargo bench` in the project, names the
//! bench binaries it built, reads the results the run wrote, and saves them
//! with what they were measured on.

use std::path::{Path, PathBuf};

use clap::Args;
use fastware_bench::instructions::{CountComparison, InstructionRun};
use fastware_bench::saved::SavedResults;
use fastware_bench::{ComparisonReport, Meta, Options, Results, RunReport, Store};
use fastware_cargo::bench::BenchRun;
use fastware_cargo::project::Project;
use fastware_report::{Render, Text};
use serde::Serialize;

use crate::{Ctx, Done, Error, OutputArgs};

const CARGO_EXAMPLES: &str = "\
Examples:
  fastware bench cargo --save base
  fastware bench cargo --save pr -- --bench parsing -- --measurement-time 10
  fastware bench cargo --save quick -- --bench crit -- --warm-up-time 0.5 --measurement-time 1
  fastware bench cargo --repeat 5 --save base   (5 runs, compared between runs later)
  fastware bench cargo --instructions --save base   (counts per iteration, under callgrind)
  fastware bench cargo --instructions --compare base -- --bench parsing
  fastware bench cargo --instructions --annotate 'parse_line' -- --bench parsing
  fastware bench cargo --instructions --run './target/release/app input.txt'

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
    count: crate::args::CountArgs,
    /// With --instructions: count this command, whole (repeatable), instead of the benchmarks
    #[arg(long = "run", value_name = "CMD", requires = "instructions")]
    commands: Vec<String>,
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
    Counted(CountedView),
    CountsCompared(CountComparison),
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
            CargoView::Counted(r) => r.text(out),
            CargoView::CountsCompared(r) => r.text(out),
            CargoView::Compared { comparison, run } => {
                comparison.text(out)?;
                run.footer(out)
            }
        }
    }

    fn csv(&self) -> fastware_report::Result<fastware_report::Table> {
        match self {
            CargoView::Run(r) => r.csv(),
            CargoView::Counted(r) => r.csv(),
            CargoView::CountsCompared(r) => r.csv(),
            CargoView::Compared { comparison, .. } => comparison.csv(),
        }
    }

    fn markdown(&self) -> fastware_report::Result<String> {
        match self {
            CargoView::Run(r) => r.markdown(),
            CargoView::Counted(r) => r.markdown(),
            CargoView::CountsCompared(r) => r.markdown(),
            CargoView::Compared { comparison, .. } => comparison.markdown(),
        }
    }
}

pub fn run(ctx: &Ctx, a: &CargoArgs) -> Result<Done<CargoView>, Error> {
    if let Some(name) = &a.save {
        crate::saved::check(ctx, name)?;
    }
    let cargo = ctx.tools.cargo();
    let manifest = a.cargo.manifest_path.as_deref().map(|m| ctx.path(m));
    let project = fastware_cargo::project::locate(&cargo, manifest.as_deref(), &ctx.cwd)?;
    if a.count.instructions {
        return counted(ctx, a, &project);
    }
    let store = Store::new(&project.target_dir);
    // what to compare with is read before the benchmarks run, not after
    let base =
        a.compare.as_deref().map(|name| crate::bench::side(ctx, name.as_ref(), None, Some(&store))).transpose()?;
    let (results, run) = timed(ctx, a, &project)?;
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

/// The counts of a run, and with `--annotate` the machine code of the
/// function asked for in each benchmark that ran it; for each benchmark
/// that may measure nothing, the instructions its counted iterations ran.
#[derive(Debug, Serialize)]
pub struct CountedView {
    #[serde(flatten)]
    pub run: InstructionRun,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub annotated: Vec<Annotated>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Annotated>,
}

/// A function's machine code in one benchmark's counted iterations.
#[derive(Debug, Serialize)]
pub struct Annotated {
    pub benchmark: String,
    pub code: fastware_profile::report::AnnotateReport,
}

impl Render for CountedView {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        self.run.text(out)?;
        for a in &self.evidence {
            out.blank()?;
            out.line(format_args!(
                "{}: all the instructions its counted iterations ran in {} (the rest of it ran none)",
                a.benchmark, a.code.function
            ))?;
            a.code.text(out)?;
        }
        for a in &self.annotated {
            out.blank()?;
            out.line(format_args!(
                "{}: the machine code, with the instructions each line ran in the counted iterations",
                a.benchmark
            ))?;
            a.code.text(out)?;
        }
        Ok(())
    }

    fn csv(&self) -> fastware_report::Result<fastware_report::Table> {
        self.run.csv()
    }
}

/// The function matching `re` annotated in each benchmark whose recording
/// ran it.
fn annotated(run: &InstructionRun, re: &regex::Regex) -> Result<Vec<Annotated>, Error> {
    let mut found = Vec::new();
    for b in &run.benchmarks {
        let p = fastware_profile::callgrind::read(std::path::Path::new(&b.recording), Some("Ir"))?;
        if let Ok(code) = fastware_profile::annotate::annotate(&p, re) {
            found.push(Annotated { benchmark: b.name.clone(), code });
        }
    }
    if found.is_empty() {
        return Err(crate::error::not_found(format!(
            "--annotate {}: no benchmark ran a function of that name",
            re.as_str()
        ))
        .with_hint("the functions of each benchmark are in --format json (`functions`)"));
    }
    Ok(found)
}

/// The evidence for each benchmark that may measure nothing: the function
/// its iterations spent most in, cut to the instructions that ran. A
/// benchmark whose recording cannot be annotated (its binary gone) has none.
fn evidence(run: &InstructionRun) -> Vec<Annotated> {
    let mut found = Vec::new();
    for b in run.benchmarks.iter().filter(|b| b.measures_nothing.is_some()) {
        let Some(top) = b.functions.first() else { continue };
        let Ok(re) = regex::Regex::new(&format!("^{}$", regex::escape(&top.function))) else { continue };
        let Ok(p) = fastware_profile::callgrind::read(std::path::Path::new(&b.recording), Some("Ir")) else { continue };
        if let Ok(mut code) = fastware_profile::annotate::annotate(&p, &re) {
            code.lines.retain(|l| l.cost > 0);
            found.push(Annotated { benchmark: b.name.clone(), code });
        }
    }
    found
}

/// `cargo bench`, `--repeat` times: the results of the runs, and the last run.
fn timed(ctx: &Ctx, a: &CargoArgs, project: &Project) -> Result<(Results, BenchRun), Error> {
    let cargo = ctx.tools.cargo();
    let manifest = a.cargo.manifest_path.as_deref().map(|m| ctx.path(m));
    let mut runs = Vec::new();
    let mut started = Vec::new();
    let mut last = None;
    let began = std::time::Instant::now();
    for k in 1..=a.repeat {
        if a.repeat > 1 {
            ctx.run_of(k, a.repeat, began, "");
        }
        let run = fastware_cargo::bench::run_bench(
            &cargo,
            project,
            &ctx.cwd,
            manifest.as_deref(),
            &a.cargo.cargo_args,
            None,
        )?;
        if !run.success {
            return Err(crate::error::run_failed("cargo bench failed (its errors are above)"));
        }
        runs.push(results_of(&run, &project.target_dir, &a.cargo.cargo_args)?);
        started.push(unix_ms(run.started));
        last = Some(run);
    }
    let run = last.expect("at least one run");
    let mut results = Results::of_runs(runs).expect("at least one run");
    results.meta = Some(meta_of(&run, &project.workspace_root, &a.cargo.cargo_args, started));
    Ok((results, run))
}

/// Where `bench cargo --instructions` builds the benchmarks (against the
/// counting criterion).
pub(crate) fn counted_target_dir(project: &Project) -> PathBuf {
    project.fastware_dir().join("instructions").join("target")
}

/// `bench cargo --instructions`: each benchmark counted by callgrind (and,
/// with `--repeat N`, timed too); kept, and compared with `--compare NAME`.
fn counted(ctx: &Ctx, a: &CargoArgs, project: &Project) -> Result<Done<CargoView>, Error> {
    let base = match &a.compare {
        Some(name) => Some(crate::bench::counted_side(ctx, &project.target_dir, name)?),
        None => None,
    };
    let (cargo_args, filter) = a.cargo.split();
    let counting = crate::bench_instructions::Counting {
        cargo_args,
        filter,
        commands: a.commands.clone(),
        iterations: a.count.iterations,
        cache_sim: a.count.cache_sim,
        dir: project.fastware_dir().join("instructions"),
        target_dir: counted_target_dir(project),
    };
    // the commit and rustc are asked for while valgrind runs (git and
    // rustc take a tenth of a second that would otherwise add up)
    let root = &project.workspace_root;
    let (run, (git_commit, rustc)) = std::thread::scope(|s| {
        let versions =
            s.spawn(|| (fastware_cargo::bench::git_commit(root), fastware_cargo::bench::rustc_version(root)));
        let run = crate::bench_instructions::count(ctx, project, &counting);
        (run, versions.join().unwrap_or_default())
    });
    let mut run = run?;
    if a.repeat > 1 {
        run.timing = Some(SavedResults::new(&timed(ctx, a, project)?.0));
    }
    run.meta = Some(Meta {
        created_unix: unix_ms(std::time::SystemTime::now()) / 1000,
        git_commit,
        rustc,
        cargo_args: a.cargo.cargo_args.clone(),
        binaries: Vec::new(),
        runs_started_ms: Vec::new(),
    });
    match &a.save {
        Some(name) => {
            crate::saved::keep(ctx, &project.workspace_root, &project.target_dir, name, &run)?;
        }
        None => {
            crate::history::record(ctx, &project.workspace_root, &project.target_dir, None, &run);
        }
    }
    let failure = if run.interrupted {
        Some(Error::interrupted(format!(
            "interrupted: {} counted and kept",
            fastware_report::units::counted(run.benchmarks.len(), "benchmark")
        )))
    } else {
        (!run.failed.is_empty()).then(|| {
            crate::error::run_failed(format!(
                "{} could not be counted (see above); the others were",
                fastware_report::units::counted(run.failed.len(), "benchmark")
            ))
        })
    };
    let view = match (base, &a.compare) {
        (Some(base), Some(name)) => CargoView::CountsCompared(CountComparison::new(
            name,
            &base,
            "this run",
            &run,
            fastware_bench::instructions::DEFAULT_NOISE,
        )),
        _ => {
            let annotated = match &a.count.annotate {
                Some(re) => annotated(&run, re)?,
                None => Vec::new(),
            };
            let evidence = evidence(&run);
            CargoView::Counted(CountedView { run, annotated, evidence })
        }
    };
    Ok(Done::new(view, a.output.format).failing(failure))
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
