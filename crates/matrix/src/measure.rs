//! Measuring one cell once: a cold build in the cell's own target
//! directory (or, for `--scope final`, the workspace members after an
//! untimed build of the dependencies), a hot rebuild after `--hot FILE` is
//! marked changed, the artifact's size (and stripped, by `strip`), and the
//! `--run` command's time with this cell's artifact.

use crate::MatrixError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use fastware_cargo::experiment::{self, CellSpec};
use fastware_cargo::project::Project;
use fastware_cargo::run::{Profile, Selection};
use fastware_report::json::Duration;
use fastware_report::Error;

use crate::plan::{Cell, Machine, Plan, Scope};

/// The fields an earlier fastware wrote in seconds, and their names now.
const SECONDS: [(&str, &str); 3] = [("build_s", "build_us"), ("hot_s", "hot_us"), ("run_s", "run_us")];

/// Reads one measurement as a results file holds it, of this or of an
/// earlier fastware (times in seconds).
pub fn from_line(line: &str) -> Result<CellRun, serde_json::Error> {
    let mut v: serde_json::Value = serde_json::from_str(line)?;
    if let Some(obj) = v.as_object_mut() {
        for (from, to) in SECONDS {
            fastware_report::json::seconds_to_micros(obj, from, to);
        }
    }
    serde_json::from_value(v)
}

/// Upgrades a `fastware/matrix/1` result (times in seconds) to this version's.
pub(crate) fn upgrade_report(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(cells) = v.get_mut("cells").and_then(|c| c.as_array_mut()) {
        for obj in cells.iter_mut().filter_map(|c| c.as_object_mut()) {
            for (from, to) in SECONDS {
                fastware_report::json::seconds_to_micros(obj, from, to);
            }
        }
    }
    v["schema"] = crate::report::SCHEMA.into();
    v
}

/// One measurement of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRun {
    /// `fastware VERSION`: marks a file of results as fastware's.
    #[serde(default)]
    pub generator: String,
    pub plan: String,
    pub cell: usize,
    pub rep: usize,
    pub machine: Machine,
    pub success: bool,
    /// Why the cell failed: cargo's first error lines, or the run's.
    pub error: Option<String>,
    /// The timed build and the hot rebuild (microseconds on the wire).
    pub build_us: Option<Duration>,
    pub hot_us: Option<Duration>,
    pub artifact: Option<String>,
    /// `stat` of the artifact, and of a stripped copy.
    pub size: Option<u64>,
    pub stripped_size: Option<u64>,
    /// The `--run` command's wall time, per run.
    pub run_us: Vec<Duration>,
    /// The `-C` flags rustc got for the workspace members (cargo's verbose
    /// log): what the cell's settings became.
    pub rustc_flags: Vec<String>,
}

/// The cell's target directory.
pub fn cell_dir(project: &Project, plan: &Plan, cell: usize) -> PathBuf {
    project.fastware_dir().join("matrix").join(&plan.id).join(format!("cell-{cell}"))
}

fn profile_of(name: &str) -> Profile {
    match name {
        "release" => Profile::Release,
        "dev" | "debug" => Profile::Dev,
        n => Profile::Named(n.to_string()),
    }
}

fn spec(project: &Project, plan: &Plan, cell: &Cell, selection: &Selection) -> CellSpec {
    CellSpec {
        target_dir: cell_dir(project, plan, cell.id),
        profile: Some(profile_of(&plan.profile)),
        selection: selection.clone(),
        config: cell.config.clone(),
        rustflags: cell.rustflags.clone(),
        toolchain: cell.toolchain.clone(),
        targets: Vec::new(),
    }
}

fn failed(run: &mut CellRun, what: &str, lines: &[String]) {
    run.success = false;
    let first: Vec<&str> = lines.iter().map(String::as_str).filter(|l| l.contains("error")).take(3).collect();
    let shown = if first.is_empty() { lines.iter().take(3).map(String::as_str).collect::<Vec<_>>() } else { first };
    run.error = Some(format!("{what}: {}", shown.join(" / ")));
}

