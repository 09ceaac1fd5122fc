//! A kept run: the command's typed result (as JSON) and what it was
//! measured on.

use crate::HistoryError;
use serde::{Deserialize, Serialize};

use crate::context::Context;

/// A run about to be recorded.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// The command that measured (`build`, `bench`, `profile` …).
    pub command: String,
    /// `--save NAME`: the run's name (moved from an older run that had it).
    pub name: Option<String>,
    pub context: Context,
    /// The typed result, serialised; its `schema` field names its kind.
    pub result: serde_json::Value,
    /// Its identity when it has one already (an imported run); else one is
    /// made from what it holds.
    pub uid: Option<String>,
}

impl NewRun {
    /// A run of `command` whose result is `result` (any typed result).
    pub fn of(
        command: &str,
        name: Option<&str>,
        context: Context,
        result: &impl Serialize,
    ) -> Result<NewRun, fastware_report::Error> {
        let result = fastware_report::output::to_json_value(result)?;
        Ok(NewRun { command: command.into(), name: name.map(str::to_string), context, result, uid: None })
    }

    /// The result's kind: its `schema` field (`fastware/build/1`), else the command.
    pub fn kind(&self) -> String {
        kind_of(&self.result).unwrap_or_else(|| self.command.clone())
    }
}

/// The `schema` of a typed result (`RunReport` of bench is a one-field tuple: its inner schema).
pub fn kind_of(result: &serde_json::Value) -> Option<String> {
    result.get("schema").and_then(|s| s.as_str()).map(str::to_string)
}

/// A run's row in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub id: i64,
    pub name: Option<String>,
    pub command: String,
    /// The result's schema (`fastware/build/1`).
    pub kind: String,
    /// When it was recorded, Unix milliseconds.
    pub recorded_ms: i64,
    pub project: String,
    pub git_commit: Option<String>,
    pub git_dirty: bool,
    pub branch: Option<String>,
    /// The result's size as JSON, before compression.
    pub result_bytes: i64,
    /// The run's identity, kept across export and import (absent from
    /// exports of fastware before schema 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

/// A whole kept run: its row, what it ran on, and its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub schema: String,
    #[serde(flatten)]
    pub info: RunInfo,
    pub context: Context,
    pub result: serde_json::Value,
}

pub const RUN_SCHEMA: &str = "fastware/run/1";

impl Run {
    /// The result as indented JSON (for kinds a page has no view of).
    pub fn result_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.result).unwrap_or_default()
    }

    /// The result as its own type, or an error naming the run and its kind.
    pub fn result_as<K: fastware_report::Kind>(&self) -> Result<K, fastware_report::Error> {
        K::from_kept(&self.info.kind, self.result.clone()).map_err(|e| {
            crate::HistoryError::ResultUnreadable { id: self.info.id, kind: self.info.kind.clone(), why: e.to_string() }
                .into()
        })
    }
}

/// Runs as JSON lines (`runs export`).
pub fn write_lines(runs: &[Run], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    for r in runs {
        serde_json::to_writer(&mut *out, r)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Runs from JSON lines (`runs import`); `shown` names the input in errors,
/// with the line at fault.
pub fn read_lines(input: impl std::io::BufRead, shown: &str) -> Result<Vec<Run>, fastware_report::Error> {
    use fastware_report::Error;
    let mut runs = Vec::new();
    for (k, line) in input.lines().enumerate() {
        let line = line.map_err(|e| Error::io(shown, &e))?;
        if line.trim().is_empty() {
            continue;
        }
        let run: Run = serde_json::from_str(&line).map_err(|e| {
            Error::from(HistoryError::NotAnExport { why: e.to_string(), at: format!("{shown}:{}", k + 1) })
        })?;
        if run.schema != RUN_SCHEMA {
            return Err(HistoryError::ExportSchema {
                schema: run.schema.clone(),
                at: format!("{shown}:{}", k + 1),
                reads: RUN_SCHEMA.into(),
            }
            .into());
        }
        runs.push(run);
    }
    Ok(runs)
}
