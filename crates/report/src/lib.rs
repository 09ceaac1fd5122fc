//! How fastware prints: readable tables on a terminal, CSV and JSON for
//! machines, numbers with units. Every command renders through here so all
//! of them look and behave alike.

pub mod cells;
pub mod finding;
pub mod html;
pub mod kind;
pub mod markdown;
pub mod parse;
pub mod table;
pub mod text;
pub mod units;

// what every library shares, re-exported for the ones that render
pub use fastware_core::{error, input, json, output};
pub use fastware_core::{free_later, Duration, Error, ErrorKind, FineDuration, OutputFile, Result, Typed};
pub use kind::{compared, emit_dyn, DiffContext, DynRender, Kind, Metric};
pub use table::{Align, Column, Table};
pub use text::Text;

/// An output format a result does not have (bad input).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// `--format csv` of a result of several tables.
    SeveralTables,
    /// `--format csv` of a result of several tables, one chosen by `choose`.
    ChooseOne { choose: String },
    /// `--format csv` of a result that is neither one table nor a list.
    TableOrJson { command: String },
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormatError::SeveralTables => f.write_str("--format csv writes one table; this result has several"),
            FormatError::ChooseOne { .. } => f.write_str("--format csv writes one table"),
            FormatError::TableOrJson { command } => write!(f, "fastware {command} writes a table or JSON"),
        }
    }
}

impl std::error::Error for FormatError {}

impl Typed for FormatError {
    fn fault(&self) -> ErrorKind {
        ErrorKind::BadInput
    }

    fn hint(&self) -> Option<String> {
        Some(match self {
            FormatError::ChooseOne { choose } => format!("choose it with {choose}"),
            _ => "use --format json".to_string(),
        })
    }
}

use std::io::{self, IsTerminal, Write};

/// Output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// A readable table
    #[default]
    Table,
    /// JSON, with stable field names (see the README's JSON convention)
    Json,
    /// CSV: one table
    Csv,
    /// Markdown for a pull-request comment: a compact table, what changed first
    Markdown,
}

/// A command's result, rendered for people (text) and machines (its one
/// table as CSV); its JSON is the type serialised.
pub trait Render: serde::Serialize {
    /// The readable report.
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()>;

    /// The one table that `--format csv` writes.
    fn csv(&self) -> Result<Table> {
        Err(FormatError::SeveralTables.into())
    }

    /// What `--format markdown` writes (a pull-request comment); by
    /// default the text report in a collapsed code block.
    fn markdown(&self) -> Result<String>
    where
        Self: Sized,
    {
        Ok(markdown::text_block("fastware", self))
    }

    /// The result drawn for a page (inline SVG above its text), when it
    /// has a picture of its own.
    fn html(&self) -> Option<String> {
        None
    }
}

/// A result's text report as the terminal shows it, without colour or width limit.
pub fn plain_text(result: &impl Render) -> String {
    let mut bytes = Vec::new();
    let _ = result.text(&mut Text::new(&mut bytes, None, false));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Writes `result` to stdout in `format`.
pub fn emit(result: &impl Render, format: Format, out: &mut dyn Write) -> Result<()> {
    match format {
        Format::Json => json::write(out, result)?,
        Format::Csv => result.csv()?.write_csv(out)?,
        Format::Table => result.text(&mut Text::stdout(out))?,
        Format::Markdown => out.write_all(result.markdown()?.as_bytes())?,
    }
    Ok(())
}

/// Width to fit tables into: the terminal's when stdout is one, else none.
pub fn terminal_width() -> Option<usize> {
    if !io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
}

/// True when stdout is a terminal that takes colour (`NO_COLOR` unset).
pub fn stdout_colour() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// True when notes and progress may go to stderr.
pub fn stderr_is_terminal() -> bool {
    io::stderr().is_terminal()
}

/// Writes pretty JSON and a final newline.
pub fn write_json(out: &mut dyn Write, value: &serde_json::Value) -> io::Result<()> {
    json::write(out, value)
}
