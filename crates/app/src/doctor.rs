//! `fastware doctor`: what this machine (and the project here) can do for
//! each command, and what to install or set for the rest. It only looks:
//! nothing is built, installed, created or changed.

use std::path::Path;
use std::process::{Command, Stdio};

use clap::Args;
use fastware_report::{Render, Text};
use fastware_runner::on_path;
use serde::Serialize;

use crate::{Ctx, Done, Error, Format};

const EXAMPLES: &str = "\
Examples:
  fastware doctor                  one line per check: ✓ ready, ✗ with the fix, · for your information
  fastware doctor --format json    the same, for a script (a CI job's first step)";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct DoctorCmd {
    /// Output format
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub const SCHEMA: &str = "fastware/doctor/1";

/// One check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Ready.
    Ok,
    /// Something to install or set: `fix` says what.
    Fix,
    /// Neither: what is there (a build not made yet, a store not started).
    Info,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked: `perf`, `valgrind`, `release binary` …
    pub check: String,
    /// The commands that need it.
    pub used_by: String,
    pub status: Status,
    /// What was found: a version, a setting, a path.
    pub found: String,
    pub fix: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Doctor {
    pub schema: &'static str,
    pub checks: Vec<Check>,
}

fn check(check: &str, used_by: &str, status: Status, found: impl Into<String>, fix: Option<String>) -> Check {
    Check { check: check.into(), used_by: used_by.into(), status, found: found.into(), fix }
}

/// The first line a program prints for `args` (stdout, else stderr), when it runs.
fn first_line(program: &Path, args: &[&str]) -> Option<String> {
    let o = Command::new(program).args(args).stdin(Stdio::null()).output().ok()?;
    let text = if o.stdout.iter().any(|b| !b.is_ascii_whitespace()) { o.stdout } else { o.stderr };
    String::from_utf8_lossy(&text).lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
}

pub fn run(ctx: &Ctx, cmd: &DoctorCmd) -> Result<Done<Doctor>, Error> {
    let mut checks = Vec::new();
    let perf = ctx.tools.find(&fastware_runner::PERF).ok();
    checks.push(match &perf {
        Some(p) => {
            check("perf", "profile, explain", Status::Ok, first_line(p, &["--version"]).unwrap_or_default(), None)
        }
        None => check(
            "perf",
            "profile, explain",
            Status::Fix,
            "not installed",
            Some("sudo apt-get install linux-perf".into()),
        ),
    });
    checks.push(perf_allowed(fastware_runner::perf_event_paranoid().as_deref(), fastware_runner::is_root()));
    if let Some(p) = &perf {
        let o = Command::new(p).args(["stat", "-x,", "-e", "instructions", "--", "true"]).output().ok();
        let text = o.map(|o| String::from_utf8_lossy(&o.stderr).into_owned()).unwrap_or_default();
        let counted =
            text.lines().any(|l| l.contains("instructions") && !l.contains("not supported") && !l.starts_with(','));
        checks.push(if counted {
            check("hardware counters", "for your information", Status::Info, "perf stat -e instructions counts", None)
        } else {
            check("hardware counters", "for your information", Status::Info,
                "perf stat -e instructions: not supported (a VM or a locked-down kernel); fastware counts with valgrind instead (bench --instructions, profile --callgrind)", None)
        });
    }
    let valgrind = ctx.tools.find(&fastware_runner::VALGRIND).ok();
    let by = "bench --instructions, profile --callgrind, heap, explain";
    checks.push(match &valgrind {
        Some(p) => check("valgrind", by, Status::Ok, first_line(p, &["--version"]).unwrap_or_default(), None),
        None => check("valgrind", by, Status::Fix, "not installed", Some("sudo apt-get install valgrind".into())),
    });
    checks.push(profdata());
    for name in ["lld", "mold"] {
        // found as matrix finds it
        let program = fastware_matrix::axis::linker_program(name);
        checks.push(match fastware_matrix::axis::parse_linker(name) {
            Ok(_) => {
                let at = on_path(&program).map(|p| p.display().to_string()).unwrap_or(program);
                check(name, "matrix --linker", Status::Ok, at, None)
            }
            Err(e) => check(name, "matrix --linker", Status::Fix, format!("{program} not found"), e.hint.clone()),
        });
    }
    checks.push(match on_path("git") {
        Some(p) => check(
            "git",
            "bench ab, explain REV REV",
            Status::Ok,
            first_line(&p, &["--version"]).unwrap_or_default(),
            None,
        ),
        None => check(
            "git",
            "bench ab, explain REV REV",
            Status::Fix,
            "not installed",
            Some("sudo apt-get install git".into()),
        ),
    });
    let project = fastware_cargo::project::locate(&ctx.tools.cargo(), None, &ctx.cwd).ok();
    if let Some(p) = &project {
        checks.extend(release_binaries(p));
    }
    checks.push(store(ctx, project.as_ref().map(|p| p.target_dir.as_path())));
    Ok(Done::new(Doctor { schema: SCHEMA, checks }, cmd.format))
}

/// Whether perf may sample the user's programs at the sysctl's value
/// `paranoid` (the kernel's text), as root or not.
fn perf_allowed(paranoid: Option<&str>, root: bool) -> Check {
    let found = format!("kernel.perf_event_paranoid = {}", paranoid.unwrap_or("unknown"));
    match fastware_runner::perf_allowed_at(paranoid, root) {
        Ok(()) => check("perf allowed", "profile", Status::Ok, found, None),
        Err(e) => check("perf allowed", "profile", Status::Fix, found, e.hint.clone()),
    }
}

/// The raw profile version rustc's profiler runtime writes: the value of
/// `__llvm_profile_raw_version` in the sysroot's `profiler_builtins` rlib.
fn rustc_raw_version(host: &str) -> Option<u64> {
    let o = Command::new("rustc").args(["--print", "sysroot"]).output().ok()?;
    let sysroot = std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
    let lib = sysroot.join("lib/rustlib").join(host).join("lib");
    let rlib = std::fs::read_dir(lib).ok()?.flatten().map(|e| e.path()).find(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("libprofiler_builtins-") && n.ends_with(".rlib"))
    })?;
    let data = std::fs::read(&rlib).ok()?;
    let archive = object::read::archive::ArchiveFile::parse(data.as_slice()).ok()?;
    let bytes: [u8; 8] = archive.members().flatten().find_map(|m| {
        use object::{Object, ObjectSection, ObjectSymbol};
        let file = object::File::parse(m.data(data.as_slice()).ok()?).ok()?;
        let sym = file.symbols().find(|s| s.name() == Ok("__llvm_profile_raw_version") && !s.is_undefined())?;
        let section = file.section_by_index(sym.section_index()?).ok()?;
        let at = usize::try_from(sym.address().checked_sub(section.address())?).ok()?;
        section.data().ok()?.get(at..at + 8)?.try_into().ok()
    })?;
    let raw = u64::from_le_bytes(bytes);
    // the low bits: the high ones are flags (IR-level, debug-info correlation …)
    Some(raw & 0x00ff_ffff)
}

