//! `fastware bench`: did it get faster? `compare` two sets of benchmark
//! results with real statistics; `cargo` runs `cargo bench` and saves its
//! results, with what they were measured on; `noise` reports the run-to-run
//! noise of the same code run several times.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use fastware_bench::input::Format as InputFormat;
use fastware_bench::instructions::{self, CountComparison, InstructionRun};
use fastware_bench::noise::NoiseReport;
use fastware_bench::saved::SavedResults;
use fastware_bench::{ComparisonReport, Options, Results, Store, Verdict};
use regex::Regex;

use crate::bench_cargo::CargoView;
use crate::{one_of, Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware bench cargo --save before           run `cargo bench`, keep the results as `before`
  (change the code)
  fastware bench cargo --save after
  fastware bench compare before after          what got faster or slower, with confidence
  fastware bench compare base new              criterion baselines (`-- --save-baseline base`)
  fastware bench compare old.txt new.txt       saved `cargo bench` output (libtest)
  fastware bench compare a.json b.json         hyperfine --export-json files
  fastware bench ab main HEAD                  two revisions, interleaved runs, compared between runs
  fastware bench noise aa                      run-to-run noise of `bench cargo --repeat N --save aa`";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct BenchCmd {
    #[command(subcommand)]
    pub command: BenchSub,
}

#[derive(Subcommand, Debug)]
pub enum BenchSub {
    /// Compare two sets of results: per benchmark the change, and whether it is real
    Compare(CompareArgs),
    /// Run `cargo bench`, show where the bench binaries are, and save the results
    Cargo(crate::bench_cargo::CargoArgs),
    /// Two git revisions benchmarked interleaved (A B A B …) and compared between runs
    Ab(crate::bench_ab::AbArgs),
    /// An A/A report from runs of the same code: each benchmark's run-to-run noise
    Noise(NoiseArgs),
}

const NOISE_EXAMPLES: &str = "\
Examples:
  fastware bench cargo --repeat 5 --save aa && fastware bench noise aa
  fastware bench noise run1 run2 run3           three single runs of the unchanged code

Each input is read as for `compare`; one with several runs (--repeat) counts each run,
one without counts as one run.";

