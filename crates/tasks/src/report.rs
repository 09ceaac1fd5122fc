//! What `fastware tasks` reports (schema `fastware/tasks/1`): every task's
//! figures (`tasks`, in spawn order, which findings point into), the view
//! asked for (`rows`: by task or by place, by busy time, cut to `--top`),
//! and the findings.

use serde::{Deserialize, Serialize};

use fastware_report::finding::{self, Finding};
use fastware_report::json::Duration;
use fastware_report::units::duration;
use fastware_report::{cells, Column, Error, Render, Table, Text};

use crate::findings::{label, place, Thresholds};
use crate::recording::{Recording, Task};
use crate::stats::Figures;

/// The `schema` of a `tasks` result.
pub const SCHEMA: &str = "fastware/tasks/1";

/// What the rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum By {
    /// One row per task
    Task,
    /// One row per spawn location (the task's name when the recording has no location)
    Location,
}

/// One task, or the tasks of one place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRow {
    /// The task (`name (task id)`) or the place.
    pub key: String,
    /// Tasks in the row.
    pub tasks: u64,
    pub task_id: Option<u64>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub location: Option<String>,
    pub spawned_us: Option<Duration>,
    /// Spawn to close (to the recording's end when it did not close); summed over a place's tasks.
    pub lifetime_us: Duration,
    pub busy_us: Duration,
    pub scheduled_us: Duration,
    pub idle_us: Duration,
    pub polls: u64,
    pub longest_poll_us: Duration,
    pub wakes: u64,
    pub self_wakes: u64,
    /// Tasks of the row that did not close before the recording ended.
    pub open: u64,
}

