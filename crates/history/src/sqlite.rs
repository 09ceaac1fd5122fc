//! The embedded store: one SQLite file in WAL mode (readers never wait for
//! the writer; writers wait for each other up to a timeout), the schema
//! versioned in `fastware_meta`, each run written in one transaction.

use crate::HistoryError;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fastware_report::Error;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};

use crate::run::RunInfo;
use crate::store::{Backend, Filter, Row, SCHEMA_VERSION};

/// The columns of `runs` after the name, the same in every schema so far.
macro_rules! run_columns {
    () => {
        "command TEXT NOT NULL,
        kind TEXT NOT NULL,
        recorded_ms INTEGER NOT NULL,
        project TEXT NOT NULL,
        git_commit TEXT,
        git_dirty INTEGER NOT NULL,
        branch TEXT,
        context TEXT NOT NULL,
        result BLOB NOT NULL,
        result_bytes INTEGER NOT NULL"
    };
}

const MIGRATIONS: &[&str] = &[
    // 1: runs
    concat!(
        "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, ",
        run_columns!(),
        ");
        CREATE INDEX runs_by_command ON runs (command, recorded_ms);"
    ),
    // 2: each run's uid (filled in by `fill_uids`, then indexed: UID_INDEX);
    // names unique among one project's runs of one command, not store-wide
    // (SQLite drops a column's UNIQUE only by making the table anew)
    concat!(
        "CREATE TABLE runs_v2 (id INTEGER PRIMARY KEY AUTOINCREMENT, uid TEXT, name TEXT, ",
        run_columns!(),
        ");
        INSERT INTO runs_v2 (id, name, command, kind, recorded_ms, project, git_commit, git_dirty, branch, context, result, result_bytes)
            SELECT id, name, command, kind, recorded_ms, project, git_commit, git_dirty, branch, context, result, result_bytes FROM runs;
        UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'runs'), 0))
            WHERE name = 'runs_v2';
        DROP TABLE runs;
        ALTER TABLE runs_v2 RENAME TO runs;
        CREATE INDEX runs_by_command ON runs (command, recorded_ms);
        CREATE UNIQUE INDEX runs_by_name ON runs (project, command, name);"
    ),
];

/// Made once every run has its uid (migration 2).
const UID_INDEX: &str = "CREATE UNIQUE INDEX runs_by_uid ON runs (uid)";

pub(crate) struct Sqlite {
    conn: Connection,
    path: PathBuf,
}

const COLUMNS: &str = "id, name, command, kind, recorded_ms, project, git_commit, git_dirty, branch, result_bytes, uid";

