//! Where runs are kept. `Store::open` takes a location: a file path (an
//! embedded SQLite database, by default `<target-dir>/fastware/history.sqlite`)
//! or a `postgres://` URL (a team's server; the same tables). Every write is
//! one transaction, so several processes may record into one store at once
//! and a process killed mid-write leaves no partial run.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use fastware_report::Error;

use crate::context::Context;
use crate::run::{NewRun, Run, RunInfo};

/// What a kind of database does for the store; both keep the same tables
/// (`fastware_meta` with the schema version, `runs`).
pub(crate) trait Backend {
    fn insert(&mut self, run: &NewRun, result: &[u8], result_bytes: i64) -> Result<i64, Error>;
    fn list(&mut self, filter: &Filter) -> Result<Vec<RunInfo>, Error>;
    fn exists(&mut self, id: i64) -> Result<bool, Error>;
    fn by_name(&mut self, name: &str) -> Result<Option<i64>, Error>;
    /// The row, its context as JSON text, its compressed result.
    fn get(&mut self, id: i64) -> Result<(RunInfo, String, Vec<u8>), Error>;
    fn remove(&mut self, ids: &[i64]) -> Result<usize, Error>;
}

/// The schema this build writes and reads; a store with a newer one is refused.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// The refusal of a store whose schema is newer than this build's.
pub(crate) fn newer_schema(location: &str, version: i64) -> Error {
    Error::input(
        location,
        None,
        format!("this run history has schema version {version}; this fastware reads up to {SCHEMA_VERSION}"),
    )
    .with_hint("use a newer fastware with it, or another store (--store)")
}

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
    backend: Box<dyn Backend>,
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
            let shown = crate::postgres::without_password(location);
            let backend = crate::postgres::Postgres::open(location, &shown)?;
            return Ok(Store { backend: Box::new(backend), location: shown });
        }
        let path = Path::new(location.strip_prefix("sqlite:").unwrap_or(location));
        Ok(Store { backend: Box::new(crate::sqlite::Sqlite::open(path)?), location: path.display().to_string() })
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
    pub fn list(&mut self, filter: &Filter) -> Result<Vec<RunInfo>, Error> {
        self.backend.list(filter)
    }

    /// The run named by `which`: its id, its name, `last` (the newest), or
    /// `last~N` (the Nth before it) — among the runs of `command` when given.
    pub fn find(&mut self, which: &str, command: Option<&str>) -> Result<Run, Error> {
        let id = self.resolve(which, command)?;
        self.get(id)
    }

    /// The run with id `id` (one listed: [`Store::list`]).
    pub fn get(&mut self, id: i64) -> Result<Run, Error> {
        let (info, context, blob) = self.backend.get(id)?;
        let context: Context = serde_json::from_str(&context).map_err(|_| {
            Error::input(&self.location, None, format!("damaged run history: run {id}'s context does not read"))
        })?;
        let result = decompress(&blob).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).ok_or_else(|| {
            Error::input(&self.location, None, format!("damaged run history: run {id}'s result does not read"))
        })?;
        Ok(Run { schema: crate::run::RUN_SCHEMA.into(), info, context, result })
    }

    fn resolve(&mut self, which: &str, command: Option<&str>) -> Result<i64, Error> {
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