impl TaskRow {
    fn new(key: String, t: Option<&Task>, f: &Figures) -> TaskRow {
        let d = Duration::from_nanos;
        TaskRow {
            key,
            tasks: 1,
            task_id: t.and_then(|t| t.task_id),
            name: t.and_then(|t| t.name.clone()),
            kind: t.and_then(|t| t.kind.clone()),
            location: t.and_then(|t| t.location.clone()),
            spawned_us: t.map(|t| d(t.spawned)),
            lifetime_us: d(f.lifetime),
            busy_us: d(f.busy),
            scheduled_us: d(f.scheduled),
            idle_us: d(f.idle),
            polls: f.polls,
            longest_poll_us: d(f.longest_poll),
            wakes: f.wakes,
            self_wakes: f.self_wakes,
            open: u64::from(t.is_some_and(|t| t.closed.is_none())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TasksReport {
    pub schema: String,
    pub recording: String,
    /// The recording's format version.
    pub version: u64,
    /// First event to last.
    pub duration_us: Duration,
    pub events: u64,
    /// The recording's last line was cut and left out.
    pub torn: bool,
    /// Every task, in spawn order.
    pub tasks: Vec<TaskRow>,
    pub by: By,
    /// The view: by task or place, most busy first, cut to `--top`.
    pub rows: Vec<TaskRow>,
    pub rows_total: usize,
    /// A poll longer than this is a blocking poll.
    pub blocking_poll_us: Duration,
    pub findings: Vec<Finding>,
}

impl TasksReport {
    pub fn new(recording: &str, r: &Recording, by: By, top: usize, th: &Thresholds) -> TasksReport {
        let figures = crate::stats::all(r);
        let tasks: Vec<TaskRow> =
            r.tasks.iter().zip(&figures).map(|(t, f)| TaskRow::new(label(t), Some(t), f)).collect();
        let mut rows: Vec<TaskRow> = match by {
            By::Task => tasks.clone(),
            By::Location => {
                let mut groups: Vec<(String, Figures, u64, u64)> = Vec::new();
                for (t, f) in r.tasks.iter().zip(&figures) {
                    let p = place(t);
                    let open = u64::from(t.closed.is_none());
                    match groups.iter_mut().find(|g| g.0 == p) {
                        Some(g) => {
                            g.1.add(f);
                            g.2 += 1;
                            g.3 += open;
                        }
                        None => groups.push((p, f.clone(), 1, open)),
                    }
                }
                groups
                    .into_iter()
                    .map(|(p, f, n, open)| TaskRow { tasks: n, open, ..TaskRow::new(p, None, &f) })
                    .collect()
            }
        };
        rows.sort_by(|a, b| b.busy_us.cmp(&a.busy_us).then(a.key.cmp(&b.key)));
        let rows_total = rows.len();
        if top > 0 {
            rows.truncate(top);
        }
        TasksReport {
            schema: SCHEMA.into(),
            recording: recording.into(),
            version: r.version,
            duration_us: Duration::from_nanos(r.duration),
            events: r.events,
            torn: r.torn,
            tasks,
            by,
            rows,
            rows_total,
            blocking_poll_us: Duration::from_nanos(th.blocking_poll),
            findings: crate::findings::findings(r, &figures, th),
        }
    }

    fn table(&self, top: Option<usize>) -> Table {
        let mut cols = vec![
            Column::right("busy", "busy_us"),
            Column::right("scheduled", "scheduled_us"),
            Column::right("idle", "idle_us"),
            Column::right("lifetime", "lifetime_us"),
            Column::right("polls", "polls"),
            Column::right("longest poll", "longest_poll_us"),
            Column::right("wakes", "wakes"),
            Column::right("self", "self_wakes"),
        ];
        if self.by == By::Location {
            cols.push(Column::right("tasks", "tasks"));
        }
        cols.push(Column::left(if self.by == By::Task { "task" } else { "location" }, "key"));
        let mut t = Table::new(cols);
        let rows = top.map_or(&self.rows[..], |n| cells::take(&self.rows, n));
        for r in rows {
            let mut row = vec![
                cells::time(r.busy_us.ns()),
                cells::time(r.scheduled_us.ns()),
                cells::time(r.idle_us.ns()),
                cells::time(r.lifetime_us.ns()),
                cells::count(r.polls),
                cells::time(r.longest_poll_us.ns()),
                cells::count(r.wakes),
                cells::count(r.self_wakes),
            ];
            if self.by == By::Location {
                row.push(cells::count(r.tasks));
            }
            let key = if r.open > 0 && self.by == By::Task { format!("{} (open)", r.key) } else { r.key.clone() };
            row.push((key, r.key.clone()));
            t.row(row);
        }
        t
    }

    fn write(&self, top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        let busy: i64 = self.tasks.iter().map(|t| t.busy_us.ns()).sum();
        let open = self.tasks.iter().filter(|t| t.open > 0).count();
        out.line(format_args!(
            "{}: {} tasks over {} ({} events), {} polled in all; {} still open at the end",
            self.recording,
            self.tasks.len(),
            duration(self.duration_us.ns()),
            self.events,
            duration(busy),
            open
        ))?;
        if self.torn {
            out.line("note: the last line was cut (the program stopped while recording): left out")?;
        }
        let title = if self.by == By::Task { "Tasks, most busy first" } else { "Locations, most busy first" };
        out.section(title, &self.table(top), self.rows_total)?;
        finding::write(&self.findings, out)
    }
}

impl Render for TasksReport {
    fn text(&self, out: &mut Text<'_>) -> std::io::Result<()> {
        self.write(None, out)
    }

    fn csv(&self) -> Result<Table, Error> {
        Ok(self.table(None))
    }
}

impl fastware_report::Kind for TasksReport {
    const SCHEMA: &'static str = SCHEMA;
    const COMMAND: &'static str = "tasks";
    const METRICS: &'static str = "busy, scheduled, polls, blocking";

    fn show(&self, top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        self.write(top, out)
    }

    fn metric(&self, name: &str) -> Option<fastware_report::Metric> {
        use fastware_report::Metric;
        let sum = |f: fn(&TaskRow) -> i64| self.tasks.iter().map(f).sum::<i64>() as f64;
        match name {
            "busy" => Some(Metric::Nanos(sum(|t| t.busy_us.ns()))),
            "scheduled" => Some(Metric::Nanos(sum(|t| t.scheduled_us.ns()))),
            "polls" => Some(Metric::Count(sum(|t| t.polls as i64))),
            "blocking" => {
                Some(Metric::Count(self.findings.iter().filter(|f| f.rule == "blocking-poll").count() as f64))
            }
            _ => None,
        }
    }
}
