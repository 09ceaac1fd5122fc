//! What `fastware heap` reports, as values (`--format json` is each
//! serialised) rendered as text and CSV: totals, sites (or functions, or
//! crates) ranked, short-lived allocations with advice, and the diff of two
//! profiles.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use fastware_report::cells::Cell;
use fastware_report::units::{bytes, count};
use fastware_report::{cells, Column, Error, Render, Table, Text};

use crate::frames;
use crate::model::{Figures, HeapProfile, Meta, Point, Stack};

/// The `schema` of a kept `heap` result.
pub const SCHEMA: &str = "fastware/heap/1";

/// What the rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum By {
    /// Allocation sites: the first frame in your code (and its line)
    Site,
    /// The function that frame is in
    Function,
    /// That function's crate
    Crate,
}

/// The order of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Sort {
    /// Bytes allocated in all
    Bytes,
    /// Blocks (allocations) made
    Blocks,
    /// Bytes alive at the global peak (t-gmax)
    Peak,
    /// Bytes alive at the end (t-end): never freed
    End,
    /// Short-lived blocks first, most blocks first
    ShortLived,
}

/// The key of a point for `by`, and its function and crate.
pub(crate) fn key(p: &HeapProfile, point: &Point, fs: Stack<'_>, by: By) -> (String, String, Option<String>) {
    let Some(u) = point.user else {
        // no frame of the user's: named by the first real function past the
        // allocator (the standard library's, or C's)
        let past = || fs.iter().map(|f| &p.frames[f as usize]).filter(|f| !f.allocator && f.text != "[root]");
        let f = past().find(|f| f.krate.is_some()).or_else(|| past().next());
        let text = match f {
            Some(f) if f.krate.is_some() => format!("[{}] {}", f.krate.as_deref().unwrap_or_default(), f.function),
            Some(f) => f.text.clone(),
            None => "[unknown]".to_string(),
        };
        let k = match by {
            By::Crate => f.and_then(|f| f.krate.clone()).unwrap_or_else(|| "[outside Rust]".into()),
            By::Function => f.map_or(text.clone(), |f| f.function.clone()),
            By::Site => text,
        };
        return (k, f.map_or(String::new(), |f| f.function.clone()), f.and_then(|f| f.krate.clone()));
    };
    let f = &p.frames[fs.at(u as usize) as usize];
    let k = match by {
        By::Site if f.text.starts_with(&f.function) => f.text.clone(),
        By::Site => format!("{} › {}", f.function, f.text),
        By::Function => f.function.clone(),
        By::Crate => f.krate.clone().unwrap_or_else(|| "[unknown]".into()),
    };
    (k, f.function.clone(), f.krate.clone())
}

/// One site, function or crate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub function: String,
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    /// Program points (distinct stacks) summed in the row.
    pub points: usize,
    #[serde(flatten)]
    pub figures: Figures,
    pub avg_size: Option<f64>,
    /// In the profile's time unit.
    pub avg_lifetime: Option<f64>,
    pub reads_per_byte: Option<f64>,
    pub writes_per_byte: Option<f64>,
    pub never_read: bool,
    pub never_written: bool,
    /// The average lifetime is under the short-lived threshold.
    pub short_lived: bool,
    /// The blocks of the row's program points whose own average lifetime
    /// is under the threshold (with a threshold and lifetimes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_lived_blocks: Option<u64>,
    /// The allocations went through a clone (`clone`, `to_vec`, `to_owned` …).
    pub cloned: bool,
    /// The stack of the row's largest point, innermost first.
    pub stack: Vec<String>,
}

