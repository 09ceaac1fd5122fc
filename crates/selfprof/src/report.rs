//! What `fastware self-profile` and its subcommands report, as values
//! (`--format json` is each serialised), rendered as text and CSV.

use serde::{Deserialize, Serialize};

use fastware_report::cells::{self, take};
use fastware_report::json::share;
use fastware_report::units::{bytes, count, duration, micros_text};
use fastware_report::{Column, Duration, Error, Render, Table, Text};

use crate::chrome::ChromeStats;
use crate::diff::{percent_change, Diff, LabelDelta};
use crate::longest::{abbreviate, readable_arg, Longest};
use crate::summary::{BuildSummary, LabelFigures};

/// How a summary or diff is grouped (`--by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum By {
    /// Labels (queries, activities), summed over the build
    Label,
    /// Each crate's total
    Crate,
}

/// The profiles read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inputs {
    pub profiles: usize,
    pub events: u64,
    pub threads: u64,
    pub total_time_us: Duration,
    pub busy_time_us: Duration,
}

/// One label's figures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelRow {
    pub label: String,
    pub self_time_us: Duration,
    pub share_of_total: Option<f64>,
    pub time_us: Duration,
    pub count: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub blocked_time_us: Duration,
    pub incremental_load_time_us: Duration,
    pub incremental_hashing_time_us: Duration,
}

impl LabelRow {
    fn of(label: &str, f: &LabelFigures, total: i64) -> LabelRow {
        LabelRow {
            label: label.to_string(),
            self_time_us: Duration(f.self_ns),
            share_of_total: share(f.self_ns as f64, total as f64),
            time_us: Duration(f.total_ns),
            count: f.count,
            cache_hits: f.cache_hits,
            cache_misses: f.cache_misses,
            blocked_time_us: Duration(f.blocked_ns),
            incremental_load_time_us: Duration(f.incr_load_ns),
            incremental_hashing_time_us: Duration(f.incr_hash_ns),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtifactRow {
    pub artifact: String,
    pub bytes: u64,
}

/// A label and its self time, among a crate's largest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TopLabel {
    pub label: String,
    pub self_time_us: Duration,
}

/// A crate's total and its three largest labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrateRow {
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub total_time_us: Duration,
    pub share_of_total: Option<f64>,
    pub busy_time_us: Duration,
    pub events: u64,
    pub top_labels: Vec<TopLabel>,
}

/// `fastware self-profile PATHS` (schema `fastware/self-profile/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryReport {
    pub schema: String,
    pub by: By,
    pub inputs: Inputs,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub labels: Option<Vec<LabelRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub artifact_sizes: Option<Vec<ArtifactRow>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub crates: Option<Vec<CrateRow>>,
    /// Rows before `--top`.
    pub rows_total: usize,
}

impl SummaryReport {
    /// The summary of `s` by `by`, labels kept by `keep`, `top` rows (0: all).
    pub fn new(s: &BuildSummary, by: By, keep: impl Fn(&str) -> bool, top: usize) -> SummaryReport {
        let labels: Vec<&(String, LabelFigures)> = s.labels.iter().filter(|(l, _)| keep(l)).collect();
        let crates: Vec<CrateRow> = s
            .profiles
            .iter()
            .map(|p| CrateRow {
                crate_name: p.crate_name.clone(),
                total_time_us: Duration(p.total_ns),
                share_of_total: share(p.total_ns as f64, s.total_ns as f64),
                busy_time_us: Duration(p.busy_ns),
                events: p.events,
                top_labels: p
                    .labels
                    .iter()
                    .filter(|(l, _)| keep(l))
                    .take(3)
                    .map(|(l, f)| TopLabel { label: l.clone(), self_time_us: Duration(f.self_ns) })
                    .collect(),
            })
            .collect();
        let (labels_out, artifacts, crates_out, rows_total) = match by {
            By::Label => (
                Some(take(&labels, top).iter().map(|(l, f)| LabelRow::of(l, f, s.total_ns)).collect()),
                Some(s.artifacts.iter().map(|(a, b)| ArtifactRow { artifact: a.clone(), bytes: *b }).collect()),
                None,
                labels.len(),
            ),
            By::Crate => (None, None, Some(take(&crates, top).to_vec()), crates.len()),
        };
        SummaryReport {
            schema: "fastware/self-profile/1".into(),
            by,
            inputs: Inputs {
                profiles: s.profiles.len(),
                events: s.events,
                threads: s.profiles.iter().map(|p| p.threads).sum(),
                total_time_us: Duration(s.total_ns),
                busy_time_us: Duration(s.busy_ns),
            },
            labels: labels_out,
            artifact_sizes: artifacts,
            crates: crates_out,
            rows_total,
        }
    }

