//! Where runs are kept. `Store::open` takes a location: a file path (an
//! embedded SQLite database, by default `<target-dir>/fastware/history.sqlite`).
//! Every write is one transaction, so several processes may record into one
//! store at once and a process killed mid-write leaves no partial run.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use fastware_report::Error;

use crate::run::{NewRun, Run, RunInfo};
use crate::sqlite::Sqlite;

/// Which runs to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub command: Option<String>,
    pub kind: Option<String>,
    pub branch: Option<String>,
    /// Recorded at or after, Unix milliseconds.
    pub since_ms: Option<i64>,
    /// At most this many, newest first (0: all).
    pub limit: usize,
}

/// A run store.
pub struct Store {
    backend: Sqlite,
    location: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("location", &self.location).finish()
    }
}

/// The default store of a project whose target directory is `target_dir`.
pub fn default_location(target_dir: &Path) -> PathBuf {
    target_dir.join("fastware").join("history.sqlite")
}

impl Store {
    /// Opens (creating when missing) the store at `location`: a SQLite file path.
    pub fn open(location: &str) -> Result<Store, Error> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            return Err(Error::bad_input("PostgreSQL stores are not supported by this build of fastware yet")
                .with_hint("use a SQLite file (the default: <target-dir>/fastware/history.sqlite)"));
        }
        let path = Path::new(location.strip_prefix("sqlite:").unwrap_or(location));
        Ok(Store { backend: Sqlite::open(path)?, location: path.display().to_string() })
    }

    /// Where it is, as the user would name it.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Records a run; returns its id.
    pub fn record(&mut self, run: &NewRun) -> Result<i64, Error> {
        let result = compress(&serde_json::to_vec(&run.result).map_err(|e| Error::failed(e.to_string()))?)?;
        self.backend.insert(run, &result, serde_json::to_string(&run.result).map_or(0, |s| s.len() as i64))
    }

    /// Runs, newest first.
    pub fn list(&self, filter: &Filter) -> Result<Vec<RunInfo>, Error> {
        self.backend.list(filter)
    }

    /// The run named by `which`: its id, its name, `last` (the newest), or
    /// `last~N` (the Nth before it) — among the runs of `command` when given.
    pub fn find(&self, which: &str, command: Option<&str>) -> Result<Run, Error> {
        let id = self.resolve(which, command)?;
        let (info, context, blob) = self.backend.get(id)?;
        let result = decompress(&blob).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).ok_or_else(|| {
            Error::input(&self.location, None, format!("damaged run history: run {id}'s result does not read"))
        })?;
        Ok(Run { schema: crate::run::RUN_SCHEMA.into(), info, context, result })
    }

    fn resolve(&self, which: &str, command: Option<&str>) -> Result<i64, Error> {
        let back = if which == "last" {
            Some(0)
        } else {
            which
                .strip_prefix("last~")
                .map(|n| {
                    n.parse::<usize>().map_err(|_| Error::bad_input(format!("`{which}`: last~N takes a whole number")))
                })
                .transpose()?
        };
        if let Some(back) = back {
            let filter = Filter { command: command.map(str::to_string), limit: back + 1, ..Filter::default() };
            let runs = self.list(&filter)?;
            return runs.get(back).map(|r| r.id).ok_or_else(|| {
                Error::bad_input(format!("`{which}`: the store holds {} run(s){}", runs.len(), of(command)))
            });
        }
        if let Ok(id) = which.parse::<i64>() {
            if self.backend.exists(id)? {
                return Ok(id);
            }
        }
        self.backend.by_name(which)?.ok_or_else(|| {
            Error::bad_input(format!("no run `{which}` in {}", self.location))
                .with_hint("fastware runs list shows the runs kept, with their ids and names")
        })
    }

    /// Removes runs (ids, names, `last`…); returns how many went.
    pub fn remove(&mut self, which: &[String]) -> Result<usize, Error> {
        let ids = which.iter().map(|w| self.resolve(w, None)).collect::<Result<Vec<_>, _>>()?;
        self.backend.remove(&ids)
    }

    /// Adds runs exported from a store (their ids are new here; names move
    /// to them as for a recorded run). Each run is its own transaction.
    pub fn import(&mut self, runs: &[Run]) -> Result<Vec<i64>, Error> {
        runs.iter()
            .map(|r| {
                let new = NewRun {
                    command: r.info.command.clone(),
                    name: r.info.name.clone(),
                    context: r.context.clone(),
                    result: r.result.clone(),
                };
                self.record(&new)
            })
            .collect()
    }
}

fn of(command: Option<&str>) -> String {
    command.map(|c| format!(" of `{c}`")).unwrap_or_default()
}

fn compress(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).and_then(|()| z.finish()).map_err(|e| Error::failed(format!("compressing a result: {e}")))
}

fn decompress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}