/// Groups the points by `by`, largest first by `sort`.
pub fn rows(p: &HeapProfile, by: By, sort: Sort, threshold: Option<f64>) -> Vec<Row> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut largest: Vec<(u64, usize)> = Vec::new();
    for (pi, (point, fs)) in p.points.iter().zip(p.stacks.iter()).enumerate() {
        let (k, function, krate) = key(p, point, fs, by);
        let i = *index.entry(k.clone()).or_insert_with(|| {
            rows.push(Row {
                key: k,
                function,
                krate,
                points: 0,
                figures: Figures::default(),
                avg_size: None,
                avg_lifetime: None,
                reads_per_byte: None,
                writes_per_byte: None,
                never_read: false,
                never_written: false,
                short_lived: false,
                short_lived_blocks: None,
                cloned: false,
                stack: Vec::new(),
            });
            largest.push((0, pi));
            rows.len() - 1
        });
        let r = &mut rows[i];
        r.points += 1;
        r.figures.add(point);
        if let (Some(t), Some(total)) = (threshold, point.lifetimes.get()) {
            let short = point.blocks > 0 && (total as f64 / point.blocks as f64) < t;
            *r.short_lived_blocks.get_or_insert(0) += if short { point.blocks } else { 0 };
        }
        if let Some(u) = point.user {
            r.cloned |= frames::through_clone(&p.frames, fs, u as usize);
        }
        if point.bytes >= largest[i].0 {
            largest[i] = (point.bytes, pi);
        }
    }
    for (r, (_, pi)) in rows.iter_mut().zip(&largest) {
        let f = &r.figures;
        r.avg_size = f.avg_size();
        r.avg_lifetime = f.avg_lifetime();
        let per = |x: Option<u64>| x.filter(|_| f.bytes > 0).map(|x| x as f64 / f.bytes as f64);
        r.reads_per_byte = per(f.reads);
        r.writes_per_byte = per(f.writes);
        r.never_read = f.reads == Some(0) && f.bytes > 0;
        r.never_written = f.writes == Some(0) && f.bytes > 0;
        r.short_lived = matches!((r.avg_lifetime, threshold), (Some(l), Some(t)) if l < t);
        r.stack = p.stack(*pi).iter().map(|f| p.frames[f as usize].text.clone()).collect();
    }
    let measure = |r: &Row| -> (bool, u64) {
        match sort {
            Sort::Bytes => (true, r.figures.bytes),
            Sort::Blocks => (true, r.figures.blocks),
            Sort::Peak => (true, r.figures.peak_bytes.unwrap_or(0)),
            Sort::End => (true, r.figures.end_bytes.unwrap_or(0)),
            Sort::ShortLived => (r.short_lived, r.figures.blocks),
        }
    };
    rows.sort_by(|a, b| {
        measure(b).cmp(&measure(a)).then(b.figures.bytes.cmp(&a.figures.bytes)).then(a.key.cmp(&b.key))
    });
    rows
}

/// A lifetime in the profile's unit, for people.
fn lifetime(v: f64, unit: &str) -> String {
    let n = if v >= 100.0 { count(v.round() as u64) } else { format!("{v:.1}") };
    format!("{n} {unit}")
}

/// The header: what ran, and the totals.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    #[serde(flatten)]
    pub meta: Meta,
    pub totals: Figures,
    pub avg_size: Option<f64>,
    pub avg_lifetime: Option<f64>,
}

impl Header {
    pub fn of(p: &HeapProfile) -> Header {
        let totals = p.totals();
        Header { meta: p.meta.clone(), avg_size: totals.avg_size(), avg_lifetime: totals.avg_lifetime(), totals }
    }

    /// "bytes"/"blocks", or the ad-hoc mode's units and events.
    fn nouns(&self) -> (&'static str, &'static str) {
        if self.meta.mode == "ad-hoc" {
            ("units", "events")
        } else {
            ("bytes", "blocks")
        }
    }

    fn write(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let m = &self.meta;
        let t = &self.totals;
        let clock = if m.time_unit == "instrs" { "times are instructions executed" } else { "times are microseconds" };
        out.line(format_args!("{} ({} mode): {}; {clock}", m.tool, m.mode, m.command.trim()))?;
        if let Some(b) = &m.binary {
            out.line(format_args!("binary: {b}"))?;
        }
        if let Some(c) = &m.commit {
            out.line(format_args!("commit: {c}"))?;
        }
        let (b, k) = self.nouns();
        if m.mode == "ad-hoc" {
            return out.line(format_args!(
                "{}: {} {b} in {} {k}",
                m.verb.to_lowercase(),
                count(t.bytes),
                count(t.blocks)
            ));
        }
        let avg = self.avg_size.map(|a| format!(", {:.0} B per block on average", a)).unwrap_or_default();
        let life = self.avg_lifetime.map(|l| format!(", living {}", lifetime(l, &m.time_unit))).unwrap_or_default();
        out.line(format_args!("{}: {} in {} {k}{avg}{life}", m.verb.to_lowercase(), bytes(t.bytes), count(t.blocks)))?;
        if let (Some(pb), Some(pk)) = (t.peak_bytes, t.peak_blocks) {
            let at = m.t_gmax.map(|g| format!(" (at {} {})", count(g), m.time_unit)).unwrap_or_default();
            out.line(format_args!("peak: {} in {} {k}{at}", bytes(pb), count(pk)))?;
        }
        if let (Some(eb), Some(ek)) = (t.end_bytes, t.end_blocks) {
            out.line(format_args!("at exit (never freed): {} in {} {k}", bytes(eb), count(ek)))?;
        }
        if let (Some(r), Some(w)) = (t.reads, t.writes) {
            out.line(format_args!("reads: {}, writes: {}", bytes(r), bytes(w)))?;
        }
        Ok(())
    }
}