/// Measures `cell` once. An interrupted build returns `None` (nothing to keep).
pub fn measure(
    project: &Project,
    plan: &Plan,
    cell: &Cell,
    rep: usize,
    selection: &Selection,
) -> Result<Option<CellRun>, Error> {
    let spec = spec(project, plan, cell, selection);
    let mut run = CellRun {
        generator: format!("fastware {}", env!("CARGO_PKG_VERSION")),
        plan: plan.id.clone(),
        cell: cell.id,
        rep,
        machine: Machine::this(),
        success: true,
        error: None,
        build_us: None,
        hot_us: None,
        artifact: None,
        size: None,
        stripped_size: None,
        run_us: Vec::new(),
        rustc_flags: Vec::new(),
    };
    // cold: from an empty target directory of the cell's own
    if spec.target_dir.exists() {
        std::fs::remove_dir_all(&spec.target_dir)
            .map_err(|e| Error::from(MatrixError::Io(format!("cannot empty {}: {e}", spec.target_dir.display()))))?;
    }
    if plan.scope == Scope::Final {
        let deps = experiment::timed_build(project, &spec)?;
        if deps.interrupted {
            return Ok(None);
        }
        if !deps.success {
            failed(&mut run, "the build failed", &deps.errors);
            return Ok(Some(run));
        }
        experiment::mark_changed(&spec, project, &experiment::member_roots(project))?;
    }
    let built = experiment::timed_build(project, &spec)?;
    if built.interrupted {
        return Ok(None);
    }
    if !built.success {
        failed(&mut run, "the build failed", &built.errors);
        return Ok(Some(run));
    }
    run.build_us = Some(Duration::from_secs(built.wall_s));
    let members: Vec<String> = project.members.iter().map(|p| p.name.replace('-', "_")).collect();
    let mut flags: Vec<String> = built
        .invocations
        .iter()
        .filter(|i| members.contains(&i.crate_name))
        .flat_map(|i| codegen_flags(&i.args))
        .collect();
    flags.sort();
    flags.dedup();
    run.rustc_flags = flags;
    let artifact = experiment::main_artifact(project, &built);
    if let Some(a) = &artifact {
        run.size = std::fs::metadata(a).ok().map(|m| m.len());
        run.stripped_size = stripped_size(a);
        run.artifact = Some(a.display().to_string());
    }
    if let Some(hot) = &plan.hot {
        let file = PathBuf::from(hot);
        let file = if file.is_absolute() { file } else { project.workspace_root.join(file) };
        if experiment::mark_changed(&spec, project, std::slice::from_ref(&file))? == 0 {
            return Err(MatrixError::HotNoUnit { file: file.display().to_string() }.into());
        }
        let again = experiment::timed_build(project, &spec)?;
        if again.interrupted {
            return Ok(None);
        }
        if !again.success {
            failed(&mut run, "the hot rebuild failed", &again.errors);
            return Ok(Some(run));
        }
        run.hot_us = Some(Duration::from_secs(again.wall_s));
    }
    if let (Some(cmd), Some(a)) = (&plan.run, &artifact) {
        for _ in 0..plan.runs.max(1) {
            match fastware_runner::timed_workload(cmd, a, &project.workspace_root, &[])? {
                Ok(s) => run.run_us.push(Duration::from_secs(s)),
                Err(e) => {
                    run.success = false;
                    run.error = Some(format!("the --run command failed: {e}"));
                    break;
                }
            }
        }
    }
    Ok(Some(run))
}

/// `-C` flags of a rustc command line, as `opt-level=3`.
fn codegen_flags(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "-C" || a == "--codegen" {
            if let Some(v) = args.get(i + 1) {
                out.push(v.clone());
            }
            i += 2;
            continue;
        }
        if let Some(v) = a.strip_prefix("-C") {
            out.push(v.to_string());
        }
        i += 1;
    }
    // paths and hashes differ per cell; the settings are what matter
    out.retain(|f| !f.starts_with("metadata=") && !f.starts_with("extra-filename=") && !f.starts_with("incremental="));
    out
}

/// The size of a stripped copy (binutils' `strip`), when it is installed.
fn stripped_size(artifact: &Path) -> Option<u64> {
    let tmp = artifact.with_extension("fastware-stripped");
    let ok = Command::new("strip")
        .arg("-o")
        .arg(&tmp)
        .arg(artifact)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let size = ok.then(|| std::fs::metadata(&tmp).ok().map(|m| m.len())).flatten();
    let _ = std::fs::remove_file(&tmp);
    size
}
