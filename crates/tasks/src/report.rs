//! What `fastware tasks` reports (schema `fastware/tasks/1`): every task's
//! figures (`tasks`, in spawn order, which findings point into), the view
//! asked for (`rows`: by task or by place, by busy time, cut to `--top`),
//! and the findings.

use serde::{Deserialize, Serialize};

use fastware_report::finding::{self, Finding};
use fastware_report::json::Duration;
use fastware_report::units::duration;
use fastware_report::{cells, Column, Error, Render, Table, Text};

use crate::findings::{label, place_of, Thresholds};
use crate::join::Joined;
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

/// The rows of `by`: each task, or the tasks of each place summed (the
/// longest poll the longest of them); most busy first.
pub fn group(tasks: &[TaskRow], by: By) -> Vec<TaskRow> {
    let mut rows: Vec<TaskRow> = match by {
        By::Task => tasks.to_vec(),
        By::Location => {
            let mut groups: Vec<TaskRow> = Vec::new();
            let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
            for t in tasks {
                let p = place_of(t.location.as_deref(), t.name.as_deref(), t.kind.as_deref());
                match index.get(&p).map(|&k| &mut groups[k]) {
                    Some(g) => {
                        g.tasks += t.tasks;
                        g.open += t.open;
                        g.lifetime_us = g.lifetime_us + t.lifetime_us;
                        g.busy_us = g.busy_us + t.busy_us;
                        g.scheduled_us = g.scheduled_us + t.scheduled_us;
                        g.idle_us = g.idle_us + t.idle_us;
                        g.polls += t.polls;
                        g.longest_poll_us = g.longest_poll_us.max(t.longest_poll_us);
                        g.wakes += t.wakes;
                        g.self_wakes += t.self_wakes;
                    }
                    None => {
                        index.insert(p.clone(), groups.len());
                        groups.push(TaskRow {
                            key: p,
                            task_id: None,
                            name: None,
                            kind: None,
                            location: None,
                            spawned_us: None,
                            ..t.clone()
                        })
                    }
                }
            }
            groups
        }
    };
    rows.sort_by(|a, b| b.busy_us.cmp(&a.busy_us).then(a.key.cmp(&b.key)));
    rows
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
    /// The blocking polls joined to a CPU profile of the run (`--profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Joined>,
}

