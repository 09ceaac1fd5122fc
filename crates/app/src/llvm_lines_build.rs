//! The builds behind `fastware llvm-lines`: the IR build, which units of it
//! are counted, and the LLVM times of a traced build of the same crates
//! (or of traces the user gives), grouped the way the rows are.

use std::path::{Path, PathBuf};

use fastware_cargo::project::Project;
use fastware_cargo::run::Profile;
use fastware_cargo::wrapped::{self, UnitFile, WrappedBuild, WrappedRun};
use fastware_llvmlines::report::Times;
use fastware_llvmlines::{By, CrateIr};
use fastware_trace::parallel::Options;
use fastware_trace::{Groupings, TraceQuery};

use crate::llvm_lines::{LlvmLinesCmd, Mangling};
use crate::Ctx;
use crate::Error;

/// What was counted.
pub struct Counted {
    pub project: Project,
    pub profile: String,
    pub crates: Vec<CrateIr>,
    pub times: Option<Times>,
    pub notes: Vec<String>,
}

/// The flags cargo-llvm-lines gives rustc, and one codegen unit (one `.ll`
/// per crate, the IR before any split) with LTO off (its files would be the
/// post-LTO modules).
fn ir_flags(m: Mangling) -> Vec<String> {
    let mut f: Vec<String> = ["--emit=llvm-ir", "-Cno-prepopulate-passes", "-Cpasses=name-anon-globals"]
        .into_iter()
        .chain(["-Ccodegen-units=1", "-Clto=off"])
        .map(String::from)
        .collect();
    // rustc acts as a nightly here only when the user's RUSTC_BOOTSTRAP says so
    f.extend(mangling_flags(m, std::env::var("RUSTC_BOOTSTRAP").is_ok_and(|v| !v.is_empty())));
    f
}

/// The flags naming mangling `m` to a rustc that acts as a nightly or not.
fn mangling_flags(m: Mangling, nightly: bool) -> Vec<String> {
    match m {
        Mangling::V0 => vec!["-Csymbol-mangling-version=v0".into()],
        // stable rustc's default; a rustc acting as a nightly (RUSTC_BOOTSTRAP
        // set, or the traced build's -Z flags) takes v0 as its default, and
        // naming legacy takes -Zunstable-options
        Mangling::Legacy if !nightly => Vec::new(),
        Mangling::Legacy => vec!["-Csymbol-mangling-version=legacy".into(), "-Zunstable-options".into()],
    }
}

fn build(
    ctx: &Ctx,
    cmd: &LlvmLinesCmd,
    project: &Project,
    profile: &Profile,
    dir: &str,
    flags: Vec<String>,
    what: &str,
) -> Result<WrappedRun, Error> {
    let mut targets = Vec::new();
    if cmd.lib {
        targets.push("--lib".to_string());
    }
    if let Some(b) = &cmd.bin {
        targets.extend(["--bin".to_string(), b.clone()]);
    }
    let b = WrappedBuild {
        cargo: ctx.tools.cargo(),
        selection: cmd.selection.selection(),
        profile: profile.clone(),
        targets,
        target_dir: project.fastware_dir().join("llvm-lines").join(dir),
        flags,
        jobs: cmd.jobs,
        self_exe: ctx.tools.fastware()?,
    };
    let bar = ctx.spinner(&format!("building {what} in {}", b.target_dir.display()));
    let run = wrapped::wrapped_build(project, &b);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let run = run?;
    if run.interrupted {
        return Err(Error::interrupted(
            "interrupted: the build was stopped; nothing outside fastware's directory was written",
        ));
    }
    if !run.success {
        if let Some(e) = fastware_cargo::run::selection_error(&run.errors) {
            return Err(crate::error::argument(e));
        }
        // one line: the first compiler error and where it is
        let first = run.errors.iter().position(|l| l.starts_with("error")).unwrap_or(0);
        let mut what_failed = run.errors.get(first).cloned().unwrap_or_default();
        if let Some(at) = run.errors.iter().skip(first + 1).take(3).find_map(|l| l.trim_start().strip_prefix("--> ")) {
            what_failed.push_str(&format!(" ({at})"));
        }
        return Err(crate::error::run_failed(format!("the build of {what} failed: {what_failed}"))
            .with_hint("`cargo build` shows all of cargo's errors"));
    }
    Ok(run)
}

