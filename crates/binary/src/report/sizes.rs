//! `fastware size`: code size by function, crate, generic set or section,
//! and its change against another build.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use fastware_report::units::bytes;
use fastware_report::{cells, Column, Render, Table, Text};

use crate::binary::Binary;
use crate::size::{SizeBy, SizeChange, SizeRow};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub bytes: u64,
    pub count: u64,
}

/// What shares are of: code in functions, or the sections' sum.
fn total(b: &Binary, by: SizeBy) -> u64 {
    match by {
        SizeBy::Section => b.sections.iter().map(|s| s.size).sum(),
        _ => b.function_bytes(),
    }
}

fn count_title(by: SizeBy) -> &'static str {
    match by {
        SizeBy::GenericSet => "copies",
        SizeBy::Section => "sections",
        _ => "symbols",
    }
}

/// `fastware size` (schema `fastware/size/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SizeReport {
    pub schema: String,
    pub file: PathBuf,
    pub origin: String,
    pub kind: String,
    pub by: SizeBy,
    pub functions: usize,
    pub function_bytes: u64,
    /// The file's size on disk.
    pub file_bytes: u64,
    /// What the shares are of.
    pub total_bytes: u64,
    /// Every row, largest first (the text shows `top`).
    pub rows: Vec<Row>,
    #[serde(skip)]
    pub top: usize,
}

impl SizeReport {
    pub fn new(b: &Binary, origin: &str, by: SizeBy, rows: &[SizeRow], top: usize) -> SizeReport {
        SizeReport {
            schema: "fastware/size/1".into(),
            file: b.path.clone(),
            origin: origin.into(),
            kind: b.kind.name().into(),
            by,
            functions: b.functions.len(),
            function_bytes: b.function_bytes(),
            file_bytes: std::fs::metadata(&b.path).map(|m| m.len()).unwrap_or(0),
            total_bytes: total(b, by),
            rows: rows.iter().map(|r| Row { key: r.key.clone(), bytes: r.bytes, count: r.count }).collect(),
            top,
        }
    }

    fn table(&self, top: usize) -> Table {
        let key = self.by.key_name();
        let mut t = Table::new(vec![
            Column::right("bytes", "bytes"),
            Column::right("share", "share"),
            Column::right(count_title(self.by), "count"),
            Column::left(key, key),
        ]);
        for r in cells::take(&self.rows, top) {
            t.row(vec![
                cells::bytes(r.bytes),
                cells::share(r.bytes as i64, self.total_bytes as i64),
                cells::count(r.count),
                cells::text(&r.key),
            ]);
        }
        t
    }
}

impl Render for SizeReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "{}: {} functions, {} of code in functions; {} {}",
            self.origin,
            self.functions,
            bytes(self.function_bytes),
            self.kind,
            bytes(self.file_bytes)
        ))?;
        out.table(&self.table(self.top))?;
        out.more(cells::take(&self.rows, self.top).len(), self.rows.len())
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.table(0))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub key: String,
    pub old_bytes: u64,
    pub new_bytes: u64,
    pub change: i64,
    pub old_count: u64,
    pub new_count: u64,
}

/// `fastware size --diff OTHER` (schema `fastware/size-diff/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SizeDiffReport {
    pub schema: String,
    pub by: SizeBy,
    pub old: PathBuf,
    pub new: PathBuf,
    pub origin: String,
    pub old_total: u64,
    pub new_total: u64,
    /// Rows that changed, largest change first (the text shows `top`).
    pub changes: Vec<Change>,
    #[serde(skip)]
    pub top: usize,
}

impl SizeDiffReport {
    pub fn new(
        old: &Binary,
        new: &Binary,
        origin: &str,
        by: SizeBy,
        changes: &[SizeChange],
        top: usize,
    ) -> SizeDiffReport {
        SizeDiffReport {
            schema: "fastware/size-diff/1".into(),
            by,
            old: old.path.clone(),
            new: new.path.clone(),
            origin: origin.into(),
            old_total: total(old, by),
            new_total: total(new, by),
            changes: changes
                .iter()
                .map(|c| Change {
                    key: c.key.clone(),
                    old_bytes: c.old_bytes,
                    new_bytes: c.new_bytes,
                    change: c.change(),
                    old_count: c.old_count,
                    new_count: c.new_count,
                })
                .collect(),
            top,
        }
    }

    fn table(&self, top: usize) -> Table {
        let mut t = Table::new(vec![
            Column::right("old", "old_bytes"),
            Column::right("new", "new_bytes"),
            Column::right("change", "change"),
            Column::right("copies", "count_change"),
            Column::left("name", "key"),
        ]);
        for c in cells::take(&self.changes, top) {
            let sign = if c.change >= 0 { "+" } else { "-" };
            t.row(vec![
                cells::bytes(c.old_bytes),
                cells::bytes(c.new_bytes),
                (format!("{sign}{}", bytes(c.change.unsigned_abs())), c.change.to_string()),
                cells::count_change(c.new_count as i64 - c.old_count as i64),
                cells::text(&c.key),
            ]);
        }
        t
    }
}

impl Render for SizeDiffReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let (ot, nt) = (self.old_total, self.new_total);
        out.line(format_args!(
            "{} → {}: {} → {} ({}{}), {} rows changed",
            self.old.display(),
            self.origin,
            bytes(ot),
            bytes(nt),
            if nt >= ot { "+" } else { "-" },
            bytes(nt.abs_diff(ot)),
            self.changes.len()
        ))?;
        out.table(&self.table(self.top))?;
        out.more(cells::take(&self.changes, self.top).len(), self.changes.len())
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.table(0))
    }
}
