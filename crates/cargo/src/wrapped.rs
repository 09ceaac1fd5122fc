//! A cargo build in a directory of fastware's own with extra rustc flags
//! for every crate, passed through fastware as the rustc wrapper (so the
//! user's own `RUSTFLAGS` and config stay as they are), and the files rustc
//! wrote next to each unit (`deps/<crate>-<hash>.ll`, `….llvm_timings.json`).
//!
//! Every crate gets the same flags, always: cargo does not see a wrapper's
//! flags in its fingerprints, so a unit left fresh from an earlier run in
//! the same directory must have been built with them too.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::project::Project;
use crate::run::{self, read_messages, Artifact, Profile, Selection};
use crate::wrapper;
use crate::Error;

/// What to build, where, and the flags every crate gets.
#[derive(Debug, Clone)]
pub struct WrappedBuild {
    pub cargo: String,
    pub selection: Selection,
    pub profile: Profile,
    /// `--lib`, `--bin NAME` …
    pub targets: Vec<String>,
    pub target_dir: PathBuf,
    pub flags: Vec<String>,
    pub jobs: Option<u32>,
    /// The fastware executable (the wrapper).
    pub self_exe: PathBuf,
}

/// How it went.
#[derive(Debug, Clone)]
pub struct WrappedRun {
    pub success: bool,
    pub interrupted: bool,
    pub wall: f64,
    pub artifacts: Vec<Artifact>,
    /// cargo's and rustc's error output when the build failed.
    pub errors: Vec<String>,
    /// Where the profile's artifacts are (`<target_dir>/[<triple>/]<profile>`).
    pub artifact_dir: PathBuf,
}

/// Runs the build. The project's `Cargo.lock` is read through a copy in
/// fastware's directory, as for every build fastware runs.
pub fn wrapped_build(project: &Project, b: &WrappedBuild) -> Result<WrappedRun, Error> {
    let mut cmd = Command::new(&b.cargo);
    cmd.arg("build").arg("--target-dir").arg(&b.target_dir);
    cmd.args(["--message-format", "json-render-diagnostics"]);
    // cargo gets RUSTC_BOOTSTRAP=1 for its lock-file flag; rustc and build
    // scripts see the user's own (so that a dependency's build script probing
    // for nightly features finds what a normal build finds, and the IR is the
    // same); the wrapper turns it on for a rustc it gives `-Z` flags to
    run::user_build_with_lock_copy(&mut cmd, project)?;
    b.selection.add_to(&mut cmd, &b.profile);
    cmd.args(&b.targets);
    if let Some(j) = b.jobs {
        cmd.args(["--jobs", &j.to_string()]);
    }
    cmd.current_dir(&project.workspace_root);
    // one codegen unit's file per crate, and no incremental cache splitting it
    cmd.env("CARGO_INCREMENTAL", "0").env("CARGO_TERM_COLOR", "never");
    cmd.env_remove("RUSTC_WORKSPACE_WRAPPER").env_remove("CARGO_BUILD_RUSTC_WRAPPER");
    cmd.env("RUSTC_WRAPPER", &b.self_exe)
        .env(wrapper::ENV_CRATES, "*")
        .env(wrapper::ENV_FLAGS, wrapper::flags_value(&b.flags));
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = run::spawn_group(cmd, &b.cargo)?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let err_thread = std::thread::spawn(move || {
        let Some(e) = stderr else { return Vec::new() };
        BufReader::new(e)
            .lines()
            .map_while(Result::ok)
            .filter(|l| {
                let t = l.trim_start();
                !t.is_empty()
                    && !["Compiling ", "Fresh ", "Finished ", "Running ", "Blocking "].iter().any(|p| t.starts_with(p))
            })
            .collect::<Vec<String>>()
    });
    let mut artifacts = Vec::new();
    let finished = match stdout {
        Some(o) => read_messages(o, |a| artifacts.push(a), |_| {}),
        None => None,
    };
    let status = run::wait_child(&mut child)?;
    let errors = err_thread.join().unwrap_or_default();
    let interrupted = run::was_interrupted();
    let success = finished.unwrap_or(status) && status && !interrupted;
    let artifact_dir = b.target_dir.join(b.selection.output_dir(&b.profile));
    Ok(WrappedRun {
        success,
        interrupted,
        wall: started.elapsed().as_secs_f64(),
        artifacts,
        errors: if success { Vec::new() } else { errors },
        artifact_dir,
    })
}

/// A unit of the build and the file rustc wrote for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFile {
    /// The crate's name (`sb_shapes`).
    pub crate_name: String,
    /// The package id cargo gave.
    pub package_id: String,
    /// `lib`, `bin`, `proc-macro` …
    pub kind: String,
    /// `None` when rustc wrote no such file for it.
    pub path: Option<PathBuf>,
}

/// For every library, binary and proc-macro unit of `run` (build scripts
/// are left out: they are not part of what is built), the file named
/// `<crate>-<hash><suffix>` next to it in `deps/`.
pub fn unit_files(run: &WrappedRun, suffix: &str) -> Vec<UnitFile> {
    let deps = run.artifact_dir.join("deps");
    let mut out: Vec<UnitFile> = Vec::new();
    for a in &run.artifacts {
        if a.test || a.kinds.iter().any(|k| k == "custom-build") {
            continue;
        }
        let kind = a.kinds.first().cloned().unwrap_or_default();
        let path = deps_stem(&deps, a).map(|s| deps.join(format!("{s}{suffix}"))).filter(|p| p.is_file());
        let unit = UnitFile { crate_name: a.target.replace('-', "_"), package_id: a.package_id.clone(), kind, path };
        if !out.contains(&unit) {
            out.push(unit);
        }
    }
    out
}

/// The stem rustc gave the unit's files in `deps/` (`foo-1234` for
/// `deps/libfoo-1234.rlib` or `deps/foo-1234`). cargo names a workspace
/// member's files by their copies outside `deps/` (`release/libfoo.rlib`,
/// `release/app`): the same files (hard links), told by their inode.
fn deps_stem(deps: &Path, a: &Artifact) -> Option<String> {
    let stem = |name: &str| {
        let name = name.strip_prefix("lib").filter(|_| name.contains('.')).unwrap_or(name);
        name.split_once('.').map_or(name, |(s, _)| s).to_string()
    };
    let files: Vec<&PathBuf> = a.executable.iter().chain(&a.filenames).collect();
    if let Some(f) = files.iter().find(|f| f.parent() == Some(deps)) {
        return Some(stem(f.file_name()?.to_str()?));
    }
    let prefix = format!("{}-", a.target.replace('-', "_"));
    files.iter().find_map(|f| {
        let id = file_id(f)?;
        std::fs::read_dir(deps).ok()?.flatten().find_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let bare = name.strip_prefix("lib").unwrap_or(&name);
            (bare.starts_with(&prefix) && file_id(&e.path()) == Some(id)).then(|| stem(&name))
        })
    })
}

#[cfg(unix)]
fn file_id(p: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_p: &Path) -> Option<(u64, u64)> {
    None
}