    fn label_table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("self time", "self_time_us"),
            Column::right("% of total", "share_of_total"),
            Column::right("time", "time_us"),
            Column::right("count", "count"),
            Column::right("cache hits", "cache_hits"),
            Column::right("blocked", "blocked_time_us"),
            Column::right("incr. load", "incremental_load_time_us"),
            Column::right("incr. hashing", "incremental_hashing_time_us"),
            Column::left("label", "label"),
        ]);
        let total = self.inputs.total_time_us.ns();
        for r in self.labels.iter().flatten() {
            t.row(vec![
                cells::time(r.self_time_us.ns()),
                cells::share(r.self_time_us.ns(), total),
                cells::time(r.time_us.ns()),
                cells::count(r.count),
                cells::count(r.cache_hits),
                cells::time(r.blocked_time_us.ns()),
                cells::time(r.incremental_load_time_us.ns()),
                cells::time(r.incremental_hashing_time_us.ns()),
                cells::text(&r.label),
            ]);
        }
        t
    }

    fn crate_table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("total", "total_time_us"),
            Column::right("% of total", "share_of_total"),
            Column::right("events", "events"),
            Column::left("crate", "crate"),
            Column::left("top labels (self time)", "top_labels"),
        ]);
        let total = self.inputs.total_time_us.ns();
        for r in self.crates.iter().flatten() {
            let shown: Vec<String> =
                r.top_labels.iter().map(|l| format!("{} {}", l.label, duration(l.self_time_us.ns()))).collect();
            let csv: Vec<String> =
                r.top_labels.iter().map(|l| format!("{}={}", l.label, micros_text(l.self_time_us.ns()))).collect();
            t.row(vec![
                cells::time(r.total_time_us.ns()),
                cells::share(r.total_time_us.ns(), total),
                cells::count(r.events),
                cells::text(&r.crate_name),
                (shown.join(", "), csv.join(";")),
            ]);
        }
        t
    }
}

/// `N profiles, M events on T threads; …`: the header of a summary.
fn header(out: &mut Text<'_>, i: &Inputs) -> std::io::Result<()> {
    out.line(format_args!(
        "{} {}, {} events on {} threads; total time {} (sum of each thread's span), busy {}",
        count(i.profiles as u64),
        if i.profiles == 1 { "profile" } else { "profiles" },
        count(i.events),
        count(i.threads),
        duration(i.total_time_us.ns()),
        duration(i.busy_time_us.ns())
    ))
}

impl Render for SummaryReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        header(out, &self.inputs)?;
        match self.by {
            By::Label => {
                out.section(
                    "Labels by self time (an event's time minus the events nested in it; % of the total time)",
                    &self.label_table(),
                    self.rows_total,
                )?;
                let arts = self.artifact_sizes.as_deref().unwrap_or_default();
                if !arts.is_empty() {
                    let mut t = Table::new(vec![Column::right("size", "bytes"), Column::left("artifact", "artifact")]);
                    for a in arts {
                        t.row(vec![cells::bytes(a.bytes), cells::text(&a.artifact)]);
                    }
                    out.section("Artifact sizes", &t, arts.len())?;
                }
            }
            By::Crate => out.section(
                "Crates by total time (each profile's threads, first event to last)",
                &self.crate_table(),
                self.rows_total,
            )?,
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(match self.by {
            By::Label => self.label_table(),
            By::Crate => self.crate_table(),
        })
    }
}

/// One side of a label's change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Side {
    pub self_time_us: Duration,
    pub time_us: Duration,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelChange {
    pub label: String,
    pub base: Side,
    pub new: Side,
    pub self_change_us: Duration,
    pub self_change_percent: Option<f64>,
    pub time_change_us: Duration,
    pub count_change: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrateChange {
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub base_total_us: Option<Duration>,
    pub new_total_us: Option<Duration>,
    pub change_us: Duration,
}

/// `fastware self-profile diff` (schema `fastware/self-profile-diff/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DiffReport {
    pub schema: String,
    pub by: By,
    pub base_total_time_us: Duration,
    pub new_total_time_us: Duration,
    pub threshold_percent: f64,
    /// Labels whose self time changed by at least the threshold, largest change first.
    pub labels: Vec<LabelChange>,
    pub crates: Vec<CrateChange>,
    /// Labels that changed by at least the threshold (before `--top`).
    pub labels_changed: usize,
    /// Labels unchanged or below the threshold.
    pub labels_hidden: usize,
}