/// The units to count: `--crates`, `--all-crates`, or the selected packages'.
fn chosen(cmd: &LlvmLinesCmd, project: &Project, units: Vec<UnitFile>) -> Result<Vec<UnitFile>, Error> {
    if cmd.all_crates {
        return Ok(units);
    }
    if !cmd.crates.is_empty() {
        let norm = |s: &str| s.replace('-', "_");
        let missing: Vec<&String> =
            cmd.crates.iter().filter(|c| !units.iter().any(|u| u.crate_name == norm(c))).collect();
        if !missing.is_empty() {
            let mut names: Vec<&str> = units.iter().map(|u| u.crate_name.as_str()).collect();
            names.sort();
            names.dedup();
            let missing: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            return Err(crate::error::not_found(format!("--crates: no crate {} in this build", missing.join(", ")))
                .with_hint(format!("the build's crates: {}", names.join(", "))));
        }
        return Ok(units.into_iter().filter(|u| cmd.crates.iter().any(|c| norm(c) == u.crate_name)).collect());
    }
    let packages: Vec<&str> = if cmd.selection.packages.is_empty() {
        project.default_members.iter().map(String::as_str).collect()
    } else {
        cmd.selection.packages.iter().map(String::as_str).collect()
    };
    let ids: Vec<&str> =
        project.members.iter().filter(|p| packages.contains(&p.name.as_str())).map(|p| p.id.as_str()).collect();
    Ok(units.into_iter().filter(|u| ids.contains(&u.package_id.as_str())).collect())
}

pub fn count(ctx: &Ctx, cmd: &LlvmLinesCmd) -> Result<Counted, Error> {
    let project = cmd.selection.project(ctx)?;
    let profile = cmd.selection.profile().unwrap_or(Profile::Release);
    let m = cmd.mangling;
    let run = build(ctx, cmd, &project, &profile, m.name(), ir_flags(m), "the IR")?;
    let units = chosen(cmd, &project, wrapped::unit_files(&run, ".ll"))?;
    if units.is_empty() {
        return Err(crate::error::not_found("no crate of the build to count")
            .with_hint("choose one with -p, --crates or --all-crates"));
    }
    let missing: Vec<&str> = units.iter().filter(|u| u.path.is_none()).map(|u| u.crate_name.as_str()).collect();
    if !missing.is_empty() {
        return Err(crate::error::run_failed(format!(
            "rustc wrote no IR for {} (a unit left fresh from before?)",
            missing.join(", ")
        ))
        .with_hint(format!("remove {} and run again", run.artifact_dir.display())));
    }
    let files: Vec<(String, String, &Path)> =
        units.iter().filter_map(|u| Some((u.crate_name.clone(), u.kind.clone(), u.path.as_deref()?))).collect();
    let crates = fastware_llvmlines::lines::read(&files)?;
    let mut notes = Vec::new();
    let times = match &cmd.with_trace {
        None => None,
        Some(Some(dir)) => Some(times(vec![dir.clone()], &dir.display().to_string(), cmd.view_by())?),
        Some(None) => {
            let mut flags = vec!["-Zllvm-time-trace".to_string()];
            flags.extend(mangling_flags(m, true));
            let t = build(ctx, cmd, &project, &profile, &format!("trace-{}", m.name()), flags, "the traced crates")?;
            let traced: Vec<PathBuf> = wrapped::unit_files(&t, ".llvm_timings.json")
                .into_iter()
                .filter(|u| units.iter().any(|c| c.crate_name == u.crate_name && c.kind == u.kind))
                .filter_map(|u| u.path)
                .collect();
            if traced.len() < units.len() {
                notes.push(format!("{} of the {} crates counted have a trace", traced.len(), units.len()));
            }
            if traced.is_empty() {
                return Err(crate::error::run_failed("the traced build wrote no -Zllvm-time-trace files")
                    .with_hint(format!("remove {} and run again", t.artifact_dir.display())));
            }
            Some(times(traced, &t.artifact_dir.join("deps").display().to_string(), cmd.view_by())?)
        }
    };
    Ok(Counted { project, profile: profile.name().to_string(), crates, times, notes })
}

/// LLVM time per row key (grouped as `by`) and per crate, from the traces.
fn times(paths: Vec<PathBuf>, source: &str, by: By) -> Result<Times, Error> {
    let groupings = Groupings {
        function: true,
        instance: by == By::Instance,
        crate_: true,
        defining_crate: by == By::DefiningCrate,
        type_crate: by == By::TypeCrate,
    };
    let query = TraceQuery { paths, groupings, options: Options::default(), ..TraceQuery::default() };
    let s = fastware_trace::summarize(&query)?;
    let rows = match by {
        By::Function => &s.functions,
        By::Instance => &s.instances,
        By::Crate => &s.crates,
        By::DefiningCrate => &s.defining_crates,
        By::TypeCrate => &s.type_crates,
    };
    Ok(Times {
        by_key: rows.iter().map(|r| (r.key.clone(), r.llvm_ns)).collect(),
        by_crate: s.crates.iter().map(|r| (r.key.clone(), r.llvm_ns)).collect(),
        total_ns: s.functions.iter().map(|r| r.llvm_ns).sum(),
        files: s.files.len(),
        source: source.to_string(),
    })
}
