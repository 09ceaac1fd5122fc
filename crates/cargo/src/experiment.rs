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
    let dir = spec.target_dir.join(spec.selection.output_dir(spec.profile.as_ref().unwrap_or(&Profile::Release)));
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

/// A build-settings experiment, as a `fastware build` finding proposes it
/// and `fastware matrix` runs it: the values of cargo config keys to try,
/// the linkers to try, and whether the hot rebuild is what is measured.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Experiment {
    /// Cargo config keys and the values to try, one axis each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<SetAxis>,
    /// Linkers to try (`default`, `lld`, `mold`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linkers: Vec<String>,
    /// The rebuild after a change is what is measured…
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hot: bool,
    /// …after this file is marked changed (`None`: the build had no hot rebuild to repeat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hot_file: Option<PathBuf>,
}

/// One `--set KEY=V1,V2` axis.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SetAxis {
    pub key: String,
    pub values: Vec<String>,
}

impl Experiment {
    /// An experiment on one config key.
    pub fn set(key: String, values: &[&str]) -> Experiment {
        Experiment {
            sets: vec![SetAxis { key, values: values.iter().map(|v| v.to_string()).collect() }],
            ..Default::default()
        }
    }

    /// The `fastware matrix` arguments that run it (shown as "test it").
    pub fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        for s in &self.sets {
            a.extend(["--set".to_string(), format!("{}={}", s.key, s.values.join(","))]);
        }
        if !self.linkers.is_empty() {
            a.extend(["--linker".to_string(), self.linkers.join(",")]);
        }
        if self.hot {
            a.push("--hot".into());
            a.push(self.hot_file.as_ref().map(|f| f.display().to_string()).unwrap_or_default());
        }
        a
    }

    /// The experiment of the arguments an earlier fastware wrote into a
    /// finding (`["--set", "KEY=V1,V2", "--linker", "a,b", "--hot", "FILE"]`).
    pub fn from_args(args: &[String]) -> Option<Experiment> {
        let mut e = Experiment::default();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value = it.next()?;
            match flag.as_str() {
                "--set" => {
                    let (key, values) = value.split_once('=')?;
                    e.sets.push(SetAxis { key: key.into(), values: values.split(',').map(str::to_string).collect() });
                }
                "--linker" => e.linkers = value.split(',').map(str::to_string).collect(),
                "--hot" => {
                    e.hot = true;
                    e.hot_file = (!value.is_empty()).then(|| PathBuf::from(value));
                }
                _ => return None,
            }
        }
        Some(e)
    }
}

/// Reads a finding's experiment: the typed value, or the list of `fastware
/// matrix` arguments earlier versions wrote (results kept from before read).
pub fn deserialize_experiment<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Experiment>, D::Error> {
    use serde::Deserialize as _;
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Either {
        Typed(Experiment),
        Args(Vec<String>),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        None => None,
        Some(Either::Typed(e)) => Some(e),
        Some(Either::Args(a)) if a.is_empty() => None,
        Some(Either::Args(a)) => Some(
            Experiment::from_args(&a)
                .ok_or_else(|| serde::de::Error::custom(format!("an experiment that does not read: {a:?}")))?,
        ),
    })
}
