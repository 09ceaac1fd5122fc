//! Running the user's program under a measuring tool — `perf record`,
//! `valgrind --tool=callgrind|dhat`: finding the tool (and saying which
//! Debian package has it), starting it in its own process group so that an
//! interrupt reaches the tool and the program, and what became of the run.

pub mod error;
pub mod process;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub use error::RunnerError;
pub use process::Cancel;

use fastware_core::Error;

/// A measuring tool and where to get it.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    pub program: &'static str,
    /// The Debian package that installs it.
    pub package: &'static str,
}

pub const PERF: Tool = Tool { program: "perf", package: "linux-perf" };
pub const VALGRIND: Tool = Tool { program: "valgrind", package: "valgrind" };

impl Tool {
    /// The tool's path on `PATH`, or an error naming the package to install.
    pub fn find(&self) -> Result<PathBuf, Error> {
        on_path(self.program).ok_or_else(|| {
            RunnerError::NotInstalled { program: self.program.into(), package: self.package.into() }.into()
        })
    }
}

/// The executable `program` on `PATH`.
pub fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The exit status of the tool (which passes on the program's), when it exited.
    pub status: Option<i32>,
    /// The signal that ended it, when one did (`SIGSEGV`).
    pub signal: Option<String>,
    /// Stopped by [`interrupt`].
    pub interrupted: bool,
    pub wall: Duration,
}

impl Outcome {
    /// How a run started at `started` ended with `status`.
    fn of(status: &std::process::ExitStatus, started: Instant) -> Outcome {
        Outcome {
            status: status.code(),
            signal: process::signal_name(status),
            interrupted: Cancel.is_cancelled(),
            wall: started.elapsed(),
        }
    }

    pub fn success(&self) -> bool {
        self.status == Some(0) && !self.interrupted
    }
}

/// Runs `cmd` (the tool with the program) to the end. Its output passes
/// through; it runs in its own process group, which an interrupt reaches
/// ([`process`]).
pub fn run(cmd: Command) -> Result<Outcome, Error> {
    let name = cmd.get_program().to_string_lossy().into_owned();
    let started = Instant::now();
    let mut child = process::spawn(cmd, &name)?;
    let status = child.wait()?;
    Ok(Outcome::of(&status, started))
}

/// Runs `cmd` as [`run`] does, its stdout and stderr read through pipes
/// and handed to `relay` a chunk at a time as they come (from two threads):
/// so that a progress line drawn below them stays whole. The program sees
/// pipes, not a terminal.
pub fn run_relayed(mut cmd: Command, relay: &(dyn Fn(&[u8]) + Sync)) -> Result<Outcome, Error> {
    use std::io::Read;
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let name = cmd.get_program().to_string_lossy().into_owned();
    let started = Instant::now();
    let mut child = process::spawn(cmd, &name)?;
    let (out, err) = (child.stdout.take(), child.stderr.take());
    let pass = |mut from: Box<dyn Read + Send>| {
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            relay(&buf[..n]);
        }
    };
    std::thread::scope(|s| {
        if let Some(o) = out {
            s.spawn(move || pass(Box::new(o)));
        }
        if let Some(e) = err {
            s.spawn(move || pass(Box::new(e)));
        }
    });
    let status = child.wait()?;
    Ok(Outcome::of(&status, started))
}

/// perf cannot sample an unprivileged user's program at
/// `kernel.perf_event_paranoid` 3 and above (Debian's default is 3).
pub fn check_perf_allowed() -> Result<(), Error> {
    perf_allowed_at(perf_event_paranoid().as_deref(), is_root())
}

/// `kernel.perf_event_paranoid` as the kernel says it, when it does.
pub fn perf_event_paranoid() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid").ok().map(|t| t.trim().to_string())
}

/// Whether this process runs as root (perf samples anything then).
pub fn is_root() -> bool {
    #[cfg(unix)]
    return rustix::process::geteuid().is_root();
    #[cfg(not(unix))]
    return false;
}

/// Whether perf may sample a user's program at `paranoid` (the sysctl's
/// text; unknown: Debian's usual 2 assumed), as root or not.
pub fn perf_allowed_at(paranoid: Option<&str>, root: bool) -> Result<(), Error> {
    let level: i32 = paranoid.and_then(|t| t.trim().parse().ok()).unwrap_or(2);
    if level >= 3 && !root {
        return Err(RunnerError::PerfNotAllowed { level }.into());
    }
    Ok(())
}

/// The program's command line as text, for headers.
pub fn shown(program: &Path, args: &[String]) -> String {
    let mut parts = vec![program.display().to_string()];
    parts.extend(args.iter().map(|a| if a.contains(' ') { format!("'{a}'") } else { a.clone() }));
    parts.join(" ")
}

