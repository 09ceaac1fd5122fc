//! One instrumented cargo build in fastware's own target directory.
//!
//! The build goes to `<target-dir>/fastware/build`, so the user's build
//! cache is never touched and the user's files are never written. cargo
//! records it with its own machinery (`-Zbuild-analysis`,
//! `-Zsection-timings`, `--timings`), enabled with `RUSTC_BOOTSTRAP=1` in
//! this build's environment only. cargo reads and writes its lock file in
//! fastware's directory too (`-Zlockfile-path`, seeded with a copy of the
//! project's `Cargo.lock`). A `--hot` rebuild marks the chosen file as
//! changed by making cargo's dependency-info record of it (in fastware's
//! directory) older than the file, instead of touching the file.

use fastware_runner::process::Running;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::invocation::{parse_running, Invocation};
use crate::log::{parse_build_analysis, parse_timings_html, BuildLog};
use crate::project::Project;
use crate::wrapper;
use crate::{CargoError, Error};

/// Which cargo profile to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    Release,
    Dev,
    Named(String),
}

impl Profile {
    /// The profile's name, as in `[profile.NAME]`.
    pub fn name(&self) -> &str {
        match self {
            Profile::Release => "release",
            Profile::Dev => "dev",
            Profile::Named(n) => n,
        }
    }

    /// The directory cargo writes the profile's artifacts to (`bench`
    /// builds go to `release`, `test` builds to `debug`, as cargo's).
    pub fn dir_name(&self) -> &str {
        match self {
            Profile::Release => "release",
            Profile::Dev => "debug",
            Profile::Named(n) if n == "dev" || n == "test" => "debug",
            Profile::Named(n) if n == "bench" => "release",
            Profile::Named(n) => n,
        }
    }
}

/// Which packages, features and target the user chose: shared by every
/// build fastware runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub packages: Vec<String>,
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    pub target: Option<String>,
}

impl Selection {
    /// Where cargo writes this selection's `profile` build, relative to the
    /// target directory: `[TRIPLE/]release`.
    pub fn output_dir(&self, profile: &Profile) -> PathBuf {
        self.target.iter().map(PathBuf::from).chain([PathBuf::from(profile.dir_name())]).collect()
    }

    /// The selection and `profile` as cargo arguments.
    pub(crate) fn add_to(&self, cmd: &mut Command, profile: &Profile) {
        match profile {
            Profile::Release => {
                cmd.arg("--release");
            }
            Profile::Dev => {}
            Profile::Named(n) => {
                cmd.args(["--profile", n]);
            }
        }
        for p in &self.packages {
            cmd.args(["-p", p]);
        }
        if !self.features.is_empty() {
            cmd.args(["--features", &self.features.join(",")]);
        }
        if self.all_features {
            cmd.arg("--all-features");
        }
        if self.no_default_features {
            cmd.arg("--no-default-features");
        }
        if let Some(t) = &self.target {
            cmd.args(["--target", t]);
        }
    }
}

/// Which crates `--deep` profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deep {
    /// The workspace members (`RUSTC_WORKSPACE_WRAPPER`).
    Members,
    /// Every crate (`RUSTC_WRAPPER`).
    All,
    /// These crates (any crate of the build).
    Crates(Vec<String>),
}

/// What to build and how.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub cargo: String,
    pub selection: Selection,
    pub profile: Profile,
    /// More arguments for `cargo build`.
    pub extra: Vec<String>,
    pub deep: Option<Deep>,
    /// For a hot rebuild: the file to mark as changed.
    pub hot: Option<PathBuf>,
    pub jobs: Option<u32>,
    /// The fastware executable, for `--deep`.
    pub self_exe: PathBuf,
}

/// A compiled unit, from cargo's JSON messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub package_id: String,
    pub target: String,
    pub kinds: Vec<String>,
    pub filenames: Vec<PathBuf>,
    pub executable: Option<PathBuf>,
    pub fresh: bool,
    /// Built for `cargo test` or `cargo bench` (the test harness).
    pub test: bool,
}

