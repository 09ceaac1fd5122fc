//! What `fastware llvm-lines` reports (schema `fastware/llvm-lines/1`):
//! per crate its totals, per row lines, copies and share of all lines, and
//! with a trace of the same crates the LLVM time beside them (ms per 1,000
//! lines says which functions are slow for their size).

use std::collections::HashMap;

use fastware_report::cells::{self, Cell};
use fastware_report::units::{count, duration};
use fastware_report::{Column, Duration, Error, Render, Table, Text};
use serde::{Deserialize, Serialize};

use crate::lines::{self, By, CrateIr, Group, Sort};

/// The `schema` of a kept `llvm-lines` result.
pub const SCHEMA: &str = "fastware/llvm-lines/1";

/// LLVM time to join, from traces of the same crates.
#[derive(Debug, Clone, Default)]
pub struct Times {
    /// Per row key (grouped the same way as the rows), nanoseconds.
    pub by_key: HashMap<String, i64>,
    /// Per crate (the crate of the trace file), nanoseconds.
    pub by_crate: HashMap<String, i64>,
    /// Every function's LLVM time in the traces.
    pub total_ns: i64,
    pub files: usize,
    /// Where the traces are.
    pub source: String,
}

/// One crate's IR in all.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrateTotal {
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub kind: String,
    pub file: String,
    pub lines: u64,
    pub copies: u64,
    pub llvm_time: Option<Duration>,
}

/// One row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub lines: u64,
    pub copies: u64,
    /// Distinct instances in the row.
    pub instances: u64,
    /// Of all lines counted (before the filter).
    pub share: Option<f64>,
    /// The crates whose IR holds its copies.
    pub crates: Vec<String>,
    pub llvm_time: Option<Duration>,
    pub ms_per_1000_lines: Option<f64>,
}

/// The traces joined.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TraceInfo {
    pub source: String,
    pub files: usize,
    pub llvm_time: Duration,
    /// The LLVM time of the rows' functions that the IR names too.
    pub matched_time: Duration,
}

/// How to build the rows.
#[derive(Debug, Clone)]
pub struct View {
    pub by: By,
    pub sort: Sort,
    pub filter: Option<regex::Regex>,
    pub top: usize,
}

/// `fastware llvm-lines`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LlvmLinesReport {
    pub schema: String,
    pub by: By,
    pub sort: Sort,
    /// The cargo profile built.
    pub profile: String,
    /// `v0` or `legacy`.
    pub mangling: String,
    pub crates: Vec<CrateTotal>,
    pub total_lines: u64,
    pub total_copies: u64,
    pub filter: Option<String>,
    /// Lines and copies the filter kept.
    pub filtered_lines: Option<u64>,
    pub filtered_copies: Option<u64>,
    pub trace: Option<TraceInfo>,
    pub rows: Vec<Row>,
    pub rows_total: usize,
    pub notes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_to: Option<String>,
}

fn ms_per_1000(ns: i64, lines: u64) -> Option<f64> {
    (lines > 0).then(|| ((ns as f64 / 1e6) / (lines as f64 / 1000.0) * 1000.0).round() / 1000.0)
}

