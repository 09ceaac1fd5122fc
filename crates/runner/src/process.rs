//! fastware's one way of running child processes that a Ctrl-C must reach:
//! cargo builds, perf and valgrind runs, benchmark binaries. Each starts in
//! its own process group and is registered while it runs; [`Cancel::cancel`]
//! (from the signal handler) sends SIGINT to every registered group, and the
//! command that listens ([`Cancel::listen`]) then reports what finished
//! instead of the program ending at once.
//!
//! Signals are process-wide, so the registry is too; a [`Cancel`] is the
//! handle a command is given (in the application's context) to ask whether
//! it was interrupted.

use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use fastware_core::Error;

use crate::RunnerError;

static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static CANCELLED: AtomicBool = AtomicBool::new(false);
static LISTENING: AtomicBool = AtomicBool::new(false);

/// The handle on cancellation a command is given.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cancel;

impl Cancel {
    /// The command will stop its children and report what finished when
    /// interrupted, rather than the program ending at the first signal.
    pub fn listen(&self) {
        LISTENING.store(true, Ordering::SeqCst);
    }

    /// True when a command listens (the signal handler asks).
    pub fn is_listened(&self) -> bool {
        LISTENING.load(Ordering::SeqCst)
    }

    /// Interrupts: every running child's process group gets SIGINT (perf
    /// and valgrind still write what they recorded; cargo stops its
    /// compilers), and [`Cancel::is_cancelled`] is true from now on.
    pub fn cancel(&self) {
        CANCELLED.store(true, Ordering::SeqCst);
        let groups = GROUPS.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for pid in groups {
            signal_group(pid);
        }
    }

    pub fn is_cancelled(&self) -> bool {
        CANCELLED.load(Ordering::SeqCst)
    }
}

#[cfg(unix)]
fn signal_group(pid: u32) {
    if let Some(group) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::INT);
    }
}

#[cfg(not(unix))]
fn signal_group(_pid: u32) {}

/// A child started by [`spawn`]: unregistered when waited for or dropped.
#[derive(Debug)]
pub struct Running {
    pub child: Child,
    pid: u32,
}

impl Running {
    /// Waits for the child to end.
    pub fn wait(&mut self) -> Result<ExitStatus, Error> {
        let status = self.child.wait().map_err(|e| RunnerError::Waiting { why: e.to_string() }.into());
        unregister(self.pid);
        status
    }
}

impl std::ops::Deref for Running {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.child
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        unregister(self.pid);
    }
}

fn unregister(pid: u32) {
    GROUPS.lock().unwrap_or_else(|e| e.into_inner()).retain(|p| *p != pid);
}

/// Starts `cmd` in a process group of its own, registered so that
/// [`Cancel::cancel`] reaches it and everything it starts. `name` names the
/// program in the error when it cannot start.
pub fn spawn(mut cmd: Command, name: &str) -> Result<Running, Error> {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let child = cmd.spawn().map_err(|e| RunnerError::CannotRun { program: name.to_string(), why: e.to_string() })?;
    let pid = child.id();
    GROUPS.lock().unwrap_or_else(|e| e.into_inner()).push(pid);
    if CANCELLED.load(Ordering::SeqCst) {
        // interrupted while it started: it gets the signal too
        signal_group(pid);
    }
    Ok(Running { child, pid })
}

/// Runs `cmd` to its end, started as [`spawn`] starts it (so that Ctrl-C
/// reaches it), with its stderr captured: its status and what it wrote.
pub fn run_capturing_stderr(mut cmd: Command, name: &str) -> Result<(ExitStatus, String), Error> {
    cmd.stderr(std::process::Stdio::piped());
    let mut child = spawn(cmd, name)?;
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    Ok((child.wait()?, err))
}

/// How a process that failed ended, in words: `exited with status 2`,
/// `was killed by SIGSEGV`.
pub fn ended(status: &ExitStatus) -> String {
    match (status.code(), signal_name(status)) {
        (Some(c), _) => format!("exited with status {c}"),
        (None, Some(sig)) => format!("was killed by {sig}"),
        (None, None) => "failed".to_string(),
    }
}

/// The name of the signal `status` ended by, when it did (`SIGKILL`).
pub fn signal_name(status: &ExitStatus) -> Option<String> {
    #[cfg(unix)]
    {
        use rustix::process::Signal;
        use std::os::unix::process::ExitStatusExt;
        let sig = status.signal()?;
        let known = [
            (Signal::HUP, "SIGHUP"),
            (Signal::INT, "SIGINT"),
            (Signal::QUIT, "SIGQUIT"),
            (Signal::ILL, "SIGILL"),
            (Signal::TRAP, "SIGTRAP"),
            (Signal::ABORT, "SIGABRT"),
            (Signal::BUS, "SIGBUS"),
            (Signal::FPE, "SIGFPE"),
            (Signal::KILL, "SIGKILL"),
            (Signal::USR1, "SIGUSR1"),
            (Signal::SEGV, "SIGSEGV"),
            (Signal::USR2, "SIGUSR2"),
            (Signal::PIPE, "SIGPIPE"),
            (Signal::ALARM, "SIGALRM"),
            (Signal::TERM, "SIGTERM"),
            (Signal::XCPU, "SIGXCPU"),
            (Signal::XFSZ, "SIGXFSZ"),
            (Signal::SYS, "SIGSYS"),
        ];
        Some(match known.iter().find(|(s, _)| s.as_raw() == sig) {
            Some((_, name)) => name.to_string(),
            None => format!("signal {sig}"),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn a_signal_is_named_as_c_spells_it() {
        for (sig, name) in [("INT", "SIGINT"), ("SEGV", "SIGSEGV"), ("ABRT", "SIGABRT"), ("ALRM", "SIGALRM")] {
            let status =
                std::process::Command::new("sh").args(["-c", &format!("kill -{sig} $$")]).status().expect("sh runs");
            assert_eq!(super::signal_name(&status).as_deref(), Some(name));
        }
        let ok = std::process::Command::new("true").status().expect("true runs");
        assert_eq!(super::signal_name(&ok), None);
    }
}