impl Artifact {
    fn of(a: &cargo_metadata::Artifact) -> Artifact {
        Artifact {
            package_id: a.package_id.repr.clone(),
            target: a.target.name.clone(),
            kinds: a.target.kind.iter().map(|k| k.to_string()).collect(),
            filenames: a.filenames.iter().map(|f| f.clone().into_std_path_buf()).collect(),
            executable: a.executable.clone().map(|e| e.into_std_path_buf()),
            fresh: a.fresh,
            test: a.profile.test,
        }
    }
}

/// What cargo says on stdout with `--message-format json…`: artifacts as
/// they are built, and whether the build finished well; other lines (a
/// harness's output) are passed to `text`.
pub(crate) fn read_messages(
    stdout: impl std::io::Read,
    mut artifact: impl FnMut(Artifact),
    mut text: impl FnMut(String),
) -> Option<bool> {
    let mut success = None;
    for m in cargo_metadata::Message::parse_stream(BufReader::new(stdout)).map_while(Result::ok) {
        match m {
            cargo_metadata::Message::CompilerArtifact(a) => artifact(Artifact::of(&a)),
            cargo_metadata::Message::BuildFinished(f) => success = Some(f.success),
            cargo_metadata::Message::TextLine(line) => text(line),
            _ => {}
        }
    }
    success
}

/// Progress of a running build, for a progress line.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub phase: String,
    pub finished: u64,
    pub compiling: Vec<String>,
}

/// One measured cargo run.
#[derive(Debug, Clone)]
pub struct CargoRun {
    pub success: bool,
    /// Measured by fastware around the cargo process.
    pub wall: f64,
    pub log: Option<BuildLog>,
    /// Where cargo's build log was moved to (inside fastware's directory).
    pub log_path: Option<PathBuf>,
    pub artifacts: Vec<Artifact>,
    pub invocations: Vec<Invocation>,
    /// cargo's error output when the build failed.
    pub errors: Vec<String>,
    pub interrupted: bool,
}

/// The build fastware ran.
#[derive(Debug, Clone)]
pub struct BuildResult {
    /// The measured build (for `--hot`, the rebuild).
    pub run: CargoRun,
    /// For `--hot`: the build before the change.
    pub warmup: Option<CargoRun>,
    /// For `--hot`: the file marked as changed.
    pub hot_file: Option<PathBuf>,
    pub target_dir: PathBuf,
    /// Where the profile's artifacts are (`…/build/release`).
    pub artifact_dir: PathBuf,
    /// `--deep`: self-profiles and LLVM time traces of the profiled crates.
    pub profiles_dir: Option<PathBuf>,
    pub traces: Vec<PathBuf>,
    pub notes: Vec<String>,
}

/// True once the run was interrupted (Ctrl-C): every cargo fastware
/// started got SIGINT (see `fastware_runner::process`).
pub fn was_interrupted() -> bool {
    fastware_runner::Cancel.is_cancelled()
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".cargo"))
}

