//! `fastware bench ab BASE NEW`: two git revisions of the project, each
//! unpacked under `<target-dir>/fastware/revisions/` (the user's tree and
//! `.git` untouched) and built in one target directory apart from the
//! user's, shared by the revisions so that their dependencies build once — or bench
//! binaries saved with `bench cargo --save NAME` (`saved:NAME`) — then
//! benchmarked interleaved — base, new, base, new … — so that drift in the
//! machine hits both alike, and compared between runs.

use std::path::PathBuf;

use clap::Args;
use fastware_bench::instructions::CountComparison;
use fastware_bench::saved::SavedResults;
use fastware_bench::{ComparisonReport, Options, Results, Store};
use fastware_cargo::bench::{Apart, BenchBinary};
use fastware_cargo::revision::{unpack, Revision, Seed};

use crate::bench_cargo::{meta_of, results_of, unix_ms};
use crate::{Ctx, Done, Error, OutputArgs};

const AB_EXAMPLES: &str = "\
Examples:
  fastware bench ab main HEAD                        3 interleaved runs a side, compared between runs
  fastware bench ab HEAD~1 HEAD --repeat 5 -- --bench parsing -- --measurement-time 2
  fastware bench ab HEAD HEAD                        an A/A check: how noisy is this machine?
  fastware bench ab saved:before HEAD -- --bench crit -- --measurement-time 2
  fastware bench ab main HEAD --instructions --fail-on-regression 1   exact counts, for CI

BASE and NEW are git revisions (commits, branches, tags) of the repository holding the
project (uncommitted changes are not part of either), or saved:NAME, the bench binaries
`fastware bench cargo --save NAME` kept (run as cargo bench runs them, with the arguments
after the second --). Arguments after -- go to cargo bench.";

#[derive(Args, Debug)]
#[command(after_help = AB_EXAMPLES)]
pub struct AbArgs {
    /// The revision before (or saved:NAME)
    #[arg(value_name = "BASE")]
    base: String,
    /// The revision after (or saved:NAME)
    #[arg(value_name = "NEW")]
    new: String,
    /// Runs a side (at least 2: the comparison is between runs)
    #[arg(long, value_name = "N", default_value = "3", value_parser = clap::value_parser!(u32).range(2..=1000))]
    repeat: u32,
    /// Changes smaller than this are "no change" (a percentage: 2 or 2%) [default: 2% for times,
    /// 0.1% for instruction counts]
    #[arg(long, value_name = "PCT", value_parser = fastware_report::parse::percent)]
    noise: Option<f64>,
    /// Exit with status 1 when a benchmark regressed by more than PCT (for CI)
    #[arg(long, value_name = "PCT", value_parser = fastware_report::parse::percent)]
    fail_on_regression: Option<f64>,
    #[command(flatten)]
    count: crate::args::CountArgs,
    /// Keep both sides in the history as NAME-base and NAME-new
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
    #[command(flatten)]
    cargo: crate::args::CargoBenchArgs,
}

/// Where a side's bench binaries come from.
enum Source {
    /// A git revision, unpacked, with its project and its own target directory.
    Revision { rev: Revision, project: fastware_cargo::project::Project },
    /// Copies of the bench binaries saved with `bench cargo --save NAME`.
    Saved { binaries: Vec<BenchBinary>, commit: Option<String> },
}

/// One side: its source, where it builds or writes, and its runs.
struct Side {
    label: String,
    source: Source,
    /// Where the side's criterion writes (`<target>/criterion`).
    target: PathBuf,
    runs: Vec<Results>,
    started: Vec<u64>,
    last: Option<fastware_cargo::bench::BenchRun>,
}

impl Side {
    fn new(label: String, source: Source, target: PathBuf) -> Side {
        Side { label, source, target, runs: Vec::new(), started: Vec::new(), last: None }
    }

    /// A revision's criterion home and its own target directory.
    fn dirs(&self) -> (PathBuf, PathBuf) {
        (self.target.join("criterion"), self.target.join("target"))
    }
}