/// Advice for a short-lived site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Advice {
    pub site: String,
    pub blocks: u64,
    pub avg_size: Option<f64>,
    pub avg_lifetime: Option<f64>,
    pub text: String,
}

fn advice(r: &Row, unit: &str, threshold: f64) -> Advice {
    let size = r.avg_size.map(|s| bytes(s.round() as u64)).unwrap_or_default();
    let life = r.avg_lifetime.map(|l| lifetime(l, unit)).unwrap_or_default();
    let what = if r.cloned {
        "each a copy made by a clone: borrow the value instead, or clone once outside the loop"
    } else {
        "allocated and freed almost at once, again and again: keep one buffer outside the loop \
         (`Vec::with_capacity` before it, `clear()` on each pass) and reuse it"
    };
    Advice {
        site: r.key.clone(),
        blocks: r.figures.blocks,
        avg_size: r.avg_size,
        avg_lifetime: r.avg_lifetime,
        text: format!(
            "{}: {} blocks of {size} each, living {life} on average (short-lived: under {}) — {what}",
            r.key,
            count(r.figures.blocks),
            lifetime(threshold, unit)
        ),
    }
}

/// `fastware heap` (schema `fastware/heap/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeapReport {
    pub schema: String,
    pub header: Header,
    pub by: By,
    pub sort: Sort,
    /// The short-lived threshold used, in the time unit.
    pub short_lived_under: Option<f64>,
    pub rows: Vec<Row>,
    pub rows_total: usize,
    /// The short-lived sites with the most blocks, with what to change.
    pub advice: Vec<Advice>,
    /// What to change, numbered (`short-lived`, `realloc-growth`, `peak-site`, `leak`).
    #[serde(default)]
    pub findings: Vec<fastware_report::finding::Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_to: Option<String>,
    /// Show each row's stack in the text.
    #[serde(skip)]
    pub show_stacks: bool,
    /// Blocks by the average lifetime of the stack that allocated them
    /// (when the file records lifetimes): see [`lifetime_histogram`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lifetimes: Vec<LifetimeBucket>,
}

/// The blocks whose program point's average lifetime (its `tl` ÷ its
/// blocks, rounded down) lies in `from..to`, in the profile's time unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifetimeBucket {
    pub from: u64,
    pub to: u64,
    pub blocks: u64,
}

/// A histogram of blocks by lifetime, in powers of two (`0..1`, `1..2`,
/// `2..4` …, empty buckets between kept). DHAT records each program
/// point's total lifetime, not each block's: a block counts at its
/// point's average. Empty without lifetimes (`bklt`).
pub fn lifetime_histogram(p: &HeapProfile) -> Vec<LifetimeBucket> {
    let mut blocks: BTreeMap<u32, u64> = BTreeMap::new();
    if p.meta.lifetimes {
        for point in p.points.iter().filter(|pt| pt.blocks > 0) {
            if let Some(total) = point.lifetimes.get() {
                // bucket k holds 2^(k-1) ≤ avg < 2^k; bucket 0 an average of 0
                *blocks.entry(64 - (total / point.blocks).leading_zeros()).or_default() += point.blocks;
            }
        }
    }
    let (Some(&lo), Some(&hi)) = (blocks.keys().next(), blocks.keys().next_back()) else { return Vec::new() };
    (lo..=hi)
        .map(|k| LifetimeBucket {
            from: if k == 0 { 0 } else { 1u64 << (k - 1) },
            to: if k == 64 { u64::MAX } else { 1u64 << k },
            blocks: blocks.get(&k).copied().unwrap_or(0),
        })
        .collect()
}