impl Outcome {
    /// The failure to report after showing what was recorded: an interrupt,
    /// or the program's non-zero exit.
    pub fn failure(&self) -> Option<Error> {
        if self.interrupted {
            Some(Error::interrupted("interrupted: the program was stopped; what was recorded is reported"))
        } else if self.status != Some(0) {
            let how = match (&self.status, &self.signal) {
                (Some(s), _) => format!("exited with status {s}"),
                (None, Some(sig)) => format!("was killed by {sig}"),
                (None, None) => "ended without a status".to_string(),
            };
            Some(RunnerError::ProgramFailed { how }.into())
        } else {
            None
        }
    }
}

/// The arguments a benchmark binary gets: `--bench [FILTER]` (libtest and
/// criterion both take it), then the user's. A criterion benchmark also gets
/// `--profile-time SECS` (its routine only, without its analysis, which would
/// outweigh the benchmark under a tool) unless the user chose its mode;
/// the second value says so, for a note.
pub fn bench_args(filter: Option<&str>, user: &[String], criterion: bool, secs: u32) -> (Vec<String>, Option<String>) {
    let mut args = vec!["--bench".to_string()];
    args.extend(filter.map(str::to_string));
    args.extend(user.iter().cloned());
    if !criterion || args.iter().any(|a| chooses_mode(a)) {
        return (args, None);
    }
    args.extend(["--profile-time".to_string(), secs.to_string()]);
    let note = format!(
        "a criterion benchmark: run with --profile-time {secs} (the routine only, no analysis); \
         pass --profile-time after -- to choose"
    );
    (args, Some(note))
}

/// An argument that sets how criterion runs (its own choice stands).
fn chooses_mode(arg: &str) -> bool {
    ["--profile-time", "--test", "--list", "--load-baseline"]
        .iter()
        .any(|m| arg == *m || arg.strip_prefix(m).is_some_and(|rest| rest.starts_with('=')))
}

/// A scratch directory removed when dropped, however the run ends.
#[derive(Debug)]
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    /// A new directory under the system's temporary directory.
    pub fn new(kind: &str) -> Result<ScratchDir, Error> {
        let dir = std::env::temp_dir().join(format!("fastware-{kind}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| RunnerError::CannotCreate { path: dir.clone(), why: e.to_string() })?;
        Ok(ScratchDir(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A workload command (`target/release/app input.txt`) run with `artifact`
/// in place of its program when their file names agree — so that one
/// command line times each build of an experiment — in `dir`, with `env`
/// added, its output discarded. `Ok(Ok(seconds))`, or `Ok(Err(why))` when
/// the command failed (its status and last line of stderr).
pub fn timed_workload(
    cmd: &str,
    artifact: &Path,
    dir: &Path,
    env: &[(&str, String)],
) -> Result<Result<f64, String>, Error> {
    let mut words = shlex::split(cmd).ok_or_else(|| RunnerError::NotACommand { command: cmd.to_string() })?;
    if words.is_empty() {
        return Err(RunnerError::EmptyCommand.into());
    }
    if Path::new(&words[0]).file_name() == artifact.file_name() {
        words[0] = artifact.display().to_string();
    }
    let run = timed_run(Path::new(&words[0]), &words[1..], dir, env, false)?;
    Ok(run.map(|(wall, _)| wall).map_err(|why| format!("`{cmd}` {why}")))
}

/// `program args…` run in `dir` with `env` added and no input, timed:
/// `Ok(Ok((seconds, stdout)))` (stdout kept when `keep_stdout`, else
/// empty), or `Ok(Err(why))` when it failed — "failed (STATUS): LAST
/// LINE OF STDERR".
pub fn timed_run(
    program: &Path,
    args: &[String],
    dir: &Path,
    env: &[(&str, String)],
    keep_stdout: bool,
) -> Result<Result<(f64, String), String>, Error> {
    use std::process::Stdio;
    let mut c = Command::new(program);
    c.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(if keep_stdout { Stdio::piped() } else { Stdio::null() })
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let started = Instant::now();
    let out = c
        .output()
        .map_err(|e| RunnerError::CannotRun { program: program.display().to_string(), why: e.to_string() })?;
    let wall = started.elapsed().as_secs_f64();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
        let tail = if last.is_empty() { String::new() } else { format!(": {last}") };
        return Ok(Err(format!("failed ({}){tail}", out.status)));
    }
    Ok(Ok((wall, String::from_utf8_lossy(&out.stdout).into_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criterion_gets_profile_time_unless_the_user_chose() {
        let (a, note) = bench_args(Some("parse"), &[], true, 5);
        assert_eq!(a, ["--bench", "parse", "--profile-time", "5"]);
        assert!(note.is_some());
        let (a, note) = bench_args(None, &["--profile-time=2".into()], true, 5);
        assert_eq!(a, ["--bench", "--profile-time=2"]);
        assert!(note.is_none());
        let (a, _) = bench_args(None, &["--profile-timex".into()], true, 1);
        assert_eq!(a, ["--bench", "--profile-timex", "--profile-time", "1"]);
        let (a, note) = bench_args(Some("x"), &[], false, 5);
        assert_eq!(a, ["--bench", "x"]);
        assert!(note.is_none());
    }
}