/// Marks a commit's directory (`prefix` then the commit) as used now and
/// removes the oldest beside it beyond the last few used, saying so: each
/// holds a whole build (see [`fastware_cargo::revision::keep_recent`]).
pub(crate) fn keep_recent(ctx: &Ctx, entry: &std::path::Path, prefix: &str) {
    let pruned = fastware_cargo::revision::keep_recent(entry, prefix);
    if pruned.dirs > 0 {
        let under = entry.parent().unwrap_or(entry);
        ctx.note(&format!(
            "removed {} older revision {} under {} ({}): the {} used last are kept",
            pruned.dirs,
            if pruned.dirs == 1 { "directory" } else { "directories" },
            under.display(),
            fastware_report::units::bytes(pruned.bytes),
            fastware_cargo::revision::KEEP
        ));
    }
}

/// A side named `saved:NAME`: the bench binaries `bench cargo --save NAME` kept.
fn saved_side(ctx: &Ctx, user: &fastware_cargo::project::Project, name: &str) -> Result<Side, Error> {
    let store = Store::new(&user.target_dir);
    let copies = store.saved_binaries(name);
    if copies.is_empty() {
        return Err(crate::error::not_found(format!("`saved:{name}`: no bench binaries were saved as `{name}`"))
            .with_hint("save them with `fastware bench cargo --save NAME` (results and binaries are kept)"));
    }
    let binaries = copies
        .into_iter()
        .map(|path| {
            let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            let target = file.rsplit_once('-').map_or(file.clone(), |(t, _)| t.to_string());
            BenchBinary { target, path, fresh: true }
        })
        .collect();
    let kept = crate::saved::find::<SavedResults>(ctx, &user.target_dir, name, None).ok().flatten();
    let commit = match kept {
        Some(r) => r.meta.and_then(|m| m.git_commit),
        None => store.read(name, None).ok().flatten().and_then(|r| r.meta.and_then(|m| m.git_commit)),
    };
    ctx.note(&format!("saved:{name} runs the bench binaries kept in {}", store.binaries_dir(name).display()));
    let target = user.fastware_dir().join("ab").join(format!("saved-{name}"));
    Ok(Side::new(format!("saved:{name}"), Source::Saved { binaries, commit }, target))
}