impl DiffReport {
    pub fn new(d: &Diff, by: By, threshold: f64, top: usize) -> DiffReport {
        let shown: Vec<&LabelDelta> = d
            .labels
            .iter()
            .filter(|l| {
                let larger = l.base.self_ns.abs().max(l.new.self_ns.abs());
                larger > 0 && (l.self_delta().abs() as f64) * 100.0 >= threshold * larger as f64 && l.self_delta() != 0
            })
            .collect();
        let side = |f: &LabelFigures| Side {
            self_time_us: Duration(f.self_ns),
            time_us: Duration(f.total_ns),
            count: f.count,
        };
        DiffReport {
            schema: "fastware/self-profile-diff/1".into(),
            by,
            base_total_time_us: Duration(d.base_total_ns),
            new_total_time_us: Duration(d.new_total_ns),
            threshold_percent: threshold,
            labels: take(&shown, top)
                .iter()
                .map(|l| LabelChange {
                    label: l.label.clone(),
                    base: side(&l.base),
                    new: side(&l.new),
                    self_change_us: Duration(l.self_delta()),
                    self_change_percent: percent_change(l.base.self_ns, l.self_delta()),
                    time_change_us: Duration(l.total_delta()),
                    count_change: l.count_delta(),
                })
                .collect(),
            crates: take(&d.crates, if by == By::Crate { top } else { 0 })
                .iter()
                .map(|c| CrateChange {
                    crate_name: c.crate_name.clone(),
                    base_total_us: c.base_ns.map(Duration),
                    new_total_us: c.new_ns.map(Duration),
                    change_us: Duration(c.delta()),
                })
                .collect(),
            labels_changed: shown.len(),
            labels_hidden: d.labels.len() - shown.len(),
        }
    }

    fn label_table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("Δ self", "self_change_us"),
            Column::right("Δ self %", "self_change_share"),
            Column::right("base self", "base_self_time_us"),
            Column::right("new self", "new_self_time_us"),
            Column::right("Δ time", "time_change_us"),
            Column::right("Δ count", "count_change"),
            Column::left("label", "label"),
        ]);
        for l in &self.labels {
            t.row(vec![
                cells::time_change(l.self_change_us.ns()),
                cells::change_percent(l.base.self_time_us.ns(), l.self_change_us.ns()),
                cells::time(l.base.self_time_us.ns()),
                cells::time(l.new.self_time_us.ns()),
                cells::time_change(l.time_change_us.ns()),
                cells::count_change(l.count_change),
                cells::text(&l.label),
            ]);
        }
        t
    }

    fn crate_table(&self) -> Table {
        let mut t = Table::new(vec![
            Column::right("Δ total", "total_change_us"),
            Column::right("Δ %", "total_change_share"),
            Column::right("base", "base_total_us"),
            Column::right("new", "new_total_us"),
            Column::left("crate", "crate"),
        ]);
        for c in &self.crates {
            let side =
                |v: Option<Duration>| v.map_or_else(|| ("-".to_string(), String::new()), |m| cells::time(m.ns()));
            t.row(vec![
                cells::time_change(c.change_us.ns()),
                cells::change_percent(c.base_total_us.map_or(0, Duration::ns), c.change_us.ns()),
                side(c.base_total_us),
                side(c.new_total_us),
                cells::text(&c.crate_name),
            ]);
        }
        t
    }
}

impl Render for DiffReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        let (base, new) = (self.base_total_time_us.ns(), self.new_total_time_us.ns());
        let change = new - base;
        let pct = percent_change(base, change).map_or_else(|| "new".to_string(), |p| format!("{p:+.1}%"));
        out.line(format_args!(
            "total time {} → {} ({}{}, {pct})",
            duration(base),
            duration(new),
            if change > 0 { "+" } else { "" },
            duration(change)
        ))?;
        match self.by {
            By::Label => {
                out.blank()?;
                out.line("Labels by change of self time")?;
                out.table(&self.label_table())?;
                out.more(self.labels.len(), self.labels_changed)?;
                if self.labels_hidden > 0 {
                    out.line(format_args!(
                        "  ({} labels unchanged or below --threshold {}%)",
                        count(self.labels_hidden as u64),
                        self.threshold_percent
                    ))?;
                }
            }
            By::Crate => {
                out.blank()?;
                out.line("Crates by change of total time (\"-\": not in that build)")?;
                out.table(&self.crate_table())?;
            }
        }
        Ok(())
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(match self.by {
            By::Label => self.label_table(),
            By::Crate => self.crate_table(),
        })
    }
}

