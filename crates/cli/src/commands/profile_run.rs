//! Where `fastware profile`'s profile comes from: files given, or a run of
//! the real artifact under perf or callgrind (built, or found fresh, as
//! `asm` does), kept with `--save NAME`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use clap::Args;
use fastware_profile::perf::{self, CallGraph};
use fastware_profile::{callgrind, saved, Profile};
use fastware_runner::{PERF, VALGRIND};

use super::binary::ArtifactArgs;
use crate::Error;

#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// Profiles to read instead of running anything: perf.data, callgrind.out, or names saved with --save
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
    /// Count instructions exactly with valgrind's callgrind, instead of sampling with perf
    #[arg(long)]
    pub callgrind: bool,
    /// Samples per second (perf)
    #[arg(long, value_name = "HZ", default_value_t = 999, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub freq: u32,
    /// Build apart, in <target-dir>/fastware/profile, with -Cforce-frame-pointers=yes: cheap stacks for perf
    #[arg(long)]
    pub frame_pointers: bool,
    /// callgrind's cost column to show [default: the first, Ir]
    #[arg(long, value_name = "EVENT")]
    pub event: Option<String>,
    /// Keep the profile as NAME (<target-dir>/fastware/profiles/NAME.json), to compare later
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    /// Arguments for the program
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// The profile, and the failure to report after it when the program did not
/// end well (what was recorded is still shown).
pub fn load(a: &SourceArgs) -> Result<(Profile, Option<Error>), Error> {
    if let Some(name) = &a.save {
        fastware_report::output::check_name(name)?;
    }
    if !a.files.is_empty() {
        let mut profiles = Vec::new();
        for f in &a.files {
            profiles.push(read(&resolve(f, &a.artifact)?, a.event.as_deref())?);
        }
        let p = fastware_profile::model::merge(profiles)?;
        save(a, &p, None)?;
        return Ok((p, None));
    }
    // the tool first: no build to wait for when it is missing
    let tool = if a.callgrind { VALGRIND.find()? } else { PERF.find()? };
    if !a.callgrind {
        fastware_runner::check_perf_allowed()?;
    }
    let loaded = a.artifact.load_with(a.frame_pointers)?;
    // a stripped binary's samples could not be named
    loaded.need_symbols()?;
    let program = loaded.binary.path.clone();
    let mut args: Vec<String> = Vec::new();
    if let Some(bench) = &a.artifact.bench {
        args.push("--bench".into());
        args.extend(bench.get(1).cloned());
    }
    args.extend(a.args.iter().cloned());
    if a.artifact.bench.is_some() && is_criterion(&loaded.binary) && !args.iter().any(|x| chooses_mode(x)) {
        // criterion's analysis (bootstraps, sorting) would outweigh the
        // benchmark; its profiling mode runs the routine only
        let secs = if a.callgrind { "1" } else { "5" };
        args.extend(["--profile-time".to_string(), secs.to_string()]);
        crate::note(&format!(
            "a criterion benchmark: run with --profile-time {secs} (the routine only, no analysis); \
             pass --profile-time after -- to choose"
        ));
    }
    // outside a project the recording is read, then removed
    let (dir, temporary) = match &loaded.project {
        Some(p) => (p.fastware_dir().join("profile"), false),
        None => (std::env::temp_dir().join(format!("fastware-profile-{}", std::process::id())), true),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::failed(format!("cannot create {}: {e}", dir.display())))?;
    let _cleanup = temporary.then(|| RemovedAtEnd(dir.clone()));
    crate::note(&format!("profiling {}", fastware_runner::shown(&program, &args)));
    let (output, cmd) = if a.callgrind {
        let out = dir.join("callgrind.out");
        (out.clone(), callgrind::record_command(&tool, &out, &program, &args))
    } else {
        let graph = if perf::has_frame_pointers(&loaded.binary) { CallGraph::FramePointers } else { CallGraph::Dwarf };
        let out = dir.join("perf.data");
        (out.clone(), perf::record_command(&tool, &out, a.freq, graph, &program, &args))
    };
    let _ = std::fs::remove_file(&output);
    let mut cmd = cmd;
    // the program's output is not the report's: it goes to stderr
    cmd.stdout(Stdio::from(std::io::stderr()));
    crate::signals::on_signal(fastware_runner::interrupt);
    let outcome = fastware_runner::run(cmd)?;
    if !output.is_file() {
        return Err(Error::failed(format!(
            "{} wrote no profile (exit status {})",
            if a.callgrind { "valgrind" } else { "perf record" },
            outcome.status.map_or("none".into(), |s| s.to_string())
        ))
        .with_hint("its messages are above"));
    }
    let mut p = read(&output, a.event.as_deref())?;
    p.meta.command = Some(fastware_runner::shown(&program, &args));
    p.meta.binary = Some(program.display().to_string());
    p.meta.commit = loaded.project.as_ref().and_then(|pr| fastware_cargo::bench::git_commit(&pr.workspace_root));
    let failed = if outcome.interrupted {
        crate::note("interrupted: reporting what was recorded until then");
        Some(Error::interrupted("interrupted: the program was stopped; what was recorded is reported"))
    } else if outcome.status != Some(0) {
        Some(Error::failed(format!(
            "the program exited with status {} (what was recorded is reported)",
            outcome.status.map_or("none (a signal)".into(), |s| s.to_string())
        )))
    } else {
        None
    };
    save(a, &p, loaded.project.as_ref().map(|p| p.target_dir.as_path()))?;
    Ok((p, failed))
}

/// A profile file read, with a spinner on a terminal (a large perf.data takes seconds).
fn read(path: &Path, event: Option<&str>) -> Result<Profile, Error> {
    let bar = crate::spinner(&format!("reading {}", path.display()));
    let p = saved::read(path, event);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    p
}

/// The program is a criterion benchmark.
fn is_criterion(b: &fastware_binary::Binary) -> bool {
    b.by_name.keys().any(|n| n.contains("criterion"))
}

/// An argument that sets how criterion runs (its own choice stands).
fn chooses_mode(arg: &str) -> bool {
    ["--profile-time", "--test", "--list", "--load-baseline"]
        .iter()
        .any(|m| arg == *m || arg.starts_with(&format!("{m}=")))
}

/// A directory removed when the run is over, however it ends.
struct RemovedAtEnd(PathBuf);

impl Drop for RemovedAtEnd {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn save(a: &SourceArgs, p: &Profile, target_dir: Option<&Path>) -> Result<(), Error> {
    let Some(name) = &a.save else { return Ok(()) };
    let target: PathBuf = match target_dir {
        Some(t) => t.to_path_buf(),
        None => a.artifact.project()?.target_dir,
    };
    let path = saved::path(&target, name);
    saved::save(p, &path)?;
    crate::note(&format!("saved the profile as `{name}` ({})", path.display()));
    Ok(())
}

/// A profile file, or a name saved with `--save` in the project here.
pub fn resolve(text: &str, artifact: &ArtifactArgs) -> Result<PathBuf, Error> {
    let p = Path::new(text);
    if p.exists() {
        return Ok(p.to_path_buf());
    }
    if let Ok(project) = artifact.project() {
        let saved = fastware_profile::saved::path(&project.target_dir, text);
        if saved.is_file() {
            return Ok(saved);
        }
    }
    Err(Error::bad_input(format!("{text}: no such file, and no profile saved under that name"))
        .with_hint("save one with `fastware profile --save NAME`, or give a perf.data or callgrind.out file"))
}
