//! Where `fastware profile`'s profile comes from: files or saved names
//! given, or a run of the real artifact under perf or callgrind (built, or
//! found fresh, as `asm` does). A run of the program is kept in the history
//! (the whole profile); `--save NAME` names it there.

use std::path::Path;

use clap::Args;
use fastware_profile::perf::{self, CallGraph};
use fastware_profile::saved::{self, SavedProfile};
use fastware_profile::{callgrind, Profile};
use fastware_runner::{PERF, VALGRIND};

use crate::artifact::ArtifactArgs;
use crate::under_tool::Prepared;
use crate::{Ctx, Error};

#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// Profiles to read instead of running anything: perf.data, callgrind.out, or names saved with --save
    #[arg(value_name = "FILE")]
    pub files: Vec<std::ffi::OsString>,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
    /// Count instructions exactly with valgrind's callgrind, instead of sampling with perf
    #[arg(long)]
    pub callgrind: bool,
    /// Samples per second (perf)
    #[arg(long, value_name = "HZ", default_value_t = 999, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub freq: u32,
    /// Also record where threads wait off the CPU (perf's context switches); flamegraph, folded and export then draw those waits
    #[arg(long, conflicts_with = "callgrind")]
    pub off_cpu: bool,
    /// Build apart, in <target-dir>/fastware/profile, with -Cforce-frame-pointers=yes: cheap stacks for perf
    #[arg(long)]
    pub frame_pointers: bool,
    /// callgrind's cost column to show [default: the first, Ir]
    #[arg(long, value_name = "EVENT")]
    pub event: Option<String>,
    /// Keep the profile in the history as NAME, to compare later (fastware profile diff NAME …)
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    /// Arguments for the program
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}

/// The profile, and the failure to report after it when the program did not
/// end well (what was recorded is still shown). A run of the program is
/// kept in the project's history (named with `--save`); profiles read from
/// files are kept only when `--save` names them.
pub fn load(ctx: &Ctx, a: &SourceArgs) -> Result<(Profile, Option<Error>), Error> {
    if let Some(name) = &a.save {
        crate::saved::check(ctx, name)?;
    }
    if !a.files.is_empty() {
        let mut profiles = Vec::new();
        for f in &a.files {
            profiles.push(named(ctx, f, &a.artifact, a.event.as_deref())?);
        }
        let p = fastware_profile::model::merge(profiles)?;
        if let Some(name) = &a.save {
            let project = a.artifact.project(ctx)?;
            crate::saved::keep(ctx, &project.workspace_root, &project.target_dir, name, &SavedProfile::from(&p))?;
        }
        return Ok((p, None));
    }
    // the tool first: no build to wait for when it is missing
    let tool = if a.callgrind { ctx.tools.find(&VALGRIND)? } else { ctx.tools.find(&PERF)? };
    if !a.callgrind {
        fastware_runner::check_perf_allowed()?;
    }
    let run = Prepared::new(ctx, &a.artifact, a.frame_pointers, &a.args, "profile", if a.callgrind { 1 } else { 5 })?;
    let valgrind_log = run.dir.join("valgrind.log");
    let (output, cmd) = if a.callgrind {
        let out = run.dir.join("callgrind.out");
        (out.clone(), callgrind::record_command(&tool, &out, &valgrind_log, &run.program, &run.args))
    } else {
        let graph =
            if perf::has_frame_pointers(&run.loaded.binary) { CallGraph::FramePointers } else { CallGraph::Dwarf };
        let out = run.dir.join("perf.data");
        let how = perf::Recording { freq: a.freq, call_graph: graph, off_cpu: a.off_cpu };
        (out.clone(), perf::record_command(&tool, &out, how, &run.program, &run.args))
    };
    let (tool_name, log) = if a.callgrind { ("valgrind", Some(valgrind_log.as_path())) } else { ("perf record", None) };
    let mut failed = run.record(ctx, cmd, &output, tool_name, log)?;
    let mut p = read(ctx, &output, a.event.as_deref())?;
    // the binary's functions said frame pointers; the code the samples fell
    // in may not have them: judged from the stacks, DWARF when they broke (a
    // run that failed or was stopped keeps what it recorded)
    let fp = !a.callgrind && p.meta.unwinding == CallGraph::FramePointers.name() && failed.is_none();
    if let Some(rooted) = perf::rooted_share(&p).filter(|r| fp && *r < 0.5) {
        ctx.note(&format!(
            "only {:.0}% of the stacks reached the program's entry with frame pointers (the sampled code has none): recording again with DWARF stacks",
            rooted * 100.0
        ));
        let how = perf::Recording { freq: a.freq, call_graph: CallGraph::Dwarf, off_cpu: a.off_cpu };
        let cmd = perf::record_command(&tool, &output, how, &run.program, &run.args);
        failed = run.record(ctx, cmd, &output, "perf record", None)?;
        p = read(ctx, &output, a.event.as_deref())?;
    }
    p.meta.command = Some(run.shown());
    p.meta.binary = Some(run.program.display().to_string());
    p.meta.commit = run.commit();
    // a program run under perf or valgrind here is a measuring run: kept, in
    // the project's history when there is a project (`--file` needs none)
    let project = run.loaded.project.clone().or_else(|| a.artifact.project(ctx).ok());
    let kept = SavedProfile::from(&p);
    match (&a.save, project) {
        (Some(name), Some(pr)) => {
            let kept = if a.callgrind { kept } else { kept.with_recording(&keep_recording(&output, &pr.target_dir)?) };
            crate::saved::keep(ctx, &pr.workspace_root, &pr.target_dir, name, &kept)?;
        }
        (Some(_), None) => {
            return Err(crate::error::argument("--save keeps the profile in a cargo project's history")
                .with_hint("run it in the project, or give --store FILE"))
        }
        (None, Some(pr)) => {
            crate::history::record(ctx, &pr.workspace_root, &pr.target_dir, None, &kept);
        }
        (None, None) => {}
    }
    Ok((p, failed))
}