/// One long event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LongRow {
    pub label: String,
    pub kind: String,
    pub duration_us: Duration,
    pub start_us: Duration,
    pub thread: u32,
    #[serde(rename = "crate")]
    pub crate_name: String,
    pub profile: String,
    pub args: Vec<String>,
}

/// `fastware self-profile longest` (schema `fastware/self-profile-longest/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LongestReport {
    pub schema: String,
    /// The labels asked for (all when empty).
    pub labels: Vec<String>,
    pub matched_events: u64,
    pub events: Vec<LongRow>,
    /// Brackets nested deeper than this are elided in the table.
    pub depth: usize,
}

impl LongestReport {
    pub fn new(l: &Longest, labels: &[String], depth: usize) -> LongestReport {
        LongestReport {
            schema: "fastware/self-profile-longest/1".into(),
            labels: labels.to_vec(),
            matched_events: l.matched,
            events: l
                .events
                .iter()
                .map(|e| LongRow {
                    label: e.label.clone(),
                    kind: e.kind.name().to_string(),
                    duration_us: Duration(e.dur_ns),
                    start_us: Duration(e.start_ns),
                    thread: e.thread,
                    crate_name: e.crate_name.clone(),
                    profile: e.path.clone(),
                    args: e.args.clone(),
                })
                .collect(),
            depth,
        }
    }

    fn table(&self, abbreviated: bool) -> Table {
        let mut t = Table::new(vec![
            Column::right("duration", "duration_us"),
            Column::left("label", "label"),
            Column::left("crate", "crate"),
            Column::left("arguments", "arguments"),
        ]);
        for e in &self.events {
            let args = e.args.join(", ");
            let short = if abbreviated {
                e.args.iter().map(|x| abbreviate(readable_arg(x), self.depth, 300)).collect::<Vec<_>>().join(", ")
            } else {
                args.clone()
            };
            t.row(vec![
                cells::time(e.duration_us.ns()),
                cells::text(&e.label),
                cells::text(&e.crate_name),
                (short, args),
            ]);
        }
        t
    }
}

impl Render for LongestReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "The {} longest of {} events{} (arguments: the predicate, brackets nested deeper than {} shown as …; --format json has them whole)",
            self.events.len(),
            count(self.matched_events),
            if self.labels.is_empty() { String::new() } else { format!(" labelled {}", self.labels.join(" or ")) },
            self.depth
        ))?;
        out.table(&self.table(true))
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table(false))
    }
}

/// What `self-profile flamegraph` or `chrome` wrote (schemas
/// `fastware/self-profile-flamegraph/1`, `fastware/self-profile-chrome/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WrittenReport {
    pub schema: String,
    pub output: String,
    pub bytes: u64,
    /// Chrome traces: profiles read, events read and written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub profiles: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub events_in: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub events_out: Option<u64>,
}

impl WrittenReport {
    pub fn flamegraph(output: &std::path::Path, bytes: u64) -> WrittenReport {
        WrittenReport {
            schema: "fastware/self-profile-flamegraph/1".into(),
            output: output.display().to_string(),
            bytes,
            profiles: None,
            events_in: None,
            events_out: None,
        }
    }

    pub fn chrome(output: &std::path::Path, s: &ChromeStats) -> WrittenReport {
        WrittenReport {
            schema: "fastware/self-profile-chrome/1".into(),
            output: output.display().to_string(),
            bytes: s.bytes,
            profiles: Some(s.profiles),
            events_in: Some(s.events_in),
            events_out: Some(s.events_out),
        }
    }
}

impl Render for WrittenReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        match (self.profiles, self.events_in, self.events_out) {
            (Some(p), Some(i), Some(o)) => out.line(format_args!(
                "wrote {}: {} of {} events from {} {} ({})",
                self.output,
                count(o),
                count(i),
                p,
                if p == 1 { "profile" } else { "profiles" },
                bytes(self.bytes)
            )),
            _ => out.line(format_args!("wrote {} ({})", self.output, bytes(self.bytes))),
        }
    }

    fn csv(&self) -> Result<Table, Error> {
        let counts: Vec<(&str, u64)> = [
            ("profiles", self.profiles.map(|p| p as u64)),
            ("events_in", self.events_in),
            ("events_out", self.events_out),
        ]
        .into_iter()
        .filter_map(|(name, n)| n.map(|n| (name, n)))
        .collect();
        Ok(fastware_report::table::written(&self.output, self.bytes, &counts))
    }
}
