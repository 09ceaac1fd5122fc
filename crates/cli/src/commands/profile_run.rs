//! Where `fastware profile`'s profile comes from: files given, or a run of
//! the real artifact under perf or callgrind (built, or found fresh, as
//! `asm` does), kept with `--save NAME`.

use std::path::{Path, PathBuf};

use clap::Args;
use fastware_profile::perf::{self, CallGraph};
use fastware_profile::{callgrind, saved, Profile};
use fastware_runner::{PERF, VALGRIND};

use super::binary::ArtifactArgs;
use super::under_tool::Prepared;
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
    let run = Prepared::new(&a.artifact, a.frame_pointers, &a.args, "profile", if a.callgrind { 1 } else { 5 })?;
    let (output, cmd) = if a.callgrind {
        let out = run.dir.join("callgrind.out");
        (out.clone(), callgrind::record_command(&tool, &out, &run.program, &run.args))
    } else {
        let graph =
            if perf::has_frame_pointers(&run.loaded.binary) { CallGraph::FramePointers } else { CallGraph::Dwarf };
        let out = run.dir.join("perf.data");
        (out.clone(), perf::record_command(&tool, &out, a.freq, graph, &run.program, &run.args))
    };
    let failed = run.record(cmd, &output, if a.callgrind { "valgrind" } else { "perf record" })?;
    let mut p = read(&output, a.event.as_deref())?;
    p.meta.command = Some(run.shown());
    p.meta.binary = Some(run.program.display().to_string());
    p.meta.commit = run.commit();
    save(a, &p, run.loaded.project.as_ref().map(|p| p.target_dir.as_path()))?;
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
    super::under_tool::resolve(text, artifact, fastware_profile::saved::path, "profile").map_err(|e| {
        e.with_hint("save one with `fastware profile --save NAME`, or give a perf.data or callgrind.out file")
    })
}
