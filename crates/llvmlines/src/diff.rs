//! Two counted builds compared (schema `fastware/llvm-lines-diff/1`): per
//! row the lines and copies before and after, largest change first.

use std::collections::HashMap;

use fastware_report::cells;
use fastware_report::units::count;
use fastware_report::{Column, Error, Render, Table, Text};
use serde::{Deserialize, Serialize};

use crate::lines::{self, By, CrateIr};

/// One row of the diff.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiffRow {
    pub key: String,
    pub lines_before: u64,
    pub lines_after: u64,
    pub copies_before: u64,
    pub copies_after: u64,
    pub lines_change: i64,
    pub copies_change: i64,
}

/// `fastware llvm-lines diff`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LlvmLinesDiff {
    pub schema: String,
    pub by: By,
    pub before: String,
    pub after: String,
    pub lines_before: u64,
    pub lines_after: u64,
    pub copies_before: u64,
    pub copies_after: u64,
    /// Rows that changed (unchanged rows are left out).
    pub rows: Vec<DiffRow>,
    pub rows_total: usize,
    pub notes: Vec<String>,
}

fn diff_i(after: u64, before: u64) -> i64 {
    after as i64 - before as i64
}

impl LlvmLinesDiff {
    /// `before`/`after`: names shown; `top` rows (0: all).
    pub fn new(
        (before_name, before): (&str, &[CrateIr]),
        (after_name, after): (&str, &[CrateIr]),
        by: By,
        filter: Option<&regex::Regex>,
        top: usize,
    ) -> LlvmLinesDiff {
        let a = lines::group(before, by, filter);
        let b = lines::group(after, by, filter);
        let mut map: HashMap<String, DiffRow> = HashMap::new();
        let empty = |key: &str| DiffRow {
            key: key.to_string(),
            lines_before: 0,
            lines_after: 0,
            copies_before: 0,
            copies_after: 0,
            lines_change: 0,
            copies_change: 0,
        };
        for g in &a {
            let r = map.entry(g.key.clone()).or_insert_with(|| empty(&g.key));
            r.lines_before = g.counts.lines;
            r.copies_before = g.counts.copies;
        }
        for g in &b {
            let r = map.entry(g.key.clone()).or_insert_with(|| empty(&g.key));
            r.lines_after = g.counts.lines;
            r.copies_after = g.counts.copies;
        }
        let mut rows: Vec<DiffRow> = map
            .into_values()
            .map(|mut r| {
                r.lines_change = diff_i(r.lines_after, r.lines_before);
                r.copies_change = diff_i(r.copies_after, r.copies_before);
                r
            })
            .filter(|r| r.lines_change != 0 || r.copies_change != 0)
            .collect();
        rows.sort_by(|x, y| {
            (y.lines_change.unsigned_abs(), y.copies_change.unsigned_abs())
                .cmp(&(x.lines_change.unsigned_abs(), x.copies_change.unsigned_abs()))
                .then_with(|| x.key.cmp(&y.key))
        });
        let sum =
            |g: &[lines::Group]| (g.iter().map(|r| r.counts.lines).sum(), g.iter().map(|r| r.counts.copies).sum());
        let ((lb, cb), (la, ca)): ((u64, u64), (u64, u64)) = if by == By::TypeCrate {
            let t = |u: &[CrateIr]| u.iter().fold((0, 0), |(l, c), x| (l + x.totals().lines, c + x.totals().copies));
            (t(before), t(after))
        } else {
            (sum(&a), sum(&b))
        };
        LlvmLinesDiff {
            schema: "fastware/llvm-lines-diff/1".into(),
            by,
            before: before_name.into(),
            after: after_name.into(),
            lines_before: lb,
            lines_after: la,
            copies_before: cb,
            copies_after: ca,
            rows_total: rows.len(),
            rows: cells::take(&rows, top).to_vec(),
            notes: Vec::new(),
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("lines before", "lines_before"),
            Column::right("lines after", "lines_after"),
            Column::right("change", "lines_change"),
            Column::right("copies before", "copies_before"),
            Column::right("copies after", "copies_after"),
            Column::right("change", "copies_change"),
            Column::left("name", "key"),
        ]);
        for r in &self.rows {
            t.row(vec![
                cells::count(r.lines_before),
                cells::count(r.lines_after),
                cells::count_change(r.lines_change),
                cells::count(r.copies_before),
                cells::count(r.copies_after),
                cells::count_change(r.copies_change),
                cells::text(&r.key),
            ]);
        }
        t
    }
}

impl Render for LlvmLinesDiff {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "{} → {}: {} → {} lines ({}), {} → {} copies ({})",
            self.before,
            self.after,
            count(self.lines_before),
            count(self.lines_after),
            cells::count_change(diff_i(self.lines_after, self.lines_before)).0,
            count(self.copies_before),
            count(self.copies_after),
            cells::count_change(diff_i(self.copies_after, self.copies_before)).0,
        ))?;
        if self.rows_total == 0 {
            return out.line("no row changed");
        }
        out.section("Changed, largest change in lines first", &self.table(), self.rows_total)?;
        for n in &self.notes {
            out.line(format_args!("note: {n}"))?;
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}
