//! Where runs are kept. `Store::open` takes a location: a file path (an
//! embedded SQLite database, by default `<target-dir>/fastware/history.sqlite`)
//! or a `postgres://` URL (a team's server; the same tables). Every write is
//! one transaction, so several processes may record into one store at once
//! and a process killed mid-write leaves no partial run.

use crate::HistoryError;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use fastware_report::Error;

use crate::context::Context;
use crate::run::{NewRun, Run, RunInfo};

/// What a kind of database does for the store; both keep the same tables
/// (`fastware_meta` with the schema version, `runs`).
pub(crate) trait Backend {
    /// Writes `rows` in one transaction, all or none. A row whose `uid` the
    /// store already keeps is not written again: its id comes back with
    /// `false` (not new).
    fn insert(&mut self, rows: &[Row<'_>]) -> Result<Vec<(i64, bool)>, Error>;
    fn list(&mut self, filter: &Filter) -> Result<Vec<RunInfo>, Error>;
    fn exists(&mut self, id: i64) -> Result<bool, Error>;
    /// The runs named `name`: their ids and commands, newest first.
    fn by_name(&mut self, name: &str) -> Result<Vec<(i64, String)>, Error>;
    /// The row, its context as JSON text, its compressed result.
    fn get(&mut self, id: i64) -> Result<(RunInfo, String, Vec<u8>), Error>;
    fn remove(&mut self, ids: &[i64]) -> Result<usize, Error>;
}

/// A run as written: the run, its identity, its context as JSON text and
/// its result compressed.
pub(crate) struct Row<'a> {
    pub run: &'a NewRun,
    pub uid: String,
    pub context: String,
    pub result: Vec<u8>,
    /// The result's size as JSON, before compression.
    pub result_bytes: i64,
}

impl Row<'_> {
    fn of(run: &NewRun) -> Result<Row<'_>, Error> {
        let serialize =
            |e: serde_json::Error| Error::from(fastware_report::output::OutputError::Serialize { why: e.to_string() });
        let context = serde_json::to_string(&run.context).map_err(serialize)?;
        let json = serde_json::to_vec(&run.result).map_err(serialize)?;
        let uid = run.uid.clone().unwrap_or_else(|| uid_of(&run.command, &context, &json));
        Ok(Row { run, uid, context, result: compress(&json)?, result_bytes: json.len() as i64 })
    }
}

