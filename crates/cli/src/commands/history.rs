//! Keeping each measuring command's run in the history: the global
//! `--no-history` and `--store`, and the one call a command makes with its
//! typed result. A store that cannot be written never stops the command:
//! the result is printed, and a warning says why the run was not kept.

use std::path::Path;
use std::sync::OnceLock;

use fastware_history::context::Context;
use fastware_history::{NewRun, Store};

use crate::Error;

/// What the command line said about the history.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub off: bool,
    /// `--store` or `FASTWARE_STORE`: a SQLite file.
    pub store: Option<String>,
}

static CONFIG: OnceLock<Config> = OnceLock::new();

pub fn configure(c: Config) {
    let _ = CONFIG.set(c);
}

fn config() -> Config {
    CONFIG.get().cloned().unwrap_or_default()
}

/// The store to use: `--store`, else the project's default under its target directory.
pub fn location(target_dir: Option<&Path>) -> Result<String, Error> {
    if let Some(s) = config().store {
        return Ok(s);
    }
    let target = match target_dir {
        Some(t) => t.to_path_buf(),
        None => {
            let cwd = std::env::current_dir().map_err(|e| Error::failed(format!("no current directory: {e}")))?;
            fastware_cargo::project::locate(&super::cargo_program(), None, &cwd)
                .map_err(|e| {
                    e.with_hint("the history is kept in a project's target directory: run this in the project, or give --store FILE")
                })?
                .target_dir
        }
    };
    Ok(fastware_history::store::default_location(&target).display().to_string())
}

/// Opens the store (`--store`, else the project's around this directory).
pub fn open() -> Result<Store, Error> {
    Store::open(&location(None)?)
}

/// Marks the store's files as inputs of this run (no output may replace
/// them), before anything is written; see [`fastware_history::store::protect`].
pub fn protect_store() -> Result<(), Error> {
    fastware_history::store::protect(&location(None)?);
    Ok(())
}

/// Keeps a run of `command` with its typed `result`, named `name` when
/// given, unless `--no-history`; returns its id. Failing to keep it is a
/// warning, not an error.
pub fn record(
    project: &Path,
    target_dir: &Path,
    command: &str,
    name: Option<&str>,
    result: &impl fastware_report::Render,
) -> Option<i64> {
    if config().off {
        return None;
    }
    let kept = (|| -> Result<(i64, String), Error> {
        let argv: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
        let run = NewRun::of(command, name, Context::capture(project, argv), result)?;
        let mut store = Store::open(&location(Some(target_dir))?)?;
        Ok((store.record(&run)?, store.location().to_string()))
    })();
    match kept {
        Ok((id, at)) => {
            if fastware_report::stderr_is_terminal() {
                crate::note(&format!("kept as run {id} in {at} (fastware runs show {id})"));
            }
            Some(id)
        }
        Err(e) => {
            use std::io::Write;
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "warning: this run was not kept in the history: {e}");
            if let Some(h) = &e.hint {
                let _ = writeln!(err, "hint: {h}");
            }
            None
        }
    }
}

/// How many past bench runs the noise thresholds read at most (the newest).
const PAST_RUNS: usize = 50;

/// Each benchmark's noise threshold from the past `bench` runs kept for this
/// project on this machine (see `fastware_bench::past`), leaving out the
/// runs `skip` names (the sides being compared). `None` without a store (none
/// is made for this) or with `--no-history`; a store that does not read is a
/// warning, and the usual rules decide.
pub fn past_bench_noise(
    target_dir: Option<&Path>,
    skip: &dyn Fn(&fastware_history::RunInfo) -> bool,
) -> Option<fastware_bench::past::PastNoise> {
    if config().off {
        return None;
    }
    let at = location(target_dir).ok()?;
    let is_url = at.starts_with("postgres://") || at.starts_with("postgresql://");
    if !is_url && !Path::new(&at).is_file() {
        return None;
    }
    past_noise_in(Store::open(&at), skip)
}

/// [`past_bench_noise`] from a store already open.
pub fn past_noise_in(
    store: Result<Store, Error>,
    skip: &dyn Fn(&fastware_history::RunInfo) -> bool,
) -> Option<fastware_bench::past::PastNoise> {
    if config().off {
        return None;
    }
    let read = || -> Result<fastware_bench::past::PastNoise, Error> {
        let mut store = store?;
        let filter = fastware_history::Filter { command: Some("bench".into()), limit: PAST_RUNS, ..Default::default() };
        let mut infos = store.list(&filter)?;
        infos.reverse();
        let here = fastware_history::context::Machine::this();
        let mut series: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
        let mut runs = 0;
        for info in infos.iter().filter(|i| !skip(i)) {
            let run = store.get(info.id)?;
            let m = &run.context.machine;
            if (&m.hostname, &m.cpu, m.cores) != (&here.hostname, &here.cpu, here.cores) {
                continue;
            }
            let Ok(results) = run.result_as::<fastware_bench::saved::SavedResults>() else { continue };
            runs += 1;
            for b in &results.benchmarks {
                series.entry(b.name.clone()).or_default().push(b.estimate_us.0);
            }
        }
        Ok(fastware_bench::past::PastNoise::from_series(runs, &series))
    };
    match read() {
        Ok(p) => Some(p),
        Err(e) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr().lock(), "warning: past runs not read for the noise thresholds: {e}");
            None
        }
    }
}