/// Runs the build (twice for `--hot`). `progress` is called from another
/// thread while cargo runs.
pub fn build(
    project: &Project,
    opts: &BuildOptions,
    progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
) -> Result<BuildResult, Error> {
    let fw = project.fastware_dir();
    let target_dir = fw.join("build");
    let deep_dir = fw.join("deep");
    // cold: start from nothing — only fastware's own directory is emptied.
    // `--hot` keeps fastware's last build: its warm-up then rebuilds only
    // what differs (nothing, after a `fastware build` of the same settings),
    // and the rebuild it measures starts from the same place either way
    let emptied: &[&PathBuf] = if opts.hot.is_some() { &[&deep_dir] } else { &[&target_dir, &deep_dir] };
    for d in emptied {
        if d.exists() {
            std::fs::remove_dir_all(d).map_err(|e| CargoError::Io {
                what: "empty".into(),
                path: d.to_path_buf(),
                why: e.to_string(),
            })?;
        }
    }
    std::fs::create_dir_all(fw.join("runs")).map_err(|e| CargoError::Io {
        what: "create".into(),
        path: fw.to_path_buf(),
        why: e.to_string(),
    })?;
    lock_copy(project)?;
    let profiles_dir = opts.deep.as_ref().map(|_| deep_dir.join("profiles"));
    if let Some(p) = &profiles_dir {
        std::fs::create_dir_all(p).map_err(|e| CargoError::Io {
            what: "create".into(),
            path: p.to_path_buf(),
            why: e.to_string(),
        })?;
    }
    let mut notes = Vec::new();
    if let Some(w) = std::env::var_os("RUSTC_WRAPPER").filter(|w| !w.is_empty()) {
        notes.push(format!(
            "RUSTC_WRAPPER={} is not used for this build: a measured build compiles every crate for real",
            w.to_string_lossy()
        ));
    }
    let artifact_dir = target_dir.join(opts.selection.output_dir(&opts.profile));

    let mut analysis = true;
    let (warmup, hot_file) = match &opts.hot {
        None => (None, None),
        Some(file) => {
            let first = cargo_run(
                project,
                opts,
                &target_dir,
                profiles_dir.as_deref(),
                &mut analysis,
                &mut notes,
                progress.clone(),
                "warm-up build",
            )?;
            if !first.success || first.interrupted {
                return Ok(BuildResult {
                    run: first,
                    warmup: None,
                    hot_file: Some(file.clone()),
                    target_dir,
                    artifact_dir,
                    profiles_dir,
                    traces: Vec::new(),
                    notes,
                });
            }
            let marked = mark_changed(&artifact_dir, project, file)?;
            if marked == 0 {
                return Err(CargoError::NoDependentUnit { file: file.to_path_buf() }.into());
            }
            // profiles of the warm-up build are not the ones to report
            if let Some(p) = &profiles_dir {
                let _ = std::fs::remove_dir_all(p);
                let _ = std::fs::create_dir_all(p);
            }
            remove_traces(&artifact_dir);
            (Some(first), Some(file.clone()))
        }
    };
    let phase = if warmup.is_some() { "rebuild" } else { "build" };
    let run =
        cargo_run(project, opts, &target_dir, profiles_dir.as_deref(), &mut analysis, &mut notes, progress, phase)?;
    let traces = if opts.deep.is_some() { find_traces(&artifact_dir) } else { Vec::new() };
    Ok(BuildResult { run, warmup, hot_file, target_dir, artifact_dir, profiles_dir, traces, notes })
}

fn find_traces(artifact_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [artifact_dir.join("deps"), artifact_dir.join("build")] {
        collect(&dir, &mut out);
    }
    out.sort();
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.to_string_lossy().ends_with(".llvm_timings.json") {
            out.push(p);
        }
    }
}

fn remove_traces(artifact_dir: &Path) {
    for t in find_traces(artifact_dir) {
        let _ = std::fs::remove_file(t);
    }
}

/// Makes cargo see `file` as changed: every dependency-info record (in
/// fastware's target dir) that lists it gets an old modification time.
/// Returns how many units were marked.
pub(crate) fn mark_changed(artifact_dir: &Path, project: &Project, file: &Path) -> Result<usize, Error> {
    let abs = file
        .canonicalize()
        .map_err(|e| CargoError::UnreadableSource { file: file.to_path_buf(), why: e.to_string() })?;
    let mut needles: Vec<Vec<u8>> = vec![abs.to_string_lossy().as_bytes().to_vec()];
    for p in &project.members {
        if let Ok(rel) = abs.strip_prefix(p.root().canonicalize().unwrap_or_else(|_| p.root().to_path_buf())) {
            needles.push(rel.to_string_lossy().as_bytes().to_vec());
        }
    }
    let fingerprints = artifact_dir.join(".fingerprint");
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400);
    let mut marked = 0;
    for unit in std::fs::read_dir(&fingerprints).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(unit.path()).into_iter().flatten().flatten() {
            let name = f.file_name();
            if !name.to_string_lossy().starts_with("dep-") {
                continue;
            }
            let Ok(bytes) = std::fs::read(f.path()) else { continue };
            if needles.iter().any(|n| bytes.windows(n.len()).any(|w| w == n.as_slice())) {
                let file = std::fs::OpenOptions::new().write(true).open(f.path());
                if file.and_then(|h| h.set_modified(old)).is_ok() {
                    marked += 1;
                }
            }
        }
    }
    Ok(marked)
}

