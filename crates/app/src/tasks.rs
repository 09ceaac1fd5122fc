//! `fastware tasks`: where an async program's time goes, per task, from a
//! console-subscriber recording, with findings.

use std::path::PathBuf;

use clap::Args;
use fastware_tasks::{By, TasksReport, Thresholds};

use crate::{Ctx, Done, Error, OutputArgs};

const EXAMPLES: &str = "\
Examples:
  fastware tasks rec.jsonl                     every task: busy, scheduled, idle, polls, wakes; findings
  fastware tasks rec.jsonl --by location       per spawn location (the task's name without one)
  fastware tasks rec.jsonl --blocking-poll 1   polls over 1 ms are blocking
  fastware tasks rec.jsonl --save before       keep it in the project's history (runs show before)
  fastware tasks rec.jsonl --profile app.perf  each blocking poll: what its thread ran meanwhile

Record with console-subscriber, built with RUSTFLAGS=\"--cfg tokio_unstable\":
  console_subscriber::ConsoleLayer::builder().recording_path(\"rec.jsonl\").init();
and, for --profile, run it under perf on the wall clock, with context switches:
  perf record -k realtime -e cpu-clock -e context-switches/period=1/ --call-graph dwarf -o app.perf -- ./app
or let fastware record it, kept by name:
  fastware profile --off-cpu --save served --bin app; fastware tasks rec.jsonl --profile served";

#[derive(Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct TasksCmd {
    /// A recording written by console-subscriber's recording_path
    #[arg(value_name = "RECORDING")]
    recording: PathBuf,
    /// Rows: one per task, or per spawn location
    #[arg(long, value_enum, default_value = "task")]
    by: By,
    /// A poll longer than this many milliseconds blocks its worker thread
    #[arg(long, value_name = "MS", default_value_t = 10.0)]
    blocking_poll: f64,
    /// A perf.data of the same run (`perf record -k realtime`), or a profile
    /// saved by `fastware profile --off-cpu --save NAME`: each blocking poll
    /// joined to what its thread was doing
    #[arg(long, value_name = "PERF.DATA|NAME")]
    profile: Option<PathBuf>,
    /// Keep the result in the project's history as NAME
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

pub fn run(ctx: &Ctx, cmd: &TasksCmd) -> Result<Done<TasksReport>, Error> {
    if !cmd.blocking_poll.is_finite() || cmd.blocking_poll <= 0.0 {
        return Err(crate::error::argument(format!(
            "--blocking-poll {}: a time in milliseconds above 0",
            cmd.blocking_poll
        ))
        .with_hint("e.g. --blocking-poll 10"));
    }
    if let Some(name) = &cmd.save {
        crate::saved::check(ctx, name)?;
    }
    let path = ctx.path(&cmd.recording);
    let recording = fastware_tasks::read(&path)?;
    let th = Thresholds { blocking_poll: (cmd.blocking_poll * 1e6).round() as i64, ..Thresholds::default() };
    let top = cmd.output.top.unwrap_or(25);
    let joined = match &cmd.profile {
        Some(file) => {
            let path = recording_of(ctx, file)?;
            let shown = file.display().to_string();
            let (profile, timeline) = fastware_profile::perf::read_timeline(&path)?;
            Some(
                fastware_tasks::join::join(&recording, &profile, &timeline, &shown, th.blocking_poll)
                    .map_err(|e| Error::from(e).at(&shown))?,
            )
        }
        None => None,
    };
    let report = TasksReport::new(&cmd.recording.display().to_string(), &recording, cmd.by, top, &th, joined);
    if let Some(name) = &cmd.save {
        let project = crate::args::SelectionArgs::default().project(ctx).map_err(|e| {
            crate::error::argument(format!("--save keeps the result in a cargo project's history: {}", e.message))
                .with_hint("run it in the project, or give --store FILE")
        })?;
        let id = crate::saved::keep(ctx, &project.workspace_root, &project.target_dir, name, &report)?;
        ctx.note(&format!("kept as run {id} `{name}`"));
    }
    Ok(Done::new(report, cmd.output.format))
}

/// The perf.data `--profile` names: a file, or the one kept with a profile
/// saved under that name in the project's history.
fn recording_of(ctx: &Ctx, arg: &std::path::Path) -> Result<PathBuf, Error> {
    let path = ctx.path(arg);
    if path.exists() {
        return Ok(path);
    }
    let name = arg.display().to_string();
    let missing = || {
        crate::error::not_found(format!("--profile {name}: no such file, and no profile saved under that name"))
            .with_hint("give a perf.data, or record one with `fastware profile --off-cpu --save NAME -- …`")
    };
    let Ok(project) = crate::args::SelectionArgs::default().project(ctx) else { return Err(missing()) };
    let Some(saved) =
        crate::saved::find::<fastware_profile::saved::SavedProfile>(ctx, &project.target_dir, &name, None)?
    else {
        return Err(missing());
    };
    match saved.recording() {
        Some(kept) if kept.is_file() => Ok(kept.to_path_buf()),
        Some(kept) => Err(crate::error::not_found(format!(
            "the profile `{name}` kept its perf.data at {}, which is gone",
            kept.display()
        ))
        .with_hint("record it again: fastware profile --off-cpu --save NAME -- …")),
        None => Err(crate::error::mismatch(format!(
            "the profile `{name}` was saved without its samples in time (read from a file, with callgrind, or by an earlier fastware)"
        ))
        .with_hint("give its perf.data, or record with `fastware profile --off-cpu --save NAME -- …`")),
    }
}
