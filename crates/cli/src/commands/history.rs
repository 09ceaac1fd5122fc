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

/// Keeps a run of `command` with its typed `result`, named `name` when
/// given, unless `--no-history`. Failing to keep it is a warning, not an error.
pub fn record(
    project: &Path,
    target_dir: &Path,
    command: &str,
    name: Option<&str>,
    result: &impl fastware_report::Render,
) {
    if config().off {
        return;
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
        }
        Err(e) => {
            use std::io::Write;
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "warning: this run was not kept in the history: {e}");
            if let Some(h) = &e.hint {
                let _ = writeln!(err, "hint: {h}");
            }
        }
    }
}