/// The llvm-profdata tools `pgo` would try, against the raw profile
/// version rustc writes: each reads only its own.
fn profdata() -> Check {
    let vv = Command::new("rustc").arg("-vV").output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let field = |name: &str| vv.as_deref().ok()?.lines().find_map(|l| l.strip_prefix(name).map(str::to_string));
    let llvm = field("LLVM version: ");
    let rustc_raw = field("host: ").and_then(|host| rustc_raw_version(&host));
    let rustc = format!(
        "rustc (LLVM {}) writes raw profiles of version {}",
        llvm.as_deref().unwrap_or("unknown"),
        rustc_raw.map_or_else(|| "unknown (no profiler runtime in its sysroot)".into(), |v| v.to_string())
    );
    let install = "rustup component add llvm-tools (rustc's own LLVM), or the llvm-profdata of an LLVM that reads that version (sudo apt-get install llvm-19)";
    let tools: Vec<(String, Option<u64>)> = fastware_pgo::profdata::candidates()
        .iter()
        .map(|t| {
            let v = version_of(t);
            let reads = v
                .as_deref()
                .and_then(|v| v.split('.').next()?.parse::<u32>().ok())
                .and_then(fastware_pgo::profdata::raw_version_read_by);
            let shown = format!(
                "{} (LLVM {}, reads version {})",
                t.display(),
                v.as_deref().unwrap_or("unknown"),
                reads.map_or_else(|| "unknown".into(), |r| r.to_string())
            );
            (shown, reads)
        })
        .collect();
    if tools.is_empty() {
        return check("llvm-profdata", "pgo", Status::Fix, format!("none found; {rustc}"), Some(install.into()));
    }
    let found = format!("{}; {rustc}", tools.iter().map(|t| t.0.as_str()).collect::<Vec<_>>().join(", "));
    let (Some(raw), true) = (rustc_raw, tools.iter().all(|t| t.1.is_some())) else {
        // a version not known here: pgo tries each on the real raw profiles
        return check(
            "llvm-profdata",
            "pgo",
            Status::Info,
            format!("{found}; pgo tries each on the raw profiles"),
            None,
        );
    };
    if tools.iter().any(|t| t.1 == Some(raw)) {
        check("llvm-profdata", "pgo", Status::Ok, found, None)
    } else {
        check("llvm-profdata", "pgo", Status::Fix, format!("{found}: none reads it"), Some(install.into()))
    }
}

