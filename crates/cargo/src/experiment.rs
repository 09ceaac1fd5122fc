//! Builds for `fastware matrix`: a plain `cargo build` of the user's
//! project in a target directory of fastware's, with cargo config values
//! (`--config KEY=V`, never an edit of Cargo.toml), RUSTFLAGS and a
//! toolchain of the experiment's cell; timed, its artifacts and rustc
//! command lines read from cargo's JSON and verbose output. A hot rebuild
//! marks a file as changed the way `build --hot` does, without touching it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::invocation::{parse_running, Invocation};
use crate::project::Project;
use crate::run::{read_messages, Artifact, Profile, Selection};
use crate::Error;

/// One cell's build settings.
#[derive(Debug, Clone, Default)]
pub struct CellSpec {
    pub target_dir: PathBuf,
    pub profile: Option<Profile>,
    pub selection: Selection,
    /// `KEY=VALUE` for `cargo --config`.
    pub config: Vec<String>,
    pub rustflags: Option<String>,
    /// A rustup toolchain (`stable`, `nightly`): `cargo +TOOLCHAIN`.
    pub toolchain: Option<String>,
    /// Targets to build (`--bin NAME`, `--bench NAME` as cargo arguments);
    /// none: cargo's default targets.
    pub targets: Vec<String>,
}

/// One timed cargo build.
#[derive(Debug, Clone)]
pub struct Timed {
    pub success: bool,
    pub wall_s: f64,
    pub artifacts: Vec<Artifact>,
    pub invocations: Vec<Invocation>,
    /// cargo's error lines when it failed.
    pub errors: Vec<String>,
    /// The warnings rustc and cargo printed (`warning: …` lines).
    pub warnings: Vec<String>,
    pub interrupted: bool,
}

/// Runs `cargo build` for the cell, timed.
pub fn timed_build(project: &Project, spec: &CellSpec) -> Result<Timed, Error> {
    let mut cmd = Command::new("cargo");
    if let Some(t) = &spec.toolchain {
        cmd.arg(format!("+{t}"));
    }
    cmd.arg("build").arg("--target-dir").arg(&spec.target_dir);
    cmd.args(["--message-format", "json-render-diagnostics", "--verbose"]);
    crate::run::user_build_with_lock_copy(&mut cmd, project)?;
    for c in &spec.config {
        cmd.arg("--config").arg(c);
    }
    spec.selection.add_to(&mut cmd, spec.profile.as_ref().unwrap_or(&Profile::Release));
    cmd.args(&spec.targets);
    cmd.current_dir(&project.workspace_root);
    match &spec.rustflags {
        Some(f) => {
            cmd.env("RUSTFLAGS", f);
        }
        None => {
            cmd.env_remove("RUSTFLAGS");
        }
    }
    cmd.env("CARGO_TERM_COLOR", "never").env_remove("CARGO_TARGET_DIR").env_remove("CARGO_ENCODED_RUSTFLAGS");
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = crate::run::spawn_group(cmd, "cargo")?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let out_thread = std::thread::spawn(move || {
        let mut artifacts = Vec::new();
        let ok = read_messages(stdout.expect("piped stdout"), |a| artifacts.push(a), |_| {});
        (artifacts, ok)
    });
    let mut invocations = Vec::new();
    let mut lines = Vec::new();
    for line in BufReader::new(stderr.expect("piped stderr")).lines().map_while(Result::ok) {
        match parse_running(&line) {
            Some(inv) => invocations.push(inv),
            None => lines.push(line),
        }
    }
    let status = crate::run::wait_child(&mut child)?;
    let wall_s = started.elapsed().as_secs_f64();
    let (artifacts, ok) = out_thread.join().unwrap_or_default();
    let interrupted = crate::run::was_interrupted();
    let success = status && ok.unwrap_or(status) && !interrupted;
    let warnings = lines.iter().filter(|l| l.trim_start().starts_with("warning")).cloned().collect();
    let errors = if success {
        Vec::new()
    } else {
        lines
            .into_iter()
            .filter(|l| {
                let t = l.trim_start();
                !t.is_empty() && !t.starts_with("Running ") && !t.starts_with("Compiling ") && !t.starts_with("Fresh ")
            })
            .collect()
    };
    Ok(Timed { success, wall_s, artifacts, invocations, errors, warnings, interrupted })
}

/// Marks `files` as changed for the next build in `target_dir` (see
/// `build --hot`); returns how many units will rebuild.
pub fn mark_changed(spec: &CellSpec, project: &Project, files: &[PathBuf]) -> Result<usize, Error> {
    let mut dir = spec.target_dir.clone();
    if let Some(t) = &spec.selection.target {
        dir.push(t);
    }
    dir.push(spec.profile.as_ref().unwrap_or(&Profile::Release).dir_name());
    let mut n = 0;
    for f in files {
        n += crate::run::mark_changed(&dir, project, f)?;
    }
    Ok(n)
}

/// The root source files of the workspace members (`src/lib.rs`,
/// `src/main.rs` …): marking them changed rebuilds only the members.
pub fn member_roots(project: &Project) -> Vec<PathBuf> {
    project.members.iter().flat_map(|p| p.targets.iter().map(|t| t.src_path.clone())).collect()
}

/// The executable of the benchmark target `name` a build made (its test
/// harness, or its own `main` with `harness = false`).
pub fn bench_artifact(t: &Timed, name: &str) -> Option<PathBuf> {
    t.artifacts
        .iter()
        .filter(|a| a.target == name && a.kinds.iter().any(|k| k == "bench"))
        .find_map(|a| a.executable.clone())
}

/// The executable or library a build made for the project (the first
/// non-test artifact of a workspace member with a binary, else a library).
pub fn main_artifact(project: &Project, t: &Timed) -> Option<PathBuf> {
    let member = |a: &Artifact| project.members.iter().any(|p| a.package_id == p.id);
    let ours: Vec<&Artifact> = t.artifacts.iter().filter(|a| member(a) && !a.test).collect();
    ours.iter().find_map(|a| a.executable.clone()).or_else(|| {
        ours.iter().flat_map(|a| &a.filenames).find(|f| f.extension().is_some_and(|e| e != "rmeta")).cloned()
    })
}