fn cargo_command(
    project: &Project,
    opts: &BuildOptions,
    target_dir: &Path,
    profiles_dir: Option<&Path>,
    analysis: bool,
) -> Command {
    let mut cmd = Command::new(&opts.cargo);
    cmd.arg("build").arg("--target-dir").arg(target_dir);
    cmd.args(["--message-format", "json-render-diagnostics", "--verbose", "--timings"]);
    if analysis {
        cmd.args(["-Zbuild-analysis", "-Zsection-timings"]);
        use_lock_copy(&mut cmd, &project.fastware_dir().join("Cargo.lock"));
    }
    opts.selection.add_to(&mut cmd, &opts.profile);
    if let Some(j) = opts.jobs {
        cmd.args(["--jobs", &j.to_string()]);
    }
    cmd.args(&opts.extra);
    cmd.current_dir(&project.workspace_root);
    cmd.env("RUSTC_BOOTSTRAP", "1").env("CARGO_BUILD_ANALYSIS_ENABLED", "true").env("CARGO_TERM_COLOR", "never");
    cmd.env_remove("RUSTC_WRAPPER").env_remove("RUSTC_WORKSPACE_WRAPPER").env_remove("CARGO_BUILD_RUSTC_WRAPPER");
    if let (Some(deep), Some(dir)) = (&opts.deep, profiles_dir) {
        let (var, crates) = match deep {
            Deep::Members => ("RUSTC_WORKSPACE_WRAPPER", "*".to_string()),
            Deep::All => ("RUSTC_WRAPPER", "*".to_string()),
            Deep::Crates(c) => ("RUSTC_WRAPPER", c.join(",")),
        };
        cmd.env(var, &opts.self_exe).env(wrapper::ENV_PROFILE_DIR, dir).env(wrapper::ENV_CRATES, crates);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // its own process group, so that an interrupt can stop cargo and every rustc it runs
        cmd.process_group(0);
    }
    cmd
}

#[allow(clippy::too_many_arguments)]
fn cargo_run(
    project: &Project,
    opts: &BuildOptions,
    target_dir: &Path,
    profiles_dir: Option<&Path>,
    analysis: &mut bool,
    notes: &mut Vec<String>,
    progress: Option<Arc<dyn Fn(Progress) + Send + Sync>>,
    phase: &str,
) -> Result<CargoRun, Error> {
    let logs_before = list_logs();
    let started = Instant::now();
    let mut child = spawn_group(cargo_command(project, opts, target_dir, profiles_dir, *analysis), &opts.cargo)?;
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let state = Arc::new(Mutex::new(Progress { phase: phase.to_string(), ..Progress::default() }));
    let out_state = Arc::clone(&state);
    let report = progress.clone();
    let out_thread = std::thread::spawn(move || {
        let mut artifacts = Vec::new();
        let success = read_messages(
            stdout.expect("piped stdout"),
            |a| {
                let mut s = out_state.lock().unwrap_or_else(|e| e.into_inner());
                s.finished += 1;
                let name = a.target.replace('-', "_");
                s.compiling.retain(|c| c.replace('-', "_") != name);
                if let Some(r) = &report {
                    r(s.clone());
                }
                artifacts.push(a);
            },
            |_| {},
        );
        (artifacts, success)
    });
    let err_state = Arc::clone(&state);
    let err_thread = std::thread::spawn(move || {
        let mut invocations = Vec::new();
        let mut lines = Vec::new();
        for line in BufReader::new(stderr.expect("piped stderr")).lines().map_while(Result::ok) {
            if let Some(inv) = parse_running(&line) {
                invocations.push(inv);
                continue;
            }
            if let Some(name) = line.trim_start().strip_prefix("Compiling ") {
                let mut s = err_state.lock().unwrap_or_else(|e| e.into_inner());
                s.compiling.push(name.split(' ').next().unwrap_or(name).to_string());
                if let Some(r) = &progress {
                    r(s.clone());
                }
                continue;
            }
            if line.trim_start().starts_with("Fresh ") || line.trim_start().starts_with("Dirty ") {
                continue;
            }
            lines.push(line);
        }
        (invocations, lines)
    });
    let status = wait_child(&mut child)?;
    let wall = started.elapsed().as_secs_f64();
    let (artifacts, success) = out_thread.join().unwrap_or_default();
    let (invocations, stderr_lines) = err_thread.join().unwrap_or_default();
    let interrupted = was_interrupted();
    let success = success.unwrap_or(status) && status && !interrupted;
    if !success
        && *analysis
        && stderr_lines.iter().any(|l| l.contains("unknown `-Z` flag") && l.contains("build-analysis"))
    {
        // an older cargo: record with --timings only
        *analysis = false;
        notes.push("this cargo has no -Zbuild-analysis: recorded with --timings only (no fingerprint reasons, no link section)".into());
        return cargo_run(project, opts, target_dir, profiles_dir, analysis, notes, None, phase);
    }
    let (log, log_path) =
        if *analysis { take_log(&logs_before, target_dir, project)? } else { timings_log(target_dir)? };
    let errors = if success {
        Vec::new()
    } else {
        stderr_lines.into_iter().filter(|l| !l.trim_start().starts_with("Running ") && !l.trim().is_empty()).collect()
    };
    Ok(CargoRun { success, wall, log, log_path, artifacts, invocations, errors, interrupted })
}