#[derive(Args, Debug)]
#[command(after_help = NOISE_EXAMPLES)]
pub struct NoiseArgs {
    /// Results of the same code: saved names, files or criterion DIR@BASELINE
    #[arg(value_name = "RESULTS", required = true)]
    inputs: Vec<std::ffi::OsString>,
    /// The runs' medians instead of their means
    #[arg(long)]
    median: bool,
    /// The project whose saved results NAMEs refer to
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

fn noise_cmd(ctx: &Ctx, a: &NoiseArgs) -> Result<NoiseReport, Error> {
    let store = store(ctx, a.manifest_path.as_deref());
    let inputs = a.inputs.iter().map(|i| side(ctx, i, None, store.as_ref())).collect::<Result<Vec<_>, _>>()?;
    NoiseReport::new(&inputs, a.median, a.output.top.unwrap_or(0)).ok_or_else(|| {
        crate::error::argument(
            "no benchmark has two runs: give results of several runs (bench cargo --repeat N) or several results",
        )
    })
}

const COMPARE_EXAMPLES: &str = "\
BASE and NEW are each:
  a file                 libtest output of `cargo bench` (text, or JSON lines), a hyperfine
                         --export-json file, or a file fastware saved; told by its content
  DIR[@BASELINE]         a criterion directory (target/criterion, a target dir or a project),
                         baseline `new` unless given
  NAME                   results saved with `fastware bench cargo --save NAME`, else the
                         criterion baseline NAME of this project's target/criterion

Verdicts: with raw samples on both sides (criterion, hyperfine, saved), a bootstrap confidence
interval of the ratio new/base and Welch's t-test (Mann–Whitney U with --median) must both
say the change is real; with summaries only (libtest), the ± spreads must not overlap. A
change under --noise is no change. The tests' p-values are adjusted for the number of
benchmarks compared (Benjamini–Hochberg), so at --confidence 0.95 an unchanged suite is
called changed at most 5% of the time. With several runs a side (bench cargo --repeat N), the
comparison is between runs (a hierarchical bootstrap, Welch's test on the runs' figures), and
a change must also exceed each side's run-to-run spread; one run a side cannot see run-to-run
noise. Past bench runs of the project on this machine, kept in the history, give each
benchmark a threshold of its own (Q3 + 1.5·IQR of its past run-to-run changes);
--no-history leaves them out.

Examples:
  fastware bench compare base new --fail-on-regression 5
  fastware bench compare target/criterion@main target/criterion@pr --format json";

#[derive(Args, Debug)]
#[command(after_help = COMPARE_EXAMPLES)]
pub struct CompareArgs {
    /// The results before
    #[arg(value_name = "BASE")]
    base: std::ffi::OsString,
    /// The results after
    #[arg(value_name = "NEW")]
    new: std::ffi::OsString,
    /// Confidence level of intervals and tests, between 0.5 and 1
    #[arg(long, value_name = "LEVEL", default_value = "0.95", value_parser = fastware_report::parse::confidence)]
    confidence: f64,
    /// Changes smaller than this are "no change" (a percentage: 2 or 2%) [default: 2% for times,
    /// 0.1% for instruction counts]
    #[arg(long, value_name = "PCT", value_parser = fastware_report::parse::percent)]
    noise: Option<f64>,
    /// Compare medians instead of means, with the Mann–Whitney U test (when samples are kept)
    #[arg(long)]
    median: bool,
    /// Exit 1 when a benchmark regressed by more than PCT percent
    #[arg(long, value_name = "PCT", value_parser = fastware_report::parse::percent)]
    fail_on_regression: Option<f64>,
    /// Keep benchmarks whose name matches this regex
    #[arg(long, value_name = "REGEX", value_parser = fastware_report::parse::regex)]
    filter: Option<Regex>,
    /// Read both inputs as this format instead of telling by content
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<InputFormat>,
    /// The project whose saved results and criterion directory NAMEs refer to
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    #[command(flatten)]
    output: OutputArgs,
}

one_of! {
    /// What `bench` shows.
    pub enum BenchView {
        Comparison(ComparisonReport),
        Counts(CountComparison),
        Cargo(CargoView),
        Noise(NoiseReport),
    }
}

pub fn run(ctx: &Ctx, a: &BenchCmd) -> Result<Done<BenchView>, Error> {
    Ok(match &a.command {
        BenchSub::Compare(c) => compare_cmd(ctx, c)?,
        BenchSub::Cargo(c) => crate::bench_cargo::run(ctx, c)?.map(BenchView::Cargo),
        BenchSub::Ab(c) => crate::bench_ab::run(ctx, c)?,
        BenchSub::Noise(c) => Done::new(BenchView::Noise(noise_cmd(ctx, c)?), c.output.format),
    })
}

/// The project around the command's directory (or `--manifest-path`), if any.
fn project(ctx: &Ctx, manifest: Option<&Path>) -> Option<fastware_cargo::project::Project> {
    let manifest = manifest.map(|m| ctx.path(m));
    fastware_cargo::project::locate(&ctx.tools.cargo(), manifest.as_deref(), &ctx.cwd).ok()
}

/// The saved results and criterion baselines of the project here, if any.
pub fn store(ctx: &Ctx, manifest: Option<&Path>) -> Option<Store> {
    project(ctx, manifest).map(|p| store_of(ctx, &p.target_dir))
}

/// The store of the project whose target directory is `target_dir`,
/// knowing the names its history keeps.
pub fn store_of(ctx: &Ctx, target_dir: &Path) -> Store {
    Store::new(target_dir).with_names(crate::saved::names::<SavedResults>(ctx, target_dir))
}

/// One side of a comparison: a file or `DIR[@BASELINE]`; else results kept
/// in the history under that name (`bench cargo --save NAME`); else results
/// an earlier fastware saved as a file, or a criterion baseline (`store`).
pub fn side(ctx: &Ctx, arg: &OsStr, format: Option<InputFormat>, store: Option<&Store>) -> Result<Results, Error> {
    let p = Path::new(arg);
    let dir_at = arg.to_str().and_then(|a| a.rsplit_once('@')).is_some_and(|(d, _)| Path::new(d).is_dir());
    if let (false, false, Some(name), Some(store)) = (p.exists(), dir_at, arg.to_str(), store) {
        if let Some(saved) = crate::saved::find::<SavedResults>(ctx, &store.target_dir(), name, None)? {
            return saved.results(Path::new(name));
        }
    }
    let r = fastware_bench::store::read_side(arg, format, store)?;
    for w in &r.warnings {
        ctx.warn(w);
    }
    Ok(r)
}

/// Counts kept by name (`bench cargo --instructions --save NAME`) in the
/// project whose target directory is `target_dir`, or a file of them.
pub fn counted_side(ctx: &Ctx, target_dir: &Path, arg: &str) -> Result<InstructionRun, Error> {
    let p = Path::new(arg);
    if p.is_file() {
        let text = fastware_report::input::read_to_string(p)?;
        return fastware_report::json::read(&text, instructions::SCHEMA, arg);
    }
    crate::saved::find::<InstructionRun>(ctx, target_dir, arg, None)?.ok_or_else(|| {
        crate::error::not_found(format!("{arg}: no such file, and no instruction counts kept under that name"))
            .with_hint("keep some with `fastware bench cargo --instructions --save NAME`")
    })
}

/// Whether `arg` names instruction counts: a file of them, or a run kept
/// under that name that holds them.
fn names_counts(ctx: &Ctx, target_dir: Option<&Path>, arg: &OsStr) -> bool {
    let p = Path::new(arg);
    if p.is_file() {
        let mut head = [0u8; 512];
        let n = std::fs::File::open(p).and_then(|mut f| std::io::Read::read(&mut f, &mut head)).unwrap_or(0);
        return String::from_utf8_lossy(&head[..n]).contains(instructions::SCHEMA);
    }
    match (target_dir, arg.to_str()) {
        (Some(t), Some(name)) if !p.exists() => {
            crate::saved::kind_of(ctx, t, name, "bench").as_deref() == Some(instructions::SCHEMA)
        }
        _ => false,
    }
}

fn compare_cmd(ctx: &Ctx, a: &CompareArgs) -> Result<Done<BenchView>, Error> {
    let target = project(ctx, a.manifest_path.as_deref());
    let target_dir = target.as_ref().map(|p| p.target_dir.clone());
    let counts = [&a.base, &a.new].map(|s| names_counts(ctx, target_dir.as_deref(), s));
    if counts[0] || counts[1] {
        if counts != [true, true] {
            return Err(crate::error::mismatch(
                "one side holds instruction counts and the other times: compare like with like",
            )
            .with_hint("keep both with `fastware bench cargo --instructions --save NAME`"));
        }
        let dir = target_dir.unwrap_or_default();
        let side = |s: &OsStr| counted_side(ctx, &dir, &s.to_string_lossy());
        let (base, new) = (side(&a.base)?, side(&a.new)?);
        let noise = a.noise.unwrap_or(instructions::DEFAULT_NOISE);
        let c = CountComparison::new(&a.base.to_string_lossy(), &base, &a.new.to_string_lossy(), &new, noise);
        let failure = regressions(a.fail_on_regression, |limit| c.regressed_beyond(limit));
        return Ok(Done::new(BenchView::Counts(c), a.output.format).failing(failure));
    }
    Ok(times_compared(ctx, a, target)?.map(BenchView::Comparison))
}

fn times_compared(
    ctx: &Ctx,
    a: &CompareArgs,
    target: Option<fastware_cargo::project::Project>,
) -> Result<Done<ComparisonReport>, Error> {
    let noise = a.noise.unwrap_or(0.02);
    let mut opts = Options { confidence: a.confidence, noise, median: a.median, ..Options::default() };
    let store = target.as_ref().map(|p| store_of(ctx, &p.target_dir));
    let sides = [a.base.to_string_lossy().into_owned(), a.new.to_string_lossy().into_owned()];
    opts.past = crate::history::past_bench_noise(ctx, target.as_ref().map(|p| p.target_dir.as_path()), &|r| {
        r.name.as_ref().is_some_and(|n| sides.contains(n))
    });
    let mut base = side(ctx, &a.base, a.input_format, store.as_ref())?;
    let mut new = side(ctx, &a.new, a.input_format, store.as_ref())?;
    if let Some(f) = &a.filter {
        base.benchmarks.retain(|b| f.is_match(&b.name));
        new.benchmarks.retain(|b| f.is_match(&b.name));
    }
    let c = fastware_bench::compare(&base, &new, &opts)?;
    let report = ComparisonReport::new(&c, &base, &new, &opts, a.output.top.unwrap_or(0));
    let failure = regressions(a.fail_on_regression, |limit| timed_regressions(&report, limit));
    Ok(Done::new(report, a.output.format).failing(failure))
}

/// The benchmarks a timed comparison called regressed by more than `limit`.
pub(crate) fn timed_regressions(report: &ComparisonReport, limit: f64) -> Vec<String> {
    report
        .benchmarks
        .iter()
        .filter(|r| r.verdict == Verdict::Regressed.name() && r.change > limit)
        .map(|r| format!("{} (+{:.1}%)", r.name, r.change * 100.0))
        .collect()
}

/// `--fail-on-regression LIMIT`: the failure naming the benchmarks `bad`
/// finds regressed beyond it, when there are any.
pub(crate) fn regressions(limit: Option<f64>, bad: impl FnOnce(f64) -> Vec<String>) -> Option<Error> {
    let limit = limit?;
    let bad = bad(limit);
    (!bad.is_empty()).then(|| {
        let n = fastware_report::units::counted(bad.len(), "benchmark");
        crate::error::regressed(format!("{n} regressed by more than {}%: {}", limit * 100.0, bad.join(", ")))
    })
}
