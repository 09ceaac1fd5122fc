//! How fastware prints: readable tables on a terminal, CSV and JSON for
//! machines, numbers with units. Every command renders through here so all
//! of them look and behave alike.

pub mod cells;
pub mod error;
pub mod html;
pub mod output;
pub mod table;
pub mod units;

pub use error::InputError;
pub use output::OutputFile;
pub use table::{Align, Column, Table};

use std::io::{self, IsTerminal, Write};

/// Output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("unknown format '{s}' (expected table, json or csv)")),
        }
    }
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
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    writeln!(out)
}

/// True for the error a closed pipe (`| head`) gives; callers end quietly.
pub fn is_broken_pipe(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}