/// cargo's first error when a build failed because of what was asked (an
/// unknown package, profile, feature or target, a bad value): bad input,
/// not a failed build.
pub fn selection_error(errors: &[String]) -> Option<String> {
    const ASKED: &[&str] = &[
        "did not match any packages",
        "unexpected argument",
        "is not defined",
        "does not contain this feature",
        "does not contain these features",
        "none of the selected packages contains",
        "no bin target named",
        "no library targets found",
        "invalid value",
    ];
    if !errors.iter().any(|e| ASKED.iter().any(|m| e.contains(m))) {
        return None;
    }
    let first = errors.iter().find(|e| e.starts_with("error")).cloned().unwrap_or_default();
    Some(first.trim_start_matches("error: ").to_string())
}

/// Copies the project's `Cargo.lock` into fastware's directory (or removes
/// a stale copy when the project has none) and returns the copy's path: the
/// lock file cargo reads and may update in the builds fastware runs, so that
/// the project's own is never created or changed.
pub fn lock_copy(project: &Project) -> Result<PathBuf, Error> {
    let fw = project.fastware_dir();
    std::fs::create_dir_all(&fw).map_err(|e| CargoError::Io {
        what: "create".into(),
        path: fw.to_path_buf(),
        why: e.to_string(),
    })?;
    let lock = fw.join("Cargo.lock");
    let project_lock = project.workspace_root.join("Cargo.lock");
    if project_lock.is_file() {
        std::fs::copy(&project_lock, &lock).map_err(|e| CargoError::Io {
            what: "copy".into(),
            path: project_lock.to_path_buf(),
            why: e.to_string(),
        })?;
    } else {
        let _ = std::fs::remove_file(&lock);
    }
    Ok(lock)
}

/// Points cargo at `lock` (cargo's unstable `-Zlockfile-path`, enabled with
/// `RUSTC_BOOTSTRAP=1` in cargo's environment).
pub(crate) fn use_lock_copy(cmd: &mut Command, lock: &Path) {
    cmd.arg("-Zlockfile-path");
    cmd.arg("--config").arg(format!("resolver.lockfile-path={}", toml_string(&lock.to_string_lossy())));
    cmd.env("RUSTC_BOOTSTRAP", "1");
}

/// [`use_lock_copy`] for a build in the user's own target directory: cargo
/// gets `RUSTC_BOOTSTRAP=1` for the flag, while rustc and build scripts see
/// the user's own `RUSTC_BOOTSTRAP` (none: empty, which rustc treats as
/// unset), through cargo's `[env]` table. rustc then builds exactly what a
/// plain `cargo build` builds (with `RUSTC_BOOTSTRAP=1` it would act as a
/// nightly and, for one, mangle symbols differently). For builds that
/// change the resolution (a patched criterion) or run another toolchain;
/// [`user_build`] for the others.
pub fn user_build_with_lock_copy(cmd: &mut Command, project: &Project) -> Result<(), Error> {
    let lock = lock_copy(project)?;
    let own = std::env::var("RUSTC_BOOTSTRAP").unwrap_or_default();
    use_lock_copy(cmd, &lock);
    cmd.arg("--config").arg(format!("env.RUSTC_BOOTSTRAP.value={}", toml_string(&own)));
    cmd.arg("--config").arg("env.RUSTC_BOOTSTRAP.force=true");
    Ok(())
}