pub fn run(ctx: &Ctx, a: &AbArgs) -> Result<Done<crate::bench::BenchView>, Error> {
    if let Some(name) = &a.save {
        crate::saved::check(ctx, &format!("{name}-base"))?;
    }
    let cargo = ctx.tools.cargo();
    let manifest = a.cargo.manifest_path.as_deref().map(|m| ctx.path(m));
    let user = fastware_cargo::project::locate(&cargo, manifest.as_deref(), &ctx.cwd)?;
    let dir = manifest.as_deref().and_then(|m| m.parent()).map_or(ctx.cwd.clone(), PathBuf::from);
    if a.count.instructions {
        return counted(ctx, a, &user, &dir).map(|d| d.map(crate::bench::BenchView::Counts));
    }
    let store = user.fastware_dir().join("revisions");
    let mut sides = Vec::new();
    for arg in [&a.base, &a.new] {
        if let Some(name) = arg.strip_prefix("saved:") {
            sides.push(saved_side(ctx, &user, name)?);
            continue;
        }
        let rev = unpack(&dir, arg, &store)?;
        keep_recent(ctx, &rev.tree, "");
        let manifest = rev.project_dir.join("Cargo.toml");
        let project = fastware_cargo::project::locate(&cargo, Some(&manifest), &rev.project_dir)?;
        let target = user.fastware_dir().join("ab").join(format!("side-{}", &rev.commit[..12]));
        ctx.note(&format!("{} is {} (unpacked in {})", rev.name, &rev.commit[..12], rev.project_dir.display()));
        sides.push(Side::new(rev.name.clone(), Source::Revision { rev, project }, target));
    }
    // build both first, so that no run pays for a build
    let at = a.cargo.cargo_args.iter().position(|x| x == "--").unwrap_or(a.cargo.cargo_args.len());
    let harness_args = a.cargo.cargo_args.get(at + 1..).unwrap_or_default().to_vec();
    let mut build_args = a.cargo.cargo_args[..at].to_vec();
    build_args.push("--no-run".into());
    // each revision in a target directory of its own (cargo would find one
    // revision's build fresh for the other: see `Revision::seed_target`),
    // the first started from the user's own benchmark build, the second
    // from the first's
    let own = Seed::Own { target_dir: &user.target_dir, profile_dir: std::path::Path::new("release") };
    let mut built: Option<PathBuf> = None;
    for s in &sides {
        let Source::Revision { rev, project } = &s.source else { continue };
        let (home, target_dir) = s.dirs();
        rev.seed_target(Seed::other_or_own(built.as_deref(), own), &target_dir);
        let apart = Apart { target_dir: &target_dir, criterion_home: &home };
        let b = fastware_cargo::bench::run_bench(&cargo, project, &rev.project_dir, None, &build_args, Some(apart))?;
        if !b.success {
            return Err(crate::error::run_failed(format!(
                "cargo bench failed to build {} (its errors are above)",
                rev.name
            )));
        }
        keep_recent(ctx, &s.target, "side-");
        built = Some(target_dir);
    }
    let began = std::time::Instant::now();
    let per_repeat = sides.len() as u32;
    for k in 1..=a.repeat {
        for (i, s) in sides.iter_mut().enumerate() {
            let (j, runs) = ((k - 1) * per_repeat + i as u32 + 1, a.repeat * per_repeat);
            ctx.run_of(j, runs, began, &format!("{} (repeat {k} of {})", s.label, a.repeat));
            let r = match &s.source {
                Source::Revision { rev, project } => {
                    let (home, target_dir) = s.dirs();
                    let apart = Apart { target_dir: &target_dir, criterion_home: &home };
                    let args = &a.cargo.cargo_args;
                    fastware_cargo::bench::run_bench(&cargo, project, &rev.project_dir, None, args, Some(apart))?
                }
                Source::Saved { binaries, .. } => {
                    fastware_cargo::bench::run_binaries(binaries, &harness_args, &user.workspace_root, &s.target, &[])?
                }
            };
            if !r.success {
                return Err(crate::error::run_failed(format!(
                    "the benchmarks failed on {} (their errors are above)",
                    s.label
                )));
            }
            s.runs.push(results_of(&r, &s.target, &a.cargo.cargo_args)?);
            s.started.push(unix_ms(r.started));
            s.last = Some(r);
        }
    }
    let mut results = Vec::new();
    let mut kept = Vec::new();
    for (s, label) in sides.iter_mut().zip(["base", "new"]) {
        let mut r = Results::of_runs(std::mem::take(&mut s.runs)).expect("runs");
        if let Some(last) = &s.last {
            let (dir, commit) = match &s.source {
                Source::Revision { rev, .. } => (rev.project_dir.clone(), Some(rev.commit.clone())),
                Source::Saved { commit, .. } => (user.workspace_root.clone(), commit.clone()),
            };
            let mut meta = meta_of(last, &dir, &a.cargo.cargo_args, s.started.clone());
            meta.git_commit = commit;
            r.meta = Some(meta);
        }
        let side = SavedResults::new(&r);
        let commit = r.meta.as_ref().and_then(|m| m.git_commit.clone());
        let at = crate::history::At {
            project: &user.workspace_root,
            target_dir: &user.target_dir,
            commit: commit.as_deref(),
        };
        match &a.save {
            Some(name) => kept.push(crate::saved::keep_at(ctx, &at, &format!("{name}-{label}"), &side)?),
            None => kept.extend(crate::history::record_at(ctx, &at, None, &side)),
        }
        results.push(r);
    }
    let past = crate::history::past_bench_noise(ctx, Some(&user.target_dir), &|r| kept.contains(&r.id));
    let o = Options { noise: a.noise.unwrap_or(0.02), past, ..Options::default() };
    let c = fastware_bench::compare(&results[0], &results[1], &o)?;
    let report = ComparisonReport::new(&c, &results[0], &results[1], &o, a.output.top.unwrap_or(0));
    let failure =
        crate::bench::regressions(a.fail_on_regression, |limit| crate::bench::timed_regressions(&report, limit));
    Ok(Done::new(crate::bench::BenchView::Comparison(report), a.output.format).failing(failure))
}