fn info(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunInfo> {
    Ok(RunInfo {
        id: row.get(0)?,
        name: row.get(1)?,
        command: row.get(2)?,
        kind: row.get(3)?,
        recorded_ms: row.get(4)?,
        project: row.get(5)?,
        git_commit: row.get(6)?,
        git_dirty: row.get::<_, i64>(7)? != 0,
        branch: row.get(8)?,
        result_bytes: row.get(9)?,
        uid: row.get(10)?,
    })
}

impl Sqlite {
    pub(crate) fn open(path: &Path) -> Result<Sqlite, Error> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(&dir.display().to_string(), &e))?;
        }
        if path.is_dir() {
            return Err(
                Error::from(HistoryError::NotAFile { what: "a directory".into() }).at(&path.display().to_string())
            );
        }
        let conn = Connection::open(path).map_err(|e| db_error(path, e))?;
        let mut s = Sqlite { conn, path: path.to_path_buf() };
        s.conn.busy_timeout(Duration::from_secs(60)).map_err(|e| s.error(e))?;
        // another program's database is left exactly as it is (not even
        // switched to WAL)
        s.refuse_foreign()?;
        s.conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| s.error(e))?;
        s.conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| s.error(e))?;
        s.migrate()?;
        Ok(s)
    }

    pub(crate) fn in_memory() -> Result<Sqlite, Error> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| db_error(&path, e))?;
        let mut s = Sqlite { conn, path };
        s.migrate()?;
        Ok(s)
    }

    /// Opens an existing store for reading: nothing is created (no
    /// directory, no file, no journal next to a device), and a store in a
    /// directory this user cannot write is read as it is. A store of an
    /// older schema is brought up to date when it can be written.
    pub(crate) fn open_read(path: &Path) -> Result<Sqlite, Error> {
        let shown = path.display().to_string();
        let (s, version) = Sqlite::open_unchanged(path)?;
        match version {
            Some(v) if v == SCHEMA_VERSION => Ok(s),
            Some(v) if v > SCHEMA_VERSION => Err(crate::store::newer_schema(&shown, v)),
            // an older fastware's store: made current, as any command that records would
            Some(_) => {
                drop(s);
                Sqlite::open(path)
            }
            // named by one of its tables when it has any
            None => Err(s.refuse_foreign().err().unwrap_or_else(|| foreign(path, None))),
        }
    }

    /// The store's schema version and its number of runs, read without
    /// changing anything (an older store is not upgraded).
    pub(crate) fn inspect(path: &Path) -> Result<crate::store::Inspected, Error> {
        let (s, version) = Sqlite::open_unchanged(path)?;
        let Some(schema) = version else { return Err(foreign(path, None)) };
        let runs: i64 = s.conn.query_row("SELECT count(*) FROM runs", [], |r| r.get(0)).map_err(|e| s.error(e))?;
        Ok(crate::store::Inspected { schema, current: SCHEMA_VERSION, runs: runs.max(0) as usize })
    }

    /// Opens the file read-only, as it stands, with its schema version.
    fn open_unchanged(path: &Path) -> Result<(Sqlite, Option<i64>), Error> {
        use rusqlite::OpenFlags;
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| Error::io(&shown, &e))?;
        if !meta.is_file() {
            let what = if meta.is_dir() { "a directory" } else { "a device or pipe" };
            return Err(Error::from(HistoryError::NotAFile { what: what.into() }).at(&shown));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let opened = |conn: Connection| -> Result<(Sqlite, Option<i64>), rusqlite::Error> {
            let s = Sqlite { conn, path: path.to_path_buf() };
            s.conn.busy_timeout(Duration::from_secs(60))?;
            let version = s.version()?;
            Ok((s, version))
        };
        let (s, version) = match Connection::open_with_flags(path, flags).and_then(opened) {
            Ok(x) => x,
            // WAL needs its shared-memory file: in a directory this user
            // cannot write, read the file as it stands
            Err(e) if matches!(e.sqlite_error_code(), Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly)) => {
                let uri = format!("file:{}?immutable=1", uri_path(path));
                Connection::open_with_flags(uri, flags).and_then(opened).map_err(|e| db_error(path, e))?
            }
            Err(e) => return Err(db_error(path, e)),
        };
        Ok((s, version))
    }

    /// Refuses a database with tables and no `fastware_meta`: not a store.
    fn refuse_foreign(&self) -> Result<(), Error> {
        if self.version().map_err(|e| self.error(e))?.is_some() {
            return Ok(());
        }
        let table: Option<String> = self
            .conn
            .query_row("SELECT name FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.error(e))?;
        match table {
            None => Ok(()),
            Some(t) => Err(foreign(&self.path, Some(&t))),
        }
    }

    /// The schema version, or `None` for a database fastware never wrote
    /// (no `fastware_meta`, tables of its own or none).
    fn version(&self) -> Result<Option<i64>, rusqlite::Error> {
        let has_meta: bool = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'fastware_meta'",
            [],
            |r| r.get::<_, i64>(0).map(|n| n > 0),
        )?;
        if !has_meta {
            return Ok(None);
        }
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM fastware_meta WHERE key = 'schema_version'", [], |r| r.get(0))
            .optional()?;
        Ok(Some(v.and_then(|v| v.parse().ok()).unwrap_or(0)))
    }

    fn error(&self, e: rusqlite::Error) -> Error {
        db_error(&self.path, e)
    }

    fn migrate(&mut self) -> Result<(), Error> {
        let path = self.path.clone();
        let err = |e| db_error(&path, e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        tx.execute("CREATE TABLE IF NOT EXISTS fastware_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)", [])
            .map_err(err)?;
        let version: i64 = tx
            .query_row("SELECT value FROM fastware_meta WHERE key = 'schema_version'", [], |r| r.get::<_, String>(0))
            .optional()
            .map_err(err)?
            .map_or(Ok(0), |v| v.parse::<i64>())
            .map_err(|_| Error::from(HistoryError::SchemaUnreadable).at(&path.display().to_string()))?;
        if version > SCHEMA_VERSION {
            return Err(crate::store::newer_schema(&path.display().to_string(), version));
        }
        for (k, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(m).map_err(err)?;
            if k == 1 {
                fill_uids(&tx).map_err(err)?;
                tx.execute_batch(UID_INDEX).map_err(err)?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO fastware_meta (key, value) VALUES ('schema_version', ?1)",
                params![(k + 1).to_string()],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }
}

/// Gives every run of a store from before schema 2 its uid.
fn fill_uids(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let rows: Vec<(i64, String, String, Vec<u8>)> = {
        let mut st = tx.prepare("SELECT id, command, context, result FROM runs WHERE uid IS NULL")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, command, context, result) in rows {
        let uid = crate::store::uid_of_stored(&command, &context, &result);
        tx.execute("UPDATE runs SET uid = ?1 WHERE id = ?2", params![uid, id])?;
    }
    Ok(())
}

impl Backend for Sqlite {
    fn insert(&mut self, rows: &[Row<'_>]) -> Result<Vec<(i64, bool)>, Error> {
        let path = self.path.clone();
        let err = |e| db_error(&path, e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let mut written = Vec::with_capacity(rows.len());
        for row in rows {
            let kept: Option<i64> = tx
                .query_row("SELECT id FROM runs WHERE uid = ?1", params![row.uid], |r| r.get(0))
                .optional()
                .map_err(err)?;
            if let Some(id) = kept {
                written.push((id, false));
                continue;
            }
            let (run, c) = (row.run, &row.run.context);
            if let Some(name) = &run.name {
                tx.execute(
                    "UPDATE runs SET name = NULL WHERE name = ?1 AND project = ?2 AND command = ?3",
                    params![name, c.project, run.command],
                )
                .map_err(err)?;
            }
            tx.execute(
                "INSERT INTO runs (uid, name, command, kind, recorded_ms, project, git_commit, git_dirty, branch, context, result, result_bytes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    row.uid,
                    run.name,
                    run.command,
                    run.kind(),
                    c.recorded_ms,
                    c.project,
                    c.git_commit,
                    c.git_dirty as i64,
                    c.branch,
                    row.context,
                    row.result,
                    row.result_bytes
                ],
            )
            .map_err(err)?;
            written.push((tx.last_insert_rowid(), true));
        }
        tx.commit().map_err(err)?;
        Ok(written)
    }

    fn list(&mut self, f: &Filter) -> Result<Vec<RunInfo>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM runs
             WHERE (?1 IS NULL OR command = ?1) AND (?2 IS NULL OR kind = ?2)
               AND (?3 IS NULL OR branch = ?3) AND (?4 IS NULL OR recorded_ms >= ?4)
             ORDER BY recorded_ms DESC, id DESC LIMIT ?5"
        );
        let mut st = self.conn.prepare(&sql).map_err(|e| self.error(e))?;
        let limit = if f.limit == 0 { -1 } else { f.limit as i64 };
        let rows =
            st.query_map(params![f.command, f.kind, f.branch, f.since_ms, limit], info).map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.error(e))
    }

    fn exists(&mut self, id: i64) -> Result<bool, Error> {
        self.conn
            .query_row("SELECT 1 FROM runs WHERE id = ?1", params![id], |_| Ok(()))
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| self.error(e))
    }

    fn by_name(&mut self, name: &str) -> Result<Vec<(i64, String)>, Error> {
        let mut st = self
            .conn
            .prepare("SELECT id, command FROM runs WHERE name = ?1 ORDER BY recorded_ms DESC, id DESC")
            .map_err(|e| self.error(e))?;
        let rows = st.query_map(params![name], |r| Ok((r.get(0)?, r.get(1)?))).map_err(|e| self.error(e))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| self.error(e))
    }

    fn get(&mut self, id: i64) -> Result<(RunInfo, String, Vec<u8>), Error> {
        let sql = format!("SELECT {COLUMNS}, context, result FROM runs WHERE id = ?1");
        self.conn
            .query_row(&sql, params![id], |r| Ok((info(r)?, r.get::<_, String>(11)?, r.get::<_, Vec<u8>>(12)?)))
            .map_err(|e| self.error(e))
    }

    fn remove(&mut self, ids: &[i64]) -> Result<usize, Error> {
        let path = self.path.clone();
        let err = |e| db_error(&path, e);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(err)?;
        let mut n = 0;
        for id in ids {
            n += tx.execute("DELETE FROM runs WHERE id = ?1", params![id]).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(n)
    }
}

/// A SQLite error as fastware says it: a damaged file, a store locked past
/// the timeout, or SQLite's own message — with the file.
fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    let shown = path.display().to_string();
    let code = e.sqlite_error_code();
    match code {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
            Error::from(HistoryError::NotSqlite).at(&shown)
        }
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
            HistoryError::Locked { location: shown }.into()
        }
        Some(ErrorCode::ReadOnly) | Some(ErrorCode::CannotOpen) | Some(ErrorCode::PermissionDenied) => {
            HistoryError::CannotWrite { why: e.to_string(), location: shown }.into()
        }
        // SQLite's own message, on one line (an error in a statement
        // carries the statement's text)
        _ => HistoryError::Database { why: one_line(&e.to_string()), location: shown }.into(),
    }
}

/// The error for an SQLite file fastware did not write (`table`: one of its own).
fn foreign(path: &Path, table: Option<&str>) -> Error {
    Error::from(HistoryError::Foreign { table: table.map(str::to_string) }).at(&path.display().to_string())
}

fn one_line(text: &str) -> String {
    let first = text.lines().next().unwrap_or("").trim();
    match first.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &first[..i]),
        None => first.to_string(),
    }
}

/// `path` for an SQLite `file:` URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for c in abs.display().to_string().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}