impl HeapReport {
    /// `short_lived`: the threshold (default: the file's own).
    pub fn new(p: &HeapProfile, by: By, sort: Sort, short_lived: Option<f64>, top: usize) -> HeapReport {
        let threshold = short_lived.or(p.meta.short_lived.map(|t| t as f64)).filter(|_| p.meta.lifetimes);
        let all = rows(p, by, sort, threshold);
        let sites = if by == By::Site { all.clone() } else { rows(p, By::Site, Sort::Bytes, threshold) };
        let advice = match threshold {
            Some(t) => {
                // a handful of blocks is not what costs: advice from ten on
                let mut short: Vec<&Row> = sites.iter().filter(|r| r.short_lived && r.figures.blocks >= 10).collect();
                short.sort_by_key(|r| std::cmp::Reverse(r.figures.blocks));
                short.iter().take(3).map(|r| advice(r, &p.meta.time_unit, t)).collect()
            }
            None => Vec::new(),
        };
        let findings = crate::findings::find(p, &sites, &advice);
        HeapReport {
            schema: SCHEMA.into(),
            header: Header::of(p),
            by,
            sort,
            short_lived_under: threshold,
            rows_total: all.len(),
            rows: cells::take(&all, top).to_vec(),
            advice,
            findings,
            saved_to: None,
            show_stacks: false,
            lifetimes: lifetime_histogram(p),
        }
    }

    fn table(&self) -> Table {
        let (b, k) = self.header.nouns();
        let mut t = Table::new(vec![
            Column::right(b, "bytes"),
            Column::right(k, "blocks"),
            Column::right("avg size", "avg_size"),
            Column::right("avg life", "avg_lifetime"),
            Column::right("peak", "peak_bytes"),
            Column::right("at exit", "end_bytes"),
            Column::right("r/w per B", "reads_writes_per_byte"),
            Column::left(
                match self.by {
                    By::Site => "site (first frame in your code)",
                    By::Function => "function",
                    By::Crate => "crate",
                },
                "key",
            ),
        ]);
        let opt_bytes = |v: Option<u64>| -> Cell { v.map_or(("-".into(), String::new()), cells::bytes) };
        for r in &self.rows {
            let mut flags = Vec::new();
            if r.short_lived {
                flags.push("short-lived");
            }
            if r.never_read {
                flags.push("never read");
            }
            if r.never_written {
                flags.push("never written");
            }
            let shown = if flags.is_empty() { r.key.clone() } else { format!("{} [{}]", r.key, flags.join(", ")) };
            let rw = match (r.reads_per_byte, r.writes_per_byte) {
                (Some(a), Some(b)) => (format!("{a:.1}/{b:.1}"), format!("{a:.4}/{b:.4}")),
                _ => ("-".into(), String::new()),
            };
            t.row(vec![
                cells::bytes(r.figures.bytes),
                cells::count(r.figures.blocks),
                r.avg_size.map_or(("-".into(), String::new()), |s| (bytes(s.round() as u64), format!("{s:.1}"))),
                r.avg_lifetime.map_or(("-".into(), String::new()), |l| {
                    (lifetime(l, &self.header.meta.time_unit), format!("{l:.1}"))
                }),
                opt_bytes(r.figures.peak_bytes),
                opt_bytes(r.figures.end_bytes),
                rw,
                (shown, r.key.clone()),
            ]);
        }
        t
    }
}

impl Render for HeapReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        self.header.write(out)?;
        let order = match self.sort {
            Sort::Bytes => "bytes allocated",
            Sort::Blocks => "blocks allocated",
            Sort::Peak => "bytes alive at the peak",
            Sort::End => "bytes never freed",
            Sort::ShortLived => "short-lived first, then blocks",
        };
        let what = match self.by {
            By::Site => "Allocation sites",
            By::Function => "Functions",
            By::Crate => "Crates",
        };
        if self.show_stacks {
            out.blank()?;
            out.line(format_args!("{what} by {order}"))?;
            for r in &self.rows {
                out.blank()?;
                out.line(format_args!("{}: {} in {} blocks", r.key, bytes(r.figures.bytes), count(r.figures.blocks)))?;
                for f in &r.stack {
                    out.line(format_args!("    {f}"))?;
                }
            }
            out.more(self.rows.len(), self.rows_total)?;
        } else {
            out.section(format!("{what} by {order}"), &self.table(), self.rows_total)?;
        }
        fastware_report::finding::write(&self.findings, out)?;
        // the first short-lived site is a finding; the others follow
        let short_finding = self.findings.iter().any(|f| f.rule == "short-lived");
        let rest = &self.advice[usize::from(short_finding).min(self.advice.len())..];
        if !rest.is_empty() {
            out.blank()?;
            out.line(if short_finding { "Other short-lived sites" } else { "Short-lived allocations" })?;
            for a in rest {
                out.line(format_args!("- {}", a.text))?;
            }
        }
        out.saved_to(self.saved_to.as_deref())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}

