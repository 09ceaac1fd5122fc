//! `fastware build`: one instrumented build of the user's project, diagnosed.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use fastware_build::BuildReport;
use fastware_cargo::run::{BuildOptions, Deep, Profile, Progress};
use fastware_report::{Format, OutputFile};

use crate::args::SelectionArgs;
use crate::{Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware build                               cold release build of the project here, diagnosed
  fastware build --deep                        + rustc self-profile, LLVM time trace of members
  fastware build --hot src/main.rs --deep      the rebuild after a change to src/main.rs
                                               (run after `fastware build --deep`: no warm-up to wait for)
  fastware build --deep all --html build.html  profile every crate, write a report page
  fastware build -p my-app --profile dev -- --locked

fastware builds in <target-dir>/fastware/build (your build cache is untouched) and never
writes your files. A cold build empties that directory first; --hot builds on what it holds,
then marks FILE as changed in its records (FILE itself is not touched) and measures the rebuild.
Unstable cargo and rustc flags are enabled with RUSTC_BOOTSTRAP=1 for that build only.";

#[derive(Args, Debug, Default)]
#[command(after_help = EXAMPLES)]
pub struct BuildCmd {
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// Bring fastware's build up to date, then mark FILE as changed and measure the rebuild [default: the package's crate root]
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    pub hot: Option<String>,
    /// Also run rustc's self-profiler and LLVM's time trace on the workspace members, on every crate (all), or on the named crates
    #[arg(long, value_name = "CRATES", num_args = 0..=1, default_missing_value = "")]
    pub deep: Option<String>,
    /// Write a self-contained HTML report here
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Replace an existing file that fastware did not write (never an input)
    #[arg(long)]
    pub force: bool,
    /// Name this run in the history (fastware runs diff NAME …)
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Parallel jobs for cargo [default: cargo's]
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// More arguments for cargo build
    #[arg(last = true, value_name = "CARGO_ARGS")]
    pub cargo_args: Vec<String>,
}

/// One instrumented build, diagnosed: the report (and the failure to report
/// after it when the user's build failed).
pub fn run(ctx: &Ctx, a: &BuildCmd) -> Result<Done<BuildReport>, Error> {
    let format = a.output.format();
    if format == Format::Csv {
        return Err(crate::error::argument("fastware build writes a table or JSON").with_hint("use --format json"));
    }
    if let Some(name) = &a.save {
        crate::saved::check(ctx, name)?;
    }
    let cargo = ctx.tools.cargo();
    let cwd = ctx.cwd.clone();
    let project = a.selection.project(ctx)?;
    let profile = a.selection.profile().unwrap_or(Profile::Release);
    let deep = a.deep.as_deref().map(|d| match d {
        "" | "members" => Deep::Members,
        "all" => Deep::All,
        list => Deep::Crates(list.split(',').map(|c| c.trim().replace('-', "_")).filter(|c| !c.is_empty()).collect()),
    });
    let hot = match &a.hot {
        None => None,
        Some(f) if f.is_empty() => Some(default_hot_file(&project, &a.selection.packages)?),
        Some(f) => {
            let f = PathBuf::from(f);
            let f = if f.is_absolute() { f } else { cwd.join(f) };
            if !f.is_file() {
                return Err(crate::error::not_found(format!("no such file to mark as changed: {}", f.display())));
            }
            Some(f)
        }
    };
    let opts = BuildOptions {
        cargo,
        selection: a.selection.selection(),
        profile: profile.clone(),
        extra: a.cargo_args.clone(),
        deep,
        hot,
        jobs: a.jobs,
        self_exe: ctx.tools.fastware()?,
    };
    // the report page's path is checked before the build, not after it
    let html = a.html.as_deref().map(|p| OutputFile::create(p, &[], a.force)).transpose()?;
    ctx.cancel.listen();
    let bar = ctx.spinner("starting cargo");
    let report: Option<Arc<dyn Fn(Progress) + Send + Sync>> = bar.clone().map(|b| {
        Arc::new(move |p: Progress| {
            let now: Vec<&str> = p.compiling.iter().rev().take(3).map(String::as_str).collect();
            b.set_message(format!("{}: {} units done, compiling {}", p.phase, p.finished, now.join(", ")));
        }) as Arc<dyn Fn(Progress) + Send + Sync>
    });
    let result = fastware_cargo::run::build(&project, &opts, report);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let result = result?;
    if result.run.interrupted || fastware_cargo::run::was_interrupted() {
        return Err(Error::interrupted(
            "interrupted: the build was stopped; nothing was written outside fastware's target directory",
        ));
    }
    if !result.run.success && result.run.log.as_ref().is_none_or(|l| l.built().next().is_none()) {
        if let Some(e) = fastware_cargo::run::selection_error(&result.run.errors) {
            return Err(crate::error::not_found(e));
        }
    }
    if let Some(Deep::Crates(wanted)) = &opts.deep {
        // a name that is no crate of the build would profile nothing, silently
        let runs = std::iter::once(&result.run).chain(result.warmup.as_ref());
        let built: Vec<String> = runs.flat_map(|r| &r.invocations).map(|i| i.crate_name.clone()).collect();
        let missing: Vec<&String> = wanted.iter().filter(|w| !built.contains(w)).collect();
        if !missing.is_empty() {
            let mut names = built.clone();
            names.sort();
            names.dedup();
            return Err(crate::error::not_found(format!(
                "--deep: no crate of this build is named {}",
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            ))
            .with_hint(format!("its crates: {}; or --deep all, --deep members", names.join(", "))));
        }
    }
    let mut diagnosis = fastware_build::diagnose(&result, &project.workspace_root, profile.name())?;
    diagnosis.findings = fastware_build::findings(&diagnosis);
    let report = BuildReport::new(&diagnosis, a.output.top.unwrap_or(15));
    if let Some(mut f) = html {
        let path = f.path().to_path_buf();
        f.write_all(fastware_build::render::html(&report, 0).as_bytes())
            .map_err(|e| fastware_report::output::write_error(&path.display().to_string(), &e))?;
        f.commit()?;
        ctx.note(&format!("wrote {}", path.display()));
    }
    match &a.save {
        Some(name) => {
            crate::saved::keep(ctx, &project.workspace_root, &project.target_dir, name, &report)?;
        }
        None => {
            crate::history::record(ctx, &project.workspace_root, &project.target_dir, None, &report);
        }
    }
    let failure = (!diagnosis.success).then(|| {
        crate::error::run_failed("the build failed (cargo's errors are above; what was measured is reported)")
    });
    Ok(Done::new(report, format).failing(failure))
}

/// The crate root of the package being built: the one selected, or of the
/// members built, the one no other member depends on (the final crate).
fn default_hot_file(project: &fastware_cargo::project::Project, packages: &[String]) -> Result<PathBuf, Error> {
    let names: Vec<&String> =
        if packages.is_empty() { project.default_members.iter().collect() } else { packages.iter().collect() };
    let roots: Vec<&String> = names
        .iter()
        .copied()
        .filter(|n| !names.iter().any(|o| project.member(o).is_some_and(|p| p.dependencies.contains(n))))
        .collect();
    let [name] = roots.as_slice() else {
        return Err(crate::error::argument("--hot needs a file when several independent packages are built")
            .with_hint("give one with --hot path/to/src/main.rs, or pick a package with -p"));
    };
    let pkg = project
        .member(name)
        .ok_or_else(|| crate::error::not_found(format!("--hot: {name} is not a member of this workspace")))?;
    let target = pkg
        .targets
        .iter()
        .find(|t| t.kinds.iter().any(|k| k == "lib"))
        .or_else(|| pkg.targets.iter().find(|t| t.kinds.iter().any(|k| k == "bin")))
        .ok_or_else(|| crate::error::not_found(format!("--hot: {name} has no lib or bin target")))?;
    Ok(target.src_path.clone())
}