impl TasksReport {
    pub fn new(
        recording: &str,
        r: &Recording,
        by: By,
        top: usize,
        th: &Thresholds,
        profile: Option<Joined>,
    ) -> TasksReport {
        let figures = crate::stats::all(r);
        let tasks: Vec<TaskRow> =
            r.tasks.iter().zip(&figures).map(|(t, f)| TaskRow::new(label(t), Some(t), f)).collect();
        let mut rows = group(&tasks, by);
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
            findings: crate::findings::findings(r, &figures, th, profile.as_ref()),
            profile,
        }
    }

    /// The rows to show: those of the result, or with `top`, regrouped
    /// from every task and cut to it.
    fn shown(&self, top: Option<usize>) -> Vec<TaskRow> {
        match top {
            None => self.rows.clone(),
            Some(n) => {
                let all = group(&self.tasks, self.by);
                all.into_iter().take(if n == 0 { usize::MAX } else { n }).collect()
            }
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
        for r in &self.shown(top) {
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
        let total = if top.is_some() { group(&self.tasks, self.by).len() } else { self.rows_total };
        out.section(title, &self.table(top), total)?;
        if let Some(j) = &self.profile {
            self.write_join(j, top, out)?;
        }
        finding::write(&self.findings, out)
    }
}

impl TasksReport {
    /// The blocking polls and what their threads did.
    fn write_join(&self, j: &Joined, top: Option<usize>, out: &mut Text<'_>) -> std::io::Result<()> {
        out.line(format_args!(
            "\nBlocking polls joined to {} ({} CPU samples and {} context switches in the recording's {}, {} clock):",
            j.profile,
            j.cpu_samples,
            j.switches,
            duration(j.overlap_us.ns()),
            j.clock
        ))?;
        if let Some(n) = &j.note {
            out.line(format_args!("  note: {n}"))?;
        }
        if j.polls.is_empty() {
            return out.line(format_args!("  none: no poll took over {}", duration(self.blocking_poll_us.ns())));
        }
        let n = match top {
            Some(0) => usize::MAX,
            Some(n) => n,
            None => 10,
        };
        for p in j.polls.iter().take(n) {
            let what = match (&p.thread, p.told()) {
                (Some(t), Some(told)) => format!("on {t}: {told}"),
                (Some(t), None) => format!("on {t}: no sample of it inside the poll"),
                (None, _) => "no thread was seen inside a task's poll for most of it".into(),
            };
            out.line(format_args!(
                "  {:>9} at {:>9}  {}  {what}",
                duration(p.poll_us.ns()),
                duration(p.start_us.ns()),
                p.task
            ))?;
        }
        if j.polls.len() > n {
            out.line(format_args!("  … {} more", j.polls.len() - n))?;
        }
        Ok(())
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

    /// The tasks as stacked bars (busy, scheduled, idle: one row per task,
    /// most busy first, lengths to one scale), then the findings.
    fn section(&self) -> Option<String> {
        use fastware_report::html::{escape, with_code};
        let all = group(&self.tasks, self.by);
        let rows = &all[..all.len().min(15)];
        let longest = rows.iter().map(|r| r.lifetime_us.ns().max(r.busy_us.ns() + r.scheduled_us.ns())).max()?;
        let (w, label_w, bar_h) = (720.0, 260.0, 18.0);
        let scale = (w - label_w - 10.0) / longest.max(1) as f64;
        let h = rows.len() as f64 * (bar_h + 6.0) + 30.0;
        let mut svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12" class="tasks">"##
        );
        for (i, r) in rows.iter().enumerate() {
            let y = i as f64 * (bar_h + 6.0);
            svg.push_str(&format!(
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                label_w - 6.0,
                y + bar_h * 0.75,
                escape(&r.key)
            ));
            let mut x = label_w;
            for (what, d, colour) in [
                ("busy", r.busy_us, "#1f77b4"),
                ("scheduled", r.scheduled_us, "#ff7f0e"),
                ("idle", r.idle_us, "#c7c7c7"),
            ] {
                let len = d.ns() as f64 * scale;
                svg.push_str(&format!(
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{len:.2}" height="{bar_h}" fill="{colour}" data-task="{}" data-part="{what}" data-ns="{}"><title>{}: {what} {}</title></rect>"#,
                    escape(&r.key),
                    d.ns(),
                    escape(&r.key),
                    duration(d.ns())
                ));
                x += len;
            }
        }
        let y = rows.len() as f64 * (bar_h + 6.0) + 16.0;
        svg.push_str(&format!(
            r##"<text x="{label_w}" y="{y:.1}"><tspan fill="#1f77b4">■ busy (polled)</tspan>  <tspan fill="#ff7f0e">■ scheduled (waiting for a worker)</tspan>  <tspan fill="#888">■ idle</tspan></text></svg>"##
        ));
        let mut html = format!(
            "<p>{} tasks over {}, most busy first{}</p>{svg}",
            self.tasks.len(),
            duration(self.duration_us.ns()),
            if all.len() > rows.len() {
                format!(" (the first {} of {})", rows.len(), all.len())
            } else {
                String::new()
            }
        );
        if !self.findings.is_empty() {
            html.push_str("<ol>");
            for f in &self.findings {
                html.push_str(&format!(
                    "<li><strong>[{}]</strong> {}<br>try: {}</li>",
                    escape(&f.rule),
                    with_code(&f.title),
                    with_code(&f.change)
                ));
            }
            html.push_str("</ol>");
        }
        Some(html)
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