impl LlvmLinesReport {
    pub fn new(
        units: &[CrateIr],
        profile: &str,
        mangling: &str,
        view: &View,
        times: Option<&Times>,
    ) -> LlvmLinesReport {
        let mut crates: Vec<CrateTotal> = units
            .iter()
            .map(|u| {
                let t = u.totals();
                CrateTotal {
                    crate_name: u.crate_name.clone(),
                    kind: u.kind.clone(),
                    file: u.file.clone(),
                    lines: t.lines,
                    copies: t.copies,
                    llvm_time: times.map(|t| Duration(t.by_crate.get(&u.crate_name).copied().unwrap_or(0))),
                }
            })
            .collect();
        crates.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.crate_name.cmp(&b.crate_name)));
        let total_lines: u64 = crates.iter().map(|c| c.lines).sum();
        let total_copies: u64 = crates.iter().map(|c| c.copies).sum();
        let groups = lines::group(units, view.by, view.filter.as_ref());
        let mut matched = 0i64;
        let mut rows: Vec<Row> = groups
            .into_iter()
            .map(|g: Group| {
                let ns = times.map(|t| t.by_key.get(&g.key).copied().unwrap_or(0));
                matched += ns.unwrap_or(0);
                Row {
                    share: fastware_report::json::share(g.counts.lines as f64, total_lines as f64),
                    lines: g.counts.lines,
                    copies: g.counts.copies,
                    instances: g.instances,
                    llvm_time: ns.map(Duration),
                    ms_per_1000_lines: ns.and_then(|ns| ms_per_1000(ns, g.counts.lines)),
                    crates: g.crates,
                    key: g.key,
                }
            })
            .collect();
        let time = |r: &Row| r.llvm_time.map_or(0, Duration::ns);
        match view.sort {
            Sort::Lines => {}
            Sort::Copies => {
                rows.sort_by(|a, b| (b.copies, b.lines).cmp(&(a.copies, a.lines)).then_with(|| a.key.cmp(&b.key)))
            }
            Sort::Time => {
                rows.sort_by(|a, b| (time(b), b.lines).cmp(&(time(a), a.lines)).then_with(|| a.key.cmp(&b.key)))
            }
        }
        let (filtered_lines, filtered_copies) = match &view.filter {
            Some(_) if view.by != By::TypeCrate => {
                (Some(rows.iter().map(|r| r.lines).sum()), Some(rows.iter().map(|r| r.copies).sum()))
            }
            _ => (None, None),
        };
        let mut notes = Vec::new();
        if view.by == By::TypeCrate {
            notes.push("a function whose generic arguments name types of several crates is counted in each".into());
        }
        LlvmLinesReport {
            schema: SCHEMA.into(),
            by: view.by,
            sort: view.sort,
            profile: profile.to_string(),
            mangling: mangling.to_string(),
            crates,
            total_lines,
            total_copies,
            filter: view.filter.as_ref().map(|f| f.as_str().to_string()),
            filtered_lines,
            filtered_copies,
            trace: times.map(|t| TraceInfo {
                source: t.source.clone(),
                files: t.files,
                llvm_time: Duration(t.total_ns),
                matched_time: Duration(matched),
            }),
            rows_total: rows.len(),
            rows: cells::take(&rows, view.top).to_vec(),
            notes,
            saved_to: None,
        }
    }

    fn what(&self) -> &'static str {
        match self.by {
            By::Function => "function (generic arguments erased, closures folded)",
            By::Instance => "instance",
            By::Crate => "crate holding the copies",
            By::DefiningCrate => "defining crate",
            By::TypeCrate => "crate of the argument types",
        }
    }

    fn table(&self) -> Table {
        let timed = self.trace.is_some();
        let mut cols = vec![Column::right("lines", "lines"), Column::right("share", "share")];
        cols.push(Column::right("copies", "copies"));
        if self.by != By::Instance {
            cols.push(Column::right("instances", "instances"));
        }
        if timed {
            cols.push(Column::right("LLVM time", "llvm_time_us"));
            cols.push(Column::right("ms/1k lines", "ms_per_1000_lines"));
        }
        cols.push(Column::left(self.what(), "key"));
        let mut t = Table::new(cols);
        for r in &self.rows {
            let mut row: Vec<Cell> = vec![
                cells::count(r.lines),
                r.share.map_or(("-".into(), String::new()), |s| (format!("{:.1}%", s * 100.0), format!("{s:.4}"))),
                cells::count(r.copies),
            ];
            if self.by != By::Instance {
                row.push(cells::count(r.instances));
            }
            if timed {
                row.push(r.llvm_time.map_or(("-".into(), String::new()), |m| cells::time(m.ns())));
                row.push(
                    r.ms_per_1000_lines.map_or(("-".into(), String::new()), |v| (format!("{v:.2}"), v.to_string())),
                );
            }
            row.push(cells::text(&r.key));
            t.row(row);
        }
        t
    }
}

impl Render for LlvmLinesReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "LLVM IR before optimisation, {} {} ({} profile, {} mangling): {} lines in {} copies",
            count(self.crates.len() as u64),
            if self.crates.len() == 1 { "crate" } else { "crates" },
            self.profile,
            self.mangling,
            count(self.total_lines),
            count(self.total_copies)
        ))?;
        if let Some(t) = &self.trace {
            out.line(format_args!(
                "LLVM time from {} trace file{} of the same crates built normally ({}): {} in all, {} on these rows",
                t.files,
                if t.files == 1 { "" } else { "s" },
                t.source,
                duration(t.llvm_time.ns()),
                duration(t.matched_time.ns())
            ))?;
        }
        if self.crates.len() > 1 {
            let timed = self.trace.is_some();
            let mut cols = vec![Column::right("lines", "lines"), Column::right("copies", "copies")];
            if timed {
                cols.push(Column::right("LLVM time", "llvm_time_us"));
            }
            cols.push(Column::left("crate", "crate"));
            let mut t = Table::new(cols);
            for c in &self.crates {
                let mut row = vec![cells::count(c.lines), cells::count(c.copies)];
                if timed {
                    row.push(c.llvm_time.map_or(("-".into(), String::new()), |m| cells::time(m.ns())));
                }
                row.push(cells::text(&format!("{} ({})", c.crate_name, c.kind)));
                t.row(row);
            }
            out.section("Crates", &t, self.crates.len())?;
        }
        let order = match self.sort {
            Sort::Lines => "lines",
            Sort::Copies => "copies",
            Sort::Time => "LLVM time",
        };
        let mut title = format!("By {}, most {order} first", self.what());
        if let (Some(f), Some(l), Some(c)) = (&self.filter, self.filtered_lines, self.filtered_copies) {
            title.push_str(&format!(" — matching /{f}/: {} lines in {} copies", count(l), count(c)));
        }
        out.section(title, &self.table(), self.rows_total)?;
        for n in &self.notes {
            out.line(format_args!("note: {n}"))?;
        }
        out.saved_to(self.saved_to.as_deref())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}

impl fastware_report::Kind for LlvmLinesReport {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "llvm-lines";

    fn show(&self, _top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        self.text(out)
    }
}
