//! The team store: the same tables on a PostgreSQL server (`--store
//! postgres://user@host/db`), through the synchronous `postgres` client.
//! Migrations hold an advisory lock, so several first runs at once create
//! the tables once; each run is written in one transaction.

use crate::HistoryError;
use ::postgres::{Client, NoTls};
use fastware_report::Error;

use crate::run::RunInfo;
use crate::store::{Backend, Filter, Row, SCHEMA_VERSION};

const MIGRATIONS: &[&str] = &[
    // 1: runs
    "CREATE TABLE runs (
        id BIGSERIAL PRIMARY KEY,
        name TEXT UNIQUE,
        command TEXT NOT NULL,
        kind TEXT NOT NULL,
        recorded_ms BIGINT NOT NULL,
        project TEXT NOT NULL,
        git_commit TEXT,
        git_dirty BOOLEAN NOT NULL,
        branch TEXT,
        context TEXT NOT NULL,
        result BYTEA NOT NULL,
        result_bytes BIGINT NOT NULL
    );
    CREATE INDEX runs_by_command ON runs (command, recorded_ms);",
    // 2: each run's uid (filled in by `fill_uids`, then indexed: UID_INDEX);
    // names unique among one project's runs of one command, not store-wide
    "ALTER TABLE runs ADD COLUMN uid TEXT;
    ALTER TABLE runs DROP CONSTRAINT runs_name_key;
    CREATE UNIQUE INDEX runs_by_name ON runs (project, command, name);",
];

/// Made once every run has its uid (migration 2).
const UID_INDEX: &str = "CREATE UNIQUE INDEX runs_by_uid ON runs (uid)";

/// An arbitrary constant naming fastware's migration lock.
const MIGRATION_LOCK: i64 = 0x6661_7374_7761_7265;

pub(crate) struct Postgres {
    client: Client,
    shown: String,
}

/// The URL as shown in messages: without its password.
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    match auth.map(|a| a.split_once(':').map_or(a, |(user, _)| user)) {
        Some(user) => format!("{scheme}://{user}@{host}"),
        None => url.to_string(),
    }
}

const COLUMNS: &str = "id, name, command, kind, recorded_ms, project, git_commit, git_dirty, branch, result_bytes, uid";

fn info(r: &::postgres::Row) -> RunInfo {
    RunInfo {
        id: r.get(0),
        name: r.get(1),
        command: r.get(2),
        kind: r.get(3),
        recorded_ms: r.get(4),
        project: r.get(5),
        git_commit: r.get(6),
        git_dirty: r.get(7),
        branch: r.get(8),
        result_bytes: r.get(9),
        uid: r.get(10),
    }
}

impl Postgres {
    pub(crate) fn open(url: &str, shown: &str) -> Result<Postgres, Error> {
        let client = Client::connect(url, NoTls)
            .map_err(|e| Error::from(HistoryError::Unreachable { location: shown.to_string(), why: reason(&e) }))?;
        let mut p = Postgres { client, shown: shown.to_string() };
        p.migrate()?;
        Ok(p)
    }

    fn error(&self, e: ::postgres::Error) -> Error {
        database(&self.shown, &e)
    }

