//! Keeping each measuring command's run in the history: the one call a
//! command makes with its typed result ([`record`]), the store a command
//! reads ([`open`]), and the past runs a comparison reads for its noise
//! thresholds. A store that cannot be written never stops the command: the
//! result is printed, and a warning says why the run was not kept.

use std::path::Path;

use fastware_history::context::{Context, Machine};
use fastware_history::{Filter, NewRun, Run, RunInfo, Store};
use fastware_report::Kind;

use crate::{Ctx, Error};

/// The store to use: `--store`, else the project's default under its target
/// directory (`target_dir`, or the project around the command's directory).
pub fn location(ctx: &Ctx, target_dir: Option<&Path>) -> Result<String, Error> {
    if let Some(s) = &ctx.history.store {
        return Ok(s.clone());
    }
    let target = match target_dir {
        Some(t) => t.to_path_buf(),
        None => {
            fastware_cargo::project::locate(&ctx.tools.cargo(), None, &ctx.cwd)
                .map_err(|e| {
                    e.with_hint("the history is kept in a project's target directory: run this in the project, or give --store FILE")
                })?
                .target_dir
        }
    };
    Ok(fastware_history::store::default_location(&target).display().to_string())
}

/// Opens the store (`--store`, else the project's around the command's directory).
pub fn open(ctx: &Ctx) -> Result<Store, Error> {
    Store::open(&location(ctx, None)?)
}

/// Opens the store to read it, creating nothing: a `--store` that does not
/// exist is an error; a project's history not yet started reads as empty.
pub fn open_read(ctx: &Ctx) -> Result<Store, Error> {
    let at = location(ctx, None)?;
    let path = std::path::Path::new(at.strip_prefix("sqlite:").unwrap_or(&at));
    let url = fastware_history::store::is_url(&at);
    if ctx.history.store.is_none() && !url && !path.exists() {
        return Store::empty(&at);
    }
    if !url && std::fs::symlink_metadata(path).is_err() {
        return Err(crate::error::not_found(format!("no run history at {at}: nothing was recorded there")).with_hint(
            "check the path; a command that records (build, profile, bench …) with --store FILE starts one",
        ));
    }
    Store::open_read(&at)
}

/// Marks the store's files as inputs of this run (no output may replace
/// them), before anything is written; see [`fastware_history::store::protect`].
pub fn protect_store(ctx: &Ctx) -> Result<(), Error> {
    fastware_history::store::protect(&location(ctx, None)?);
    Ok(())
}

/// Keeps a run with its typed `result`, named `name` when given, unless
/// `--no-history`; returns its id. Failing to keep it is a warning, not an
/// error.
pub fn record<K: Kind>(ctx: &Ctx, project: &Path, target_dir: &Path, name: Option<&str>, result: &K) -> Option<i64> {
    record_at(ctx, &At { project, target_dir, commit: None }, name, result)
}

/// Where a run is kept and what it measured: the project, its target
/// directory (the store's default place), and the git revision measured
/// when it is not the working tree's (a side of `bench ab`).
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    pub project: &'a Path,
    pub target_dir: &'a Path,
    pub commit: Option<&'a str>,
}

/// [`record`] of a run kept [`At`] a given revision.
pub fn record_at<K: Kind>(ctx: &Ctx, at: &At<'_>, name: Option<&str>, result: &K) -> Option<i64> {
    if ctx.history.off {
        return None;
    }
    match record_or_fail_at(ctx, at, name, result) {
        Ok(id) => Some(id),
        Err(e) => {
            let hint = e.hint.as_deref().map(|h| format!("; {h}")).unwrap_or_default();
            ctx.warn(&format!("this run was not kept in the history: {e}{hint}"));
            None
        }
    }
}

/// [`record_at`], failing when the run cannot be kept.
pub fn record_or_fail_at<K: Kind>(ctx: &Ctx, at: &At<'_>, name: Option<&str>, result: &K) -> Result<i64, Error> {
    let argv: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut context = Context::capture(at.project, argv);
    if let Some(c) = at.commit {
        // the revision measured (unpacked from git: clean, whatever the
        // working tree is), or the commit saved bench binaries were built at
        let (commit, dirty) = c.strip_suffix("-dirty").map_or((c, false), |c| (c, true));
        context.git_commit = Some(commit.to_string());
        context.git_dirty = dirty;
    }
    let run = NewRun::of(K::COMMAND, name, context, result)?;
    let mut store = Store::open(&location(ctx, Some(at.target_dir))?)?;
    let id = store.record(&run)?;
    ctx.status(&format!("kept as run {id} in {} (fastware runs show {id})", store.location()));
    Ok(id)
}

/// How many past runs the noise thresholds read at most (the newest).
const PAST_RUNS: usize = 50;

/// The results of the past runs of `K` kept for this project on this
/// machine (the newest [`PAST_RUNS`], oldest first), leaving out the runs
/// `skip` names (the sides being compared). `None` without a store (none is
/// made for this), with `--no-history`, or when the store does not read (a
/// warning).
pub fn past_results<K: Kind>(ctx: &Ctx, target_dir: Option<&Path>, skip: &dyn Fn(&RunInfo) -> bool) -> Option<Vec<K>> {
    if ctx.history.off {
        return None;
    }
    let at = location(ctx, target_dir).ok()?;
    let is_url = fastware_history::store::is_url(&at);
    if !is_url && !Path::new(&at).is_file() {
        return None;
    }
    past_in(ctx, Store::open(&at), skip)
}

/// [`past_results`] from a store already open.
pub fn past_in<K: Kind>(ctx: &Ctx, store: Result<Store, Error>, skip: &dyn Fn(&RunInfo) -> bool) -> Option<Vec<K>> {
    if ctx.history.off {
        return None;
    }
    let read = || -> Result<Vec<K>, Error> {
        let mut store = store?;
        let filter = Filter { kind: Some(K::SCHEMA.into()), limit: PAST_RUNS, ..Default::default() };
        let mut infos = store.list(&filter)?;
        infos.reverse();
        let here = Machine::this();
        let mut kept = Vec::new();
        for info in infos.iter().filter(|i| !skip(i)) {
            let run: Run = store.get(info.id)?;
            let m = &run.context.machine;
            if (&m.hostname, &m.cpu, m.cores) != (&here.hostname, &here.cpu, here.cores) {
                continue;
            }
            if let Ok(r) = run.result_as::<K>() {
                kept.push(r);
            }
        }
        Ok(kept)
    };
    match read() {
        Ok(p) => Some(p),
        Err(e) => {
            ctx.warn(&format!("past runs not read for the noise thresholds: {e}"));
            None
        }
    }
}

/// Each benchmark's noise threshold from the past `bench` runs kept for
/// this project on this machine (see `fastware_bench::past`).
pub fn past_bench_noise(
    ctx: &Ctx,
    target_dir: Option<&Path>,
    skip: &dyn Fn(&RunInfo) -> bool,
) -> Option<fastware_bench::past::PastNoise> {
    let past: Vec<fastware_bench::saved::SavedResults> = past_results(ctx, target_dir, skip)?;
    Some(fastware_bench::past::PastNoise::from_runs(&past))
}
