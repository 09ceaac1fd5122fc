//! `cargo bench`, run as the user would (their target directory, their
//! arguments), with cargo's JSON messages on: they name the bench binaries,
//! whose names change with every build. The harness's own output passes
//! through to stderr as it comes and is kept for reading.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use crate::project::Project;
use crate::run::read_messages;
use crate::{CargoError, Error};

/// A bench binary cargo built and ran.
#[derive(Debug, Clone)]
pub struct BenchBinary {
    pub target: String,
    pub path: PathBuf,
    pub fresh: bool,
}

/// What one `cargo bench` did.
#[derive(Debug, Clone)]
pub struct BenchRun {
    pub success: bool,
    /// When it started: results written after this are this run's.
    pub started: SystemTime,
    /// The harness output (everything but cargo's JSON messages).
    pub output: String,
    pub binaries: Vec<BenchBinary>,
}

/// A build apart from the user's: cargo's target directory, which the
/// revisions `bench ab` unpacks share (their dependencies build once; each
/// revision's own crates build apart, their paths differ), and where one
/// side's criterion writes (`CRITERION_HOME`), so that its results are its own.
#[derive(Debug, Clone, Copy)]
pub struct Apart<'a> {
    pub target_dir: &'a Path,
    pub criterion_home: &'a Path,
}

/// Runs `cargo bench ARGS` in `dir`, the project's lock file left as it is
/// (see [`crate::run::user_build`]), apart when asked (else in the
/// project's target directory).
pub fn run_bench(
    cargo: &str,
    project: &Project,
    dir: &Path,
    manifest_path: Option<&Path>,
    args: &[String],
    apart: Option<Apart>,
) -> Result<BenchRun, Error> {
    let started = SystemTime::now();
    let mut cmd = Command::new(cargo);
    if let Some(a) = apart {
        cmd.env("CARGO_TARGET_DIR", a.target_dir).env("CRITERION_HOME", a.criterion_home);
    }
    cmd.args(["bench", "--message-format", "json-render-diagnostics"]);
    if let Some(m) = manifest_path {
        cmd.arg("--manifest-path").arg(m);
    }
    crate::run::user_build(&mut cmd, project)?;
    cmd.args(args).current_dir(dir).stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child =
        cmd.spawn().map_err(|e| CargoError::CannotRun { program: cargo.to_string(), why: e.to_string() })?;
    let mut output = String::new();
    let mut binaries = Vec::new();
    let mut echo = std::io::stderr();
    if let Some(out) = child.stdout.take() {
        read_messages(
            out,
            |a| {
                if let (true, Some(path)) = (a.test, a.executable) {
                    binaries.push(BenchBinary { target: a.target, path, fresh: a.fresh });
                }
            },
            |line| {
                let _ = writeln!(echo, "{line}");
                output.push_str(&line);
                output.push('\n');
            },
        );
    }
    let status = child.wait().map_err(|e| CargoError::Waiting { program: "cargo".into(), why: e.to_string() })?;
    Ok(BenchRun { success: status.success(), started, output, binaries })
}

/// Runs bench binaries as `cargo bench` runs them — `BIN --bench ARGS` in
/// `dir` — one after the other, with criterion writing under `out` (as
/// `CARGO_TARGET_DIR`, not the user's target directory) and `env` added;
/// their output passes through to stderr and is kept. Stops at the first
/// that fails.
pub fn run_binaries(
    binaries: &[BenchBinary],
    harness_args: &[String],
    dir: &Path,
    out: &Path,
    env: &[(&str, String)],
) -> Result<BenchRun, Error> {
    let started = SystemTime::now();
    let mut output = String::new();
    for b in binaries {
        let mut cmd = Command::new(&b.path);
        cmd.arg("--bench").args(harness_args).current_dir(dir).env("CARGO_TARGET_DIR", out);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let o = cmd.stdin(Stdio::null()).stderr(Stdio::inherit()).output().map_err(|e| CargoError::Io {
            what: "run".into(),
            path: b.path.to_path_buf(),
            why: e.to_string(),
        })?;
        let text = String::from_utf8_lossy(&o.stdout);
        let _ = std::io::stderr().write_all(text.as_bytes());
        output.push_str(&text);
        if !o.status.success() {
            return Ok(BenchRun { success: false, started, output, binaries: binaries.to_vec() });
        }
    }
    Ok(BenchRun { success: true, started, output, binaries: binaries.to_vec() })
}

/// `git rev-parse HEAD` of `dir`, with `-dirty` when files changed; `None` outside git.
pub fn git_commit(dir: &Path) -> Option<String> {
    let head = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(dir).output().ok()?;
    if !head.status.success() {
        return None;
    }
    let mut id = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let status =
        Command::new("git").args(["status", "--porcelain", "--untracked-files=no"]).current_dir(dir).output().ok()?;
    if !status.stdout.is_empty() {
        id.push_str("-dirty");
    }
    Some(id)
}

/// `rustc -V` of the toolchain cargo uses here.
pub fn rustc_version(dir: &Path) -> Option<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let o = Command::new(rustc).arg("-V").current_dir(dir).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// The SHA-256 of a file's bytes (its first 16 hex digits): tells bench
/// binaries apart across builds.
pub fn file_hash(path: &Path) -> Option<String> {
    use sha2::Digest;
    let data = std::fs::read(path).ok()?;
    Some(sha2::Sha256::digest(&data)[..8].iter().map(|b| format!("{b:02x}")).collect())
}
