//! The results of `asm`, `inline`, `size` and `diff` as values: `--format
//! json` is each serialised; each renders itself as text and CSV.
//!
//! - [`listing`]: one function's machine code (`asm`);
//! - [`verdict`]: was it inlined (`inline`);
//! - [`sizes`]: code size, and its change against another build (`size`);
//! - [`changes`]: functions changed between builds, and one function's
//!   instructions side by side (`diff`);
//! - [`Matches`]: several functions match a pattern: which to pick.

pub mod changes;
pub mod listing;
pub mod sizes;
pub mod verdict;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use fastware_report::{cells, Column, Render, Table, Text};

use crate::binary::Binary;
use crate::inline::Candidate;
use crate::select::Found;

pub use changes::{FunctionDiffReport, WholeDiffReport};
pub use listing::AsmReport;
pub use sizes::{SizeDiffReport, SizeReport};
pub use verdict::InlineReport;

/// A source path as people read it: relative to this directory, the Rust
/// library's without the compiler's build path, a crate's from its name.
pub fn short_path(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("/rustc/") {
        if let Some(i) = rest.find('/') {
            return format!("<rust>/{}", &rest[i + 1..]);
        }
    }
    if let Some(i) = path.find("/registry/src/") {
        let rest = &path[i + "/registry/src/".len()..];
        if let Some(j) = rest.find('/') {
            return rest[j + 1..].to_string();
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rel) = Path::new(path).strip_prefix(&cwd) {
            return rel.display().to_string();
        }
    }
    path.to_string()
}

/// One function that matched, with the cells and fields it is listed with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Match {
    pub index: usize,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The row as the table shows it: (text, CSV) per column.
    pub cells: Vec<(String, String)>,
}

/// Several functions match the pattern: each with the index to pick it by
/// (schema `fastware/matches/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Matches {
    pub schema: String,
    pub file: PathBuf,
    pub origin: String,
    pub columns: Vec<Column>,
    pub matches: Vec<Match>,
}

impl Matches {
    /// `columns` are the table's, after the index; each row is its cells
    /// and its JSON fields.
    pub fn new<T: Serialize>(
        file: &Path,
        origin: &str,
        columns: Vec<Column>,
        rows: impl IntoIterator<Item = (Vec<(String, String)>, T)>,
    ) -> Matches {
        let matches = rows
            .into_iter()
            .enumerate()
            .map(|(index, (cells, fields))| Match {
                index,
                fields: match serde_json::to_value(fields) {
                    Ok(serde_json::Value::Object(m)) => m,
                    _ => serde_json::Map::new(),
                },
                cells,
            })
            .collect();
        Matches {
            schema: "fastware/matches/1".into(),
            file: file.to_path_buf(),
            origin: origin.into(),
            columns,
            matches,
        }
    }

    /// Functions of `b` that `asm`'s pattern matched.
    pub fn functions(b: &Binary, origin: &str, found: &[Found]) -> Matches {
        #[derive(Serialize)]
        struct Function<'a> {
            name: &'a str,
            raw: &'a str,
            address: u64,
            size: u64,
        }
        let columns = vec![
            Column::right("size", "size"),
            Column::right("address", "address"),
            Column::left("function", "function"),
        ];
        let rows = found.iter().map(|f| {
            let address = f.sym.address - b.display_base(f.sym.address);
            (
                vec![cells::count(f.sym.size), address_cell(address), cells::text(&f.name)],
                Function { name: &f.name, raw: &f.sym.raw, address, size: f.sym.size },
            )
        });
        Matches::new(&b.path, origin, columns, rows)
    }

    /// Functions that `inline`'s pattern matched, with their copies and inlined places.
    pub fn candidates(b: &Binary, origin: &str, candidates: &[Candidate]) -> Matches {
        #[derive(Serialize)]
        struct Function<'a> {
            function: &'a str,
            copies: usize,
            inlined_places: usize,
        }
        let columns = vec![
            Column::right("copies", "copies"),
            Column::right("inlined", "inlined_places"),
            Column::left("function", "function"),
        ];
        let rows = candidates.iter().map(|c| {
            (
                vec![cells::count(c.copies.len() as u64), cells::count(c.places.len() as u64), cells::text(&c.key)],
                Function { function: &c.key, copies: c.copies.len(), inlined_places: c.places.len() },
            )
        });
        Matches::new(&b.path, origin, columns, rows)
    }

    fn table(&self) -> Table {
        let mut all = vec![Column::right("index", "index")];
        all.extend(self.columns.iter().cloned());
        let mut t = Table::new(all);
        for m in &self.matches {
            let mut row = vec![cells::count(m.index as u64)];
            row.extend(m.cells.iter().cloned());
            t.row(row);
        }
        t
    }
}

impl Render for Matches {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!("{} functions match in {}; give the INDEX of one:", self.matches.len(), self.origin))?;
        out.table(&self.table())
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.table())
    }
}

/// An address as shown: hex to read, decimal for CSV.
fn address_cell(a: u64) -> (String, String) {
    (format!("{a:#x}"), a.to_string())
}