/// `bench ab --instructions`: each revision built and counted apart (counts
/// do not drift, so nothing needs interleaving), then compared exactly.
fn counted(
    ctx: &Ctx,
    a: &AbArgs,
    user: &fastware_cargo::project::Project,
    dir: &std::path::Path,
) -> Result<Done<CountComparison>, Error> {
    let store = user.fastware_dir().join("revisions");
    let (cargo_args, filter) = a.cargo.split();
    let mut runs = Vec::new();
    let counted = crate::bench_cargo::counted_target_dir(user);
    let own = Seed::Own { target_dir: &counted, profile_dir: std::path::Path::new("release") };
    let mut built: Option<PathBuf> = None;
    for (arg, label) in [(&a.base, "base"), (&a.new, "new")] {
        if arg.starts_with("saved:") {
            return Err(crate::error::mismatch(format!("`{arg}`: saved bench binaries are timed, not counted"))
                .with_hint(
                    "compare counts of two revisions, or two runs kept with `bench cargo --instructions --save NAME`",
                ));
        }
        let rev = unpack(dir, arg, &store)?;
        keep_recent(ctx, &rev.tree, "");
        let project = fastware_cargo::project::locate(
            &ctx.tools.cargo(),
            Some(&rev.project_dir.join("Cargo.toml")),
            &rev.project_dir,
        )?;
        ctx.note(&format!("{} is {} (unpacked in {})", rev.name, &rev.commit[..12], rev.project_dir.display()));
        // one directory for both (the criterion copy), a target directory
        // each, the first started from the user's own counted build (`bench
        // cargo --instructions`), the second from the first's
        let dir = user.fastware_dir().join("ab").join("instructions");
        let target_dir = dir.join(format!("target-{}", &rev.commit[..12]));
        rev.seed_target(Seed::other_or_own(built.as_deref(), own), &target_dir);
        keep_recent(ctx, &target_dir, "target-");
        built = Some(target_dir.clone());
        let counting = crate::bench_instructions::Counting {
            cargo_args: cargo_args.clone(),
            filter: filter.clone(),
            commands: Vec::new(),
            iterations: a.count.iterations,
            cache_sim: a.count.cache_sim,
            dir,
            target_dir,
        };
        let mut run = crate::bench_instructions::count(ctx, &project, &counting)?;
        run.meta = Some(fastware_bench::Meta {
            created_unix: unix_ms(std::time::SystemTime::now()) / 1000,
            git_commit: Some(rev.commit.clone()),
            rustc: fastware_cargo::bench::rustc_version(&rev.project_dir),
            cargo_args: a.cargo.cargo_args.clone(),
            binaries: Vec::new(),
            runs_started_ms: Vec::new(),
        });
        let at = crate::history::At {
            project: &user.workspace_root,
            target_dir: &user.target_dir,
            commit: Some(rev.commit.as_str()),
        };
        match &a.save {
            Some(name) => {
                crate::saved::keep_at(ctx, &at, &format!("{name}-{label}"), &run)?;
            }
            None => {
                crate::history::record_at(ctx, &at, None, &run);
            }
        }
        runs.push((rev.name.clone(), run));
    }
    let noise = a.noise.unwrap_or(fastware_bench::instructions::DEFAULT_NOISE);
    let c = CountComparison::new(&runs[0].0, &runs[0].1, &runs[1].0, &runs[1].1, noise);
    let failed: usize = runs.iter().map(|(_, r)| r.failed.len()).sum();
    let failure = if failed > 0 {
        Some(crate::error::run_failed(format!(
            "{} could not be counted on a side",
            fastware_report::units::counted(failed, "benchmark")
        )))
    } else {
        crate::bench::regressions(a.fail_on_regression, |limit| c.regressed_beyond(limit))
    };
    Ok(Done::new(c, a.output.format).failing(failure))
}