/// Moves a run's perf.data (fastware's own, rewritten by the next run)
/// where a saved profile keeps it: `<target-dir>/fastware/profile/kept/`,
/// named by the time, for `tasks --profile NAME` to read its samples.
fn keep_recording(output: &Path, target_dir: &Path) -> Result<std::path::PathBuf, Error> {
    let dir = target_dir.join("fastware").join("profile").join("kept");
    let failed =
        |e: std::io::Error| crate::error::io(format!("cannot keep {} in {}: {e}", output.display(), dir.display()));
    std::fs::create_dir_all(&dir).map_err(failed)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let kept = dir.join(format!("{now}.perf.data"));
    std::fs::rename(output, &kept).map_err(failed)?;
    Ok(kept)
}

/// A profile file read, with a spinner on a terminal (a large perf.data takes seconds).
fn read(ctx: &Ctx, path: &Path, event: Option<&str>) -> Result<Profile, Error> {
    let bar = ctx.spinner(&format!("reading {}", path.display()));
    let p = saved::read(path, event);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    p
}

/// A profile file, or a name saved with `--save` in the project here.
pub fn named(ctx: &Ctx, arg: &std::ffi::OsStr, artifact: &ArtifactArgs, event: Option<&str>) -> Result<Profile, Error> {
    let p = Path::new(arg);
    if p.exists() {
        return read(ctx, p, event);
    }
    // a name is text; other bytes can only be a path
    let Some(text) = arg.to_str() else {
        return Err(crate::error::not_found(format!("{}: no such file or directory", p.display())));
    };
    if let Ok(project) = artifact.project(ctx) {
        let legacy = saved::path(&project.target_dir, text);
        let old = |f: &Path| -> Result<SavedProfile, Error> {
            let text = fastware_report::input::read_to_string(f)?;
            fastware_report::json::read(&text, saved::SCHEMA, &f.display().to_string())
        };
        if let Some(kept) = crate::saved::find::<SavedProfile>(ctx, &project.target_dir, text, Some((legacy, &old)))? {
            let mut p = kept.profile(text)?;
            p.meta.file = text.to_string();
            return Ok(p);
        }
    }
    Err(crate::error::not_found(format!("{text}: no such file, and no profile saved under that name"))
        .with_hint("save one with `fastware profile --save NAME`, or give a perf.data or callgrind.out file"))
}
