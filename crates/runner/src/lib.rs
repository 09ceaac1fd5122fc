//! Running the user's program under a measuring tool — `perf record`,
//! `valgrind --tool=callgrind|dhat`: finding the tool (and saying which
//! Debian package has it), starting it in its own process group so that an
//! interrupt reaches the tool and the program, and what became of the run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use fastware_report::Error;

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
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path).map(|d| d.join(self.program)).find(|p| is_executable(p)).ok_or_else(|| {
            Error::failed(format!("{} is not installed", self.program))
                .with_hint(format!("install it: sudo apt-get install {}", self.package))
        })
    }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The exit status of the tool (which passes on the program's), when it exited.
    pub status: Option<i32>,
    /// Stopped by [`interrupt`].
    pub interrupted: bool,
    pub wall: Duration,
}

impl Outcome {
    pub fn success(&self) -> bool {
        self.status == Some(0) && !self.interrupted
    }
}

static CHILD: AtomicU32 = AtomicU32::new(0);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Runs `cmd` (the tool with the program) to the end. Its output passes
/// through; it runs in its own process group.
pub fn run(mut cmd: Command) -> Result<Outcome, Error> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let name = cmd.get_program().to_string_lossy().into_owned();
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| Error::failed(format!("cannot run {name}: {e}")))?;
    CHILD.store(child.id(), Ordering::SeqCst);
    let status = child.wait().map_err(|e| Error::failed(format!("waiting for {name}: {e}")))?;
    CHILD.store(0, Ordering::SeqCst);
    Ok(Outcome { status: status.code(), interrupted: INTERRUPTED.load(Ordering::SeqCst), wall: started.elapsed() })
}

/// Asks the running tool and program to stop (from a signal handler): the
/// tool's process group gets SIGINT, and the run returns as interrupted —
/// perf and valgrind still write what they recorded.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    let pid = CHILD.load(Ordering::SeqCst);
    #[cfg(unix)]
    if let Some(group) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::INT);
    }
}

/// perf cannot sample an unprivileged user's program at
/// `kernel.perf_event_paranoid` 3 and above (Debian's default is 3).
pub fn check_perf_allowed() -> Result<(), Error> {
    let level: i32 = std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(2);
    #[cfg(unix)]
    let root = rustix::process::geteuid().is_root();
    #[cfg(not(unix))]
    let root = false;
    if level >= 3 && !root {
        return Err(Error::failed(format!("perf may not sample programs here: kernel.perf_event_paranoid is {level}"))
            .with_hint(
                "allow it for user programs: sudo sysctl kernel.perf_event_paranoid=2 (or profile with --callgrind)",
            ));
    }
    Ok(())
}

/// The program's command line as text, for headers.
pub fn shown(program: &Path, args: &[String]) -> String {
    let mut parts = vec![program.display().to_string()];
    parts.extend(args.iter().map(|a| if a.contains(' ') { format!("'{a}'") } else { a.clone() }));
    parts.join(" ")
}