/// For a build in the user's own target directory, as their own builds
/// are: when the project's `Cargo.lock` is up to date (`cargo metadata
/// --locked --offline` says so), cargo reads it with `--locked`, which
/// fails rather than write it, and nothing else changes. Else as
/// [`user_build_with_lock_copy`], whose `RUSTC_BOOTSTRAP` (empty, where
/// the user's builds have none) cargo counts as a change for every build
/// script that watches it (proc-macro2's): those crates and all that
/// depend on them would build again, here and in the user's next build.
pub fn user_build(cmd: &mut Command, project: &Project) -> Result<(), Error> {
    let current = project.workspace_root.join("Cargo.lock").is_file()
        && Command::new(cmd.get_program())
            .args(["metadata", "--locked", "--offline", "--format-version", "1", "--manifest-path"])
            .arg(project.workspace_root.join("Cargo.toml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if current {
        cmd.arg("--locked");
        return Ok(());
    }
    user_build_with_lock_copy(cmd, project)
}

/// `s` as a TOML string, for `cargo --config KEY=VALUE`.
fn toml_string(s: &str) -> String {
    use toml_writer::ToTomlValue;
    toml_writer::TomlStringBuilder::new(s).as_basic().to_toml_value()
}

/// Starts `cmd` in its own process group, registered so that an
/// interrupt reaches it and every compiler it runs.
pub(crate) fn spawn_group(cmd: Command, cargo: &str) -> Result<Running, Error> {
    fastware_runner::process::spawn(cmd, cargo)
}

/// Waits for a child started with [`spawn_group`]; true on success.
pub(crate) fn wait_child(child: &mut Running) -> Result<bool, Error> {
    Ok(child.wait()?.success())
}

fn list_logs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(cargo_home().join("log")).into_iter().flatten().flatten().map(|e| e.path()).collect();
    v.sort();
    v
}

/// Finds the build-analysis log cargo wrote for this build (a new file
/// whose `build-started` names our target directory), moves it into
/// fastware's directory, and parses it.
fn take_log(
    before: &[PathBuf],
    target_dir: &Path,
    project: &Project,
) -> Result<(Option<BuildLog>, Option<PathBuf>), Error> {
    let ours = target_dir.to_string_lossy().into_owned();
    for path in list_logs() {
        if before.contains(&path) || path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let first: Value = text.lines().next().and_then(|l| serde_json::from_str(l).ok()).unwrap_or(Value::Null);
        if first["target_dir"].as_str() != Some(&ours) {
            continue;
        }
        let log = parse_build_analysis(&text, &path)?;
        let log = (!log.units.is_empty()).then_some(log);
        let dest = project.fastware_dir().join("runs").join(path.file_name().unwrap_or_default());
        if std::fs::rename(&path, &dest).is_err() && std::fs::copy(&path, &dest).is_ok() {
            let _ = std::fs::remove_file(&path);
        }
        return Ok((log, Some(dest)));
    }
    Ok((None, None))
}

fn timings_log(target_dir: &Path) -> Result<(Option<BuildLog>, Option<PathBuf>), Error> {
    let page = target_dir.join("cargo-timings").join("cargo-timing.html");
    match std::fs::read_to_string(&page) {
        Ok(html) => Ok((Some(parse_timings_html(&html, &page)?), Some(page))),
        Err(_) => Ok((None, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::Profile;

    /// Where cargo itself puts each profile's build, for a tiny crate.
    #[test]
    fn each_profile_s_directory_is_where_cargo_builds_it() {
        let dir = std::env::temp_dir().join(format!("fastware-profile-dirs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).expect("mkdir");
        std::fs::write(dir.join("Cargo.toml"), "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
            .expect("write");
        std::fs::write(dir.join("src/lib.rs"), "pub fn f() {}\n").expect("write");
        for name in ["dev", "release", "test", "bench"] {
            let target = dir.join(format!("target-{name}"));
            let o = std::process::Command::new(env!("CARGO"))
                .args(["build", "-q", "--offline", "--profile", name, "--target-dir"])
                .arg(&target)
                .current_dir(&dir)
                .env_remove("CARGO_TARGET_DIR")
                .output()
                .expect("cargo");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let built: Vec<_> = std::fs::read_dir(&target)
                .expect("target")
                .flatten()
                .filter(|e| e.path().join(".fingerprint").is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(built, [Profile::Named(name.into()).dir_name()], "--profile {name}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