impl fastware_report::Kind for HeapReport {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "heap";

    fn show(&self, _top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        self.text(out)
    }
}

/// A row of a diff.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiffRow {
    pub key: String,
    pub base: Figures,
    pub new: Figures,
}

impl DiffRow {
    fn change(&self) -> (i64, i64) {
        (self.new.bytes as i64 - self.base.bytes as i64, self.new.blocks as i64 - self.base.blocks as i64)
    }
}

/// `heap diff A B` (schema `fastware/heap-diff/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiffReport {
    pub schema: String,
    pub base: Header,
    pub new: Header,
    pub by: By,
    pub rows: Vec<DiffRow>,
    pub rows_total: usize,
}

impl DiffReport {
    pub fn new(base: &HeapProfile, new: &HeapProfile, by: By, top: usize) -> DiffReport {
        let mut map: HashMap<String, DiffRow> = HashMap::new();
        for (side, p) in [(0, base), (1, new)] {
            for r in rows(p, by, Sort::Bytes, None) {
                let d = map.entry(r.key.clone()).or_insert_with(|| DiffRow {
                    key: r.key.clone(),
                    base: Figures::default(),
                    new: Figures::default(),
                });
                if side == 0 {
                    d.base = r.figures;
                } else {
                    d.new = r.figures;
                }
            }
        }
        let mut all: Vec<DiffRow> = map.into_values().filter(|d| d.change() != (0, 0)).collect();
        all.sort_by(|a, b| {
            let (ab, ak) = a.change();
            let (bb, bk) = b.change();
            (bb.unsigned_abs(), bk.unsigned_abs()).cmp(&(ab.unsigned_abs(), ak.unsigned_abs())).then(a.key.cmp(&b.key))
        });
        DiffReport {
            schema: "fastware/heap-diff/1".into(),
            base: Header::of(base),
            new: Header::of(new),
            by,
            rows_total: all.len(),
            rows: cells::take(&all, top).to_vec(),
        }
    }

    fn table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("blocks before", "base_blocks"),
            Column::right("after", "new_blocks"),
            Column::right("change", "blocks_change"),
            Column::right("bytes before", "base_bytes"),
            Column::right("after", "new_bytes"),
            Column::right("change", "bytes_change"),
            Column::right("peak change", "peak_bytes_change"),
            Column::left("where", "key"),
        ]);
        for r in &self.rows {
            let (db, dk) = r.change();
            let peak = r.new.peak_bytes.unwrap_or(0) as i64 - r.base.peak_bytes.unwrap_or(0) as i64;
            t.row(vec![
                cells::count(r.base.blocks),
                cells::count(r.new.blocks),
                cells::count_change(dk),
                cells::bytes(r.base.bytes),
                cells::bytes(r.new.bytes),
                signed_bytes(db),
                signed_bytes(peak),
                cells::text(&r.key),
            ]);
        }
        t
    }
}

fn signed_bytes(n: i64) -> Cell {
    let sign = match n.signum() {
        1 => "+",
        -1 => "-",
        _ => "",
    };
    (format!("{sign}{}", bytes(n.unsigned_abs())), n.to_string())
}

impl Render for DiffReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let (b, n) = (&self.base.totals, &self.new.totals);
        out.line(format_args!("before: {}", self.base.meta.command.trim()))?;
        out.line(format_args!("after:  {}", self.new.meta.command.trim()))?;
        out.line(format_args!(
            "blocks {} → {} ({}), bytes {} → {}, peak {} → {}",
            count(b.blocks),
            count(n.blocks),
            cells::count_change(n.blocks as i64 - b.blocks as i64).0,
            bytes(b.bytes),
            bytes(n.bytes),
            b.peak_bytes.map_or("-".into(), bytes),
            n.peak_bytes.map_or("-".into(), bytes),
        ))?;
        if self.base.meta.time_unit != self.new.meta.time_unit {
            out.line("note: the two profiles measure time in different units; lifetimes are not compared")?;
        }
        let what = match self.by {
            By::Site => "sites",
            By::Function => "functions",
            By::Crate => "crates",
        };
        out.section(format!("Changed {what}, largest change in bytes first"), &self.table(), self.rows_total)
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table())
    }
}
