//! `fastware diff`: the functions that changed between two builds, and one
//! function's instructions side by side.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use fastware_report::units::bytes;
use fastware_report::{cells, Column, Render, Table, Text};

use super::address_cell;
use crate::binary::Binary;
use crate::diff::{line_text, DiffLine, DiffTag, Figures, FunctionChange, Status};
use crate::listing::Listing;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Side {
    pub count: u64,
    pub bytes: u64,
    pub instructions: u64,
}

impl Side {
    fn of(f: &Figures) -> Side {
        Side { count: f.count, bytes: f.bytes, instructions: f.instructions }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionRow {
    pub function: String,
    pub status: String,
    pub byte_change: i64,
    pub old: Option<Side>,
    pub new: Option<Side>,
}

/// `fastware diff OLD [NEW]` (schema `fastware/diff/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WholeDiffReport {
    pub schema: String,
    pub old: PathBuf,
    pub new: PathBuf,
    pub old_origin: String,
    pub new_origin: String,
    pub changed: usize,
    pub added: usize,
    pub removed: usize,
    pub same: usize,
    pub old_bytes: u64,
    pub new_bytes: u64,
    /// Every function listed (changed, added, removed; with `--same` all),
    /// largest change first; the text shows `top`.
    pub functions: Vec<FunctionRow>,
    #[serde(skip)]
    pub top: usize,
}

impl WholeDiffReport {
    pub fn new(
        old: (&Binary, &str),
        new: (&Binary, &str),
        all: &[FunctionChange],
        with_same: bool,
        top: usize,
    ) -> WholeDiffReport {
        let count = |s: Status| all.iter().filter(|c| c.status == s).count();
        WholeDiffReport {
            schema: "fastware/diff/1".into(),
            old: old.0.path.clone(),
            new: new.0.path.clone(),
            old_origin: old.1.into(),
            new_origin: new.1.into(),
            changed: count(Status::Changed),
            added: count(Status::Added),
            removed: count(Status::Removed),
            same: count(Status::Same),
            old_bytes: old.0.function_bytes(),
            new_bytes: new.0.function_bytes(),
            functions: all
                .iter()
                .filter(|c| with_same || c.status != Status::Same)
                .map(|c| FunctionRow {
                    function: c.name.clone(),
                    status: c.status.name().into(),
                    byte_change: c.byte_change(),
                    old: c.old.as_ref().map(Side::of),
                    new: c.new.as_ref().map(Side::of),
                })
                .collect(),
            top,
        }
    }

    fn table(&self, top: usize) -> Table {
        let mut t = Table::new(vec![
            Column::left("status", "status"),
            Column::right("old size", "old_bytes"),
            Column::right("new size", "new_bytes"),
            Column::right("change", "byte_change"),
            Column::right("old insns", "old_instructions"),
            Column::right("new insns", "new_instructions"),
            Column::left("function", "function"),
        ]);
        let opt = |v: Option<u64>| v.map_or((String::new(), String::new()), cells::count);
        for c in cells::take(&self.functions, top) {
            let copies = c.new.as_ref().or(c.old.as_ref()).map_or(1, |f| f.count);
            let name = if copies > 1 { format!("{} (×{copies})", c.function) } else { c.function.clone() };
            t.row(vec![
                cells::text(&c.status),
                opt(c.old.as_ref().map(|f| f.bytes)),
                opt(c.new.as_ref().map(|f| f.bytes)),
                cells::count_change(c.byte_change),
                opt(c.old.as_ref().map(|f| f.instructions)),
                opt(c.new.as_ref().map(|f| f.instructions)),
                (name, c.function.clone()),
            ]);
        }
        t
    }
}

impl Render for WholeDiffReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!("old: {}", self.old_origin))?;
        out.line(format_args!("new: {}", self.new_origin))?;
        out.line(format_args!(
            "functions: {} changed, {} added, {} removed, {} same; code in functions {} → {}",
            self.changed,
            self.added,
            self.removed,
            self.same,
            bytes(self.old_bytes),
            bytes(self.new_bytes)
        ))?;
        out.table(&self.table(self.top))?;
        out.more(cells::take(&self.functions, self.top).len(), self.functions.len())
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.table(0))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListingSide {
    pub origin: String,
    pub present: bool,
    pub address: u64,
    pub size: u64,
    pub instructions: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineRow {
    pub change: String,
    pub old_address: Option<u64>,
    pub new_address: Option<u64>,
    pub text: String,
    pub target: Option<String>,
}

/// `fastware diff OLD [NEW] PATTERN` (schema `fastware/diff-function/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionDiffReport {
    pub schema: String,
    pub function: String,
    pub old: ListingSide,
    pub new: ListingSide,
    pub changed_lines: usize,
    pub lines: Vec<LineRow>,
    /// Lines of context around changes in the text (`usize::MAX`: all).
    #[serde(skip)]
    pub context: usize,
}

