//! What can be wrong with a run history or the runs asked of it, as values;
//! matched through [`fastware_report::Error::typed`]. A store given that is
//! not one, damaged or newer, an export that does not read, and a run that
//! is not there are bad input (exit 2); a store locked, unwritable or
//! unreachable is a failed run (exit 1).

use fastware_report::{ErrorKind, Typed};

/// Why the run history, or a run asked of it, could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// `what`: "a directory", "a device or pipe".
    #[error("{what}, not a run history file")]
    NotAFile { what: String },
    #[error("damaged run history: not a readable SQLite database")]
    NotSqlite,
    /// An SQLite database fastware did not write (`table`: one of its own).
    #[error("not a fastware run history: an SQLite database {}", match .table { Some(t) => format!("with tables of its own (`{t}`)"), None => "without its tables".to_string() })]
    Foreign { table: Option<String> },
    #[error("damaged run history: its schema version does not read")]
    SchemaUnreadable,
    #[error("this run history has schema version {version}; this fastware reads up to {reads}")]
    NewerSchema { version: i64, reads: i64 },
    /// A kept run whose `part` (context, result) does not read.
    #[error("damaged run history: run {id}'s {part} does not read")]
    RunUnreadable { id: i64, part: String },
    /// A line of a `runs import` file that is not a run (`at`: file:line).
    #[error("not a run exported by fastware: {why} ({at})")]
    NotAnExport { why: String, at: String },
    #[error("a run of schema {schema} ({at}); this fastware reads {reads}")]
    ExportSchema { schema: String, at: String, reads: String },
    #[error("`{which}`: last~N takes a whole number")]
    LastN { which: String },
    /// `last~N` past the runs there are (`of`: " of `bench`" or empty).
    #[error("`{which}`: the store holds {held} run(s){of}")]
    NotThatMany { which: String, held: usize, of: String },
    #[error("`{which}` names runs of several commands ({}) in {location}", .commands.join(", "))]
    Ambiguous { which: String, commands: Vec<String>, location: String },
    #[error("no run `{which}`{of} in {location}")]
    NoSuchRun { which: String, of: String, location: String },
    #[error("the run history is locked by another process ({location})")]
    Locked { location: String },
    #[error("cannot write the run history: {why} ({location})")]
    CannotWrite { why: String, location: String },
    #[error("cannot reach the run history at {location}: {why}")]
    Unreachable { location: String, why: String },
    /// Any other failure of the database (its own message, on one line).
    #[error("run history: {why} ({location})")]
    Database { why: String, location: String },
    /// `--since` neither an age nor a real date.
    #[error("--since {text}: neither an age (7d, 12h, 30m) nor a date (2026-12-01)")]
    BadSince { text: String },
    /// A kept result this fastware cannot read as its kind's type.
    #[error("run {id}'s {kind} result does not read with this fastware: {why}")]
    ResultUnreadable { id: i64, kind: String, why: String },
    /// Compressing a result before it is kept.
    #[error("compressing a result: {why}")]
    Compress { why: String },
}

impl Typed for HistoryError {
    fn fault(&self) -> ErrorKind {
        match self {
            HistoryError::Locked { .. }
            | HistoryError::CannotWrite { .. }
            | HistoryError::Unreachable { .. }
            | HistoryError::Database { .. }
            | HistoryError::ResultUnreadable { .. }
            | HistoryError::Compress { .. } => ErrorKind::Failed,
            _ => ErrorKind::BadInput,
        }
    }

    fn hint(&self) -> Option<String> {
        Some(
            match self {
                HistoryError::NotSqlite => {
                    "move the file away (a new history starts) or give another with --store FILE"
                }
                HistoryError::Foreign { .. } => {
                    "give another file with --store FILE; fastware leaves this one as it is"
                }
                HistoryError::NewerSchema { .. } => "use a newer fastware with it, or another store (--store)",
                HistoryError::NotAnExport { .. } => "runs import reads the JSON lines `fastware runs export` writes",
                HistoryError::Ambiguous { .. } => "say which with --command, e.g. --command bench",
                HistoryError::NoSuchRun { .. } => "fastware runs list shows the runs kept, with their ids and names",
                HistoryError::Unreachable { .. } => {
                    "is the server up, and the URL's user, host, port and database right?"
                }
                _ => return None,
            }
            .into(),
        )
    }
}
