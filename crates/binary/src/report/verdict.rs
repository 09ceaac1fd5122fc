//! `fastware inline`: one verdict — copies, call sites, inlined places.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use fastware_report::units::bytes;
use fastware_report::{cells, Column, Render, Table, Text};

use super::{address_cell, short_path};
use crate::binary::Binary;
use crate::inline::Verdict;
use crate::select::last_segment;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Copy {
    pub name: String,
    pub address: u64,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallSiteRow {
    pub address: u64,
    pub kind: String,
    pub via_got: bool,
    pub caller: String,
    /// The copy it reaches.
    pub copy: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InlinedIntoRow {
    pub function: String,
    pub places: u64,
    pub bytes: u64,
    pub calls: Vec<Line>,
    /// Of `places`, those matched on a bare DWARF name that another
    /// function of that name shares (which of them is meant cannot be told).
    #[serde(default)]
    pub uncertain: u64,
}

/// `fastware inline` (schema `fastware/inline/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InlineReport {
    pub schema: String,
    pub function: String,
    pub summary: String,
    pub file: PathBuf,
    pub origin: String,
    pub has_debug_info: bool,
    pub bare_dwarf_names: bool,
    /// Inlined everywhere: no out-of-line copy, and inlined somewhere.
    pub inlined: bool,
    pub copies: Vec<Copy>,
    pub call_sites: Vec<CallSiteRow>,
    pub inlined_places: u64,
    pub inlined_bytes: u64,
    pub inlined_into: Vec<InlinedIntoRow>,
    /// Rows per table in the text (0: all).
    #[serde(skip)]
    pub top: usize,
}

impl InlineReport {
    pub fn new(v: &Verdict, b: &Binary, origin: &str, top: usize) -> InlineReport {
        let base = |a: u64| a - b.display_base(a);
        InlineReport {
            schema: "fastware/inline/1".into(),
            function: v.function.clone(),
            summary: v.summary.clone(),
            file: b.path.clone(),
            origin: origin.into(),
            has_debug_info: v.has_debug,
            bare_dwarf_names: v.bare_names,
            inlined: v.copies.is_empty() && !v.inlined.is_empty(),
            copies: v
                .copies
                .iter()
                .map(|(name, a, size)| Copy { name: name.clone(), address: base(*a), size: *size })
                .collect(),
            call_sites: v
                .call_sites
                .iter()
                .map(|s| CallSiteRow {
                    address: base(s.address),
                    kind: s.kind.name().into(),
                    via_got: s.via_got,
                    caller: s.caller.clone(),
                    copy: base(s.copy),
                })
                .collect(),
            inlined_places: v.inlined_places(),
            inlined_bytes: v.inlined_bytes(),
            inlined_into: v
                .inlined
                .iter()
                .map(|i| InlinedIntoRow {
                    function: i.function.clone(),
                    places: i.places,
                    bytes: i.bytes,
                    calls: i.calls.iter().map(|l| Line { file: l.file.clone(), line: l.line }).collect(),
                    uncertain: i.uncertain,
                })
                .collect(),
            top,
        }
    }

    fn call_table(&self, top: usize) -> Table {
        let mut t = Table::new(vec![
            Column::right("address", "address"),
            Column::left("kind", "kind"),
            Column::left("via", "via"),
            Column::left("caller", "caller"),
        ]);
        for s in cells::take(&self.call_sites, top) {
            t.row(vec![
                address_cell(s.address),
                cells::text(&s.kind),
                cells::text(if s.via_got { "GOT" } else { "direct" }),
                cells::text(&s.caller),
            ]);
        }
        t
    }
}

impl Render for InlineReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(&self.summary)?;
        out.line(format_args!("  in {}", self.origin))?;
        if self.bare_dwarf_names {
            out.line(format_args!(
                "  (this debug info names functions without their path: inlined places were matched on `{}`)",
                last_segment(&self.function)
            ))?;
        }
        if !self.copies.is_empty() {
            let mut t = Table::new(vec![
                Column::right("address", "address"),
                Column::right("size", "size"),
                Column::left("name", "name"),
            ]);
            for c in &self.copies {
                t.row(vec![address_cell(c.address), cells::bytes(c.size), cells::text(&c.name)]);
            }
            out.section("Out-of-line copies", &t, self.copies.len())?;
        }
        if !self.call_sites.is_empty() {
            out.section("Call sites", &self.call_table(self.top), self.call_sites.len())?;
        }
        if !self.inlined_into.is_empty() {
            let mut t = Table::new(vec![
                Column::right("places", "places"),
                Column::right("bytes", "bytes"),
                Column::left("function", "function"),
                Column::left("calls at", "calls_at"),
            ]);
            for i in cells::take(&self.inlined_into, self.top) {
                let mut calls: Vec<String> =
                    i.calls.iter().map(|l| format!("{}:{}", short_path(&l.file), l.line)).collect();
                calls.sort();
                calls.dedup();
                let function = match i.uncertain {
                    0 => i.function.clone(),
                    n if n == i.places => format!("{} (uncertain: bare names)", i.function),
                    n => format!("{} ({n} uncertain: bare names)", i.function),
                };
                t.row(vec![
                    cells::count(i.places),
                    cells::bytes(i.bytes),
                    cells::text(&function),
                    cells::text(&calls.join(", ")),
                ]);
            }
            let title = format!("Inlined into ({} places, {})", self.inlined_places, bytes(self.inlined_bytes));
            out.section(title, &t, self.inlined_into.len())?;
        }
        Ok(())
    }

    fn csv(&self) -> fastware_report::Result<Table> {
        Ok(self.call_table(0))
    }
}
