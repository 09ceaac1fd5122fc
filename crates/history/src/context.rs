//! What a run was measured on: the time, the project's git commit (and
//! whether the tree was dirty) and branch, `rustc -vV`, `cargo -V`, the
//! machine (CPU model, cores, memory, OS) and the command line.

use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Machine {
    pub hostname: Option<String>,
    pub cpu: Option<String>,
    pub cores: usize,
    pub memory_bytes: Option<u64>,
    /// `uname -sr`-like: the kernel's name and release.
    pub os: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Context {
    /// Unix milliseconds.
    pub recorded_ms: i64,
    pub project: String,
    pub git_commit: Option<String>,
    pub git_dirty: bool,
    pub branch: Option<String>,
    /// `rustc -vV`, whole.
    pub rustc: Option<String>,
    /// `cargo -V`.
    pub cargo: Option<String>,
    pub machine: Machine,
    /// The command line, as given.
    pub argv: Vec<String>,
}

fn output(program: &str, args: &[&str], dir: &Path) -> Option<String> {
    let o = Command::new(program).args(args).current_dir(dir).output().ok()?;
    o.status.success().then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

impl Context {
    /// Captures the context of a run of `argv` on the project at `project`.
    pub fn capture(project: &Path, argv: Vec<String>) -> Context {
        let git_commit = output("git", &["rev-parse", "HEAD"], project);
        let git_dirty = git_commit.is_some()
            && output("git", &["status", "--porcelain", "--untracked-files=no"], project)
                .is_some_and(|s| !s.is_empty());
        let branch = output("git", &["symbolic-ref", "--short", "-q", "HEAD"], project);
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        Context {
            recorded_ms: now_ms(),
            project: project.display().to_string(),
            git_commit,
            git_dirty,
            branch,
            rustc: output(&rustc, &["-vV"], project),
            cargo: output(&cargo, &["-V"], project),
            machine: Machine::this(),
            argv,
        }
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl Machine {
    /// This machine, from /proc and the kernel (Linux); fields it cannot read are left out.
    pub fn this() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string());
        let memory_bytes = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        });
        let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string());
        let os = match (read("/proc/sys/kernel/ostype"), read("/proc/sys/kernel/osrelease")) {
            (Some(t), Some(r)) => format!("{t} {r}"),
            _ => std::env::consts::OS.to_string(),
        };
        Machine {
            hostname: read("/proc/sys/kernel/hostname"),
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes,
            os,
        }
    }
}