/// `LLVM version 19.1.7` in what `llvm-profdata merge --version` prints.
fn version_of(tool: &Path) -> Option<String> {
    // `merge --version`: llvm-profdata 14 has no top-level --version
    let o = Command::new(tool).args(["merge", "--version"]).output().ok()?;
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    // "LLVM version 19.1.7", or "Debian LLVM version 19.1.7"
    text.lines().find_map(|l| l.split_once("LLVM version ").map(|(_, v)| v.trim().to_string()))
}

/// The project's release binaries as built: symbols and line tables, which
/// `profile`, `asm --source` and `heap` need to name code. Nothing is built.
fn release_binaries(p: &fastware_cargo::project::Project) -> Vec<Check> {
    let mut out = Vec::new();
    for pkg in &p.members {
        for t in pkg.targets.iter().filter(|t| t.kinds.iter().any(|k| k == "bin")) {
            let what = format!("release binary {}", t.name);
            let path = p.target_dir.join("release").join(&t.name);
            let by = "profile, heap, asm --source";
            let Ok(b) = fastware_binary::Binary::open(&path) else {
                out.push(check(&what, by, Status::Info, format!("not built yet ({})", path.display()), None));
                continue;
            };
            let missing: Vec<&str> =
                [(!b.has_symtab, "no symbol table (strip)"), (!b.has_line_info(), "no line tables")]
                    .into_iter()
                    .filter_map(|(m, s)| m.then_some(s))
                    .collect();
            out.push(if missing.is_empty() {
                check(&what, by, Status::Ok, format!("symbols and line tables ({})", path.display()), None)
            } else {
                check(
                    &what,
                    by,
                    Status::Fix,
                    format!("{} ({})", missing.join(", "), path.display()),
                    Some("set `debug = \"line-tables-only\"` and no `strip` in [profile.release] of Cargo.toml".into()),
                )
            });
        }
    }
    out
}

/// The run history: where it is and whether it reads. Opened to read only.
fn store(ctx: &Ctx, target_dir: Option<&Path>) -> Check {
    let by = "runs, report, --save, bench noise";
    let Ok(location) = crate::history::location(ctx, target_dir) else {
        return check("history", by, Status::Info, "outside a cargo project and no --store: nothing to check", None);
    };
    let is_file = !fastware_history::store::is_url(&location);
    if is_file && !Path::new(location.strip_prefix("sqlite:").unwrap_or(&location)).exists() {
        return check(
            "history",
            by,
            Status::Info,
            format!("{location}: not started (the first measuring run creates it)"),
            None,
        );
    }
    match fastware_history::Store::inspect(&location) {
        Ok(Some(i)) if i.schema > i.current => check(
            "history",
            by,
            Status::Fix,
            format!("{location}: {} runs, written by a newer fastware (schema {})", i.runs, i.schema),
            Some("use the newer fastware with it, or another store (--store)".into()),
        ),
        Ok(Some(i)) if i.schema < i.current => check(
            "history",
            by,
            Status::Ok,
            format!("{location}: {} runs (schema {}: the next command that reads it upgrades it)", i.runs, i.schema),
            None,
        ),
        Ok(Some(i)) => check("history", by, Status::Ok, format!("{location}: {} runs", i.runs), None),
        Ok(None) => check("history", by, Status::Info, format!("{location}: a PostgreSQL store, not connected to (doctor changes nothing; `fastware runs list` connects)"), None),
        Err(e) => check("history", by, Status::Fix, format!("{location}: {}", e.message), e.hint.clone()),
    }
}

impl Render for Doctor {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let width = self.checks.iter().map(|c| c.check.chars().count()).max().unwrap_or(0);
        for c in &self.checks {
            let mark = match c.status {
                Status::Ok => "✓",
                Status::Fix => "✗",
                Status::Info => "·",
            };
            let fix = c.fix.as_deref().map(|f| format!(" → {f}")).unwrap_or_default();
            out.line(format!("{mark} {:width$}  {}{fix}  [{}]", c.check, c.found, c.used_by))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sysctl's value as a mocked reader gives it: 3 and above stop an
    /// unprivileged user's profile, and say how to allow it; root may.
    #[test]
    fn a_paranoid_kernel_is_a_fix() {
        let c = perf_allowed(Some("3"), false);
        assert_eq!(c.status, Status::Fix, "{c:?}");
        assert_eq!(c.found, "kernel.perf_event_paranoid = 3");
        assert!(c.fix.as_deref().is_some_and(|f| f.contains("sudo sysctl kernel.perf_event_paranoid=2")), "{c:?}");
        assert_eq!(perf_allowed(Some("4\n"), false).status, Status::Fix);
        assert_eq!(perf_allowed(Some("2"), false).status, Status::Ok);
        assert_eq!(perf_allowed(Some("-1"), false).status, Status::Ok);
        assert_eq!(perf_allowed(Some("4"), true).status, Status::Ok, "root samples anything");
        assert_eq!(perf_allowed(None, false).found, "kernel.perf_event_paranoid = unknown");
    }
}