fn tag_name(t: DiffTag) -> &'static str {
    match t {
        DiffTag::Same => "same",
        DiffTag::Removed => "removed",
        DiffTag::Added => "added",
    }
}

impl FunctionDiffReport {
    pub fn new(
        name: &str,
        old: (&Listing, &str),
        new: (&Listing, &str),
        lines: &[DiffLine],
        context: usize,
    ) -> FunctionDiffReport {
        let side = |l: &Listing, origin: &str| ListingSide {
            origin: origin.into(),
            present: !l.lines.is_empty(),
            address: l.shown_address,
            size: l.size,
            instructions: l.lines.len(),
        };
        let shown = |l: &Listing, a: u64| a - (l.address - l.shown_address);
        FunctionDiffReport {
            schema: "fastware/diff-function/1".into(),
            function: name.into(),
            old: side(old.0, old.1),
            new: side(new.0, new.1),
            changed_lines: lines.iter().filter(|l| l.tag != DiffTag::Same).count(),
            lines: lines
                .iter()
                .filter_map(|l| {
                    let line = l.new.or(l.old)?;
                    Some(LineRow {
                        change: tag_name(l.tag).into(),
                        old_address: l.old.map(|x| shown(old.0, x.insn.address)),
                        new_address: l.new.map(|x| shown(new.0, x.insn.address)),
                        text: line_text(line),
                        target: line.target.as_ref().map(|r| r.normalized()),
                    })
                })
                .collect(),
            context,
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::left("change", "change"),
            Column::right("old address", "old_address"),
            Column::right("new address", "new_address"),
            Column::left("instruction", "instruction"),
        ]);
        let addr = |a: Option<u64>| a.map_or((String::new(), String::new()), address_cell);
        for l in &self.lines {
            t.row(vec![cells::text(&l.change), addr(l.old_address), addr(l.new_address), cells::text(&l.text)]);
        }
        t
    }
}

impl Render for FunctionDiffReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let head = |s: &ListingSide| {
            if s.present {
                format!("{:#x}, {} bytes, {} instructions  ({})", s.address, s.size, s.instructions, s.origin)
            } else {
                format!("(not in {})", s.origin)
            }
        };
        out.line(format_args!("--- {}  {}", self.function, head(&self.old)))?;
        out.line(format_args!("+++ {}  {}", self.function, head(&self.new)))?;
        if self.changed_lines == 0 {
            return out.line("  the same instructions (addresses, hashes and labels aside)");
        }
        // which lines to print: changes and `context` lines around them
        let lines = &self.lines;
        let mut keep = vec![false; lines.len()];
        for (i, l) in lines.iter().enumerate() {
            if l.change != "same" {
                let from = i.saturating_sub(self.context);
                let to = i.saturating_add(self.context).min(lines.len() - 1);
                keep[from..=to].iter_mut().for_each(|k| *k = true);
            }
        }
        let mut gap = false;
        for (i, l) in lines.iter().enumerate() {
            if !keep[i] {
                gap = true;
                continue;
            }
            if gap {
                out.line("@@")?;
                gap = false;
            }
            let mark = match l.change.as_str() {
                "removed" => '-',
                "added" => '+',
                _ => ' ',
            };
            let a_old = l.old_address.map(|x| format!("{x:x}")).unwrap_or_default();
            let a_new = l.new_address.map(|x| format!("{x:x}")).unwrap_or_default();
            out.line(format_args!("{mark} {a_old:>8} {a_new:>8}  {}", l.text))?;
        }
        Ok(())
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.table())
    }
}