/// A run's identity: a digest of what it holds — the command, the context
/// (which has the time it was recorded, the machine and the command line)
/// and the result. It is kept with the run and carried by `runs export`, so
/// an import of a run the store already holds is recognised and skipped.
/// Exports written before runs had one get the same digest of the same line.
pub(crate) fn uid_of(command: &str, context_json: &str, result_json: &[u8]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [command.as_bytes(), context_json.as_bytes(), result_json] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// [`uid_of`] a run kept before schema 2: its result decompressed (a
/// result that does not decompress is digested as it is stored).
pub(crate) fn uid_of_stored(command: &str, context_json: &str, blob: &[u8]) -> String {
    match decompress(blob) {
        Ok(json) => uid_of(command, context_json, &json),
        Err(_) => uid_of(command, context_json, blob),
    }
}

/// The schema this build writes and reads; a store with a newer one is refused.
/// 2: runs have a `uid`; a name is unique among one project's runs of one command.
pub(crate) const SCHEMA_VERSION: i64 = 2;

/// The refusal of a store whose schema is newer than this build's.
pub(crate) fn newer_schema(location: &str, version: i64) -> Error {
    Error::from(HistoryError::NewerSchema { version, reads: SCHEMA_VERSION }).at(location)
}

/// What [`Store::inspect`] found.
#[derive(Debug, Clone, Copy)]
pub struct Inspected {
    /// The file's schema version.
    pub schema: i64,
    /// The version this fastware writes.
    pub current: i64,
    pub runs: usize,
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

/// True when `location` names a PostgreSQL server, not an SQLite file.
pub fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// Marks a SQLite store's files (the database, its WAL, shared-memory and
/// journal files) as inputs of this run, so that no output replaces them,
/// `--force` or not. Nothing for a PostgreSQL URL.
pub fn protect(location: &str) {
    if is_url(location) {
        return;
    }
    let path = location.strip_prefix("sqlite:").unwrap_or(location);
    for suffix in ["", "-wal", "-shm", "-journal"] {
        fastware_report::output::protect(Path::new(&format!("{path}{suffix}")));
    }
}

impl Store {
    /// Opens (creating when missing) the store at `location`: a SQLite file path.
    pub fn open(location: &str) -> Result<Store, Error> {
        if is_url(location) {
            let shown = crate::postgres::without_password(location);
            let backend = crate::postgres::Postgres::open(location, &shown)?;
            return Ok(Store { backend: Box::new(backend), location: shown });
        }
        let path = Path::new(location.strip_prefix("sqlite:").unwrap_or(location));
        protect(location);
        Ok(Store { backend: Box::new(crate::sqlite::Sqlite::open(path)?), location: path.display().to_string() })
    }

    /// Opens the store at `location` to read it: an SQLite file must exist
    /// (nothing is created); see [`Store::open`].
    pub fn open_read(location: &str) -> Result<Store, Error> {
        if is_url(location) {
            return Store::open(location);
        }
        let path = Path::new(location.strip_prefix("sqlite:").unwrap_or(location));
        protect(location);
        Ok(Store { backend: Box::new(crate::sqlite::Sqlite::open_read(path)?), location: path.display().to_string() })
    }

    /// A SQLite store's schema and number of runs, read without changing
    /// the file (an older store stays as it is); `None` for a PostgreSQL URL.
    pub fn inspect(location: &str) -> Result<Option<Inspected>, Error> {
        if is_url(location) {
            return Ok(None);
        }
        let path = Path::new(location.strip_prefix("sqlite:").unwrap_or(location));
        crate::sqlite::Sqlite::inspect(path).map(Some)
    }

    /// An empty store in memory: what reading a project's history shows
    /// before anything was recorded there.
    pub fn empty(location: &str) -> Result<Store, Error> {
        Ok(Store { backend: Box::new(crate::sqlite::Sqlite::in_memory()?), location: location.to_string() })
    }

    /// Where it is, as the user would name it.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Records a run; returns its id.
    pub fn record(&mut self, run: &NewRun) -> Result<i64, Error> {
        let row = Row::of(run)?;
        Ok(self.backend.insert(std::slice::from_ref(&row))?[0].0)
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

    /// The newest run of `command` named `name`, if there is one.
    pub fn find_named(&mut self, name: &str, command: &str) -> Result<Option<Run>, Error> {
        let named = self.backend.by_name(name)?;
        match named.iter().find(|(_, c)| c == command) {
            Some((id, _)) => Ok(Some(self.get(*id)?)),
            None => Ok(None),
        }
    }

    /// The run with id `id` (one listed: [`Store::list`]).
    pub fn get(&mut self, id: i64) -> Result<Run, Error> {
        let (info, context, blob) = self.backend.get(id)?;
        let unreadable =
            |part: &str| Error::from(HistoryError::RunUnreadable { id, part: part.into() }).at(&self.location);
        let context: Context = serde_json::from_str(&context).map_err(|_| unreadable("context"))?;
        let result = decompress(&blob)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| unreadable("result"))?;
        Ok(Run { schema: crate::run::RUN_SCHEMA.into(), info, context, result })
    }

    fn resolve(&mut self, which: &str, command: Option<&str>) -> Result<i64, Error> {
        let back = if which == "last" {
            Some(0)
        } else {
            which
                .strip_prefix("last~")
                .map(|n| n.parse::<usize>().map_err(|_| Error::from(HistoryError::LastN { which: which.into() })))
                .transpose()?
        };
        if let Some(back) = back {
            let filter = Filter { command: command.map(str::to_string), limit: back + 1, ..Filter::default() };
            let runs = self.list(&filter)?;
            return runs.get(back).map(|r| r.id).ok_or_else(|| {
                HistoryError::NotThatMany { which: which.into(), held: runs.len(), of: of(command) }.into()
            });
        }
        if let Ok(id) = which.parse::<i64>() {
            if self.backend.exists(id)? {
                return Ok(id);
            }
        }
        let named = self.backend.by_name(which)?;
        let mut of_command = named.iter().filter(|(_, c)| command.is_none_or(|want| want == c));
        match (of_command.next(), of_command.next()) {
            (Some((id, _)), None) => Ok(*id),
            (Some(_), Some(_)) => {
                let commands: Vec<String> = named.iter().map(|(_, c)| c.clone()).collect();
                Err(HistoryError::Ambiguous { which: which.into(), commands, location: self.location.clone() }.into())
            }
            (None, _) => {
                Err(HistoryError::NoSuchRun { which: which.into(), of: of(command), location: self.location.clone() }
                    .into())
            }
        }
    }

    /// Removes runs (ids, names, `last`…); returns how many went.
    pub fn remove(&mut self, which: &[String]) -> Result<usize, Error> {
        let ids = which.iter().map(|w| self.resolve(w, None)).collect::<Result<Vec<_>, _>>()?;
        self.backend.remove(&ids)
    }

    /// Adds runs exported from a store (their ids are new here; names move
    /// to them as for a recorded run), all in one transaction: an import
    /// stopped half-way keeps none. A run the store already holds (the same
    /// `uid`: imported before, or exported from here) is skipped.
    pub fn import(&mut self, runs: &[Run]) -> Result<Imported, Error> {
        let new: Vec<NewRun> = runs
            .iter()
            .map(|r| NewRun {
                command: r.info.command.clone(),
                name: r.info.name.clone(),
                context: r.context.clone(),
                result: r.result.clone(),
                uid: r.info.uid.clone().filter(|u| !u.is_empty()),
            })
            .collect();
        let rows = new.iter().map(Row::of).collect::<Result<Vec<_>, _>>()?;
        let written = self.backend.insert(&rows)?;
        let added = written.iter().filter(|(_, new)| *new).map(|(id, _)| *id).collect::<Vec<_>>();
        Ok(Imported { skipped: written.len() - added.len(), added })
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The ids of the runs added.
    pub added: Vec<i64>,
    /// Runs the store already held, not added again.
    pub skipped: usize,
}

fn of(command: Option<&str>) -> String {
    command.map(|c| format!(" of `{c}`")).unwrap_or_default()
}

fn compress(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes)
        .and_then(|()| z.finish())
        .map_err(|e| crate::HistoryError::Compress { why: e.to_string() }.into())
}

fn decompress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}