    fn migrate(&mut self) -> Result<(), Error> {
        let shown = self.shown.clone();
        let err = |e: ::postgres::Error| database(&shown, &e);
        let mut tx = self.client.transaction().map_err(err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(err)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS fastware_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            .map_err(err)?;
        let version = tx
            .query_opt("SELECT value FROM fastware_meta WHERE key = 'schema_version'", &[])
            .map_err(err)?
            .map(|r| r.get::<_, String>(0).parse::<i64>())
            .transpose()
            .map_err(|_| Error::from(HistoryError::SchemaUnreadable).at(&shown))?
            .unwrap_or(0);
        if version > SCHEMA_VERSION {
            return Err(crate::store::newer_schema(&shown, version));
        }
        for (k, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(m).map_err(err)?;
            if k == 1 {
                fill_uids(&mut tx).map_err(err)?;
                tx.batch_execute(UID_INDEX).map_err(err)?;
            }
            tx.execute(
                "INSERT INTO fastware_meta (key, value) VALUES ('schema_version', $1)
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&(k + 1).to_string()],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }
}

/// The server's own message when it sent one, else the client's.
fn reason(e: &::postgres::Error) -> String {
    e.as_db_error().map_or_else(|| e.to_string(), |d| d.message().to_string())
}

/// Gives every run of a store from before schema 2 its uid.
fn fill_uids(tx: &mut ::postgres::Transaction<'_>) -> Result<(), ::postgres::Error> {
    let rows = tx.query("SELECT id, command, context, result FROM runs WHERE uid IS NULL", &[])?;
    for r in rows {
        let (id, command, context, result): (i64, String, String, Vec<u8>) = (r.get(0), r.get(1), r.get(2), r.get(3));
        let uid = crate::store::uid_of_stored(&command, &context, &result);
        tx.execute("UPDATE runs SET uid = $1 WHERE id = $2", &[&uid, &id])?;
    }
    Ok(())
}

/// A failure of the server, its reason on one line.
fn database(shown: &str, e: &::postgres::Error) -> Error {
    crate::HistoryError::Database { why: reason(e), location: shown.to_string() }.into()
}

impl Backend for Postgres {
    fn insert(&mut self, rows: &[Row<'_>]) -> Result<Vec<(i64, bool)>, Error> {
        let shown = self.shown.clone();
        let err = |e: ::postgres::Error| database(&shown, &e);
        let mut tx = self.client.transaction().map_err(err)?;
        let mut written = Vec::with_capacity(rows.len());
        for row in rows {
            let kept = tx.query_opt("SELECT id FROM runs WHERE uid = $1", &[&row.uid]).map_err(err)?;
            if let Some(r) = kept {
                written.push((r.get(0), false));
                continue;
            }
            let (run, c) = (row.run, &row.run.context);
            if let Some(name) = &run.name {
                tx.execute(
                    "UPDATE runs SET name = NULL WHERE name = $1 AND project = $2 AND command = $3",
                    &[name, &c.project, &run.command],
                )
                .map_err(err)?;
            }
            let inserted = tx
                .query_one(
                    "INSERT INTO runs (uid, name, command, kind, recorded_ms, project, git_commit, git_dirty, branch, context, result, result_bytes)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                    &[
                        &row.uid,
                        &run.name,
                        &run.command,
                        &run.kind(),
                        &c.recorded_ms,
                        &c.project,
                        &c.git_commit,
                        &c.git_dirty,
                        &c.branch,
                        &row.context,
                        &row.result,
                        &row.result_bytes,
                    ],
                )
                .map_err(err)?;
            written.push((inserted.get(0), true));
        }
        tx.commit().map_err(err)?;
        Ok(written)
    }

    fn list(&mut self, f: &Filter) -> Result<Vec<RunInfo>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM runs
             WHERE ($1::TEXT IS NULL OR command = $1) AND ($2::TEXT IS NULL OR kind = $2)
               AND ($3::TEXT IS NULL OR branch = $3) AND ($4::BIGINT IS NULL OR recorded_ms >= $4)
             ORDER BY recorded_ms DESC, id DESC LIMIT $5"
        );
        let limit: Option<i64> = (f.limit > 0).then_some(f.limit as i64);
        let rows = self
            .client
            .query(&sql, &[&f.command, &f.kind, &f.branch, &f.since_ms, &limit])
            .map_err(|e| self.error(e))?;
        Ok(rows.iter().map(info).collect())
    }

    fn exists(&mut self, id: i64) -> Result<bool, Error> {
        let r = self.client.query_opt("SELECT 1 FROM runs WHERE id = $1", &[&id]).map_err(|e| self.error(e))?;
        Ok(r.is_some())
    }

    fn by_name(&mut self, name: &str) -> Result<Vec<(i64, String)>, Error> {
        let rows = self
            .client
            .query("SELECT id, command FROM runs WHERE name = $1 ORDER BY recorded_ms DESC, id DESC", &[&name])
            .map_err(|e| self.error(e))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn get(&mut self, id: i64) -> Result<(RunInfo, String, Vec<u8>), Error> {
        let sql = format!("SELECT {COLUMNS}, context, result FROM runs WHERE id = $1");
        let r = self.client.query_one(&sql, &[&id]).map_err(|e| self.error(e))?;
        Ok((info(&r), r.get(11), r.get(12)))
    }

    fn remove(&mut self, ids: &[i64]) -> Result<usize, Error> {
        let n = self.client.execute("DELETE FROM runs WHERE id = ANY($1)", &[&ids]).map_err(|e| self.error(e))?;
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(super::without_password("postgres://ci:s3cret@db:5432/runs"), "postgres://ci@db:5432/runs");
        assert_eq!(super::without_password("postgres://ci@db/runs"), "postgres://ci@db/runs");
        assert_eq!(super::without_password("postgresql://db/runs"), "postgresql://db/runs");
    }
}
